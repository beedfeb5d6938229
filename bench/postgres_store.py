"""Append throughput and subscriber delivery: PostgreSQL against durable SQLite, same machine.

    export LEDGER_BENCH_POSTGRES_URL=postgresql://127.0.0.1:5432/test
    .venv/bin/python bench/postgres_store.py

Each PostgreSQL run works in a fresh schema, dropped at the end. The figures in
docs/scaling.md came from this script.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from threading import Barrier

import psycopg
from psycopg import sql

from ledger import Ledger
from ledger.log import NewRecord, Store
from ledger.stores.postgres import PostgresStore
from ledger.stores.sqlite import SQLiteStore

URL = os.environ.get("LEDGER_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BODY = b'{"pad":"' + b"x" * 300 + b'"}'  # about the size of a filed report


def append_batches(store: Store, batches: int, size: int) -> None:
    tag = uuid.uuid4().hex
    for i in range(batches):
        records = [NewRecord(event_id=f"{tag}-{i}-{j}", stream=tag, body=BODY) for j in range(size)]
        store.append(records, now=NOW)


def rate(make: Callable[[], Store], batches: int, size: int) -> float:
    store = make()
    try:
        start = time.perf_counter()
        append_batches(store, batches, size)
        return batches * size / (time.perf_counter() - start)
    finally:
        store.close()


def writer_process(schema: str, batches: int, ready: Barrier) -> tuple[float, float]:
    store = PostgresStore(URL, schema=schema)
    try:
        ready.wait()  # connected and migrated: start appending together
        start = time.time()
        append_batches(store, batches, 1)
        return start, time.time()
    finally:
        store.close()


def concurrent_rate(schema: str, processes: int, batches: int) -> float:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(processes) as pool:
        ready = manager.Barrier(processes)
        spans = pool.starmap(writer_process, [(schema, batches, ready)] * processes)
    # Wall-clock span from the first start to the last end, process start-up excluded.
    return processes * batches / (max(e for _, e in spans) - min(s for s, _ in spans))


def delivery_ms(schema: str, appends: int) -> list[float]:
    """Milliseconds from an append's acknowledgement to its delivery by a subscriber that
    polls only once a minute, so only NOTIFY can be fast (negative: delivered before the
    writer's call returned)."""
    delivered: dict[int, float] = {}
    acked: dict[int, float] = {}
    stop = threading.Event()
    with Ledger.open(f"{URL}?schema={schema}", actor="bench") as ledger:

        def tail() -> None:
            with ledger.subscribe(after=ledger.position, poll_interval=60, stop=stop) as sub:
                for event in sub:
                    delivered[event.position] = time.perf_counter()
                    if len(delivered) == appends:
                        return

        thread = threading.Thread(target=tail)
        thread.start()
        for i in range(appends):
            stored = ledger.register_source(f"s{i}", name="Source", kind="monitor")
            acked[stored.position] = time.perf_counter()
        thread.join(60)
        stop.set()
    return [(delivered[p] - acked[p]) * 1000 for p in acked if p in delivered]


def main() -> None:
    schemas: list[str] = []

    def schema() -> str:
        schemas.append(f"bench_{uuid.uuid4().hex[:12]}")
        return schemas[-1]

    tmp = Path(tempfile.mkdtemp())
    files = iter(range(1_000))
    try:
        for size, batches in ((1, 500), (100, 50)):
            pg = rate(lambda: PostgresStore(URL, schema=schema()), batches, size)
            lite = rate(lambda: SQLiteStore(tmp / f"{next(files)}.db"), batches, size)
            print(
                f"{size:>3}-event batches: PostgreSQL {pg:8.0f} events/s, "
                f"SQLite (durable) {lite:8.0f} events/s, ratio {pg / lite:.2f}"
            )
        for processes in (1, 4):
            name = schema()
            PostgresStore(URL, schema=name).close()
            total = concurrent_rate(name, processes, 300)
            print(f"{processes} writer processes, 1-event appends: {total:.0f} events/s in total")
        ms = delivery_ms(schema(), 100)
        print(
            f"subscriber delivery after acknowledgement: median {statistics.median(ms):.2f} ms, "
            f"max {max(ms):.2f} ms over {len(ms)} appends"
        )
    finally:
        with psycopg.connect(URL, autocommit=True) as conn:
            for name in schemas:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
                )


if __name__ == "__main__":
    main()
