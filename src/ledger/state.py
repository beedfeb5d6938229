"""What the ledger holds now, and the rules every new event must pass against it.

`LedgerState.check(event)` is the one place where an event is validated against the log:
commands, batch appends and imports all go through it. `fork()` layers a scratch state over
this one at no cost, so a batch is checked event by event, each seeing the ones before it,
without touching the real state until the batch is stored.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import operator
from collections.abc import Iterator, MutableMapping
from typing import Any, Final, TypeVar

import attrs

from ledger.errors import (
    AlreadyExistsError,
    ReportStateError,
    UnknownIncidentError,
    UnknownReportError,
    UnknownSourceError,
    ValidationError,
)
from ledger.events import (
    REPORT_FIELDS,
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
from ledger.figures import Figure, Language
from ledger.taxonomy import DEFAULT_TAXONOMY, Dimension, Taxonomy
from ledger.values import Period, Provenance


class ReportStatus(enum.Enum):
    LIVE = "live"
    RETRACTED = "retracted"
    VOIDED = "voided"


@attrs.frozen(kw_only=True, slots=True)
class VersionState:
    """One version of a report as it stands after every correction."""

    figure: Figure
    reported_at: dt.datetime
    period: Period
    provenance: Provenance = attrs.field(factory=Provenance)


@attrs.frozen(kw_only=True, slots=True)
class ReportState:
    report_id: str
    incident: str
    source: str
    metric: str
    group: str
    by: str
    place: str
    versions: tuple[VersionState, ...]
    status: ReportStatus = ReportStatus.LIVE
    #: When the source withdrew the claim, on the reported clock.
    retracted_at: dt.datetime | None = None

    @property
    def latest(self) -> VersionState:
        return self.versions[-1]

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What the figure counts: (metric, group, by, place)."""
        return (self.metric, self.group, self.by, self.place)

    def version_as_of(
        self, as_of: dt.datetime | None, *, occurred_by: dt.date | None = None
    ) -> int | None:
        """The index of the version standing at `as_of` on the reported clock, if any.

        None when the report was voided, not yet made, or retracted by then. `occurred_by`
        keeps only versions whose period ends by that day (an open period ends on the day
        the figure was reported).
        """
        if self.status is ReportStatus.VOIDED:
            return None
        if as_of is not None and self.retracted_at is not None and self.retracted_at <= as_of:
            return None
        if as_of is None and self.status is ReportStatus.RETRACTED:
            return None
        versions = self.versions
        if occurred_by is not None:
            return _last_ended(versions, as_of, occurred_by)
        if as_of is None:
            return len(versions) - 1
        # Versions are in reported order: `LedgerState.check` refuses a revision earlier
        # than the version it revises and a corrected time out of its neighbours' order.
        index = bisect.bisect_right(versions, as_of, key=_REPORTED_AT) - 1
        return None if index < 0 else index


def _last_ended(
    versions: tuple[VersionState, ...], as_of: dt.datetime | None, occurred_by: dt.date
) -> int | None:
    for index in range(len(versions) - 1, -1, -1):
        version = versions[index]
        if as_of is not None and version.reported_at > as_of:
            continue
        if _period_end(version) > occurred_by:
            continue
        return index
    return None


def _period_end(version: VersionState) -> dt.date:
    return version.period.end or version.reported_at.date()


V = TypeVar("V")
#: A version's reported time, as a key for bisecting versions (in C, not a Python call).
_REPORTED_AT: Final = operator.attrgetter("reported_at")


class _Overlay(MutableMapping[str, V]):
    """Writes go to a layer of their own over `base`, which they never change.

    `collections.ChainMap` does this for any number of maps, but its lookups run a
    generator over them; checking a batch looks up a report or two per event.
    """

    def __init__(self, base: MutableMapping[str, V]) -> None:
        self.base = base
        self.top: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        try:
            return self.top[key]
        except KeyError:
            return self.base[key]

    def get(self, key: str, default: Any = None) -> Any:  # noqa: ANN401 - Mapping.get's own signature
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return key in self.top or key in self.base

    def __setitem__(self, key: str, value: V) -> None:
        self.top[key] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("a scratch state only adds to what it forks")

    def __iter__(self) -> Iterator[str]:
        yield from self.top
        yield from (key for key in self.base if key not in self.top)

    def __len__(self) -> int:
        return len(self.top) + sum(1 for key in self.base if key not in self.top)


