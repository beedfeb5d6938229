"""Reports as values: a report's versions and status, and the one fold that moves them.

`fold_report` is the single definition of what each report event does to a report; the
state commands are checked against (`ledger.state`), the incident folds behind every
answer (`ledger.projections.reports`) and the read model's tables (`ledger.stores`) all
fold through it. No I/O here.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import operator
from typing import Any, Final

import attrs

from ledger.errors import UnknownReportError, ValidationError
from ledger.events import (
    REPORT_FIELDS,
    Event,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
)
from ledger.figures import Figure
from ledger.values import Period, Provenance

#: A version's reported time, as a key for bisecting versions (in C, not a Python call).
_REPORTED_AT: Final = operator.attrgetter("reported_at")


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
            return corrected(report, event)
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


def corrected(report: ReportState, event: ReportCorrected) -> ReportState:
    """The report after a correction: fields given replace the classification, figure, period
    or reported time of the version it names."""
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
