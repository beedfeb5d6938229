"""What the Merkle tree costs and what its proofs cost, on a ledger of a million events.

    .venv/bin/python -m bench.proofs             # 1,000,000 events (builds the file once)
    .venv/bin/python -m bench.proofs --quick     # 20,000 events: seconds
    .venv/bin/python -m bench.proofs --db big.db # reuse a ledger built by an earlier run

It builds bench/workload.py's workload in batches (as bench/run.py does, on a durable SQLite
file), timing the tree's step of each append transaction (`_merkle.grow`) against the whole
append. Then it times single durable appends with the tree and, interleaved, with its step
skipped, on copies of the same ledger; and at full size it makes and checks inclusion
proofs of random reports and consistency proofs from random earlier heads, reporting the
nodes each reads, its size as JSON, and the time to make and to check it. Last, it files a
report naming a victim in a declared personal field and times one redaction of that field
(`Ledger.redact`), with the read model's part and the WAL checkpoint inside it.
docs/performance.md ("Proofs" and "Redaction") gives the figures of one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import machine, ours, workload
from ledger import Ledger, Provenance, merkle, proof_check, proof_format, proofs
from ledger.stores import _merkle, _readmodel
from ledger.stores.sqlite import SQLiteStore


@contextmanager
def _timed(owner: object, name: str, spent: list[float]) -> Iterator[None]:
    """`owner.name` (a function of a module, or a method of a class) timed into `spent`."""
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - whatever it returns
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _timed_grow(spent: list[float]) -> Any:  # noqa: ANN401 - a context manager
    """`_merkle.grow` timed into `spent`, for the stores that call it."""
    return _timed(_merkle, "grow", spent)


@contextmanager
def _no_tree() -> Iterator[None]:
    original = _merkle.grow

    def grow(db: object, batch: object, *, head: object, edge: object) -> None:  # noqa: ARG001 - skipped
        return

    _merkle.grow = grow
    try:
        yield
    finally:
        _merkle.grow = original


def build(path: Path, events: int, batch: int) -> dict[str, float]:
    load = workload.generate(events)
    spent: list[float] = []
    with _timed_grow(spent), ours.open_ledger(path) as ledger:
        ledger.append(ours.setup_events(load))
        start = time.perf_counter()
        ours.append_batches(ledger, load.ops, batch)
        seconds = time.perf_counter() - start
    return {
        "events": len(load.ops),
        "batch": batch,
        "append_seconds": seconds,
        "tree_seconds": sum(spent),
        "tree_share": sum(spent) / seconds,
        "tree_us_per_event": sum(spent) / len(load.ops) * 1e6,
    }


def singles(path: Path, rounds: int, per_round: int) -> dict[str, float]:
    """Durable single-event appends with the tree and without it, interleaved by round, on
    two copies of the built ledger: each appends filings of new reports to its first
    incident, as a desk entering one claim at a time would."""
    load = workload.generate(per_round * 4, seed=99)
    filed = [op for op in load.ops if op.kind == "filed"]
    times: dict[str, list[float]] = {"with": [], "without": []}
    copies = {k: path.with_name(f"{path.stem}-{k}.db") for k in times}
    for copy in copies.values():
        shutil.copyfile(path, copy)
    ledgers = {k: _open_after_head(copy) for k, copy in copies.items()}
    counter = iter(range(10**9))
    try:
        for _ in range(rounds):
            for which, ledger in ledgers.items():
                chunk = [
                    filed[next(counter) % len(filed)]._replace(
                        report_id=f"single-{which}-{next(counter)}"
                    )
                    for _ in range(per_round)
                ]
                with _no_tree() if which == "without" else _timed_grow([]):
                    start = time.perf_counter()
                    for op in chunk:
                        ledger.append([ours.to_event(op)], reason="bench")
                    times[which].append((time.perf_counter() - start) / per_round)
    finally:
        for ledger in ledgers.values():
            ledger.close()
        for copy in copies.values():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
    with_, without = statistics.median(times["with"]), statistics.median(times["without"])
    return {
        "append_ms_with_tree": with_ * 1e3,
        "append_ms_without_tree": without * 1e3,
        "tree_ms": (with_ - without) * 1e3,
    }


def _open_after_head(path: Path) -> Ledger:
    """The ledger at `path` on a clock ticking a second per append from its head's time."""
    with Ledger.open(path, actor="bench") as ledger:
        start = ledger.store.head().recorded_at or dt.datetime.now(dt.UTC)
    ticks = itertools.count(1)
    return Ledger.open(path, actor="bench", clock=lambda: start + dt.timedelta(seconds=next(ticks)))


