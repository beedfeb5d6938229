"""The Ledger's commands: what they append, and the typed errors that leave the log unchanged."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import (
    AlreadyExistsError,
    Dimension,
    DuplicateEventError,
    Figure,
    FigureError,
    IncidentOpened,
    Ledger,
    LedgerError,
    Period,
    Provenance,
    ReportCorrected,
    ReportFiled,
    ReportStateError,
    ReportStatus,
    SourceKind,
    SourceRegistered,
    UnknownIncidentError,
    UnknownReportError,
    UnknownSourceError,
    UnknownTermError,
    ValidationError,
    Verification,
)

INCIDENT = "syria-coast-2025-03"
SAT = dt.datetime(2025, 3, 8, 12, tzinfo=dt.UTC)


def at(days: float) -> dt.datetime:
    return SAT + dt.timedelta(days=days)


def _seeded(ledger: Ledger) -> Ledger:
    ledger.open_incident(INCIDENT, title="Syrian coast", places=["latakia", "tartous"])
    ledger.register_source("snhr", name="Syrian Network for Human Rights", kind="monitor")
    ledger.register_source("moi", name="Ministry of Information", kind="government")
    return ledger


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    if request.param == "memory":
        made = Ledger.in_memory(actor="tester")
    else:
        made = Ledger.open(tmp_path / "ledger.db", actor="tester", durable=False)
    with made:
        yield _seeded(made)


def file(ledger: Ledger, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "source": "snhr", "metric": "killed", "figure": "at least 311", "reported_at": SAT,
    }  # fmt: skip
    return ledger.file_report(INCIDENT, **{**fields, **overrides})


def test_open_incident_adds_new_places_in_the_same_batch(ledger: Ledger) -> None:
    kinds = [type(e.event).__name__ for e in ledger.events()]
    assert kinds[:3] == ["TaxonomyExtended", "TaxonomyExtended", "IncidentOpened"]
    assert ledger.taxonomy.is_part_of(Dimension.PLACE, "latakia", "all")
    first = list(ledger.events())[:3]
    assert len({e.recorded_at for e in first}) == 1  # one batch, one instant


def test_filing_revising_and_retracting(ledger: Ledger) -> None:
    rid = file(
        ledger,
        group="civilians",
        by="government_forces",
        period=Period(start=dt.date(2025, 3, 6)),
        provenance=Provenance(via="CNN", verification=Verification.UNVERIFIABLE),
    )
    ledger.revise_report(rid, figure="at least 500", reported_at=at(1), reason="SNHR update")
    report = ledger.report(rid)
    assert [str(v.figure) for v in report.versions] == ["at least 311", "at least 500"]
    assert report.versions[1].period == Period(start=dt.date(2025, 3, 6))  # kept
    stored = ledger.retract_report(rid, reported_at=at(2), actor="editor")
    assert ledger.report(rid).status is ReportStatus.RETRACTED
    assert stored.actor == "editor"
    assert stored.stream == INCIDENT
    assert stored.recorded_at.tzinfo is not None


def test_corrections_fix_a_version_and_must_say_why(ledger: Ledger) -> None:
    rid = file(ledger)
    ledger.revise_report(rid, figure="at least 500", reported_at=at(1))
    stored = ledger.correct_report(rid, version=0, figure="at least 331", reason="typo")
    assert isinstance(stored.event, ReportCorrected)
    assert stored.reason == "typo"
    assert [str(v.figure) for v in ledger.report(rid).versions] == ["at least 331", "at least 500"]
    ledger.correct_report(rid, group="civilians", reason="wrong category")
    assert ledger.report(rid).group == "civilians"
    with pytest.raises(ValidationError) as info:
        ledger.correct_report(rid, figure="1", reason=" ")
    assert info.value.field == "reason"


def test_a_ledger_reopened_from_its_file_knows_everything(tmp_path: Path) -> None:
    with _seeded(Ledger.open(tmp_path / "l.db", actor="a")) as first:
        rid = file(first)
        position = first.position
    with Ledger.open(tmp_path / "l.db", actor="b") as second:
        assert second.position == position
        assert second.report(rid).source == "snhr"
        with pytest.raises(AlreadyExistsError):
            second.register_source("snhr", name="again", kind="monitor")


def _bad_commands() -> list[tuple[str, Callable[[Ledger, str], object], type[LedgerError], str]]:
    return [
        ("unknown incident", lambda lg, r: lg.file_report(
            "nowhere", source="snhr", metric="killed", figure="1", reported_at=SAT),
         UnknownIncidentError, "incident"),
        ("unknown source", lambda lg, r: file(lg, source="nobody"), UnknownSourceError, "source"),
        ("unknown metric", lambda lg, r: file(lg, metric="eaten"), UnknownTermError, "metric"),
        ("unknown group", lambda lg, r: file(lg, group="aliens"), UnknownTermError, "group"),
        ("unknown perpetrator", lambda lg, r: file(lg, by="aliens"), UnknownTermError, "by"),
        ("unknown place", lambda lg, r: file(lg, place="atlantis"), UnknownTermError, "place"),
        ("negative count", lambda lg, r: file(lg, figure="-3"), FigureError, "figure"),
        ("low above high", lambda lg, r: file(lg, figure="150-120"), FigureError, "figure"),
        ("naive datetime", lambda lg, r: file(lg, reported_at=dt.datetime(2025, 3, 8)),
         ValidationError, "reported_at"),
        ("duplicate report id", lambda lg, r: file(lg, report_id=r),
         AlreadyExistsError, "report_id"),
        ("duplicate incident", lambda lg, r: lg.open_incident(INCIDENT, title="again"),
         AlreadyExistsError, "incident"),
        ("bad source kind", lambda lg, r: lg.register_source("x", name="X", kind="alien"),
         ValidationError, "kind"),
        ("bad id", lambda lg, r: lg.register_source("no spaces", name="X", kind="ngo"),
         ValidationError, "source"),
        ("revise unknown", lambda lg, r: lg.revise_report("nope", figure="1", reported_at=at(1)),
         UnknownReportError, "report_id"),
        ("revise earlier", lambda lg, r: lg.revise_report(r, figure="400", reported_at=at(-1)),
         ValidationError, "reported_at"),
        ("retract earlier", lambda lg, r: lg.retract_report(r, reported_at=at(-1)),
         ValidationError, "reported_at"),
        ("correct nothing", lambda lg, r: lg.correct_report(r, figure="at least 311", reason="x"),
         ValidationError, "correction"),
        ("correct no field", lambda lg, r: lg.correct_report(r, reason="x"),
         ValidationError, "correction"),
        ("correct bad version",
         lambda lg, r: lg.correct_report(r, version=99, figure="1", reason="x"),
         ValidationError, "version"),
        ("correct unknown source", lambda lg, r: lg.correct_report(r, source="nobody", reason="x"),
         UnknownSourceError, "source"),
        ("void without reason", lambda lg, r: lg.void_report(r, reason=""),
         ValidationError, "reason"),
        ("extend with unknown parent", lambda lg, r: lg.extend_taxonomy("group", "x", parent="y"),
         UnknownTermError, "parent"),
        ("extend existing", lambda lg, r: lg.extend_taxonomy("group", "children"),
         AlreadyExistsError, "term"),
        ("bad dimension", lambda lg, r: lg.extend_taxonomy("colour", "red"),
         ValidationError, "dimension"),
        ("incident place not a slug",
         lambda lg, r: lg.open_incident("x", title="X", places=["A B"]),
         ValidationError, "places[0]"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "command", "error", "field"), _bad_commands(), ids=[c[0] for c in _bad_commands()]
)
def test_bad_commands_raise_typed_errors_and_write_nothing(
    ledger: Ledger,
    name: str,
    command: Callable[[Ledger, str], object],
    error: type[LedgerError],
    field: str,
) -> None:
    rid = file(ledger)
    head = ledger.store.head()
    with pytest.raises(error) as info:
        command(ledger, rid)
    assert info.value.field == field, name  # type: ignore[attr-defined]
    assert ledger.store.head() == head


@pytest.mark.parametrize("final", ["retract", "void"])
def test_a_retracted_or_voided_report_cannot_be_revised_or_retracted(
    ledger: Ledger, final: str
) -> None:
    rid = file(ledger)
    if final == "retract":
        ledger.retract_report(rid, reported_at=at(1))
    else:
        ledger.void_report(rid, reason="duplicate entry")
    head = ledger.store.head()
    with pytest.raises(ReportStateError, match=final):
        ledger.revise_report(rid, figure="500", reported_at=at(3))
    with pytest.raises(ReportStateError):
        ledger.retract_report(rid, reported_at=at(3))
    assert ledger.store.head() == head


def test_a_batch_is_checked_event_by_event_and_appended_whole(ledger: Ledger) -> None:
    opened = IncidentOpened(incident="new-one", title="New")
    filed = ReportFiled(
        incident="new-one", report_id="r1", source="snhr", metric="killed",
        figure=Figure.exact(3), reported_at=SAT,
    )  # fmt: skip
    head = ledger.store.head()
    # The filing is valid only because the incident opens earlier in the same batch...
    with pytest.raises(UnknownIncidentError):
        ledger.append([filed, opened])
    assert ledger.store.head() == head
    # ...and one bad event sinks the whole batch.
    with pytest.raises(UnknownSourceError):
        ledger.append([opened, filed, attrs.evolve(filed, report_id="r2", source="ghost")])
    assert ledger.store.head() == head
    stored = ledger.append([opened, filed], reason="bulk entry")
    assert [s.position for s in stored] == [head.position + 1, head.position + 2]
    assert {s.reason for s in stored} == {"bulk entry"}


def test_an_empty_batch_appends_nothing(ledger: Ledger) -> None:
    head = ledger.store.head()
    assert ledger.append([]) == []
    assert ledger.store.head() == head


def test_append_with_event_ids_is_safe_to_retry(ledger: Ledger) -> None:
    opened = IncidentOpened(incident="new-one", title="New")
    first = ledger.append([opened], event_ids=["evt-1"])
    head = ledger.store.head()
    assert ledger.append([opened], event_ids=["evt-1"]) == first
    assert ledger.store.head() == head
    # The same id for another event is refused, not silently dropped.
    with pytest.raises(DuplicateEventError):
        ledger.append([IncidentOpened(incident="other", title="Other")], event_ids=["evt-1"])


def test_threads_can_share_one_ledger(tmp_path: Path) -> None:
    with _seeded(Ledger.open(tmp_path / "l.db", actor="a", durable=False)) as shared:
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(20):
                    rid = file(shared, figure=str(i))
                    shared.revise_report(rid, figure=str(i + n), reported_at=at(1))
            except BaseException as exc:  # noqa: BLE001 - surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        events = list(shared.events(incident=INCIDENT))
        assert [e.version for e in events] == list(range(1, 162))


# A random valid history, then a random failing command: the log must not move.

commands = st.lists(
    st.tuples(st.sampled_from(["file", "revise", "correct", "retract", "void"]),
              st.integers(0, 5), st.integers(0, 400)),
    max_size=12,
)  # fmt: skip


# "correct nothing" fails only while the report still reads "at least 311".
_ALWAYS_BAD = [c for c in _bad_commands() if c[0] != "correct nothing"]


@given(history=commands, bad=st.sampled_from(_ALWAYS_BAD))
def test_a_failed_command_leaves_the_log_unchanged(
    history: list[tuple[str, int, int]],
    bad: tuple[str, Callable[[Ledger, str], object], type[LedgerError], str],
) -> None:
    with _seeded(Ledger.in_memory(actor="t")) as ledger:
        reports = [file(ledger)]
        for step, (command, pick, n) in enumerate(history, start=1):
            rid = reports[pick % len(reports)]
            status = ledger.report(rid).status
            when = at(step)
            if command == "file":
                reports.append(file(ledger, figure=str(n), reported_at=when))
            elif status is ReportStatus.VOIDED:
                continue
            elif command == "correct":
                ledger.correct_report(rid, figure=Figure.exact(n + 1000 * step), reason="fix")
            elif command == "void":
                ledger.void_report(rid, reason="dup")
            elif status is ReportStatus.LIVE and command == "revise":
                ledger.revise_report(rid, figure=str(n), reported_at=when)
            elif status is ReportStatus.LIVE:
                ledger.retract_report(rid, reported_at=when)
        before = list(ledger.events())
        failing = bad[1]
        with pytest.raises(LedgerError):
            failing(ledger, reports[0])
        assert list(ledger.events()) == before


def test_appended_events_get_distinct_time_ordered_uuids() -> None:
    ledger = Ledger.in_memory(actor="t")
    sources = [
        SourceRegistered(source=f"s{i}", name=f"S{i}", kind=SourceKind.NGO) for i in range(300)
    ]
    before = time.time_ns() // 1_000_000
    first = ledger.append(sources[:150])
    second = ledger.append(sources[150:])
    after = time.time_ns() // 1_000_000
    ids = [s.event_id for s in first + second]
    assert len(set(ids)) == len(ids)
    for event_id in ids:
        parsed = uuid.UUID(hex=event_id)
        assert (parsed.version, parsed.variant, parsed.hex) == (7, uuid.RFC_4122, event_id)
        # RFC 9562: the first 48 bits are the Unix time in milliseconds.
        assert before <= int(event_id[:12], 16) <= after
    # Later batches sort after earlier ones: what keeps index inserts at its end.
    assert max(i[:12] for i in ids[:150]) <= min(i[:12] for i in ids[150:])
