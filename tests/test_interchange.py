"""JSON Lines import, export and restore (ledger.interchange), without the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import (
    Ledger,
    LineError,
    ReportStateError,
    StoreError,
    UnknownReportError,
    export_log,
    import_lines,
    restore_log,
)
from ledger.interchange import EXPORT_FORMAT

from .held import incident_ids
from .postgres_support import SchemaFactory, postgres_url
from .strategies import Step, histories
from .test_projection_laws import build

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import syria_coast_2025 as story  # noqa: E402

SEED = ROOT / "examples" / "syria_coast_2025.jsonl"
SATURDAY = dt.date(2025, 3, 8)


def seed_by_python() -> Ledger:
    clock = story.DeskClock()
    ledger = Ledger.in_memory(actor="data-desk", clock=clock)
    story.record_saturday(ledger)
    story.record_later_changes(ledger, clock)
    return ledger


def exported(ledger: Ledger) -> str:
    out = io.StringIO()
    export_log(ledger, out)
    return out.getvalue()


# Import.


def test_the_seed_file_imports_to_the_python_examples_tallies() -> None:
    ledger = Ledger.in_memory(actor="importer")
    with SEED.open(encoding="utf-8") as lines:
        summary = import_lines(ledger, lines)
    assert summary.lines == 18
    assert summary.counts == {
        "incident": 1, "source": 3, "term": 1, "report": 10, "revision": 1, "correction": 1,
        "retraction": 1,
    }  # fmt: skip
    # Three places join the taxonomy with the incident, as `open_incident` does.
    assert summary.positions == range(1, 22)
    python = seed_by_python()
    for as_of in (None, SATURDAY):
        assert ledger.tally(story.INCIDENT, as_of=as_of) == python.tally(
            story.INCIDENT, as_of=as_of
        )
    # One transaction: every event of the import was recorded at one instant.
    assert len({e.recorded_at for e in ledger.events()}) == 1


def test_each_line_keeps_its_own_reason() -> None:
    ledger = Ledger.in_memory(actor="importer")
    import_lines(ledger, SEED.read_text(encoding="utf-8").splitlines(), reason="bulk load")
    changes = ledger.history("snhr-killed-children-government_forces")
    assert [(c.change, c.reason, c.actor) for c in changes] == [
        ("filed", "bulk load", "importer"),
        ("corrected", "data entry: typed 17 for SNHR's 7", "importer"),
    ]


def _report_line(i: int, *, figure: str = "at least 3") -> str:
    return json.dumps({
        "type": "report", "incident": "inc", "source": "src", "metric": "killed",
        "figure": figure, "reported_at": "2025-03-08T14:00:00+03:00", "report_id": f"r{i}",
    })  # fmt: skip


REVISE_NOPE = (
    '{"type": "revision", "report_id": "nope", "figure": "4", "reported_at": "2025-03-09T00:00Z"}'
)


def _thousand(bad_at: int, bad: str) -> Iterator[str]:
    yield json.dumps({"type": "incident", "incident": "inc", "title": "An incident"})
    yield json.dumps({"type": "source", "source": "src", "name": "A source", "kind": "ngo"})
    for number in range(3, 1001):
        yield bad if number == bad_at else _report_line(number)


@pytest.mark.parametrize(
    ("bad", "field", "error"),
    [
        (_report_line(0, figure="lots"), "figure", None),
        (_report_line(0).replace("+03:00", ""), "reported_at", None),
        (REVISE_NOPE, "report_id", UnknownReportError),
        (_report_line(5), "report_id", None),  # a duplicate of line 5's id
        ('{"type": "report", "incident": "inc"', None, None),
        ('{"type": "mystery"}', "type", None),
        (_report_line(0)[:-1] + ', "colour": "red"}', "colour", None),
    ],
)  # fmt: skip
def test_one_bad_line_among_a_thousand_writes_nothing_and_is_named(
    bad: str, field: str | None, error: type[Exception] | None
) -> None:
    ledger = Ledger.in_memory(actor="importer")
    ledger.register_source("already-here", name="Before the import", kind="monitor")
    before = exported(ledger)
    with pytest.raises(LineError) as caught:
        import_lines(ledger, _thousand(737, bad))
    assert caught.value.line == 737
    assert caught.value.field == field
    assert str(caught.value).startswith(f"line 737: {field}: " if field else "line 737: ")
    if error is not None:
        assert isinstance(caught.value.error, error)
    assert exported(ledger) == before


def test_lines_see_the_lines_before_them_and_blank_lines_keep_the_numbering() -> None:
    ledger = Ledger.in_memory(actor="importer")
    lines = [
        *list(_thousand(0, ""))[:3],
        "",
        '{"type": "retraction", "report_id": "r3", "reported_at": "2025-03-09T00:00Z"}',
        '{"type": "revision", "report_id": "r3", "figure": "4", "reported_at": "2025-03-10T01Z"}',
    ]
    with pytest.raises(LineError) as caught:
        import_lines(ledger, lines)
    assert caught.value.line == 6
    assert isinstance(caught.value.error, ReportStateError)
    assert ledger.position == 0


def test_corrections_and_voids_must_say_why() -> None:
    ledger = Ledger.in_memory(actor="importer")
    head = list(_thousand(0, ""))[:3]
    void = '{"type": "void", "report_id": "r3"}'
    with pytest.raises(LineError, match=r"line 4: reason: is required: a void must say why"):
        import_lines(ledger, [*head, void])
    summary = import_lines(ledger, [*head, void], reason="entered twice")
    assert ledger.history("r3")[-1].reason == "entered twice"
    assert summary.counts["void"] == 1


def test_an_export_offered_as_an_import_is_refused_with_a_hint() -> None:
    text = exported(seed_by_python())
    with pytest.raises(LineError, match="restore it into an empty ledger"):
        import_lines(Ledger.in_memory(actor="x"), text.splitlines())


# Export and restore.


@given(steps=histories(), zeros=st.lists(st.booleans()), data=st.data())
def test_export_then_restore_reproduces_every_record_and_answer(
    steps: list[Step], zeros: list[bool], data: st.DataObject
) -> None:
    # Some appends share an instant with the one before them, as a batch's events do.
    steps = [(0 if zero else minutes, event) for (minutes, event), zero in
             zip(steps, [*zeros, *[False] * len(steps)], strict=False)]  # fmt: skip
    original = build(steps)
    text = exported(original)
    restored = Ledger.in_memory(actor="someone-else")
    digest = restore_log(restored, text.splitlines(keepends=True))
    assert digest == original.digest() == restored.digest()
    assert list(restored.store.read()) == list(original.store.read())
    assert exported(restored) == text
    log = list(original.events())
    for incident in incident_ids(original):
        known_at = data.draw(st.none() | st.sampled_from([e.recorded_at for e in log]))
        as_of = data.draw(st.none() | st.sampled_from([None, *(e.recorded_at for e in log)]))
        assert restored.tally(incident, as_of=as_of, known_at=known_at) == original.tally(
            incident, as_of=as_of, known_at=known_at
        )


def test_restore_from_a_file_into_sqlite(tmp_path: Path) -> None:
    original = seed_by_python()
    export = tmp_path / "backup.jsonl"
    export.write_text(exported(original), encoding="utf-8")
    with Ledger.open(tmp_path / "restored.db", actor="x") as restored:
        assert restore_log(restored, export) == original.digest()
        assert restored.tally(story.INCIDENT) == original.tally(story.INCIDENT)
        assert restored.verify().ok


def test_restore_into_postgresql() -> None:
    factory = SchemaFactory(postgres_url())
    try:
        original = seed_by_python()
        store = factory()
        restore_log(store, exported(original).splitlines())
        with Ledger(store, actor="x") as restored:
            assert restored.digest() == original.digest()
            assert restored.tally(story.INCIDENT, as_of=SATURDAY) == original.tally(
                story.INCIDENT, as_of=SATURDAY
            )
    finally:
        factory.cleanup()


def test_restore_refuses_a_ledger_that_is_not_empty() -> None:
    target = Ledger.in_memory(actor="x")
    target.register_source("s", name="S", kind="ngo")
    with pytest.raises(StoreError, match="holds 1 events; restore only into an empty one"):
        restore_log(target, exported(seed_by_python()).splitlines())
    assert target.position == 1


def _altered(text: str, line: int, change: dict[str, object]) -> list[str]:
    lines = text.splitlines()
    record = json.loads(lines[line - 1])
    record.update(change)
    lines[line - 1] = json.dumps(record)
    return lines


@pytest.mark.parametrize(
    ("alter", "line", "field"),
    [
        (lambda t: t.splitlines()[:-1], 1, "head"),  # truncated
        (lambda t: t.splitlines()[1:], 1, "format"),  # no header
        (lambda t: _altered(t, 5, {"hash": "0" * 64}), 5, "hash"),
        (lambda t: _altered(t, 5, {"position": 7}), 5, "position"),
        (lambda t: _altered(t, 5, {"recorded_at": "2025-03-08T18:00:00"}), 5, "recorded_at"),
        (lambda t: _altered(t, 5, {"body": "{}"}), 5, "body"),
        (lambda t: _altered(t, 1, {"format_version": 2}), 1, "format_version"),
        (lambda t: [*t.splitlines(), "junk"], 23, None),
        (lambda t: [], 1, None),
    ],
)
def test_a_bad_export_is_refused_before_anything_is_written(
    alter: object, line: int, field: str | None
) -> None:
    assert callable(alter)
    lines = alter(exported(seed_by_python()))
    target = Ledger.in_memory(actor="x")
    with pytest.raises(LineError) as caught:
        restore_log(target, lines)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert target.position == 0


def test_an_edited_body_is_caught_by_its_hash() -> None:
    text = exported(seed_by_python())
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if '\\"figure\\":\\"17\\"' in line)
    record = json.loads(lines[index])
    record["body"] = record["body"].replace('"figure":"17"', '"figure":"170"')
    lines[index] = json.dumps(record)
    with pytest.raises(LineError, match=f"line {index + 1}: hash: does not follow"):
        restore_log(Ledger.in_memory(actor="x"), lines)


def test_an_empty_ledger_exports_and_restores() -> None:
    text = exported(Ledger.in_memory(actor="x"))
    assert json.loads(text)["format"] == EXPORT_FORMAT
    target = Ledger.in_memory(actor="x")
    assert restore_log(target, text.splitlines()).position == 0


@pytest.mark.parametrize("bad_at", [3, 12, 19])
def test_an_import_in_many_batches_is_still_all_or_nothing(tmp_path: Path, bad_at: int) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    lines.insert(bad_at - 1, '{"type": "revision", "report_id": "nobody-filed-this"}')
    with Ledger.open(tmp_path / "l.db", actor="importer") as ledger:
        with pytest.raises(LineError) as caught:
            import_lines(ledger, lines, batch=4)  # the bad line falls in a later batch
        assert caught.value.line == bad_at
        assert ledger.position == 0  # the batches before it were never committed
        assert ledger.incidents() == []
        assert ledger.store.check_read_model() is None
        good = [line for n, line in enumerate(lines, start=1) if n != bad_at]
        summary = import_lines(ledger, good, batch=4)
        assert summary.positions == range(1, 22)
    with Ledger.open(tmp_path / "l.db") as reopened:
        assert reopened.tally(story.INCIDENT) == seed_by_python().tally(story.INCIDENT)
