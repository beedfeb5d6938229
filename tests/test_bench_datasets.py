"""The dataset benchmark's quick mode runs with the tests, so its code cannot rot unnoticed.

Only that every figure is produced is checked: timings on a shared machine prove nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.datasets import later_release, synthetic_rows

from .bench_support import run_bench


def test_quick_mode_produces_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    run_bench("bench.datasets", "--quick", "--dir", str(tmp_path), "--json", str(out), timeout=300)
    figures = json.loads(out.read_text())
    assert figures["ucdp_19_1"]["records"] == 3194
    assert figures["ucdp_19_1_again"]["events"] == 0
    assert figures["synthetic_a"]["records"] == 2000
    b = figures["synthetic_b"]
    assert b["revised"] > 0
    assert b["retracted"] > 0
    assert b["filed"] > 0
    for step in ("ucdp_19_1", "synthetic_a", "synthetic_b"):
        assert figures[step]["seconds"] > 0
        assert figures[step]["peak_mib"] >= figures[step]["baseline_mib"]


def test_the_synthetic_release_is_the_same_for_the_same_seed() -> None:
    assert list(synthetic_rows(50)) == list(synthetic_rows(50))
    a = {r["id"]: r for r in synthetic_rows(2_000)}
    b = {r["id"]: r for r in later_release(synthetic_rows(2_000), 2_000)}
    assert len(set(a) - set(b)) > 0  # dropped
    assert len(set(b) - set(a)) == 20  # new: 1%
    assert any(a[i]["best"] != b[i]["best"] for i in set(a) & set(b))  # revised
