"""Where a single durable append's time goes: the fsync floor, our table's extra b-trees, the
store's statements and the facade above it.

    python -m bench.single_probe                 # 3,000 appends per contender, WAL + FULL
    python -m bench.single_probe --sync normal   # the same without the fsync: CPU only

Every contender appends the same encoded bodies, one per transaction, to a file of its own
in WAL mode; rounds of each are interleaved, so a slow spell of the disk shows in every
contender's spread instead of in one contender's figure. Each first appends `--warm` events
untimed, so that its WAL has reached its working size: while the WAL file still grows,
every commit's sync must also write the file's new size, which about doubles its cost on
ext4 and would charge the contender with the fewest pages per commit the longest.

- raw:        `INSERT` + `COMMIT` into bench/raw.py's table (rowid only: the floor)
- raw-schema: the same into the store's own table, rows computed beforehand
- store:      `SQLiteStore.append` of one `NewRecord`
- ledger:     `Ledger.append` of one event (what bench/run.py's single figure measures)

Then each contender appends again with automatic checkpoints off, so the WAL only grows:
its growth per commit, in frames, is how many pages each commit writes and syncs. Last, a
ledger over a store that times each call splits `Ledger.append` into the store's part
(each call by name: the stream versions it checks, the append) and the facade's own.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gc
import hashlib
import itertools
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, cast

from bench import ours, raw, workload
from ledger import Ledger
from ledger.codec import EVENTS, format_time
from ledger.log import NewRecord, Store
from ledger.stores.sqlite import SQLiteStore

#: WAL frame header (bytes) before each page image.
_FRAME_HEADER: Final = 24
_WAL_HEADER: Final = 32
T0: Final = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

Append = Callable[[int], None]


class Contender:
    def __init__(self, name: str, append: Append, conn: sqlite3.Connection, wal: Path) -> None:
        self.name = name
        self.append = append
        self.conn = conn
        self.wal = wal
        self.times: list[float] = []
        self.frames_per_commit = 0.0


def _bodies(load: workload.Workload, count: int) -> list[tuple[str, str, bytes]]:
    """(event id, stream, body) of the workload's first `count` events, encoded as ours are."""
    out = []
    # Random ids, as `Ledger.append` makes: each lands on a random leaf of the id index.
    rng = random.Random(8)
    for op in load.ops[:count]:
        event = ours.to_event(op)
        event_id = f"{rng.getrandbits(128):032x}"
        body = EVENTS.encode(event, event_id=event_id, actor="bench", reason="bench")
        out.append((event_id, event.stream, body))
    return out


def _raw(path: Path, sync: str, items: Sequence[tuple[str, str, bytes]]) -> Contender:
    conn = raw.connect(path)
    conn.execute(f"PRAGMA synchronous={sync}")

    def append(i: int) -> None:
        _, stream, body = items[i]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events (stream, body) VALUES (?, ?)", (stream, body))
        conn.execute("COMMIT")

    return Contender("raw", append, conn, Path(f"{path}-wal"))