class LedgerState:
    """Incidents, sources, taxonomy and reports as of the last applied event."""

    def __init__(
        self,
        *,
        incidents: MutableMapping[str, IncidentOpened] | None = None,
        sources: MutableMapping[str, SourceRegistered] | None = None,
        reports: MutableMapping[str, ReportState] | None = None,
        taxonomy: Taxonomy = DEFAULT_TAXONOMY,
        language: Language = Language.EN,
    ) -> None:
        self.incidents: MutableMapping[str, IncidentOpened] = {} if incidents is None else incidents
        self.sources: MutableMapping[str, SourceRegistered] = {} if sources is None else sources
        self.reports: MutableMapping[str, ReportState] = {} if reports is None else reports
        self.taxonomy = taxonomy
        #: The ledger's default language for figures given as text (issue 15).
        self.language = language

    def fork(self) -> LedgerState:
        """A scratch state over this one: changes to it never reach this one."""
        return LedgerState(
            incidents=_Overlay(self.incidents),
            sources=_Overlay(self.sources),
            reports=_Overlay(self.reports),
            taxonomy=self.taxonomy,
            language=self.language,
        )

    # Lookups that name the offending field when they fail.

    def incident(self, incident: str, *, field: str = "incident") -> IncidentOpened:
        try:
            return self.incidents[incident]
        except (KeyError, TypeError):  # an unhashable key names nothing either
            raise UnknownIncidentError(field, incident) from None

    def source(self, source: str, *, field: str = "source") -> SourceRegistered:
        try:
            return self.sources[source]
        except (KeyError, TypeError):  # an unhashable key names nothing either
            raise UnknownSourceError(field, source) from None

    def report(self, report_id: str, *, field: str = "report_id") -> ReportState:
        try:
            return self.reports[report_id]
        except (KeyError, TypeError):  # an unhashable key names nothing either
            raise UnknownReportError(field, report_id) from None

    # Validation.

    def check(self, event: Event) -> None:  # noqa: C901, PLR0912 - one case per event type
        """Raise a typed error if `event` may not follow the events applied so far."""
        match event:
            case IncidentOpened():
                if event.incident in self.incidents:
                    raise AlreadyExistsError("incident", event.incident)
                for i, place in enumerate(event.places):
                    self.taxonomy.require(Dimension.PLACE, place, field=f"places[{i}]")
            case SourceRegistered():
                if event.source in self.sources:
                    raise AlreadyExistsError("source", event.source)
            case TaxonomyExtended():
                self.taxonomy.extended(event.dimension, event.term, event.parent)
            case ReportFiled():
                self._check_filed(event)
            case ReportRevised():
                report = self._live_report(event.incident, event.report_id, "revise")
                self._check_after(event.reported_at, report.latest.reported_at, "revises")
            case ReportCorrected():
                self._check_correction(event)
            case ReportRetracted():
                report = self._live_report(event.incident, event.report_id, "retract")
                self._check_after(event.reported_at, report.latest.reported_at, "retracts")
            case ReportVoided():
                report = self._report_in(event.incident, event.report_id)
                if report.status is ReportStatus.VOIDED:
                    raise ReportStateError(event.report_id, "voided already", "void")
            case _:
                raise ValidationError("event", f"{type(event).__name__} is not a ledger event")

    def _check_filed(self, event: ReportFiled) -> None:
        self.incident(event.incident)
        self.source(event.source)
        self._check_terms(event)
        if event.report_id in self.reports:
            raise AlreadyExistsError("report_id", event.report_id)

    def _check_terms(self, event: ReportFiled | ReportCorrected) -> None:
        for dimension in Dimension:
            term = getattr(event, dimension.value)
            if term is not None:
                self.taxonomy.require(dimension, term)

    def _report_in(self, incident: str, report_id: str) -> ReportState:
        report = self.report(report_id)
        if report.incident != incident:
            raise ValidationError(
                "incident",
                f"report {report_id!r} belongs to incident {report.incident!r}",
                value=incident,
            )
        return report

    def _live_report(self, incident: str, report_id: str, command: str) -> ReportState:
        report = self._report_in(incident, report_id)
        if report.status is not ReportStatus.LIVE:
            raise ReportStateError(report_id, report.status.value, command)
        return report

    @staticmethod
    def _check_after(when: dt.datetime, previous: dt.datetime, verb: str) -> None:
        if when < previous:
            raise ValidationError(
                "reported_at",
                f"{when.isoformat()} is earlier than the version it {verb} "
                f"({previous.isoformat()})",
                value=when,
            )

    def _check_correction(self, event: ReportCorrected) -> None:
        report = self._report_in(event.incident, event.report_id)
        if report.status is ReportStatus.VOIDED:
            raise ReportStateError(event.report_id, "voided", "correct")
        if event.version >= len(report.versions):
            raise ValidationError(
                "version",
                f"report {event.report_id!r} has versions 0 to {len(report.versions) - 1}",
                value=event.version,
            )
        if event.source is not None:
            self.source(event.source)
        self._check_terms(event)
        if event.reported_at is not None:
            versions = report.versions
            if event.version > 0:
                self._check_after(
                    event.reported_at, versions[event.version - 1].reported_at, "corrects"
                )
            if event.version + 1 < len(versions) and event.reported_at > (
                later := versions[event.version + 1].reported_at
            ):
                raise ValidationError(
                    "reported_at",
                    f"{event.reported_at.isoformat()} is later than the next version "
                    f"({later.isoformat()})",
                    value=event.reported_at,
                )
        before = _corrected(report, event)
        if before == report:
            raise ValidationError(
                "correction", "changes nothing: every field given already has that value"
            )

    # Folding.

    def apply(self, event: Event) -> None:
        """Fold an event that passed `check` (or was read from the log) into the state."""
        match event:
            case IncidentOpened():
                self.incidents[event.incident] = event
            case SourceRegistered():
                self.sources[event.source] = event
            case TaxonomyExtended():
                self.taxonomy = self.taxonomy.extended(event.dimension, event.term, event.parent)
            case (
                ReportFiled()
                | ReportRevised()
                | ReportCorrected()
                | ReportRetracted()
                | ReportVoided()
            ):
                self.reports[event.report_id] = fold_report(
                    self.reports.get(event.report_id), event
                )
            case _:  # pragma: no cover - the codec only yields registered events
                pass


