"""`LedgerStateMachine`: hypothesis drives a real ledger, beside a simple model of it.

Subclass it, return your projection from `make_projection`, and add `@invariant()` methods
that look at `self.state` (your projection, kept up to date as the machine appends) and
`self.log` (every stored event). Hypothesis then opens incidents, registers sources, files,
revises, corrects, retracts and voids reports, moves the recorded clock, checkpoints and
restarts your projection, and tries commands the ledger must refuse, in every order it can
think of, checking the invariants after each step and shrinking any failure to a short
program. Set `store = "sqlite"` on the subclass to run on a SQLite file.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Literal

import attrs
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ledger.events import StoredEvent
from ledger.ledger import Ledger
from ledger.log import Store
from ledger.model import ReportStatus
from ledger.projections.protocol import Projection, ProjectionRunner
from ledger.stores.memory import MemoryStore
from ledger.stores.sqlite import SQLiteStore
from ledger.testing.histories import EPOCH, GROUPS, INCIDENTS, METRICS, SOURCES, ManualClock
from ledger.testing.invalid import invalid_commands
from ledger.testing.strategies import small_figures

_HOURS = st.integers(0, 96).map(lambda h: dt.timedelta(hours=h))


@attrs.frozen(kw_only=True, slots=True)
class _ModelReport:
    incident: str
    status: ReportStatus
    versions: int
    reported_at: dt.datetime


class LedgerStateMachine(RuleBasedStateMachine):
    """A ledger under random commands; subclass to plug in your projection and invariants."""

    #: "memory" or "sqlite" (a fresh file per run, removed at teardown).
    store: ClassVar[Literal["memory", "sqlite"]] = "memory"
    incidents: ClassVar[tuple[str, ...]] = INCIDENTS
    sources: ClassVar[tuple[str, ...]] = SOURCES
    metrics: ClassVar[tuple[str, ...]] = METRICS
    groups: ClassVar[tuple[str, ...]] = GROUPS

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self._dir = tempfile.mkdtemp(prefix="ledger-machine-") if self.store == "sqlite" else None
        self._memory = MemoryStore()
        self.ledger = Ledger(self._open_store(), actor="machine", clock=self.clock)
        self.projection = self.make_projection()
        self.runner: ProjectionRunner[Any] | None = (
            None if self.projection is None else self.ledger.watch(self.projection, resume=False)
        )
        #: The model: what each report should be, and how many events the log should hold.
        self.model: dict[str, _ModelReport] = {}
        self.opened: list[str] = []
        self.registered: list[str] = []
        self.appended = 0

    def make_projection(self) -> Projection[Any] | None:
        """Your projection; the machine watches it and checks it against a replay."""
        return None

    @property
    def state(self) -> Any:  # noqa: ANN401 - the state of whichever projection is plugged in
        """Your projection's current state, kept up to date as the machine appends."""
        if self.runner is None:
            raise TypeError("make_projection returned None: there is no projection state")
        return self.runner.state

    @property
    def log(self) -> list[StoredEvent]:
        return list(self.ledger.events())

    def _open_store(self) -> Store:
        if self._dir is None:
            return self._memory
        return SQLiteStore(Path(self._dir) / "ledger.db", durable=False)

    def teardown(self) -> None:
        self.ledger.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _reports(self, *statuses: ReportStatus) -> list[str]:
        return sorted(r for r, m in self.model.items() if m.status in statuses)

    def _tick(self) -> None:
        """Before each command: the clock moves on, and the model expects one more event."""
        self.clock.advance(1)
        self.appended += 1

    # Rules: each one a command the ledger must accept, mirrored in the model.

    @precondition(lambda self: len(self.opened) < len(self.incidents))
    @rule(data=st.data())
    def open_incident(self, data: st.DataObject) -> None:
        incident = data.draw(st.sampled_from([i for i in self.incidents if i not in self.opened]))
        self._tick()
        self.ledger.open_incident(incident, title=incident)
        self.opened.append(incident)

    @precondition(lambda self: len(self.registered) < len(self.sources))
    @rule(data=st.data())
    def register_source(self, data: st.DataObject) -> None:
        source = data.draw(st.sampled_from([s for s in self.sources if s not in self.registered]))
        self._tick()
        self.ledger.register_source(source, name=source, kind="monitor")
        self.registered.append(source)

    @precondition(lambda self: self.opened and self.registered)
    @rule(data=st.data())
    def file(self, data: st.DataObject) -> None:
        draw = data.draw
        incident = draw(st.sampled_from(self.opened))
        reported_at = EPOCH + draw(_HOURS)
        self._tick()
        rid = self.ledger.file_report(
            incident, source=draw(st.sampled_from(self.registered)),
            metric=draw(st.sampled_from(self.metrics)), group=draw(st.sampled_from(self.groups)),
            figure=draw(small_figures), reported_at=reported_at,
            report_id=f"r{len(self.model) + 1}",
        )  # fmt: skip
        self.model[rid] = _ModelReport(
            incident=incident, status=ReportStatus.LIVE, versions=1, reported_at=reported_at
        )

    @precondition(lambda self: self._reports(ReportStatus.LIVE))
    @rule(data=st.data())
    def revise(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from(self._reports(ReportStatus.LIVE)))
        report = self.model[rid]
        later = report.reported_at + data.draw(_HOURS)
        self._tick()
        self.ledger.revise_report(rid, figure=data.draw(small_figures), reported_at=later)
        self.model[rid] = attrs.evolve(report, versions=report.versions + 1, reported_at=later)

    @precondition(lambda self: self._reports(ReportStatus.LIVE, ReportStatus.RETRACTED))
    @rule(data=st.data())
    def correct(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from(self._reports(ReportStatus.LIVE, ReportStatus.RETRACTED)))
        version = data.draw(st.integers(0, self.model[rid].versions - 1))
        figure = data.draw(small_figures)
        assume(figure != self.ledger.report(rid).versions[version].figure)
        self._tick()
        self.ledger.correct_report(rid, reason="data entry", version=version, figure=figure)

    @precondition(lambda self: self._reports(ReportStatus.LIVE))
    @rule(data=st.data())
    def retract(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from(self._reports(ReportStatus.LIVE)))
        report = self.model[rid]
        later = report.reported_at + data.draw(_HOURS)
        self._tick()
        self.ledger.retract_report(rid, reported_at=later)
        self.model[rid] = attrs.evolve(report, status=ReportStatus.RETRACTED)

    @precondition(lambda self: self._reports(ReportStatus.LIVE, ReportStatus.RETRACTED))
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from(self._reports(ReportStatus.LIVE, ReportStatus.RETRACTED)))
        self._tick()
        self.ledger.void_report(rid, reason="never belonged here")
        self.model[rid] = attrs.evolve(self.model[rid], status=ReportStatus.VOIDED)

    @rule(minutes=st.integers(1, 3 * 24 * 60))
    def advance_clock(self, minutes: int) -> None:
        self.clock.advance(minutes)

    @rule(data=st.data())
    def refuse_invalid_command(self, data: st.DataObject) -> None:
        data.draw(invalid_commands(self.ledger)).check(self.ledger)

    @precondition(lambda self: self.projection is not None)
    @rule()
    def checkpoint_and_restart(self) -> None:
        """Checkpoint the projection, then start over as a new process would: a new ledger
        on the same store, resuming the projection from its checkpoint."""
        assert self.runner is not None  # noqa: S101 - the precondition says so
        assert self.projection is not None  # noqa: S101
        self.runner.checkpoint()
        if self._dir is not None:
            self.ledger.close()
        self.ledger = Ledger(self._open_store(), actor="machine", clock=self.clock)
        self.runner = self.ledger.watch(self.projection, resume=True)

    # Built-in invariants.

    @invariant()
    def ledger_agrees_with_the_model(self) -> None:
        if self.ledger.position != self.appended:
            raise AssertionError(f"log at {self.ledger.position}, expected {self.appended}")
        for rid, expected in self.model.items():
            report = self.ledger.report(rid)
            got = (report.incident, report.status, len(report.versions))
            if got != (expected.incident, expected.status, expected.versions):
                raise AssertionError(f"report {rid}: ledger has {got}, model has {expected}")

    @invariant()
    def watched_projection_equals_a_fresh_replay(self) -> None:
        if self.runner is None or self.projection is None:
            return
        replayed = self.ledger.runner(self.projection)
        replayed.replay()
        live, fresh = self.projection.dump(self.runner.state), self.projection.dump(replayed.state)
        if self.runner.position != replayed.position or live != fresh:
            raise AssertionError(
                f"projection {self.projection.name!r}: watched state at position "
                f"{self.runner.position} differs from a replay to {replayed.position}"
            )
