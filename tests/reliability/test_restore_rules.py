"""A crafted export is refused whole, naming its line, and leaves the target empty.

The chain is unkeyed: anyone can write an export whose hashes all follow and whose events
could never have been appended. `restore_log` checks each event against every domain rule
appending would run, inside one transaction, so no such file ever reaches a ledger.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger import (
    IncidentOpened,
    Ledger,
    LineError,
    MemoryStore,
    ReportFiled,
    ReportRevised,
    SourceKind,
    SourceRegistered,
    TaxonomyExtended,
    export_log,
    restore_log,
)
from ledger.codec import EVENTS
from ledger.events import Event
from ledger.figures import Figure
from ledger.log import NewRecord
from ledger.taxonomy import Dimension

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def crafted(events: list[tuple[str, Event]]) -> list[str]:
    """An export of these events, with a chain that follows, whatever they say: what anyone
    with the export format and SHA-256 can write."""
    store = MemoryStore()
    for event_id, event in events:
        body = EVENTS.encode(event, event_id=event_id, actor="forger", reason=None)
        store.append([NewRecord(event_id=event_id, stream=event.stream, body=body)], now=NOW)
    out = io.StringIO()
    export_log(store, out)
    store.close()
    return out.getvalue().splitlines()


def source(name: str = "snhr") -> SourceRegistered:
    return SourceRegistered(source=name, name=name.upper(), kind=SourceKind.MONITOR)


def opened(incident: str = "coast") -> IncidentOpened:
    return IncidentOpened(incident=incident, title=incident.title())


def filed(report_id: str = "r1", incident: str = "coast", source: str = "snhr") -> ReportFiled:
    return ReportFiled(
        incident=incident, report_id=report_id, source=source, metric="killed",
        figure=Figure.parse("at least 311"), reported_at=T0,
    )  # fmt: skip


def revised(report_id: str = "r1", incident: str = "coast") -> ReportRevised:
    return ReportRevised(
        incident=incident, report_id=report_id, figure=Figure.parse("at least 400"),
        reported_at=T0 + dt.timedelta(days=1),
    )  # fmt: skip


#: Each export that could never have been appended, and the line (header = 1) it breaks at.
CRAFTED: dict[str, tuple[Callable[[], list[tuple[str, Event]]], int]] = {
    "a revision of an unknown report": (
        lambda: [("e1", source()), ("e2", opened()), ("e3", revised("nobody"))],
        4,
    ),
    "one report id in two incidents": (
        lambda: [
            ("e1", source()),
            ("e2", opened("a")),
            ("e3", opened("b")),
            ("e4", filed("r1", "a")),
            ("e5", filed("r1", "b")),
        ],
        6,
    ),
    "a term with an unknown parent": (
        lambda: [("e1", TaxonomyExtended(dimension=Dimension.GROUP, term="kids", parent="nope"))],
        2,
    ),
    "a report in an unknown incident from an unknown source": (
        lambda: [("e1", filed("r1", "nowhere", "nobody"))],
        2,
    ),
    "an incident opened twice": (lambda: [("e1", opened()), ("e2", opened())], 3),
    "a filing before its source": (
        lambda: [("e1", opened()), ("e2", filed()), ("e3", source())],
        3,
    ),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_export_is_refused_whole_naming_its_line(tmp_path: Path, name: str) -> None:
    events, line = CRAFTED[name]
    lines = crafted(events())
    with Ledger.open(tmp_path / "target.db", actor="restorer") as target:
        with pytest.raises(LineError) as caught:
            restore_log(target, lines)
        assert caught.value.line == line
        assert target.position == 0  # no prefix left behind
        assert target.incidents() == []
        assert target.store.check_read_model() is None
        # The same ledger still takes a good export afterwards.
        good = crafted([("g1", source()), ("g2", opened()), ("g3", filed())])
        restore_log(target, good)
        assert [r.report_id for r in target.reports()] == ["r1"]
        assert target.verify().ok


@pytest.mark.parametrize("event_id", ["e 1", "", "e1\n", "-e1", "x" * 200])
def test_an_invalid_event_id_in_an_export_is_refused(tmp_path: Path, event_id: str) -> None:
    lines = crafted([("ok", source()), (event_id, opened())])
    with Ledger.open(tmp_path / "target.db") as target:
        with pytest.raises(LineError) as caught:
            restore_log(target, lines)
        assert caught.value.line == 3
        assert caught.value.field == "event_id"
        assert target.position == 0
