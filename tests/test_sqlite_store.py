"""What only the SQLite store promises: its file format, schema versioning and durability."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from ledger import Ledger, SQLiteStore, StoreError, merkle
from ledger.log import NewRecord, leaf_of
from ledger.stores import sqlite as sqlite_store
from ledger.stores.sqlite import APPLICATION_ID, SCHEMA_VERSION

from .test_store_contract import assert_stream_windows, assert_the_tree_follows_writers_taking_turns

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_a_new_file_is_marked_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    migrations = conn.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert [v for v, _ in migrations] == list(range(1, SCHEMA_VERSION + 1))
    conn.close()


def test_durable_by_default(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "l.db")
    full = 2
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == full
    store.close()


def test_reopening_migrates_nothing_and_keeps_the_log(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    store = SQLiteStore(path)
    store.append([NewRecord(event_id="a", stream="s", body=b"{}")], now=T0)
    store.close()
    store = SQLiteStore(path)
    assert [r.event_id for r in store.read()] == ["a"]
    assert store._conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == (
        SCHEMA_VERSION
    )
    store.close()


def test_records_cannot_be_updated_or_deleted_through_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    store = SQLiteStore(path)
    store.append([NewRecord(event_id="a", stream="s", body=b"{}")], now=T0)
    store.close()
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET body = x'00'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")
    conn.close()


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not an incident-ledger one"):
        Ledger.open(path)
    conn = sqlite3.connect(path)
    tables = conn.execute("SELECT name FROM sqlite_master").fetchall()
    conn.close()
    assert tables == [("customers",)]


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"Dear diary, today the toll rose again. " * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Ledger.open(path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this"):
        SQLiteStore(path)


def test_an_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Ledger.open(tmp_path / "missing-dir" / "l.db")


def _records(store: SQLiteStore, n: int) -> None:
    store.append(
        [NewRecord(event_id=f"e{i}", stream=f"s{i % 3}", body=b"{}") for i in range(n)], now=T0
    )


def test_a_version_2_file_migrates_and_keeps_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "l.db"
    # Migrations never change once shipped, so the first two make the file release 2 made.
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_store, "MIGRATIONS", sqlite_store.MIGRATIONS[:2])
        patch.setattr(sqlite_store, "SCHEMA_VERSION", 2)
        store = SQLiteStore(path)
        _records(store, 30)
        store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'events_by_stream'").fetchone()
    conn.close()

    store = SQLiteStore(path)
    before = list(store.read())
    assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    names = [n for (n,) in store._conn.execute("SELECT name FROM schema_migrations")]
    assert len(names) == SCHEMA_VERSION
    assert names[2].startswith("drop events_by_stream")
    index = "SELECT name FROM sqlite_master WHERE name = 'events_by_stream'"
    assert store._conn.execute(index).fetchone() is None
    assert [r.position for r in store.read(stream="s1", after=4, until=25)] == [
        r.position for r in before if r.stream == "s1" and 4 < r.position <= 25
    ]
    assert [
        r.position
        for r in store.append([NewRecord(event_id="new", stream="s1", body=b"{}")], now=T0)
    ] == [31]
    assert store.stream_version("s1") == 11
    # Migration 6 built the Merkle tree over the 30 records; the append extended it.
    tree = merkle.Accumulator()
    for record in store.read():
        tree.add(leaf_of(record))
    assert store.tree_size() == 31
    assert merkle.root(31, store.tree_nodes) == tree.root()
    assert list(store.read())[:30] == before
    store.close()


def _plan(store: SQLiteStore, sql: str, params: list[object]) -> str:
    rows = store._conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return "\n".join(row[-1] for row in rows)


@pytest.mark.parametrize(("after", "until"), [(0, None), (7, None), (0, 20), (7, 20), (7, 99)])
def test_stream_reads_seek_the_stream_version_index(
    tmp_path: Path, after: int, until: int | None
) -> None:
    store = SQLiteStore(tmp_path / "l.db")
    _records(store, 40)
    sql, params, _ = store._read_query(after, until, "s1")
    plan = _plan(store, f"{sql}", [*params, 10])
    assert "USING INDEX sqlite_autoindex_events_2 (stream=? AND version>?" in plan
    assert "SCAN" not in plan
    assert "TEMP B-TREE" not in plan
    assert "COVERING INDEX" in _plan(
        store, "SELECT max(version) FROM events WHERE stream = ?", ["s1"]
    )
    assert "(stream=? AND version=?)" in _plan(
        store, "SELECT position FROM events WHERE stream = ? AND version = ?", ["s1", 3]
    )
    store.close()


@pytest.mark.parametrize("page", [2, 2_000])
def test_stream_reads_of_a_file_missing_a_record_still_keep_their_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: int
) -> None:
    monkeypatch.setattr(sqlite_store, "_PAGE", page)  # pages end mid-stream, and mid-window
    path = tmp_path / "l.db"
    store = SQLiteStore(path)
    _records(store, 60)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE position IN (17, 29, 31)")  # gaps in s1 and s2
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert_stream_windows(store, ("s0", "s1", "s2"), last=62, step=3)
    store.close()


def test_two_writers_taking_turns_keep_one_tree(tmp_path: Path) -> None:
    # Each store resumes its own last edge of the tree; the other's appends must end that.
    first, second = SQLiteStore(tmp_path / "l.db"), SQLiteStore(tmp_path / "l.db")
    try:
        assert_the_tree_follows_writers_taking_turns(first, second)
    finally:
        first.close()
        second.close()
