"""The embedded default: one SQLite file in WAL mode, durable by default.

The file is marked with an application id, so a foreign database is refused rather than
written into; its schema version lives in `PRAGMA user_version`, and each migration that
brought it there is recorded in the `schema_migrations` table of the file itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final, TypeVar

from ledger.codec import format_time, parse_time
from ledger.errors import DamagedLedgerError, LedgerError, StoreError
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
from ledger.model import ReportState
from ledger.stores import _merkle, _readmodel

#: "LDGR": marks a file as an incident-ledger database.
APPLICATION_ID: Final = 0x4C444752
_PAGE: Final = 2_000
#: SQLite's default limit on bound parameters is 32766 in current builds, 999 in old ones.
_MAX_PARAMS: Final = 900
T = TypeVar("T")
#: What SQLite raises on a damaged file: its own errors, and a UnicodeDecodeError when the
#: damage reaches text, even the text of its own error messages.
_FAILURES: Final = (sqlite3.Error, UnicodeDecodeError)

#: (version, name, statements). Append only; never edit a migration that has shipped.
MIGRATIONS: Final[tuple[tuple[int, str, tuple[str, ...]], ...]] = (
    (
        1,
        "create the event log",
        (
            """CREATE TABLE events (
                position INTEGER PRIMARY KEY,
                stream TEXT NOT NULL,
                version INTEGER NOT NULL,
                event_id TEXT NOT NULL UNIQUE,
                recorded_at TEXT NOT NULL,
                body BLOB NOT NULL,
                hash TEXT NOT NULL,
                UNIQUE (stream, version)
            )""",
            "CREATE INDEX events_by_stream ON events (stream, position)",
            # The log is append-only at the lowest level too: a bug or a careless script
            # cannot update or delete a record through SQLite.
            """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
               BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
            """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
               BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END""",
        ),
    ),
    (
        2,
        "add projection checkpoints",
        (
            """CREATE TABLE checkpoints (
                name TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                position INTEGER NOT NULL,
                state BLOB NOT NULL,
                saved_at TEXT NOT NULL
            )""",
        ),
    ),
    (
        3,
        "drop events_by_stream: stream reads use the (stream, version) index",
        # Every index is one more page that each durable append writes and syncs, and the
        # UNIQUE (stream, version) index orders a stream's records as positions do.
        ("DROP INDEX IF EXISTS events_by_stream",),
    ),
    (
        4,
        "add the read model: reports, versions, changes, incidents, sources and terms",
        # Created empty: the first ledger to open the file builds them from the log.
        tuple(statement.format(p="") for statement in _readmodel.DDL),
    ),
    (
        5,
        "bind each checkpoint to the hash of the record it was folded up to",
        ("ALTER TABLE checkpoints ADD COLUMN hash TEXT",),
    ),
    (
        6,
        "add the Merkle tree over the records, built from the log at once",
        (
            """CREATE TABLE merkle_nodes (
                level INTEGER NOT NULL,
                idx INTEGER NOT NULL,
                hash BLOB NOT NULL,
                PRIMARY KEY (level, idx)
            ) WITHOUT ROWID""",
            """CREATE TRIGGER merkle_no_update BEFORE UPDATE ON merkle_nodes
               BEGIN SELECT RAISE(ABORT, 'the Merkle tree is append-only'); END""",
            """CREATE TRIGGER merkle_no_delete BEFORE DELETE ON merkle_nodes
               BEGIN SELECT RAISE(ABORT, 'the Merkle tree is append-only'); END""",
        ),
    ),
    (
        7,
        "cluster report versions by report, and key report changes by position",
        _readmodel.SQLITE_LAYOUT,
    ),
    (
        8,
        "record each report version's personal fields in the read model",
        # Empty for every version written before: no record could hold a personal field.
        (_readmodel.PERSONAL_COLUMN.format(p=""),),
    ),
)
SCHEMA_VERSION: Final = MIGRATIONS[-1][0]
#: The migration that added the read model.
_READ_MODEL: Final = 4
#: An append's first read: the head and its first stream's version, and in
#: `_TIP_MODELLED` the position the read model reflects too.
_TIP_COLUMNS: Final = (
    "position, hash, recorded_at, (SELECT max(version) FROM events WHERE stream = ?)"
)
_TIP: Final = f"SELECT {_TIP_COLUMNS} FROM events ORDER BY position DESC LIMIT 1"  # noqa: S608 - constants
_TIP_MODELLED: Final = (
    f"SELECT {_TIP_COLUMNS}, {_readmodel.HEAD_COLUMNS.replace('{p}', '')}"  # noqa: S608 - constants
    " FROM events ORDER BY position DESC LIMIT 1"
)
#: The migration that added the Merkle tree.
_TREE: Final = 6

