"""Every command, defined once: one frozen attrs class per thing a ledger can be told.

A command's fields are its arguments, with their types, defaults and (in each field's
`Option`) their help. Everything that takes a command reads them from here:

- the facade's methods (`Ledger.file_report(...)` builds a `FileReport` and executes it;
  tests/test_commands.py holds each method's signature to its class's fields);
- the command line, whose options, help and parsing are derived from the fields
  (`ledger.cli.options`);
- JSON Lines import, where each line is the command named by its `"type"`, structured by
  the one converter (`ledger.interchange`);
- docs/cli.md's reference of every command's options and keys, generated from the fields.

So a field added here is a keyword, an option and a key at once. A command only builds its
events, applying its defaults (a revision's incident is its report's, a correction fixes the
latest version unless told otherwise, a new term hangs under "all"); whether the events may
follow the log is for `LedgerState.check` to say, and each event validates its own fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar

import attrs

from ledger._fields import Option, choice, is_id, option, terms_tuple
from ledger.events import (
    Event,
    FieldDeclared,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceRegistered,
    StoredEvent,
    TaxonomyExtended,
)
from ledger.figures import Figure, Language
from ledger.state import LedgerState
from ledger.taxonomy import ROOT, Dimension
from ledger.values import Period, Provenance, SourceKind

if TYPE_CHECKING:
    from ledger.projections.folds import Folds

R = TypeVar("R")


def _new_report_id() -> str:
    """A random (version 4) UUID as 32 hex digits; `uuid` itself is imported only here, as it
    brings `platform` along, which a command that names its report never needs."""
    import uuid  # noqa: PLC0415

    return uuid.uuid4().hex


@attrs.frozen(kw_only=True, slots=True)
class Command(Generic[R]):
    """Base of every command: what `Ledger.execute` runs and returns an `R` for."""

    #: The line's `"type"` in JSON Lines import.
    line: ClassVar[str]
    #: The facade's method for it, and the words of its command on the command line.
    method: ClassVar[str]
    words: ClassVar[tuple[str, ...]]
    #: What it does, for its command's help.
    summary: ClassVar[str]
    #: Whether it must say why: it rewrites what earlier answers should have been.
    needs_reason: ClassVar[bool] = False

    reason: str | None

    def events(self, state: LedgerState) -> list[Event]:
        """The events this command appends, built against `state`."""
        raise NotImplementedError

    def result(self, stored: Sequence[StoredEvent]) -> R:
        """What the facade returns once the events are `stored`."""
        raise NotImplementedError

    def held(self, folds: Folds) -> tuple[str, str, Event] | None:  # noqa: ARG002
        """For set-up that may run twice: the field and key it names and the event that
        already holds it, if the ledger has it; a command that matches it changes nothing."""
        return None


@attrs.frozen(kw_only=True, slots=True)
class _Change(Command[StoredEvent]):
    """A command whose facade method returns the last event it appended."""

    def result(self, stored: Sequence[StoredEvent]) -> StoredEvent:
        return stored[-1]


def _reason(help: str = "", *, required: bool = False) -> dict[str, Option]:  # noqa: A002
    return option(help or "why (stored with the event)", required=required)


def _source_kind(value: SourceKind | str) -> SourceKind:
    return choice(SourceKind, value, "kind")


def _dimension(value: Dimension | str) -> Dimension:
    return choice(Dimension, value, "dimension")


def _period(value: Period | None) -> Period:
    return _NO_PERIOD if value is None else value


def _provenance(value: Provenance | None) -> Provenance:
    return _NO_PROVENANCE if value is None else value


_NO_PERIOD: Final = Period()
_NO_PROVENANCE: Final = Provenance()

_LANGUAGE_HELP: Final = (
    "the language the figure is worded in, read by its conventions (docs/figures.md; "
    "default: the source's language, else $LEDGER_LANGUAGE, else en)"
)


def _language() -> dict[str, Option]:
    return option(_LANGUAGE_HELP)


def _period_option(help: str = "") -> dict[str, Option]:  # noqa: A002
    return option(help or "the span the figure covers", prefix="period-")


def _provenance_option() -> dict[str, Option]:
    return option("where the claim was seen and how sure anyone is", prefix="", group="provenance")


def _its_incident() -> dict[str, Option]:
    return option("the report's incident (default: the report's own); if given, it must be it")


@attrs.frozen(kw_only=True, slots=True)
class OpenIncident(_Change):
    """Open an incident. Places new to the taxonomy are added under "all" in the same batch."""

    line = "incident"
    method = "open_incident"
    words = ("incident", "open")
    summary = "open an incident"

    incident: str = attrs.field(
        metadata=option("its id, e.g. syria-coast-2025-03", positional=True)
    )
    title: str = attrs.field(metadata=option("what it is called"))
    places: tuple[str, ...] = attrs.field(
        default=(),
        converter=terms_tuple,
        metadata=option(
            "a place it covers (repeat for more); new ones join the taxonomy", flag="--place"
        ),
    )
    started_on: dt.date | None = attrs.field(default=None, metadata=option("the day it began"))
    reason: str | None = attrs.field(default=None, metadata=_reason())

    def events(self, state: LedgerState) -> list[Event]:
        """The incident, preceded by a taxonomy term under "all" for each place new to it."""
        # The event validates the places before anything else touches them.
        opened = IncidentOpened(
            incident=self.incident,
            title=self.title,
            places=self.places,
            started_on=self.started_on,
        )
        known = state.taxonomy.terms(Dimension.PLACE)
        return [
            *(
                TaxonomyExtended(dimension=Dimension.PLACE, term=place, parent=ROOT)
                for place in dict.fromkeys(opened.places)
                if place not in known
            ),
            opened,
        ]

    def held(self, folds: Folds) -> tuple[str, str, Event] | None:
        opened = folds.incident(self.incident).opened if is_id(self.incident) else None
        return None if opened is None else ("incident", self.incident, opened)


@attrs.frozen(kw_only=True, slots=True)
class RegisterSource(_Change):
    """Register a source: someone who makes claims."""

    line = "source"
    method = "register_source"
    words = ("source", "add")
    summary = "register a source"

    source: str = attrs.field(metadata=option("its id, e.g. snhr", positional=True))
    name: str = attrs.field(metadata=option("its full name"))
    kind: SourceKind = attrs.field(converter=_source_kind, metadata=option("what it is"))
    url: str | None = attrs.field(default=None, metadata=option("its address"))
    notes: str | None = attrs.field(default=None, metadata=option("free notes"))
    language: Language | str | None = attrs.field(
        default=None,
        metadata=option(
            "the language the source words its figures in: its reports' figures given as "
            "text are read in it unless a report names another (docs/figures.md)"
        ),
    )
    reason: str | None = attrs.field(default=None, metadata=_reason())

    def events(self, _: LedgerState) -> list[Event]:
        return [
            SourceRegistered(
                source=self.source,
                name=self.name,
                kind=self.kind,
                url=self.url,
                notes=self.notes,
                language=self.language,
            )
        ]

    def held(self, folds: Folds) -> tuple[str, str, Event] | None:
        found = folds.current().sources.get(self.source) if is_id(self.source) else None
        return None if found is None else ("source", self.source, found)


@attrs.frozen(kw_only=True, slots=True)
class ExtendTaxonomy(_Change):
    """Add a term; groups, perpetrators and places default to a parent of "all"."""

    line = "term"
    method = "extend_taxonomy"
    words = ("term", "add")
    summary = "add a taxonomy term"

    dimension: Dimension = attrs.field(
        converter=_dimension, metadata=option("the vocabulary it joins", positional=True)
    )
    term: str = attrs.field(metadata=option("the new term", positional=True))
    parent: str | None = attrs.field(
        default=None,
        metadata=option(
            "the parent of a group, by or place term (default: all); a metric takes none"
        ),
    )
    reason: str | None = attrs.field(default=None, metadata=_reason())

    def events(self, _: LedgerState) -> list[Event]:
        parent = self.parent
        if parent is None and self.dimension is not Dimension.METRIC:
            parent = ROOT
        return [TaxonomyExtended(dimension=self.dimension, term=self.term, parent=parent)]


@attrs.frozen(kw_only=True, slots=True)
class DeclareField(_Change):
    """Declare a personal field: free text about a person (a victim's name, a witness's
    identity) that reports may then carry in their provenance, and a redaction can erase."""

    line = "field"
    method = "declare_field"
    words = ("field", "add")
    summary = "declare a personal field reports may carry"

    field: str = attrs.field(metadata=option("its name, e.g. victim_names", positional=True))
    description: str | None = attrs.field(
        default=None, metadata=option("what it holds, for those who enter it")
    )
    reason: str | None = attrs.field(default=None, metadata=_reason())

    def events(self, _: LedgerState) -> list[Event]:
        return [FieldDeclared(field=self.field, description=self.description)]

    def held(self, folds: Folds) -> tuple[str, str, Event] | None:
        found = folds.current().fields.get(self.field) if isinstance(self.field, str) else None
        return None if found is None else ("field", self.field, found)


@attrs.frozen(kw_only=True, slots=True)
class FileReport(Command[str]):
    """One source's claim of one figure, under a new random id unless `report_id` is given.

    A figure given as text is read in `language`, else in the source's language, else in
    the ledger's default, else in English (see `figure_in`)."""

    line = "report"
    method = "file_report"
    words = ("report",)
    summary = "file a source's claim of one figure"

    incident: str = attrs.field(metadata=option("the incident it counts in", positional=True))
    source: str = attrs.field(metadata=option("who makes the claim"))
    metric: str = attrs.field(metadata=option("killed, injured, captured, missing, ..."))
    figure: Figure | str = attrs.field(metadata=option("in the source's words: 'at least 311'"))
    language: Language | str | None = attrs.field(default=None, metadata=_language())
    reported_at: dt.datetime = attrs.field(metadata=option("when the source said it"))
    group: str = attrs.field(default=ROOT, metadata=option("victim group (default: all)"))
    by: str = attrs.field(default=ROOT, metadata=option("perpetrator (default: all)"))
    place: str = attrs.field(default=ROOT, metadata=option("place (default: all)"))
    period: Period = attrs.field(default=_NO_PERIOD, converter=_period, metadata=_period_option())
    provenance: Provenance = attrs.field(
        default=_NO_PROVENANCE, converter=_provenance, metadata=_provenance_option()
    )
    report_id: str | None = attrs.field(
        default=None, metadata=option("the report's id (default: a new random one)", flag="--id")
    )
    reason: str | None = attrs.field(default=None, metadata=_reason())

    def events(self, state: LedgerState) -> list[Event]:
        return [
            ReportFiled(
                incident=self.incident,
                report_id=_new_report_id() if self.report_id is None else self.report_id,
                source=self.source,
                metric=self.metric,
                group=self.group,
                by=self.by,
                place=self.place,
                period=self.period,
                figure=figure_in(
                    self.figure, language=self.language, source=self.source, state=state
                ),
                reported_at=self.reported_at,
                provenance=self.provenance,
            ),
        ]

    def result(self, stored: Sequence[StoredEvent]) -> str:
        filed = stored[-1].event
        assert isinstance(filed, ReportFiled)  # noqa: S101 - a filing is all it appends
        return filed.report_id


