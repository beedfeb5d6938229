"""A consistent copy of a live SQLite ledger: `backup_sqlite`, and `ledger backup PATH`.

Copying the database file and its WAL with `cp` while a writer is busy can catch them at two
different moments: of 60 such copies in the hardening campaign, 4 ended in the middle of a
batch yet verified (a shorter log is a valid log), and 5 no longer opened. SQLite's online
backup API copies every page within one read transaction, so the copy is the log as of one
commit; readers never wait for a writer, and the writer is not stopped.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from ledger._files import creating
from ledger.errors import StoreError
from ledger.stores.sqlite import SQLiteStore
from ledger.verify import Digest, verify_log


def backup_sqlite(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> Digest:
    """Copy the ledger in the SQLite file `source` to the new file `target`; verify the copy.

    The copy is built under a private name beside `target` and appears under its name only
    once whole, synced and verified; an existing `target` is refused, never overwritten.
    Returns the copy's head digest.
    """
    source_path, target_path = Path(source), Path(target)
    if not source_path.is_file():
        raise StoreError(f"no ledger at {os.fspath(source)!r} to back up")
    if target_path.exists() or target_path.is_symlink():
        raise StoreError(f"{os.fspath(target)!r} exists already; back up to a new name")
    # Opening the store first refuses a file that is not a ledger (and brings an older one
    # up to date, as any command would).
    SQLiteStore(source_path).close()
    try:
        with creating(target_path) as building:
            _copy(source_path, building)
            copy = SQLiteStore(building)
            try:
                report = verify_log(copy)
            finally:
                copy.close()
            report.raise_for_problem()
            _fsync(building)
    except FileExistsError:
        raise StoreError(f"{os.fspath(target)!r} appeared while it was being written") from None
    return report.head


def _copy(source: Path, target: Path) -> None:
    try:
        src = sqlite3.connect(source, timeout=60.0)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {os.fspath(source)!r}: {exc}") from exc
    try:
        dst = sqlite3.connect(target)
        try:
            # pages=-1: every page in one step, under one read transaction of the source.
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise StoreError(f"backing up {os.fspath(source)!r} failed: {exc}") from exc
    finally:
        src.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
