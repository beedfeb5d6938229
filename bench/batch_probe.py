"""Where a batch append's time goes, per event, beside the peer's whole time per event.

    python -m bench.batch_probe                    # 200,000 events, batches of 10,000
    python -m bench.batch_probe --events 1000000   # the size bench/run.py measures
    python -m bench.batch_probe --no-gc            # the same with the cyclic collector off

The peer appends the workload first, in this process, and its time per event is the budget
that 1.0x leaves. Then our ledger appends the same workload with a timer around each step
of `Ledger.append` and of the SQLite store under it (a few hundred nanoseconds of timing
per step and event, charged to the steps). Each step's own time is shown, its children's
taken out, so the rows add up to the whole: the SQL statements by table, the commit, and
the Python work of checking, encoding, linking and folding each event. The cyclic collector
runs when allocations call for it, so its passes are charged to whichever step allocated
last; `--no-gc` switches it off for both contenders, to show its share.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import gc
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from bench import machine, ours, peer, workload

#: (owner, attribute, label): the steps timed, outermost first.
_STEPS: Final = (
    ("ledger.ledger:Ledger", "_record", "encode each event (Ledger._record)"),
    ("ledger.ledger:Ledger", "_folded", "fold the batch into the held folds (Ledger._folded)"),
    ("ledger.state:LedgerState", "check", "check each event (LedgerState.check)"),
    ("ledger.state:LedgerState", "apply", "fold each event into the scratch state"),
    ("ledger.stores.sqlite:SQLiteStore", "append", "SQLiteStore.append, its own"),
    ("ledger.stores.sqlite", "link", "number and chain each record (log.link)"),
    ("ledger.stores.sqlite:SQLiteStore", "_tip", "read the head and stream versions"),
    ("ledger.stores._readmodel", "write", "read model: build its rows"),
    ("ledger.stores._merkle", "grow", "Merkle tree: hash the nodes"),
)


class _Clock:
    """Times each wrapped step, charging a step's children to them and not to it."""

    def __init__(self) -> None:
        self.own: collections.defaultdict[str, float] = collections.defaultdict(float)
        self._stack: list[float] = []

    def timed(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - whatever it returns
            self._stack.append(0.0)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                children = self._stack.pop()
                self.own[label] += spent - children
                if self._stack:
                    self._stack[-1] += spent

        return wrapper

    def statement(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`Database.run_many`, timed by the table it writes."""

        @functools.wraps(fn)
        def wrapper(db: object, text: str, rows: Any) -> None:  # noqa: ANN401 - any rows
            table = text.split("{p}", 1)[1].split(None, 1)[0] if "{p}" in text else text
            self.timed(f"SQL: {text.split(None, 1)[0]} {table}", fn)(db, text, rows)

        return wrapper


def _resolve(path: str) -> Any:  # noqa: ANN401 - a module or a class
    import importlib  # noqa: PLC0415 - only the probe patches modules

    module, _, owner = path.partition(":")
    found: Any = importlib.import_module(module)
    return getattr(found, owner) if owner else found


@contextlib.contextmanager
def _instrument(clock: _Clock) -> Iterator[None]:
    """Wrap every step; undo it after."""
    from ledger.stores import _readmodel, sqlite  # noqa: PLC0415

    saved: list[tuple[Any, str, Any]] = []
    for path, name, label in _STEPS:
        owner = _resolve(path)
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, clock.timed(label, getattr(owner, name)))
    run_many = _readmodel.SQLiteDatabase.run_many
    saved.append((_readmodel.SQLiteDatabase, "run_many", run_many))
    _readmodel.SQLiteDatabase.run_many = clock.statement(run_many)  # type: ignore[method-assign]
    store = sqlite.SQLiteStore
    for name, label in (
        ("_insert", "SQL: INSERT events"),
        ("_guard", "SQL: BEGIN and COMMIT (and the other guarded calls)"),
    ):
        saved.append((store, name, getattr(store, name)))
        setattr(store, name, clock.timed(label, getattr(store, name)))
    try:
        yield
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


def _peer_us(load: workload.Workload, directory: Path, batch: int) -> float:
    app = peer.open_app(directory / "peer.db")
    incidents = peer.setup(app, load)
    start = time.perf_counter()
    peer.append_batches(app, incidents, load.ops, batch)
    seconds = time.perf_counter() - start
    app.close()
    return 1e6 * seconds / len(load.ops)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, help="where the files go (default: a temporary one)")
    parser.add_argument("--no-gc", action="store_true", help="switch the cyclic collector off")
    args = parser.parse_args(argv)
    machine.compile_like_an_install()
    load = workload.generate(args.events)
    gc.collect()
    gc.freeze()  # the workload is the harness's: no contender's collector walks it
    if args.no_gc:
        gc.disable()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        budget = _peer_us(load, Path(tmp), args.batch)
        gc.collect()
        ledger = ours.open_ledger(Path(tmp) / "ours.db")
        ledger.append(ours.setup_events(load))
        clock = _Clock()
        built = 0.0
        with _instrument(clock):
            start = time.perf_counter()
            for chunk in ours.chunks(load.ops, args.batch):
                made = time.perf_counter()
                events = [ours.to_event(op) for op in chunk]
                built += time.perf_counter() - made
                ledger.append(events, reason="bench")
            total = time.perf_counter() - start
        ledger.close()
    n = len(load.ops)
    described = machine.describe()
    print(
        f"{n:,} events in batches of {args.batch:,}; {described['cpu']}, "
        f"{described['cores']} cores, Python {described['python']}, SQLite {described['sqlite']}"
        + (", cyclic collector off" if args.no_gc else "")
    )
    print(f"peer (eventsourcing {described['eventsourcing']}): {budget:6.1f} µs an event")
    print(f"ours:                    {1e6 * total / n:6.1f} µs an event, of which:")
    rows: dict[str, float] = dict(clock.own)
    rows["build each event (the caller's, as the peer's)"] = built
    rows["the facade's own (Ledger.append and the rest)"] = total - sum(rows.values())
    for label, seconds in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"  {1e6 * seconds / n:6.1f}  {label}")


if __name__ == "__main__":
    main()
