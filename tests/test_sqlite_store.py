"""What only the SQLite store promises: its file format, schema versioning and durability."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from ledger import Ledger, SQLiteStore, StoreError
from ledger.log import NewRecord
from ledger.stores.sqlite import APPLICATION_ID, SCHEMA_VERSION

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
