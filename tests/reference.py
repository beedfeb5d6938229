"""A deliberately naive tally: definitions from docs/concepts.md, written out longhand.

It scans the whole log for every question and shares no code with `ledger.projections`, so
agreement between the two means something.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledger import (
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    StoredEvent,
    Tally,
)

Row = tuple[str, tuple[str, str, str, str], str, str, int]


def rows(tally: Tally) -> list[Row]:
    """A tally's entries in the reference's row form, to compare the two."""
    return sorted(
        (e.source, (e.key.metric, e.key.group, e.key.by, e.key.place), str(e.figure),
         e.report_id, e.version)
        for e in tally.entries
    )  # fmt: skip


def reference_tally(  # noqa: C901, PLR0912 - longhand on purpose
    log: list[StoredEvent],
    incident: str,
    as_of: dt.datetime | None = None,
    known_at: dt.datetime | None = None,
    occurred_by: dt.date | None = None,
) -> list[Row]:
    """(source, key, figure text, report id, version) per effective figure, sorted."""
    reports: dict[str, dict[str, Any]] = {}
    for stored in log:
        if known_at is not None and stored.recorded_at > known_at:
            continue
        e = stored.event
        if isinstance(e, ReportFiled):
            reports[e.report_id] = {
                "incident": e.incident, "source": e.source, "filed": stored.position,
                "key": [e.metric, e.group, e.by, e.place],
                "versions": [[e.figure, e.reported_at, e.period]],
                "retracted": None, "voided": False,
            }  # fmt: skip
        elif isinstance(e, ReportRevised):
            versions = reports[e.report_id]["versions"]
            versions.append([e.figure, e.reported_at, e.period or versions[-1][2]])
        elif isinstance(e, ReportCorrected):
            r = reports[e.report_id]
            v = r["versions"][e.version]
            if e.figure is not None:
                v[0] = e.figure
            if e.reported_at is not None:
                v[1] = e.reported_at
            if e.period is not None:
                v[2] = e.period
            for i, name in enumerate(["metric", "group", "by", "place"]):
                if getattr(e, name) is not None:
                    r["key"][i] = getattr(e, name)
            if e.source is not None:
                r["source"] = e.source
        elif isinstance(e, ReportRetracted):
            reports[e.report_id]["retracted"] = e.reported_at
        elif isinstance(e, ReportVoided):
            reports[e.report_id]["voided"] = True

    best: dict[tuple[str, tuple[str, ...]], tuple[Any, Row]] = {}
    for report_id, r in reports.items():
        if r["incident"] != incident or r["voided"]:
            continue
        if r["retracted"] is not None and (as_of is None or r["retracted"] <= as_of):
            continue
        chosen = None
        for i, (_, reported_at, period) in enumerate(r["versions"]):
            ends = period.end if period.end is not None else reported_at.date()
            if (as_of is None or reported_at <= as_of) and (
                occurred_by is None or ends <= occurred_by
            ):
                chosen = i
        if chosen is None:
            continue
        figure, reported_at, _ = r["versions"][chosen]
        key = tuple(r["key"])
        row: Row = (r["source"], key, str(figure), report_id, chosen)
        rank = (reported_at, r["filed"])
        slot = (r["source"], key)
        if slot not in best or best[slot][0] < rank:
            best[slot] = (rank, row)
    return sorted(row for _, row in best.values())
