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
import json
from collections.abc import Iterable, Sequence
from typing import Final, TextIO

import attrs

from ledger.codec import converter
from ledger.figures import Figure, FigureKind
from ledger.projections.audit import HistoryEntry, TallyDiff
from ledger.projections.tally import Key, Span, Tally, TallyEntry
from ledger.projections.timeline import Timeline, TimelinePoint
from ledger.values import Verification
from ledger.verify import Digest, IntegrityReport

FORMATS: Final = ("table", "json", "csv")


# Rows and documents.


@attrs.frozen(kw_only=True, slots=True)
class EntryRow:
    source: str
    metric: str
    group: str
    by: str
    place: str
    figure: Figure
    kind: FigureKind
    low: int
    high: int | None
    report_id: str
    version: int
    reported_at: dt.datetime
    period_start: dt.date | None
    period_end: dt.date | None
    via: str | None
    verification: Verification


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


@attrs.frozen(kw_only=True, slots=True)
class PartRow:
    term: str
    figure: Figure
    low: int


@attrs.frozen(kw_only=True, slots=True)
class CheckRow:
    source: str
    dimension: str
    metric: str
    group: str
    by: str
    place: str
    whole: Figure
    parts: list[PartRow]
    parts_low: int
    consistent: bool


@attrs.frozen(kw_only=True, slots=True)
class TallyDoc:
    schema: str
    incident: str
    as_of: dt.datetime | None
    known_at: dt.datetime | None
    occurred_by: dt.date | None
    entries: list[EntryRow]
    spans: list[SpanRow]
    checks: list[CheckRow]


@attrs.frozen(kw_only=True, slots=True)
class PointRow:
    at: dt.datetime
    source: str
    change: str
    figure: Figure | None
    kind: FigureKind | None
    low: int | None
    high: int | None
    report_id: str | None
    version: int | None
    corrected: bool


@attrs.frozen(kw_only=True, slots=True)
class TimelineDoc:
    schema: str
    incident: str
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
    before: Figure | None
    after: Figure | None
    fields: list[FieldRow]


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
class VerifyDoc:
    schema: str
    ok: bool
    checked: int
    head: str
    against: str | None
    problem: ProblemRow | None


@attrs.frozen(kw_only=True, slots=True)
class DigestDoc:
    schema: str
    position: int
    hash: str
    digest: str


def verify_doc(report: IntegrityReport) -> VerifyDoc:
    problem = report.problem
    return VerifyDoc(
        schema="ledger.verify/1",
        ok=report.ok,
        checked=report.checked,
        head=str(report.head),
        against=None if report.against is None else str(report.against),
        problem=None
        if problem is None
        else ProblemRow(position=problem.position, kind=problem.kind.value, detail=problem.detail),
    )


def digest_doc(digest: Digest) -> DigestDoc:
    return DigestDoc(
        schema="ledger.digest/1", position=digest.position, hash=digest.hash, digest=str(digest)
    )


def entry_row(entry: TallyEntry) -> EntryRow:
    figure = entry.figure
    return EntryRow(
        source=entry.source,
        **_key(entry.key),
        figure=figure,
        kind=figure.kind,
        low=figure.low,
        high=figure.high,
        report_id=entry.report_id,
        version=entry.version,
        reported_at=entry.reported_at,
        period_start=entry.period.start,
        period_end=entry.period.end,
        via=entry.provenance.via,
        verification=entry.provenance.verification,
    )


def _key(key: Key) -> dict[str, str]:
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
    )


def tally_doc(tally: Tally) -> TallyDoc:
    return TallyDoc(
        schema="ledger.tally/1",
        incident=tally.incident,
        as_of=tally.as_of,
        known_at=tally.known_at,
        occurred_by=tally.occurred_by,
        entries=[entry_row(e) for e in tally.entries],
        spans=[_span_row(s) for s in tally.spans],
        checks=[
            CheckRow(
                source=c.source,
                dimension=c.dimension.value,
                **_key(c.whole.key),
                whole=c.whole.figure,
                parts=[
                    PartRow(term=p.key.term(c.dimension), figure=p.figure, low=p.figure.low)
                    for p in c.parts
                ],
                parts_low=c.parts_low,
                consistent=c.consistent,
            )
            for c in tally.checks
        ],
    )


def _point_row(point: TimelinePoint) -> PointRow:
    figure = point.figure
    return PointRow(
        at=point.at,
        source=point.source,
        change=point.change,
        figure=figure,
        kind=None if figure is None else figure.kind,
        low=None if figure is None else figure.low,
        high=None if figure is None else figure.high,
        report_id=point.report_id,
        version=point.version,
        corrected=point.corrected,
    )


