"""Running a benchmark module as its users do, for the tests that keep the benchmarks alive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_bench(module: str, *args: str, timeout: float = 120) -> str:
    """`python -m module args...` from the project's root; its standard output, once it has
    exited cleanly (its standard error is the failure's message otherwise)."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
