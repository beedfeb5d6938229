"""HXL-tagged CSV, as the Humanitarian Data Exchange (HDX) publishes it, in and out.

An HXL sheet has a row of hashtags under its header (`#affected+killed`, `#date+reported`);
the hashtags, not the header's words, say what a column holds, and a column without one is
not read. **Import** reads, in any order and any case (`#Affected +Killed` is
`#affected+killed`):

`#affected+killed` and `#fatality+num` (or `#affected+<metric>` for any metric of the
ledger) are figures, in the source's words; `#date+reported` (or a bare `#date`) is when the
source said it, `#date+occurred`/`+start`/`+end` the period; `#country+name` to `#loc+name`
the place (or `#loc+code`, a term); `#group` the victim group, `#group+perpetrator` the
perpetrator; `#meta+source` the source, `#org+name` its name; `#event+id` and `#event+name`
the incident. docs/hxl.md has the table.

Values with `+min`, `+max` or `+best` (the export's numbers) are not read back: the figure's
words carry them. A row with no figure is skipped. Each row is one claim of one source: the
first row of a source, metric, group, perpetrator and place files its report, and each
later-dated row revises it, so a sheet of a toll over time imports as its timeline; a row no
later than the report's standing version changes nothing, so importing a sheet again, or a
longer one, is safe.

**Export** writes a tally or a timeline as an HXL sheet (its header, the hashtag row, one row
per figure) and, beside it, a Frictionless Data Package (v2) `datapackage.json` describing
it: its fields with their hashtags, its bytes and sha256, and the ledger's digest, so whoever
downloads it from HDX can prove which log it came from.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import attrs

from ledger import times
from ledger._files import replacing
from ledger.errors import FigureError, LineError, ValidationError
from ledger.figures import Figure
from ledger.formats._csv import Input, Row, opened, rows
from ledger.formats._release import (
    Claim,
    Publisher,
    Record,
    ReleaseSummary,
    TermPath,
    import_release,
    slug,
)
from ledger.ledger import Ledger
from ledger.projections.tally import Tally
from ledger.projections.timeline import Timeline
from ledger.taxonomy import ROOT
from ledger.values import Period, Provenance, SourceKind
from ledger.verify import Digest

#: The source an HXL import is filed under where a row names none (`#meta+source`).
DEFAULT_SOURCE: Final = Publisher(
    source="hxl", name="HXL sheet", kind=SourceKind.OTHER, notes="rows without #meta+source"
)
_NUMBERS: Final = frozenset({"min", "max", "best"})
_PLACES: Final = ("#country", "#adm1", "#adm2", "#adm3", "#loc")
_ROLE_MAX: Final = 80


def tag(text: str) -> tuple[str, frozenset[str]] | None:
    """A hashtag cell as its hashtag and attributes: `#affected +killed` is
    `("#affected", {"killed"})`; None for a cell that is no hashtag."""
    compact = "".join(text.split()).lower()
    if not compact.startswith("#") or len(compact) < 2:  # noqa: PLR2004 - "#" and a letter
        return None
    name, *attributes = compact.split("+")
    return name, frozenset(a for a in attributes if a)


@attrs.frozen(kw_only=True, slots=True)
class _Columns:
    """Which column holds what, read from the hashtag row."""

    figures: tuple[tuple[str, str], ...]  # (column, metric)
    reported: str | None
    occurred: str | None
    start: str | None
    end: str | None
    places: tuple[str, ...]
    place_term: str | None
    group: str | None
    by: str | None
    source: str | None
    source_name: str | None
    incident: str | None
    title: str | None


#: Which hashtag fills which slot of `_Columns`: the first column that matches a slot has it.
_SLOTS: Final[tuple[tuple[Callable[[str, frozenset[str]], bool], str], ...]] = (
    (lambda n, a: n == "#date" and ("reported" in a or not a), "reported"),
    (lambda n, a: n == "#date" and "occurred" in a, "occurred"),
    (lambda n, a: n == "#date" and "start" in a, "start"),
    (lambda n, a: n == "#date" and "end" in a, "end"),
    (lambda n, a: n == "#loc" and "code" in a, "place_term"),
    (lambda n, a: n == "#group" and "perpetrator" in a, "by"),
    (lambda n, _: n == "#group", "group"),
    (lambda n, a: n == "#meta" and "source" in a, "source"),
    (lambda n, a: n == "#org" and "name" in a, "source_name"),
    (lambda n, a: n == "#event" and bool(a & {"id", "code"}), "incident"),
    (lambda n, a: n == "#event" and "name" in a, "title"),
)


def _columns(row: Row, metrics: Iterable[str]) -> _Columns:
    known = set(metrics)
    slots: dict[str, str] = {}
    figures: list[tuple[str, str]] = []
    places: dict[str, str] = {}
    for column in row.columns:
        found = tag(row[column]) if column else None
        if found is None or found[1] & _NUMBERS:
            continue
        name, attributes = found
        metric = _metric(name, attributes, known)
        if metric is not None:
            figures.append((column, metric))
        elif name in _PLACES and "name" in attributes:
            places.setdefault(name, column)
        else:
            slot = next((slot for matches, slot in _SLOTS if matches(name, attributes)), None)
            if slot is not None:
                slots.setdefault(slot, column)
    if not figures:
        raise LineError(
            row.line,
            None,
            "the hashtag row names no figure: tag a column #affected+killed or #fatality+num",
        )
    return _Columns(
        figures=tuple(figures),
        places=tuple(places[name] for name in _PLACES if name in places),
        **{
            f.name: slots.get(f.name)
            for f in attrs.fields(_Columns)
            if f.name not in ("figures", "places")
        },
    )


def _metric(name: str, attributes: frozenset[str], known: set[str]) -> str | None:
    """The metric a figure column counts: `#fatality` and `#affected+killed` count the
    killed, `#affected+<metric>` any metric the ledger knows."""
    if name == "#fatality" or (name == "#affected" and "killed" in attributes):
        return "killed"
    chosen = sorted(attributes & known) if name == "#affected" else []
    return chosen[0] if chosen else None


def read_hxl(
    source: Input,
    *,
    metrics: Iterable[str] = ("killed",),
    incident: str | None = None,
    language: str = "en",
) -> Iterator[Record]:
    """The claims of an HXL sheet as records, one per row and figure column."""
    with opened(source) as lines:
        found = rows(lines)
        hashtags = next(found, None)
        if hashtags is None:
            raise LineError(2, None, "the file has no hashtag row under its header")
        columns = _columns(hashtags, metrics)
        if columns.reported is None:
            raise LineError(hashtags.line, None, "the hashtag row has no #date+reported (or #date)")
        if columns.incident is None and incident is None:
            raise LineError(
                hashtags.line,
                None,
                "the hashtag row has no #event+id: name the incident (--incident)",
            )
        for row in found:
            yield from _records(row, columns, incident=incident, language=language)


def import_hxl(
    ledger: Ledger,
    source: Input,
    *,
    incident: str | None = None,
    reason: str | None = None,
    actor: str | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> ReleaseSummary:
    """Import an HXL sheet, all or nothing; figures in words are read in the ledger's
    default language (see the module's notes)."""
    return import_release(
        ledger,
        read_hxl(
            source,
            metrics=ledger.terms("metric"),
            incident=incident,
            language=ledger.scratch().language.value,
        ),
        publisher=DEFAULT_SOURCE,
        newer_only=True,
        reason="HXL import" if reason is None else reason,
        actor=actor,
        progress=progress,
    )


def _records(
    row: Row, columns: _Columns, *, incident: str | None, language: str
) -> Iterator[Record]:
    named = row.get(columns.incident) if columns.incident else None
    where = named or incident
    if where is None:
        raise row.error(columns.incident, "is empty: every row names its incident (#event+id)")
    reported_at = _reported(row, columns.reported or "")
    period = _period(row, columns)
    source_id = row.get(columns.source) if columns.source else None
    source = None if source_id is None else slug(source_id)
    name = (row.get(columns.source_name) if columns.source_name else None) or source_id
    group = _path(row, columns.group)
    by = _path(row, columns.by)
    place: TermPath = (
        (row.get(columns.place_term) or ROOT,)
        if columns.place_term
        else tuple(v for c in columns.places if (v := row.get(c)))
    )
    if place == (ROOT,):
        place = ()
    for column, metric in columns.figures:
        text = row.get(column)
        if text is None:
            continue
        try:
            figure = Figure.parse(text, language=language)
        except FigureError as exc:
            raise row.error(column, str(exc).removeprefix("figure: ")) from None
        role = _role(source or DEFAULT_SOURCE.source, metric, group, by, place)
        yield Record(
            line=row.line,
            key=f"{where}|{role}|{reported_at.isoformat()}",
            key_column=column,
            incident=where,
            title=(row.get(columns.title) if columns.title else None) or where,
            started_on=period.start,
            reported_at=reported_at,
            claims=(
                Claim(
                    role=role,
                    metric=metric,
                    figure=figure,
                    group=group,
                    by=by,
                    place=place,
                    period=period,
                    provenance=Provenance(),
                    source=source,
                    source_name=name,
                ),
            ),
            exhaustive=False,
        )


def _path(row: Row, column: str | None) -> TermPath:
    value = row.get(column) if column else None
    return () if value is None or value == ROOT else (value,)


def _role(source: str, metric: str, *paths: TermPath) -> str:
    """The report's name within its incident: its source and what it counts."""
    role = ".".join([source, metric, *(slug(p[-1]) if p else ROOT for p in paths)])
    if len(role) <= _ROLE_MAX:
        return role
    return f"{source[:40]}.{hashlib.sha256(role.encode()).hexdigest()[:16]}"


def _reported(row: Row, column: str) -> dt.datetime:
    text = row.get(column) or ""
    try:
        if times.is_day(text):
            day = times.day(column, text)
            assert day is not None  # noqa: S101 - text is a day
            return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
        return times.moment(column, text)
    except ValidationError as exc:
        raise row.error(
            column, f"{text!r} is not a date (2025-03-08) nor a time with a zone"
        ) from exc


def _period(row: Row, columns: _Columns) -> Period:
    def day(column: str | None) -> dt.date | None:
        text = row.get(column) if column else None
        if text is None or column is None:
            return None
        try:
            # A time after the day (2025-03-08T14:00Z) says no more than the day, here.
            return dt.date.fromisoformat(text.partition("T")[0].partition(" ")[0])
        except ValueError:
            raise row.error(column, f"{text!r} is not a date such as 2025-03-08") from None

    occurred = day(columns.occurred)
    start = day(columns.start) or occurred
    end = day(columns.end) or occurred
    try:
        return Period(start=start, end=end)
    except ValidationError as exc:
        raise row.error(columns.end, str(exc).removeprefix("period: ")) from None


# Export.


@attrs.frozen(kw_only=True, slots=True)
class Field:
    """A column of an export: its header, its hashtag, its Table Schema type."""

    name: str
    hxl: str
    type: str
    description: str


_LEADING: Final = (
    Field(name="Incident", hxl="#event+id", type="string", description="the incident's id"),
    Field(name="Source", hxl="#meta+source", type="string", description="the source's id"),
    Field(name="Source name", hxl="#org+name", type="string", description="the source's name"),
    Field(name="Group", hxl="#group", type="string", description="the victim group (a term)"),
    Field(name="Perpetrator", hxl="#group+perpetrator", type="string", description="who (a term)"),
    Field(name="Place", hxl="#loc+code", type="string", description="the place (a term)"),
)
_TRAILING: Final = (
    Field(
        name="Reported",
        hxl="#date+reported",
        type="datetime",
        description="when the source said it",
    ),
    Field(
        name="Period start", hxl="#date+start", type="date", description="the first day it covers"
    ),
    Field(name="Period end", hxl="#date+end", type="date", description="the last day it covers"),
    Field(
        name="Change",
        hxl="#meta+change",
        type="string",
        description="filed, revised, retracted, ...",
    ),
    Field(name="Report", hxl="#meta+id", type="string", description="the ledger's report id"),
)


def _figure_fields(metrics: Sequence[str]) -> list[Field]:
    fields = []
    for metric in metrics:
        title = metric.replace("_", " ").capitalize()
        fields += [
            Field(
                name=title,
                hxl=f"#affected+{metric}",
                type="string",
                description=f"{metric}, in the source's words",
            ),
            Field(
                name=f"{title} (low)",
                hxl=f"#affected+{metric}+min",
                type="integer",
                description="its lower bound",
            ),
            Field(
                name=f"{title} (high)",
                hxl=f"#affected+{metric}+max",
                type="integer",
                description="its upper bound; empty if open",
            ),
            Field(
                name=f"{title} (best)",
                hxl=f"#affected+{metric}+best",
                type="integer",
                description="its best estimate, if it gives one",
            ),
        ]
    return fields


def _figure_cells(fields: Sequence[Field], metric: str, figure: Figure | None) -> dict[str, object]:
    if figure is None:
        return {}
    title = next(f.name for f in fields if f.hxl == f"#affected+{metric}")
    return {
        title: figure.text,
        f"{title} (low)": figure.low,
        f"{title} (high)": figure.high,
        f"{title} (best)": figure.best,
    }


def _write(out: TextIO, fields: Sequence[Field], rows: Iterable[dict[str, object]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.name for f in fields])
    writer.writerow([f.hxl for f in fields])
    for row in rows:
        writer.writerow(["" if (v := row.get(f.name)) is None else _cell(v) for f in fields])


def _cell(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_tally(tally: Tally, out: TextIO, *, names: dict[str, str] | None = None) -> list[Field]:
    """The tally as an HXL sheet, one row per source's effective figure; its fields."""
    names = names or {}
    metrics = list(dict.fromkeys(e.key.metric for e in tally.entries))
    fields = [*_LEADING, *_figure_fields(metrics or ["killed"]), *_TRAILING]
    rows = [
        {
            "Incident": tally.incident,
            "Source": e.source,
            "Source name": names.get(e.source),
            "Group": e.key.group,
            "Perpetrator": e.key.by,
            "Place": e.key.place,
            **_figure_cells(fields, e.key.metric, e.figure),
            "Reported": e.reported_at,
            "Period start": e.period.start,
            "Period end": e.period.end,
            "Change": "filed" if e.version == 0 else "revised",
            "Report": e.report_id,
        }
        for e in tally.entries
    ]
    _write(out, fields, rows)
    return fields


def write_timeline(
    timeline: Timeline, out: TextIO, *, names: dict[str, str] | None = None
) -> list[Field]:
    """The timeline as an HXL sheet, one row per change of a source's figure; its fields.
    A retraction's row has no figure (an import skips it)."""
    names = names or {}
    key = timeline.key
    fields = [*_LEADING, *_figure_fields([key.metric]), *_TRAILING[:1], *_TRAILING[3:]]
    rows = [
        {
            "Incident": timeline.incident,
            "Source": p.source,
            "Source name": names.get(p.source),
            "Group": key.group,
            "Perpetrator": key.by,
            "Place": key.place,
            **_figure_cells(fields, key.metric, p.figure),
            "Reported": p.at,
            "Change": p.change,
            "Report": p.report_id,
        }
        for p in timeline.points
    ]
    _write(out, fields, rows)
    return fields


def export_hxl(
    ledger: Ledger,
    incident: str,
    directory: str | Path,
    *,
    timeline: Mapping[str, str | None] | None = None,
    as_of: dt.datetime | None = None,
    known_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Write the incident's tally (or, given `timeline` keys metric/group/by/place/source,
    its timeline) as `<incident>-tally.csv` (`-timeline.csv`) in `directory`, with a
    `datapackage.json` naming the ledger's digest; returns the package's path."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    names = {s.source: s.name for s in ledger.sources()}
    title = ledger.incident(incident).title
    digest = ledger.digest()
    kind = "tally" if timeline is None else "timeline"
    csv_path = folder / f"{incident}-{kind}.csv"
    with replacing(csv_path) as out:
        if timeline is None:
            fields = write_tally(
                ledger.tally(incident, as_of=as_of, known_at=known_at), out, names=names
            )
        else:
            result = ledger.timeline(
                incident,
                metric=timeline.get("metric") or "killed",
                group=timeline.get("group") or ROOT,
                by=timeline.get("by") or ROOT,
                place=timeline.get("place") or ROOT,
                source=timeline.get("source"),
                known_at=known_at,
            )
            fields = write_timeline(result, out, names=names)
    package = datapackage(
        csv_path,
        fields,
        name=f"{slug(incident)}-{kind}",
        title=f"{title}: {kind}",
        digest=digest,
        ledger={"incident": incident, "as_of": _when(as_of), "known_at": _when(known_at)},
        created=now or dt.datetime.now(dt.UTC),
    )
    target = folder / "datapackage.json"
    with replacing(target) as out:
        json.dump(package, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return target


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else _cell(value)


def datapackage(
    path: Path,
    fields: Sequence[Field],
    *,
    name: str,
    title: str,
    digest: Digest,
    ledger: dict[str, Any],
    created: dt.datetime,
) -> dict[str, Any]:
    """A Frictionless Data Package (v2) for one HXL sheet: the header is row 1, the hashtag
    row 2 is a comment row to tools that do not read HXL."""
    data = path.read_bytes()
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": name,
        "title": title,
        "created": _cell(created),
        "resources": [
            {
                "name": name,
                "type": "table",
                "path": path.name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(data),
                "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
                "dialect": {
                    "$schema": "https://datapackage.org/profiles/2.0/tabledialect.json",
                    "header": True,
                    "headerRows": [1],
                    "commentRows": [2],
                },
                "schema": {
                    "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
                    "fields": [
                        {"name": f.name, "type": f.type, "description": f.description, "hxl": f.hxl}
                        for f in fields
                    ],
                    "missingValues": [""],
                },
            }
        ],
        "ledger": {"digest": str(digest), **ledger},
    }