def fold_report(report: ReportState | None, event: Event) -> ReportState:
    """A report after one more of its events: the fold the state and the index share."""
    if isinstance(event, ReportFiled):
        version = VersionState(
            figure=event.figure,
            reported_at=event.reported_at,
            period=event.period,
            provenance=event.provenance,
        )
        return ReportState(
            report_id=event.report_id,
            incident=event.incident,
            source=event.source,
            metric=event.metric,
            group=event.group,
            by=event.by,
            place=event.place,
            versions=(version,),
        )
    if report is None:
        raise UnknownReportError("report_id", getattr(event, "report_id", "?"))
    match event:
        case ReportRevised():
            version = next_version(
                report.latest, event.figure, event.reported_at, event.period, event.provenance
            )
            return replace_report(report, versions=(*report.versions, version))
        case ReportCorrected():
            return _corrected(report, event)
        case ReportRetracted():
            return replace_report(
                report, status=ReportStatus.RETRACTED, retracted_at=event.reported_at
            )
        case ReportVoided():
            return replace_report(report, status=ReportStatus.VOIDED)
        case _:
            raise ValidationError("event", f"{type(event).__name__} is not a report event")


def next_version(
    latest: VersionState,
    figure: Figure,
    reported_at: dt.datetime,
    period: Period | None,
    provenance: Provenance,
) -> VersionState:
    """The version a `ReportRevised` of these fields adds after `latest`.

    The report index calls this directly for revisions it reads without building their event
    (see `ReportIndex.revise`), so both paths fold a revision the same way.
    """
    return VersionState(
        figure=figure,
        reported_at=reported_at,
        period=latest.period if period is None else period,
        provenance=provenance,
    )


def replace_report(
    report: ReportState,
    *,
    versions: tuple[VersionState, ...] | None = None,
    status: ReportStatus | None = None,
    retracted_at: dt.datetime | None = None,
) -> ReportState:
    """`attrs.evolve` for the hot cases of the fold, without its per-call introspection:
    every revision on replay goes through here."""
    return ReportState(
        report_id=report.report_id,
        incident=report.incident,
        source=report.source,
        metric=report.metric,
        group=report.group,
        by=report.by,
        place=report.place,
        versions=report.versions if versions is None else versions,
        status=report.status if status is None else status,
        retracted_at=report.retracted_at if retracted_at is None else retracted_at,
    )


def _corrected(report: ReportState, event: ReportCorrected) -> ReportState:
    changes: dict[str, Any] = {
        name: getattr(event, name) for name in REPORT_FIELDS if getattr(event, name) is not None
    }
    fixes = {
        name: value
        for name in ("figure", "period", "reported_at")
        if (value := getattr(event, name)) is not None
    }
    if fixes:
        versions = list(report.versions)
        versions[event.version] = attrs.evolve(versions[event.version], **fixes)
        changes["versions"] = tuple(versions)
    return attrs.evolve(report, **changes)
