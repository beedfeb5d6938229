"""What a ledger holds in memory, in a form tests compare with a strict replay of the log."""

from __future__ import annotations

import json
from typing import Any

from ledger import Ledger
from ledger.projections.reports import ReportIndex, ReportIndexProjection


def incident_ids(ledger: Ledger) -> list[str]:
    return [opened.incident for opened in ledger.incidents()]


def tracks(index: ReportIndex) -> dict[str, Any]:
    """Every report's track, as the index's checkpoint writes it."""
    tracks_: dict[str, Any] = json.loads(ReportIndexProjection().dump(index))["tracks"]
    return tracks_


def held(ledger: Ledger) -> dict[str, Any]:
    """Every report's track over the incident folds the ledger holds (loading any it lacks)."""
    found: dict[str, Any] = {}
    for incident in incident_ids(ledger):
        found.update(tracks(ledger._folds.incident(incident).index))
    return found


def replayed(ledger: Ledger) -> dict[str, Any]:
    """Every report's track after decoding and folding the whole log, event by event."""
    runner = ledger.runner(ReportIndexProjection())
    runner.replay()
    return tracks(runner.state)