def prove(path: Path, samples: int) -> dict[str, float]:
    rng = random.Random(16)
    with Ledger.open(path, actor="bench") as ledger:
        start = time.perf_counter()
        head = proofs.tree_head(ledger)
        head_ms = (time.perf_counter() - start) * 1e3
        reports = [
            r.report_id
            for r in ledger.reports(rng.choice([i.incident for i in ledger.incidents()]))
        ]
        make, check, size, nodes = [], [], [], []
        for report in rng.sample(reports, min(samples, len(reports))):
            start = time.perf_counter()
            proof = proofs.inclusion_proof(ledger, report, head=head, version=0)
            make.append(time.perf_counter() - start)
            text = proof_format.dump_document(proof)
            start = time.perf_counter()
            proof_check.check_proof(text, proof_format.dump_document(head))
            check.append(time.perf_counter() - start)
            size.append(len(text.encode()))
            nodes.append(len(proof.path))
        c_make, c_check, c_size = [], [], []
        store = ledger.store
        for _ in range(samples):
            old_size = rng.randint(1, head.size - 1)
            old = proof_format.TreeHead(
                format=proof_format.HEAD_FORMAT,
                format_version=proof_format.FORMAT_VERSION,
                size=old_size,
                root=merkle.root(old_size, store.tree_nodes).hex(),
                chain=next(store.read(after=old_size - 1, until=old_size)).hash,
                issued_at=head.issued_at,
            )
            start = time.perf_counter()
            extension = proofs.consistency_proof(ledger, old=old, head=head)
            c_make.append(time.perf_counter() - start)
            text = proof_format.dump_document(extension)
            start = time.perf_counter()
            proof_check.check_proof(text, head, since=old)
            c_check.append(time.perf_counter() - start)
            c_size.append(len(text.encode()))
        rows = ledger.store.tree_size()
        nodes_rows = store._conn.execute("SELECT count(*) FROM merkle_nodes").fetchone()[0]  # type: ignore[attr-defined]  # noqa: SLF001
    return {
        "tree_size": rows,
        "merkle_rows": nodes_rows,
        "head_ms": head_ms,
        "inclusion_make_ms": statistics.median(make) * 1e3,
        "inclusion_check_ms": statistics.median(check) * 1e3,
        "inclusion_bytes": statistics.median(size),
        "inclusion_path_hashes": statistics.median(nodes),
        "consistency_make_ms": statistics.median(c_make) * 1e3,
        "consistency_check_ms": statistics.median(c_check) * 1e3,
        "consistency_bytes": statistics.median(c_size),
    }


