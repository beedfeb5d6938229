"""Ctrl-C after the commit (issue 17, finding 3).

Of 20 SIGINTs during a 40,002-line import, 6 printed `ledger: interrupted` (exit 130) though
the batch had been committed, and re-running the file, as the message invited, imported
30,000 reports twice. An import now carries a key (the file's content, or `--key`) from which
its event ids derive: an interrupted import says whether it was committed and where, and a
re-run of the same file is recognised and appends nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import Ledger, import_lines
from ledger.cli import main
from ledger.stores.sqlite import SQLiteStore

from .harness import REPO_ROOT
from .scale import count, pick

INTERRUPTS = pick(8, 20)
LINES = pick(5_000, 40_000)


def import_file(path: Path, reports: int, *, incident: str = "inc") -> Path:
    lines = [
        {"type": "source", "source": "snhr", "name": "SNHR", "kind": "monitor"},
        {"type": "incident", "incident": incident, "title": "An incident"},
        *(
            {
                "type": "report", "incident": incident, "source": "snhr", "metric": "killed",
                "figure": f"at least {n}", "reported_at": "2025-03-08T14:00Z",
            }
            for n in range(reports)
        ),
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_a_rerun_of_the_same_file_is_recognised_and_appends_nothing(tmp_path: Path) -> None:
    db, source = tmp_path / "l.db", import_file(tmp_path / "wire.jsonl", 50)
    status, _, err = run("--db", str(db), "import", str(source))
    assert status == 0, err
    position = Ledger.open(db).digest()
    status, again, err = run("--db", str(db), "import", str(source))
    assert status == 0, err
    assert "already imported" in again
    assert "positions 1-52" in again
    with Ledger.open(db) as ledger:
        assert ledger.digest() == position
        assert len(ledger.reports("inc")) == 50


def test_an_explicit_key_recognises_a_reformatted_file(tmp_path: Path) -> None:
    ledger = Ledger.in_memory(actor="desk")
    lines = import_file(tmp_path / "a.jsonl", 3).read_text().splitlines()
    summary = import_lines(ledger, lines, key="wire-2025-03-08")
    assert not summary.repeated
    spaced = [json.dumps(json.loads(line), indent=None, separators=(", ", ": ")) for line in lines]
    again = import_lines(ledger, [*spaced, ""], key="wire-2025-03-08")
    assert again.repeated
    assert again.positions == summary.positions
    assert ledger.position == 5


def test_ctrl_c_right_after_the_commit_says_it_was_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, source = tmp_path / "l.db", import_file(tmp_path / "wire.jsonl", 20)
    Ledger.open(db).close()
    committed = SQLiteStore.transaction

    @contextlib.contextmanager
    def commit_then_interrupt(self: SQLiteStore) -> Iterator[None]:
        # An import is one transaction: Ctrl-C lands the moment it has committed.
        with committed(self):
            yield
        raise KeyboardInterrupt

    monkeypatch.setattr(SQLiteStore, "transaction", commit_then_interrupt)
    status, _, err = run("--db", str(db), "import", str(source))
    monkeypatch.undo()
    assert status == 0, err
    assert "committed" in err
    assert "positions 1-22" in err
    status, again, _ = run("--db", str(db), "import", str(source))
    assert (status, "already imported" in again) == (0, True)
    with Ledger.open(db) as ledger:
        assert len(ledger.reports("inc")) == 20


def test_ctrl_c_before_the_commit_says_nothing_was_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, source = tmp_path / "l.db", import_file(tmp_path / "wire.jsonl", 20)
    Ledger.open(db).close()

    def interrupt(*_: object, **__: object) -> list[int]:
        raise KeyboardInterrupt

    monkeypatch.setattr(SQLiteStore, "append", interrupt)
    status, _, err = run("--db", str(db), "import", str(source))
    monkeypatch.undo()
    assert status == 130
    assert "nothing was imported" in err
    assert Ledger.open(db).digest().position == 0


def test_sigint_at_random_moments_never_imports_a_file_twice(tmp_path: Path) -> None:
    """The campaign: SIGINT a real `ledger import` at random moments, then do what its
    message says; the file's reports are in the log exactly once at the end."""
    db, source = tmp_path / "l.db", import_file(tmp_path / "wire.jsonl", LINES)
    Ledger.open(db).close()
    rng = random.Random(17)  # noqa: S311 - when to interrupt, not a secret
    said_committed = 0
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}

    def start(target: Path) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "ledger.cli", "--db", str(target), "import", str(source)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip

    # How long a whole run takes here, into a scratch ledger: the interrupts land anywhere
    # from start-up to the last moments, after the commit.
    began = time.monotonic()
    scratch = start(tmp_path / "scratch.db")
    scratch.communicate(timeout=600)
    assert scratch.returncode == 0
    whole = time.monotonic() - began
    for _ in range(INTERRUPTS):
        proc = start(db)
        time.sleep(rng.uniform(0.2, 1.05) * whole)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
        if proc.returncode == -signal.SIGINT:
            pass  # killed before Python installed its handler: it had not begun
        elif proc.returncode == 130:
            assert "nothing was imported" in err, err
            count("interrupted imports: runs that said nothing was imported")
        else:
            assert proc.returncode == 0, err
            said_committed += "committed" in err
        count("interrupted imports: SIGINTs sent to `ledger import`")
    status, _, err = run("--db", str(db), "import", str(source))
    assert status == 0, err
    with Ledger.open(db) as ledger:
        assert len(ledger.reports("inc")) == LINES
        assert ledger.digest().position == LINES + 2
        assert ledger.verify().ok
    count("interrupted imports: runs interrupted after their commit that said so", said_committed)