@attrs.frozen(kw_only=True, slots=True)
class ReviseReport(_Change):
    """Record that the source itself changed its figure, effective at `reported_at`."""

    line = "revision"
    method = "revise_report"
    words = ("revise",)
    summary = "record that the source changed its figure"

    report_id: str = attrs.field(metadata=option("the report it revises", positional=True))
    figure: Figure | str = attrs.field(metadata=option("the new figure, in the source's words"))
    language: Language | str | None = attrs.field(default=None, metadata=_language())
    reported_at: dt.datetime = attrs.field(metadata=option("when the source said it"))
    period: Period | None = attrs.field(
        default=None,
        metadata=_period_option("the span the figure covers (default: the previous version's)"),
    )
    provenance: Provenance = attrs.field(
        default=_NO_PROVENANCE, converter=_provenance, metadata=_provenance_option()
    )
    incident: str | None = attrs.field(default=None, metadata=_its_incident())
    reason: str | None = attrs.field(default=None, metadata=_reason())

    def events(self, state: LedgerState) -> list[Event]:
        return [
            ReportRevised(
                incident=_incident_of(state, self.report_id, self.incident),
                report_id=self.report_id,
                figure=figure_in(
                    self.figure,
                    language=self.language,
                    source=_source_of(state, self.report_id),
                    state=state,
                ),
                reported_at=self.reported_at,
                period=self.period,
                provenance=self.provenance,
            ),
        ]