def redaction(path: Path) -> dict[str, Any]:
    """One redaction of a personal field on the built ledger: a report naming a victim,
    filed into the first incident, then its name erased (`Ledger.redact`: the history
    looked up, the event appended, the body replaced, the report's read-model rows derived
    again from its incident's stream, the WAL checkpointed), and each part timed."""
    rebuild: list[float] = []
    checkpoint: list[float] = []
    with _open_after_head(path) as ledger:
        if "victim_names" not in {f.field for f in ledger.fields()}:
            ledger.declare_field("victim_names", reason="bench")
        incident = ledger.incidents()[0].incident
        head = ledger.store.head()
        report = ledger.file_report(
            incident,
            source=ledger.sources()[0].source,
            metric="killed",
            figure="at least 2",
            reported_at=head.recorded_at or dt.datetime.now(dt.UTC),
            provenance=Provenance(personal={"victim_names": "A. Bench-Name and B. Bench-Name"}),
        )
        with (
            _timed(_readmodel, "after_redaction", rebuild),
            _timed(SQLiteStore, "_erase_free_pages", checkpoint),
        ):
            start = time.perf_counter()
            erased = ledger.redact(report, field="victim_names", reason="bench")
            seconds = time.perf_counter() - start
        assert not ledger.report(report).versions[0].provenance.personal  # noqa: S101
        records = ledger.store.head().position
    return {
        "records": records,
        "erased_positions": erased,
        "redact_seconds": seconds,
        "read_model_seconds": sum(rebuild),
        "wal_checkpoint_seconds": sum(checkpoint),
        "rest_seconds": seconds - sum(rebuild) - sum(checkpoint),
    }


def free_text(repeat: int = 20_000) -> dict[str, float]:
    """What free text adds to a body apart from any ledger: the salts drawn on encoding, and
    the committed form taken before each hash of it (`ledger.codec.committed`), for one
    revision naming only an outlet and one with a quote and a personal field."""
    import timeit  # noqa: PLC0415

    from ledger.codec import EVENTS, committed  # noqa: PLC0415
    from ledger.events import ReportRevised  # noqa: PLC0415
    from ledger.figures import Figure  # noqa: PLC0415

    figures: dict[str, float] = {}
    for name, provenance in (
        ("via", Provenance(via="CNN")),
        (
            "text",
            Provenance(
                via="CNN",
                quote="We documented the killing of at least 311 people since Thursday",
                personal={"victim_names": "Ahmad K., Bashir M."},
            ),
        ),
    ):
        event = ReportRevised(
            incident="syria-coast-2025-03",
            report_id="snhr-killed-all-all",
            figure=Figure.parse("at least 311"),
            reported_at=dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC),
            provenance=provenance,
        )

        def encode(event: ReportRevised = event) -> bytes:
            return EVENTS.encode(event, event_id="0" * 32, actor="desk", reason=None, batch=(0, 1))

        body = encode()
        for step, run in (("encode", encode), ("committed", lambda body=body: committed(body))):
            best = min(timeit.repeat(run, number=repeat, repeat=5))
            figures[f"{name}_{step}_us"] = best / repeat * 1e6
        figures[f"{name}_stored_bytes"] = len(body)
        figures[f"{name}_hashed_bytes"] = len(committed(body))
    return figures


def _table_bytes(path: Path) -> dict[str, int]:
    import sqlite3  # noqa: PLC0415

    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name IN ('events', 'merkle_nodes')"
            " GROUP BY name"
        ).fetchall()
    except sqlite3.OperationalError:  # a build without the dbstat table
        rows = []
    finally:
        conn.close()
    return {f"{name}_bytes": int(size) for name, size in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 events")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--db", type=Path, help="a ledger built by an earlier run, reused")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    events = args.events or (20_000 if args.quick else 1_000_000)
    figures: dict[str, Any] = {"machine": machine.describe(), "free_text": free_text()}
    with tempfile.TemporaryDirectory(prefix="bench-proofs-") as tmp:
        path = args.db or Path(tmp) / "ledger.db"
        if not path.exists():
            figures["build"] = build(path, events, args.batch)
            print(json.dumps(figures["build"]), file=sys.stderr, flush=True)
        figures["single"] = singles(path, rounds=10, per_round=30 if args.quick else 100)
        figures["proofs"] = prove(path, args.samples)
        figures["storage"] = _table_bytes(path)
        print(json.dumps(figures, indent=2), file=sys.stderr, flush=True)
        figures["redaction"] = redaction(path)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
