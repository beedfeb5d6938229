"""Laws every projection answer keeps, over generated histories (see strategies.histories)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger, ProjectionError, StoredEvent
from ledger.projections.reports import ReportIndexProjection
from ledger.testing import START, ManualClock, append_steps, build_ledger

from .held import held, incident_ids, tracks
from .reference import reference_tally, rows
from .strategies import EPOCH, INCIDENTS, Step, histories


def build(steps: list[Step], *, after_each: Callable[[Ledger], None] | None = None) -> Ledger:
    """An in-memory ledger holding `steps`, on a `ManualClock` (the toolkit's builder)."""
    return build_ledger(steps, after_each=after_each)


def instants(log: list[StoredEvent]) -> st.SearchStrategy[dt.datetime | None]:
    """Times worth asking about: none, every recorded instant, and ones in between."""
    recorded = [e.recorded_at for e in log]
    return (
        st.none()
        | st.sampled_from(recorded)
        | st.integers(0, 60 * 24 * 30).map(lambda m: START + dt.timedelta(minutes=m))
    )


reported = st.none() | st.integers(-24, 24 * 12).map(lambda h: EPOCH + dt.timedelta(hours=h))


@given(steps=histories(), data=st.data())
def test_tally_equals_the_naive_fold_on_both_clocks(steps: list[Step], data: st.DataObject) -> None:
    ledger = build(steps)
    log = list(ledger.events())
    for _ in range(5):
        incident = data.draw(st.sampled_from(incident_ids(ledger)))
        as_of = data.draw(reported)
        known_at = data.draw(instants(log))
        occurred_by = data.draw(st.none() | st.dates(dt.date(2025, 3, 1), dt.date(2025, 3, 20)))
        tally = ledger.tally(incident, as_of=as_of, known_at=known_at, occurred_by=occurred_by)
        assert rows(tally) == reference_tally(log, incident, as_of, known_at, occurred_by)
        for span in tally.spans:
            assert span.low == min(e.figure.low for e in span.entries)
            assert len({e.source for e in span.entries}) == len(span.entries)
            for a in span.entries:
                for b in span.entries:
                    if not a.figure.overlaps(b.figure):
                        assert {a.source, b.source} <= set(span.disagreeing)


@given(steps=histories(), data=st.data())
def test_replay_incremental_and_resume_agree_bit_for_bit(
    steps: list[Step], data: st.DataObject
) -> None:
    projection = ReportIndexProjection()
    ledger = build(steps)
    replayed = ledger.runner(projection)
    replayed.replay()
    # Incremental: the ledger's own folds, fed as each append landed.
    assert held(ledger) == tracks(replayed.state)
    # Resume: checkpoint part-way, then continue from the checkpoint in a new runner.
    cut = data.draw(st.integers(0, ledger.position))
    partial = ledger.runner(projection)
    partial.catch_up(until=cut)
    partial.checkpoint()
    resumed = ledger.runner(projection)
    resumed.resume()
    assert resumed.position == ledger.position
    assert projection.dump(resumed.state) == projection.dump(replayed.state)


@given(steps=histories(), data=st.data())
def test_events_recorded_after_known_at_never_change_its_tally(
    steps: list[Step], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(steps)))
    # Events appended together share an instant; a cut between them is no cut on the clock.
    while cut < len(steps) and steps[cut][0] == 0:
        cut += 1
    ledger = build(steps[:cut])
    known_at = ledger._clock()
    as_of = data.draw(reported)
    before = {i: ledger.tally(i, as_of=as_of, known_at=known_at) for i in incident_ids(ledger)}
    clock = ledger._clock
    assert isinstance(clock, ManualClock)
    append_steps(ledger, steps[cut:], clock)
    for incident, tally in before.items():
        assert ledger.tally(incident, as_of=as_of, known_at=known_at) == tally


@given(steps=histories(), data=st.data())
def test_a_known_at_tally_equals_the_tally_of_the_log_cut_there(
    steps: list[Step], data: st.DataObject
) -> None:
    ledger = build(steps)
    log = list(ledger.events())
    known_at = data.draw(instants(log))
    cut = Ledger.in_memory(actor="t")
    cut.append([e.event for e in log if known_at is None or e.recorded_at <= known_at])
    as_of = data.draw(reported)
    for incident in INCIDENTS:
        if incident in incident_ids(cut):
            full = ledger.tally(incident, as_of=as_of, known_at=known_at)
            assert rows(cut.tally(incident, as_of=as_of)) == rows(full)


@given(steps=histories(), data=st.data())
def test_changes_between_two_known_ats_explain_the_diff(
    steps: list[Step], data: st.DataObject
) -> None:
    ledger = build(steps)
    log = list(ledger.events())
    recorded = st.sampled_from([e.recorded_at for e in log])
    a, b = sorted([data.draw(recorded), data.draw(recorded)])
    for incident in incident_ids(ledger):
        diff = ledger.diff(ledger.tally(incident, known_at=a), ledger.tally(incident, known_at=b))
        touched = {c.report_id for c in ledger.changes(since=a, until=b, incident=incident)}
        moved = [*diff.appeared, *diff.disappeared] + [x for pair in diff.changed for x in pair]
        # Anything that moved in the tally was touched by a change in the window (or was
        # uncovered because a report that superseded it was touched).
        if moved:
            assert touched
        if not touched:
            assert not diff


@given(steps=histories(), data=st.data())
def test_ledger_wide_changes_are_every_incidents_changes(
    steps: list[Step], data: st.DataObject
) -> None:
    # Ledger-wide, on the recorded clock, only the incidents with a record in the window
    # are folded (found from the log's positions); the answer is still every incident's.
    ledger = build(steps)
    log = list(ledger.events())
    times = [e.recorded_at for e in log]
    times += [t for e in log if (t := getattr(e.event, "reported_at", None)) is not None]
    instant = st.none() | st.sampled_from(times).flatmap(
        lambda t: st.sampled_from([t, t - dt.timedelta(microseconds=1)])
    )
    since, until = data.draw(instant), data.draw(instant)
    if since is not None and until is not None and since > until:
        since, until = until, since
    reader = Ledger(ledger.store, actor="reader")  # a fresh process: no fold held
    for clock in ("recorded", "reported"):
        wide = reader.changes(since=since, until=until, clock=clock)
        each = [
            entry
            for incident in incident_ids(ledger)
            for entry in ledger.changes(since=since, until=until, clock=clock, incident=incident)
        ]
        assert list(wide) == sorted(each, key=lambda e: e.position)


def test_runner_refuses_a_gap_and_ignores_a_repeat() -> None:
    ledger = Ledger.in_memory(actor="t")
    ledger.register_source("s", name="S", kind="ngo")
    ledger.register_source("t", name="T", kind="ngo")
    first, second = ledger.events()
    runner = ledger.runner(ReportIndexProjection())
    with pytest.raises(ProjectionError, match="expected position 1, got 2"):
        runner.feed(second)
    runner.feed(first)
    runner.feed(first)
    runner.feed(second)
    assert runner.position == 2
    assert runner.state.tracks == {}  # sources are not reports: the index holds none
