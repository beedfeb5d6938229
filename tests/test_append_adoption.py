"""Appending a batch takes the states that checked it; it must equal folding the log afresh.

`Ledger.append` checks a batch on a fork of its state, folding each report event there, and
the report index then takes those folded states instead of folding the batch again (when the
state it holds for the report is the one the check began from). These tests hold that
shortcut to the slow path: a ledger freshly opened on the same store must agree with the
ledger that appended, whatever else other writers did meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ledger import IncidentOpened, Ledger, SourceKind, SourceRegistered
from ledger.codec import EVENTS
from ledger.events import Event
from ledger.log import NewRecord
from ledger.projections.reports import ReportIndexProjection
from ledger.testing import histories

from .racing import Move, racing
from .strategies import Step


def assert_same_as_a_fresh_replay(ledger: Ledger) -> None:
    fresh = Ledger(ledger.store, actor="reader")
    ours, theirs = ledger._state, fresh._state
    assert dict(ours.incidents) == dict(theirs.incidents)
    assert dict(ours.sources) == dict(theirs.sources)
    assert dict(ours.reports) == dict(theirs.reports)
    assert ours.taxonomy == theirs.taxonomy
    assert ledger.position == fresh.position
    dump = ReportIndexProjection().dump
    assert dump(ledger._index.state) == dump(fresh._index.state)
    for incident in ours.incidents:
        assert ledger.tally(incident) == fresh.tally(incident)


@given(steps=histories(), sizes=st.lists(st.integers(1, 6), min_size=1))
def test_appending_in_batches_equals_a_fresh_replay(steps: list[Step], sizes: list[int]) -> None:
    ledger = Ledger.in_memory(actor="t")
    events = [event for _, event in steps]
    start, turn = 0, 0
    while start < len(events):
        size = sizes[turn % len(sizes)]
        ledger.append(events[start : start + size])
        start, turn = start + size, turn + 1
    assert_same_as_a_fresh_replay(ledger)


def store_it_first(rival: Ledger, records: Sequence[NewRecord]) -> None:
    """The rival stores the very batch we are appending, as a retry of it would."""
    rival.append(
        [EVENTS.decode(r.body).event for r in records], event_ids=[r.event_id for r in records]
    )


def append(*events: Event) -> Move:
    def move(rival: Ledger, _: Sequence[NewRecord]) -> None:
        rival.append(list(events))

    return move


def opened(incident: str) -> IncidentOpened:
    return IncidentOpened(incident=incident, title=incident.upper())


def source(name: str) -> SourceRegistered:
    return SourceRegistered(source=name, name=name.upper(), kind=SourceKind.NGO)


def test_a_batch_the_rival_stored_first_is_taken_as_ours(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, actor="t", durable=False) as base:
        rival = Ledger(base.store, actor="t")
        ledger = racing(Ledger(base.store, actor="t"), rival, store_it_first)
        stored = ledger.append([source("a"), source("b")], event_ids=["e1", "e2"])
        assert [s.position for s in stored] == [1, 2]
        assert len(list(base.store.read())) == 2  # stored once, by the rival
        assert_same_as_a_fresh_replay(ledger)


def test_a_batch_after_the_rivals_events_folds_both(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, actor="t", durable=False) as base:
        rival = Ledger(base.store, actor="r")
        # The rival writes to other streams, so our appends still pass their version checks
        # but land after its events, which must be folded from the log around ours.
        moves = [append(opened("r1")), append(opened("r2"), opened("r3"))]
        ledger = racing(Ledger(base.store, actor="t"), rival, *moves)
        ledger.append([source("a")])
        ledger.append([source("b"), source("c")])
        assert sorted(ledger._state.sources) == ["a", "b", "c"]
        assert sorted(ledger._state.incidents) == ["r1", "r2", "r3"]
        assert_same_as_a_fresh_replay(ledger)
