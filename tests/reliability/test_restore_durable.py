"""Restore's success cannot be taken back (issue 17, finding 9).

`ledger restore` appends without syncing each commit (an interrupted restore is discarded,
not resumed) and relied on closing its connection to checkpoint the WAL into the database
file. SQLite checkpoints on close only when the closing connection is the last one: with any
other connection open, a power cut after "restored 3002 records, verified" kept 2,887. The
command now makes the restore durable before it says so.

The power cut is modelled by what survives it without the WAL: the database file alone. A
checkpoint that completed has synced every restored page into it.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from ledger import Ledger, export_log
from ledger.cli import main

from .sample import populate
from .scale import count, pick

ROUNDS = pick(40, 200)


def test_a_restore_is_in_the_database_file_when_it_says_so(tmp_path: Path) -> None:
    source = Ledger.in_memory(actor="editor")
    populate(source, rounds=ROUNDS)
    export = tmp_path / "backup.jsonl"
    with export.open("w", encoding="utf-8") as out:
        digest = export_log(source, out)
    target = tmp_path / "restored.db"
    Ledger.open(target).close()  # an empty ledger, as a desk would prepare it
    # Another process has the ledger open (a dashboard, a `ledger watch`), idle.
    other = sqlite3.connect(target)
    try:
        other.execute("SELECT count(*) FROM events").fetchone()
        said, err = io.StringIO(), io.StringIO()
        status = main(["--db", str(target), "restore", str(export)], stdout=said, stderr=err)
        assert status == 0, err.getvalue()
        assert "verified" in said.getvalue()
        # The power cut: whatever was not synced into the database file is gone.
        survivor = tmp_path / "after-the-power-cut.db"
        survivor.write_bytes(target.read_bytes())
    finally:
        other.close()
    with Ledger.open(survivor) as ledger:
        assert ledger.digest() == digest
        assert ledger.verify(against=digest).ok
    count("restore: records restored, all in the database file when it said so", digest.position)
