"""Appending a batch takes the states that checked it; it must equal folding the log afresh.

`Ledger.append` checks a batch on a fork of its state, folding each report event there, and
the incident folds then take those folded states instead of folding the batch again. These
tests hold that to the slow path: a ledger freshly opened on the same store, and a strict
replay of the whole log, must agree with the ledger that appended, whatever else other
writers did meanwhile.
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
from ledger.testing import histories

from .held import held, incident_ids, replayed
from .racing import Move, racing
from .strategies import Step


def assert_same_as_a_fresh_replay(ledger: Ledger) -> None:
    fresh = Ledger(ledger.store, actor="reader")
    assert ledger.incidents() == fresh.incidents()
    assert ledger.sources() == fresh.sources()
    assert ledger.reports() == fresh.reports()
    assert ledger.taxonomy == fresh.taxonomy
    assert ledger.position == fresh.position
    assert held(ledger) == held(fresh) == replayed(ledger)
    for incident in incident_ids(ledger):
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
        assert sorted(s.source for s in ledger.sources()) == ["a", "b", "c"]
        assert sorted(incident_ids(ledger)) == ["r1", "r2", "r3"]
        assert_same_as_a_fresh_replay(ledger)
