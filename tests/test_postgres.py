"""What only the PostgreSQL store promises: its schema and migrations, its errors, and order
without gaps under writers in many processes with a live subscriber tailing them.

The store contract itself runs against PostgreSQL in test_store_contract.py (see conftest).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from ledger import Ledger, ReportFiled, SourceRegistered, StoredEvent, StoreError
from ledger.log import NewRecord

from .postgres_support import (
    NOT_CONFIGURED,
    configured_url,
    drop_schemas,
    file_reports,
    postgres_url,
    unique_schema,
    with_schema,
)
from .test_store_contract import (
    assert_chain,
    assert_stream_windows,
    assert_the_tree_follows_writers_taking_turns,
)

if configured_url() is None:
    # Without a server there is nothing to test here, and psycopg may not even be installed.
    pytest.skip(NOT_CONFIGURED, allow_module_level=True)

import psycopg
from psycopg import sql

from ledger import merkle
from ledger.log import leaf_of
from ledger.stores import postgres as postgres_store
from ledger.stores.postgres import (
    SCHEMA_VERSION,
    PostgresListener,
    PostgresStore,
    redact,
    split_schema,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
#: Long enough never to end a correct run early; it only keeps a broken one from hanging.
HANG_GUARD = 60.0


@pytest.fixture
def url() -> str:
    return postgres_url()


@pytest.fixture
def schema(url: str) -> Iterator[str]:
    name = unique_schema()
    yield name
    drop_schemas(url, [name])


@pytest.fixture
def store(url: str, schema: str) -> Iterator[PostgresStore]:
    made = PostgresStore(url, schema=schema)
    yield made
    made.close()


def run(url: str, schema: str, *statements: str) -> list[tuple[object, ...]]:
    """Run SQL behind the store's back, `{s}` standing for the quoted schema; the last
    statement's rows."""
    rows: list[tuple[object, ...]] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            cur = conn.execute(sql.SQL(statement).format(s=sql.Identifier(schema)))
            rows = cur.fetchall() if cur.description else []
    return rows


def rec(event_id: str, stream: str = "s") -> NewRecord:
    return NewRecord(event_id=event_id, stream=stream, body=f'{{"e":"{event_id}"}}'.encode())


def test_a_new_schema_is_created_and_its_migrations_recorded(
    url: str, schema: str, store: PostgresStore
) -> None:
    rows = run(url, schema, "SELECT version, name FROM {s}.schema_migrations ORDER BY version")
    assert [v for v, _ in rows] == list(range(1, SCHEMA_VERSION + 1))
    store.append([rec("a")], now=T0)
    again = PostgresStore(url, schema=schema)
    assert [r.event_id for r in again.read()] == ["a"]
    again.close()
    assert len(run(url, schema, "SELECT * FROM {s}.schema_migrations")) == SCHEMA_VERSION