@attrs.frozen(kw_only=True, slots=True)
class CorrectReport(_Change):
    """Fix the ledger's own entry, retroactively: the report's `version` (the latest, unless
    given); only the fields given change. A correction must say why."""

    line = "correction"
    method = "correct_report"
    words = ("correct",)
    summary = "fix the ledger's own entry, retroactively"
    needs_reason = True

    report_id: str = attrs.field(metadata=option("the report it fixes", positional=True))
    reason: str | None = attrs.field(
        default=None, metadata=_reason("why: a correction must say", required=True)
    )
    version: int | None = attrs.field(
        default=None, metadata=option("the version to fix (default: the latest)")
    )
    figure: Figure | str | None = attrs.field(default=None, metadata=option("the right figure"))
    language: Language | str | None = attrs.field(default=None, metadata=_language())
    reported_at: dt.datetime | None = attrs.field(
        default=None, metadata=option("the right time the source said it")
    )
    period: Period | None = attrs.field(
        default=None, metadata=_period_option("the right span (the ends given replace it)")
    )
    source: str | None = attrs.field(default=None, metadata=option("the right source"))
    metric: str | None = attrs.field(default=None, metadata=option("the right metric"))
    group: str | None = attrs.field(default=None, metadata=option("the right victim group"))
    by: str | None = attrs.field(default=None, metadata=option("the right perpetrator"))
    place: str | None = attrs.field(default=None, metadata=option("the right place"))
    incident: str | None = attrs.field(default=None, metadata=_its_incident())

    def events(self, state: LedgerState) -> list[Event]:
        report_id, figure = self.report_id, self.figure
        return [
            ReportCorrected(
                incident=_incident_of(state, report_id, self.incident),
                report_id=report_id,
                version=len(state.report(report_id).versions) - 1
                if self.version is None
                else self.version,
                figure=None
                if figure is None
                else figure_in(
                    figure,
                    language=self.language,
                    source=_source_of(state, report_id) if self.source is None else self.source,
                    state=state,
                ),
                reported_at=self.reported_at,
                period=self.period,
                source=self.source,
                metric=self.metric,
                group=self.group,
                by=self.by,
                place=self.place,
            ),
        ]


