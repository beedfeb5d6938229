"""The multi-process harness: writers killed at random, writers racing, readers watching.

Everything here takes the ledger's *address*, which `Ledger.open` understands: a SQLite path
today, a `postgresql://...` URL for the PostgreSQL store. Worker processes open the address
themselves with the same opener, so to run these campaigns against another store call
`run_crash_campaign` / `run_concurrent_writers` with its address (a fresh, empty ledger) and,
if `Ledger.open` cannot open it, `opener="package.module:function"` naming a function from
(address, actor=...) to a `Ledger`, importable in a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final, cast

import attrs

from ledger import AlreadyExistsError, Ledger, StoredEvent

#: Workers run as `python -m tests.reliability.<module>` from the repository root.
REPO_ROOT: Final = Path(__file__).resolve().parents[2]
T0: Final = dt.datetime(2025, 3, 8, 12, tzinfo=dt.UTC)
SOURCE: Final = "harness-monitor"
#: A worker that has not said "ready" by then is stuck, not slow.
READY_TIMEOUT: Final = 120.0

Opener = Callable[..., Ledger]


def open_with(opener: str | None, address: str, *, actor: str) -> Ledger:
    """Open `address` with `Ledger.open`, or with the function `opener` names ("mod:func")."""
    if opener is None:
        return Ledger.open(address, actor=actor)
    module, _, name = opener.partition(":")
    function = cast("Opener", getattr(importlib.import_module(module), name))
    return function(address, actor=actor)


def say(*lines: str) -> None:
    """A worker's report to its parent, one line each, flushed at once."""
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()


def batch_reason(writer: str, k: int, size: int) -> str:
    return f"batch {writer}/{k} of {size}"


def report_id(writer: str, k: int, i: int) -> str:
    return f"{writer}-{k}-{i}"


def parse_reason(reason: str | None) -> tuple[str, int, int] | None:
    if reason is None or not reason.startswith("batch "):
        return None
    key, _, size = reason.removeprefix("batch ").partition(" of ")
    writer, _, k = key.rpartition("/")
    return writer, int(k), int(size)


class Batches:
    """Events read so far, grouped by the batch that wrote them, with what is wrong with them."""

    def __init__(self) -> None:
        self.position = 0
        self.sizes: dict[tuple[str, int], int] = {}
        self.positions: dict[tuple[str, int], list[int]] = {}
        self.event_ids: set[str] = set()
        self.errors: list[str] = []

    def add(self, stored: StoredEvent) -> None:
        if stored.position != self.position + 1:
            self.errors.append(f"position {stored.position} follows {self.position}")
        if stored.event_id in self.event_ids:
            self.errors.append(f"event {stored.event_id} appears twice")
        self.position = stored.position
        self.event_ids.add(stored.event_id)
        if (parsed := parse_reason(stored.reason)) is not None:
            writer, k, size = parsed
            self.sizes[writer, k] = size
            self.positions.setdefault((writer, k), []).append(stored.position)

    def problems(self) -> list[str]:
        found = list(self.errors)
        for key, positions in self.positions.items():
            size = self.sizes[key]
            whole = list(range(positions[0], positions[0] + size))
            if positions != whole:
                found.append(f"batch {key} has positions {positions[:3]}... of {size}")
        return found

    def of(self, writer: str) -> set[int]:
        return {k for w, k in self.positions if w == writer}


def setup(address: str, incidents: list[str], *, opener: str | None = None) -> None:
    """Register the harness's source and open `incidents`, unless they exist already."""
    with open_with(opener, address, actor="harness") as ledger:
        with contextlib.suppress(AlreadyExistsError):
            ledger.register_source(SOURCE, name="Harness monitor", kind="monitor")
        for incident in incidents:
            with contextlib.suppress(AlreadyExistsError):
                ledger.open_incident(incident, title=f"Harness incident {incident}")


def spawn(module: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", f"tests.reliability.{module}", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def spawn_writer(
    address: str,
    writer: str,
    incidents: list[str],
    ack: Path,
    *,
    batch_size: int,
    start: int = 0,
    batches: int | None = None,
    opener: str | None = None,
) -> subprocess.Popen[str]:
    args = [address, "--writer", writer, "--incidents", ",".join(incidents), "--source", SOURCE]
    args += ["--ack", str(ack), "--start", str(start), "--batch-size", str(batch_size)]
    args += [] if batches is None else ["--batches", str(batches)]
    return spawn("writer", *args, *([] if opener is None else ["--opener", opener]))


def wait_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], READY_TIMEOUT)
    line = proc.stdout.readline() if ready else ""
    if line.strip() != "ready":
        proc.kill()
        raise AssertionError(f"worker {proc.args!r} did not start: {line!r}")


