"""Redaction keeps verification (issue 16): erased text is gone from the SQLite file, its
WAL, exports and the read model, while verify passes, names each redaction, and every tally,
hash and proof stays as it was."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    Figure,
    Ledger,
    Provenance,
    StoreError,
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


def _ledger(path: Path) -> tuple[Ledger, str]:
    ledger = Ledger.open(path, actor="desk", clock=lambda: T0 + dt.timedelta(days=3))
    ledger.open_incident("coast", title="Coast")
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    rid = ledger.file_report(
        "coast",
        source="snhr",
        metric="killed",
        figure="at least 311",
        reported_at=T0,
        provenance=Provenance(
            via="CNN", quote=f"{ERASED_NAME} saw it", notes=f"call {ERASED_NAME}"
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
    before, digest = _substance(ledger), ledger.digest()
    assert any(ERASED_NAME.encode() in p.read_bytes() for p in _files(path))

    assert ledger.redact(rid, field="quote", reason="the witness asked, for their safety") == [3, 4]
    assert ledger.redact(rid, field="notes", reason="the same witness") == [3]

    report = ledger.verify().raise_for_problem()
    assert report.redactions == ((3, "quote"), (3, "notes"), (4, "quote"))
    assert _substance(ledger) == before
    # Every earlier hash stands: the log still extends the digest, and a proof made before
    # the redaction still checks against the head it was made for.
    assert ledger.verify(against=digest).ok
    assert check_proof(dump_document(proof), dump_document(head)).claim is not None
    # Who, when and why are events of the log.
    erasures = [e for e in ledger.events() if type(e.event).__name__ == "FieldRedacted"]
    assert [(e.event.position, e.event.field, e.reason) for e in erasures] == [  # type: ignore[attr-defined]
        (3, "quote", "the witness asked, for their safety"),
        (4, "quote", "the witness asked, for their safety"),
        (3, "notes", "the same witness"),
    ]
    assert ledger.report(rid).versions[0].provenance == Provenance(via="CNN")
    out = io.StringIO()
    export_log(ledger, out)
    assert ERASED_NAME not in out.getvalue()
    # The file, its WAL and its shared memory as they lie on disk, the ledger still open.
    assert {f.name for f in _files(path)} >= {"ledger.db", "ledger.db-wal"}
    for file in _files(path):
        assert ERASED_NAME.encode() not in file.read_bytes(), file.name
    ledger.close()
    for file in _files(path):
        assert ERASED_NAME.encode() not in file.read_bytes(), file.name
    with sqlite3.connect(path) as conn:
        versions = conn.execute("SELECT quote, notes FROM report_versions").fetchall()
    assert versions == [(None, None), (None, None)]
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
    (record,) = store.read(after=2, until=3)
    with pytest.raises(StoreError, match="would change the record's hash"):
        store.redact({3: record.body.replace(b"at least 311", b"at least 312")})
    with pytest.raises(StoreError, match="would change"):
        store.redact({3: record.body})
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
