"""Files the command line writes (issue 17, findings 7 and 11).

Finding 7: `ledger export FILE` wrote to the predictable `.FILE.partial` with a plain open,
so another user of a shared directory could plant a symlink there and have the export
overwrite any file the victim can write; a plot was drawn through whatever `FILE` pointed
at. Every file the CLI writes now goes through one helper: an exclusive, no-follow temporary
file in the target's directory, synced, then renamed over the target.

Finding 11: `ledger --db new.db import missing.jsonl`, and an import with a bad line, each
left an empty `new.db` behind. A command that fails creates nothing.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from ledger import Ledger
from ledger._files import replacing
from ledger.cli import main

from .sample import INCIDENTS, populate
from .scale import count

VICTIM_TEXT = "the victim's own file\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    with Ledger.open(path, actor="editor") as ledger:
        populate(ledger, rounds=1)
    return path


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def plant(link: Path, tmp_path: Path) -> Path:
    """A file of someone else's, and a symlink to it where the victim will write."""
    victim = tmp_path / "elsewhere" / "precious.txt"
    victim.parent.mkdir(exist_ok=True)
    victim.write_text(VICTIM_TEXT)
    link.symlink_to(victim)
    return victim


WRITERS = {
    "export": lambda db, target: ["--db", str(db), "export", str(target)],
    "plot": lambda db, target: [
        "--db", str(db), "timeline", INCIDENTS[0], "--metric", "killed", "--plot", str(target),
    ],
}  # fmt: skip
SUFFIX = {"export": ".jsonl", "plot": ".png"}


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("where", ["the old temporary name", "the target"])
def test_a_planted_symlink_is_replaced_never_written_through(
    db: Path, tmp_path: Path, writer: str, where: str
) -> None:
    if writer == "plot":
        pytest.importorskip("matplotlib")
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / f"out{SUFFIX[writer]}"
    link = target.with_name(f".{target.name}.partial") if where != "the target" else target
    victim = plant(link, tmp_path)
    status, _, err = run(*WRITERS[writer](db, target))
    assert status == 0, err
    assert victim.read_text() == VICTIM_TEXT
    assert target.is_file()
    assert not target.is_symlink()
    assert target.stat().st_size > 0
    # Nothing else is left behind in the shared directory but what an attacker planted.
    assert {p.name for p in shared.iterdir()} <= {target.name, link.name}
    count("written files: planted symlinks left alone")


def test_an_export_is_whole_or_absent(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup.jsonl"
    assert run("--db", str(db), "export", str(target))[0] == 0
    lines = target.read_text().splitlines()
    assert json.loads(lines[0])["format"] == "incident-ledger-export"
    assert len(lines) == Ledger.open(db).digest().position + 1


def test_the_helper_leaves_nothing_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("before\n")

    def write_half() -> None:
        with replacing(target) as file:
            file.write("half of it")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_half()
    assert target.read_text() == "before\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_the_helper_keeps_an_existing_files_mode_and_gives_a_new_one_the_umask(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "kept.txt"
    kept.write_text("x")
    kept.chmod(0o640)
    with replacing(kept) as file:
        file.write("y")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.bin"
    old = os.umask(0o022)
    try:
        with replacing(fresh, binary=True) as file:
            file.write(b"z")
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    assert fresh.read_bytes() == b"z"


def _line(**fields: object) -> str:
    return json.dumps(fields) + "\n"


FAILURES = {
    "import of a missing file": lambda tmp: ["import", str(tmp / "missing.jsonl")],
    "import with a bad line": lambda tmp: ["import", _write(tmp, _line(type="source") * 2)],
    "import of bytes that are not UTF-8": lambda tmp: ["import", _write(tmp, "caf\udce9")],
    "restore of a missing file": lambda tmp: ["restore", str(tmp / "missing.jsonl")],
    "restore of an import file": lambda tmp: [
        "restore", _write(tmp, _line(type="source", source="s", name="S", kind="un")),
    ],
    "restore of a truncated export": lambda tmp: [
        "restore",
        _write(tmp, _line(format="incident-ledger-export", format_version=1, head="5:" + "a" * 64)),
    ],
}  # fmt: skip


def _write(tmp: Path, text: str) -> str:
    path = tmp / "input.jsonl"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return str(path)


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failed_command_creates_no_ledger(tmp_path: Path, failure: str) -> None:
    target = tmp_path / "new.db"
    status, _, err = run("--db", str(target), *FAILURES[failure](tmp_path))
    assert status == 1
    assert err.startswith("ledger: error: ")
    assert {p.name for p in tmp_path.iterdir()} <= {"input.jsonl"}
    count("written files: failed commands that created nothing")


def test_a_successful_import_into_a_new_file_creates_it(tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    source = _write(tmp_path, _line(type="source", source="s", name="S", kind="un"))
    status, out, err = run("--db", str(target), "import", source)
    assert status == 0, err
    assert "position 1" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.jsonl", "new.db"]
    with Ledger.open(target) as ledger:
        assert ledger.source("s").name == "S"
        assert ledger.verify().ok
