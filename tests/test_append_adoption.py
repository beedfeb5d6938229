"""Appending a batch adopts the state that checked it; it must equal folding the log afresh.

`Ledger.append` checks a batch on a fork of its state and, when the batch lands right after
what the ledger had seen, takes the fork over instead of folding the batch again. These tests
hold that shortcut to the slow path: a ledger freshly opened on the same store must agree with
the ledger that appended, whatever else other writers did meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ledger import IncidentOpened, Ledger, SourceKind, SourceRegistered
from ledger.codec import EVENTS
from ledger.events import Event
from ledger.log import NewRecord, Store
from ledger.projections.reports import ReportIndexProjection
from ledger.testing import histories

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


class RivalFirst:
    """A store that lets a rival ledger append just before each of our appends reaches it."""

    def __init__(self, store: Store, rival: Ledger, moves: list[Sequence[Event]]) -> None:
        self.store = store
        self.rival = rival
        self.moves = moves
        self.ids: list[list[str]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def append(
        self,
        records: Sequence[NewRecord],
        *,
        now: dt.datetime,
        expected: Mapping[str, int] | None = None,
    ) -> list[int]:
        if self.moves:
            move = self.moves.pop(0)
            if move:
                self.rival.append(list(move))
            else:  # the rival stores this very batch first, as a retry of it would
                self.rival.append(
                    [self._event(r) for r in records], event_ids=[r.event_id for r in records]
                )
        return self.store.append(records, now=now, expected=expected)

    def _event(self, record: NewRecord) -> Event:
        return EVENTS.decode(record.body).event


def opened(incident: str) -> IncidentOpened:
    return IncidentOpened(incident=incident, title=incident.upper())


def source(name: str) -> SourceRegistered:
    return SourceRegistered(source=name, name=name.upper(), kind=SourceKind.NGO)


def test_a_batch_the_rival_stored_first_is_taken_as_ours(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, actor="t", durable=False) as base:
        rival = Ledger(base.store, actor="t")
        ledger = Ledger(RivalFirst(base.store, rival, [[]]), actor="t")  # type: ignore[arg-type]
        stored = ledger.append([source("a"), source("b")], event_ids=["e1", "e2"])
        assert [s.position for s in stored] == [1, 2]
        assert len(list(base.store.read())) == 2  # stored once, by the rival
        assert_same_as_a_fresh_replay(ledger)


def test_a_batch_after_the_rivals_events_folds_both(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, actor="t", durable=False) as base:
        rival = Ledger(base.store, actor="r")
        # The rival writes to other streams, so our appends still pass their version checks
        # but land after its events: the fork cannot be adopted and the slow path must run.
        moves: list[Sequence[Event]] = [[opened("r1")], [opened("r2"), opened("r3")]]
        ledger = Ledger(RivalFirst(base.store, rival, moves), actor="t")  # type: ignore[arg-type]
        ledger.append([source("a")])
        ledger.append([source("b"), source("c")])
        assert sorted(ledger._state.sources) == ["a", "b", "c"]
        assert sorted(ledger._state.incidents) == ["r1", "r2", "r3"]
        assert_same_as_a_fresh_replay(ledger)
