"""ledger.testing holds users' projections to the ledger's laws, and catches planted bugs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import attrs
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant

from ledger import (
    Event,
    Figure,
    IncidentOpened,
    LedgerError,
    Period,
    Provenance,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    StoredEvent,
    StructuredProjection,
)
from ledger.testing import (
    LawViolation,
    LedgerStateMachine,
    Mix,
    Step,
    build_ledger,
    check_projection_laws,
    format_history,
    histories,
    invalid_commands,
)

# A user's projection: children killed, per place, as each source last put it. Across sources
# figures are compared (a span), never added.

Span = tuple[int, int | None]


@attrs.define
class Filed:
    incident: str
    source: str
    metric: str
    group: str
    place: str
    filed: int
    figures: list[Figure]
    reported: list[dt.datetime]
    live: bool = True


@attrs.define
class Reports:
    reports: dict[str, Filed] = attrs.Factory(dict)


class ChildrenKilled(StructuredProjection[Reports]):
    name = "test.children-killed"
    version = 1
    state_type = Reports

    def initial(self) -> Reports:
        return Reports()

    def apply(self, state: Reports, stored: StoredEvent) -> Reports:
        e = stored.event
        if isinstance(e, ReportFiled):
            state.reports[e.report_id] = Filed(
                incident=e.incident, source=e.source, metric=e.metric, group=e.group,
                place=e.place, filed=stored.position, figures=[e.figure],
                reported=[e.reported_at],
            )  # fmt: skip
        elif isinstance(e, ReportRevised):
            state.reports[e.report_id].figures.append(e.figure)
            state.reports[e.report_id].reported.append(e.reported_at)
        elif isinstance(e, ReportCorrected):
            self.correct(state.reports[e.report_id], e)
        elif isinstance(e, ReportRetracted | ReportVoided):
            state.reports[e.report_id].live = False
        return state

    def correct(self, report: Filed, e: ReportCorrected) -> None:
        if e.figure is not None:
            report.figures[e.version] = e.figure
        if e.reported_at is not None:
            report.reported[e.version] = e.reported_at
        for name in ("source", "metric", "group", "place"):
            if (value := getattr(e, name)) is not None:
                setattr(report, name, value)

    @staticmethod
    def span(figures: list[Figure]) -> Span:
        highs = [f.high for f in figures]
        return min(f.low for f in figures), None if None in highs else max(
            h for h in highs if h is not None
        )

    def toll(self, state: Reports) -> dict[str, Span]:
        """Per place, the span of the sources' latest figures."""
        latest: dict[tuple[str, str], tuple[tuple[dt.datetime, int], Figure]] = {}
        for r in state.reports.values():
            if r.live and (r.metric, r.group) == ("killed", "children"):
                rank = (r.reported[-1], r.filed)
                slot = (r.place, r.source)
                if slot not in latest or latest[slot][0] < rank:
                    latest[slot] = (rank, r.figures[-1])
        by_place: dict[str, list[Figure]] = {}
        for (place, _), (_, figure) in sorted(latest.items()):
            by_place.setdefault(place, []).append(figure)
        return {place: self.span(figures) for place, figures in by_place.items()}


