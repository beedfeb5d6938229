from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_seed_story_example_records_and_then_reopens(tmp_path: Path) -> None:
    db = tmp_path / "story.db"
    example = str(ROOT / "examples" / "syria_coast_2025.py")
    first = subprocess.run(
        [sys.executable, example, str(db)], capture_output=True, text=True, check=True
    )
    assert "Recorded the 2025-03-08 story" in first.stdout
    assert "at least 311" in first.stdout
    assert "about 300        270..330" in first.stdout
    assert "dozens           24..99" in first.stdout
    second = subprocess.run(
        [sys.executable, example, str(db)], capture_output=True, text=True, check=True
    )
    assert "already holds the story" in second.stdout
    assert second.stdout.splitlines()[1:] == first.stdout.splitlines()[1:]


def test_the_desk_charts_example_draws_the_charts_in_the_docs(tmp_path: Path) -> None:
    example = str(ROOT / "examples" / "desk_charts.py")
    done = subprocess.run(
        [sys.executable, example, str(tmp_path)], capture_output=True, text=True, check=True
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "timeline-killed-ten-sources.png",
        "timeline-killed.png",
        "timeline-killed.svg",
    ]
    assert done.stdout.count("wrote ") == 3
    # Drawn from a fixed clock and seed, the charts are the same bytes on every run, so the
    # ones checked in under docs/img change only when the drawing does.
    again = tmp_path / "again"
    subprocess.run([sys.executable, example, str(again)], capture_output=True, check=True)
    for name in names:
        assert (again / name).read_bytes() == (tmp_path / name).read_bytes(), name
        assert (ROOT / "docs" / "img" / name).stat().st_size > 50_000