_COLUMNS: Final = "position, stream, version, event_id, recorded_at, body, hash"
#: The unique constraints the schema's guarantees rest on, which `check_schema` looks for.
_UNIQUE: Final = (
    ("events", frozenset({"position"})),
    ("events", frozenset({"event_id"})),
    ("events", frozenset({"stream", "version"})),
    ("reports", frozenset({"report_id"})),
)


class _NotNew(Exception):  # noqa: N818 - a signal between two methods, never seen outside
    """The batch may be a retry, or a stream moved on: take the path that tells which."""


class SQLiteStore:
    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        durable: bool = True,
        read_only: bool | None = None,
    ) -> None:
        """Open (or create) the ledger file at `path`. A file this process may not write is
        opened `read_only` unless told otherwise: it answers every query, and refuses writes."""
        self.path = os.fspath(path)
        # Re-entrant: appends inside `transaction()` take it again on the same thread.
        self._lock = threading.RLock()
        self._depth = 0
        #: A redaction committed: overwrite what the WAL and free pages still hold.
        self._erase_after_commit = False
        self._edge = _merkle.Edge()
        self.read_only = (
            self.path != ":memory:" and Path(self.path).exists() and not _writable(self.path)
            if read_only is None
            else read_only
        )
        try:
            self._conn = sqlite3.connect(
                _address(self.path, read_only=self.read_only),
                isolation_level=None,
                check_same_thread=False,
                timeout=60.0,
                uri=True,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path!r} as a SQLite database: {exc}") from exc
        self._db = _readmodel.SQLiteDatabase(self._conn)
        try:
            self._refuse_foreign()
            if self.read_only:
                self._check_read_only()
            else:
                self._configure(durable=durable)
                self._migrate()
        except _FAILURES as exc:
            self._conn.close()
            raise StoreError(f"{self.path!r}: cannot open the ledger: {exc}") from exc
        except BaseException:
            self._conn.close()
            raise

    def _refuse_foreign(self) -> None:
        """Refuse a file that is not a ledger before anything writes to it: switching the
        journal to WAL rewrites the file's header, and someone else's file must stay as it was.
        `_migrate` checks again inside its transaction, against a racing creator."""
        try:
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except _FAILURES as exc:
            raise StoreError(f"{self.path!r} is not a SQLite database: {exc}") from exc
        if app_id != APPLICATION_ID and (app_id != 0 or tables):
            raise StoreError(f"{self.path!r} is a SQLite database, but not an incident-ledger one")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path!r} has schema version {version}, newer than this "
                f"incident-ledger knows ({SCHEMA_VERSION}); upgrade to open it",
            )

    def _configure(self, *, durable: bool) -> None:
        try:
            mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            # FULL syncs the WAL on every commit: an acknowledged append survives power loss.
            self._conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path!r} is not a SQLite database: {exc}") from exc
        if self.path != ":memory:" and mode.lower() != "wal":
            raise StoreError(f"{self.path!r}: cannot switch to WAL mode (got {mode!r})")

    def _check_read_only(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path!r} is read-only and has schema version {version}; this "
                f"incident-ledger reads version {SCHEMA_VERSION}: open a writable copy once"
            )

    def _migrate(self) -> None:
        # A file already at this schema needs no write lock to open: a reader must not wait
        # for a writer's transaction to end.
        app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
            return
        with self._transaction():
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID:
                tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if app_id != 0 or tables:
                    raise StoreError(
                        f"{self.path!r} is a SQLite database, but not an incident-ledger one",
                    )
                self._conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                self._conn.execute(
                    "CREATE TABLE schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                )
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path!r} has schema version {version}, newer than this "
                    f"incident-ledger knows ({SCHEMA_VERSION}); upgrade to open it",
                )
            for number, name, statements in MIGRATIONS[version:]:
                for statement in statements:
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (number, name, format_time(dt.datetime.now(dt.UTC))),
                )
                self._conn.execute(f"PRAGMA user_version={number}")
            if version < _READ_MODEL <= SCHEMA_VERSION and self._head() == EMPTY_HEAD:
                # An empty log's read model is complete as created; a longer log's is built
                # by the first ledger that opens it (Ledger.__init__), with progress shown.
                _readmodel.set_head(self._db, 0, EMPTY_HEAD.hash)
            if version < _TREE <= SCHEMA_VERSION:
                head = self._head().position
                _merkle.catch_up(self._db, self._all_records(head), head=head)

    def _all_records(self, until: int) -> Iterator[Record]:
        for after in range(0, until, _PAGE):
            yield from self._pages_now(after, min(after + _PAGE, until))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """An IMMEDIATE transaction: it takes the write lock up front, so two writers queue
        instead of both reading the head and one failing to upgrade its lock. Inside
        `transaction()` it is a savepoint of the transaction that one holds."""
        with self._lock:
            nested = self._depth > 0
            begin, commit, undo = (
                ("SAVEPOINT step", "RELEASE step", "ROLLBACK TO step")
                if nested
                else ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
            )
            self._guard(lambda: self._conn.execute(begin))
            self._depth += 1
            try:
                yield
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute(undo)
                    if nested:
                        self._conn.execute(commit)
                raise
            finally:
                self._depth -= 1
            self._guard(lambda: self._conn.execute(commit))
            if not nested and self._erase_after_commit:
                self._guard(self._erase_free_pages)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._transaction():
            yield

    def _guard(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except sqlite3.ProgrammingError as exc:
            raise StoreError(f"{self.path!r}: {exc}") from exc
        except _FAILURES as exc:
            raise StoreError(f"{self.path!r}: SQLite failed: {exc}") from exc

    def append(
        self,
        records: Sequence[NewRecord],
        *,
        now: dt.datetime,
        expected: Mapping[str, int] | None = None,
    ) -> list[Record]:
        if not records:
            return []
        try:
            try:
                with self._transaction():
                    return self._append_new(records, now=now, expected=expected)
            except _NotNew:
                pass
            # A retry, a stale expected version or a reused id: this path says which, in
            # the order the contract gives (a retry succeeds whatever it expected).
            with self._transaction():
                positions = retried_positions(
                    records, self._existing([r.event_id for r in records])
                )
                if positions is not None:
                    return self._at(positions)
                check_expected(expected, self._stream_version)
                head = self._head()
                batch = link(records, head=head, now=now, stream_version=self._stream_version)
                self._insert(batch, head)
                model = _readmodel.head(self._db) if SCHEMA_VERSION >= _READ_MODEL else None
                self._keep_read_model(batch, records, None if model is None else model.position)
                return batch
        except LedgerError:
            raise
        except _FAILURES as exc:
            raise StoreError(f"{self.path!r}: append failed: {exc}") from exc

    def _at(self, positions: Sequence[int]) -> list[Record]:
        """The stored records at `positions`, which lie in one contiguous batch."""
        found = {r.position: r for r in self._pages_now(min(positions) - 1, max(positions))}
        return [found[p] for p in positions]

    def _pages_now(self, after: int, until: int) -> list[Record]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE position > ? AND position <= ?",  # noqa: S608
            (after, until),
        ).fetchall()
        return [_record(row) for row in rows]

    def _keep_read_model(
        self, batch: Sequence[Record], records: Sequence[NewRecord], reflected: int | None
    ) -> None:
        """Bring the read model up to date with `batch`, if it reflected the log just before
        it (`reflected`, the position it reflects) and every record came with its event:
        otherwise it stays behind and the next ledger to open rebuilds it."""
        if (
            SCHEMA_VERSION >= _READ_MODEL
            and reflected == batch[0].position - 1
            and all(r.event is not None for r in records)
        ):
            _readmodel.write(self._db, batch, records)

    def _append_new(
        self, records: Sequence[NewRecord], *, now: dt.datetime, expected: Mapping[str, int] | None
    ) -> list[Record]:
        """Append a batch taken to be new, or raise `_NotNew` having written nothing.

        Every durable append pays for each statement it runs before its commit, and a batch
        is almost always new: rather than look its ids up first, let the UNIQUE index on
        event_id refuse one stored before, and read the head with the first stream's version.
        """
        streams = list(dict.fromkeys([*(r.stream for r in records), *(expected or {})]))
        head, versions, reflected = self._tip(streams)
        if any(versions[stream] != version for stream, version in (expected or {}).items()):
            raise _NotNew
        batch = link(records, head=head, now=now, stream_version=versions.__getitem__)
        try:
            self._insert(batch, head)
        except sqlite3.IntegrityError as exc:
            raise _NotNew from exc
        self._keep_read_model(batch, records, reflected)
        return batch

    def _tip(self, streams: Sequence[str]) -> tuple[Head, dict[str, int], int | None]:
        """The head, the current version of each of `streams`, and the position the read
        model reflects (`_readmodel.reflected`): all but the later streams in one query."""
        modelled = SCHEMA_VERSION >= _READ_MODEL  # a test may stand in for an older release
        row = self._conn.execute(_TIP_MODELLED if modelled else _TIP, (streams[0],)).fetchone()
        if row is None:
            model = _readmodel.head(self._db) if modelled else None
            return EMPTY_HEAD, dict.fromkeys(streams, 0), None if model is None else model.position
        versions = {streams[0]: int(row[3] or 0)}
        versions.update((stream, self._stream_version(stream)) for stream in streams[1:])
        reflected = _readmodel.reflected(row[4], row[5]) if modelled else None
        return self._head_of(row), versions, reflected

    def _insert(self, batch: Sequence[Record], head: Head) -> None:
        """Insert `batch`, linked after `head`, and grow the tree over it."""
        self._conn.executemany(
            f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            [
                (
                    r.position,
                    r.stream,
                    r.version,
                    r.event_id,
                    format_time(r.recorded_at),
                    r.body,
                    r.hash,
                )
                for r in batch
            ],
        )

        if SCHEMA_VERSION >= _TREE:  # a test may stand in for an older release
            _merkle.grow(self._db, batch, head=head, edge=self._edge)

    def _existing(self, ids: Sequence[str]) -> dict[str, tuple[int, str, bytes]]:
        found: dict[str, tuple[int, str, bytes]] = {}
        for start in range(0, len(ids), _MAX_PARAMS):
            chunk = ids[start : start + _MAX_PARAMS]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT event_id, position, stream, body FROM events WHERE event_id IN ({marks})",  # noqa: S608
                chunk,
            )
            found.update((row[0], (row[1], row[2], bytes(row[3]))) for row in rows)
        return found

    def read(
        self, *, after: int = 0, until: int | None = None, stream: str | None = None
    ) -> Iterator[Record]:
        with self._lock:
            sql, params, cursor = self._guard(lambda: self._read_query(after, until, stream))
        yield from self._pages(sql, params, cursor)

    def _read_query(
        self, after: int, until: int | None, stream: str | None
    ) -> tuple[str, list[object], int]:
        """The paged query of a read, its parameters, and the column its pages move along."""
        params: list[object]
        if stream is None:
            where, params, order, cursor = ["position > ?"], [after], "position", 0
            if until is not None:
                where.append("position <= ?")
                params.append(until)
        else:
            # One stream's records are read along its (stream, version) index: versions run
            # in the same order as positions within a stream, so the position window is
            # turned into a version window, which the index can seek to. The `+` takes
            # position out of the planner's hands, so that no statistics a file gathers can
            # make it walk the whole log by position, testing each record's stream.
            low, high = self._versions_within(stream, after, until)
            where, params = ["version > ?", "stream = ?", "+position > ?"], [low, stream, after]
            order, cursor = "version", 2
            if high is not None:
                where.append("version <= ?")
                params.append(high)
            if until is not None:
                where.append("+position <= ?")
                params.append(until)
        sql = f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"  # noqa: S608
        return sql, params, cursor

    def _versions_within(
        self, stream: str, after: int, until: int | None
    ) -> tuple[int, int | None]:
        """Versions (low, high) such that the stream's records after `after` and up to
        `until` have low < version <= high; high is None where no record is past `until`,
        so that a record appended while the caller reads is not cut off."""
        last = self._stream_version(stream)
        # A version missing from a damaged file counts as outside the window, which only
        # widens it: the query still tests every record's position.
        low = self._version_at(stream, after, last, missing=after + 1) if after > 0 else 0
        if until is None:
            return low, None
        high = self._version_at(stream, until, last, missing=0)
        return low, None if high >= last else high

    def _version_at(self, stream: str, position: int, last: int, *, missing: int) -> int:
        """The stream's last version at or before `position`, by a binary search down its
        index: within a stream, positions grow with versions. A damaged file's missing
        version is taken to be at position `missing`."""
        low, high = 0, last
        while low < high:
            middle = (low + high + 1) // 2
            row = self._conn.execute(
                "SELECT position FROM events WHERE stream = ? AND version = ?", (stream, middle)
            ).fetchone()
            if (missing if row is None else row[0]) <= position:
                low = middle
            else:
                high = middle - 1
        return low

    def _pages(self, sql: str, params: list[object], cursor: int) -> Iterator[Record]:
        """The rows of `sql`, a page at a time: `params[0]` bounds the column `cursor`, which
        the query orders by, and moves past each page's last row. No lock is held while the
        caller works through a page."""
        while True:
            with self._lock:
                rows = self._guard(lambda: self._conn.execute(sql, [*params, _PAGE]).fetchall())
            for row in rows:
                yield self._checked(row)
            if len(rows) < _PAGE:
                return
            params[0] = rows[-1][cursor]

    def find(self, event_ids: Sequence[str]) -> dict[str, int]:
        with self._lock:
            found = self._guard(lambda: self._existing(event_ids))
        return {event_id: position for event_id, (position, _, _) in found.items()}

    def head(self) -> Head:
        with self._lock:
            return self._guard(self._head)

    def _head(self) -> Head:
        row = self._conn.execute(
            "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1",
        ).fetchone()
        if row is None:
            return EMPTY_HEAD
        return self._head_of(row)

    def _head_of(self, row: tuple[int, str, str]) -> Head:
        """The head in a row of (position, hash, recorded_at); a damaged one is a StoreError
        naming its position, never the ValueError of a time that does not parse."""
        if type(row[1]) is not str:
            raise self._damaged(row[0], f"its hash is stored as {type(row[1]).__name__}, not text")
        try:
            return Head(position=row[0], hash=row[1], recorded_at=parse_time(row[2]))
        except (ValueError, TypeError) as exc:
            raise self._damaged(row[0], exc) from exc

    def _checked(self, row: tuple[int, str, int, str, str, bytes, str]) -> Record:
        """The record a row of the log holds, or the `StoreError` naming its position."""
        try:
            return _record(row)
        except (ValueError, TypeError) as exc:
            raise self._damaged(row[0], exc) from exc

    def _damaged(self, position: object, exc: Exception | str) -> StoreError:
        return DamagedLedgerError(repr(self.path), position, str(exc))

    def stream_version(self, stream: str, *, at: int | None = None) -> int:
        with self._lock:
            if at is None:
                return self._guard(lambda: self._stream_version(stream))
            # A version missing from a damaged file counts as past `at`: a verify since a
            # digest trusts the records up to it, and walks what follows.
            return self._guard(
                lambda: self._version_at(stream, at, self._stream_version(stream), missing=at + 1)
            )

    def _stream_version(self, stream: str) -> int:
        row = self._conn.execute(
            "SELECT max(version) FROM events WHERE stream = ?", (stream,)
        ).fetchone()
        return int(row[0] or 0)

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?)",
                (
                    checkpoint.name,
                    checkpoint.version,
                    checkpoint.position,
                    checkpoint.state,
                    format_time(dt.datetime.now(dt.UTC)),
                    checkpoint.hash,
                ),
            )

    def load_checkpoint(self, name: str) -> Checkpoint | None:
        with self._lock:
            row = self._guard(
                lambda: self._conn.execute(
                    "SELECT version, position, state, hash FROM checkpoints WHERE name = ?",
                    (name,),
                ).fetchone()
            )
        if row is None:
            return None
        return Checkpoint(
            name=name, version=row[0], position=row[1], state=bytes(row[2]), hash=row[3]
        )

    # Redaction.

    def redact(self, bodies: Mapping[int, bytes]) -> None:
        if self.read_only:
            raise StoreError(f"{self.path!r} is read-only: redact on a writable file")
        with self._transaction():
            for position, body in sorted(bodies.items()):
                row = self._conn.execute(
                    "SELECT body FROM events WHERE position = ?", (position,)
                ).fetchone()
                check_redaction(position, None if row is None else bytes(row[0]), body)
            # Deleted and overwritten content is zeroed, not left in free space.
            self._conn.execute("PRAGMA secure_delete = ON")
            # The one sanctioned change to a stored record: the guard is lifted inside this
            # transaction only, and restored before it commits.
            self._conn.execute("DROP TRIGGER events_no_update")
            self._conn.executemany(
                "UPDATE events SET body = ? WHERE position = ?",
                [(body, position) for position, body in bodies.items()],
            )
            self._conn.execute(MIGRATIONS[0][2][2])
            self._conn.execute("DELETE FROM checkpoints")
            _readmodel.after_redaction(
                self._db, self._stream_records, self._streams(), self._head(), bodies.values()
            )
            self._erase_after_commit = True

    def _erase_free_pages(self) -> None:
        """Copy the WAL into the file and truncate it, so that no old page version holding
        erased text survives in the WAL (secure_delete zeroed it in the pages themselves).
        A reader holding an old snapshot delays the copy; the next checkpoint completes it."""
        self._erase_after_commit = False
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # The Merkle tree.

    def tree_size(self) -> int:
        with self._lock:
            return self._guard(lambda: _merkle.size(self._db))

    def tree_nodes(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        with self._lock:
            return self._guard(lambda: _merkle.nodes(self._db, nodes))

    # The read model.

    def read_model_head(self) -> Head | None:
        with self._lock:
            return self._guard(lambda: _readmodel.head(self._db))

    def rebuild_read_model(self, progress: Callable[[int, int], None] | None = None) -> None:
        if self.read_only:
            raise StoreError(
                f"{self.path!r} is read-only, and its read model does not match its log: "
                "run `ledger reindex` on a writable copy"
            )
        with self._transaction():
            head = self._head()
            streams = self._streams()

            self._guard(
                lambda: _readmodel.rebuild(
                    self._db, self._stream_records, streams, head, progress=progress
                )
            )

    def _streams(self) -> list[str]:
        return [
            row[0]
            for row in self._conn.execute(
                "SELECT stream FROM events WHERE version = 1 ORDER BY position"
            )
        ]

    def _stream_records(self, stream: str) -> Iterator[Record]:
        # Read as the caller goes (a rebuild writes other tables between its slices, which
        # SQLite allows beside an open read of `events`): a long stream is never all held.
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE stream = ? ORDER BY version",  # noqa: S608
            (stream,),
        )
        return (_record(row) for row in rows)

    def check_schema(self) -> str | None:
        with self._lock:
            return self._guard(self._schema_problem)

    def _schema_problem(self) -> str | None:
        triggers = {
            row[0]
            for row in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name IN ('events', 'merkle_nodes')"
            )
        }
        for trigger in (
            "events_no_update",
            "events_no_delete",
            "merkle_no_update",
            "merkle_no_delete",
        ):
            if trigger not in triggers:
                return f"the trigger {trigger} is gone: the log can be changed in place"
        for table, columns in _UNIQUE:
            if columns not in self._unique_columns(table):
                return f"{table} has no unique constraint on ({', '.join(sorted(columns))})"
        applied = [row[0] for row in self._conn.execute("SELECT version FROM schema_migrations")]
        if sorted(applied) != list(range(1, SCHEMA_VERSION + 1)):
            return f"schema_migrations records {sorted(applied)}, not 1 to {SCHEMA_VERSION}"
        return None

    def _unique_columns(self, table: str) -> list[frozenset[str]]:
        found = []
        for index in self._conn.execute(f"PRAGMA index_list({table})"):  # our own names
            if index[2]:  # unique
                info = self._conn.execute(f"PRAGMA index_info({index[1]!r})")
                found.append(frozenset(row[2] for row in info))
        pk = frozenset(
            row[1] for row in self._conn.execute(f"PRAGMA table_info({table})") if row[5]
        )
        return [*found, pk]

    def check_read_model(self, *, rows: bool = True) -> tuple[int, str] | None:
        with self._lock:
            outer = self._depth == 0  # inside `transaction()` its own view is consistent
            if outer:
                # One read transaction: the tables and the log it compares them with agree.
                self._guard(lambda: self._conn.execute("BEGIN"))
            try:
                if not rows:
                    return self._guard(lambda: _readmodel.head_difference(self._db, self._head()))
                return self._guard(
                    lambda: _readmodel.first_difference(
                        self._db, self._stream_records, self._streams(), self._head()
                    )
                )
            finally:
                if outer:
                    self._conn.execute("ROLLBACK")

    def report_incident(self, report_id: str) -> str | None:
        with self._lock:
            return self._guard(lambda: _readmodel.report_incident(self._db, report_id))

    def incident_ids(self) -> list[str]:
        with self._lock:
            return self._guard(lambda: _readmodel.incident_ids(self._db))

    def incident_openings(self) -> list[tuple[str, int]]:
        with self._lock:
            return self._guard(lambda: _readmodel.incident_openings(self._db))

    def incident_opening(self, incident: str) -> int | None:
        with self._lock:
            return self._guard(lambda: _readmodel.incident_opening(self._db, incident))

    def report_counts(self) -> dict[str, int]:
        with self._lock:
            return self._guard(lambda: _readmodel.report_counts(self._db))

    def standing(self, incident: str, as_of: dt.datetime | None) -> list[StandingRow]:
        with self._lock:
            return self._guard(lambda: _readmodel.standing(self._db, incident, as_of))

    def report_records(self, report_ids: Sequence[str]) -> list[tuple[str, Record]]:
        with self._lock:
            rows = self._guard(lambda: _readmodel.listed_records(self._db, report_ids))
        return [(str(row[0]), self._checked(row[1:])) for row in rows]

    def change_actors(self) -> list[str]:
        with self._lock:
            return self._guard(lambda: _readmodel.change_actors(self._db))

    def holds_reports(self, reports: Sequence[ReportState]) -> bool:
        with self._lock:
            return self._guard(lambda: _readmodel.holds(self._db, reports))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _writable(path: str) -> bool:
    # SQLite in WAL mode writes beside the file (-wal, -shm), so both must be writable.
    return os.access(path, os.W_OK) and os.access(Path(path).resolve().parent, os.W_OK)


def _address(path: str, *, read_only: bool) -> str:
    """The URI SQLite opens: read-only where the file may not be written."""
    if path == ":memory:":
        return path
    quoted = urllib.parse.quote(str(Path(path).absolute()))
    return f"file:{quoted}?mode=ro" if read_only else f"file:{quoted}"


def _record(row: tuple[int, str, int, str, str, bytes, str]) -> Record:
    if type(row[6]) is not str:  # a hash that is not text would break the next link
        raise TypeError(f"its hash is stored as {type(row[6]).__name__}, not text")
    return Record(
        position=row[0],
        stream=row[1],
        version=row[2],
        event_id=row[3],
        recorded_at=parse_time(row[4]),
        body=bytes(row[5]),
        hash=row[6],
    )
