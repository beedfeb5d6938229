"""Our ledger against the `eventsourcing` package, on one durable SQLite file each, in one run.

    .venv/bin/python -m bench.run            # 1,000,000 events: about four minutes on 2 cores
    .venv/bin/python -m bench.run --quick    # 10,000 events: seconds; what CI runs

Both sides append the same generated workload (bench/workload.py) to a file-backed SQLite
database in WAL mode with synchronous=FULL, then replay it and answer as-of questions; a
third column does the same with bare sqlite3 and stdlib JSON, the floor under both. Full
replays and their peak memory are measured in fresh subprocesses. docs/performance.md
explains every figure and what limits it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench import machine, ours, peer, raw, workload
from ledger import Ledger, SQLiteStore
from ledger.log import Record, record_at

Figures = dict[str, Any]


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _rss_mib() -> float:
    """The process's peak resident memory so far. VmHWM starts afresh at exec; ru_maxrss
    (the fallback off Linux) carries the parent's peak over, hiding a child's smaller one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(which: str, path: Path, events: int, batch: int, queries: int) -> None:
    """Run one contender's part in this fresh process and print its figures as JSON.

    Each side gets a process of its own, so neither pays for the other's objects: a
    million events held in memory make every cyclic garbage collection slower.
    """
    baseline = _rss_mib()
    result: Figures = {}
    if which.startswith("replay-"):
        side = which.removeprefix("replay-")
        replays: dict[str, Callable[[], object]] = {
            "ours": lambda: ours.replay(path),
            "peer": lambda: peer.replay(path),
            "raw": lambda: raw.replay(path),
        }
        result["seconds"] = _timed(replays[side])
        result.update(baseline_mib=baseline, peak_mib=_rss_mib())
    elif which == "import-ours":
        lines = path.with_suffix(".jsonl")
        result["seconds"] = _timed(lambda: ours.import_file(path, lines))
        result.update(baseline_mib=baseline, peak_mib=_rss_mib())
    elif which == "rebuild-ours":
        result["seconds"] = _timed(lambda: ours.rebuild(path))
        result.update(baseline_mib=baseline, peak_mib=_rss_mib())
    else:
        load = workload.generate(events)
        asks = _asks(load, queries)
        # The workload is the harness's, not the contender's: keep the cyclic collector
        # from walking its million objects again and again while either side is timed.
        gc.collect()
        gc.freeze()
        if which == "append-ours":
            ledger = ours.open_ledger(path)
            ledger.append(ours.setup_events(load))
            result["seconds"] = _timed(lambda: ours.append_batches(ledger, load.ops, batch))
            result["as_of_ms"] = [1000 * _timed(partial(ours.as_of, ledger, *a)) for a in asks]
            mode = ledger.store._conn.execute("PRAGMA synchronous").fetchone()[0]  # type: ignore[attr-defined]  # noqa: SLF001
            result["sqlite"] = f"journal_mode=wal synchronous={mode}"
            ledger.close()
        elif which == "append-peer":
            app = peer.open_app(path)
            journal, sync = peer.sqlite_settings(app)
            result["sqlite"] = f"journal_mode={journal} synchronous={sync}"
            incidents = peer.setup(app, load)
            result["seconds"] = _timed(lambda: peer.append_batches(app, incidents, load.ops, batch))
            result["as_of_ms"] = [1000 * _timed(partial(peer.as_of, app, *a)) for a in asks]
            app.close()
        else:
            conn = raw.connect(path)
            result["seconds"] = _timed(lambda: raw.append_batches(conn, load.ops, batch))
            conn.close()
    print(json.dumps(result))


def _asks(load: workload.Workload, queries: int) -> list[tuple[str, dt.datetime]]:
    """The same random (incident, reported time) pairs for both sides."""
    rng = random.Random(100)
    return [
        (rng.choice(load.incidents), workload.T0 + workload.SPAN * rng.random())
        for _ in range(queries)
    ]


