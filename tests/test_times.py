"""Times at the boundary (ledger.times): one reader for every time the facade and the command
line accept, where a bare date in `since` means the start of its day and elsewhere its end."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import zoneinfo
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger, ValidationError
from ledger.cli import main
from ledger.times import Side, cut, day, day_started, moment, zone

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import syria_coast_2025 as story  # noqa: E402

DAMASCUS = zoneinfo.ZoneInfo("Asia/Damascus")
ZONES = st.sampled_from([dt.UTC, DAMASCUS, zoneinfo.ZoneInfo("America/New_York")])


def _story() -> Ledger:
    clock = story.DeskClock()
    ledger = Ledger.in_memory(actor="desk", clock=clock)
    story.record_saturday(ledger)
    story.record_later_changes(ledger, clock)
    return ledger


def test_a_since_date_keeps_the_whole_of_that_day() -> None:
    ledger = _story()
    saturday = dt.date(2025, 3, 8)
    # Saturday's filings were recorded at 18:00 on Saturday: `since` Saturday holds them.
    since = ledger.changes(since=saturday)
    assert [c.position for c in since][:2] == [8, 9]
    assert len(since) == len(ledger.changes())
    only_saturday = ledger.changes(since=saturday, until=saturday)
    assert {c.recorded_at.date() for c in only_saturday} == {saturday}
    assert len(only_saturday) == 9
    # Consecutive days partition the log: nothing is counted twice or dropped.
    days = [saturday + dt.timedelta(days=n) for n in range(3)]
    assert sum(len(ledger.changes(since=d, until=d)) for d in days) == len(since)


def test_the_command_line_reads_a_since_date_the_same_way(tmp_path: Path) -> None:
    db = tmp_path / "story.db"
    clock = story.DeskClock()
    with Ledger.open(db, actor="desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
        expected = [c.position for c in ledger.changes(since=dt.date(2025, 3, 8))]
    out = io.StringIO()
    code = main(["--db", str(db), "changes", "--since", "2025-03-08", "--format", "json"],
                stdout=out, stderr=io.StringIO())  # fmt: skip
    assert code == 0
    document = json.loads(out.getvalue())
    assert [e["position"] for e in document["entries"]] == expected
    assert document["since"] == "2025-03-07T23:59:59.999999+00:00"
    table = io.StringIO()
    main(["--db", str(db), "changes", "--since", "2025-03-08"], stdout=table)
    assert table.getvalue().startswith("Changes on the recorded clock from 2025-03-08 00:00Z")


@given(st.dates(), ZONES)
def test_a_day_is_the_window_from_its_start_to_its_end(day_: dt.date, tz: dt.tzinfo) -> None:
    start = cut("since", day_, side=Side.START, tz=tz)
    end = cut("until", day_, side=Side.END, tz=tz)
    assert start is not None
    assert end is not None
    assert start.tzinfo is dt.UTC
    assert end.tzinfo is dt.UTC
    if dt.date.min < day_ < dt.date.max:
        first = dt.datetime.combine(day_, dt.time(), tzinfo=tz)
        last = dt.datetime.combine(day_ + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        # since < t <= until holds exactly the instants of that day in that zone.
        assert start < first <= end
        assert end < last
        assert start + dt.timedelta(microseconds=1) == first
        assert end + dt.timedelta(microseconds=1) == last
        # A table reads the cut back as the day it started ("from 2025-03-08 00:00Z").
        assert day_started(start, tz) == first
        assert day_started(end + dt.timedelta(hours=1), tz) is None


@given(st.datetimes(timezones=ZONES))
def test_an_aware_datetime_is_the_same_instant_as_text_or_value(at: dt.datetime) -> None:
    instant = at.astimezone(dt.UTC)  # compared in UTC: an ambiguous local time never equals
    for side in Side:
        assert cut("until", at, side=side) == instant
        assert cut("until", at.isoformat(), side=side) == instant
    assert moment("reported_at", at) == instant == moment("reported_at", at.isoformat())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-03-08T14:00", "has no time zone"),
        (dt.datetime(2025, 3, 8, 14), "must be timezone-aware"),
        ("Saturday", "is not an ISO 8601 time"),
        (dt.date(2025, 3, 8), "is a date: give a time with a zone"),
    ],
)
def test_a_moment_needs_a_time_and_a_zone(value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        moment("reported_at", value)  # type: ignore[arg-type]
    assert caught.value.field == "reported_at"


def test_days_and_zones_name_the_field_when_wrong() -> None:
    assert day("occurred_by", "2025-03-08") == dt.date(2025, 3, 8)
    with pytest.raises(ValidationError, match="not an ISO 8601 date") as caught:
        day("occurred_by", "next week")
    assert caught.value.field == "occurred_by"
    with pytest.raises(ValidationError, match="must be a date"):
        day("occurred_by", dt.datetime(2025, 3, 8, tzinfo=dt.UTC))
    assert zone("--tz", "UTC") is dt.UTC
    assert zone("--tz", "Asia/Damascus") == DAMASCUS
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        zone("--tz", "Mars/Olympus")


def test_one_reader_of_boundary_times() -> None:
    """The facade and the command line read times only through ledger.times."""
    for path in [
        ROOT / "src" / "ledger" / "ledger.py",
        *(ROOT / "src" / "ledger" / "cli").glob("*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        assert "fromisoformat" not in text, path
        assert "time.max" not in text, path


def test_tz_shows_times_and_reads_days_in_the_desks_zone(tmp_path: Path) -> None:
    db = tmp_path / "story.db"
    clock = story.DeskClock()
    with Ledger.open(db, actor="desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
    out = io.StringIO()
    code = main(["--db", str(db), "history", "snhr-killed-all-all", "--tz", "Asia/Damascus"],
                stdout=out)  # fmt: skip
    assert code == 0
    assert "2025-03-08 21:00+03:00" in out.getvalue()  # recorded at 18:00 UTC
    # Damascus's Sunday began at 21:00 UTC on Saturday, after Saturday's filings (18:00 UTC).
    local = io.StringIO()
    main(["--db", str(db), "changes", "--since", "2025-03-09", "--tz", "Asia/Damascus",
          "--format", "json"], stdout=local)  # fmt: skip
    assert json.loads(local.getvalue())["since"] == "2025-03-08T20:59:59.999999+00:00"
    err = io.StringIO()
    assert main(["--db", str(db), "tally", story.INCIDENT, "--tz", "Mars/Olympus"],
                stdout=io.StringIO(), stderr=err) == 1  # fmt: skip
    assert err.getvalue().startswith("ledger: error: --tz: unknown time zone")


def test_an_empty_db_option_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    assert main(["--db", "", "init"], stdout=io.StringIO(), stderr=err) == 1
    assert err.getvalue() == (
        "ledger: error: --db: is empty: name a SQLite file or a postgresql:// URL\n"
    )
    assert not (tmp_path / "ledger.db").exists()
