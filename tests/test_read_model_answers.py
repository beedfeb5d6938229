"""Tallies answered from the read model's tables, by a process that holds no fold.

The tables pick each report's standing version in one query; every row is held to the
records it cites (ledger._standing). These tests hold the answers to a strict replay of the
log on every store, and show that no hand edit of the tables changes an answer.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Ledger, ProblemKind, Provenance, SQLiteStore
from ledger.events import GLOBAL_STREAM, ReportCorrected
from ledger.testing import build_ledger

from .conftest import StoreFactory
from .held import incident_ids
from .reference import reference_tally, rows
from .strategies import Step, histories
from .test_read_model import Counting

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
KEY_FIELDS = ("metric", "group", "by", "place")


@settings(max_examples=25)
@given(steps=histories(), data=st.data())
def test_a_tally_from_the_tables_equals_a_strict_replay_on_every_store(
    make_store: StoreFactory, steps: list[Step], data: st.DataObject
) -> None:
    ledger = build_ledger(steps, store=make_store())
    log = list(ledger.events())
    said = sorted({t for s in log if (t := getattr(s.event, "reported_at", None)) is not None})
    # Each reported time, and the instants just before and after it, where versions change.
    instants = [t + d for t in said for d in (-dt.timedelta(microseconds=1), dt.timedelta())]
    asked = data.draw(st.lists(st.sampled_from([*instants, None]), max_size=6, unique=True))
    # A correction of a report's classification sends a tally to the fold (ledger._standing).
    reclassified = {
        s.event.incident
        for s in log
        if isinstance(s.event, ReportCorrected)
        and any(getattr(s.event, name) is not None for name in ("source", *KEY_FIELDS))
    }
    for incident in incident_ids(ledger):
        for as_of in asked:
            fresh = Ledger(ledger.store, actor="reader")  # holds no fold: the tables answer
            tally = fresh.tally(incident, as_of=as_of)
            if incident not in reclassified and ledger.reports(incident):
                assert fresh._folds.held(incident) is None  # the tables did answer
            assert tally == ledger.tally(incident, as_of=as_of)  # the fold's answer
            assert rows(tally) == reference_tally(log, incident, as_of)


def _story(path: Path) -> None:
    """Two incidents; in "coast", report r revised twice, s filed once, t retracted."""
    with Ledger.open(path, actor="desk", durable=False) as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        ledger.register_source("moh", name="Ministry of Health", kind="government")
        for incident in ("coast", "north"):
            ledger.open_incident(incident, title=incident.title())
        ledger.file_report(
            "coast", report_id="r", source="snhr", metric="killed", figure="at least 5",
            reported_at=T0,
        )  # fmt: skip
        ledger.revise_report("r", figure="at least 9", reported_at=T0 + 2 * HOUR)
        ledger.revise_report("r", figure="at least 14", reported_at=T0 + 6 * HOUR)
        ledger.file_report(
            "coast", report_id="s", source="moh", metric="killed", figure="12",
            reported_at=T0 + HOUR,
        )  # fmt: skip
        ledger.file_report(
            "coast", report_id="t", source="moh", metric="injured", figure="about 40",
            reported_at=T0 + HOUR,
        )  # fmt: skip
        ledger.retract_report("t", reported_at=T0 + 4 * HOUR)
        ledger.file_report(
            "north", report_id="n", source="snhr", metric="killed", figure="3",
            reported_at=T0,
        )  # fmt: skip


def test_one_cold_tally_reads_no_stream_of_the_log(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _story(path)
    store = Counting(SQLiteStore(path))
    ledger = Ledger(store, actor="reader")
    tally = ledger.tally("coast", as_of=T0 + 3 * HOUR)
    assert [(e.report_id, str(e.figure)) for e in tally.entries] == [
        ("t", "about 40"),
        ("s", "12"),
        ("r", "at least 9"),
    ]
    assert {stream for _, _, stream in store.reads} == {GLOBAL_STREAM}  # sources and terms
    assert ledger._folds.held("coast") is None
    # Asked again, the ledger folds the incident once, so a loop of questions is warm.
    assert ledger.tally("coast", as_of=T0 + 3 * HOUR) == tally
    assert ledger._folds.held("coast") is not None
    assert ledger.tally("north").entries[0].report_id == "n"  # another incident: the tables
    assert ledger._folds.held("north") is None
    ledger.close()


ASKED = (None, T0 - HOUR, T0 + 3 * HOUR, T0 + 5 * HOUR, T0 + 7 * HOUR)

#: Edits a person could make with a SQL tool, each of which would change some tally above
#: if the tables were trusted.
EDITS = {
    "a figure": "UPDATE report_versions SET figure = 'at least 90', low = 90"
    " WHERE report_id = 'r' AND version = 1",
    "a standing version's time": "UPDATE report_versions SET reported_at ="
    " '2025-03-08T15:00:00.000000Z' WHERE report_id = 'r' AND version = 2",
    "a later version's time": "UPDATE report_versions SET reported_at ="
    " '2025-03-09T00:00:00.000000Z' WHERE report_id = 'r' AND version = 1",
    "a source": "UPDATE reports SET source = 'snhr' WHERE report_id = 's'",
    "an incident": "UPDATE reports SET incident = 'north' WHERE report_id = 's'",
    "a count of versions": "UPDATE reports SET versions = 2 WHERE report_id = 'r'",
    "a position": "UPDATE report_versions SET position = 6 WHERE report_id = 'r' AND version = 2",
    "a wording": "UPDATE report_versions SET figure = 'no such figure' WHERE report_id = 's'",
    "a provenance": "UPDATE report_versions SET via = 'Reuters' WHERE report_id = 's'",
    "a report deleted": "DELETE FROM reports WHERE report_id = 's'",
    "a version deleted": "DELETE FROM report_versions WHERE report_id = 'r' AND version = 2",
    "a report voided": "UPDATE reports SET status = 'voided' WHERE report_id = 's'",
    "a retraction undone": "UPDATE reports SET status = 'live', retracted_at = NULL"
    " WHERE report_id = 't'",
    "a retraction moved": "UPDATE reports SET retracted_at = '2025-03-09T00:00:00.000000Z'"
    " WHERE report_id = 't'",
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=list(EDITS))
def test_no_hand_edit_of_the_tables_changes_a_tally(tmp_path: Path, edit: str) -> None:
    path = tmp_path / "l.db"
    _story(path)
    with Ledger.open(path) as ledger:
        expected = {(i, a): ledger.tally(i, as_of=a) for i in ("coast", "north") for a in ASKED}
    with sqlite3.connect(path) as conn:
        conn.execute(edit)
    for (incident, as_of), tally in expected.items():
        with Ledger.open(path) as ledger:  # a fresh process's question, held to the log
            assert ledger.tally(incident, as_of=as_of) == tally
    with Ledger.open(path) as ledger:
        problem = ledger.verify().problem
        assert problem is not None
        assert problem.kind is ProblemKind.READ_MODEL


def test_a_redacted_report_is_still_answered_from_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, actor="desk", durable=False) as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        ledger.open_incident("coast", title="Coast")
        ledger.file_report(
            "coast", report_id="r", source="snhr", metric="killed", figure="at least 5",
            reported_at=T0, provenance=Provenance(quote="a witness, named"),
        )  # fmt: skip
        ledger.revise_report("r", figure="at least 9", reported_at=T0 + HOUR)
        before = ledger.tally("coast", as_of=T0 + HOUR)
        ledger.redact("r", field="quote", reason="the witness asked", version=0)
    with Ledger.open(path) as ledger:
        for as_of in (T0, T0 + HOUR, None):
            cold = Ledger(ledger.store, actor="reader")
            tally = cold.tally("coast", as_of=as_of)
            assert cold._folds.held("coast") is None  # the redaction is one listed change
            assert tally == ledger.tally("coast", as_of=as_of)
        assert ledger.tally("coast", as_of=T0 + HOUR).entries == before.entries
        assert ledger.verify().ok