def naive_toll(log: Sequence[StoredEvent]) -> dict[str, Span]:
    """The user's reference: for each report, replay its own events longhand."""
    events = [s.event for s in log]
    filings = {e.report_id: (i, e) for i, e in enumerate(events) if isinstance(e, ReportFiled)}
    best: dict[tuple[str, str], tuple[tuple[dt.datetime, int], Figure]] = {}
    for rid, (at, filing) in filings.items():
        ours: list[Event] = [e for e in events if getattr(e, "report_id", None) == rid]
        if any(isinstance(e, ReportRetracted | ReportVoided) for e in ours):
            continue
        versions = [(filing.figure, filing.reported_at)]
        key = {"source": filing.source, "metric": filing.metric, "group": filing.group,
               "place": filing.place}  # fmt: skip
        for e in ours:
            if isinstance(e, ReportRevised):
                versions.append((e.figure, e.reported_at))
            elif isinstance(e, ReportCorrected):
                figure, reported = versions[e.version]
                versions[e.version] = (e.figure or figure, e.reported_at or reported)
                key.update({k: v for k in key if (v := getattr(e, k)) is not None})
        if (key["metric"], key["group"]) != ("killed", "children"):
            continue
        rank, slot = (versions[-1][1], at), (key["place"], key["source"])
        if slot not in best or best[slot][0] < rank:
            best[slot] = (rank, versions[-1][0])
    toll: dict[str, Span] = {}
    for (place, _), (_, figure) in sorted(best.items()):
        low, high = toll.get(place, (figure.low, figure.high))
        highs = (high, figure.high)
        toll[place] = (
            min(low, figure.low),
            None if None in highs else max(h for h in highs if h is not None),
        )
    return toll


class SumsAcrossSources(ChildrenKilled):
    def span(self, figures: list[Figure]) -> Span:  # type: ignore[override]
        highs = [f.high for f in figures]
        total = None if None in highs else sum(h for h in highs if h is not None)
        return sum(f.low for f in figures), total


class IgnoresRetractions(ChildrenKilled):
    def apply(self, state: Reports, stored: StoredEvent) -> Reports:
        if isinstance(stored.event, ReportRetracted):
            return state
        return super().apply(state, stored)


class CorrectsTheLatestVersion(ChildrenKilled):
    """Treats a correction as news about the current figure, whichever version it fixes."""

    def correct(self, report: Filed, e: ReportCorrected) -> None:
        super().correct(report, attrs.evolve(e, version=len(report.figures) - 1))


# Histories that reach the projection's interesting cases quickly: one metric and group.
focused = histories(
    max_reports=4, max_changes=6, metrics=["killed"], groups=["children", "all"],
    places=["latakia"], periods=st.just(Period()),
)  # fmt: skip
FAST = settings(derandomize=True, database=None)


def laws(projection: ChildrenKilled, *, max_examples: int = 40) -> None:
    check_projection_laws(
        projection, reference=naive_toll, answer=projection.toll, histories=focused,
        max_examples=max_examples, settings=FAST,
    )  # fmt: skip


def test_a_correct_projection_keeps_every_law() -> None:
    laws(ChildrenKilled())


@pytest.mark.parametrize(
    ("planted", "needs"),
    [
        (SumsAcrossSources, "2 sources"),
        (IgnoresRetractions, ReportRetracted),
        (CorrectsTheLatestVersion, ReportCorrected),
    ],
)
def test_a_planted_bug_is_caught_with_a_short_history(
    planted: type[ChildrenKilled], needs: object
) -> None:
    # The search stops at the first violation; the headroom is for runs where hypothesis,
    # which draws constants from the modules loaded so far, happens to reach it late. Each
    # bug needs five events at least (an incident, a source, two reports or a filing and
    # its change, and the change that shows it); the shrinker ends within a few of that,
    # where it ends depending on those constants too (7 in a full run with the data-frame
    # extras loaded, 6 alone).
    with pytest.raises(LawViolation) as caught:
        laws(planted(), max_examples=1000)
    violation = caught.value
    assert violation.law == "reference"
    assert len(violation.history) <= 8, str(violation)
    kinds = [type(e) for _, e in violation.history]
    if isinstance(needs, type):
        assert needs in kinds
    else:
        assert kinds.count(type(violation.history[1][1])) >= 1
    assert "#1 +" in str(violation)
    assert "the reference answers" in str(violation)


# The other laws, each shown to catch the bug it exists for.


@attrs.define
class Filings:
    recorded: list[dt.datetime] = attrs.Factory(list)