def test_a_version_2_schema_migrates_and_keeps_its_log(
    url: str, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Migrations never change once shipped, so the first two make the schema release 2 made.
    with monkeypatch.context() as patch:
        patch.setattr(postgres_store, "MIGRATIONS", postgres_store.MIGRATIONS[:2])
        patch.setattr(postgres_store, "SCHEMA_VERSION", 2)
        old = PostgresStore(url, schema=schema)
        old.append([rec(str(i), f"s{i % 3}") for i in range(30)], now=T0)
        old.close()
    index = "SELECT to_regclass('{s}.events_by_stream') IS NOT NULL"
    assert run(url, schema, index) == [(True,)]

    store = PostgresStore(url, schema=schema)
    try:
        names = run(url, schema, "SELECT name FROM {s}.schema_migrations ORDER BY version")
        assert len(names) == SCHEMA_VERSION
        assert str(names[2][0]).startswith("drop events_by_stream")
        assert run(url, schema, index) == [(False,)]
        before = list(store.read())
        assert [r.position for r in store.read(stream="s1", after=4, until=25)] == [
            r.position for r in before if r.stream == "s1" and 4 < r.position <= 25
        ]
        assert [r.position for r in store.append([rec("new", "s1")], now=T0)] == [31]
        assert store.stream_version("s1") == 11
        assert list(store.read())[:30] == before
        # Migration 6 built the Merkle tree over the 30 records; the append extended it.
        tree = merkle.Accumulator()
        for record in store.read():
            tree.add(leaf_of(record))
        assert store.tree_size() == 31
        assert merkle.root(31, store.tree_nodes) == tree.root()
    finally:
        store.close()


def test_stream_reads_of_a_schema_missing_a_record_still_keep_their_window(
    url: str, schema: str, store: PostgresStore
) -> None:
    store.append([rec(str(i), f"s{i % 3}") for i in range(40)], now=T0)
    run(
        url,
        schema,
        "ALTER TABLE {s}.events DISABLE TRIGGER events_no_change",
        "DELETE FROM {s}.events WHERE position IN (17, 29, 31)",  # gaps in two streams
    )
    assert_stream_windows(store, ("s0", "s1", "s2"), last=42, step=5)


def test_ledger_open_takes_a_url_with_a_schema(url: str, schema: str) -> None:
    with Ledger.open(with_schema(url, schema), actor="t") as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        assert isinstance(ledger.store, PostgresStore)
        assert ledger.store.schema == schema
    with Ledger.open(with_schema(url, schema), actor="t") as ledger:
        assert ledger.source("snhr").name == "SNHR"


def test_records_cannot_be_changed_through_sql(url: str, schema: str, store: PostgresStore) -> None:
    store.append([rec("a")], now=T0)
    for statement in (
        "UPDATE {s}.events SET body = ''",
        "DELETE FROM {s}.events",
        "TRUNCATE {s}.events",
    ):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            run(url, schema, statement)
    assert [r.event_id for r in store.read()] == ["a"]


def test_a_foreign_events_table_is_refused(url: str, schema: str) -> None:
    run(url, schema, "CREATE SCHEMA {s}", "CREATE TABLE {s}.events (x int)")
    with pytest.raises(StoreError, match="not an incident-ledger one"):
        PostgresStore(url, schema=schema)


def test_a_newer_schema_is_refused(url: str, schema: str) -> None:
    PostgresStore(url, schema=schema).close()
    run(
        url,
        schema,
        "INSERT INTO {s}.schema_migrations SELECT max(version) + 1, 'n' FROM {s}.schema_migrations",
    )
    with pytest.raises(StoreError, match="newer than this incident-ledger knows"):
        PostgresStore(url, schema=schema)


def test_connection_errors_name_the_address_without_the_password() -> None:
    with pytest.raises(StoreError) as info:
        # Port 1 on loopback refuses at once: nothing listens there.
        PostgresStore("postgresql://alice:s3cret@127.0.0.1:1/db")
    message = str(info.value)
    assert "cannot connect to PostgreSQL at postgresql://alice:***@127.0.0.1:1/db" in message
    assert "s3cret" not in message


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("postgresql://u:pw@h/db", "postgresql://u:***@h/db"),
        (
            "postgresql://u@h/db?password=pw&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("host=h password='p w' dbname=db", "host=h password=*** dbname=db"),
        ("host=h password=pw", "host=h password=***"),
    ],
)
def test_addresses_are_redacted(address: str, shown: str) -> None:
    assert redact(address) == shown


def test_a_schema_parameter_is_taken_out_of_a_url_and_the_rest_kept() -> None:
    options = "options=-c%20statement_timeout%3D5000"
    assert split_schema(f"postgresql://h/db?{options}&schema=s") == (
        f"postgresql://h/db?{options}",
        "s",
    )
    assert split_schema(f"postgresql://h/db?{options}") == (f"postgresql://h/db?{options}", None)
    assert split_schema("host=h dbname=db") == ("host=h dbname=db", None)


def test_a_malformed_address_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a valid PostgreSQL address") as info:
        PostgresStore("host=h password=secret 'oops")
    assert "secret" not in str(info.value)


def test_without_psycopg_the_module_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from ledger import StoreError\n"
        "try:\n    import ledger.stores.postgres\n"
        "except StoreError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'incident-ledger[postgres]'" in out.stdout


def test_the_store_reconnects_when_the_server_drops_it(url: str, store: PostgresStore) -> None:
    store.append([rec("a")], now=T0)
    pid = store._conn.info.backend_pid
    run(url, "unused", f"SELECT pg_terminate_backend({pid})")
    # The next call finds the connection gone, reconnects once and succeeds.
    assert [r.position for r in store.append([rec("b")], now=T0)] == [2]
    assert store._conn.info.backend_pid != pid


def test_a_notification_wakes_a_subscriber_that_would_not_poll(url: str, schema: str) -> None:
    address = with_schema(url, schema)
    with Ledger.open(address, actor="reader") as reader, Ledger.open(address, actor="w") as writer:
        got: list[StoredEvent] = []
        # Polling once a minute: only NOTIFY can bring the event in within the test.
        with reader.subscribe(poll_interval=HANG_GUARD) as sub:
            thread = threading.Thread(target=lambda: got.append(next(sub)))
            thread.start()
            writer.register_source("snhr", name="SNHR", kind="monitor")
            thread.join()
        assert [e.position for e in got] == [1]


