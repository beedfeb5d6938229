from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from tests.postgres_support import drop_schemas, postgres_url, unique_schema, with_schema

from .scale import FIGURES, LONG

#: Figures measured on PostgreSQL are reported under their own names, so the SQLite figures
#: that docs/reliability.md quotes stay what they were.
POSTGRES_FIGURES: Final = " [postgres]"


@pytest.fixture(params=["sqlite", "postgres"])
def address(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty ledger's address: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    url, schema = postgres_url(), unique_schema()
    before = dict(FIGURES)
    yield with_schema(url, schema)
    drop_schemas(url, [schema])
    for name in [n for n in FIGURES if not n.endswith(POSTGRES_FIGURES)]:
        FIGURES[name + POSTGRES_FIGURES] += FIGURES[name] - before.get(name, 0)
        if name in before:
            FIGURES[name] = before[name]
        else:
            del FIGURES[name]


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
