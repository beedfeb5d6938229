"""Live copies (issue 17, finding 13): `ledger backup PATH`, and torn files named on open.

Hot `cp` copies of a live database and its WAL ended in the middle of a batch yet verified,
or failed to open with a `ProjectionError` that did not say the file was damaged. `ledger
backup` copies a live ledger through SQLite's online backup API, as of one commit, while a
writer keeps appending; a file whose events do not replay is named as damaged, with the
first position that does not.
"""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest

from ledger import DamagedLedgerError, Ledger, StoreError
from ledger.backup import backup_sqlite
from ledger.cli import main

from . import tamper
from .harness import check_log, read_acks, setup, spawn_writer, wait_ready
from .sample import populate
from .scale import count, pick

BACKUPS = pick(5, 40)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_backups_of_a_ledger_being_written_are_whole_and_verify(tmp_path: Path) -> None:
    live = str(tmp_path / "live.db")
    setup(live, ["inc-a", "inc-b"])
    ack = tmp_path / "acks"
    writer = spawn_writer(live, "w1", ["inc-a", "inc-b"], ack, batch_size=25)
    try:
        wait_ready(writer)
        copies: list[tuple[Path, set[int]]] = []
        for n in range(BACKUPS):
            acked = read_acks(ack)  # acknowledged before the copy began: it must hold them
            target = tmp_path / f"copy-{n}.db"
            status, out, err = run("--db", live, "backup", str(target))
            assert status == 0, err
            assert out.startswith("backed up ")
            assert "verified" in out
            copies.append((target, acked))
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        if writer.stdout is not None:
            writer.stdout.close()
    events = 0
    for target, acked in copies:
        assert {p.name for p in target.parent.glob(f"{target.name}*")} == {target.name}
        result, _ = check_log(str(target), {"w1": acked})  # every batch whole, acks present
        events += result.events
        count("backup: copies of a ledger being written, each whole and verified")
    assert events > 0
    count("backup: events in those copies", events)


def test_a_backup_refuses_an_existing_target_and_a_missing_source(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    with Ledger.open(db, actor="editor") as ledger:
        populate(ledger, rounds=1)
    taken = tmp_path / "taken.db"
    taken.write_text("someone's file")
    status, _, err = run("--db", str(db), "backup", str(taken))
    assert (status, taken.read_text()) == (1, "someone's file")
    assert "exists already" in err
    status, _, err = run("--db", str(tmp_path / "nothing.db"), "backup", str(tmp_path / "b.db"))
    assert status == 1
    assert not (tmp_path / "b.db").exists()
    assert not (tmp_path / "nothing.db").exists()


def test_a_backup_is_the_same_log(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    with Ledger.open(db, actor="editor") as ledger:
        populate(ledger, rounds=2)
        digest = ledger.digest()
        # Another connection is open while the copy is made, as with any live ledger.
        copy = backup_sqlite(db, tmp_path / "copy.db")
    assert copy == digest
    with Ledger.open(tmp_path / "copy.db") as restored:
        assert restored.verify(against=digest).ok


def test_postgres_ledgers_are_pointed_elsewhere(tmp_path: Path) -> None:
    status, _, err = run("--db", "postgresql://127.0.0.1:1/x", "backup", str(tmp_path / "b.db"))
    assert status == 1
    assert "pg_dump" in err


@pytest.fixture
def pristine(tmp_path: Path) -> Path:
    path = tmp_path / "pristine.db"
    with Ledger.open(path, actor="editor", durable=False) as ledger:
        populate(ledger, rounds=1)
    return path


def torn(pristine: Path, how: str, position: int) -> Path:
    path = pristine.with_name(f"torn-{how}-{position}.db")
    path.write_bytes(pristine.read_bytes())
    with tamper.raw(path) as conn:
        if how == "record missing":
            conn.execute("DELETE FROM events WHERE position = ?", (position,))
        else:  # a page of another moment: a record holds another record's body
            tamper.set_body(conn, position, tamper.body(conn, 1))
    return path


@pytest.mark.parametrize("how", ["record missing", "record from elsewhere"])
def test_a_torn_file_is_named_as_damaged_when_read(pristine: Path, how: str) -> None:
    with Ledger.open(pristine) as ledger:
        filed = [e.position for e in ledger.events() if e.event.__class__.__name__ == "ReportFiled"]
    path = torn(pristine, how, filed[0])
    # Opening reads the head and the read model's position only; the first question that
    # folds the incident's stream meets the report's revision, right after the filing that
    # is missing (or was replaced by an older event): the first event that does not replay.
    # (A first tally reads the tables and only the records its answer rests on, which this
    # report, voided since, is not among; `verify` reads them all.)
    position = filed[0] + 1
    with Ledger.open(path) as ledger, pytest.raises(DamagedLedgerError) as caught:
        ledger.timeline("syria-coast-2025-03", metric="killed")
    assert caught.value.position == position
    assert isinstance(caught.value, StoreError)
    status, _, err = run("--db", str(path), "timeline", "syria-coast-2025-03", "--metric", "killed")
    assert status == 1
    assert f"damaged at position {position}" in err
    count("backup: torn files named as damaged when read")
