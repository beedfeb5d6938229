"""The panel (ledger.panels): each source's figure per day, checked against the tallies it is
made of."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import (
    Figure,
    Ledger,
    UnknownIncidentError,
    UnknownTermError,
    ValidationError,
    panel,
    times,
)
from ledger.testing import EPOCH, Step
from ledger.testing.histories import ManualClock
from tests.strategies import histories

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "syria-coast-2025-03"
sys.path.insert(0, str(ROOT / "examples"))
import syria_coast_2025 as story  # noqa: E402


@pytest.fixture
def seed() -> Iterator[Ledger]:
    """The seed story on the desk's clock."""
    clock = story.DeskClock()
    with Ledger.in_memory(actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
        yield ledger


@pytest.fixture
def open_bound() -> Ledger:
    ledger = Ledger.in_memory(actor="t")
    ledger.open_incident("inc", title="An incident")
    ledger.register_source("a", name="A", kind="monitor")
    ledger.register_source("b", name="B", kind="ngo")
    at = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
    ledger.file_report("inc", source="a", metric="killed", figure="at least 311", reported_at=at)
    ledger.file_report("inc", source="b", metric="killed", figure="12 (10-15)", reported_at=at)
    return ledger


def _cut(day: dt.date) -> dt.datetime | None:
    return times.cut("day", day, side=times.Side.END)


def _entry_figure(tally: Any, source: str) -> Figure | None:
    entry = tally.entry(source, "killed")
    return None if entry is None else entry.figure


def _view(row: dict[str, Any], view: str) -> tuple[Any, ...]:
    return tuple(row[f"{view}{suffix}"] for suffix in ("", "_low", "_high", "_best"))


def _expected(figure: Figure | None) -> tuple[Any, ...]:
    if figure is None:
        return (None, None, None, None)
    return (figure.text, figure.low, figure.high, figure.best)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=histories(metrics=("killed",), groups=("all",), places=()), data=st.data())
def test_the_panel_is_the_tallies_of_each_day(steps: list[Step], data: st.DataObject) -> None:
    # The desk records each claim up to two days after the source made it, so that "as known
    # then" has days on which it lags what was reported then.
    clock = ManualClock(EPOCH - dt.timedelta(days=4))
    ledger = Ledger.in_memory(actor="t", clock=clock)
    delays = data.draw(st.lists(st.integers(0, 48 * 60), min_size=len(steps), max_size=len(steps)))
    for (minutes, event), delay in zip(steps, delays, strict=True):
        clock.advance(minutes)
        said = getattr(event, "reported_at", None)
        if said is not None:
            clock.now = max(clock.now, said + dt.timedelta(minutes=delay))
        ledger.append([event])
    incident = data.draw(st.sampled_from([i.incident for i in ledger.incidents()]))
    start = data.draw(st.dates(dt.date(2025, 3, 3), dt.date(2025, 3, 12)))
    end = start + dt.timedelta(days=data.draw(st.integers(0, 6)))
    found = panel(ledger, incident, metric="killed", start=start, end=end)
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    tallies = {
        day: {
            "reported": ledger.tally(incident, as_of=_cut(day)),
            "known_then": ledger.tally(incident, as_of=_cut(day), known_at=_cut(day)),
            "known_now": ledger.tally(incident, occurred_by=day),
        }
        for day in days
    }
    sources = sorted(
        {
            e.source
            for views in tallies.values()
            for t in views.values()
            for e in t.entries
            if e.key.metric == "killed"
        }
    )
    # Balanced: every source with a figure on some day, on every day, in order.
    assert [(r["day"], r["source"]) for r in found] == [(d, s) for d in days for s in sources]
    for row in found:
        for view, tally in tallies[row["day"]].items():
            assert _view(row, view) == _expected(_entry_figure(tally, row["source"]))
    # Once the ledger has recorded everything, it knew then what was reported then.
    for row in found:
        if _cut(row["day"]) >= clock.now:  # type: ignore[operator]
            assert _view(row, "known_then") == _view(row, "reported")


def test_the_panel_of_the_seed_story(seed: Ledger) -> None:
    found = panel(seed, INCIDENT, metric="killed", group="children", by="government_forces",
                  start=dt.date(2025, 3, 7), end=dt.date(2025, 3, 10))  # fmt: skip
    rows = {(r["day"].isoformat(), r["source"]): r for r in found}
    assert set(rows) == {(d, "snhr") for d in ("2025-03-07", "2025-03-08", "2025-03-09",
                                               "2025-03-10")}  # fmt: skip
    assert _view(rows["2025-03-07", "snhr"], "reported") == (None,) * 4
    # The desk typed 17 for SNHR's 7 on Saturday and corrected it on Monday.
    assert rows["2025-03-08", "snhr"]["reported"] == "7"
    assert rows["2025-03-08", "snhr"]["known_then"] == "17"
    assert rows["2025-03-09", "snhr"]["known_then"] == "17"
    assert rows["2025-03-10", "snhr"]["known_then"] == "7"
    assert found.title == "Killings on Syria's coast, March 2025"
    assert found.to_pandas()["reported_low"].tolist()[0] is pd.NA


def test_the_panel_days_end_in_the_zone_given(open_bound: Ledger) -> None:
    # 14:00 UTC on the 8th is the 9th's small hours east of UTC+10.
    east = dt.timezone(dt.timedelta(hours=11))
    day = dt.date(2025, 3, 8)
    utc = panel(open_bound, "inc", metric="killed", start=day, end=day)
    far = panel(open_bound, "inc", metric="killed", start=day, end=day, tz=east)
    assert [r["reported"] for r in utc] == ["at least 311", "12 (10-15)"]
    assert [r["reported"] for r in far] == [None, None]


def test_the_panel_refuses_a_bad_window(open_bound: Ledger) -> None:
    day = dt.date(2025, 3, 8)
    for start, end, field in [
        (day, day - dt.timedelta(days=1), "end"),
        (dt.datetime(2025, 3, 8, tzinfo=dt.UTC), day, "start"),
        (day, dt.date(2525, 3, 8), "end"),
    ]:
        with pytest.raises(ValidationError) as caught:
            panel(open_bound, "inc", metric="killed", start=start, end=end)
        assert caught.value.field == field
    with pytest.raises(UnknownTermError):
        panel(open_bound, "inc", metric="kiled", start=day, end=day)
    with pytest.raises(UnknownIncidentError):
        panel(open_bound, "nope", metric="killed", start=day, end=day)