def finish(proc: subprocess.Popen[str]) -> str:
    """Wait for a worker that should succeed; return its last line of output."""
    # Not communicate(): it reads the pipe itself and misses whatever `wait_ready`'s readline
    # buffered already, which is everything when a fast worker said "ready" and finished
    # before we read its first line. Workers print a line or two, so waiting first is safe.
    assert proc.stdout is not None
    proc.wait(timeout=600)
    out = proc.stdout.read()
    proc.stdout.close()
    if proc.returncode != 0:
        raise AssertionError(f"worker {proc.args!r} failed ({proc.returncode}):\n{out}")
    return out.strip().splitlines()[-1]


def read_acks(path: Path) -> set[int]:
    """Batches acknowledged in an ack file; a line torn by a kill was never acknowledged."""
    if not path.exists():
        return set()
    text = path.read_text(encoding="ascii")
    return {int(line) for line in text.splitlines(keepends=True) if line.endswith("\n")}


@attrs.frozen(kw_only=True, slots=True)
class LogCheck:
    events: int
    batches: int


def check_log(
    address: str, acked: dict[str, set[int]], *, opener: str | None = None
) -> tuple[LogCheck, Batches]:
    """Open, replay and verify the log; assert every batch is whole and every ack present."""
    with open_with(opener, address, actor="checker") as ledger:
        ledger.verify().raise_for_problem()
        batches = Batches()
        for stored in ledger.events():
            batches.add(stored)
    assert not batches.problems(), batches.problems()[:5]
    for writer, ks in acked.items():
        lost = ks - batches.of(writer)
        assert not lost, f"acknowledged batches of {writer} lost: {sorted(lost)[:10]}"
    return LogCheck(events=batches.position, batches=len(batches.positions)), batches


@attrs.frozen(kw_only=True, slots=True)
class CrashFigures:
    kills: int
    batches_acknowledged: int
    batches_present: int
    events: int


def run_crash_campaign(
    address: str,
    *,
    workdir: Path,
    kills: int,
    batch_size: int,
    rng: random.Random,
    max_delay: float = 0.5,
    opener: str | None = None,
) -> CrashFigures:
    """Start a writer, SIGKILL it at a random moment, check the log; `kills` times over.

    Each new writer resumes after the last batch present, so the ledger accumulates across
    kills and every open also recovers from the previous kill.
    """
    writer, incident = "crash", "crash-incident"
    setup(address, [incident], opener=opener)
    ack = workdir / "crash.acks"
    start, check = 0, LogCheck(events=0, batches=0)
    for _ in range(kills):
        proc = spawn_writer(
            address, writer, [incident], ack, batch_size=batch_size, start=start, opener=opener
        )
        wait_ready(proc)
        time.sleep(rng.uniform(0, max_delay))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        check, batches = check_log(address, {writer: read_acks(ack)}, opener=opener)
        start = max(batches.of(writer), default=-1) + 1
    return CrashFigures(
        kills=kills,
        batches_acknowledged=len(read_acks(ack)),
        batches_present=check.batches,
        events=check.events,
    )


@attrs.frozen(kw_only=True, slots=True)
class WriterFigures:
    writers: int
    readers: int
    events: int
    batches: int
    conflicts_retried: int
    reads: int


def run_concurrent_writers(
    address: str,
    *,
    workdir: Path,
    writers: int,
    readers: int,
    batches: int,
    batch_size: int,
    opener: str | None = None,
) -> WriterFigures:
    """`writers` processes append at once, each alternating between its own incident and one
    they all share, while `readers` processes check they never see part of a batch."""
    names = [f"w{i}" for i in range(writers)]
    setup(address, ["shared", *(f"own-{n}" for n in names)], opener=opener)
    extra = ["--opener", opener] if opener else []
    stop = workdir / "stop"
    watchers = [spawn("reader", address, "--stop", str(stop), *extra) for _ in range(readers)]
    for proc in watchers:
        wait_ready(proc)
    procs = {
        name: spawn_writer(
            address,
            name,
            ["shared", f"own-{name}"],
            workdir / f"{name}.acks",
            batch_size=batch_size,
            batches=batches,
            opener=opener,
        )
        for name in names
    }
    conflicts = 0
    for proc in procs.values():
        wait_ready(proc)
    for proc in procs.values():
        conflicts += int(finish(proc).split()[1])
    stop.touch()
    reads = sum(int(finish(proc).split()[1]) for proc in watchers)
    acked = {name: read_acks(workdir / f"{name}.acks") for name in names}
    for name, ks in acked.items():
        assert ks == set(range(batches)), f"{name} acknowledged {sorted(ks)}"
    check, _ = check_log(address, acked, opener=opener)
    assert check.batches == writers * batches
    return WriterFigures(
        writers=writers,
        readers=readers,
        events=check.events,
        batches=check.batches,
        conflicts_retried=conflicts,
        reads=reads,
    )
