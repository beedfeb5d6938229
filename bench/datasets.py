"""Dataset import: the speed and memory of importing UCDP GED releases. One command:

    python -m bench.datasets          # the real 19.1 extract, and 385,000 synthetic events
    python -m bench.datasets --quick  # 2,000 synthetic events: checks the code, proves nothing

Each import runs in a fresh process, into a new SQLite file (as `ledger ucdp import` does), so
its peak memory is its own: VmHWM after the import minus VmHWM after `import ledger.formats.ucdp`.
The synthetic release has GED's 42 columns and its shape (a third one-sided, a range on one
event in seven, place names four deep); release B of it changes 2.16% of events (as UCDP's
26.1 did), drops 0.5% and adds 1%. Figures go to stdout and, with --json, to a file;
docs/performance.md reports them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import machine
from ledger.projections.folds import DEFAULT_CACHE_EVENTS

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "ucdp" / "ged191.csv.gz"
GED_SIZE = 385_000
#: A ledger that holds fewer folds (`Ledger(store, cache_events=...)`) holds less memory.
SMALL_CACHE = 50_000
#: How often an event's most precise place is its district; else one of 20,000 towns.
_NAMED_BY_DISTRICT = 0.4
#: Release B against A: events dropped, and events revised (UCDP's 26.1 changed 2.16%).
_DROPPED, _REVISED = 0.005, 0.0216

COLUMNS = (  # noqa: SIM905 - GED's header, as the file writes it
    "id,year,active_year,type_of_violence,conflict_new_id,conflict_name,dyad_new_id,dyad_name,"
    "side_a_new_id,gwnoa,side_a,side_b_new_id,gwnob,side_b,number_of_sources,source_article,"
    "source_office,source_date,source_headline,source_original,where_prec,where_coordinates,"
    "adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,region,"
    "event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,"
    "deaths_unknown,low,best,high"
).split(",")


def _vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def synthetic_rows(n: int, *, seed: int = 191) -> Iterator[dict[str, str]]:
    """`n` GED-like events, the same for the same seed."""
    rng = random.Random(seed)
    countries = [f"Country {c}" for c in range(60)]
    actors = [f"Armed Group {a}" for a in range(400)]
    start = dt.date(1989, 1, 1)
    for i in range(n):
        c = rng.randrange(len(countries))
        adm_1 = f"Province {c}-{rng.randrange(8)}"
        adm_2 = f"District {adm_1[9:]}-{rng.randrange(12)}"
        where = adm_2 if rng.random() < _NAMED_BY_DISTRICT else f"Town {rng.randrange(20_000)}"
        kind = rng.choice("1123")
        government = f"Government of {countries[c]}"
        side_a = government if kind != "2" else rng.choice(actors)
        side_b = "Civilians" if kind == "3" else rng.choice(actors)
        deaths = [0, 0, 0, 0]
        for _ in range(max(1, int(rng.expovariate(0.3)))):
            deaths[
                rng.randrange(1 if kind == "3" else 0, 4) if kind != "3" else rng.choice((0, 2, 3))
            ] += 1
        best = sum(deaths)
        low, high = (
            (best, best)
            if rng.random() < 6 / 7
            else (max(0, best - rng.randrange(3)), best + rng.randrange(1, 20))
        )
        day = start + dt.timedelta(days=rng.randrange(13_000))
        yield {
            "id": str(100_000 + i),
            "year": str(day.year),
            "active_year": "1",
            "type_of_violence": kind,
            "conflict_new_id": str(c),
            "conflict_name": f"{countries[c]}: conflict",
            "dyad_new_id": str(i % 997),
            "dyad_name": f"{side_a} - {side_b}",
            "side_a_new_id": "1",
            "gwnoa": str(700 + c) if side_a == government else "",
            "side_a": side_a,
            "side_b_new_id": "2",
            "gwnob": "",
            "side_b": side_b,
            "number_of_sources": str(rng.choice((-1, 1, 1, 2, 3))),
            "source_article": f'"Agency {rng.randrange(50)},{day},Clashes reported in {where}"',
            "source_office": f"Agency {rng.randrange(50)}",
            "source_date": str(day),
            "source_headline": f"Clashes reported in {where}",
            "source_original": rng.choice(("police", "officials", "residents", "")),
            "where_prec": str(rng.randrange(1, 8)),
            "where_coordinates": where,
            "adm_1": adm_1,
            "adm_2": adm_2,
            "latitude": f"{rng.uniform(-40, 60):.6f}",
            "longitude": f"{rng.uniform(-20, 140):.6f}",
            "geom_wkt": "",
            "priogrid_gid": str(rng.randrange(260_000)),
            "country": countries[c],
            "country_id": str(700 + c),
            "region": "Asia",
            "event_clarity": rng.choice("112"),
            "date_prec": rng.choice("11112345"),
            "date_start": str(day),
            "date_end": str(day + dt.timedelta(days=rng.choice((0, 0, 0, 1, 3)))),
            "deaths_a": str(deaths[0]),
            "deaths_b": str(deaths[1]),
            "deaths_civilians": str(deaths[2]),
            "deaths_unknown": str(deaths[3]),
            "low": str(low),
            "best": str(best),
            "high": str(high),
        }


def later_release(
    rows: Iterator[dict[str, str]], n: int, *, seed: int = 261
) -> Iterator[dict[str, str]]:
    """Release B: 2.16% of events revised (one more civilian), 0.5% dropped, 1% new."""
    rng = random.Random(seed)
    for row in rows:
        roll = rng.random()
        if roll < _DROPPED:
            continue
        if roll < _DROPPED + _REVISED:
            revised = dict(row)
            revised["deaths_civilians"] = str(int(row["deaths_civilians"]) + 1)
            for column in ("low", "best", "high"):
                revised[column] = str(int(row[column]) + 1)
            yield revised
        else:
            yield row
    for row in synthetic_rows(n // 100, seed=seed):
        yield dict(row, id=str(int(row["id"]) + 10_000_000))


def write(path: Path, rows: Iterator[dict[str, str]]) -> int:
    count = 0
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1) as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _step(db: Path, file: Path, release: str, released_on: str, cache: int) -> dict[str, Any]:
    """One import, in this (fresh) process, by a ledger holding up to `cache` events' folds."""
    from ledger import Ledger, SQLiteStore  # noqa: PLC0415 - measured after the baseline
    from ledger.formats.ucdp import import_ucdp  # noqa: PLC0415

    baseline = _vm_hwm_mib()
    with Ledger(SQLiteStore(db), cache_events=cache) as ledger:
        began = time.perf_counter()
        summary = import_ucdp(
            ledger, file, release=release, released_on=dt.date.fromisoformat(released_on)
        )
        seconds = time.perf_counter() - began
    return {
        "records": summary.records,
        "events": len(summary.positions),
        "filed": summary.filed,
        "revised": summary.revised,
        "retracted": summary.retracted,
        "unchanged": summary.unchanged,
        "seconds": round(seconds, 2),
        "records_per_s": round(summary.records / seconds),
        "events_per_s": round(len(summary.positions) / seconds),
        "baseline_mib": round(baseline, 1),
        "peak_mib": round(_vm_hwm_mib(), 1),
        "memory_mib": round(_vm_hwm_mib() - baseline, 1),
    }


