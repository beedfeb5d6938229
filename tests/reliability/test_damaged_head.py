"""A damaged head (issue 17, finding 8): verify reports it; every command says where it is.

A garbled `recorded_at` in the last record, or one written as `999-...` (glibc's `%Y` does
not pad years below 1000), made `head()`, `digest()` and `append()` raise a raw `ValueError`,
so every CLI command died with a traceback; a hash stored as a BLOB made `verify` raise
`TypeError`.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger import Ledger, LedgerError, SQLiteStore, StoreError, verify_log
from ledger.cli import main
from ledger.codec import format_time, parse_time

from . import tamper
from .sample import populate
from .scale import count


def _garble_time(conn: sqlite3.Connection, position: int) -> None:
    conn.execute("UPDATE events SET recorded_at = 'yesterday-ish' WHERE position = ?", (position,))


def _unpadded_year(conn: sqlite3.Connection, position: int) -> None:
    conn.execute(
        "UPDATE events SET recorded_at = '999-03-08T14:00:00.000000Z' WHERE position = ?",
        (position,),
    )


def _blob_hash(conn: sqlite3.Connection, position: int) -> None:
    conn.execute("UPDATE events SET hash = CAST(hash AS BLOB) WHERE position = ?", (position,))


def _null_hash(conn: sqlite3.Connection, position: int) -> None:
    conn.execute("UPDATE events SET hash = 42 WHERE position = ?", (position,))


DAMAGE: dict[str, Callable[[sqlite3.Connection, int], None]] = {
    "garbled recorded_at": _garble_time,
    "unpadded year": _unpadded_year,
    "hash as a BLOB": _blob_hash,
    "hash as a number": _null_hash,
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("damaged-head") / "pristine.db"
    with Ledger.open(path, actor="editor", durable=False) as ledger:
        populate(ledger, rounds=1)
    return path


def damaged(pristine: Path, tmp_path: Path, how: str, *, at: int | None = None) -> tuple[Path, int]:
    path = tmp_path / "damaged.db"
    path.write_bytes(pristine.read_bytes())
    with tamper.raw(path) as conn:
        position = tamper.count(conn) if at is None else at
        DAMAGE[how](conn, position)
    return path, position


@pytest.mark.parametrize("how", sorted(DAMAGE))
@pytest.mark.parametrize("where", ["head", "middle"])
def test_verify_reports_damage_and_never_raises(
    pristine: Path, tmp_path: Path, how: str, where: str
) -> None:
    path, position = damaged(pristine, tmp_path, how, at=None if where == "head" else 5)
    store = SQLiteStore(path)
    try:
        report = verify_log(store)
    finally:
        store.close()
    assert not report.ok
    assert report.problem is not None
    assert report.problem.position == position
    count("damaged files: verified, the damage reported at its position")


COMMANDS: dict[str, list[str]] = {
    "digest": ["digest"],
    "tally": ["tally", "gaza-north"],
    "history": ["changes"],
    "source add": ["source", "add", "late", "--name", "Late", "--kind", "media"],
    "report": [
        "report", "gaza-north", "--source", "snhr", "--metric", "killed", "--figure", "3",
        "--reported-at", "2025-03-08T14:00Z",
    ],
    "export": ["export", "-"],
    "init": ["init"],
}  # fmt: skip


@pytest.mark.parametrize("how", ["garbled recorded_at", "unpadded year", "hash as a BLOB"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_on_a_damaged_head_says_it_is_damaged_and_where(
    pristine: Path, tmp_path: Path, how: str, command: str
) -> None:
    path, position = damaged(pristine, tmp_path, how)
    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", str(path), *COMMANDS[command]], stdout=out, stderr=err) == 1
    message = err.getvalue()
    assert message.startswith("ledger: error: "), message
    assert "damaged" in message
    assert f"position {position}" in message
    count("damaged files: commands that said where the damage is")


@pytest.mark.parametrize("how", ["garbled recorded_at", "unpadded year", "hash as a BLOB"])
def test_the_cli_verify_reports_a_damaged_head(pristine: Path, tmp_path: Path, how: str) -> None:
    path, position = damaged(pristine, tmp_path, how)
    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", str(path), "verify"], stdout=out, stderr=err) == 1
    assert f"position {position}" in out.getvalue(), err.getvalue()


@pytest.mark.parametrize("how", ["garbled recorded_at", "unpadded year", "hash as a BLOB"])
def test_the_api_on_a_damaged_head_raises_a_store_error_naming_the_position(
    pristine: Path, tmp_path: Path, how: str
) -> None:
    path, position = damaged(pristine, tmp_path, how)
    store = SQLiteStore(path)
    try:
        with pytest.raises(StoreError, match=f"damaged at position {position}"):
            store.head()
    finally:
        store.close()
    with pytest.raises(LedgerError, match=f"position {position}"):
        Ledger.open(path).close()


@pytest.mark.parametrize("year", [1, 999, 1000, 9999])
def test_recorded_times_of_every_year_read_back(year: int) -> None:
    when = dt.datetime(year, 3, 8, 14, tzinfo=dt.UTC)
    assert format_time(when)[:5] == f"{year:04d}-"
    assert parse_time(format_time(when)) == when