class FilingTimes(StructuredProjection[Filings]):
    """When each report was filed, on the recorded clock: enough to answer as of then."""

    name = "test.filing-times"
    version = 1
    state_type = Filings

    def initial(self) -> Filings:
        return Filings()

    def apply(self, state: Filings, stored: StoredEvent) -> Filings:
        if isinstance(stored.event, ReportFiled):
            state.recorded.append(stored.recorded_at)
        return state


def filed(state: Filings) -> int:
    return len(state.recorded)


def filed_by(state: Filings, known_at: dt.datetime) -> int:
    return sum(1 for t in state.recorded if t <= known_at)


def test_an_as_of_answer_equals_the_answer_of_the_log_cut_there() -> None:
    check_projection_laws(
        FilingTimes(), answer=filed, answer_known_at=filed_by, max_examples=20, settings=FAST
    )
    with pytest.raises(LawViolation) as caught:
        check_projection_laws(
            FilingTimes(), answer=filed, answer_known_at=lambda s, _: filed(s),
            max_examples=50, settings=FAST,
        )  # fmt: skip
    assert caught.value.law == "as of"
    assert len(caught.value.history) <= 4


_SHARED: list[int] = []


class SharesItsState(StructuredProjection[list[int]]):
    """Starts every run from one shared list: a second replay sees the first one's work."""

    name = "test.shared"
    version = 1
    state_type = list[int]

    def initial(self) -> list[int]:
        return _SHARED

    def apply(self, state: list[int], stored: StoredEvent) -> list[int]:
        state.append(stored.position)
        return state


class ForgetsOnLoad(FilingTimes):
    """Loads a checkpoint without its first entry: a restart loses a filing."""

    def load(self, data: bytes) -> Filings:
        state = super().load(data)
        return Filings(recorded=state.recorded[1:])


class Crashes(ChildrenKilled):
    def apply(self, state: Reports, stored: StoredEvent) -> Reports:
        if isinstance(stored.event, ReportVoided):
            raise KeyError(stored.event.report_id)
        return super().apply(state, stored)


@pytest.mark.parametrize(
    ("projection", "law"),
    [
        (SharesItsState(), "determinism"),
        (ForgetsOnLoad(), "round trip"),
        (Crashes(), "runs"),
    ],
)
def test_each_law_catches_its_bug(projection: StructuredProjection[Any], law: str) -> None:
    with pytest.raises(LawViolation) as caught:
        check_projection_laws(projection, histories=focused, max_examples=100, settings=FAST)
    assert caught.value.law == law
    assert len(caught.value.history) <= 6, str(caught.value)


def test_the_laws_hold_on_sqlite_too() -> None:
    projection = ChildrenKilled()
    check_projection_laws(
        projection, reference=naive_toll, answer=projection.toll, histories=focused,
        store="sqlite", max_examples=10, settings=FAST,
    )  # fmt: skip


# Histories.


def test_a_history_reads_one_line_per_event() -> None:
    at = dt.datetime(2025, 3, 7, 4, tzinfo=dt.UTC)
    steps: list[Step] = [
        (5, IncidentOpened(incident="inc-a", title="A", places=["latakia"])),
        (5, ReportRevised(incident="inc-a", report_id="r3", figure=Figure.parse("at least 12"),
                          reported_at=at)),
        (125, ReportCorrected(incident="inc-a", report_id="r3", version=0, figure=Figure.exact(5),
                              group="children")),
    ]  # fmt: skip
    assert format_history(steps).splitlines() == [
        "#1 +5m incident.opened inc-a [latakia]",
        "#2 +10m report.revised r3 inc-a: at least 12 (reported 2025-03-07T04:00Z)",
        "#3 +2h15m report.corrected r3 inc-a v0: figure=5, group=children",
    ]


@given(steps=histories(mix=Mix(file=1, revise=0, correct=0, retract=0, void=5), min_reports=2))
def test_a_mix_decides_which_changes_a_history_holds(steps: list[Step]) -> None:
    kinds = {type(e) for _, e in steps}
    assert not kinds & {ReportRevised, ReportCorrected, ReportRetracted}
    assert sum(isinstance(e, ReportFiled) for _, e in steps) >= 2


