"""Valid event histories: sequences of events a ledger accepts in order, with clock steps.

A history is a list of steps `(minutes, event)`: the recorded clock advances by `minutes`
before `event` is appended. Generation runs the ledger's own rules (`LedgerState.check`) on
every event it makes, so a history that a ledger would refuse is a bug here, never a test
input. Revisions, corrections, retractions and voids only ever target reports that exist and
allow them; reported times never run backwards within a report; several incidents and sources
interleave.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs
from hypothesis import strategies as st

from ledger.errors import ValidationError
from ledger.events import (
    REPORT_EVENTS,
    Event,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceRegistered,
    TaxonomyExtended,
)
from ledger.figures import Figure
from ledger.ledger import Ledger
from ledger.log import Store
from ledger.model import ReportState, ReportStatus, fold_report
from ledger.state import LedgerState
from ledger.stores.memory import MemoryStore
from ledger.stores.sqlite import SQLiteStore
from ledger.taxonomy import ROOT, Dimension
from ledger.testing._format import Step
from ledger.testing.strategies import periods as _periods
from ledger.testing.strategies import small_figures
from ledger.values import Period, SourceKind

INCIDENTS: Final = ("inc-a", "inc-b", "inc-c")
SOURCES: Final = ("s1", "s2", "s3")
PLACES: Final = ("latakia", "tartous", "hama")
GROUPS: Final = ("all", "civilians", "children", "women")
METRICS: Final = ("killed", "injured")
#: Where the reported clock of generated histories starts: the week of the seed story.
EPOCH: Final = dt.datetime(2025, 3, 6, tzinfo=dt.UTC)
#: Where `build_ledger`'s recorded clock starts, well after every reported time.
START: Final = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_HOUR: Final = dt.timedelta(hours=1)

ChangeKind = Literal["file", "revise", "correct", "retract", "void"]


def _weight(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, "must be a whole number >= 0", value=value)


@attrs.frozen(kw_only=True, slots=True)
class Mix:
    """How often each kind of change is drawn, relative to the others; 0 turns one off."""

    file: int = attrs.field(default=1, validator=_weight)
    revise: int = attrs.field(default=2, validator=_weight)
    correct: int = attrs.field(default=2, validator=_weight)
    retract: int = attrs.field(default=1, validator=_weight)
    void: int = attrs.field(default=1, validator=_weight)

    def __attrs_post_init__(self) -> None:
        if not self.file:
            raise ValidationError("file", "a history without filings has nothing to change")

    def kinds(self) -> tuple[ChangeKind, ...]:
        """Each kind repeated by its weight, filing first (where examples shrink to)."""
        kinds: tuple[ChangeKind, ...] = ("file", "revise", "correct", "retract", "void")
        return tuple(kind for kind in kinds for _ in range(getattr(self, kind)))


class _Builder:
    """The history so far, and the model that every new event is checked against."""

    def __init__(self, minutes: st.SearchStrategy[int]) -> None:
        self.minutes = minutes
        self.model = LedgerState()
        self.steps: list[Step] = []

    def add(self, minutes: int, event: Event) -> None:
        self.model.check(event)  # a refused event here is a generator bug: let it surface
        self.model.apply(event)
        self.steps.append((minutes, event))

    def reports(self, *statuses: ReportStatus) -> list[str]:
        return [r.report_id for r in self.model.reports.values() if r.status in statuses]


@st.composite
def histories(
    draw: st.DrawFn,
    *,
    min_reports: int = 0,
    max_reports: int = 12,
    max_changes: int = 18,
    incidents: Sequence[str] = INCIDENTS,
    sources: Sequence[str] = SOURCES,
    places: Sequence[str] = PLACES,
    metrics: Sequence[str] = METRICS,
    groups: Sequence[str] = GROUPS,
    perpetrators: Sequence[str] = (ROOT,),
    figures: st.SearchStrategy[Figure] = small_figures,
    periods: st.SearchStrategy[Period] | None = None,
    mix: Mix = Mix(),
    epoch: dt.datetime = EPOCH,
    filing_window: dt.timedelta = dt.timedelta(hours=96),
    max_delay: dt.timedelta = dt.timedelta(hours=96),
    recorded_minutes: tuple[int, int] = (1, 600),
) -> list[Step]:
    """A history a ledger accepts, step by step.

    It draws `min_reports` to `max_reports` filings and up to `max_changes` other changes,
    weighted by `mix`. Filings and corrections draw from `incidents`, `sources`, `places`,
    `metrics`, `groups` and `perpetrators`; each incident is opened, each source registered
    and each term the default taxonomy lacks added just before the first event that needs
    it, recorded at the same instant as that event. Reports are filed
    at `epoch` plus up to `filing_window`; a revision or retraction comes up to `max_delay`
    after the version it follows. Before each event the recorded clock advances by
    `recorded_minutes` (low, high) minutes. `figures` and `periods` draw what reports say
    (by default, small figures of every kind and periods around `epoch`); pass simpler ones
    for a projection that ignores them, and examples shrink faster.
    """
    if not incidents or not sources:
        raise ValidationError("incidents", "a history needs at least one incident and source")
    if not 0 <= min_reports <= max_reports:
        raise ValidationError("min_reports", "must be between 0 and max_reports", value=min_reports)
    history = _Builder(st.integers(*recorded_minutes))
    first_day = epoch.date() - dt.timedelta(days=3)
    last_day = (epoch + filing_window + max_delay).date()
    context = _Context(
        incidents=st.sampled_from(tuple(incidents)),
        sources=st.sampled_from(tuple(sources)),
        places=st.sampled_from((ROOT, *places)),
        metrics=st.sampled_from(tuple(metrics)),
        groups=st.sampled_from(tuple(groups)),
        perpetrators=st.sampled_from(tuple(perpetrators)),
        periods=_periods(st.dates(first_day, last_day)) if periods is None else periods,
        figures=figures,
        epoch=epoch,
        filing_window=filing_window,
        max_delay=max_delay,
        min_reports=min_reports,
        max_reports=max_reports,
        max_changes=max_changes,
        kinds=st.sampled_from(mix.kinds()),
    )
    # Each change is one draw of its own, "go on?" flag included, so that the shrinker can
    # delete any one change whole without disturbing the others.
    next_step = _next_step(history, context)
    while not isinstance(steps := draw(next_step), _Stop):
        for step in steps:
            history.add(*step)
    return history.steps


class _Stop:
    pass


_STOP: Final = _Stop()


@attrs.frozen(kw_only=True, slots=True)
class _Context:
    """What every change draws from, built once per history: strategies are not free."""

    incidents: st.SearchStrategy[str]
    sources: st.SearchStrategy[str]
    places: st.SearchStrategy[str]
    metrics: st.SearchStrategy[str]
    groups: st.SearchStrategy[str]
    perpetrators: st.SearchStrategy[str]
    periods: st.SearchStrategy[Period]
    figures: st.SearchStrategy[Figure]
    epoch: dt.datetime
    filing_window: dt.timedelta
    max_delay: dt.timedelta
    min_reports: int
    max_reports: int
    max_changes: int
    kinds: st.SearchStrategy[ChangeKind]


def _hours(draw: st.DrawFn, span: dt.timedelta) -> dt.timedelta:
    return draw(st.integers(0, max(0, span // _HOUR))) * _HOUR


@st.composite
def _next_step(  # noqa: PLR0911 - each way a draw can end is a return
    draw: st.DrawFn, history: _Builder, c: _Context
) -> list[Step] | _Stop:
    """The next change (after the events it needs first), none, or `_STOP`.

    Choices are made so that they keep their meaning when the shrinker deletes other
    changes: the kind comes from the full weighted list and the target is a report's number,
    not a position in a list that depends on what came before; a choice that does not fit
    the history (revising a retracted report) is skipped rather than redirected.
    """
    filed = sum(isinstance(e, ReportFiled) for _, e in history.steps)
    changes = sum(isinstance(e, REPORT_EVENTS) for _, e in history.steps) - filed
    kind: ChangeKind
    if filed >= c.max_reports and changes >= c.max_changes:
        return _STOP
    if filed < c.min_reports:
        kind = "file"
    elif draw(_GO_ON) == 0:
        return _STOP
    else:
        kind = draw(c.kinds)
    if kind == "file" and filed >= c.max_reports:
        return []
    if kind == "file":
        # The drawn number, or the next free one after it: a number, unlike a position in
        # the list of reports, still names the same report when others are deleted.
        drawn = draw(st.integers(1, c.max_reports))
        taken = history.model.reports
        number = next(n for n in (*range(drawn, c.max_reports + 1), *range(1, drawn))
                      if f"r{n}" not in taken)  # fmt: skip
        report_id = f"r{number}"
        filing = _filing(draw, c, report_id)
        # Incidents, sources and terms appear when first used, not up front: a shrunk
        # history then holds only those its reports need.
        return _together(draw(history.minutes), [*_prerequisites(history.model, filing), filing])
    if not history.model.reports or changes >= c.max_changes:
        return []
    highest = max(int(r[1:]) for r in history.model.reports)
    report = history.model.reports.get(f"r{draw(st.integers(1, highest))}")
    allowed = (ReportStatus.LIVE,) if kind in ("revise", "retract") else _UNVOIDED
    if report is None or report.status not in allowed:
        return []
    event = _change(draw, c, report, kind)
    if event is None:
        return []
    return _together(draw(history.minutes), [*_prerequisites(history.model, event), event])


def _together(minutes: int, events: list[Event]) -> list[Step]:
    """A change and what it needs first, recorded at one instant as one batch would be: one
    clock draw however many events, so that choices after it keep their meaning."""
    return [(minutes if i == 0 else 0, event) for i, event in enumerate(events)]


_GO_ON: Final = st.integers(0, 15)
_UNVOIDED: Final = (ReportStatus.LIVE, ReportStatus.RETRACTED)


def _prerequisites(model: LedgerState, event: Event) -> list[Event]:
    """What must be in the ledger before a filing or correction that names these terms."""
    needed: list[Event] = []
    if not isinstance(event, ReportFiled | ReportCorrected):
        return needed
    for dimension in Dimension:
        term = getattr(event, dimension.value)
        if term is not None and term not in model.taxonomy.terms(dimension):
            parent = None if dimension is Dimension.METRIC else ROOT
            needed.append(TaxonomyExtended(dimension=dimension, term=term, parent=parent))
    if isinstance(event, ReportFiled) and event.incident not in model.incidents:
        needed.append(IncidentOpened(incident=event.incident, title=event.incident))
    if event.source is not None and event.source not in model.sources:
        needed.append(
            SourceRegistered(source=event.source, name=event.source, kind=SourceKind.MONITOR)
        )
    return needed


def _filing(draw: st.DrawFn, c: _Context, report_id: str) -> ReportFiled:
    return ReportFiled(
        incident=draw(c.incidents), report_id=report_id, source=draw(c.sources),
        metric=draw(c.metrics), group=draw(c.groups), by=draw(c.perpetrators),
        place=draw(c.places), figure=draw(c.figures),
        reported_at=c.epoch + _hours(draw, c.filing_window), period=draw(c.periods),
    )  # fmt: skip


def _change(draw: st.DrawFn, c: _Context, report: ReportState, kind: ChangeKind) -> Event | None:
    incident, rid = report.incident, report.report_id
    if kind == "revise":
        later = report.latest.reported_at + _hours(draw, c.max_delay)
        return ReportRevised(incident=incident, report_id=rid, figure=draw(c.figures),
                             reported_at=later)  # fmt: skip
    if kind == "retract":
        later = report.latest.reported_at + _hours(draw, c.max_delay)
        return ReportRetracted(incident=incident, report_id=rid, reported_at=later)
    if kind == "void":
        return ReportVoided(incident=incident, report_id=rid)
    return _correction(draw, c, report)


_FIXABLE: Final = st.lists(
    st.sampled_from(("figure", "group", "place", "source", "reported_at")),
    min_size=1, max_size=3, unique=True,
)  # fmt: skip


def _correction(draw: st.DrawFn, c: _Context, report: ReportState) -> ReportCorrected | None:
    version = draw(st.integers(0, len(report.versions) - 1))
    changes: dict[str, Any] = {}
    for name in draw(_FIXABLE):
        if name == "figure":
            changes[name] = draw(c.figures)
        elif name == "reported_at":
            changes[name] = _corrected_time(draw, c, report, version)
        else:
            changes[name] = draw({"group": c.groups, "place": c.places, "source": c.sources}[name])
    event = ReportCorrected(
        incident=report.incident, report_id=report.report_id, version=version, **changes
    )
    # A correction that changes nothing is refused by the ledger; drawing another is simpler.
    return None if fold_report(report, event) == report else event


def _corrected_time(draw: st.DrawFn, c: _Context, report: ReportState, version: int) -> dt.datetime:
    """A new reported time for one version that keeps the report's versions in order, and
    keeps its retraction (if any) no earlier than the latest version."""
    versions = report.versions
    low = versions[version - 1].reported_at if version > 0 else c.epoch
    if version + 1 < len(versions):
        high = versions[version + 1].reported_at
    elif report.retracted_at is not None:
        high = report.retracted_at
    else:
        high = low + c.filing_window + c.max_delay
    return low + _hours(draw, max(high - low, dt.timedelta(0)))


class ManualClock:
    """A recorded clock under the test's control: it moves only when told to."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: int) -> dt.datetime:
        self.now += dt.timedelta(minutes=minutes)
        return self.now


