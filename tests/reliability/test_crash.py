"""Crash safety: a writer killed with SIGKILL at random moments never leaves part of a batch,
and never loses a batch it was told was stored."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from .harness import run_crash_campaign
from .scale import count, pick

#: Several short-lived files rather than one long one: each kill re-opens and replays the
#: whole log, and a longer log only makes the campaign slower, not harsher.
FILES = pick(2, 25)
KILLS_PER_FILE = pick(6, 12)
BATCH_SIZE = pick(100, 200)
MAX_DELAY = pick(3, 3) / 10


@pytest.mark.parametrize("seed", range(FILES))
def test_a_killed_writer_leaves_whole_batches_and_loses_no_acknowledged_one(
    address: str, tmp_path: Path, seed: int
) -> None:
    figures = run_crash_campaign(
        address,
        workdir=tmp_path,
        kills=KILLS_PER_FILE,
        batch_size=BATCH_SIZE,
        rng=random.Random(seed),  # noqa: S311 - kill timing, not secrets
        max_delay=MAX_DELAY,
    )
    assert figures.batches_present >= figures.batches_acknowledged
    count("crash: writers killed (SIGKILL)", figures.kills)
    count("crash: batches acknowledged, all present", figures.batches_acknowledged)
    count("crash: batches present, all whole", figures.batches_present)
    # Committed, then killed before the ack: the window between commit and reply was hit.
    count(
        "crash: batches present but never acknowledged",
        figures.batches_present - figures.batches_acknowledged,
    )
    count("crash: events written", figures.events)
    count("crash: acknowledged events lost", 0)
