"""What the ledger holds now, and the rules every new event must pass against it.

`LedgerState.check(event)` is the one place where an event is validated against the log:
commands, batch appends and imports all go through it. `fork()` layers a scratch state over
this one at no cost, so a batch is checked event by event, each seeing the ones before it,
without touching the real state until the batch is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, MutableMapping
from typing import Any, Final, TypeVar

from ledger.clock import CLOCK_TOLERANCE
from ledger.errors import (
    AlreadyExistsError,
    ReportStateError,
    UnknownFieldError,
    UnknownIncidentError,
    UnknownReportError,
    UnknownSourceError,
    ValidationError,
)
from ledger.events import (
    Event,
    FieldDeclared,
    FieldRedacted,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceRegistered,
    TaxonomyExtended,
)
from ledger.figures import Language
from ledger.model import ReportState, ReportStatus, corrected, fold_report
from ledger.taxonomy import DEFAULT_TAXONOMY, Dimension, Taxonomy
from ledger.values import Provenance, check_redactable

#: No casualty report the ledger keeps predates this; an earlier time is a data-entry slip.
EARLIEST_REPORTED: Final = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)

V = TypeVar("V")
_MISSING: Final = object()


class _Overlay(MutableMapping[str, V]):
    """Writes go to a layer of their own over `base`, which they never change.

    `collections.ChainMap` does this for any number of maps, but its lookups run a
    generator over them; checking a batch looks up a report or two per event.
    """

    def __init__(self, base: MutableMapping[str, V]) -> None:
        self.base = base
        self.top: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        # A miss in `top` is the common case, the first time a batch meets a report: `get`
        # over a raised and caught KeyError.
        found = self.top.get(key, _MISSING)
        return self.base[key] if found is _MISSING else found  # type: ignore[return-value]

    def get(self, key: str, default: Any = None) -> Any:  # noqa: ANN401 - Mapping.get's own signature
        found = self.top.get(key, _MISSING)
        if found is not _MISSING:
            return found
        try:
            return self.base[key]
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
        fields: MutableMapping[str, FieldDeclared] | None = None,
        language: Language = Language.EN,
        now: dt.datetime | None = None,
    ) -> None:
        self.incidents: MutableMapping[str, IncidentOpened] = {} if incidents is None else incidents
        self.sources: MutableMapping[str, SourceRegistered] = {} if sources is None else sources
        self.reports: MutableMapping[str, ReportState] = {} if reports is None else reports
        self.taxonomy = taxonomy
        #: The personal fields the ledger declared, by name (`FieldDeclared`).
        self.fields: MutableMapping[str, FieldDeclared] = {} if fields is None else fields
        #: The ledger's default language for figures given as text (issue 15).
        self.language = language
        #: The instant events are being recorded at: no source can have said anything
        #: later (beyond `CLOCK_TOLERANCE`). None checks no reported time against a clock.
        self.now = now

    def fork(self) -> LedgerState:
        """A scratch state over this one: changes to it never reach this one."""
        return LedgerState(
            incidents=_Overlay(self.incidents),
            sources=_Overlay(self.sources),
            reports=_Overlay(self.reports),
            taxonomy=self.taxonomy,
            fields=_Overlay(self.fields),
            language=self.language,
            now=self.now,
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
        self._check_reported_time(event)
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
            case FieldDeclared():
                if event.field in self.fields:
                    raise AlreadyExistsError("field", event.field)
            case ReportFiled():
                self._check_filed(event)
                self._check_personal(event.provenance)
            case ReportRevised():
                report = self._live_report(event.incident, event.report_id, "revise")
                self._check_after(event.reported_at, report.latest.reported_at, "revises")
                self._check_personal(event.provenance)
            case ReportCorrected():
                self._check_correction(event)
            case ReportRetracted():
                report = self._live_report(event.incident, event.report_id, "retract")
                self._check_after(event.reported_at, report.latest.reported_at, "retracts")
                self._check_personal(event.provenance)
            case ReportVoided():
                report = self._report_in(event.incident, event.report_id)
                if report.status is ReportStatus.VOIDED:
                    raise ReportStateError(event.report_id, "voided already", "void")
            case FieldRedacted():
                # Which record holds the text is the facade's to check (Ledger.redact): the
                # state folds reports, not records.
                check_redactable("field", event.field, self.fields)
                self._report_in(event.incident, event.report_id)
            case _:
                raise ValidationError("event", f"{type(event).__name__} is not a ledger event")

    def _check_personal(self, provenance: Provenance) -> None:
        """Every personal field a provenance gives text for must be declared."""
        for name in provenance.personal:
            if name not in self.fields:
                raise UnknownFieldError(
                    f"provenance.personal.{name}",
                    name,
                    known=tuple(self.fields),
                    hint=f"to declare it: ledger field add {name}",
                )

    def _check_reported_time(self, event: Event) -> None:
        """A reported time the ledger can believe: not before `EARLIEST_REPORTED`, and not
        after the instant of recording by more than `CLOCK_TOLERANCE` (a year typo, 2062 for
        2026, would otherwise stand as the newest figure for decades)."""
        when = getattr(event, "reported_at", None)
        if not isinstance(when, dt.datetime):
            return
        if when < EARLIEST_REPORTED:
            raise ValidationError(
                "reported_at",
                f"{when.isoformat()} is before {EARLIEST_REPORTED.date()}, the earliest "
                "reported time the ledger takes (docs/concepts.md)",
                value=when,
            )
        if self.now is not None and when > self.now + CLOCK_TOLERANCE:
            raise ValidationError(
                "reported_at",
                f"{when.isoformat()} is later than now "
                f"({self.now.isoformat(timespec='minutes')}) by more than the "
                f"{CLOCK_TOLERANCE.seconds // 60} minutes allowed for clocks that disagree: a "
                "source cannot have said it yet (a typo in the year?)",
                value=when,
            )

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
        before = corrected(report, event)
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
            case FieldDeclared():
                self.fields[event.field] = event
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
