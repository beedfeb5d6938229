"""The cold path imports only what it uses: a fresh process that opens a ledger and asks one
tally pays for `import` (docs/performance.md), so modules for other questions stay unloaded."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

#: What opening a ledger and asking for one tally must not import: other questions' code,
#: and standard modules that only they need.
NOT_ON_THE_COLD_PATH = (
    "argparse",
    "fractions",
    "tempfile",
    "zoneinfo",
    "ledger.cli",
    "ledger.interchange",
    "ledger.plot",
    "ledger.projections.audit",
    "ledger.projections.live",
    "ledger.projections.protocol",
    "ledger.projections.timeline",
    "ledger.subscription",
    "ledger.verify",
)

_SCRIPT = """
import json, sys
from ledger import Ledger
with Ledger.open(sys.argv[1], actor="cold") as ledger:
    ledger.tally("syria-coast-2025-03")
print(json.dumps(sorted(sys.modules)))
"""


def test_one_tally_in_a_fresh_process_imports_only_what_it_uses(tmp_path: Path) -> None:
    from ledger import Figure, Ledger  # noqa: PLC0415 - this process builds the file only

    path = tmp_path / "cold.db"
    with Ledger.open(path, actor="desk") as ledger:
        ledger.open_incident("syria-coast-2025-03", title="Killings on Syria's coast")
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        ledger.file_report(
            "syria-coast-2025-03",
            report_id="snhr-1",
            source="snhr",
            metric="killed",
            figure=Figure.parse("at least 311"),
            reported_at=dt.datetime(2025, 3, 8, 12, tzinfo=dt.UTC),
        )
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(path)], check=True, capture_output=True, text=True
    )
    loaded = set(json.loads(out.stdout))
    assert "ledger.projections.tally" in loaded  # the script did answer
    assert sorted(loaded.intersection(NOT_ON_THE_COLD_PATH)) == []