def timeline_doc(timeline: Timeline) -> TimelineDoc:
    return TimelineDoc(
        schema="ledger.timeline/1",
        incident=timeline.incident,
        **_key(timeline.key),
        known_at=timeline.known_at,
        points=[_point_row(p) for p in timeline.points],
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
        before=entry.before,
        after=entry.after,
        fields=[FieldRow(field=f.field, before=f.before, after=f.after) for f in entry.fields],
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


def diff_doc(diff: TallyDiff, a: Tally, b: Tally) -> DiffDoc:
    def row(change: str, before: TallyEntry | None, after: TallyEntry | None) -> DiffRow:
        entry = after if after is not None else before
        assert entry is not None  # noqa: S101 - every row has one side at least
        return DiffRow(
            change=change,
            source=entry.source,
            **_key(entry.key),
            before=None if before is None else entry_row(before),
            after=None if after is None else entry_row(after),
        )

    rows = [row("appeared", None, e) for e in diff.appeared]
    rows += [row("disappeared", e, None) for e in diff.disappeared]
    rows += [row("changed", x, y) for x, y in diff.changed]
    rows.sort(key=lambda r: (r.source, r.metric, r.group, r.by, r.place))
    return DiffDoc(
        schema="ledger.diff/1",
        incident=a.incident,
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


#: The rows each document's CSV holds: one CSV has one shape, so a tally's CSV holds its
#: entries only (spans and checks are in its JSON).
CSV_ROWS: Final[dict[type, tuple[str, type]]] = {
    TallyDoc: ("entries", EntryRow),
    TimelineDoc: ("points", PointRow),
    HistoryDoc: ("entries", ChangeRow),
    ChangesDoc: ("entries", ChangeRow),
}


def write_csv(doc: object, out: TextIO) -> None:
    if isinstance(doc, DiffDoc):
        _write_diff_csv(doc, out)
        return
    attribute, row_type = CSV_ROWS[type(doc)]
    names = [f.name for f in attrs.fields(row_type)]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in getattr(doc, attribute):
        plain = converter.unstructure(row)
        writer.writerow([_cell(plain[name]) for name in names])


def _write_diff_csv(doc: DiffDoc, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["change", "source", "metric", "group", "by", "place", "before", "after"])
    for row in doc.changes:
        before = "" if row.before is None else str(row.before.figure)
        after = "" if row.after is None else str(row.after.figure)
        writer.writerow(
            [row.change, row.source, row.metric, row.group, row.by, row.place, before, after]
        )


def _cell(value: object) -> str:
    """A CSV cell: empty for null, true/false, JSON for lists and objects, text otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
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
    following = since + dt.timedelta(microseconds=1)
    local = following.astimezone(tz)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"from {when(following, tz=tz)}"
    return f"after {when(since, tz=tz)}"


def _knows(known_at: dt.datetime | None, tz: dt.tzinfo = dt.UTC) -> str:
    return "knows it now" if known_at is None else f"knew it at {when(known_at, tz=tz)}"


def _bound(value: int | None) -> str:
    return "open" if value is None else f"{value:,}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Left-aligned columns, numbers right-aligned, two spaces apart."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [bool(cells) and all(_numeric(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(list(headers)), *(line(r) for r in cells)])


def _numeric(text: str) -> bool:
    return text.replace(",", "").isdigit() or text in ("", "open", "-")


def tally_table(doc: TallyDoc, *, tz: dt.tzinfo = dt.UTC) -> str:
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
    shared = [s for s in doc.spans if len(s.sources) > 1]
    if shared:
        out += ["", "Across sources (compared, never added):"]
        for s in shared:
            verdict = "agree" if s.agree else f"disagree: {', '.join(s.disagreeing)}"
            out.append(
                f"  {s.metric}/{s.group}/{s.by}/{s.place}: {_bound(s.low)} to {_bound(s.high)} "
                f"from {', '.join(s.sources)} ({verdict})"
            )
    if doc.checks:
        out += ["", "Parts within wholes, per source:"]
        for c in doc.checks:
            parts = " + ".join(f"{p.figure} {p.term}" for p in c.parts)
            whole_term = getattr(c, c.dimension)
            verdict = "fit inside" if c.consistent else "EXCEED"
            flag = "ok  " if c.consistent else "FLAG"
            out.append(f"  {flag} {c.source}: {parts} {verdict} {c.whole} {whole_term}")
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
            table(["AT", "SOURCE", "CHANGE", "FIGURE", "LOW", "HIGH", "REPORT", "V", ""], rows),
        ]
    )


def _fields(row: ChangeRow) -> str:
    return "; ".join(f"{f.field}: {f.before} -> {f.after}" for f in row.fields)


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
        if r.fields:
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