def test_lost_notifications_only_delay_a_subscriber(
    url: str, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deaf(_: PostgresListener, timeout: float) -> bool:
        threading.Event().wait(timeout)
        return False

    monkeypatch.setattr(PostgresListener, "wait", deaf)
    address = with_schema(url, schema)
    with (
        Ledger.open(address, actor="w") as ledger,
        ledger.subscribe(poll_interval=0.01, idle_timeout=HANG_GUARD) as sub,
    ):
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        assert next(sub).position == 1
        ledger.register_source("moi", name="MoI", kind="government")
        assert next(sub).position == 2


def test_concurrent_store_appends_keep_batches_whole_and_the_chain_valid(
    url: str, schema: str, store: PostgresStore
) -> None:
    writers, batches = 3, 20
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(writers) as pool:
        pool.starmap(_append_batches, [(url, schema, w, batches) for w in range(writers)])
    records = list(store.read())
    assert [r.position for r in records] == list(range(1, writers * batches * 2 + 1))
    assert_chain(records)
    for first, second in zip(records[::2], records[1::2], strict=True):
        assert first.event_id.removesuffix("-a") == second.event_id.removesuffix("-b")
    assert [r.version for r in records if r.stream == "shared"] == list(
        range(1, writers * batches + 1)
    )
    times = [r.recorded_at for r in records]
    assert times == sorted(times)


def _append_batches(url: str, schema: str, writer: int, batches: int) -> None:
    store = PostgresStore(url, schema=schema)
    try:
        for i in range(batches):
            # Each process's clock is its own (minutes apart, within `ledger.clock`'s
            # tolerance); recorded_at must still never run backwards.
            now = T0 + dt.timedelta(seconds=(writer - 1) * 120 + i)
            store.append(
                [rec(f"{writer}-{i}-a", f"w{writer}"), rec(f"{writer}-{i}-b", "shared")], now=now
            )
    finally:
        store.close()


def test_writer_processes_and_a_tailing_subscriber(url: str, schema: str) -> None:
    """N processes file reports concurrently while a subscriber tails the log: it must see
    every acknowledged report exactly once, at dense positions, in order."""
    writers, reports = 3, 40
    address = with_schema(url, schema)
    with Ledger.open(address, actor="setup") as ledger:
        ledger.register_source("monitor", name="Monitor", kind="monitor")
        seen: list[StoredEvent] = []

        def tail() -> None:
            # Aggressive polling races readers against commits, where a gap would show.
            with ledger.subscribe(poll_interval=0.01, idle_timeout=HANG_GUARD) as sub:
                for event in sub:
                    seen.append(event)
                    if (
                        isinstance(event.event, SourceRegistered)
                        and event.event.source == "the-end"
                    ):
                        return

        tailer = threading.Thread(target=tail)
        tailer.start()
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(writers) as pool:
            acknowledged = pool.starmap(
                file_reports, [(address, f"incident-{w}", reports) for w in range(writers)]
            )
        # A last event, appended after every writer's acknowledgement, tells the tail to end.
        end = ledger.register_source("the-end", name="End", kind="monitor")
        tailer.join(HANG_GUARD)
    assert not tailer.is_alive()
    assert seen[-1].event_id == end.event_id
    assert [e.position for e in seen] == list(range(1, end.position + 1))
    filed = [e.event.report_id for e in seen if isinstance(e.event, ReportFiled)]
    assert len(filed) == len(set(filed)) == writers * reports
    assert set(filed) == {r for ids in acknowledged for r in ids}
    # And the tail saw exactly what the log holds.
    with Ledger.open(address, actor="check") as check:
        assert seen == list(check.events())


def test_two_writers_taking_turns_keep_one_tree(
    url: str, schema: str, store: PostgresStore
) -> None:
    # Each store resumes its own last edge of the tree; the other's appends must end that.
    second = PostgresStore(url, schema=schema)
    try:
        assert_the_tree_follows_writers_taking_turns(store, second)
    finally:
        second.close()


def test_an_edited_read_model_row_is_named_and_the_store_works_on(
    url: str, schema: str, store: PostgresStore
) -> None:
    # The check reads both tables a row at a time (a server-side cursor) and stops at the
    # first difference: the connection must be fit for the next command after it stops.
    ledger = Ledger(store, actor="desk")
    ledger.register_source("monitor", name="Monitor", kind="monitor")
    ledger.open_incident("coast", title="Coast")
    for n in range(30):
        ledger.file_report(
            "coast", source="monitor", metric="killed", figure=f"at least {n}",
            reported_at=T0, report_id=f"r{n:02}",
        )  # fmt: skip
    assert store.check_read_model() is None
    run(
        url, schema, "UPDATE {s}.report_versions SET figure = 'at least 99' WHERE report_id = 'r03'"
    )
    found = store.check_read_model()
    assert found is not None
    assert "r03" in found[1]
    assert "at least 99" in found[1]
    # The head alone, as a verify since a digest checks it, still reflects the log.
    assert store.check_read_model(rows=False) is None
    ledger.file_report(
        "coast", source="monitor", metric="killed", figure="7", reported_at=T0, report_id="r30"
    )
    assert ledger.report("r30").latest.figure.text == "7"
