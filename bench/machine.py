"""What the figures were measured on: they mean nothing without it."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def describe() -> dict[str, str]:
    from importlib.metadata import version  # noqa: PLC0415 - only needed here

    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "ram": f"{_ram_gib():.1f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": version("eventsourcing"),
        "os": f"{platform.system()} {platform.release()}",
    }


def compile_like_an_install() -> None:
    """Write the bytecode of `ledger` as `pip install` does for an installed package.

    The peer is installed from a wheel, its bytecode written at install time; `ledger` is
    installed in place (`pip install -e .`), so its bytecode is written on first import,
    unless PYTHONDONTWRITEBYTECODE is set (as on the machine these figures come from), when
    every fresh process would compile it from source again: 25 ms of a cold answer that no
    installed copy pays. Python reads bytecode whatever that variable says.
    """
    import compileall  # noqa: PLC0415 - only the benchmark needs it

    import ledger  # noqa: PLC0415 - the package whose files get bytecode

    compileall.compile_dir(Path(ledger.__file__).parent, quiet=2)
