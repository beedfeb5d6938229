"""What each command appends: the events built from its arguments and the ledger's state.

The `Ledger`'s command methods and JSON Lines import both build their events here, so a
command means the same thing whichever way it arrives. Builders only build, applying the
commands' defaults (a revision's incident is its report's, a correction fixes the latest
version unless told otherwise, a new term hangs under "all"); whether the events may follow
the log is for `LedgerState.check` to say.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import TypeVar

from ledger.errors import ValidationError
from ledger.events import (
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
from ledger.state import LedgerState
from ledger.taxonomy import ROOT, Dimension
from ledger.values import Period, Provenance, SourceKind

_E = TypeVar("_E", bound=enum.Enum)


def _new_report_id() -> str:
    """A random (version 4) UUID as 32 hex digits; `uuid` itself is imported only here, as it
    brings `platform` along, which a command that names its report never needs."""
    import uuid  # noqa: PLC0415

    return uuid.uuid4().hex


def open_incident(
    state: LedgerState,
    incident: str,
    *,
    title: str,
    places: Iterable[str] = (),
    started_on: dt.date | None = None,
) -> list[Event]:
    """The incident, preceded by a taxonomy term under "all" for each place new to it."""
    # The event validates the places before anything else touches them.
    opened = IncidentOpened(incident=incident, title=title, places=places, started_on=started_on)
    known = state.taxonomy.terms(Dimension.PLACE)
    return [
        *(
            TaxonomyExtended(dimension=Dimension.PLACE, term=place, parent=ROOT)
            for place in dict.fromkeys(opened.places)
            if place not in known
        ),
        opened,
    ]


def register_source(
    source: str,
    *,
    name: str,
    kind: SourceKind | str,
    url: str | None = None,
    notes: str | None = None,
    language: Language | str | None = None,
) -> list[Event]:
    kind = choice(SourceKind, kind, "kind")
    return [
        SourceRegistered(
            source=source, name=name, kind=kind, url=url, notes=notes, language=language
        )
    ]


def extend_taxonomy(
    dimension: Dimension | str, term: str, *, parent: str | None = None
) -> list[Event]:
    """A new term; groups, perpetrators and places default to a parent of "all"."""
    dimension = choice(Dimension, dimension, "dimension")
    if parent is None and dimension is not Dimension.METRIC:
        parent = ROOT
    return [TaxonomyExtended(dimension=dimension, term=term, parent=parent)]


def file_report(
    incident: str,
    *,
    source: str,
    metric: str,
    figure: Figure | str,
    reported_at: dt.datetime,
    group: str = ROOT,
    by: str = ROOT,
    place: str = ROOT,
    period: Period | None = None,
    provenance: Provenance | None = None,
    report_id: str | None = None,
    language: Language | str | None = None,
    state: LedgerState | None = None,
) -> list[Event]:
    """One source's claim of one figure, under a new random id unless `report_id` is given.

    A figure given as text is read in `language`, else in the source's language, else in
    the ledger's default (`state.language`), else in English (see `figure_in`)."""
    return [
        ReportFiled(
            incident=incident,
            report_id=_new_report_id() if report_id is None else report_id,
            source=source,
            metric=metric,
            group=group,
            by=by,
            place=place,
            period=Period() if period is None else period,
            figure=figure_in(figure, language=language, source=source, state=state),
            reported_at=reported_at,
            provenance=Provenance() if provenance is None else provenance,
        ),
    ]


def revise_report(
    state: LedgerState,
    report_id: str,
    *,
    figure: Figure | str,
    reported_at: dt.datetime,
    period: Period | None = None,
    provenance: Provenance | None = None,
    incident: str | None = None,
    language: Language | str | None = None,
) -> list[Event]:
    return [
        ReportRevised(
            incident=_incident_of(state, report_id, incident),
            report_id=report_id,
            figure=figure_in(
                figure, language=language, source=_source_of(state, report_id), state=state
            ),
            reported_at=reported_at,
            period=period,
            provenance=Provenance() if provenance is None else provenance,
        ),
    ]


def correct_report(
    state: LedgerState,
    report_id: str,
    *,
    version: int | None = None,
    figure: Figure | str | None = None,
    reported_at: dt.datetime | None = None,
    period: Period | None = None,
    source: str | None = None,
    metric: str | None = None,
    group: str | None = None,
    by: str | None = None,
    place: str | None = None,
    incident: str | None = None,
    language: Language | str | None = None,
) -> list[Event]:
    """A fix to the report's `version` (the latest, unless given); only fields given change."""
    return [
        ReportCorrected(
            incident=_incident_of(state, report_id, incident),
            report_id=report_id,
            version=len(state.report(report_id).versions) - 1 if version is None else version,
            figure=None
            if figure is None
            else figure_in(
                figure,
                language=language,
                source=_source_of(state, report_id) if source is None else source,
                state=state,
            ),
            reported_at=reported_at,
            period=period,
            source=source,
            metric=metric,
            group=group,
            by=by,
            place=place,
        ),
    ]


def retract_report(
    state: LedgerState,
    report_id: str,
    *,
    reported_at: dt.datetime,
    provenance: Provenance | None = None,
    incident: str | None = None,
) -> list[Event]:
    return [
        ReportRetracted(
            incident=_incident_of(state, report_id, incident),
            report_id=report_id,
            reported_at=reported_at,
            provenance=Provenance() if provenance is None else provenance,
        ),
    ]


def void_report(state: LedgerState, report_id: str, *, incident: str | None = None) -> list[Event]:
    return [ReportVoided(incident=_incident_of(state, report_id, incident), report_id=report_id)]


def _incident_of(state: LedgerState, report_id: str, incident: str | None) -> str:
    """The report's incident. One the caller names is kept, so that `check` can say it is
    the wrong one, rather than have it silently replaced."""
    return state.report(report_id).incident if incident is None else incident


def as_figure(value: Figure | str) -> Figure:
    return value if isinstance(value, Figure) else Figure.parse(value)


def figure_in(
    value: Figure | str | int,
    *,
    language: Language | str | None = None,
    source: str | None = None,
    state: LedgerState | None = None,
) -> Figure:
    """`value` as a figure: a `Figure` as it is; text read in the first language stated, the
    report's own (`language`), its source's, the ledger's default, or English. The language
    is always stated somewhere, never guessed from the text."""
    if isinstance(value, Figure):
        return value
    if language is None and state is not None:
        try:
            registered = state.sources.get(source) if source is not None else None
        except TypeError:  # an unhashable source names none; checking the event says so
            registered = None
        language = (
            registered.language
            if registered is not None and registered.language is not None
            else state.language
        )
    return Figure.parse(value, language=Language.EN if language is None else language)


def _source_of(state: LedgerState, report_id: str) -> str | None:
    try:
        report = state.reports.get(report_id)
    except TypeError:  # an unhashable id names no report; checking the event says so
        return None
    return None if report is None else report.source


def choice(cls: type[_E], value: _E | str, field: str) -> _E:
    """A member of `cls`, given as itself or as its value; anything else names the field."""
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in cls)
        raise ValidationError(field, f"must be one of {choices}", value=value) from None