@attrs.frozen(kw_only=True, slots=True)
class RetractReport(_Change):
    """Record that the source withdrew its claim, effective at `reported_at`."""

    line = "retraction"
    method = "retract_report"
    words = ("retract",)
    summary = "record that the source withdrew its claim"

    report_id: str = attrs.field(metadata=option("the report withdrawn", positional=True))
    reported_at: dt.datetime = attrs.field(metadata=option("when the source withdrew it"))
    provenance: Provenance = attrs.field(
        default=_NO_PROVENANCE, converter=_provenance, metadata=_provenance_option()
    )
    incident: str | None = attrs.field(default=None, metadata=_its_incident())
    reason: str | None = attrs.field(default=None, metadata=_reason())

    def events(self, state: LedgerState) -> list[Event]:
        return [
            ReportRetracted(
                incident=_incident_of(state, self.report_id, self.incident),
                report_id=self.report_id,
                reported_at=self.reported_at,
                provenance=self.provenance,
            ),
        ]


@attrs.frozen(kw_only=True, slots=True)
class VoidReport(_Change):
    """Strike an entry that should never have been in the ledger. It must say why."""

    line = "void"
    method = "void_report"
    words = ("void",)
    summary = "strike an entry that should never have been made"
    needs_reason = True

    report_id: str = attrs.field(metadata=option("the report struck", positional=True))
    reason: str | None = attrs.field(
        default=None, metadata=_reason("why: a void must say", required=True)
    )
    incident: str | None = attrs.field(default=None, metadata=_its_incident())

    def events(self, state: LedgerState) -> list[Event]:
        return [
            ReportVoided(
                incident=_incident_of(state, self.report_id, self.incident),
                report_id=self.report_id,
            )
        ]


#: Every command, in the order docs/cli.md lists them.
COMMANDS: Final[tuple[type[Command[Any]], ...]] = (
    OpenIncident,
    RegisterSource,
    ExtendTaxonomy,
    DeclareField,
    FileReport,
    ReviseReport,
    CorrectReport,
    RetractReport,
    VoidReport,
)


def _incident_of(state: LedgerState, report_id: str, incident: str | None) -> str:
    """The report's incident. One the caller names is kept, so that `check` can say it is
    the wrong one, rather than have it silently replaced."""
    return state.report(report_id).incident if incident is None else incident


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
