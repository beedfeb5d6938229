"""Every answer of the seed story, before and after the later changes (see examples/)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from ledger import Dimension, Figure, Ledger, Tally

ROOT = Path(__file__).resolve().parents[1]
SAT = dt.date(2025, 3, 8)


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("syria", ROOT / "examples/syria_coast_2025.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


story = _load_example()
INCIDENT = story.INCIDENT


@pytest.fixture
def saturday() -> Iterator[Ledger]:
    clock = story.DeskClock()
    with Ledger.in_memory(actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        yield ledger


@pytest.fixture
def week() -> Iterator[tuple[Ledger, object]]:
    clock = story.DeskClock()
    with Ledger.in_memory(actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
        yield ledger, clock


def figure(tally: Tally, source: str, metric: str, group: str = "all", by: str = "all") -> str:
    entry = tally.entry(source, metric, group, by)
    return "-" if entry is None else str(entry.figure)


def test_saturdays_tally_per_source(saturday: Ledger) -> None:
    tally = saturday.tally(INCIDENT, as_of=SAT)
    assert figure(tally, "snhr", "killed") == "at least 311"
    assert figure(tally, "snhr", "killed", "civilians", "government_forces") == "at least 164"
    assert figure(tally, "snhr", "killed", by="loyalists") == "147"
    assert figure(tally, "snhr", "killed", "security_forces", "loyalists") == "121"
    assert figure(tally, "sy-moi", "captured", "security_forces", "loyalists") == "about 300"
    assert figure(tally, "sy-moi", "missing", "security_forces", "loyalists") == "dozens"
    assert tally.sources == ("snhr", "sy-moi")
    entry = tally.entry("snhr", "killed")
    assert entry is not None
    assert entry.provenance.via == "CNN"
    assert entry.period.start == dt.date(2025, 3, 6)


def test_saturdays_parts_fit_their_wholes(saturday: Ledger) -> None:
    tally = saturday.tally(INCIDENT, as_of=SAT)
    assert tally.inconsistencies == ()
    checks = {(c.dimension, str(c.whole.key)): c for c in tally.checks}
    loyalists = checks[Dimension.GROUP, "killed/all/loyalists/all"]
    assert [str(p.figure) for p in loyalists.parts] == ["26", "121"]
    assert loyalists.parts_low == 147  # 26 civilians + 121 security forces = 147, exactly
    civilians = checks[Dimension.GROUP, "killed/civilians/government_forces/all"]
    assert civilians.parts_low == 17 + 13  # before Monday's correction of the typo


def test_nothing_stands_before_it_was_reported(saturday: Ledger) -> None:
    assert saturday.tally(INCIDENT, as_of=dt.date(2025, 3, 7)).entries == ()


def test_the_week_after(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    now = ledger.tally(INCIDENT)
    assert figure(now, "snhr", "killed") == "at least 745"
    assert figure(now, "monitor-b", "killed") == "more than 1,000"
    assert figure(now, "snhr", "killed", "children", "government_forces") == "7"
    assert figure(now, "sy-moi", "missing", "security_forces", "loyalists") == "-"
    span = now.span("killed")
    assert span is not None
    assert (span.low, span.high, span.lowest, span.agree) == (745, None, ("snhr",), True)


def test_as_of_saturday_after_the_week(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    tally = ledger.tally(INCIDENT, as_of=SAT)
    assert figure(tally, "snhr", "killed") == "at least 311"  # the revision came on Sunday
    assert figure(tally, "monitor-b", "killed") == "-"
    # The correction is retroactive on the reported clock: Saturday's figure was always 7.
    assert figure(tally, "snhr", "killed", "children", "government_forces") == "7"
    # The retraction is not: on Saturday the ministry's claim still stood.
    assert figure(tally, "sy-moi", "missing", "security_forces", "loyalists") == "dozens"


def test_what_the_ledger_showed_on_saturday(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    as_known = ledger.tally(INCIDENT, as_of=SAT, known_at=SAT)
    assert figure(as_known, "snhr", "killed", "children", "government_forces") == "17"
    # Nothing the ledger knew on Saturday had been reported later than Saturday.
    assert as_known.entries == ledger.tally(INCIDENT, known_at=SAT).entries


def test_history_of_a_revised_report(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    history = ledger.history("snhr-killed-all-all")
    assert [(h.change, str(h.before), str(h.after)) for h in history] == [
        ("filed", "None", "at least 311"),
        ("revised", "at least 311", "at least 745"),
    ]
    assert history[1].reason == "SNHR updated its toll"
    assert history[1].reported_at == story.SUNDAY
    assert history[1].recorded_at > history[0].recorded_at


def test_history_of_a_corrected_report_names_the_field(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    corrected = ledger.history("snhr-killed-children-government_forces")[-1]
    assert corrected.change == "corrected"
    assert corrected.actor == "copy-desk"
    assert corrected.before == Figure.exact(17)
    assert corrected.after == Figure.exact(7)
    assert corrected.reported_at == story.SATURDAY  # retroactive to the version it fixes
    assert [(f.field, f.before, f.after) for f in corrected.fields] == [("figure", "17", "7")]


def test_changes_in_a_window_of_either_clock(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    sunday = dt.date(2025, 3, 9)  # a date in `since` is from the start of that day
    recorded = ledger.changes(since=sunday, until=dt.date(2025, 3, 10))
    assert [c.change for c in recorded] == ["revised", "filed", "corrected", "retracted"]
    by_copy_desk = ledger.changes(since=sunday, actor="copy-desk")
    assert [c.report_id for c in by_copy_desk] == ["snhr-killed-children-government_forces"]
    # On the reported clock the correction belongs to Saturday, when the version it fixes was.
    reported = ledger.changes(since=sunday, clock="reported")
    assert [c.change for c in reported] == ["revised", "filed", "retracted"]
    assert ledger.changes(since=sunday, source="sy-moi")[0].change == "retracted"


def test_diff_between_saturday_and_now(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    diff = ledger.diff(ledger.tally(INCIDENT, as_of=SAT, known_at=SAT), ledger.tally(INCIDENT))
    assert [(e.source, str(e.key)) for e in diff.appeared] == [("monitor-b", "killed/all/all/all")]
    assert [str(e.key) for e in diff.disappeared] == ["missing/security_forces/loyalists/all"]
    assert sorted((str(a.figure), str(b.figure)) for a, b in diff.changed) == [
        ("17", "7"),
        ("at least 311", "at least 745"),
    ]


def test_timeline_of_the_total(week: tuple[Ledger, object]) -> None:
    ledger, _ = week
    timeline = ledger.timeline(INCIDENT, metric="killed")
    assert [(p.source, p.at, str(p.figure), p.change) for p in timeline.points] == [
        ("snhr", story.SATURDAY, "at least 311", "filed"),
        ("monitor-b", story.SUNDAY, "more than 1,000", "filed"),
        ("snhr", story.SUNDAY, "at least 745", "revised"),
    ]
    missing = ledger.timeline(INCIDENT, metric="missing", group="security_forces", by="loyalists")
    assert [(p.change, p.figure) for p in missing.points] == [
        ("filed", Figure.parse("dozens")),
        ("retracted", None),
    ]
    children = ledger.timeline(INCIDENT, metric="killed", group="children", by="government_forces")
    assert [(str(p.figure), p.corrected) for p in children.points] == [("7", True)]


def test_the_example_prints_both_tallies_and_a_history(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples/syria_coast_2025.py"), str(tmp_path / "s.db")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "As of Saturday 2025-03-08" in out
    assert "at least 745" in out
    assert "revised     at least 311 -> at least 745" in out
    assert "17 children + 13 women fit inside at least 164 civilians" in out
