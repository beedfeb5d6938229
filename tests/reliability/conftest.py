from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .scale import FIGURES, LONG


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the reliability campaigns measured, for docs/reliability.md."""
    if not FIGURES:
        return
    scale = "long" if LONG else "short"
    terminalreporter.section(f"reliability figures ({scale} scale)")
    for name in sorted(FIGURES):
        terminalreporter.write_line(f"{name}: {FIGURES[name]}")
    if path := os.environ.get("LEDGER_RELIABILITY_FIGURES"):
        figures = {"scale": scale, **dict(sorted(FIGURES.items()))}
        Path(path).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