def _in_child(which: str, path: Path, events: int, batch: int, queries: int) -> Figures:
    argv = [sys.executable, "-m", "bench.run", "--child", which, str(path)]
    argv += ["--events", str(events), "--batch", str(batch), "--queries", str(queries)]
    out = subprocess.run(  # noqa: S603 - our own interpreter running our own module
        argv, check=True, capture_output=True, text=True
    )
    result: Figures = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(events: int, singles: int, queries: int, batch: int, directory: Path) -> Figures:
    machine.compile_like_an_install()
    figures: Figures = {"machine": machine.describe()}
    started = time.perf_counter()
    load = workload.generate(events)
    ops = load.ops
    gc.collect()
    gc.freeze()  # as in `child`: the workload is the harness's
    figures["sizes"] = {
        "events": len(ops),
        "incidents": len(load.incidents),
        "batch": batch,
        "singles": singles,
        "queries": queries,
        "kinds": {k: sum(1 for op in ops if op.kind == k) for k in sorted({o.kind for o in ops})},
    }

    # Batch appends of the whole workload, then as-of tallies on the full log.
    sides = ("ours", "peer", "raw")
    appended = {
        side: _in_child(f"append-{side}", directory / f"{side}.db", events, batch, queries)
        for side in sides
    }
    figures["batch"] = {side: len(ops) / appended[side]["seconds"] for side in sides}
    figures["sqlite"] = {side: appended[side]["sqlite"] for side in ("ours", "peer")}
    figures["as_of"] = {side: _spread(appended[side]["as_of_ms"]) for side in ("ours", "peer")}
    print(
        f"appends and as-of queries done ({time.perf_counter() - started:.0f} s)", file=sys.stderr
    )

    # Full replays, each in a fresh process: time and peak memory above its baseline.
    figures["replay"] = {
        side: _in_child(f"replay-{side}", directory / f"{side}.db", events, batch, queries)
        for side in sides
    }
    for result in figures["replay"].values():
        result["events_per_s"] = len(ops) / result["seconds"]
    print(f"replays done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    rebuilt = _in_child("rebuild-ours", directory / "ours.db", events, batch, queries)
    rebuilt["events_per_s"] = len(ops) / rebuilt["seconds"]
    figures["rebuild"] = rebuilt

    # Import of the workload as JSON Lines into a new file, in a fresh process.
    lines = directory / "import.jsonl"
    with lines.open("w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in ours.jsonl(load))
    imported = _in_child("import-ours", directory / "import.db", events, batch, queries)
    imported["events_per_s"] = len(ops) / imported["seconds"]
    figures["import"] = imported
    lines.unlink()
    print(f"import done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    # The cold first answer: fresh processes, on this log and on one a tenth as long whose
    # incidents are as long (so the incident asked about is the same size in both).
    small = max(1, events // 10)
    for side in ("ours", "peer"):
        _in_child(f"append-{side}", directory / f"{side}-small.db", small, batch, 1)
    incident = load.incidents[0]
    when = workload.T0 + workload.SPAN / 2
    figures["cold"] = {
        size: _cold(directory, suffix, incident, when)
        for size, suffix in ((len(ops), ""), (len(workload.generate(small).ops), "-small"))
    }
    print(f"cold answers done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    # `ledger verify --since` a digest as many records back on both files.
    back = max(1, min(VERIFY_BACK, small // 10))
    figures["verify_since"] = {
        size: _verify_since(directory / f"ours{suffix}.db", back)
        for size, suffix in ((len(ops), ""), (len(workload.generate(small).ops), "-small"))
    }
    # `ledger changes` across the ledger since the workload's last batch, on both files.
    figures["changes"] = {
        size: _changes(directory / f"ours{suffix}.db", batch)
        for size, suffix in ((len(ops), ""), (len(workload.generate(small).ops), "-small"))
    }
    print(f"verify and changes done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    # Single appends, each its own durable transaction, on fresh files.
    few = ops[:singles]
    ledger = ours.open_ledger(directory / "ours-single.db")
    ledger.append(ours.setup_events(load))
    app = peer.open_app(directory / "peer-single.db")
    incidents = peer.setup(app, load)
    conn = raw.connect(directory / "raw-single.db")
    figures["single"] = {
        "ours": len(few) / _timed(lambda: ours.append_singly(ledger, few)),
        "peer": len(few) / _timed(lambda: peer.append_singly(app, incidents, few)),
        "raw": len(few) / _timed(lambda: raw.append_singly(conn, few)),
    }
    ledger.close()
    app.close()
    conn.close()
    figures["seconds"] = time.perf_counter() - started
    return figures


#: Fresh processes per side for each cold figure; their median is the figure.
COLD_RUNS = 7


def _cold(directory: Path, suffix: str, incident: str, when: dt.datetime) -> Figures:
    """Median wall time and peak memory of fresh processes answering one as-of tally, the two
    sides taking turns so that a slow spell of the machine shows in both."""
    runs: dict[str, list[Figures]] = {"ours": [], "peer": []}
    for _ in range(COLD_RUNS):
        for side, results in runs.items():
            argv = [sys.executable, "-m", "bench.cold", side, str(directory / f"{side}{suffix}.db")]
            start = time.perf_counter()
            out = subprocess.run(  # noqa: S603 - our own interpreter running our own module
                [*argv, incident, when.isoformat()], check=True, capture_output=True, text=True
            )
            result: Figures = json.loads(out.stdout.strip().splitlines()[-1])
            result["wall_s"] = time.perf_counter() - start
            results.append(result)
    return {
        side: {
            "wall_s": statistics.median(r["wall_s"] for r in results),
            "inside_s": statistics.median(r["inside_s"] for r in results),
            "peak_mib": max(r["peak_mib"] for r in results),
        }
        for side, results in runs.items()
    }


#: How many records before the head the digest that `verify --since` starts at is.
VERIFY_BACK = 10_000


def _verify_since(path: Path, back: int) -> Figures:
    """`ledger verify --since` a digest `back` records before the head: what a nightly check
    of the day's records costs."""
    record = _back(path, back)
    figures = _command(path, ["verify", "--since", f"{record.position}:{record.hash}"], COLD_RUNS)
    return {**figures, "records": back}


#: Fresh processes for the `changes` figure, which takes seconds each.
CHANGES_RUNS = 3


def _changes(path: Path, batch: int) -> Figures:
    """`ledger changes` across the ledger since the instant the record `batch` before the head
    was recorded: what "what changed since this morning" costs. The workload's clock ticks
    once a batch, so the window is the last batch's records."""
    since = _back(path, batch).recorded_at
    argv = ["changes", "--since", since.isoformat(), "--format", "json"]
    figures = _command(path, argv, CHANGES_RUNS)
    with Ledger.open(path, actor="bench") as ledger:
        changes = ledger.changes(since=since)
    return {**figures, "changes": len(changes), "reports": len({c.report_id for c in changes})}


def _back(path: Path, back: int) -> Record:
    """The record `back` positions before the head."""
    store = SQLiteStore(path, durable=False)
    try:
        record = record_at(store, store.head().position - back)
    finally:
        store.close()
    if record is None:
        raise SystemExit(f"{path} holds no record {back:,} before its head")
    return record


def _command(path: Path, command: list[str], runs: int) -> Figures:
    """Median wall time and peak memory of fresh processes running one `ledger` command."""
    argv = [sys.executable, "-m", "bench.command", str(path), *command]
    walls, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(  # noqa: S603 - our own interpreter running our own module
            argv, check=True, capture_output=True, text=True
        )
        walls.append(time.perf_counter() - start)
        peaks.append(json.loads(out.stdout.strip().splitlines()[-1])["peak_mib"])
    return {"wall_s": statistics.median(walls), "peak_mib": max(peaks)}


def _spread(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "median_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
    }


TARGETS = {
    "cold": "a fresh process's first as-of answer >= 2x faster than the peer's, within 1.5x "
    "at both sizes, peak memory <= 60 MiB",
    "batch": "ours >= 1.0x peer (1.5x the goal), the read model maintained",
    "single": "ours >= 1.0x peer (1.5x the goal)",
    "as_of": "ours >= 100x faster than peer, median <= 10 ms",
    "rebuild": "read model from the whole log, events/s against the peer's full replay",
    "import": "JSON Lines of the whole workload, peak memory <= 300 MiB",
    "verify_since": "`ledger verify --since` a digest as many records back: within 1.5x at both "
    "sizes (no peer keeps a chain to verify)",
    "changes": "`ledger changes --since` the same instant, ledger-wide: its cost follows the "
    "reports its window names, not the log (no peer keeps the figure before each change)",
}


def report(f: Figures) -> str:
    m, s = f["machine"], f["sizes"]
    b, one, r, q = f["batch"], f["single"], f["replay"], f["as_of"]
    mem = r["ours"]["peak_mib"] - r["ours"]["baseline_mib"]
    peer_mem = r["peer"]["peak_mib"] - r["peer"]["baseline_mib"]
    cold, v, c = f["cold"], f["verify_since"], f["changes"]
    per_report = {size: c[size]["wall_s"] / max(1, c[size]["reports"]) for size in c}
    big, little = sorted(cold, key=int, reverse=True)
    rows = [
        ("figure", "ours", "eventsourcing", "ours/peer", "raw sqlite3+json"),
        *(
            (
                f"cold first answer at {int(size):,} events, s",
                f"{cold[size]['ours']['wall_s']:.3f}", f"{cold[size]['peer']['wall_s']:.3f}",
                f"{cold[size]['peer']['wall_s'] / cold[size]['ours']['wall_s']:.2f}x faster", "-",
            )
            for size in (big, little)
        ),
        (
            "cold: ours at the larger / smaller size",
            f"{cold[big]['ours']['wall_s'] / cold[little]['ours']['wall_s']:.2f}x",
            f"{cold[big]['peer']['wall_s'] / cold[little]['peer']['wall_s']:.2f}x", "-", "-",
        ),
        (
            "cold first answer, peak MiB",
            f"{cold[big]['ours']['peak_mib']:,.0f}", f"{cold[big]['peer']['peak_mib']:,.0f}",
            "-", "-",
        ),
        *(
            (
                f"verify --since {v[size]['records']:,} records back at {int(size):,} events, s",
                f"{v[size]['wall_s']:.3f}", "-", "-", "-",
            )
            for size in (big, little)
        ),
        (
            "verify --since: at the larger / smaller size (peak MiB)",
            f"{v[big]['wall_s'] / v[little]['wall_s']:.2f}x ({v[big]['peak_mib']:,.0f})",
            "-", "-", "-",
        ),
        *(
            (
                f"changes since {c[size]['changes']:,} back at {int(size):,} events, s (reports)",
                f"{c[size]['wall_s']:.3f} ({c[size]['reports']:,})", "-", "-", "-",
            )
            for size in (big, little)
        ),
        (
            "changes: larger / smaller size, per report named (peak MiB)",
            f"{per_report[big] / per_report[little]:.2f}x ({c[big]['peak_mib']:,.0f})",
            "-", "-", "-",
        ),
        (
            f"batch append ({s['batch']:,}/txn), events/s",
            f"{b['ours']:,.0f}", f"{b['peer']:,.0f}", f"{b['ours'] / b['peer']:.2f}x",
            f"{b['raw']:,.0f}",
        ),
        (
            "single durable append, events/s",
            f"{one['ours']:,.0f}", f"{one['peer']:,.0f}", f"{one['ours'] / one['peer']:.2f}x",
            f"{one['raw']:,.0f}",
        ),
        (
            "read model rebuild, events/s",
            f"{f['rebuild']['events_per_s']:,.0f}", f"{r['peer']['events_per_s']:,.0f}",
            f"{f['rebuild']['events_per_s'] / r['peer']['events_per_s']:.2f}x", "-",
        ),
        (
            "JSON Lines import into a new file, events/s",
            f"{f['import']['events_per_s']:,.0f}", "-", "-", "-",
        ),
        (
            "JSON Lines import, peak MiB above baseline",
            f"{f['import']['peak_mib'] - f['import']['baseline_mib']:,.0f}", "-", "-", "-",
        ),
        (
            "custom projection full replay, events/s",
            f"{r['ours']['events_per_s']:,.0f}", f"{r['peer']['events_per_s']:,.0f}",
            f"{r['ours']['events_per_s'] / r['peer']['events_per_s']:.2f}x",
            f"{r['raw']['events_per_s']:,.0f} (decode only)",
        ),
        (
            "as-of tally, median ms",
            f"{q['ours']['median_ms']:.2f}", f"{q['peer']['median_ms']:.2f}",
            f"{q['peer']['median_ms'] / q['ours']['median_ms']:.0f}x faster", "-",
        ),
        (
            "as-of tally, p99 ms",
            f"{q['ours']['p99_ms']:.2f}", f"{q['peer']['p99_ms']:.2f}",
            f"{q['peer']['p99_ms'] / q['ours']['p99_ms']:.0f}x faster", "-",
        ),
        (
            "full replay peak memory, MiB above baseline",
            f"{mem:,.0f}", f"{peer_mem:,.0f}", f"{mem / peer_mem:.2f}x" if peer_mem > 0 else "-",
            f"{r['raw']['peak_mib'] - r['raw']['baseline_mib']:,.0f}",
        ),
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}",
        f"python {m['python']}, SQLite {m['sqlite']}, eventsourcing {m['eventsourcing']}",
        f"sqlite: ours {f['sqlite']['ours']}; peer {f['sqlite']['peer']} (2 = FULL)",
        (
            f"workload: {s['events']:,} report events over {s['incidents']} incidents "
            f"{s['kinds']}; {s['singles']:,} single appends; {s['queries']} as-of queries"
        ),
        "memory: peak RSS (VmHWM) of a fresh process after its replay, minus that after imports;",
        (
            "cold: median wall time of fresh processes, interpreter start and imports included"
            " (both packages' bytecode written, as an install writes it)"
        ),
        "",
    ]
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", "targets:"] + [f"  {k}: {v}" for k, v in TARGETS.items()]
    lines.append(f"total {f['seconds']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 events, for CI")
    parser.add_argument("--events", type=int, help="events to append and replay")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--dir", type=Path, help="where the databases go (default: a temp dir)")
    parser.add_argument("--child", nargs=2, metavar=("PART", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--queries", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    events = args.events or (10_000 if args.quick else 1_000_000)
    singles = 500 if args.quick else 10_000
    queries = args.queries or (20 if args.quick else 100)
    batch = args.batch or (1_000 if args.quick else 10_000)
    if args.child:
        child(args.child[0], Path(args.child[1]), events, batch, queries)
        return 0
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        figures = run(events, singles, queries, batch, Path(tmp))
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