def _measure(
    db: Path, file: Path, release: str, released_on: str, *, cache: int = DEFAULT_CACHE_EVENTS
) -> dict[str, Any]:
    step = [str(db), str(file), release, released_on, str(cache)]
    out = subprocess.run(  # noqa: S603 - our own interpreter running our own module
        [sys.executable, "-m", "bench.datasets", "--step", *step],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 synthetic events")
    parser.add_argument("--events", type=int, help=f"synthetic events (default: {GED_SIZE:,})")
    parser.add_argument(
        "--dir", type=Path, help="where to put the files (default: a temporary one)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--step", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step is not None:
        db, file, release, released_on, cache = args.step
        print(json.dumps(_step(Path(db), Path(file), release, released_on, int(cache))))
        return 0
    n = args.events or (2_000 if args.quick else GED_SIZE)
    with tempfile.TemporaryDirectory(prefix="bench-datasets-", dir=args.dir) as folder:
        work = Path(folder)
        figures: dict[str, Any] = {"machine": machine.describe(), "synthetic_events": n}
        figures["ucdp_19_1"] = _measure(work / "real.db", FIXTURE, "19.1", "2019-06-01")
        figures["ucdp_19_1_again"] = _measure(work / "real.db", FIXTURE, "19.1", "2019-06-01")
        a, b = work / "synthetic-a.csv.gz", work / "synthetic-b.csv.gz"
        write(a, synthetic_rows(n))
        write(b, later_release(synthetic_rows(n), n))
        figures["synthetic_a"] = _measure(work / "synthetic.db", a, "A", "2020-06-01")
        figures["synthetic_b"] = _measure(work / "synthetic.db", b, "B", "2021-06-01")
        figures["synthetic_db_mib"] = round((work / "synthetic.db").stat().st_size / 2**20, 1)
        (work / "synthetic.db").unlink()
        figures["synthetic_a_small_cache"] = _measure(
            work / "small-cache.db", a, "A", "2020-06-01", cache=SMALL_CACHE
        )
    for name in (
        "ucdp_19_1",
        "ucdp_19_1_again",
        "synthetic_a",
        "synthetic_b",
        "synthetic_a_small_cache",
    ):
        f = figures[name]
        print(
            f"{name:16} {f['records']:>8,} records {f['events']:>9,} events {f['seconds']:>8.1f} s "
            f"{f['records_per_s']:>7,} records/s {f['events_per_s']:>7,} events/s "
            f"{f['memory_mib']:>7.1f} MiB above baseline"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
