"""Redaction keeps verification (issue 16): erased text is gone from the SQLite file, its
WAL, exports and the read model, while verify passes, names each redaction, and every tally,
hash and proof stays as it was."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    Figure,
    Ledger,
    Provenance,
    StoreError,
    UnknownFieldError,
    ValidationError,
    export_log,
    restore_log,
)
from ledger.codec import EVENTS, committed, redacted_body
from ledger.proof_check import check_proof
from ledger.proof_format import dump_document
from ledger.proofs import inclusion_proof, tree_head

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
ERASED_NAME = "Witness W. Hidden-Name, 34, of Baniyas"


VICTIM = "Victim V. Private-Name"


def _ledger(path: Path) -> tuple[Ledger, str]:
    ledger = Ledger.open(path, actor="desk", clock=lambda: T0 + dt.timedelta(days=3))
    ledger.open_incident("coast", title="Coast")
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    ledger.declare_field("victim_names", description="the names the source gives")
    rid = ledger.file_report(
        "coast",
        source="snhr",
        metric="killed",
        figure="at least 311",
        reported_at=T0,
        provenance=Provenance(
            via="CNN",
            quote=f"{ERASED_NAME} saw it",
            notes=f"call {ERASED_NAME}",
            personal={"victim_names": f"{VICTIM} and another"},
        ),
    )
    ledger.revise_report(
        rid,
        figure="at least 400",
        reported_at=T0 + dt.timedelta(days=1),
        provenance=Provenance(quote=f"{ERASED_NAME} again"),
    )
    return ledger, rid


def _files(path: Path) -> list[Path]:
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]


def _substance(ledger: Ledger) -> object:
    """Every figure a tally gives, with its bounds, source, version and times: all but the
    free text of the provenance, which is what a redaction erases."""
    tally = ledger.tally("coast")
    entries = [
        (e.source, e.key, e.figure, e.figure.low, e.figure.high, e.report_id, e.version,
         e.reported_at, e.period, e.provenance.via, e.provenance.verification)
        for e in tally.entries
    ]  # fmt: skip
    spans = [(s.key, s.low, s.high, s.lowest, s.highest) for s in tally.spans]
    checks = [(c.source, c.dimension, c.whole.figure, c.parts_low) for c in tally.checks]
    return entries, spans, checks


def test_erased_text_is_gone_from_the_file_its_wal_and_an_export(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger, rid = _ledger(path)
    head = tree_head(ledger)
    proof = inclusion_proof(ledger, rid, head=head, version=0)
    # A proof carries the record's free text only as its commitments: publishing it
    # publishes no name, and it checks all the same.
    assert ERASED_NAME not in dump_document(proof)
    assert VICTIM not in dump_document(proof)
    assert check_proof(dump_document(proof), dump_document(head)).claim is not None
    before, digest = _substance(ledger), ledger.digest()
    assert any(ERASED_NAME.encode() in p.read_bytes() for p in _files(path))
    assert any(VICTIM.encode() in p.read_bytes() for p in _files(path))

    assert ledger.redact(rid, field="quote", reason="the witness asked, for their safety") == [4, 5]
    assert ledger.redact(rid, field="notes", reason="the same witness") == [4]
    assert ledger.redact(rid, field="victim_names", reason="the family asked") == [4]

    report = ledger.verify().raise_for_problem()
    assert [(r.position, r.field, r.reason, r.report_id, r.actor) for r in report.redactions] == [
        (4, "quote", "the witness asked, for their safety", rid, "desk"),
        (4, "notes", "the same witness", rid, "desk"),
        (4, "victim_names", "the family asked", rid, "desk"),
        (5, "quote", "the witness asked, for their safety", rid, "desk"),
    ]
    assert _substance(ledger) == before
    # Every earlier hash stands: the log still extends the digest, and a proof made before
    # the redaction still checks against the head it was made for.
    assert ledger.verify(against=digest).ok
    assert check_proof(dump_document(proof), dump_document(head)).claim is not None
    # Who, when and why are events of the log.
    erasures = [e for e in ledger.events() if type(e.event).__name__ == "FieldRedacted"]
    assert [(e.event.position, e.event.field, e.reason) for e in erasures] == [  # type: ignore[attr-defined]
        (4, "quote", "the witness asked, for their safety"),
        (5, "quote", "the witness asked, for their safety"),
        (4, "notes", "the same witness"),
        (4, "victim_names", "the family asked"),
    ]
    assert ledger.report(rid).versions[0].provenance == Provenance(via="CNN")
    # History marks the erased fields of each record, and lists each redaction as a change.
    history = ledger.history(rid)
    assert [(e.change, e.erased) for e in history] == [
        ("filed", ("quote", "notes", "victim_names")),
        ("revised", ("quote",)),
        ("redacted", ("quote",)),
        ("redacted", ("quote",)),
        ("redacted", ("notes",)),
        ("redacted", ("victim_names",)),
    ]
    out = io.StringIO()
    export_log(ledger, out)
    assert ERASED_NAME not in out.getvalue()
    assert VICTIM not in out.getvalue()
    # The file, its WAL and its shared memory as they lie on disk, the ledger still open.
    assert {f.name for f in _files(path)} >= {"ledger.db", "ledger.db-wal"}
    for file in _files(path):
        assert ERASED_NAME.encode() not in file.read_bytes(), file.name
        assert VICTIM.encode() not in file.read_bytes(), file.name
    ledger.close()
    for file in _files(path):
        assert ERASED_NAME.encode() not in file.read_bytes(), file.name
        assert VICTIM.encode() not in file.read_bytes(), file.name
    with sqlite3.connect(path) as conn:
        versions = conn.execute("SELECT quote, notes, personal FROM report_versions").fetchall()
    assert versions == [(None, None, None), (None, None, None)]
    restored = Ledger.open(tmp_path / "restored.db")
    restore_log(restored, out.getvalue().splitlines())
    assert restored.verify().redactions == report.redactions
    restored.close()


def test_figures_times_and_sources_are_never_redactable(tmp_path: Path) -> None:
    ledger, rid = _ledger(tmp_path / "ledger.db")
    for field in ("figure", "reported_at", "source", "via", "metric"):
        with pytest.raises(ValidationError, match="never redactable"):
            ledger.redact(rid, field=field, reason="no")
    with pytest.raises(ValidationError, match="reason"):
        ledger.redact(rid, field="quote", reason="")
    with pytest.raises(ValidationError, match="no citation text"):
        ledger.redact(rid, field="citation", reason="none was given")
    with pytest.raises(UnknownFieldError, match="'witness'") as raised:
        ledger.redact(rid, field="witness", reason="never declared")
    assert raised.value.field == "field"
    assert raised.value.key == "witness"
    assert ledger.verify().redactions == ()
    ledger.close()


def test_a_record_written_before_commitments_cannot_be_redacted(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "old.db", actor="desk", clock=lambda: T0)
    ledger.open_incident("coast", title="Coast")
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    # A body as this ledger wrote them before issue 16: the quote hashed as written.
    from ledger.events import ReportFiled  # noqa: PLC0415

    filed = ReportFiled(
        incident="coast",
        report_id="old-report",
        source="snhr",
        metric="killed",
        figure=Figure.parse("at least 5"),
        reported_at=T0 - dt.timedelta(hours=1),
        provenance=Provenance(quote="an old quote"),
    )
    body = EVENTS.encode(
        filed, event_id="0123456789abcdef0123456789abcdef", actor="desk", reason=None
    )
    old = body.replace(body[body.index(b',"salts"') : -1], b"")
    ledger._append_checked(
        [filed], ["0123456789abcdef0123456789abcdef"], ["desk"], [None], bodies=[old]
    )
    with pytest.raises(ValidationError, match="written before free text was committed"):
        ledger.redact("old-report", field="quote", reason="too late")
    assert ledger.verify().ok
    ledger.close()


def test_a_store_refuses_any_other_change_to_a_record(tmp_path: Path) -> None:
    ledger, _ = _ledger(tmp_path / "ledger.db")
    store = ledger.store
    (record,) = store.read(after=3, until=4)
    with pytest.raises(StoreError, match="would change the record's hash"):
        store.redact({4: record.body.replace(b"at least 311", b"at least 312")})
    with pytest.raises(StoreError, match="would change"):
        store.redact({4: record.body})
    assert ledger.verify().ok
    ledger.close()


texts = st.text(min_size=1, max_size=30).filter(lambda t: t.strip() == t and t.isprintable())


@settings(max_examples=60, deadline=None)
@given(quote=texts, notes=texts, citation=texts)
def test_erasing_any_free_text_keeps_the_hashed_form(quote: str, notes: str, citation: str) -> None:
    from ledger.events import ReportFiled  # noqa: PLC0415

    filed = ReportFiled(
        incident="coast",
        report_id="r",
        source="snhr",
        metric="killed",
        figure=Figure.parse("3"),
        reported_at=T0,
        provenance=Provenance(quote=quote, notes=notes, citation=citation),
    )
    body = EVENTS.encode(filed, event_id="e", actor="a", reason=None, batch=(0, 1))
    erased = body
    for name in ("quote", "notes", "citation"):
        erased = redacted_body(erased, name)
        assert committed(erased) == committed(body)
    assert EVENTS.decode(erased).event.provenance == Provenance()  # type: ignore[attr-defined]
    assert EVENTS.decode(erased).redacted == ("citation", "quote", "notes")
    # Any other change to the text is a change to the hashed form.
    changed = body.replace(b'"quote":"', b'"quote":"x', 1)
    assert committed(changed) != committed(body)


@settings(max_examples=40, deadline=None)
@given(quote=texts, names=texts, witness=texts)
def test_erasing_any_personal_text_keeps_the_hashed_form(
    quote: str, names: str, witness: str
) -> None:
    from ledger.events import ReportRevised  # noqa: PLC0415

    revised = ReportRevised(
        incident="coast",
        report_id="r",
        figure=Figure.parse("3"),
        reported_at=T0,
        provenance=Provenance(quote=quote, personal={"victim_names": names, "witness": witness}),
    )
    body = EVENTS.encode(revised, event_id="e", actor="a", reason=None, batch=(0, 1))
    erased = redacted_body(body, "witness")
    assert committed(erased) == committed(body)
    assert EVENTS.decode(erased).event.provenance == Provenance(  # type: ignore[attr-defined]
        quote=quote, personal={"victim_names": names}
    )
    erased = redacted_body(redacted_body(erased, "victim_names"), "quote")
    assert committed(erased) == committed(body)
    assert EVENTS.decode(erased).event.provenance == Provenance()  # type: ignore[attr-defined]
    assert EVENTS.decode(erased).redacted == ("quote", "victim_names", "witness")
    changed = body.replace(b'"witness":"', b'"witness":"x', 1)
    assert committed(changed) != committed(body)


PERSONAL = ("victim_names", "witness")
#: Names as a source writes them, in more than one script.
names = st.from_regex(r"[A-Za-z\u00e9\u0644-\u0649]{1,8}( [A-Za-z]{1,8})?", fullmatch=True)


@st.composite
def _told(draw: st.DrawFn) -> list[tuple[int, object]]:
    """A generated history whose filings, revisions and retractions carry free text: a
    quote and declared personal fields, each given or not."""
    from ledger.events import (  # noqa: PLC0415
        FieldDeclared,
        ReportFiled,
        ReportRetracted,
        ReportRevised,
    )
    from ledger.testing.histories import histories  # noqa: PLC0415

    steps = draw(histories(min_reports=1, max_reports=5, max_changes=6))
    told: list[tuple[int, object]] = [(0, FieldDeclared(field=name)) for name in PERSONAL]
    first = True  # the first filing names someone: every history has text to erase
    for minutes, event in steps:
        if isinstance(event, ReportFiled | ReportRevised | ReportRetracted):
            personal = {name: draw(names) for name in PERSONAL if draw(st.booleans()) or first}
            first = False
            quote = draw(st.none() | names)
            provenance = Provenance(quote=quote, personal=personal)
            told.append((minutes, attrs.evolve(event, provenance=provenance)))
        else:
            told.append((minutes, event))
    return told


def _tallies(ledger: Ledger) -> object:
    """Every incident's tally now and as known halfway, without the free text (what a
    redaction erases)."""
    from ledger.testing.histories import START  # noqa: PLC0415

    known = START + (ledger.store.head().recorded_at - START) / 2  # type: ignore[operator]
    found: list[object] = []
    for incident in ledger.incidents():
        tallies = (
            ledger.tally(incident.incident),
            ledger.tally(incident.incident, known_at=known),
        )
        found.extend(
                (
                    [
                        (e.source, e.key, e.figure, e.report_id, e.version, e.reported_at,
                         e.period, e.provenance.via, e.provenance.verification)
                        for e in tally.entries
                    ],
                    [(s.key, s.low, s.high, s.lowest, s.highest) for s in tally.spans],
                    [(c.source, c.dimension, c.whole.figure, c.parts_low) for c in tally.checks],
                )
            for tally in tallies
        )  # fmt: skip
    return found


@settings(max_examples=25, deadline=None)
@given(steps=_told(), data=st.data())
def test_redacting_any_personal_field_keeps_verify_and_every_tally(
    steps: list[tuple[int, object]], data: st.DataObject
) -> None:
    from ledger.testing.histories import build_ledger  # noqa: PLC0415

    ledger = build_ledger(steps)  # type: ignore[arg-type]
    told = sorted(
        {
            (e.event.report_id, name)  # type: ignore[attr-defined]
            for e in ledger.events()
            for name in getattr(getattr(e.event, "provenance", None), "personal", ())
        }
    )
    before, digest = _tallies(ledger), ledger.digest()
    chosen = data.draw(st.lists(st.sampled_from(told), min_size=1, unique=True))
    for report_id, name in chosen:
        erased = ledger.redact(report_id, field=name, reason="asked")
        assert erased
    report = ledger.verify(against=digest)
    assert report.ok, report.problem
    assert {(r.report_id, r.field) for r in report.redactions} == set(chosen)
    assert _tallies(ledger) == before
    for report_id, name in chosen:
        assert all(name not in v.provenance.personal for v in ledger.report(report_id).versions)
    # What a fresh process answers (the read model's tables) agrees.
    assert ledger.verify(deep=True).ok


def test_a_personal_field_must_be_declared_wherever_a_report_comes_from(tmp_path: Path) -> None:
    from ledger import import_lines  # noqa: PLC0415
    from ledger.errors import LineError  # noqa: PLC0415

    ledger, rid = _ledger(tmp_path / "ledger.db")
    head = ledger.position
    with pytest.raises(UnknownFieldError) as raised:
        ledger.revise_report(
            rid,
            figure="at least 401",
            reported_at=T0 + dt.timedelta(days=2),
            provenance=Provenance(personal={"witness": "W."}),
        )
    assert raised.value.field == "provenance.personal.witness"
    with pytest.raises(UnknownFieldError, match="witness"):
        ledger.retract_report(
            rid,
            reported_at=T0 + dt.timedelta(days=2),
            provenance=Provenance(personal={"witness": "W."}),
        )
    line = (
        '{"type": "report", "incident": "coast", "source": "snhr", "metric": "killed",'
        ' "figure": "3", "reported_at": "2025-03-08T15:00Z",'
        ' "provenance": {"personal": {"victim_names": "ok", "witness": "W."}}}'
    )
    with pytest.raises(LineError, match=r"line 1.*witness"):
        import_lines(ledger, [line])
    with pytest.raises(ValidationError, match=r"personal\.victim_names"):
        Provenance(personal={"victim_names": ""})
    with pytest.raises(ValidationError, match="every report has already"):
        ledger.declare_field("quote")
    assert ledger.position == head  # nothing was written
    # Declared, it is taken, and repeating the declaration changes nothing.
    ledger.declare_field("witness")
    assert ledger.declare_field("witness").position == head + 1
    import_lines(ledger, [line])
    assert [f.field for f in ledger.fields()] == ["victim_names", "witness"]
    ledger.close()


def test_verify_names_an_erasure_no_redaction_records(tmp_path: Path) -> None:
    from ledger import ProblemKind  # noqa: PLC0415

    ledger, _ = _ledger(tmp_path / "ledger.db")
    (record,) = ledger.store.read(after=3, until=4)
    ledger.store.redact({4: redacted_body(record.body, "victim_names")})
    problem = ledger.verify().problem
    assert problem is not None
    assert (problem.position, problem.kind) == (4, ProblemKind.REDACTION)
    assert "no redaction records" in problem.detail
    ledger.close()


def test_verify_names_erased_text_put_back_from_an_old_copy(tmp_path: Path) -> None:
    from ledger import ProblemKind  # noqa: PLC0415

    ledger, rid = _ledger(tmp_path / "ledger.db")
    (before,) = ledger.store.read(after=3, until=4)
    ledger.redact(rid, field="victim_names", reason="the family asked", version=0)
    (after,) = ledger.store.read(after=3, until=4)
    # The old body has the same committed form, so only the recorded redaction tells.
    with ledger.store.transaction():
        ledger.store._conn.execute("DROP TRIGGER events_no_update")  # type: ignore[attr-defined]
        ledger.store._conn.execute(  # type: ignore[attr-defined]
            "UPDATE events SET body = ? WHERE position = 4", (before.body,)
        )
    assert committed(before.body) == committed(after.body)
    problem = ledger.verify().problem
    assert problem is not None
    assert (problem.position, problem.kind) == (4, ProblemKind.REDACTION)
    assert "not erased" in problem.detail
    ledger.close()


def _cli(*argv: str | Path) -> tuple[int, str, str]:
    from ledger.cli import main  # noqa: PLC0415

    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_declares_records_erases_and_shows_a_personal_field(
    tmp_path: Path,
) -> None:
    import json  # noqa: PLC0415

    db = ("--db", tmp_path / "ledger.db", "--actor", "desk")
    for argv in (
        ["init"],
        ["incident", "open", "coast", "--title", "Coast"],
        ["source", "add", "snhr", "--name", "SNHR", "--kind", "monitor"],
        ["field", "add", "victim_names", "--description", "as the source gives them"],
        ["report", "coast", "--source", "snhr", "--metric", "killed", "--figure", "2",
         "--reported-at", "2025-03-08T10:00Z", "--id", "r1", "--quote", "we saw",
         "--personal", f"victim_names={VICTIM}"],
    ):  # fmt: skip
        code, _, err = _cli(*db, *argv)
        assert code == 0, err
    code, out, _ = _cli(*db, "show", "r1")
    assert f"victim_names {VICTIM}" in out
    # Undeclared, malformed and unredactable fields are refused, naming them.
    code, _, err = _cli(*db, "revise", "r1", "--figure", "3", "--reported-at", "2025-03-09T10:00Z",
                        "--personal", "witness=W.")  # fmt: skip
    assert code == 1
    assert "provenance.personal.witness: unknown personal field 'witness'" in err
    code, _, err = _cli(*db, "revise", "r1", "--figure", "3", "--reported-at", "2025-03-09T10:00Z",
                        "--personal", "witness")  # fmt: skip
    assert code == 1
    assert "--personal: expected NAME=TEXT" in err
    code, _, err = _cli(*db, "redact", "r1", "--field", "figure", "--reason", "no")
    assert code == 1
    assert "never redactable" in err
    code, out, err = _cli(*db, "redact", "r1", "--field", "victim_names", "--reason", "asked")
    assert code == 0, err
    code, out, _ = _cli(*db, "show", "r1")
    assert VICTIM not in out
    assert "victim_names [erased by a redaction" in out
    assert "we saw" in out
    code, out, _ = _cli(*db, "show", "r1", "--format", "json")
    (version,) = json.loads(out)["versions"]
    assert (version["personal"], version["erased"], version["quote"]) == (
        [],
        ["victim_names"],
        "we saw",
    )
    code, out, _ = _cli(*db, "history", "r1")
    assert "redacted" in out
    assert "asked [erased victim_names]" in out
    code, out, _ = _cli(*db, "verify")
    assert code == 0
    assert "redacted: the victim_names of report r1's record at position 4, by desk" in out
    code, out, _ = _cli(*db, "verify", "--format", "json")
    (row,) = json.loads(out)["redactions"]
    assert {k: row[k] for k in ("position", "report_id", "field", "actor", "reason")} == {
        "position": 4, "report_id": "r1", "field": "victim_names", "actor": "desk",
        "reason": "asked",
    }  # fmt: skip
    code, out, _ = _cli(*db, "export")
    assert VICTIM not in out


def test_a_redaction_rewrites_only_its_reports_rows_unless_the_tables_lag(tmp_path: Path) -> None:
    # A redaction derives again the rows of the report it erased text from, not the whole
    # read model (a million events would take minutes); tables that do not reflect the log
    # are rebuilt whole, and either way they end as a rebuild would leave them.
    path = tmp_path / "ledger.db"
    ledger, rid = _ledger(path)
    other = ledger.file_report(
        "coast", source="snhr", metric="injured", figure="12", reported_at=T0,
        provenance=Provenance(quote="a doctor's words"),
    )  # fmt: skip
    conn = sqlite3.connect(path)
    with conn:  # a mark on another report's row: only a whole rebuild would take it off
        conn.execute("UPDATE report_versions SET quote = 'marked' WHERE report_id = ?", (other,))
    ledger.redact(rid, field="quote", reason="asked")
    marked = conn.execute("SELECT quote FROM report_versions WHERE report_id = ?", (other,))
    assert marked.fetchall() == [("marked",)]
    quotes = conn.execute("SELECT quote FROM report_versions WHERE report_id = ?", (rid,))
    assert quotes.fetchall() == [(None,), (None,)]
    with conn:
        conn.execute(
            "UPDATE report_versions SET quote = ? WHERE report_id = ?", ("a doctor's words", other)
        )
        conn.execute("UPDATE read_model SET value = '1' WHERE name = 'position'")
    ledger.redact(rid, field="victim_names", reason="asked")
    rebuilt = ledger.store.read_model_head()
    assert rebuilt is not None
    assert rebuilt.position == ledger.store.head().position
    assert ledger.verify().ok
    ledger.close()
    conn.close()
