"""The read model: plain SQL tables beside the log, kept in the same transaction as each append.

The log is the only source of truth; these tables are derived from it. They hold what a
query must find without reading the log (which incident a report belongs to, which report
ids are taken, which incidents, sources and terms exist) and what users read with their own
tools (Datasette, DuckDB, `pandas.read_sql`, `psql`): every report and every version as
they stand now, and every change with who made it, when on both clocks, and why. The tables
and which of their columns are a contract are documented in docs/design.md.

The table `read_model` records the position and hash of the last record the tables reflect.
A ledger compares it with the log's head on opening; any difference (a restored or edited
file, a library version that appended without maintaining the tables) makes it rebuild
them from the log, one stream at a time. SQLite and PostgreSQL run the same statements:
`db.sql(text)` fills in the schema prefix and the driver's placeholders.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from ledger.codec import EVENTS, EventRegistry, format_time, load_body, parse_time
from ledger.errors import (
    AlreadyExistsError,
    DamagedLedgerError,
    LedgerError,
    StoreError,
    UnknownReportError,
)
from ledger.events import (
    REPORT_EVENTS,
    Event,
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
from ledger.figures import Figure
from ledger.log import Head, NewRecord, Record, StandingRow
from ledger.model import ReportState, ReportStatus, VersionState, fold_report
from ledger.values import Period, Provenance, Verification

#: Bump when the tables' shape or meaning changes: a read model of another format is rebuilt.
FORMAT: Final = 1
#: Records a rebuild decodes and writes at a time.
_REBUILD_SLICE: Final = 1_000
#: Tables in the order a rebuild empties and verify compares them.
TABLES: Final = ("incidents", "sources", "terms", "reports", "report_versions", "report_changes")

#: The statements of the migration that creates the read model; `{p}` is the schema prefix.
DDL: Final = (
    """CREATE TABLE {p}read_model (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE {p}incidents (
        incident TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        places TEXT NOT NULL,
        started_on TEXT,
        position BIGINT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    """CREATE TABLE {p}sources (
        source TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        url TEXT,
        notes TEXT,
        position BIGINT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    """CREATE TABLE {p}terms (
        dimension TEXT NOT NULL,
        term TEXT NOT NULL,
        parent TEXT,
        position BIGINT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (dimension, term)
    )""",
    # One row per report as it stands now; the primary key is what makes report ids unique
    # across every writer, inside the append's transaction.
    """CREATE TABLE {p}reports (
        report_id TEXT PRIMARY KEY,
        incident TEXT NOT NULL,
        source TEXT NOT NULL,
        metric TEXT NOT NULL,
        grp TEXT NOT NULL,
        by_ TEXT NOT NULL,
        place TEXT NOT NULL,
        status TEXT NOT NULL,
        retracted_at TEXT,
        versions INTEGER NOT NULL,
        figure TEXT NOT NULL,
        language TEXT NOT NULL,
        low BIGINT NOT NULL,
        high BIGINT,
        best BIGINT,
        reported_at TEXT NOT NULL,
        filed_position BIGINT NOT NULL,
        last_position BIGINT NOT NULL
    )""",
    "CREATE INDEX reports_by_incident ON {p}reports (incident, filed_position)",
    """CREATE TABLE {p}report_versions (
        report_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        figure TEXT NOT NULL,
        language TEXT NOT NULL,
        low BIGINT NOT NULL,
        high BIGINT,
        best BIGINT,
        reported_at TEXT NOT NULL,
        period_start TEXT,
        period_end TEXT,
        via TEXT,
        citation TEXT,
        quote TEXT,
        verification TEXT NOT NULL,
        notes TEXT,
        position BIGINT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (report_id, version)
    )""",
    """CREATE TABLE {p}report_changes (
        position BIGINT PRIMARY KEY,
        report_id TEXT NOT NULL,
        incident TEXT NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER,
        reported_at TEXT,
        recorded_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT
    )""",
    "CREATE INDEX report_changes_by_report ON {p}report_changes (report_id, position)",
)


#: The migration that gives each version the text of its personal fields (issue 16), as a
#: JSON object (NULL for none): added after the tables shipped, so a column of its own.
PERSONAL_COLUMN: Final = "ALTER TABLE {p}report_versions ADD COLUMN personal TEXT"


def _relaid(table: str, *, old: str, new: str, suffix: str = "") -> tuple[str, ...]:
    """Statements that copy `table` into the shape DDL gives it with `old` read as `new`."""
    (create,) = (s for s in DDL if s.startswith(f"CREATE TABLE {{p}}{table} ("))
    shaped = create.replace(old, new).replace(f"{{p}}{table} (", f"{table}_relaid (") + suffix
    return (
        shaped,
        f"INSERT INTO {table}_relaid SELECT * FROM {table}",  # noqa: S608 - our own names
        f"DROP TABLE {table}",
        f"ALTER TABLE {table}_relaid RENAME TO {table}",
    )


#: PostgreSQL's index of a report's changes, with `kind` before `position`: the last
#: retraction or void is then found in the index, whatever the table's visibility map
#: says, where a filter on `kind` visited every change's row (15 ms a cold tally).
POSTGRES_CHANGES_INDEX: Final = (
    "DROP INDEX {p}report_changes_by_report",
    "CREATE INDEX report_changes_by_report ON {p}report_changes (report_id, kind, position)",
)

#: SQLite's migration 7: the same tables and columns, laid out for the reads they serve. A
#: tally from the read model seeks each of an incident's reports and walks its versions;
#: clustered by (report_id, version) those versions share pages instead of each taking its
#: own, read one at a time. `position` becomes report_changes' rowid, one B-tree fewer for
#: every append to write, and its index by report carries `kind`. PostgreSQL keeps heaps
#: and indexes: its migration 8 changes only that index (`POSTGRES_CHANGES_INDEX`).
SQLITE_LAYOUT: Final = (
    *_relaid("report_versions", old="", new="", suffix=" WITHOUT ROWID"),
    *_relaid(
        "report_changes", old="position BIGINT PRIMARY KEY", new="position INTEGER PRIMARY KEY"
    ),
    # With `kind`, a report's changes and its last retraction or void are found from the
    # index alone, not from rows scattered along the log's order.
    "CREATE INDEX report_changes_by_report ON report_changes (report_id, position, kind)",
)

_KIND: Final[dict[type[Event], str]] = {
    ReportFiled: "filed",
    ReportRevised: "revised",
    ReportCorrected: "corrected",
    ReportRetracted: "retracted",
    ReportVoided: "voided",
}


class Database(Protocol):
    """What the read model needs of a store's connection, inside its transaction."""

    def sql(self, text: str) -> str:
        """`text` with `{p}` filled in (the schema prefix), `{c}` (after a text column in
        an ORDER BY) with the collation that orders text by its UTF-8 bytes, as SQLite
        does, and `?` as the driver's mark."""
        ...

    def rows(self, text: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...

    def stream(self, text: str) -> Iterator[tuple[Any, ...]]:
        """The rows of a query without parameters, read as they are iterated: a table's
        rows one at a time, not the table in memory."""
        ...

    def each(
        self, text: str, ids: Sequence[str], *, order: str | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows of `text` for each of `ids` at once, sorted by `order` (columns of its
        result) if given: `text` names the one id as `= {id}`. A planner must seek each id
        in its index whatever statistics it has: PostgreSQL without any (autovacuum off, a
        bulk load not yet analyzed) scans a million rows for `IN (...)`."""
        ...

    def run(self, text: str, params: Sequence[object] = ()) -> None: ...

    def run_many(self, text: str, rows: Iterable[Sequence[object]]) -> None: ...


class SQLiteDatabase:
    """A `Database` over a `sqlite3` connection: the SQLite store's, or verify's scratch one."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def sql(self, text: str) -> str:
        return text.replace("{p}", "").replace("{c}", "")

    def rows(self, text: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(self.sql(text), params).fetchall()

    def stream(self, text: str) -> Iterator[tuple[Any, ...]]:
        yield from self._conn.execute(self.sql(text))

    def each(
        self, text: str, ids: Sequence[str], *, order: str | None = None
    ) -> list[tuple[Any, ...]]:
        marks = ", ".join("?" * len(ids))
        query = text.replace("= {id}", f"IN ({marks})")
        if order is not None:  # by the result's columns, as on PostgreSQL
            query = f"SELECT * FROM ({query}) ORDER BY {order}"  # noqa: S608 - our own statement
        return self.rows(query, ids)

    def run(self, text: str, params: Sequence[object] = ()) -> None:
        self._conn.execute(self.sql(text), params)

    def run_many(self, text: str, rows: Iterable[Sequence[object]]) -> None:
        self._conn.executemany(self.sql(text), rows)


def head(db: Database) -> Head | None:
    """The log head the tables reflect; None if they were never built or are of another format."""
    values = dict(db.rows("SELECT name, value FROM {p}read_model"))
    if reflected(values.get("format"), values.get("position")) is None:
        return None
    return Head(position=int(values["position"]), hash=values["hash"], recorded_at=None)


#: The two values `reflected` reads, as columns a store may add to a statement of its own:
#: an append reads them with the log's head, in the one query it runs before writing.
HEAD_COLUMNS: Final = (
    "(SELECT value FROM {p}read_model WHERE name = 'format'),"
    " (SELECT value FROM {p}read_model WHERE name = 'position')"
)


def reflected(format_: object, position: object) -> int | None:
    """The position of the last record the tables reflect, from the format and position
    `head` or `HEAD_COLUMNS` read; None if they were never built or are of another format."""
    if format_ != str(FORMAT) or position is None:
        return None
    return int(str(position))


def set_head(db: Database, position: int, hash_: str) -> None:
    db.run_many(
        "INSERT INTO {p}read_model (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [("format", str(FORMAT)), ("position", str(position)), ("hash", hash_)],
    )


def report_incident(db: Database, report_id: str) -> str | None:
    found = db.rows("SELECT incident FROM {p}reports WHERE report_id = ?", (report_id,))
    return str(found[0][0]) if found else None


def incident_opening(db: Database, incident: str) -> int | None:
    found = db.rows("SELECT position FROM {p}incidents WHERE incident = ?", (incident,))
    return int(found[0][0]) if found else None


def report_counts(db: Database) -> dict[str, int]:
    return {
        str(row[0]): int(row[1])
        for row in db.rows("SELECT incident, count(*) FROM {p}reports GROUP BY incident")
    }


def incident_ids(db: Database) -> list[str]:
    return [incident for incident, _ in incident_openings(db)]


def incident_openings(db: Database) -> list[tuple[str, int]]:
    return [
        (str(row[0]), int(row[1]))
        for row in db.rows("SELECT incident, position FROM {p}incidents ORDER BY position")
    ]


#: Each report of an incident, its last retraction or void, its version standing at a
#: reported instant (the last reported by then: versions are in reported order, as
#: `ReportState.version_as_of` relies on too) and the version after that, with the stored
#: body of every record the row cites. `{standing}` picks the standing version. The last
#: retraction's or void's record is joined on the subquery that finds it, not through a
#: join of `report_changes` on that subquery, which PostgreSQL planned as a hash of the
#: whole table: a full scan per question (0.2 s at a million changes).
_STANDING: Final = """
    SELECT r.report_id, r.source, r.metric, r.grp, r.by_, r.place, r.filed_position, f.body,
        r.status, r.retracted_at, r.versions,
        (SELECT count(*) FROM {p}report_changes k WHERE k.report_id = r.report_id),
        ce.position, ce.body,
        v.version, v.figure, v.language, v.reported_at, v.period_start, v.period_end, v.via,
        v.citation, v.quote, v.verification, v.notes, v.position, e.body,
        n.reported_at, n.position, ne.body, v.personal
    FROM {p}reports r
    JOIN {p}events f ON f.position = r.filed_position
    LEFT JOIN {p}events ce ON ce.position = (
        SELECT max(x.position) FROM {p}report_changes x
        WHERE x.report_id = r.report_id AND x.kind IN ('retracted', 'voided'))
    LEFT JOIN {p}report_versions v ON v.report_id = r.report_id AND v.version = {standing}
    LEFT JOIN {p}events e ON e.position = v.position
    LEFT JOIN {p}report_versions n
        ON n.report_id = r.report_id AND n.version = coalesce(v.version + 1, 0)
    LEFT JOIN {p}events ne ON ne.position = n.position
    WHERE r.incident = ?
    ORDER BY r.filed_position"""
_AT: Final = _STANDING.replace(
    "{standing}",
    "(SELECT max(w.version) FROM {p}report_versions w"
    " WHERE w.report_id = r.report_id AND w.reported_at <= ?)",
)
_NOW: Final = _STANDING.replace("{standing}", "r.versions - 1")


def standing(db: Database, incident: str, as_of: dt.datetime | None) -> list[StandingRow]:
    if as_of is None:
        rows = db.rows(_NOW, (incident,))
    else:
        rows = db.rows(_AT, (format_time(as_of), incident))
    # Bodies as bytes: PostgreSQL's driver may hand a BYTEA over as a memoryview.
    return [
        StandingRow._make(
            [bytes(value) if isinstance(value, memoryview) else value for value in row]
        )
        for row in rows
    ]


def write(db: Database, records: Sequence[Record], news: Sequence[NewRecord]) -> None:
    """Bring the tables up to date with a batch just appended, in the append's transaction.

    `news[i]` is what `records[i]` was appended from: its event, actor and reason, and for a
    report event the report after it, as the appender's check folded it. A report event
    without that state is folded here from the report as the tables hold it.
    """
    _write_rows(db, records, news)
    if records:
        # The format row stays as the tables were built: only a rebuild writes it.
        db.run_many(
            "UPDATE {p}read_model SET value = ? WHERE name = ?",
            [(str(records[-1].position), "position"), (records[-1].hash, "hash")],
        )


def _write_rows(db: Database, records: Sequence[Record], news: Sequence[NewRecord]) -> None:
    filed = [n.event.report_id for n in news if isinstance(n.event, ReportFiled)]
    if filed:
        _refuse_taken(db, filed)
    batch = _Reports()
    for record, new in zip(records, news, strict=True):
        event = new.event
        if isinstance(event, REPORT_EVENTS):
            batch.add(db, record, new, event)
        elif isinstance(event, FieldRedacted):
            # A change to what the report's record says, with who, when and why, though
            # not to any figure: listed, so every event of an incident's stream but its
            # opening is one change of its reports (ledger._standing counts on it).
            recorded_at = format_time(record.recorded_at)
            batch.note(
                record, recorded_at, new, event, kind="redacted", version=None, reported_at=None
            )
        else:
            _write_vocabulary(db, record, event)
    if batch.changes:
        batch.write(db)


def _write_vocabulary(db: Database, record: Record, event: Event | None) -> None:
    """An incident, a source or a term: one row each, never changed."""
    recorded_at = format_time(record.recorded_at)
    match event:
        case IncidentOpened():
            started_on = None if event.started_on is None else event.started_on.isoformat()
            db.run(
                "INSERT INTO {p}incidents VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.incident,
                    event.title,
                    json.dumps(list(event.places)),
                    started_on,
                    record.position,
                    recorded_at,
                ),
            )
        case SourceRegistered():
            db.run(
                "INSERT INTO {p}sources VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event.source,
                    event.name,
                    event.kind.value,
                    event.url,
                    event.notes,
                    record.position,
                    recorded_at,
                ),
            )
        case TaxonomyExtended():
            db.run(
                "INSERT INTO {p}terms VALUES (?, ?, ?, ?, ?)",
                (event.dimension.value, event.term, event.parent, record.position, recorded_at),
            )
        case _:  # pragma: no cover - the codec only yields registered events
            pass


class _Reports:
    """The report rows a batch changes, gathered so each table takes one statement."""

    def __init__(self) -> None:
        #: Each report the batch touched, as it stands after the batch.
        self.states: dict[str, ReportState] = {}
        self.filed: set[str] = set()
        #: Each report's first and last position in the batch.
        self.spans: dict[str, tuple[int, int]] = {}
        #: (report, version) -> that version's row, as the batch last changed it.
        self.versions: dict[tuple[str, int], tuple[object, ...]] = {}
        self.changes: list[tuple[object, ...]] = []

    def add(self, db: Database, record: Record, new: NewRecord, event: Event) -> None:
        assert isinstance(event, REPORT_EVENTS)  # noqa: S101 - `write` checked
        report_id = event.report_id
        after = new.report
        if after is None:
            before = self.states.get(report_id)
            if before is None and not isinstance(event, ReportFiled):
                before = _report(db, report_id)
            after = fold_report(before, event)
        self.states[report_id] = after
        first = self.spans.get(report_id, (record.position,))[0]
        self.spans[report_id] = (first, record.position)
        if isinstance(event, ReportFiled):
            self.filed.add(report_id)
        recorded_at = format_time(record.recorded_at)
        version = _changed_version(event, after)
        if version is None:  # a retraction or a void: effective at its own time, or none
            reported_at = (
                format_time(event.reported_at) if isinstance(event, ReportRetracted) else None
            )
        else:
            row = _version_row(report_id, version, after.versions[version], record, recorded_at)
            self.versions[report_id, version] = row
            reported_at = str(row[7])  # when the version it changed takes effect
        self.note(
            record, recorded_at, new, event,
            kind=_KIND[type(event)], version=version, reported_at=reported_at,
        )  # fmt: skip

    def note(
        self,
        record: Record,
        recorded_at: str,
        new: NewRecord,
        event: ReportFiled
        | ReportRevised
        | ReportCorrected
        | ReportRetracted
        | ReportVoided
        | FieldRedacted,
        *,
        kind: str,
        version: int | None,
        reported_at: str | None,
    ) -> None:
        """List one change to a report: `report_changes`' row for `record`."""
        self.changes.append(
            (
                record.position,
                event.report_id,
                event.incident,
                kind,
                version,
                reported_at,
                recorded_at,
                new.actor,
                new.reason,
            )
        )

    def write(self, db: Database) -> None:
        rows = {report_id: _report_row(state) for report_id, state in self.states.items()}
        inserts = [
            (report_id, *row, *self.spans[report_id])
            for report_id, row in rows.items()
            if report_id in self.filed
        ]
        if inserts:
            db.run_many(
                "INSERT INTO {p}reports VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
        # A report never leaves its incident, and leaving `incident` out of the update
        # spares the index by incident a page each commit.
        updates = [
            (*row[1:], self.spans[report_id][1], report_id)
            for report_id, row in rows.items()
            if report_id not in self.filed
        ]
        if updates:
            db.run_many(
                "UPDATE {p}reports SET source = ?, metric = ?, grp = ?, by_ = ?,"
                " place = ?, status = ?, retracted_at = ?, versions = ?, figure = ?, language = ?,"
                " low = ?, high = ?, best = ?, reported_at = ?, last_position = ?"
                " WHERE report_id = ?",
                updates,
            )
        db.run_many(
            "INSERT INTO {p}report_versions VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (report_id, version) DO UPDATE SET figure = excluded.figure,"
            " language = excluded.language, low = excluded.low, high = excluded.high,"
            " best = excluded.best, reported_at = excluded.reported_at,"
            " period_start = excluded.period_start, period_end = excluded.period_end,"
            " via = excluded.via, citation = excluded.citation, quote = excluded.quote,"
            " verification = excluded.verification, notes = excluded.notes,"
            " position = excluded.position, recorded_at = excluded.recorded_at,"
            " personal = excluded.personal",
            list(self.versions.values()),
        )
        db.run_many(
            "INSERT INTO {p}report_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.changes
        )


def _report_row(state: ReportState) -> tuple[object, ...]:
    latest = state.latest
    return (
        state.incident,
        state.source,
        state.metric,
        state.group,
        state.by,
        state.place,
        state.status.value,
        None if state.retracted_at is None else format_time(state.retracted_at),
        len(state.versions),
        latest.figure.text,
        latest.figure.language.value,
        latest.figure.low,
        latest.figure.high,
        latest.figure.best,
        format_time(latest.reported_at),
    )


def _version_row(
    report_id: str, index: int, version: VersionState, record: Record, recorded_at: str
) -> tuple[object, ...]:
    *fields, personal = _version_fields(version)
    return (report_id, index, *fields, record.position, recorded_at, personal)


def _version_fields(version: VersionState) -> tuple[object, ...]:
    """A version's row but for its report, index and the record that wrote it."""
    provenance, period = version.provenance, version.period
    return (
        version.figure.text,
        version.figure.language.value,
        version.figure.low,
        version.figure.high,
        version.figure.best,
        format_time(version.reported_at),
        None if period.start is None else period.start.isoformat(),
        None if period.end is None else period.end.isoformat(),
        provenance.via,
        provenance.citation,
        provenance.quote,
        provenance.verification.value,
        provenance.notes,
        _personal_text(provenance.personal),
    )


def _personal_text(personal: Mapping[str, str]) -> str | None:
    return json.dumps(dict(personal), ensure_ascii=False) if personal else None


def _refuse_taken(db: Database, report_ids: list[str]) -> None:
    """Refuse a filing whose id another report holds: another writer may have filed it into
    another incident since the appender checked, and only this transaction can tell."""
    seen: set[str] = set()
    for report_id in report_ids:
        if report_id in seen:
            raise AlreadyExistsError("report_id", report_id)
        seen.add(report_id)
    for chunk in _chunks(report_ids):
        taken = db.each("SELECT report_id FROM {p}reports WHERE report_id = {id}", chunk)
        if taken:
            raise AlreadyExistsError("report_id", str(taken[0][0]))


def _changed_version(event: Event, after: ReportState) -> int | None:
    if isinstance(event, ReportFiled):
        return 0
    if isinstance(event, ReportRevised):
        return len(after.versions) - 1
    if isinstance(event, ReportCorrected):
        return event.version
    return None


def version_state(  # noqa: PLR0917 - one column each, in the table's order
    figure: str,
    language: str,
    reported_at: str,
    period_start: str | None,
    period_end: str | None,
    via: str | None,
    citation: str | None,
    quote: str | None,
    verification: str,
    notes: str | None,
    personal: str | None,
) -> VersionState:
    """A version as its `report_versions` row holds it: what `_version_row` wrote."""
    day = dt.date.fromisoformat
    return VersionState(
        figure=Figure.parse(figure, language=language),
        reported_at=parse_time(reported_at),
        period=Period(
            start=None if period_start is None else day(period_start),
            end=None if period_end is None else day(period_end),
        ),
        provenance=Provenance(
            via=via,
            citation=citation,
            quote=quote,
            verification=Verification(verification),
            notes=notes,
            personal=None if personal is None else json.loads(personal),
        ),
    )


def _report(db: Database, report_id: str) -> ReportState:
    """The report as the tables hold it now, to fold an event that came without its state."""
    found = db.rows(
        "SELECT incident, source, metric, grp, by_, place, status, retracted_at"
        " FROM {p}reports WHERE report_id = ?",
        (report_id,),
    )
    if not found:
        raise UnknownReportError("report_id", report_id)
    incident, source, metric, group, by, place, status, retracted_at = found[0]
    versions = tuple(
        version_state(*row)
        for row in db.rows(
            "SELECT figure, language, reported_at, period_start, period_end, via, citation,"
            " quote, verification, notes, personal FROM {p}report_versions"
            " WHERE report_id = ? ORDER BY version",
            (report_id,),
        )
    )
    return ReportState(
        report_id=report_id,
        incident=incident,
        source=source,
        metric=metric,
        group=group,
        by=by,
        place=place,
        versions=versions,
        status=ReportStatus(status),
        retracted_at=None if retracted_at is None else parse_time(retracted_at),
    )


#: The columns of a report's row, and of its versions' rows, that `_report_row` and
#: `_version_fields` give (after the version's number): what `holds` compares.
_REPORT_ROWS: Final = (
    "SELECT report_id, incident, source, metric, grp, by_, place, status, retracted_at,"
    " versions, figure, language, low, high, best, reported_at"
    " FROM {p}reports WHERE report_id = {id}"
)
_VERSION_ROWS: Final = (
    "SELECT report_id, version, figure, language, low, high, best, reported_at, period_start,"
    " period_end, via, citation, quote, verification, notes, personal FROM {p}report_versions"
    " WHERE report_id = {id}"
)


def holds(db: Database, states: Sequence[ReportState]) -> bool:
    """Whether the tables hold each of these reports as it is given: its row, and each of
    its versions' rows, but for which records wrote them. The tables' text is compared as
    it is stored, so nothing is parsed."""
    reports: dict[str, tuple[object, ...]] = {}
    versions: dict[str, list[tuple[object, ...]]] = {}
    for chunk in _chunks([state.report_id for state in states]):
        for row in db.each(_REPORT_ROWS, chunk):
            reports[row[0]] = tuple(row[1:])
        for row in db.each(_VERSION_ROWS, chunk, order="report_id, version"):
            versions.setdefault(row[0], []).append(tuple(row[2:]))
    return all(
        reports.get(state.report_id) == _report_row(state)
        and versions.get(state.report_id) == [_version_fields(v) for v in state.versions]
        for state in states
    )


def change_actors(db: Database) -> list[str]:
    return sorted(str(row[0]) for row in db.rows("SELECT DISTINCT actor FROM {p}report_changes"))


#: Each record the tables list as a change to a report, with that report's id, then the
#: record's columns as the stores read them from the log.
_LISTED: Final = (
    "SELECT c.report_id, e.position, e.stream, e.version, e.event_id, e.recorded_at, e.body,"
    " e.hash FROM {p}report_changes c JOIN {p}events e ON e.position = c.position"
    " WHERE c.report_id = {id}"
)


def listed_records(db: Database, report_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """The rows of `_LISTED` for these reports, in position order."""
    rows = []
    for chunk in _chunks(report_ids):
        rows.extend(db.each(_LISTED, chunk, order="position"))
    if len(report_ids) > _CHUNK:
        rows.sort(key=lambda row: int(row[1]))
    return rows


#: Ids one statement names at most: far below any driver's limit on parameters.
_CHUNK: Final = 500


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    """`ids` a statement's worth at a time."""
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def rebuild(
    db: Database,
    read_stream: Callable[[str], Iterable[Record]],
    streams: Sequence[str],
    head_: Head,
    *,
    registry: EventRegistry = EVENTS,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Empty the tables and derive them again from the log, one stream at a time, so memory
    holds one incident's reports at most; the caller holds the write transaction."""
    for table in TABLES:
        db.run(f"DELETE FROM {{p}}{table}")  # noqa: S608 - our own table names
    db.run("DELETE FROM {p}read_model")
    done = 0
    for stream in streams:
        states: dict[str, ReportState] = {}  # the stream's reports, folded so far
        records = iter(read_stream(stream))
        # A stream's events are written a slice at a time: what a slice decodes (events,
        # and the report after each) is let go once its rows are written, so a long
        # incident holds its reports' states, not its events, and the collector's full
        # passes do not walk them (a third of a rebuild's time when they did).
        while chunk := list(itertools.islice(records, _REBUILD_SLICE)):
            batch = [_refolded(record, states, registry) for record in chunk]
            try:
                _write_rows(db, chunk, [new for _, new in batch])
            except AlreadyExistsError as exc:  # an id another stream's report holds
                raise DamagedLedgerError(
                    "rebuilding the read model",
                    chunk[0].position,
                    f"its events do not replay: {exc}",
                ) from exc
            done += len(chunk)
            if progress is not None:
                progress(done, head_.position)
    set_head(db, head_.position, head_.hash)


def after_redaction(
    db: Database,
    read_stream: Callable[[str], Iterable[Record]],
    streams: Sequence[str],
    head_: Head,
    bodies: Iterable[bytes],
    *,
    registry: EventRegistry = EVENTS,
) -> None:
    """Take erased text out of the tables, in the redaction's transaction: derive again the
    rows of the reports whose records now hold `bodies`, from their incidents' streams,
    and leave every other row as it is (one incident's records read, not the log). Tables
    that do not reflect the log up to `head_` are rebuilt whole instead."""
    reflected = head(db)
    if reflected is None or (reflected.position, reflected.hash) != (head_.position, head_.hash):
        rebuild(db, read_stream, streams, head_, registry=registry)
        return
    named: dict[str, set[str]] = {}  # incident -> the ids of its reports to derive again
    for body in bodies:
        event = registry.decode(body).event
        if isinstance(event, REPORT_EVENTS):
            named.setdefault(event.incident, set()).add(event.report_id)
    for incident, report_ids in named.items():
        for table in ("reports", "report_versions", "report_changes"):
            db.run_many(
                f"DELETE FROM {{p}}{table} WHERE report_id = ?",  # noqa: S608 - our own names
                [(report_id,) for report_id in sorted(report_ids)],
            )
        states: dict[str, ReportState] = {}
        batch = [
            _refolded(record, states, registry)
            for record in read_stream(incident)
            if _report_of(record) in report_ids
        ]
        _write_rows(db, [record for record, _ in batch], [new for _, new in batch])


def _report_of(record: Record) -> object:
    """The report id a record's event names, read without decoding the event (None if none)."""
    raw = load_body(record.body, position=record.position)
    data = raw.get("data") if isinstance(raw, dict) else None
    return data.get("report_id") if isinstance(data, dict) else None


def _refolded(
    record: Record, states: dict[str, ReportState], registry: EventRegistry
) -> tuple[Record, NewRecord]:
    """A stored record as an appender would have handed it over: its event, and the report
    after it, folded from `states` (its stream's reports so far), which it updates."""
    try:
        body = registry.decode(record.body, position=record.position)
        event = body.event
        after = None
        if isinstance(event, ReportFiled) and event.report_id in states:
            raise AlreadyExistsError("report_id", event.report_id)
        if isinstance(event, REPORT_EVENTS):
            after = states[event.report_id] = fold_report(states.get(event.report_id), event)
    except StoreError:
        raise
    except LedgerError as exc:
        # No appender could have written this: the file is damaged, and says where.
        raise DamagedLedgerError(
            "rebuilding the read model", record.position, f"its events do not replay: {exc}"
        ) from exc
    new = NewRecord(
        event_id=record.event_id,
        stream=record.stream,
        body=record.body,
        event=event,
        actor=body.actor,
        reason=body.reason,
        report=after,
    )
    return record, new


def first_difference(
    db: Database,
    read_stream: Callable[[str], Iterable[Record]],
    streams: Sequence[str],
    head_: Head,
    *,
    registry: EventRegistry = EVENTS,
) -> tuple[int, str] | None:
    """Where the tables differ from what the log gives, as (position, description): the
    tables are derived afresh into a scratch file (bounded memory) and compared row by row.
    The position is the differing row's, or the head's for a row that has none."""
    if (found := head_difference(db, head_)) is not None:
        return found
    import tempfile  # noqa: PLC0415 - only `verify` builds a scratch copy

    with tempfile.TemporaryDirectory(prefix="ledger-verify-") as directory:
        conn = sqlite3.connect(Path(directory) / "expected.db", isolation_level=None)
        try:
            expected = SQLiteDatabase(conn)
            conn.execute("BEGIN")
            for statement in (*DDL, PERSONAL_COLUMN):
                expected.run(statement)
            rebuild(expected, read_stream, streams, head_, registry=registry)
            for table in TABLES:
                found = _compare(table, db, expected)
                if found is not None:
                    return found
        finally:
            conn.close()
    return None


def head_difference(db: Database, head_: Head) -> tuple[int, str] | None:
    """Where the head the tables reflect differs from the log's, `head_`: the tables are of
    another log, or of a part of it, if it does."""
    reflected = head(db)
    if reflected is None:
        return head_.position, "the read model was never built: run `ledger reindex`"
    if reflected.position > head_.position:
        return head_.position + 1, (
            f"the read model reflects {reflected.position} records, but the log holds "
            f"{head_.position}: records were removed from its end"
        )
    if reflected.position < head_.position:
        return reflected.position + 1, (
            f"the read model reflects only the first {reflected.position} records: run "
            "`ledger reindex`"
        )
    if reflected.hash != head_.hash:
        return head_.position, (
            "the read model reflects a log whose head had another hash: the log was "
            "rewritten, or the read model copied from another"
        )
    return None


def _compare(table: str, actual: Database, expected: Database) -> tuple[int, str] | None:
    """The first row where the stored table and the derived one differ, both read in the
    order of the table's key (text by its bytes on either database), a row at a time: the
    check's memory does not grow with the log."""
    order = ", ".join(f"{column}{{c}}" if text else column for column, text in _KEYS[table])
    query = f"SELECT * FROM {{p}}{table} ORDER BY {order}"  # noqa: S608 - our own names
    for stored, wanted in itertools.zip_longest(actual.stream(query), expected.stream(query)):
        if stored != wanted:
            return _row_position(table, wanted, stored), (
                f"table {table}: the read model holds {stored!r} where the log gives "
                f"{wanted!r}; run `ledger reindex`"
            )
    return None


def _row_position(
    table: str, wanted: tuple[Any, ...] | None, stored: tuple[Any, ...] | None
) -> int:
    """The log position a differing row names: the derived row's, which has the table's
    shape; a stored row may have been edited into any shape or value, so it is read warily,
    and one that names none is placed at position 0."""
    at = _POSITION[table]
    for row in (wanted, stored):
        if row is not None and at < len(row):
            try:
                return int(row[at])
            except (TypeError, ValueError):
                continue
    return 0


#: Each table's key, in order, and whether each of its columns holds text.
_KEYS: Final = {
    "incidents": (("incident", True),),
    "sources": (("source", True),),
    "terms": (("dimension", True), ("term", True)),
    "reports": (("report_id", True),),
    "report_versions": (("report_id", True), ("version", False)),
    "report_changes": (("position", False),),
}

#: The column of each table that names a log position.
_POSITION: Final = {
    "incidents": 4,
    "sources": 5,
    "terms": 3,
    "reports": 17,
    "report_versions": 15,
    "report_changes": 0,
}
