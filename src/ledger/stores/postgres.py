"""The shared store: one PostgreSQL schema that many processes on many machines append to.

Appends are serialized by a transaction-level advisory lock, and each takes its positions from
the head it reads while holding that lock. A transaction releases its locks only after its
commit is visible, so positions become visible in the order they were assigned: a reader that
sees position n sees every position before it, and a tailing subscriber never skips an event
that was still committing (the sequence-gap problem of positions drawn from a sequence).

Each append also sends a notification on the schema's channel, delivered at commit, which
`listen` turns into a prompt wake-up for subscribers; they poll as well, so a lost
notification only delays them. The schema's migrations are recorded in its own
`schema_migrations` table, as in the SQLite store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ledger.errors import LedgerError, StoreError
from ledger.model import ReportState
from ledger.stores import _merkle, _readmodel

try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
except ImportError as exc:  # pragma: no cover - exercised only without the extra installed
    raise StoreError(
        "the PostgreSQL store needs psycopg: pip install 'incident-ledger[postgres]'"
    ) from exc

from ledger.log import (
    EMPTY_HEAD,
    Checkpoint,
    Head,
    NewRecord,
    Record,
    StandingRow,
    check_expected,
    check_redaction,
    link,
    retried_positions,
)
from ledger.merkle import Node
from ledger.stores._schema_names import schema_name

_PAGE: Final = 2_000
#: Seconds to wait for a server that does not answer, unless the address says otherwise.
_CONNECT_TIMEOUT: Final = 10
#: A listener whose connection broke tries to reconnect at most this often (seconds).
_RELISTEN_EVERY: Final = 1.0
_NAME_LIMIT: Final = 63  # PostgreSQL truncates identifiers, channel names included, to 63 bytes
T = TypeVar("T")

#: (version, name, statements). Append only; never edit a migration that has shipped.
#: `{schema}` is filled in with the quoted schema name, never with anything a user typed raw.
MIGRATIONS: Final[tuple[tuple[int, str, tuple[str, ...]], ...]] = (
    (
        1,
        "create the event log",
        (
            """CREATE TABLE {schema}.events (
                position BIGINT PRIMARY KEY CHECK (position > 0),
                stream TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version > 0),
                event_id TEXT NOT NULL UNIQUE,
                recorded_at TIMESTAMPTZ NOT NULL,
                body BYTEA NOT NULL,
                hash TEXT NOT NULL,
                UNIQUE (stream, version)
            )""",
            "CREATE INDEX events_by_stream ON {schema}.events (stream, position)",
            # The log is append-only at the lowest level too: a bug or a careless script
            # cannot update, delete or truncate a record without first disabling triggers.
            """CREATE FUNCTION {schema}.events_append_only() RETURNS trigger
               LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$""",
            """CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON {schema}.events
               FOR EACH ROW EXECUTE FUNCTION {schema}.events_append_only()""",
            """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {schema}.events
               FOR EACH STATEMENT EXECUTE FUNCTION {schema}.events_append_only()""",
        ),
    ),
    (
        2,
        "add projection checkpoints",
        (
            """CREATE TABLE {schema}.checkpoints (
                name TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                position BIGINT NOT NULL,
                state BYTEA NOT NULL,
                saved_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )""",
        ),
    ),
    (
        3,
        "drop events_by_stream: stream reads use the (stream, version) index",
        # As in the SQLite store: each index costs every append a write, and the UNIQUE
        # (stream, version) index orders a stream's records as positions do.
        ("DROP INDEX IF EXISTS {schema}.events_by_stream",),
    ),
    (
        4,
        "add the read model: reports, versions, changes, incidents, sources and terms",
        # Created empty: the first ledger to open the schema builds them from the log.
        tuple(statement.replace("{p}", "{schema}.") for statement in _readmodel.DDL),
    ),
    (
        5,
        "bind each checkpoint to the hash of the record it was folded up to",
        ("ALTER TABLE {schema}.checkpoints ADD COLUMN hash TEXT",),
    ),
    (
        6,
        "add the Merkle tree over the records, built from the log at once",
        (
            """CREATE TABLE {schema}.merkle_nodes (
                level INTEGER NOT NULL,
                idx BIGINT NOT NULL,
                hash BYTEA NOT NULL,
                PRIMARY KEY (level, idx)
            )""",
            """CREATE TRIGGER merkle_no_change BEFORE UPDATE OR DELETE ON {schema}.merkle_nodes
               FOR EACH ROW EXECUTE FUNCTION {schema}.events_append_only()""",
            """CREATE TRIGGER merkle_no_truncate BEFORE TRUNCATE ON {schema}.merkle_nodes
               FOR EACH STATEMENT EXECUTE FUNCTION {schema}.events_append_only()""",
        ),
    ),
    (
        7,
        "record each report version's personal fields in the read model",
        # Empty for every version written before: no record could hold a personal field.
        (_readmodel.PERSONAL_COLUMN.replace("{p}", "{schema}."),),
    ),
    (
        8,
        "index a report's changes by kind, so its last retraction is found in the index",
        tuple(
            statement.replace("{p}", "{schema}.") for statement in _readmodel.POSTGRES_CHANGES_INDEX
        ),
    ),
)
SCHEMA_VERSION: Final = MIGRATIONS[-1][0]
#: The migration that added the read model.
_READ_MODEL: Final = 4
#: The migration that added the Merkle tree.
_TREE: Final = 6
#: The first server version with JIT compilation (PostgreSQL 11).
_JIT_SERVER: Final = 110_000
#: Rows a server-side cursor fetches at a time.
_STREAM_ROWS: Final = 2_000

_COLUMNS: Final = sql.SQL("position, stream, version, event_id, recorded_at, body, hash")
#: The unique constraints the schema's guarantees rest on, which `check_schema` looks for.
_UNIQUE: Final = (
    ("events", frozenset({"position"})),
    ("events", frozenset({"event_id"})),
    ("events", frozenset({"stream", "version"})),
    ("reports", frozenset({"report_id"})),
)


def redact(address: str) -> str:
    """The address with any password masked, fit for error messages and logs."""
    if "://" in address:
        parts = urlsplit(address)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.partition(':')[0]}:***@{host}" if ":" in user else netloc
        query = urlencode(
            [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)],
            safe="/*",
            quote_via=quote,
        )
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", address)


def split_schema(address: str) -> tuple[str, str | None]:
    """Take a `schema` query parameter out of a URL (libpq would refuse it)."""
    if "://" not in address:
        return address, None
    parts = urlsplit(address)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in pairs if k == "schema"), None)
    if schema is None:
        return address, None
    # libpq decodes %XX but not "+", so spaces (as in `options=-c ...`) must become %20.
    query = urlencode([(k, v) for k, v in pairs if k != "schema"], quote_via=quote)
    return urlunsplit(parts._replace(query=query)), schema


def _lock_key(schema: str, purpose: str) -> int:
    """A stable signed 64-bit advisory lock key per schema: schemas never wait on each other
    (short of a hash collision, which would only serialize them, never break them)."""
    digest = hashlib.sha256(f"incident-ledger:{purpose}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def channel_name(schema: str) -> str:
    name = f"ledger.{schema}"
    if len(name.encode()) <= _NAME_LIMIT:
        return name
    return f"ledger.{hashlib.sha256(schema.encode()).hexdigest()[:40]}"


class PostgresStore:
    """The log in one schema of a PostgreSQL database, shared by any number of processes.

    `address` is a libpq connection string or URL (`postgresql://user@host:5432/db`); a
    `schema` query parameter in a URL, or the `schema` argument, picks the schema (default
    "ledger"), which is created and migrated on first use.
    """

    def __init__(self, address: str, *, schema: str | None = None) -> None:
        conninfo, url_schema = split_schema(address)
        self.address = redact(address)
        self.schema = schema_name(schema if schema is not None else url_schema)
        self._conninfo = conninfo
        self.channel = channel_name(self.schema)
        self._append_key = _lock_key(self.schema, "append")
        # Re-entrant: appends inside `transaction()` take it again on the same thread.
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        self._edge = _merkle.Edge()
        s = sql.Identifier(self.schema)
        self._sql_head = sql.SQL(
            "SELECT position, hash, recorded_at FROM {}.events ORDER BY position DESC LIMIT 1"
        ).format(s)
        self._sql_version = sql.SQL("SELECT max(version) FROM {}.events WHERE stream = %s").format(
            s
        )
        # A binary search down the stream's (stream, version) index, in one round trip:
        # within a stream, positions grow with versions.
        self._sql_version_at = sql.SQL(
            """WITH RECURSIVE search(low, high) AS (
                SELECT 0, (SELECT coalesce(max(version), 0) FROM {0}.events
                           WHERE stream = %(stream)s)
                UNION ALL
                SELECT CASE WHEN probe.at <= %(position)s THEN step.middle ELSE low END,
                       CASE WHEN probe.at <= %(position)s THEN high ELSE step.middle - 1 END
                FROM search
                CROSS JOIN LATERAL (SELECT (low + high + 1) / 2 AS middle) AS step
                CROSS JOIN LATERAL (SELECT coalesce(
                    (SELECT position FROM {0}.events
                     WHERE stream = %(stream)s AND version = step.middle),
                    %(missing)s) AS at) AS probe
                WHERE low < high
            )
            SELECT max(low), max(high) FROM search"""
        ).format(s)
        self._sql_existing = sql.SQL(
            "SELECT event_id, position, stream, body FROM {}.events WHERE event_id = ANY(%s)"
        ).format(s)
        self._sql_window = sql.SQL(
            "SELECT {} FROM {}.events WHERE position > %s AND position <= %s ORDER BY position"
        ).format(_COLUMNS, s)
        self._sql_insert = sql.SQL(
            "INSERT INTO {}.events ({}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        ).format(s, _COLUMNS)
        self._conn = self.connect()
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # Connections.

    def connect(self, *, purpose: str = "store") -> psycopg.Connection[Any]:
        """A new autocommit connection to the store's database (listeners use their own)."""
        options = _conninfo_options(self._conninfo, self.address)
        extra: dict[str, Any] = {}
        if "connect_timeout" not in options:
            extra["connect_timeout"] = _CONNECT_TIMEOUT
        if "application_name" not in options:
            extra["application_name"] = f"incident-ledger {purpose}"
        try:
            conn = psycopg.connect(self._conninfo, autocommit=True, **extra)
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL at {self.address}: {_why(exc)}"
            ) from exc
        # Each statement must see every commit before it, whatever the server's default
        # isolation: the append path reads the head after taking its lock.
        conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        if conn.info.server_version >= _JIT_SERVER:
            # The store's queries are index seeks of a few hundred rows, which the planner's
            # estimates can still price above `jit_above_cost`: compiling them then costs
            # more than running them (270 ms of a 0.3 s cold tally at a million events).
            conn.execute("SET jit = off")
        return conn

    def _connection(self) -> psycopg.Connection[Any]:
        """The store's connection, reopened if the server dropped it since the last call."""
        if self._closed:
            raise StoreError(f"{self.address}: the store is closed")
        if self._conn.closed:
            self._conn = self.connect()
        return self._conn

    def _guard(self, what: str, fn: Callable[[psycopg.Connection[Any]], T]) -> T:
        with self._lock:
            for retry in (True, False):
                conn = self._connection()
                try:
                    return fn(conn)
                except LedgerError:
                    raise
                except psycopg.Error as exc:
                    # A server restart or an idle timeout drops the connection between calls.
                    # One retry on a fresh connection is safe for every operation, appends
                    # included: a retried batch whose first try did commit is recognised by
                    # its event ids and returns the original positions.
                    # Not inside `transaction()`, though: what it wrote went with the connection.
                    if (
                        retry
                        and not self._depth
                        and conn.closed
                        and isinstance(exc, psycopg.OperationalError)
                    ):
                        continue
                    raise StoreError(f"{self.address}: {what} failed: {_why(exc)}") from exc
            raise AssertionError("unreachable")  # pragma: no cover

    def _migrate(self) -> None:
        s = sql.Identifier(self.schema)
        migrations = sql.SQL("{}.schema_migrations").format(s)

        def migrate(conn: psycopg.Connection[Any]) -> None:
            with conn.transaction():
                # Several machines may start at once against a new database: one migrates,
                # the others wait here and then find the work done.
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s)", (_lock_key(self.schema, "migrate"),)
                )
                # pg_tables, unlike information_schema, also lists tables this role cannot use.
                tables = {
                    row[0]
                    for row in conn.execute(
                        "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s",
                        (self.schema,),
                    )
                }
                if "events" in tables and "schema_migrations" not in tables:
                    raise StoreError(
                        f"{self.address}: schema {self.schema!r} has an events table that is "
                        "not an incident-ledger one",
                    )
                if "schema_migrations" not in tables:
                    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s))
                    conn.execute(
                        sql.SQL(
                            "CREATE TABLE {} (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                        ).format(migrations)
                    )
                row = conn.execute(
                    sql.SQL("SELECT coalesce(max(version), 0) FROM {}").format(migrations)
                ).fetchone()
                version = int(row[0]) if row else 0
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.address}: schema {self.schema!r} has version {version}, newer "
                        f"than this incident-ledger knows ({SCHEMA_VERSION}); upgrade to open it",
                    )
                for number, name, statements in MIGRATIONS[version:]:
                    for statement in statements:
                        conn.execute(sql.SQL(statement).format(schema=s))
                    conn.execute(
                        sql.SQL("INSERT INTO {} (version, name) VALUES (%s, %s)").format(
                            migrations
                        ),
                        (number, name),
                    )
                if (
                    version < _READ_MODEL <= SCHEMA_VERSION
                    and _head(conn, self._sql_head) == EMPTY_HEAD
                ):
                    # An empty log's read model is complete as created; a longer log's is
                    # built by the first ledger that opens it.
                    _readmodel.set_head(self._db(conn), 0, EMPTY_HEAD.hash)
                if version < _TREE <= SCHEMA_VERSION:
                    head = _head(conn, self._sql_head).position
                    records = (
                        _record(row)
                        for after in range(0, head, _PAGE)
                        for row in conn.execute(
                            self._sql_window, (after, min(after + _PAGE, head))
                        ).fetchall()
                    )
                    _merkle.catch_up(self._db(conn), records, head=head)

        self._guard("migration", migrate)

    # The contract.

    def append(
        self,
        records: Sequence[NewRecord],
        *,
        now: dt.datetime,
        expected: Mapping[str, int] | None = None,
    ) -> list[Record]:
        if not records:
            return []

        def append(conn: psycopg.Connection[Any]) -> list[Record]:
            with conn.transaction():
                # Everything below, from the idempotency check to the head, is read under the
                # lock, so no other writer can slip in between reading and appending.
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._append_key,))
                existing = {
                    row[0]: (int(row[1]), str(row[2]), bytes(row[3]))
                    for row in conn.execute(self._sql_existing, ([r.event_id for r in records],))
                }
                positions = retried_positions(records, existing)
                if positions is not None:
                    found = {
                        r.position: r
                        for r in map(
                            _record,
                            conn.execute(self._sql_window, (min(positions) - 1, max(positions))),
                        )
                    }
                    return [found[p] for p in positions]

                def version(stream: str) -> int:
                    return _stream_version(conn, self._sql_version, stream)

                check_expected(expected, version)
                head = _head(conn, self._sql_head)
                batch = link(records, head=head, now=now, stream_version=version)
                with conn.cursor() as cur:
                    cur.executemany(
                        self._sql_insert,
                        [
                            (
                                r.position,
                                r.stream,
                                r.version,
                                r.event_id,
                                r.recorded_at,
                                r.body,
                                r.hash,
                            )
                            for r in batch
                        ],
                    )
                if SCHEMA_VERSION >= _TREE:
                    _merkle.grow(self._db(conn), batch, head=head, edge=self._edge)
                if SCHEMA_VERSION >= _READ_MODEL and all(r.event is not None for r in records):
                    db = self._db(conn)
                    previous = _readmodel.head(db)
                    # A read model already behind stays so, for the next ledger to rebuild.
                    if previous is not None and previous.position == batch[0].position - 1:
                        _readmodel.write(db, batch, records)
                # Delivered at commit, and only if the transaction commits.
                conn.execute("SELECT pg_notify(%s, %s)", (self.channel, str(batch[-1].position)))
                return batch

        return self._guard("append", append)

    def read(
        self, *, after: int = 0, until: int | None = None, stream: str | None = None
    ) -> Iterator[Record]:
        if stream is not None:
            return self._stream(stream, after, until)
        where = [sql.SQL("position > %s")]
        params: list[object] = [after]
        if until is not None:
            where.append(sql.SQL("position <= %s"))
            params.append(until)
        query = sql.SQL("SELECT {} FROM {}.events WHERE {} ORDER BY position LIMIT %s").format(
            _COLUMNS, sql.Identifier(self.schema), sql.SQL(" AND ").join(where)
        )
        return self._pages(query, params, 0)

    def _stream(self, stream: str, after: int, until: int | None) -> Iterator[Record]:
        """One stream's records, read along its (stream, version) index: versions run in the
        same order as positions within a stream, so the position window is first turned
        into a version window, which the index can seek to."""
        where = [sql.SQL("version > %s"), sql.SQL("stream = %s"), sql.SQL("position > %s")]
        low = self._version_at(stream, after, missing=after + 1)[0] if after > 0 else 0
        params: list[object] = [low, stream, after]
        if until is not None:
            # A version missing from a damaged schema counts as outside the window, which
            # only widens it: the query still tests every record's position.
            high, last = self._version_at(stream, until, missing=0)
            # Where no record is past `until` yet, one appended during the read still counts.
            if high < last:
                where.append(sql.SQL("version <= %s"))
                params.append(high)
            where.append(sql.SQL("position <= %s"))
            params.append(until)
        query = sql.SQL("SELECT {} FROM {}.events WHERE {} ORDER BY version LIMIT %s").format(
            _COLUMNS, sql.Identifier(self.schema), sql.SQL(" AND ").join(where)
        )
        yield from self._pages(query, params, 2)

    def _version_at(self, stream: str, position: int, *, missing: int) -> tuple[int, int]:
        """The stream's last version at or before `position`, and its last version of all."""
        params = {"stream": stream, "position": position, "missing": missing}
        row = self._guard(
            "read", lambda conn: conn.execute(self._sql_version_at, params).fetchone()
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def _pages(self, query: sql.Composed, params: list[object], cursor: int) -> Iterator[Record]:
        # Page along the ordering column so that no lock or transaction is held while the
        # caller works; params[0] bounds it from below.
        while True:
            rows = self._guard(
                "read", lambda conn: conn.execute(query, [*params, _PAGE]).fetchall()
            )
            for row in rows:
                yield _record(row)
            if len(rows) < _PAGE:
                return
            params[0] = rows[-1][cursor]

    def find(self, event_ids: Sequence[str]) -> dict[str, int]:
        rows = self._guard(
            "find", lambda conn: conn.execute(self._sql_existing, (list(event_ids),)).fetchall()
        )
        return {str(row[0]): int(row[1]) for row in rows}

    def head(self) -> Head:
        return self._guard("head", lambda conn: _head(conn, self._sql_head))

    def stream_version(self, stream: str, *, at: int | None = None) -> int:
        if at is not None:
            # A version missing from a damaged schema counts as past `at`: a verify since a
            # digest trusts the records up to it, and walks what follows.
            return self._version_at(stream, at, missing=at + 1)[0]
        return self._guard(
            "stream_version", lambda conn: _stream_version(conn, self._sql_version, stream)
        )

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        query = sql.SQL(
            "INSERT INTO {}.checkpoints (name, version, position, state, hash)"
            " VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (name) DO UPDATE SET version = excluded.version,"
            " position = excluded.position, state = excluded.state, hash = excluded.hash,"
            " saved_at = now()"
        ).format(sql.Identifier(self.schema))
        params = (
            checkpoint.name,
            checkpoint.version,
            checkpoint.position,
            checkpoint.state,
            checkpoint.hash,
        )
        self._guard("save_checkpoint", lambda conn: conn.execute(query, params))

    def load_checkpoint(self, name: str) -> Checkpoint | None:
        query = sql.SQL(
            "SELECT version, position, state, hash FROM {}.checkpoints WHERE name = %s"
        ).format(sql.Identifier(self.schema))
        row = self._guard("load_checkpoint", lambda conn: conn.execute(query, (name,)).fetchone())
        if row is None:
            return None
        return Checkpoint(
            name=name,
            version=int(row[0]),
            position=int(row[1]),
            state=bytes(row[2]),
            hash=None if row[3] is None else str(row[3]),
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything appended inside commits together, or nothing does. The append lock is
        taken up front, so other writers wait rather than race the batches."""
        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._append_key,))
                    self._depth += 1
                    try:
                        yield
                    finally:
                        self._depth -= 1
            except psycopg.Error as exc:
                raise StoreError(f"{self.address}: transaction failed: {_why(exc)}") from exc

    # The read model.

    def _db(self, conn: psycopg.Connection[Any]) -> _PostgresDatabase:
        return _PostgresDatabase(conn, sql.Identifier(self.schema).as_string(conn) + ".")

    def redact(self, bodies: Mapping[int, bytes]) -> None:
        s = sql.Identifier(self.schema)

        def redact(conn: psycopg.Connection[Any]) -> None:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._append_key,))
                for position, body in sorted(bodies.items()):
                    row = conn.execute(
                        sql.SQL("SELECT body FROM {}.events WHERE position = %s").format(s),
                        (position,),
                    ).fetchone()
                    check_redaction(position, None if row is None else bytes(row[0]), body)
                # The one sanctioned change to a stored record: the guard is lifted inside
                # this transaction only (DDL is transactional), and restored before it commits.
                conn.execute(
                    sql.SQL("ALTER TABLE {}.events DISABLE TRIGGER events_no_change").format(s)
                )
                with conn.cursor() as cur:
                    cur.executemany(
                        sql.SQL("UPDATE {}.events SET body = %s WHERE position = %s").format(s),
                        [(body, position) for position, body in bodies.items()],
                    )
                conn.execute(
                    sql.SQL("ALTER TABLE {}.events ENABLE TRIGGER events_no_change").format(s)
                )
                conn.execute(sql.SQL("DELETE FROM {}.checkpoints").format(s))
                db = self._db(conn)
                streams, read_stream = self._streams(conn)
                head = _head(conn, self._sql_head)
                _readmodel.after_redaction(db, read_stream, streams, head, bodies.values())

        self._guard("redaction", redact)

    def tree_size(self) -> int:
        return self._guard("Merkle tree", lambda conn: _merkle.size(self._db(conn)))

    def tree_nodes(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        return self._guard("Merkle tree", lambda conn: _merkle.nodes(self._db(conn), nodes))

    def read_model_head(self) -> Head | None:
        return self._guard("read model", lambda conn: _readmodel.head(self._db(conn)))

    def _streams(
        self, conn: psycopg.Connection[Any]
    ) -> tuple[list[str], Callable[[str], list[Record]]]:
        """Every stream, in the order each began, and a reader of one stream's records."""
        streams = [
            str(row[0])
            for row in self._db(conn).rows(
                "SELECT stream FROM {p}events WHERE version = 1 ORDER BY position"
            )
        ]
        query = sql.SQL("SELECT {} FROM {}.events WHERE stream = %s ORDER BY version").format(
            _COLUMNS, sql.Identifier(self.schema)
        )

        def read_stream(stream: str) -> list[Record]:
            return [_record(row) for row in conn.execute(query, (stream,))]

        return streams, read_stream

    def rebuild_read_model(self, progress: Callable[[int, int], None] | None = None) -> None:
        def rebuild(conn: psycopg.Connection[Any]) -> None:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._append_key,))
                db = self._db(conn)
                streams, read_stream = self._streams(conn)
                head = _head(conn, self._sql_head)
                _readmodel.rebuild(db, read_stream, streams, head, progress=progress)

        self._guard("rebuilding the read model", rebuild)

    def check_schema(self) -> str | None:
        def check(conn: psycopg.Connection[Any]) -> str | None:
            triggers = {
                str(row[0])
                for row in conn.execute(
                    "SELECT tgname FROM pg_catalog.pg_trigger t"
                    " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
                    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = %s AND c.relname IN ('events', 'merkle_nodes')"
                    " AND NOT t.tgisinternal"
                    " AND t.tgenabled <> 'D'",
                    (self.schema,),
                )
            }
            for trigger in (
                "events_no_change",
                "events_no_truncate",
                "merkle_no_change",
                "merkle_no_truncate",
            ):
                if trigger not in triggers:
                    return f"the trigger {trigger} is gone or disabled: the log can be changed"
            unique = [
                (str(row[0]), frozenset(row[1]))
                for row in conn.execute(
                    "SELECT c.relname, array_agg(a.attname::text)"
                    " FROM pg_catalog.pg_constraint k"
                    " JOIN pg_catalog.pg_class c ON c.oid = k.conrelid"
                    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                    " JOIN pg_catalog.pg_attribute a"
                    "   ON a.attrelid = c.oid AND a.attnum = ANY(k.conkey)"
                    " WHERE n.nspname = %s AND k.contype IN ('p', 'u')"
                    " GROUP BY k.oid, c.relname",
                    (self.schema,),
                )
            ]
            for table, columns in _UNIQUE:
                if (table, columns) not in unique:
                    return f"{table} has no unique constraint on ({', '.join(sorted(columns))})"
            applied = sorted(
                int(row[0])
                for row in conn.execute(
                    sql.SQL("SELECT version FROM {}.schema_migrations").format(
                        sql.Identifier(self.schema)
                    )
                )
            )
            if applied != list(range(1, SCHEMA_VERSION + 1)):
                return f"schema_migrations records {applied}, not 1 to {SCHEMA_VERSION}"
            return None

        return self._guard("checking the schema", check)

    def check_read_model(self, *, rows: bool = True) -> tuple[int, str] | None:
        def check(conn: psycopg.Connection[Any]) -> tuple[int, str] | None:
            # One repeatable-read snapshot: the tables and the log agree within it.
            with conn.transaction():
                if not self._depth:  # inside `transaction()` its own view is consistent
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                db = self._db(conn)
                head = _head(conn, self._sql_head)
                if not rows:
                    return _readmodel.head_difference(db, head)
                streams, read_stream = self._streams(conn)
                return _readmodel.first_difference(db, read_stream, streams, head)

        return self._guard("checking the read model", check)

    def report_incident(self, report_id: str) -> str | None:
        return self._guard(
            "read model", lambda conn: _readmodel.report_incident(self._db(conn), report_id)
        )

    def incident_ids(self) -> list[str]:
        return self._guard("read model", lambda conn: _readmodel.incident_ids(self._db(conn)))

    def incident_openings(self) -> list[tuple[str, int]]:
        return self._guard("read model", lambda conn: _readmodel.incident_openings(self._db(conn)))

    def incident_opening(self, incident: str) -> int | None:
        return self._guard(
            "read model", lambda conn: _readmodel.incident_opening(self._db(conn), incident)
        )

    def report_counts(self) -> dict[str, int]:
        return self._guard("read model", lambda conn: _readmodel.report_counts(self._db(conn)))

    def standing(self, incident: str, as_of: dt.datetime | None) -> list[StandingRow]:
        return self._guard(
            "read model", lambda conn: _readmodel.standing(self._db(conn), incident, as_of)
        )

    def report_records(self, report_ids: Sequence[str]) -> list[tuple[str, Record]]:
        rows = self._guard(
            "read model", lambda conn: _readmodel.listed_records(self._db(conn), report_ids)
        )
        return [(str(row[0]), _record(row[1:])) for row in rows]

    def change_actors(self) -> list[str]:
        return self._guard("read model", lambda conn: _readmodel.change_actors(self._db(conn)))

    def holds_reports(self, reports: Sequence[ReportState]) -> bool:
        return self._guard("read model", lambda conn: _readmodel.holds(self._db(conn), reports))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()

    # Subscriptions.

    def listen(self) -> PostgresListener:
        """A listener woken by this schema's appends; see `ledger.subscription`."""
        if self._closed:
            raise StoreError(f"{self.address}: the store is closed")
        return PostgresListener(self)


