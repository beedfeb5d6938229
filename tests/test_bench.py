"""The benchmark's quick mode runs in CI, so the benchmark code cannot rot unnoticed.

Only that every figure is produced is checked: timings on a shared CI machine prove nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .bench_support import run_bench

pytest.importorskip("eventsourcing", reason="the peer is in the dev extra")


def test_quick_mode_produces_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    stdout = run_bench("bench.run", "--quick", "--dir", str(tmp_path), "--json", str(out))
    figures = json.loads(out.read_text())
    for side in ("ours", "peer", "raw"):
        assert figures["batch"][side] > 0
        assert figures["single"][side] > 0
        assert figures["replay"][side]["events_per_s"] > 0
        assert figures["replay"][side]["peak_mib"] >= figures["replay"][side]["baseline_mib"]
    for side in ("ours", "peer"):
        assert figures["as_of"][side]["median_ms"] > 0
        assert figures["as_of"][side]["p99_ms"] >= figures["as_of"][side]["median_ms"]
    assert figures["sizes"]["events"] == 10_000
    assert "synchronous=2" in figures["sqlite"]["ours"]
    assert "synchronous=2" in figures["sqlite"]["peer"]
    for since in figures["verify_since"].values():
        assert since["wall_s"] > 0
        assert since["peak_mib"] > 0
        assert since["records"] == 100
    for changes in figures["changes"].values():
        assert changes["wall_s"] > 0
        assert changes["peak_mib"] > 0
        assert changes["reports"] > 0
        assert changes["changes"] >= changes["reports"]
    lines = ("batch append", "single durable append", "full replay", "as-of tally", "memory")
    for line in (*lines, "verify --since", "changes since"):
        assert line in stdout
    assert figures["machine"]["cpu"]


def test_the_proofs_bench_produces_every_figure(tmp_path: Path) -> None:
    stdout = run_bench(
        "bench.proofs", "--events", "3000", "--samples", "5", "--db", str(tmp_path / "ledger.db")
    )
    figures = json.loads(stdout)
    assert figures["build"]["events"] > 2_000
    assert figures["build"]["tree_seconds"] > 0
    assert figures["single"]["append_ms_with_tree"] > 0
    proofs = figures["proofs"]
    assert proofs["tree_size"] > figures["build"]["events"]
    # Two rows per record, less one per set bit of the size: every perfect subtree once.
    assert proofs["merkle_rows"] == 2 * proofs["tree_size"] - proofs["tree_size"].bit_count()
    assert proofs["inclusion_path_hashes"] <= proofs["tree_size"].bit_length()
    assert proofs["inclusion_bytes"] > 0
    assert proofs["consistency_bytes"] > 0
    assert figures["free_text"]["text_stored_bytes"] > figures["free_text"]["text_hashed_bytes"]
    assert figures["free_text"]["via_stored_bytes"] == figures["free_text"]["via_hashed_bytes"]
    redaction = figures["redaction"]
    # After the records proved: the field's declaration, the report naming a victim, and
    # the redaction's event, which erased that report's record.
    assert redaction["records"] == proofs["tree_size"] + 3
    assert redaction["erased_positions"] == [proofs["tree_size"] + 2]
    assert 0 < redaction["read_model_seconds"] <= redaction["redact_seconds"]
    assert redaction["wal_checkpoint_seconds"] > 0


def test_the_batch_probe_splits_the_whole_time_per_event() -> None:
    lines = run_bench("bench.batch_probe", "--events", "3000", "--batch", "500").splitlines()
    whole = float(lines[2].split(":", 1)[1].split()[0])
    parts = [float(line.split()[0]) for line in lines[3:]]
    assert whole > 0
    assert abs(sum(parts) - whole) < 0.05 * whole + 1  # the rows add up to the whole
    for step in ("SQL: INSERT events", "SQL: INSERT report_versions", "check each event"):
        assert any(step in line for line in lines), step
