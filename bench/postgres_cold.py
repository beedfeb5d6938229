"""The cold first answer on PostgreSQL: a fresh process opens a schema and answers one tally.

    export LEDGER_BENCH_POSTGRES_URL=postgresql://127.0.0.1:5432/test
    .venv/bin/python -m bench.postgres_cold [EVENTS]    # default 100,000

Appends the generated workload (bench/workload.py) to a fresh schema, then times seven fresh
processes that each open it and answer one as-of tally of one incident (interpreter start and
imports included), seven that each run `ledger verify --since` a digest 10,000 records (or a
tenth of the log) before the head, and three that list the changes recorded since then,
across the ledger (`ledger changes --since`), and prints the medians. The schema is dropped at the
end. The figures in docs/performance.md came from this script.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import psycopg
from psycopg import sql

from bench import machine, ours, workload
from ledger import Ledger
from ledger.log import Record, record_at

BASE = os.environ.get("LEDGER_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
SCHEMA = "bench_cold"
RUNS = 7
#: Events a batch appends, each batch at one recorded instant.
BATCH = 10_000


def _drop() -> None:
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


def main(argv: list[str]) -> int:
    events = int(argv[0]) if argv else 100_000
    url = f"{BASE}?schema={SCHEMA}"
    _drop()
    try:
        load = workload.generate(events)
        with Ledger.open(url, actor="bench") as ledger:
            ledger.append(ours.setup_events(load))
            start = time.perf_counter()
            ours.append_batches(ledger, load.ops, BATCH)
            rate = len(load.ops) / (time.perf_counter() - start)
        when = workload.T0 + workload.SPAN / 2
        code = (
            "import datetime as dt; from ledger import Ledger; "
            f"Ledger.open({url!r}).tally({load.incidents[0]!r}, "
            f"as_of=dt.datetime.fromisoformat({when.isoformat()!r}))"
        )
        machine.compile_like_an_install()
        walls = _walls([sys.executable, "-c", code])
        print(
            f"{len(load.ops):,} events, {len(load.incidents)} incidents; batch append {rate:,.0f}/s"
        )
        print(f"cold first answer, median of {RUNS} fresh processes: {walls:.3f} s")
        back = min(10_000, len(load.ops) // 10)
        record = _back(url, back)
        cli = [sys.executable, "-m", "ledger.cli", "--db", url]
        walls = _walls([*cli, "verify", "--since", f"{record.position}:{record.hash}"])
        print(f"verify --since {back:,} records back, median of {RUNS}: {walls:.3f} s")
        # The workload's clock ticks once a batch: the window is the last batch's records.
        last_batch = _back(url, BATCH).recorded_at.isoformat()
        walls = _walls([*cli, "changes", "--since", last_batch, "--format", "json"], runs=3)
        print(f"changes, ledger-wide, of the last {BATCH:,} records, median of 3: {walls:.3f} s")
    finally:
        _drop()
    return 0


def _back(url: str, back: int) -> Record:
    """The record `back` positions before the head."""
    with Ledger.open(url, actor="bench") as ledger:
        record = record_at(ledger.store, ledger.digest().position - back)
    if record is None:
        raise SystemExit(f"the log holds no record {back:,} before its head")
    return record


def _walls(argv: list[str], runs: int = RUNS) -> float:
    """The median wall time of `runs` fresh processes running `argv`."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - ours
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
