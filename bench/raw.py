"""The floor: plain sqlite3 and stdlib JSON, with the same durability and the same rows.

No validation, no hash chain, no objects: what any Python program must pay to put these
events in a durable SQLite file and get them back as dicts. The gap between our figures and
these is what our own code costs.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.workload import Op

_INSERT = "INSERT INTO events (stream, body) VALUES (?, ?)"


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(os.fspath(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, stream TEXT, body BLOB)"
    )
    return conn


def _body(op: Op) -> bytes:
    data: dict[str, Any] = {
        k: v for k, v in op._asdict().items() if v not in ("", None) and k != "reported_at"
    }
    data["reported_at"] = op.reported_at.isoformat()
    return json.dumps(data, separators=(",", ":")).encode()


def append_batches(conn: sqlite3.Connection, ops: Sequence[Op], batch: int) -> None:
    for start in range(0, len(ops), batch):
        rows = [(op.incident, _body(op)) for op in ops[start : start + batch]]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT, rows)
        conn.execute("COMMIT")


def append_singly(conn: sqlite3.Connection, ops: Sequence[Op]) -> None:
    for op in ops:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(_INSERT, (op.incident, _body(op)))
        conn.execute("COMMIT")


def replay(path: Path) -> int:
    """Read every body and decode it; returns how many."""
    conn = connect(path)
    count = 0
    for (body,) in conn.execute("SELECT body FROM events ORDER BY position"):
        json.loads(body)
        count += 1
    conn.close()
    return count
