"""Report ids stay unique under concurrent writers, on SQLite and PostgreSQL.

Four processes file the same explicit ids, `dup-0` .. `dup-N`, each into an incident of its
own, as two desks importing the same wire story do. The optimistic check compares only the
versions of the streams a batch touches, which differ here; the read model's `reports`
table refuses an id already taken inside the append's transaction. Every id must then be
stored exactly once, every loser told `AlreadyExistsError`, and the ledger must open, verify
and answer.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections import Counter

from ledger import Ledger, ReportFiled

from .harness import SOURCE
from .scale import count, pick

FILERS = 4
FILER = (sys.executable, "-m", "tests.reliability.id_filer")


def test_one_explicit_id_filed_by_four_processes_is_stored_once(address: str) -> None:
    ids = pick(60, 300)
    with Ledger.open(address, actor="setup") as ledger:
        ledger.register_source(SOURCE, name="Harness", kind="monitor")
        for n in range(FILERS):
            ledger.open_incident(f"inc-{n}", title=str(n))
    with contextlib.ExitStack() as stack:
        filers = [
            stack.enter_context(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.reliability.id_filer",
                        address,
                        "--incident",
                        f"inc-{n}",
                        "--ids",
                        str(ids),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            for n in range(FILERS)
        ]
        done = _run(filers)
    assert sum(filed for filed, _ in done) == ids
    assert sum(taken for _, taken in done) == ids * (FILERS - 1)
    with Ledger.open(address, actor="check") as ledger:
        filings = Counter(
            e.event.report_id for e in ledger.events() if isinstance(e.event, ReportFiled)
        )
        assert set(filings.values()) == {1}
        assert len(filings) == ids
        for n in range(FILERS):
            assert {r.incident for r in ledger.reports(f"inc-{n}")} <= {f"inc-{n}"}
        assert ledger.verify().ok
    count("unique ids: processes filing the same explicit ids", FILERS)
    count("unique ids: ids filed, each stored once", ids)
    count("unique ids: filings refused as already taken", ids * (FILERS - 1))


def _run(filers: list[subprocess.Popen[str]]) -> list[tuple[int, int]]:
    """Start the filers together; each one's (filed, refused as taken)."""
    for filer in filers:
        assert filer.stdout is not None
        assert filer.stdout.readline().strip() == "ready"
    for filer in filers:
        assert filer.stdin is not None
        filer.stdin.write("go\n")
        filer.stdin.flush()
    done = []
    for filer in filers:
        out, err = filer.communicate(timeout=600)
        assert filer.returncode == 0, err
        filed, taken = out.split()[-2:]
        done.append((int(filed), int(taken)))
    return done