class PostgresListener:
    """A connection that LISTENs on a store's channel.

    It only ever says "something may have been appended": subscribers re-read the log from
    their position, so a lost, late or duplicated notification costs a poll, never an event.
    If its connection breaks it falls back to sleeping and tries to listen again.
    """

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._conn: psycopg.Connection[Any] | None = None
        self._retry_at = 0.0
        self._open()
        if self._conn is None:
            raise StoreError(f"{store.address}: cannot LISTEN for appends")

    def _open(self) -> None:
        self._retry_at = time.monotonic() + _RELISTEN_EVERY
        with contextlib.suppress(StoreError, psycopg.Error):
            conn = self._store.connect(purpose="listener")
            try:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._store.channel)))
            except psycopg.Error:
                conn.close()
                raise
            self._conn = conn

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a notification; True if one came."""
        if self._conn is None or self._conn.closed:
            self._conn = None
            if time.monotonic() >= self._retry_at:
                self._open()
            time.sleep(timeout)
            return False
        try:
            woken = any(True for _ in self._conn.notifies(timeout=timeout, stop_after=1))
            if woken:
                # Drain whatever queued up with it: one re-read answers them all.
                for _ in self._conn.notifies(timeout=0):
                    pass
        except psycopg.Error:
            self._conn.close()
            self._conn = None
            return False
        return woken

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _PostgresDatabase:
    """The read model's view of a connection (see `_readmodel.Database`)."""

    def __init__(self, conn: psycopg.Connection[Any], prefix: str) -> None:
        self._conn = conn
        self._prefix = prefix

    def sql(self, text: str) -> str:
        return text.replace("{p}", self._prefix).replace("{c}", ' COLLATE "C"').replace("?", "%s")

    def rows(self, text: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(self.sql(text).encode(), params).fetchall()

    def stream(self, text: str) -> Iterator[tuple[Any, ...]]:
        # A server-side cursor, which the transaction every read-model check runs in can
        # close cleanly when the comparison stops early, as a streamed result cannot.
        with self._conn.cursor(name="ledger_read_model_rows") as cursor:
            cursor.itersize = _STREAM_ROWS
            cursor.execute(self.sql(text).encode())
            yield from cursor

    def each(
        self, text: str, ids: Sequence[str], *, order: str | None = None
    ) -> list[tuple[Any, ...]]:
        # Each id joined to the statement laterally, and `OFFSET 0` keeps the planner from
        # flattening it back into one scan: an index seek per id, with statistics or not.
        inner = text.replace("{id}", "wanted.id")
        query = (
            f"SELECT found.* FROM unnest(?::text[]) AS wanted (id)"  # noqa: S608 - our own statement
            f" CROSS JOIN LATERAL ({inner} OFFSET 0) AS found"
        )
        return self.rows(query if order is None else f"{query} ORDER BY {order}", [list(ids)])

    def run(self, text: str, params: Sequence[object] = ()) -> None:
        self._conn.execute(self.sql(text).encode(), params)

    def run_many(self, text: str, rows: Iterable[Sequence[object]]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(self.sql(text).encode(), rows)


def _conninfo_options(conninfo: str, shown: str) -> dict[str, Any]:
    try:
        return conninfo_to_dict(conninfo)
    except psycopg.Error as exc:
        # libpq's parse errors quote the text they choke on, which may be the password.
        raise StoreError(f"{shown} is not a valid PostgreSQL address") from exc


def _why(exc: psycopg.Error) -> str:
    # libpq's messages can span lines; the first one carries the cause.
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _head(conn: psycopg.Connection[Any], query: sql.Composed) -> Head:
    row = conn.execute(query).fetchone()
    if row is None:
        return EMPTY_HEAD
    return Head(position=int(row[0]), hash=str(row[1]), recorded_at=row[2].astimezone(dt.UTC))


def _stream_version(conn: psycopg.Connection[Any], query: sql.Composed, stream: str) -> int:
    row = conn.execute(query, (stream,)).fetchone()
    return int(row[0] or 0) if row else 0


def _record(row: tuple[Any, ...]) -> Record:
    return Record(
        position=int(row[0]),
        stream=row[1],
        version=int(row[2]),
        event_id=row[3],
        recorded_at=row[4].astimezone(dt.UTC),
        body=bytes(row[5]),
        hash=row[6],
    )