def test_a_mix_needs_filings_and_whole_weights() -> None:
    with pytest.raises(LedgerError, match="file"):
        Mix(file=0)
    with pytest.raises(LedgerError, match="void"):
        Mix(void=-1)


@given(steps=histories(), data=st.data())
def test_every_generated_history_is_accepted_and_every_invalid_command_refused(
    steps: list[Step], data: st.DataObject
) -> None:
    ledger = build_ledger(steps)
    assert ledger.position == len(steps)
    times = [e.recorded_at for e in ledger.events()]
    assert times == sorted(times)
    for _ in range(3):
        data.draw(invalid_commands(ledger)).check(ledger)


# Hypothesis integration.


@given(
    figure=st.from_type(Figure), period=st.from_type(Period), provenance=st.from_type(Provenance),
    event=st.from_type(Event), filed=st.from_type(ReportFiled),
)  # fmt: skip
def test_from_type_knows_the_ledger_s_values(
    figure: Figure, period: Period, provenance: Provenance, event: Event, filed: ReportFiled
) -> None:
    assert Figure.parse(str(figure)) == figure
    assert period.start is None or period.end is None or period.start <= period.end
    assert isinstance(provenance, Provenance)
    assert isinstance(event, Event)
    assert isinstance(filed, ReportFiled)


def test_without_hypothesis_the_import_error_says_what_to_install() -> None:
    script = "import sys; sys.modules['hypothesis'] = None; import ledger.testing"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "pip install 'incident-ledger[testing]'" in result.stderr
    # The core package never needs it.
    core = "import sys; sys.modules['hypothesis'] = None; import ledger; print(ledger.Ledger)"
    assert subprocess.run([sys.executable, "-c", core], check=False).returncode == 0


# The state machine, with a user's projection plugged in.


@attrs.define
class Counts:
    per_source: dict[str, int] = attrs.Factory(dict)


class ReportsPerSource(StructuredProjection[Counts]):
    name = "test.machine.reports-per-source"
    version = 1
    state_type = Counts

    def initial(self) -> Counts:
        return Counts()

    def apply(self, state: Counts, stored: StoredEvent) -> Counts:
        if isinstance(stored.event, ReportFiled):
            source = stored.event.source
            state.per_source[source] = state.per_source.get(source, 0) + 1
        return state


class CountsMachine(LedgerStateMachine):
    def make_projection(self) -> ReportsPerSource:
        return ReportsPerSource()

    @invariant()
    def counts_every_filing(self) -> None:
        filings = [e.event for e in self.log if isinstance(e.event, ReportFiled)]
        assert sum(self.state.per_source.values()) == len(filings)


class SQLiteCountsMachine(CountsMachine):
    store = "sqlite"


TestCountsMachine = CountsMachine.TestCase
TestCountsMachine.settings = settings(max_examples=15, stateful_step_count=25, deadline=None)
TestSQLiteCountsMachine = SQLiteCountsMachine.TestCase
TestSQLiteCountsMachine.settings = settings(max_examples=5, stateful_step_count=20, deadline=None)


class ForgetsOnRestartMachine(LedgerStateMachine):
    """A planted bug: the projection's state is not what a replay gives after a restart."""

    def make_projection(self) -> ForgetsOnLoad:
        return ForgetsOnLoad()


def test_the_machine_catches_a_projection_that_a_restart_breaks() -> None:
    from hypothesis.stateful import run_state_machine_as_test  # noqa: PLC0415

    with pytest.raises(AssertionError, match="differs from a replay"):
        run_state_machine_as_test(
            ForgetsOnRestartMachine,
            settings=settings(
                max_examples=200,
                stateful_step_count=15,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate, Phase.shrink],
            ),
        )
