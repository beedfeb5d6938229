"""Ledger-wide changes on the recorded clock, from the read model's listing of each report's
records (`Store.report_records`), held to the log.

A window of recent changes folds only the reports it touches, each from the records the
tables list for it, not every incident the window touches. These tests hold that answer to
the folds of the incidents on every store, check that it was the listing that answered, and
show that no hand edit of the tables changes it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import HistoryEntry, Ledger, ProblemKind, Provenance
from ledger.testing import build_ledger

from .conftest import StoreFactory
from .held import incident_ids
from .strategies import Step, histories

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _per_incident(
    ledger: Ledger, since: dt.datetime | None, until: dt.datetime | None
) -> list[HistoryEntry]:
    """The same window asked of each incident's fold, in log order."""
    each = [
        entry
        for incident in incident_ids(ledger)
        for entry in ledger.changes(since=since, until=until, incident=incident)
    ]
    return sorted(each, key=lambda e: e.position)


def _folded(reader: Ledger, ledger: Ledger) -> list[str]:
    return [i for i in incident_ids(ledger) if reader._folds.held(i) is not None]


@settings(max_examples=30)
@given(steps=histories(), data=st.data())
def test_a_window_answered_from_the_listing_equals_the_folds_on_every_store(
    make_store: StoreFactory, steps: list[Step], data: st.DataObject
) -> None:
    ledger = build_ledger(steps, store=make_store())
    recorded = [e.recorded_at for e in ledger.events()]
    # Mostly windows in the log's later half that hold something: the listing answers those.
    later = [t for t in recorded[len(recorded) // 2 :] if t < recorded[-1]]
    since = data.draw(st.sampled_from(later or recorded) | st.sampled_from(recorded))
    until = data.draw(st.none() | st.sampled_from([t for t in recorded if t > since] or [since]))
    reader = Ledger(ledger.store, actor="reader")  # a fresh process: no fold held
    wide = reader.changes(since=since, until=until)
    assert list(wide) == _per_incident(ledger, since, until)
    first = 1 + sum(1 for t in recorded if t <= since)
    inside = sum(1 for t in recorded if t > since and (until is None or t <= until))
    if inside > 0 and 2 * inside <= len(recorded) and 2 * first > len(recorded):
        assert _folded(reader, ledger) == []  # the listing answered, folding no incident


def _story(path: Path) -> dict[str, int]:
    """Two incidents; report r filed, revised twice and its last version corrected, s filed
    and retracted, n filed in the other incident, then a last revision of r and a filing in
    "north": the window. Returns the positions the edits name."""
    with Ledger.open(path, actor="desk", durable=False) as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        ledger.register_source("moh", name="Ministry of Health", kind="government")
        for incident in ("coast", "north"):
            ledger.open_incident(incident, title=incident.title())
        opened = ledger.position
        ledger.file_report(
            "coast", report_id="r", source="snhr", metric="killed", figure="at least 5",
            reported_at=T0,
        )  # fmt: skip
        revised = ledger.revise_report("r", figure="at least 9", reported_at=T0 + HOUR).position
        ledger.revise_report("r", figure="at least 12", reported_at=T0 + 2 * HOUR)
        corrected = ledger.correct_report(
            "r", version=2, figure="at least 13", reason="typo"
        ).position
        ledger.file_report(
            "coast", report_id="s", source="moh", metric="killed", figure="12",
            reported_at=T0 + HOUR,
        )  # fmt: skip
        retracted = ledger.retract_report("s", reported_at=T0 + 3 * HOUR).position
        ledger.file_report(
            "north", report_id="n", source="snhr", metric="killed", figure="3",
            reported_at=T0,
        )  # fmt: skip
        window = ledger.revise_report("r", figure="at least 14", reported_at=T0 + 4 * HOUR).position
        ledger.file_report(
            "north", report_id="m", source="moh", metric="killed", figure="4",
            reported_at=T0 + HOUR,
        )  # fmt: skip
    return {
        "opened": opened,
        "revised": revised,
        "corrected": corrected,
        "retracted": retracted,
        "window": window,
    }


def _since(path: Path, position: int) -> dt.datetime:
    """The recorded time just before the record at `position`: windows start there."""
    with Ledger.open(path) as ledger:
        (record,) = ledger.events(after=position - 1, until=position)
        return record.recorded_at - dt.timedelta(microseconds=1)


def test_a_window_reads_the_reports_it_touches_not_their_incidents(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    at = _story(path)
    since = _since(path, at["window"])
    with Ledger.open(path) as ledger:
        changes = ledger.changes(since=since)
        assert [(e.report_id, e.change, str(e.before), str(e.after)) for e in changes] == [
            ("r", "revised", "at least 13", "at least 14"),
            ("m", "filed", "None", "4"),
        ]
        assert ledger._folds.held("coast") is None
        assert ledger._folds.held("north") is None
        assert list(changes) == _per_incident(ledger, since, None)


#: Edits a person could make with a SQL tool, each of which would change the window's
#: changes if the listing were trusted; `{name}` is a position from `_story`.
EDITS = {
    "a listed change deleted": "DELETE FROM report_changes WHERE position = {revised}",
    "a correction listed under another report": "UPDATE report_changes SET report_id = 's'"
    " WHERE position = {corrected}",
    "a retraction listed under another report": "UPDATE report_changes SET report_id = 'n'"
    " WHERE position = {retracted}",
    "a change in the window deleted": "DELETE FROM report_changes WHERE position = {window}",
    "a change in the window moved": "UPDATE report_changes SET report_id = 's'"
    " WHERE position = {window}",
    "a change pointed at another record": "UPDATE report_changes SET position = {opened}"
    " WHERE position = {revised}",
    "a version's figure": "UPDATE report_versions SET figure = 'at least 90', low = 90"
    " WHERE report_id = 'r' AND version = 1",
    "a version deleted": "DELETE FROM report_versions WHERE report_id = 'r' AND version = 1",
    "a report's status": "UPDATE reports SET status = 'voided' WHERE report_id = 'r'",
    "a report deleted": "DELETE FROM reports WHERE report_id = 'r'",
    "a report's versions counted short": "UPDATE reports SET versions = 2 WHERE report_id = 'r'",
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=list(EDITS))
def test_no_hand_edit_of_the_tables_changes_a_window(tmp_path: Path, edit: str) -> None:
    path = tmp_path / "l.db"
    at = _story(path)
    windows = [(_since(path, at[name]), None) for name in ("revised", "retracted", "window")]
    with Ledger.open(path) as ledger:
        expected = [ledger.changes(since=since, until=until) for since, until in windows]
    with sqlite3.connect(path) as conn:
        conn.execute(edit.format(**at))
    for (since, until), changes in zip(windows, expected, strict=True):
        with Ledger.open(path) as ledger:  # a fresh process's question, held to the log
            assert ledger.changes(since=since, until=until) == changes
    with Ledger.open(path) as ledger:
        problem = ledger.verify().problem
        assert problem is not None
        assert problem.kind is ProblemKind.READ_MODEL


def test_redactions_in_and_before_a_window_are_shown_as_the_folds_show_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, actor="desk", durable=False) as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        for incident in ("coast", "north"):
            ledger.open_incident(incident, title=incident.title())
        for n in range(12):  # the first half of the log, which no window here reads
            ledger.file_report(
                "north", report_id=f"n{n}", source="snhr", metric="killed", figure=str(n + 1),
                reported_at=T0,
            )  # fmt: skip
        ledger.file_report(
            "coast", report_id="r", source="snhr", metric="killed", figure="at least 5",
            reported_at=T0, provenance=Provenance(quote="a witness, named"),
        )  # fmt: skip
        witnessed = ledger.revise_report(
            "r", figure="at least 9", reported_at=T0 + HOUR,
            provenance=Provenance(quote="another witness, named"),
        ).position  # fmt: skip
        for n in range(2):
            ledger.revise_report(f"n{n}", figure=str(n + 20), reported_at=T0 + HOUR)
        ledger.redact("r", field="quote", reason="the witness asked", version=0)
        redacted = ledger.position
        ledger.redact("r", field="quote", reason="the witness asked", version=1)
        ledger.revise_report("r", figure="at least 11", reported_at=T0 + 2 * HOUR)
        for n in range(6):
            ledger.revise_report(f"n{n % 4}", figure=str(n + 30), reported_at=T0 + 2 * HOUR)
        head = ledger.position
    for start in (witnessed, redacted, redacted + 1, head - 3):
        since = _since(path, start)
        with Ledger.open(path) as ledger:
            wide = ledger.changes(since=since)
            window = [e.position for e in wide]
            assert window == sorted(window)
            assert window[-1] == head
            assert ledger._folds.held("coast") is None  # the listing answered
            assert list(wide) == _per_incident(ledger, since, None)
    with Ledger.open(path) as ledger:
        erased = [(e.change, e.erased) for e in ledger.changes(since=_since(path, witnessed))]
        assert erased[0] == ("revised", ("quote",))  # its record's quote was erased since
        assert ("redacted", ("quote",)) in erased
    # A window before the redactions still shows what they erased since: a redaction listed
    # under another report, which would hide that, sends the window to the folds.
    since, until = _since(path, witnessed), _since(path, redacted)
    with Ledger.open(path) as ledger:
        expected = ledger.changes(since=since, until=until)
        assert ledger._folds.held("coast") is None  # the listing answered
        assert list(expected) == _per_incident(ledger, since, until)
    assert [e.erased for e in expected if e.report_id == "r"] == [("quote",)]
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE report_changes SET report_id = 'n7' WHERE position IN (?, ?)",
            (redacted, redacted + 1),
        )
    with Ledger.open(path) as ledger:
        assert ledger.changes(since=since, until=until) == expected
