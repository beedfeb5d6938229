"""Users' own projections: run by replay, kept live by watching, resumed from checkpoints."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Checkpoint, Ledger, ReportFiled, StoredEvent, StructuredProjection
from ledger.testing import check_projection_laws

from .strategies import Step, histories
from .test_projection_laws import build

SAT = dt.datetime(2025, 3, 8, 12, tzinfo=dt.UTC)


@attrs.define
class Counts:
    per_source: dict[str, int] = attrs.Factory(dict)
    applied: int = 0


class ReportsPerSource(StructuredProjection[Counts]):
    name = "test.reports-per-source"
    version = 1
    state_type = Counts

    def initial(self) -> Counts:
        return Counts()

    def apply(self, state: Counts, event: StoredEvent) -> Counts:
        state.applied += 1
        if isinstance(event.event, ReportFiled):
            source = event.event.source
            state.per_source[source] = state.per_source.get(source, 0) + 1
        return state


def seeded(ledger: Ledger) -> Ledger:
    ledger.open_incident("inc", title="Inc")
    ledger.register_source("a", name="A", kind="ngo")
    ledger.register_source("b", name="B", kind="ngo")
    return ledger


def file(ledger: Ledger, source: str) -> None:
    ledger.file_report("inc", source=source, metric="killed", figure="3", reported_at=SAT)


def test_a_watched_projection_follows_every_append(tmp_path: Path) -> None:
    with seeded(Ledger.open(tmp_path / "l.db", durable=False)) as ledger:
        live = ledger.watch(ReportsPerSource())
        file(ledger, "a")
        file(ledger, "b")
        file(ledger, "a")
        assert live.state.per_source == {"a": 2, "b": 1}
        assert live.position == ledger.position


def test_resume_from_a_checkpoint_folds_only_what_came_after(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with seeded(Ledger.open(path, durable=False)) as ledger:
        file(ledger, "a")
        ledger.watch(ReportsPerSource()).checkpoint()
        file(ledger, "b")
        position = ledger.position
    with Ledger.open(path, durable=False) as reopened:
        resumed = reopened.watch(ReportsPerSource())
        assert resumed.state.per_source == {"a": 1, "b": 1}
        assert resumed.position == position
        assert resumed.state.applied == position  # the checkpoint's count, plus one more
        replayed = reopened.runner(ReportsPerSource())
        replayed.replay()
        projection = ReportsPerSource()
        assert projection.dump(resumed.state) == projection.dump(replayed.state)


def test_a_checkpoint_of_another_version_is_ignored(tmp_path: Path) -> None:
    class Bumped(ReportsPerSource):
        version = 2

    with seeded(Ledger.open(tmp_path / "l.db", durable=False)) as ledger:
        file(ledger, "a")
        planted = b'{"applied":0,"per_source":{"planted":9}}'
        head = ledger.store.head()
        ledger.store.save_checkpoint(
            Checkpoint(
                name=Bumped.name, version=1, position=head.position, state=planted, hash=head.hash
            )
        )
        assert ledger.runner(ReportsPerSource()).resume().per_source == {"planted": 9}
        assert ledger.runner(Bumped()).resume().per_source == {"a": 1}  # replayed instead


@pytest.mark.parametrize("how", ["past the head", "another log's record", "no hash"])
def test_a_checkpoint_the_log_does_not_hold_means_a_replay(tmp_path: Path, how: str) -> None:
    # A checkpoint that resumed past events the log does not hold would skip real ones.
    with seeded(Ledger.open(tmp_path / "l.db", durable=False)) as ledger:
        file(ledger, "a")
        runner = ledger.runner(ReportsPerSource())
        runner.replay()
        made = runner.checkpoint()
        planted = b'{"applied":0,"per_source":{"planted":9}}'
        bad = {
            "past the head": attrs.evolve(made, position=made.position + 5, state=planted),
            "another log's record": attrs.evolve(made, hash="0f" * 32, state=planted),
            "no hash": attrs.evolve(made, hash=None, state=planted),
        }[how]
        ledger.store.save_checkpoint(bad)
        assert ledger.runner(ReportsPerSource()).resume().per_source == {"a": 1}
        ledger.store.save_checkpoint(attrs.evolve(made, state=planted))  # bound: taken
        assert ledger.runner(ReportsPerSource()).resume().per_source == {"planted": 9}


def test_a_corrupt_checkpoint_means_a_replay(tmp_path: Path) -> None:
    with seeded(Ledger.open(tmp_path / "l.db", durable=False)) as ledger:
        file(ledger, "a")
        runner = ledger.runner(ReportsPerSource())
        runner.replay()
        checkpoint = runner.checkpoint()
        ledger.store.save_checkpoint(attrs.evolve(checkpoint, state=b"{not json"))
        assert ledger.runner(ReportsPerSource()).resume().per_source == {"a": 1}


@given(steps=histories(), cut=st.integers(0, 100))
def test_replay_incremental_and_resume_agree_for_a_user_projection(
    steps: list[Step], cut: int
) -> None:
    projection = ReportsPerSource()
    holder: list[object] = []

    def watch_early(ledger: Ledger) -> None:
        if not holder:
            holder.append(ledger.watch(ReportsPerSource(), resume=False))

    ledger = build(steps, after_each=watch_early)
    replayed = ledger.runner(projection)
    replayed.replay()
    partial = ledger.runner(projection)
    partial.catch_up(until=min(cut, ledger.position))
    partial.checkpoint()
    resumed = ledger.runner(projection)
    resumed.resume()
    incremental = holder[0]
    assert projection.dump(incremental.state) == projection.dump(replayed.state)  # type: ignore[attr-defined]
    assert projection.dump(resumed.state) == projection.dump(replayed.state)


def test_a_user_projection_keeps_the_toolkit_s_laws() -> None:
    def reference(log: Sequence[StoredEvent]) -> Counts:
        filings = [e.event.source for e in log if isinstance(e.event, ReportFiled)]
        return Counts(per_source=dict(Counter(filings)), applied=len(log))

    check_projection_laws(ReportsPerSource(), reference=reference, max_examples=20)
