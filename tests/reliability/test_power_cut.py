"""Power cuts: only the bytes a writer had synced survive, and still no acknowledged batch is
lost and no batch is left half there.

A shim loaded with LD_PRELOAD (`fsync_shim.c`, built here with the machine's C compiler)
keeps, after each successful `fsync`/`fdatasync` of the ledger's file, its WAL or the ack
file, a copy of that file as it then was. A cut kills the writer with SIGKILL and puts those
copies back (a file never synced is gone), which is what a machine losing power does to
every write its disk had not made durable. SQLite in WAL mode with `synchronous=FULL`
syncs the WAL before each commit returns, so every acknowledged batch must be there.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .harness import REPO_ROOT, SOURCE, check_log, read_acks, setup
from .scale import count, pick

CUTS = pick(6, 15)
BATCH_SIZE = 50
SHIM = Path(__file__).with_name("fsync_shim.c")


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the power-cut campaign needs a C compiler, which CI's machine has")
        pytest.skip("no C compiler to build the fsync shim")
    built = tmp_path_factory.mktemp("shim") / "fsync_shim.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(built), str(SHIM), "-ldl"], check=True
    )
    return built


def _cut(files: list[Path]) -> None:
    """Every file back to what was last synced of it; a file never synced is lost."""
    for path in files:
        synced = path.with_name(path.name + ".synced")
        if synced.exists():
            shutil.copyfile(synced, path)  # and it stays what the next cut goes back to
        else:
            path.unlink(missing_ok=True)
    path = files[0].with_name(files[0].name + "-shm")
    path.unlink(missing_ok=True)  # shared memory is rebuilt from the WAL on opening


def test_a_power_cut_loses_only_unacknowledged_batches(tmp_path: Path, shim: Path) -> None:
    db = tmp_path / "ledger.db"
    wal = tmp_path / "ledger.db-wal"
    ack = tmp_path / "power.acks"
    setup(str(db), ["power"])
    shutil.copyfile(db, db.with_name(db.name + ".synced"))  # closed cleanly: all synced
    rng = random.Random(17)  # noqa: S311 - cut timing, not secrets
    start, acknowledged, present, synced_wals = 0, 0, 0, 0
    env = {**os.environ, "LD_PRELOAD": str(shim)}
    for _ in range(CUTS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.writer", str(db), "--writer", "power",
             "--incidents", "power", "--source", SOURCE, "--ack", str(ack),
             "--start", str(start), "--batch-size", str(BATCH_SIZE)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.2, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        proc.stdout.close()
        synced_wals += wal.with_name(wal.name + ".synced").exists()
        _cut([db, wal, ack])
        acked = read_acks(ack)
        check, batches = check_log(str(db), {"power": acked})
        start = max(batches.of("power"), default=-1) + 1
        acknowledged, present = len(acked), check.batches
        shutil.copyfile(db, db.with_name(db.name + ".synced"))  # the checker closed it cleanly
        wal.with_name(wal.name + ".synced").unlink(missing_ok=True)
    assert present >= acknowledged
    assert synced_wals > 0  # the shim was loaded and kept what SQLite synced
    count("power cuts: writers cut off (only synced bytes kept)", CUTS)
    count("power cuts: batches acknowledged, all present", acknowledged)
    count("power cuts: batches present, all whole", present)
    count("power cuts: acknowledged events lost", 0)
