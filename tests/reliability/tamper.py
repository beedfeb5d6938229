"""What a tamperer with write access to the SQLite file can do, one function per trick.

Each drops the append-only triggers first, as a tamperer would, and works through a raw
`sqlite3` connection. The forger's tricks recompute hashes with the ledger's own algorithm.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from ledger.codec import format_time, parse_time
from ledger.log import GENESIS_HASH, Record, chain_hash
from ledger.stores import _merkle, _readmodel


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
        conn.execute("DROP TRIGGER IF EXISTS merkle_no_update")
        conn.execute("DROP TRIGGER IF EXISTS merkle_no_delete")
        conn.execute("BEGIN")
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


def copy(source: Path, target: Path, trick: Callable[[sqlite3.Connection], object]) -> Path:
    """`target`, a copy of the ledger file `source` with `trick` played on it."""
    shutil.copyfile(source, target)
    with raw(target) as conn:
        trick(conn)
    return target


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def body(conn: sqlite3.Connection, position: int) -> bytes:
    return bytes(
        conn.execute("SELECT body FROM events WHERE position = ?", (position,)).fetchone()[0]
    )


def set_body(conn: sqlite3.Connection, position: int, new: bytes) -> None:
    conn.execute("UPDATE events SET body = ? WHERE position = ?", (new, position))


def edit_payload(conn: sqlite3.Connection, position: int) -> None:
    """Change who recorded the event: valid JSON, a valid event, a different history."""
    payload = json.loads(body(conn, position))
    payload["actor"] = "somebody-else"
    set_body(conn, position, json.dumps(payload, separators=(",", ":")).encode())


def edit_recorded_at(conn: sqlite3.Connection, position: int) -> None:
    (text,) = conn.execute(
        "SELECT recorded_at FROM events WHERE position = ?", (position,)
    ).fetchone()
    conn.execute(
        "UPDATE events SET recorded_at = ? WHERE position = ?",
        (
            format_time(
                parse_time(text).replace(microsecond=(parse_time(text).microsecond + 1) % 10**6)
            ),
            position,
        ),
    )


def delete(conn: sqlite3.Connection, position: int, *, renumber: bool = False) -> None:
    conn.execute("DELETE FROM events WHERE position = ?", (position,))
    if renumber:
        shift(conn, after=position, by=-1)


def shift(conn: sqlite3.Connection, *, after: int, by: int) -> None:
    """Move every record after `after` by `by` positions (via negatives, as the key is unique)."""
    conn.execute("UPDATE events SET position = -position WHERE position > ?", (after,))
    conn.execute("UPDATE events SET position = -position + ? WHERE position < 0", (by,))


def insert(conn: sqlite3.Connection, position: int, *, forge_link: bool) -> None:
    """Insert a valid event at `position`, moving the records from there on up by one."""
    shift(conn, after=position - 1, by=1)
    stream = event_id = f"intruder-{position}"
    payload = {
        "id": event_id,
        "type": "incident.opened",
        "v": 1,
        "actor": "intruder",
        "reason": None,
        "data": {"incident": stream, "title": "A fabricated incident"},
    }
    data = json.dumps(payload, separators=(",", ":")).encode()
    (recorded_at,) = conn.execute(
        "SELECT recorded_at FROM events WHERE position = ?", (position + 1,)
    ).fetchone()
    link = "f" * 64
    if forge_link:
        link = chain_hash(
            previous_hash(conn, position),
            position=position,
            stream=stream,
            version=1,
            event_id=event_id,
            recorded_at=parse_time(recorded_at),
            body=data,
        )
    conn.execute(
        "INSERT INTO events VALUES (?, ?, 1, ?, ?, ?, ?)",
        (position, stream, event_id, recorded_at, data, link),
    )


def swap(conn: sqlite3.Connection, a: int, b: int) -> None:
    conn.execute("UPDATE events SET position = -1 WHERE position = ?", (a,))
    conn.execute("UPDATE events SET position = ? WHERE position = ?", (a, b))
    conn.execute("UPDATE events SET position = ? WHERE position = -1", (b,))


def forge_hash(conn: sqlite3.Connection, position: int) -> None:
    """Replace a record's hash with another well-formed one."""
    (old,) = conn.execute("SELECT hash FROM events WHERE position = ?", (position,)).fetchone()
    new = "0" * 63 + ("1" if old[-1] != "1" else "2")
    conn.execute("UPDATE events SET hash = ? WHERE position = ?", (new, position))


def previous_hash(conn: sqlite3.Connection, position: int) -> str:
    row = conn.execute("SELECT hash FROM events WHERE position = ?", (position - 1,)).fetchone()
    return GENESIS_HASH if row is None else str(row[0])


def rechain(conn: sqlite3.Connection, *, start: int, until: int | None = None) -> None:
    """Recompute the hashes from `start` on (through `until`), as a forger covering tracks."""
    rows = conn.execute(
        "SELECT position, stream, version, event_id, recorded_at, body FROM events "
        "WHERE position >= ? AND position <= ? ORDER BY position",
        (start, until if until is not None else 2**62),
    ).fetchall()
    previous = previous_hash(conn, start)
    for position, stream, version, event_id, recorded_at, data in rows:
        previous = chain_hash(
            previous,
            position=position,
            stream=stream,
            version=version,
            event_id=event_id,
            recorded_at=parse_time(recorded_at),
            body=bytes(data),
        )
        conn.execute("UPDATE events SET hash = ? WHERE position = ?", (previous, position))
    retree(conn)


def retree(conn: sqlite3.Connection) -> None:
    """Rebuild the Merkle tree over the records as they now are, as a forger covering tracks."""
    conn.execute("DELETE FROM merkle_nodes")
    rows = conn.execute(
        "SELECT position, stream, version, event_id, recorded_at, body, hash FROM events"
        " ORDER BY position"
    ).fetchall()
    records = [
        Record(
            position=p,
            stream=s,
            version=v,
            event_id=e,
            recorded_at=parse_time(t),
            body=bytes(b),
            hash=h,
        )
        for p, s, v, e, t, b, h in rows
    ]
    _merkle.catch_up(_readmodel.SQLiteDatabase(conn), records, head=len(records))