def _raw_schema(path: Path, sync: str, items: Sequence[tuple[str, str, bytes]]) -> Contender:
    SQLiteStore(path).close()  # the store's own schema, whatever migrations made it
    conn = sqlite3.connect(os.fspath(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={sync}")
    versions: dict[str, int] = {}
    rows = []
    previous = "0" * 64
    for position, (event_id, stream, body) in enumerate(items, start=1):
        version = versions[stream] = versions.get(stream, 0) + 1
        previous = hashlib.sha256(previous.encode() + body).hexdigest()
        rows.append((position, stream, version, event_id, format_time(T0), body, previous))

    def append(i: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO events (position, stream, version, event_id, recorded_at, body, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows[i],
        )
        conn.execute("COMMIT")

    return Contender("raw-schema", append, conn, Path(f"{path}-wal"))


def _store(path: Path, sync: str, items: Sequence[tuple[str, str, bytes]]) -> Contender:
    store = SQLiteStore(path, durable=sync == "FULL")
    records = [NewRecord(event_id=e, stream=s, body=b) for e, s, b in items]
    conn: sqlite3.Connection = store._conn  # noqa: SLF001 - the probe reads its WAL settings

    versions: dict[str, int] = {}

    def append(i: int) -> None:
        # As `Ledger.append` does: the version this writer last saw of the record's stream.
        stream = records[i].stream
        store.append([records[i]], now=T0, expected={stream: versions.get(stream, 0)})
        versions[stream] = versions.get(stream, 0) + 1

    return Contender("store", append, conn, Path(f"{path}-wal"))


def _ledger(path: Path, sync: str, load: workload.Workload) -> Contender:
    ledger = Ledger.open(path, actor="bench", durable=sync == "FULL")
    ledger.append(ours.setup_events(load))
    events = [ours.to_event(op) for op in load.ops]
    store = ledger.store
    assert isinstance(store, SQLiteStore)  # noqa: S101 - a file path opens a SQLite store

    def append(i: int) -> None:
        ledger.append([events[i]], reason="bench")

    return Contender("ledger", append, store._conn, Path(f"{path}-wal"))  # noqa: SLF001


class _TimedStore:
    """A store that adds up the time spent in each of its calls, reads while consumed; every
    call is forwarded as it is."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.spent: dict[str, float] = collections.defaultdict(float)

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - whatever the store has
        method = getattr(self.store, name)

        def timed(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            t = time.perf_counter()
            try:
                result = method(*args, **kwargs)
                if name == "read":
                    result = list(result)
                return result
            finally:
                self.spent[f"store.{name}"] += time.perf_counter() - t

        return timed


def _attribute(path: Path, sync: str, load: workload.Workload, warm: int, count: int) -> None:
    """Split `Ledger.append`'s time between the store's calls and the facade's own work."""
    timed = _TimedStore(SQLiteStore(path, durable=sync == "FULL"))
    ledger = Ledger(cast("Store", timed), actor="bench")
    ledger.append(ours.setup_events(load))
    for op in load.ops[:warm]:
        ledger.append([ours.to_event(op)], reason="bench")
    events = [ours.to_event(op) for op in load.ops[warm : warm + count]]
    timed.spent.clear()
    total = 0.0
    for event in events:
        t = time.perf_counter()
        ledger.append([event], reason="bench")
        total += time.perf_counter() - t
    ledger.close()
    print(f"\nLedger.append of one event, split ({count} appends, mean µs per append):")
    for what, spent in sorted(timed.spent.items()):
        print(f"  {what:<26} {spent / count * 1e6:7.1f}")
    facade = total - sum(timed.spent.values())
    print(f"  {'the facade, its own work':<26} {facade / count * 1e6:7.1f}")
    print(f"  {'total':<26} {total / count * 1e6:7.1f}")


def _frames(contender: Contender, first: int, count: int) -> float:
    """Pages written per commit: the WAL's growth with automatic checkpoints off."""
    page = contender.conn.execute("PRAGMA page_size").fetchone()[0]
    contender.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    contender.conn.execute("PRAGMA wal_autocheckpoint=0")
    try:
        before = contender.wal.stat().st_size if contender.wal.exists() else 0
        for i in range(first, first + count):
            contender.append(i)
        after = contender.wal.stat().st_size
    finally:
        contender.conn.execute("PRAGMA wal_autocheckpoint=1000")
    header = _WAL_HEADER if before == 0 else 0
    return float((after - before - header) / (page + _FRAME_HEADER) / count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=3_000, help="per contender")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sync", choices=["full", "normal"], default="full")
    parser.add_argument("--only", nargs="*", default=["raw", "raw-schema", "store", "ledger"])
    parser.add_argument("--warm", type=int, default=1_200, help="untimed appends first")
    parser.add_argument("--frames", type=int, default=200, help="appends to count pages over")
    parser.add_argument("--attribute", type=int, default=2_000, help="appends to split; 0: none")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    sync = args.sync.upper()
    total = args.warm + args.appends + args.frames
    load = workload.generate(max(total, args.warm + args.attribute, 10_000))
    items = _bodies(load, total)
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory(dir=args.dir or "/tmp") as tmp:  # noqa: S108 - a real disk
        directory = Path(tmp)
        makers: dict[str, Callable[[], Contender]] = {
            "raw": lambda: _raw(directory / "raw.db", sync, items),
            "raw-schema": lambda: _raw_schema(directory / "raw-schema.db", sync, items),
            "store": lambda: _store(directory / "store.db", sync, items),
            "ledger": lambda: _ledger(directory / "ledger.db", sync, load),
        }
        contenders = [makers[name]() for name in args.only]
        for contender in contenders:
            for i in range(args.warm):
                contender.append(i)
        per_round = args.appends // args.rounds
        index = itertools.count()
        for r in range(args.rounds):
            start = args.warm + next(index) * per_round
            # Rotate who goes first, so none always follows the same neighbour.
            order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
            for contender in order:
                for i in range(start, start + per_round):
                    t = time.perf_counter()
                    contender.append(i)
                    contender.times.append(time.perf_counter() - t)
        done = args.rounds * per_round
        for contender in contenders:
            contender.frames_per_commit = _frames(contender, args.warm + done, args.frames)
            contender.conn.close()
    print(
        f"sqlite {sqlite3.sqlite_version}, synchronous={sync}, {done} appends each "
        f"after {args.warm} untimed, {args.rounds} interleaved rounds"
    )
    print(
        f"{'contender':<11} {'median µs':>10} {'mean µs':>9} {'p90 µs':>8} {'per s':>7} "
        f"{'round medians µs':<40} {'pages/commit':>12}"
    )
    for c in contenders:
        us = sorted(t * 1e6 for t in c.times)
        rounds = [
            statistics.median(c.times[k * per_round : (k + 1) * per_round]) * 1e6
            for k in range(args.rounds)
        ]
        mean = statistics.fmean(us)
        print(
            f"{c.name:<11} {statistics.median(us):>10.0f} {mean:>9.0f} "
            f"{us[int(0.9 * (len(us) - 1))]:>8.0f} {1e6 / mean:>7.0f} "
            f"{' '.join(f'{m:.0f}' for m in rounds):<40} {c.frames_per_commit:>12.2f}"
        )
    if args.attribute:
        with tempfile.TemporaryDirectory(dir=args.dir or "/tmp") as tmp:  # noqa: S108
            _attribute(Path(tmp) / "attributed.db", sync, load, args.warm, args.attribute)


if __name__ == "__main__":
    main()
