"""What a sound chain does not prove, and `verify --deep` checks (issue 17, finding 10).

An impossible event under a valid chain (a revision of a report nobody filed, one report id
filed twice) verified ok and then broke the ledger; dropped triggers, an emptied
`schema_migrations` or a table rebuilt without its unique constraints went unnoticed. The
deep check names each. Checkpoints are bound to the record they were folded up to
(tests/test_custom_projections.py holds that part).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger import (
    DamagedLedgerError,
    Event,
    Ledger,
    ProblemKind,
    ReportFiled,
    ReportRevised,
    SQLiteStore,
)
from ledger.cli import main
from ledger.codec import EVENTS
from ledger.figures import Figure
from ledger.log import NewRecord
from ledger.verify import verify_log

from .scale import count

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)


def populated(path: Path) -> None:
    with Ledger.open(path, actor="desk", durable=False) as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        ledger.open_incident("coast", title="Coast")
        ledger.file_report(
            "coast", source="snhr", metric="killed", figure="at least 311", reported_at=T0,
            report_id="r1",
        )  # fmt: skip
        ledger.revise_report("r1", figure="at least 400", reported_at=T0 + dt.timedelta(days=1))


def test_a_sound_ledger_passes_the_deep_check(tmp_path: Path) -> None:
    populated(tmp_path / "l.db")
    with Ledger.open(tmp_path / "l.db") as ledger:
        assert ledger.verify(deep=True).ok
    assert main(["--db", str(tmp_path / "l.db"), "verify", "--deep"]) == 0


def _append_raw(path: Path, event: Event, event_id: str) -> None:
    """Append `event` as bytes only, chained by the store like any record, as software
    without the domain rules would."""
    store = SQLiteStore(path)
    try:
        body = EVENTS.encode(event, event_id=event_id, actor="forger", reason=None)
        new = NewRecord(event_id=event_id, stream=event.stream, body=body)
        store.append([new], now=dt.datetime.now(dt.UTC))
    finally:
        store.close()


def test_an_event_the_tables_cannot_fold_names_the_file_damaged(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    populated(path)
    revision = ReportRevised(
        incident="coast", report_id="nobody", figure=Figure.parse("5"), reported_at=T0
    )
    _append_raw(path, revision, "forged-1")
    # The read model is behind the log, so opening rebuilds it, and the rebuild refuses.
    with pytest.raises(DamagedLedgerError) as caught:
        Ledger.open(path)
    assert caught.value.position == 5
    count("deep verify: impossible events named")


@pytest.mark.parametrize(
    ("forged", "words"),
    [
        (
            ReportFiled(
                incident="coast", report_id="r2", source="nobody", metric="killed",
                figure=Figure.parse("3"), reported_at=T0,
            ),
            "nobody",
        ),
        (
            ReportRevised(
                incident="coast", report_id="r1", figure=Figure.parse("at least 500"),
                reported_at=T0 - dt.timedelta(days=3),
            ),
            "earlier than the version it revises",
        ),
    ],
)  # fmt: skip
def test_an_impossible_event_under_a_sound_chain_and_mended_tables_is_named(
    tmp_path: Path, forged: Event, words: str
) -> None:
    path = tmp_path / "l.db"
    populated(path)
    _append_raw(path, forged, "forged-1")
    store = SQLiteStore(path)
    store.rebuild_read_model()  # the tables fold it: what no rule checked, they take
    store.close()
    with Ledger.open(path) as ledger:
        assert ledger.verify().ok  # the chain and the tables hold
        report = ledger.verify(deep=True)
    assert report.problem is not None
    assert report.problem.kind is ProblemKind.IMPOSSIBLE
    assert report.problem.position == 5
    assert words in report.problem.detail
    assert main(["--db", str(path), "verify", "--deep"]) == 1
    count("deep verify: impossible events named")


def _drop_trigger(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TRIGGER events_no_delete")


def _empty_migrations(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM schema_migrations")


def _rebuild_without_unique(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        DROP TRIGGER events_no_update;
        DROP TRIGGER events_no_delete;
        CREATE TABLE events_copy AS SELECT * FROM events;
        DROP TABLE events;
        CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER,
            event_id TEXT, recorded_at TEXT, body BLOB, hash TEXT);
        INSERT INTO events SELECT * FROM events_copy;
        DROP TABLE events_copy;
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        """
    )


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (_drop_trigger, "events_no_delete"),
        (_empty_migrations, "schema_migrations"),
        (_rebuild_without_unique, "unique constraint"),
    ],
)
def test_a_schema_that_lost_a_guard_is_named(
    tmp_path: Path, damage: Callable[[sqlite3.Connection], None], words: str
) -> None:
    path = tmp_path / "l.db"
    populated(path)
    with sqlite3.connect(path) as conn:
        damage(conn)
    store = SQLiteStore(path)
    try:
        assert store.check_schema() is not None
        report = verify_log(store, deep=True)
    finally:
        store.close()
    assert report.problem is not None
    assert report.problem.kind is ProblemKind.SCHEMA
    assert words in report.problem.detail
    count("deep verify: schemas that lost a guard, named")
