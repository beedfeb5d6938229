"""What the command line prints: row classes that fix the JSON and CSV schemas, and renderers.

The JSON and CSV shapes are contracts other tools depend on (docs/cli.md documents every
field, and tests/test_cli.py holds them to it). They are spelled out here as attrs classes,
not derived from the projections' own classes, so that refactoring a projection cannot change
them by accident; each document names its schema and version (`"schema": "ledger.tally/1"`),
and a change that could break a reader bumps the version. None of these classes has a default:
the converter omits fields equal to their defaults, and a contract field must never vanish.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
import typing
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TextIO

import attrs

from ledger.codec import converter
from ledger.events import FieldDeclared, IncidentOpened, SourceRegistered
from ledger.figures import Figure, FigureKind
from ledger.model import ReportState, ReportStatus, VersionState
from ledger.projections.tally import Key, Span, Tally, TallyEntry
from ledger.taxonomy import Dimension, Term
from ledger.times import day_started
from ledger.values import Provenance, SourceKind, Verification

if TYPE_CHECKING:  # what the builders below are given, loaded by the commands that make it
    from ledger.projections.audit import HistoryEntry, TallyDiff
    from ledger.projections.timeline import Timeline, TimelinePoint
    from ledger.verify import Digest, IntegrityReport

FORMATS: Final = ("table", "json", "csv", "parquet")


# Rows and documents.


@attrs.frozen(kw_only=True, slots=True)
class EntryRow:
    incident: str
    source: str
    source_name: str
    metric: str
    group: str
    by: str
    place: str
    figure: str
    kind: FigureKind
    low: int
    high: int | None
    report_id: str
    version: int
    reported_at: dt.datetime
    period_start: dt.date | None
    period_end: dt.date | None
    via: str | None
    citation: str | None
    quote: str | None
    verification: Verification
    notes: str | None
    best: int | None
    language: str


@attrs.frozen(kw_only=True, slots=True)
class ConflictRow:
    source: str
    figure: str
    reported_at: dt.datetime
    other: str
    other_figure: str
    other_reported_at: dt.datetime


@attrs.frozen(kw_only=True, slots=True)
class SpanRow:
    metric: str
    group: str
    by: str
    place: str
    low: int
    high: int | None
    sources: list[str]
    lowest: list[str]
    highest: list[str]
    disagreeing: list[str]
    agree: bool
    conflicts: list[ConflictRow]
    best_low: int | None
    best_high: int | None


@attrs.frozen(kw_only=True, slots=True)
class PartRow:
    term: str
    figure: str
    low: int


@attrs.frozen(kw_only=True, slots=True)
class CheckRow:
    source: str
    dimension: str
    metric: str
    group: str
    by: str
    place: str
    whole: str
    parts: list[PartRow]
    parts_low: int
    consistent: bool
    parts_best: int | None


@attrs.frozen(kw_only=True, slots=True)
class TallyDoc:
    schema: str
    incident: str
    title: str
    as_of: dt.datetime | None
    known_at: dt.datetime | None
    occurred_by: dt.date | None
    compared_since: dt.datetime | None
    entries: list[EntryRow]
    spans: list[SpanRow]
    checks: list[CheckRow]


@attrs.frozen(kw_only=True, slots=True)
class PointRow:
    incident: str
    metric: str
    group: str
    by: str
    place: str
    at: dt.datetime
    source: str
    source_name: str
    change: str
    figure: str | None
    kind: FigureKind | None
    low: int | None
    high: int | None
    report_id: str | None
    version: int | None
    corrected: bool
    via: str | None
    citation: str | None
    quote: str | None
    verification: Verification | None
    notes: str | None
    best: int | None
    language: str | None


@attrs.frozen(kw_only=True, slots=True)
class TimelineDoc:
    schema: str
    incident: str
    title: str
    metric: str
    group: str
    by: str
    place: str
    known_at: dt.datetime | None
    points: list[PointRow]


@attrs.frozen(kw_only=True, slots=True)
class FieldRow:
    field: str
    before: str | None
    after: str | None


@attrs.frozen(kw_only=True, slots=True)
class PersonalRow:
    field: str
    text: str


@attrs.frozen(kw_only=True, slots=True)
class ChangeRow:
    position: int
    recorded_at: dt.datetime
    actor: str
    reason: str | None
    report_id: str
    incident: str
    source: str
    change: str
    reported_at: dt.datetime
    version: int | None
    before: str | None
    after: str | None
    fields: list[FieldRow]
    erased: list[str]


@attrs.frozen(kw_only=True, slots=True)
class HistoryDoc:
    schema: str
    report_id: str
    entries: list[ChangeRow]


@attrs.frozen(kw_only=True, slots=True)
class ChangesDoc:
    schema: str
    clock: str
    since: dt.datetime | None
    until: dt.datetime | None
    incident: str | None
    source: str | None
    recorded_by: str | None
    entries: list[ChangeRow]


@attrs.frozen(kw_only=True, slots=True)
class DiffRow:
    change: str
    source: str
    metric: str
    group: str
    by: str
    place: str
    before: EntryRow | None
    after: EntryRow | None


@attrs.frozen(kw_only=True, slots=True)
class DiffDoc:
    schema: str
    incident: str
    title: str
    from_as_of: dt.datetime | None
    from_known_at: dt.datetime | None
    to_as_of: dt.datetime | None
    to_known_at: dt.datetime | None
    changes: list[DiffRow]


@attrs.frozen(kw_only=True, slots=True)
class ProblemRow:
    position: int
    kind: str
    detail: str


@attrs.frozen(kw_only=True, slots=True)
class RedactionRow:
    position: int
    report_id: str
    field: str
    actor: str
    recorded_at: dt.datetime
    reason: str | None
    recorded_position: int


@attrs.frozen(kw_only=True, slots=True)
class VerifyDoc:
    schema: str
    ok: bool
    checked: int
    head: str
    against: str | None
    since: str | None
    problem: ProblemRow | None
    redactions: list[RedactionRow]


@attrs.frozen(kw_only=True, slots=True)
class DigestDoc:
    schema: str
    position: int
    hash: str
    digest: str


@attrs.frozen(kw_only=True, slots=True)
class IncidentRow:
    incident: str
    title: str
    places: list[str]
    started_on: dt.date | None
    reports: int


@attrs.frozen(kw_only=True, slots=True)
class IncidentsDoc:
    schema: str
    incidents: list[IncidentRow]


@attrs.frozen(kw_only=True, slots=True)
class SourceRow:
    source: str
    name: str
    kind: SourceKind
    url: str | None
    notes: str | None


@attrs.frozen(kw_only=True, slots=True)
class SourcesDoc:
    schema: str
    sources: list[SourceRow]


@attrs.frozen(kw_only=True, slots=True)
class TermRow:
    dimension: Dimension
    term: str
    parent: str | None
    default: bool


@attrs.frozen(kw_only=True, slots=True)
class FieldDeclRow:
    field: str
    description: str | None


@attrs.frozen(kw_only=True, slots=True)
class FieldsDoc:
    schema: str
    fields: list[FieldDeclRow]


@attrs.frozen(kw_only=True, slots=True)
class TermsDoc:
    schema: str
    dimension: Dimension | None
    terms: list[TermRow]


@attrs.frozen(kw_only=True, slots=True)
class ReportRow:
    incident: str
    report_id: str
    source: str
    source_name: str
    metric: str
    group: str
    by: str
    place: str
    status: ReportStatus
    versions: int
    figure: str
    kind: FigureKind
    low: int
    high: int | None
    reported_at: dt.datetime
    period_start: dt.date | None
    period_end: dt.date | None
    via: str | None
    citation: str | None
    quote: str | None
    verification: Verification
    notes: str | None
    best: int | None
    language: str


@attrs.frozen(kw_only=True, slots=True)
class ReportsDoc:
    schema: str
    incident: str
    title: str
    reports: list[ReportRow]


@attrs.frozen(kw_only=True, slots=True)
class VersionRow:
    report_id: str
    version: int
    figure: str
    kind: FigureKind
    low: int
    high: int | None
    reported_at: dt.datetime
    period_start: dt.date | None
    period_end: dt.date | None
    via: str | None
    citation: str | None
    quote: str | None
    verification: Verification
    notes: str | None
    best: int | None
    language: str
    personal: list[PersonalRow]
    erased: list[str]


@attrs.frozen(kw_only=True, slots=True)
class ReportDoc:
    schema: str
    report_id: str
    incident: str
    title: str
    source: str
    source_name: str
    metric: str
    group: str
    by: str
    place: str
    status: ReportStatus
    retracted_at: dt.datetime | None
    versions: list[VersionRow]


def _provenance(p: Provenance | None) -> dict[str, Any]:
    """A version's provenance as the fields every row that shows a figure's origin carries."""
    if p is None:
        return {"via": None, "citation": None, "quote": None, "verification": None, "notes": None}
    return {
        "via": p.via,
        "citation": p.citation,
        "quote": p.quote,
        "verification": p.verification,
        "notes": p.notes,
    }


def _figure(figure: Figure) -> dict[str, Any]:
    """A figure as the fields of every row that shows one: its wording, kind and bounds, its
    best estimate and the language its wording is in."""
    return {
        "figure": figure.text,
        "kind": figure.kind,
        "low": figure.low,
        "high": figure.high,
        "best": figure.best,
        "language": figure.language.value,
    }


def _version(version: VersionState) -> dict[str, Any]:
    return {
        **_figure(version.figure),
        "reported_at": version.reported_at,
        "period_start": version.period.start,
        "period_end": version.period.end,
        **_provenance(version.provenance),
    }


def incidents_doc(incidents: Iterable[tuple[IncidentOpened, int]]) -> IncidentsDoc:
    """`incidents`: each incident with its number of reports."""
    return IncidentsDoc(
        schema="ledger.incidents/1",
        incidents=[
            IncidentRow(
                incident=i.incident,
                title=i.title,
                places=list(i.places),
                started_on=i.started_on,
                reports=count,
            )
            for i, count in incidents
        ],
    )


def sources_doc(sources: Iterable[SourceRegistered]) -> SourcesDoc:
    return SourcesDoc(
        schema="ledger.sources/1",
        sources=[
            SourceRow(source=s.source, name=s.name, kind=s.kind, url=s.url, notes=s.notes)
            for s in sources
        ],
    )


def fields_doc(fields: Iterable[FieldDeclared]) -> FieldsDoc:
    return FieldsDoc(
        schema="ledger.fields/1",
        fields=[FieldDeclRow(field=f.field, description=f.description) for f in fields],
    )


def terms_doc(terms: Iterable[Term], dimension: Dimension | None) -> TermsDoc:
    return TermsDoc(
        schema="ledger.terms/1",
        dimension=dimension,
        terms=[
            TermRow(dimension=t.dimension, term=t.term, parent=t.parent, default=t.default)
            for t in terms
        ],
    )


def report_row(report: ReportState, *, names: Mapping[str, str]) -> ReportRow:
    return ReportRow(
        incident=report.incident,
        report_id=report.report_id,
        source=report.source,
        source_name=names.get(report.source, report.source),
        metric=report.metric,
        group=report.group,
        by=report.by,
        place=report.place,
        status=report.status,
        versions=len(report.versions),
        **_version(report.latest),
    )


def reports_doc(
    incident: IncidentOpened, reports: Iterable[ReportState], *, names: Mapping[str, str]
) -> ReportsDoc:
    return ReportsDoc(
        schema="ledger.reports/1",
        incident=incident.incident,
        title=incident.title,
        reports=[report_row(r, names=names) for r in reports],
    )


def report_doc(
    report: ReportState,
    *,
    title: str,
    names: Mapping[str, str],
    history: Iterable[HistoryEntry],
) -> ReportDoc:
    """`show`: each version with its provenance; `history` (the report's) says which free
    text of each version's record a redaction erased."""
    erased = {e.version: e.erased for e in history if e.change in ("filed", "revised")}
    return ReportDoc(
        schema="ledger.report/1",
        report_id=report.report_id,
        incident=report.incident,
        title=title,
        source=report.source,
        source_name=names.get(report.source, report.source),
        metric=report.metric,
        group=report.group,
        by=report.by,
        place=report.place,
        status=report.status,
        retracted_at=report.retracted_at,
        versions=[
            VersionRow(
                report_id=report.report_id,
                version=i,
                **_version(v),
                personal=[PersonalRow(field=k, text=t) for k, t in v.provenance.personal.items()],
                erased=list(erased.get(i, ())),
            )
            for i, v in enumerate(report.versions)
        ],
    )


def verify_doc(report: IntegrityReport) -> VerifyDoc:
    problem = report.problem
    return VerifyDoc(
        schema="ledger.verify/2",
        ok=report.ok,
        checked=report.checked,
        head=str(report.head),
        against=None if report.against is None else str(report.against),
        since=None if report.since is None else str(report.since),
        problem=None
        if problem is None
        else ProblemRow(position=problem.position, kind=problem.kind.value, detail=problem.detail),
        redactions=[
            RedactionRow(
                position=r.position,
                report_id=r.report_id,
                field=r.field,
                actor=r.actor,
                recorded_at=r.recorded_at,
                reason=r.reason,
                recorded_position=r.at,
            )
            for r in report.redactions
        ],
    )


def digest_doc(digest: Digest) -> DigestDoc:
    return DigestDoc(
        schema="ledger.digest/1", position=digest.position, hash=digest.hash, digest=str(digest)
    )


def entry_row(entry: TallyEntry, *, incident: str, names: Mapping[str, str]) -> EntryRow:
    return EntryRow(
        incident=incident,
        source=entry.source,
        source_name=names.get(entry.source, entry.source),
        **_key(entry.key),
        **_figure(entry.figure),
        report_id=entry.report_id,
        version=entry.version,
        reported_at=entry.reported_at,
        period_start=entry.period.start,
        period_end=entry.period.end,
        **_provenance(entry.provenance),
    )


def _key(key: Key) -> dict[str, Any]:
    return {"metric": key.metric, "group": key.group, "by": key.by, "place": key.place}


def _span_row(span: Span) -> SpanRow:
    return SpanRow(
        **_key(span.key),
        low=span.low,
        high=span.high,
        sources=[e.source for e in span.entries],
        lowest=list(span.lowest),
        highest=list(span.highest),
        disagreeing=list(span.disagreeing),
        agree=span.agree,
        best_low=None if span.bests is None else span.bests[0],
        best_high=None if span.bests is None else span.bests[1],
        conflicts=[
            ConflictRow(
                source=a.source,
                figure=a.figure.text,
                reported_at=a.reported_at,
                other=b.source,
                other_figure=b.figure.text,
                other_reported_at=b.reported_at,
            )
            for a, b in span.conflicts
        ],
    )


def tally_doc(
    tally: Tally,
    *,
    title: str,
    names: Mapping[str, str],
    compared_since: dt.datetime | None = None,
) -> TallyDoc:
    """`names` maps source ids to names; `compared_since` limits the spans to figures
    reported after it (`Tally.compared`)."""
    return TallyDoc(
        schema="ledger.tally/2",
        incident=tally.incident,
        title=title,
        as_of=tally.as_of,
        known_at=tally.known_at,
        occurred_by=tally.occurred_by,
        compared_since=compared_since,
        entries=[entry_row(e, incident=tally.incident, names=names) for e in tally.entries],
        spans=[_span_row(s) for s in tally.compared(since=compared_since)],
        checks=[
            CheckRow(
                source=c.source,
                dimension=c.dimension.value,
                **_key(c.whole.key),
                whole=c.whole.figure.text,
                parts=[
                    PartRow(term=p.key.term(c.dimension), figure=p.figure.text, low=p.figure.low)
                    for p in c.parts
                ],
                parts_low=c.parts_low,
                consistent=c.consistent,
                parts_best=c.parts_best,
            )
            for c in tally.checks
        ],
    )


def _point_row(timeline: Timeline, point: TimelinePoint, names: Mapping[str, str]) -> PointRow:
    figure = point.figure
    return PointRow(
        incident=timeline.incident,
        **_key(timeline.key),
        at=point.at,
        source=point.source,
        source_name=names.get(point.source, point.source),
        change=point.change,
        figure=None if figure is None else figure.text,
        kind=None if figure is None else figure.kind,
        low=None if figure is None else figure.low,
        high=None if figure is None else figure.high,
        report_id=point.report_id,
        version=point.version,
        corrected=point.corrected,
        **_provenance(point.provenance),
        best=None if figure is None else figure.best,
        language=None if figure is None else figure.language.value,
    )


def timeline_doc(timeline: Timeline, *, title: str, names: Mapping[str, str]) -> TimelineDoc:
    return TimelineDoc(
        schema="ledger.timeline/2",
        incident=timeline.incident,
        title=title,
        **_key(timeline.key),
        known_at=timeline.known_at,
        points=[_point_row(timeline, p, names) for p in timeline.points],
    )


def change_row(entry: HistoryEntry) -> ChangeRow:
    return ChangeRow(
        position=entry.position,
        recorded_at=entry.recorded_at,
        actor=entry.actor,
        reason=entry.reason,
        report_id=entry.report_id,
        incident=entry.incident,
        source=entry.source,
        change=entry.change,
        reported_at=entry.reported_at,
        version=entry.version,
        before=None if entry.before is None else entry.before.text,
        after=None if entry.after is None else entry.after.text,
        fields=[FieldRow(field=f.field, before=f.before, after=f.after) for f in entry.fields],
        erased=list(entry.erased),
    )


def history_doc(report_id: str, entries: Iterable[HistoryEntry]) -> HistoryDoc:
    return HistoryDoc(
        schema="ledger.history/1", report_id=report_id, entries=[change_row(e) for e in entries]
    )


def changes_doc(
    entries: Iterable[HistoryEntry],
    *,
    clock: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    incident: str | None,
    source: str | None,
    recorded_by: str | None,
) -> ChangesDoc:
    return ChangesDoc(
        schema="ledger.changes/1",
        clock=clock,
        since=since,
        until=until,
        incident=incident,
        source=source,
        recorded_by=recorded_by,
        entries=[change_row(e) for e in entries],
    )


def diff_doc(
    diff: TallyDiff, a: Tally, b: Tally, *, title: str, names: Mapping[str, str]
) -> DiffDoc:
    def as_row(e: TallyEntry) -> EntryRow:
        return entry_row(e, incident=a.incident, names=names)

    def row(change: str, before: TallyEntry | None, after: TallyEntry | None) -> DiffRow:
        entry = after if after is not None else before
        assert entry is not None  # noqa: S101 - every row has one side at least
        return DiffRow(
            change=change,
            source=entry.source,
            **_key(entry.key),
            before=None if before is None else as_row(before),
            after=None if after is None else as_row(after),
        )

    rows = [row("appeared", None, e) for e in diff.appeared]
    rows += [row("disappeared", e, None) for e in diff.disappeared]
    rows += [row("changed", x, y) for x, y in diff.changed]
    rows.sort(key=lambda r: (r.source, r.metric, r.group, r.by, r.place))
    return DiffDoc(
        schema="ledger.diff/2",
        incident=a.incident,
        title=title,
        from_as_of=a.as_of,
        from_known_at=a.known_at,
        to_as_of=b.as_of,
        to_known_at=b.known_at,
        changes=rows,
    )


# JSON and CSV.


def write_json(doc: object, out: TextIO) -> None:
    json.dump(converter.unstructure(doc), out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_json_line(row: object, out: TextIO) -> None:
    """One row as one line of JSON (JSON Lines: `changes --follow`)."""
    out.write(json.dumps(converter.unstructure(row), ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


#: The rows each document's CSV holds: one CSV has one shape, so a tally's CSV holds its
#: entries only (spans and checks are in its JSON).
CSV_ROWS: Final[dict[type, tuple[str, type]]] = {
    TallyDoc: ("entries", EntryRow),
    TimelineDoc: ("points", PointRow),
    HistoryDoc: ("entries", ChangeRow),
    ChangesDoc: ("entries", ChangeRow),
    IncidentsDoc: ("incidents", IncidentRow),
    SourcesDoc: ("sources", SourceRow),
    TermsDoc: ("terms", TermRow),
    FieldsDoc: ("fields", FieldDeclRow),
    ReportsDoc: ("reports", ReportRow),
    ReportDoc: ("versions", VersionRow),
}


#: A diff's CSV: a row per change, with the figures before and after it.
DIFF_CSV: Final = (
    "incident",
    "change",
    "source",
    "metric",
    "group",
    "by",
    "place",
    "before",
    "after",
)


def csv_columns(doc: object) -> tuple[tuple[str, Any], ...]:
    """The columns of a document's CSV, each with its Python type: the row class's fields,
    or a diff's columns (`DIFF_CSV`). Data frames take their schema from these."""
    if isinstance(doc, DiffDoc):
        figure = str | None
        return tuple((name, figure if name in ("before", "after") else str) for name in DIFF_CSV)
    _, row_type = CSV_ROWS[type(doc)]
    hints = typing.get_type_hints(row_type)
    return tuple((f.name, hints[f.name]) for f in attrs.fields(row_type))


def flat_rows(doc: object) -> Iterator[dict[str, Any]]:
    """A document's CSV rows as dicts of values: the one definition of what its CSV holds.

    Values keep their types (times, dates, whole numbers, None for a missing value or an open
    bound); a choice is its text (`"at_least"`), and a list (a change's fields, an incident's
    places) holds plain dicts and values. `write_csv` writes each value as one cell.
    """
    if isinstance(doc, DiffDoc):
        for row in doc.changes:
            yield {
                "incident": doc.incident,
                "change": row.change,
                "source": row.source,
                "metric": row.metric,
                "group": row.group,
                "by": row.by,
                "place": row.place,
                "before": None if row.before is None else row.before.figure,
                "after": None if row.after is None else row.after.figure,
            }
        return
    attribute, row_type = CSV_ROWS[type(doc)]
    names = [f.name for f in attrs.fields(row_type)]
    for row in getattr(doc, attribute):
        yield {name: _plain(getattr(row, name)) for name in names}


def _plain(value: object) -> Any:  # noqa: ANN401 - any cell's value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if attrs.has(type(value)):
        kind = typing.cast("type[attrs.AttrsInstance]", type(value))
        return {f.name: _plain(getattr(value, f.name)) for f in attrs.fields(kind)}
    return value


def write_csv(doc: object, out: TextIO) -> None:
    names = [name for name, _ in csv_columns(doc)]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in flat_rows(doc):
        writer.writerow([_cell(row[name]) for name in names])


def _cell(value: object) -> str:
    """A CSV cell: empty for null, true/false, JSON for lists and objects, times and dates as
    the JSON documents write them, text otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(converter.unstructure(value), ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dt.date):
        return str(converter.unstructure(value))
    return str(value)


# Tables for people.


def when(value: dt.datetime | dt.date | None, *, none: str = "now", tz: dt.tzinfo = dt.UTC) -> str:
    """A time for people in the display zone: `2025-03-08 14:00Z`, `2025-03-08 17:00+03:00`."""
    if value is None:
        return none
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz)
        seconds = ":%S" if value.second or value.microsecond else ""
        offset = value.utcoffset()
        zone = "Z" if tz is dt.UTC or offset is None else value.isoformat()[-6:]
        return value.strftime(f"%Y-%m-%d %H:%M{seconds}") + zone
    return value.isoformat()


def window_start(since: dt.datetime | None, *, tz: dt.tzinfo = dt.UTC) -> str:
    """Where a `since < t` window starts, for people: a day's start reads as that day's."""
    if since is None:
        return "from the start"
    started = day_started(since, tz)
    return f"after {when(since, tz=tz)}" if started is None else f"from {when(started, tz=tz)}"


def _knows(known_at: dt.datetime | None, tz: dt.tzinfo = dt.UTC) -> str:
    return "knows it now" if known_at is None else f"knew it at {when(known_at, tz=tz)}"


def _bound(value: int | None) -> str:
    return "open" if value is None else f"{value:,}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Left-aligned columns, numbers right-aligned, two spaces apart.

    Widths are what a terminal shows, not code points: tashkeel and other combining marks
    take no column, wide characters two. A cell holding right-to-left text (an Arabic
    figure) is a Unicode bidi isolate, so a terminal that reorders Arabic reorders it inside
    its own cell and never pulls the next column's digits into it.
    """
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [bool(cells) and all(_numeric(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            " " * (w - display_width(c)) + c if num else isolated(c) + " " * (w - display_width(c))
            for c, w, num in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(list(headers)), *(line(r) for r in cells)])


#: Bidi classes of right-to-left letters: Hebrew and the like, and Arabic.
_RIGHT_TO_LEFT: Final = frozenset({"R", "AL"})
#: First strong isolate and pop directional isolate (UAX #9): invisible, and zero width.
_FSI: Final = "\u2068"
_PDI: Final = "\u2069"


def isolated(text: str) -> str:
    """`text` as a bidi isolate if it holds right-to-left letters, else as it is."""
    if any(unicodedata.bidirectional(ch) in _RIGHT_TO_LEFT for ch in text):
        return f"{_FSI}{text}{_PDI}"
    return text


def display_width(text: str) -> int:
    """How many terminal columns `text` takes."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _numeric(text: str) -> bool:
    return text.replace(",", "").isdigit() or text in ("", "open", "-")


def age(reported_at: dt.datetime, now: dt.datetime) -> str:
    """How old a figure is at `now`, to the two largest units: `3h`, `2d 4h`, `25m`."""
    minutes = max(int((now - reported_at).total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def _across(doc: TallyDoc, *, tz: dt.tzinfo, now: dt.datetime) -> list[str]:
    """Each key that several sources report: the span, then each source's figure, its age
    and the figures it conflicts with (that cannot describe the same count)."""
    shared = [s for s in doc.spans if len(s.sources) > 1]
    since = (
        ""
        if doc.compared_since is None
        else f"; only figures reported {window_start(doc.compared_since, tz=tz)}"
    )
    if not shared:
        if since:
            after = window_start(doc.compared_since, tz=tz)
            return ["", f"Across sources: no key has figures of two sources reported {after}."]
        return []
    out = ["", f"Across sources (compared, never added; ages at {when(now, tz=tz)}{since}):"]
    entries = {(e.source, e.metric, e.group, e.by, e.place): e for e in doc.entries}
    for s in shared:
        pairs = len(s.conflicts)
        verdict = "agree" if s.agree else f"{pairs} conflict{'' if pairs == 1 else 's'}"
        out.append(
            f"  {s.metric}/{s.group}/{s.by}/{s.place}: {_bound(s.low)} to {_bound(s.high)} "
            f"from {len(s.sources)} sources, {verdict}"
        )
        rows = []
        for source in s.sources:
            entry = entries[source, s.metric, s.group, s.by, s.place]
            against = [
                f"{c.other} {c.other_figure}" if c.source == source else f"{c.source} {c.figure}"
                for c in s.conflicts
                if source in (c.source, c.other)
            ]
            rows.append(
                [
                    f"    {source}",
                    str(entry.figure),
                    f"{age(entry.reported_at, now)} old",
                    f"conflicts with {', '.join(against)}" if against else "",
                ]
            )
        out.append(table(["", "", "", ""], rows).split("\n", 1)[1])
    return out


def tally_table(doc: TallyDoc, *, tz: dt.tzinfo = dt.UTC, now: dt.datetime | None = None) -> str:
    """`now` is when figures' ages are taken (default: the tally's `as_of`, else now)."""
    now = now or doc.as_of or dt.datetime.now(dt.UTC)
    out = [
        f"Tally of {doc.incident}: as reported by {when(doc.as_of, tz=tz)}, as the ledger "
        f"{_knows(doc.known_at, tz)}"
        + ("" if doc.occurred_by is None else f", deaths occurring by {doc.occurred_by}"),
        "",
    ]
    if not doc.entries:
        out.append("No figures stand.")
        return "\n".join(out)
    out.append(
        table(
            [
                "SOURCE",
                "METRIC",
                "GROUP",
                "BY",
                "PLACE",
                "FIGURE",
                "LOW",
                "HIGH",
                "REPORTED",
                "REPORT",
                "V",
            ],
            (
                [
                    e.source,
                    e.metric,
                    e.group,
                    e.by,
                    e.place,
                    str(e.figure),
                    _bound(e.low),
                    _bound(e.high),
                    when(e.reported_at, tz=tz),
                    e.report_id,
                    e.version,
                ]
                for e in doc.entries
            ),
        )
    )
    out += _across(doc, tz=tz, now=now)
    if doc.checks:
        out += ["", "Parts within wholes, per source:"]
        for c in doc.checks:
            parts = " + ".join(f"{isolated(p.figure)} {p.term}" for p in c.parts)
            whole_term = getattr(c, c.dimension)
            verdict = "fit inside" if c.consistent else "EXCEED"
            flag = "ok  " if c.consistent else "FLAG"
            out.append(f"  {flag} {c.source}: {parts} {verdict} {isolated(c.whole)} {whole_term}")
    return "\n".join(out)


def timeline_table(doc: TimelineDoc, *, tz: dt.tzinfo = dt.UTC) -> str:
    head = (
        f"Timeline of {doc.incident}, {doc.metric}/{doc.group}/{doc.by}/{doc.place}, as the "
        f"ledger {_knows(doc.known_at, tz)}"
    )
    if not doc.points:
        return f"{head}\n\nNo figures for this key."
    rows = (
        [
            when(p.at, tz=tz),
            p.source,
            p.change,
            "-" if p.figure is None else str(p.figure),
            "-" if p.low is None else _bound(p.low),
            "-" if p.figure is None else _bound(p.high),
            p.report_id or "-",
            "-" if p.version is None else p.version,
            "corrected" if p.corrected else "",
        ]
        for p in doc.points
    )
    return "\n".join(
        [
            head,
            "",
            table(["AT", "SOURCE", "CHANGE", "FIGURE", "LOW", "HIGH", "REPORT", "V", "NOTE"], rows),
        ]
    )


def _fields(row: ChangeRow) -> str:
    changed = [f"{f.field}: {f.before} -> {f.after}" for f in row.fields]
    if row.erased:
        changed.append(
            ("erased " if row.change == "redacted" else "erased since: ") + ", ".join(row.erased)
        )
    return "; ".join(changed)


def changes_table(
    entries: Sequence[ChangeRow], *, title: str, with_report: bool, tz: dt.tzinfo = dt.UTC
) -> str:
    if not entries:
        return f"{title}\n\nNo changes."
    headers = [
        "POS",
        "RECORDED",
        "ACTOR",
        *(["REPORT"] if with_report else []),
        "CHANGE",
        "REPORTED",
        "V",
        "BEFORE",
        "AFTER",
        "WHY",
    ]
    rows = []
    for r in entries:
        why = r.reason or ""
        if r.fields or r.erased:
            why = f"{why} [{_fields(r)}]" if why else f"[{_fields(r)}]"
        rows.append(
            [
                r.position,
                when(r.recorded_at, tz=tz),
                r.actor,
                *([r.report_id] if with_report else []),
                r.change,
                when(r.reported_at, tz=tz),
                "-" if r.version is None else r.version,
                "-" if r.before is None else str(r.before),
                "-" if r.after is None else str(r.after),
                why,
            ]
        )
    return "\n".join([title, "", table(headers, rows)])


def diff_table(doc: DiffDoc, *, tz: dt.tzinfo = dt.UTC) -> str:
    head = (
        f"Tally of {doc.incident} from (as of {when(doc.from_as_of, tz=tz)}, known at "
        f"{when(doc.from_known_at, tz=tz)}) to (as of {when(doc.to_as_of, tz=tz)}, known at "
        f"{when(doc.to_known_at, tz=tz)})"
    )
    if not doc.changes:
        return f"{head}\n\nNo differences."
    rows = (
        [
            r.change,
            r.source,
            r.metric,
            r.group,
            r.by,
            r.place,
            "-" if r.before is None else str(r.before.figure),
            "-" if r.after is None else str(r.after.figure),
        ]
        for r in doc.changes
    )
    headers = ["CHANGE", "SOURCE", "METRIC", "GROUP", "BY", "PLACE", "BEFORE", "AFTER"]
    return "\n".join([head, "", table(headers, rows)])


def incidents_table(doc: IncidentsDoc) -> str:
    if not doc.incidents:
        return "No incidents: open one with `ledger incident open`."
    rows = (
        [i.incident, i.title, ", ".join(i.places) or "-", when(i.started_on, none="-"), i.reports]
        for i in doc.incidents
    )
    return table(["INCIDENT", "TITLE", "PLACES", "STARTED", "REPORTS"], rows)


def sources_table(doc: SourcesDoc) -> str:
    if not doc.sources:
        return "No sources: register one with `ledger source add`."
    rows = ([s.source, s.name, s.kind.value, s.url or "", s.notes or ""] for s in doc.sources)
    return table(["SOURCE", "NAME", "KIND", "URL", "NOTES"], rows)


def fields_table(doc: FieldsDoc) -> str:
    if not doc.fields:
        return "No personal fields: declare one with `ledger field add`."
    return table(["FIELD", "DESCRIPTION"], ([f.field, f.description or ""] for f in doc.fields))


def terms_table(doc: TermsDoc) -> str:
    rows = (
        [t.dimension.value, t.term, t.parent or "-", "default" if t.default else "added"]
        for t in doc.terms
    )
    return table(["DIMENSION", "TERM", "PARENT", "FROM"], rows)


def reports_table(doc: ReportsDoc, *, tz: dt.tzinfo = dt.UTC) -> str:
    head = f"Reports of {doc.incident}: {doc.title}"
    if not doc.reports:
        return f"{head}\n\nNo reports."
    rows = (
        [
            r.report_id,
            r.source_name,
            f"{r.metric}/{r.group}/{r.by}/{r.place}",
            str(r.figure),
            when(r.reported_at, tz=tz),
            r.versions,
            r.status.value,
            r.via or "",
        ]
        for r in doc.reports
    )
    headers = ["REPORT", "SOURCE", "KEY", "FIGURE", "REPORTED", "VERSIONS", "STATUS", "VIA"]
    return "\n".join([head, "", table(headers, rows)])


#: What `show` prints for a field whose text a redaction erased (`ledger history` says who,
#: when and why).
_ERASED: Final = "[erased by a redaction: see `ledger history`]"


def report_table(doc: ReportDoc, *, tz: dt.tzinfo = dt.UTC) -> str:
    status = doc.status.value + (
        "" if doc.retracted_at is None else f" at {when(doc.retracted_at, tz=tz)}"
    )
    out = [
        f"Report {doc.report_id}",
        "",
        f"  incident  {doc.incident}: {doc.title}",
        f"  source    {doc.source}: {doc.source_name}",
        f"  counts    {doc.metric}, group {doc.group}, by {doc.by}, place {doc.place}",
        f"  status    {status}",
    ]
    for v in doc.versions:
        period = (
            ""
            if v.period_start is None and v.period_end is None
            else f", covering {when(v.period_start, none='...')} to "
            f"{when(v.period_end, none='...')}"
        )
        out += [
            "",
            f"Version {v.version}: {v.figure} (reported {when(v.reported_at, tz=tz)}{period})",
        ]
        details = [
            ("via", v.via),
            ("citation", v.citation),
            ("quote", None if v.quote is None else f"\u201c{v.quote}\u201d"),
            ("verified", v.verification.value),
            ("notes", v.notes),
            *((p.field, p.text) for p in v.personal),
            *((name, _ERASED) for name in v.erased),
        ]
        out += [f"  {name:<9} {value}" for name, value in details if value]
    return "\n".join(out)