def event_id(position: int) -> str:
    """The id `build_ledger` gives the event it appends at `position`, so that two ledgers
    built from one history hold the same bytes."""
    return f"e{position}"


def build_ledger(
    steps: Sequence[Step],
    *,
    store: Store | str | os.PathLike[str] = "memory",
    clock: ManualClock | None = None,
    actor: str = "t",
    after_each: Callable[[Ledger], None] | None = None,
) -> Ledger:
    """A ledger holding `steps`, one append per event, on `clock` (a fresh `ManualClock`
    from `START` if not given; pass one to append more steps later with `append_steps`).

    `store` is "memory", a `Store`, or a path for a SQLite file. Event ids follow positions
    (see `event_id`). `after_each` is called after every append, to watch or check as the
    log grows.
    """
    clock = ManualClock() if clock is None else clock
    if store == "memory":
        store = MemoryStore()
    elif isinstance(store, str | os.PathLike):
        store = SQLiteStore(Path(store), durable=False)
    ledger = Ledger(store, actor=actor, clock=clock)
    append_steps(ledger, steps, clock, after_each=after_each)
    return ledger


def append_steps(
    ledger: Ledger,
    steps: Sequence[Step],
    clock: ManualClock,
    *,
    after_each: Callable[[Ledger], None] | None = None,
) -> None:
    """Append `steps` to a ledger whose clock is `clock`, one event at a time."""
    for minutes, event in steps:
        clock.advance(minutes)
        ledger.append([event], event_ids=[event_id(ledger.position + 1)])
        if after_each is not None:
            after_each(ledger)
