"""Running things again is safe, and the desk is told what a filing supersedes (issue 13,
items 5, 6 and 10's per-event hook)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from ledger import AlreadyExistsError, Ledger, StoredEvent
from ledger.cli import main
from ledger.interchange import import_lines
from ledger.projections.reports import ReportIndex, ReportIndexProjection

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)


def setup(ledger: Ledger) -> tuple[StoredEvent, StoredEvent]:
    opened = ledger.open_incident("coast", title="Coast", places=["latakia"])
    source = ledger.register_source("snhr", name="SNHR", kind="monitor")
    return opened, source


def test_a_set_up_cell_runs_twice_and_changes_nothing() -> None:
    ledger = Ledger.in_memory(actor="desk")
    first = setup(ledger)
    head = ledger.position
    assert setup(ledger) == first  # the same stored events, nothing appended
    assert ledger.position == head


def test_set_up_with_other_fields_shows_the_difference() -> None:
    ledger = Ledger.in_memory(actor="desk")
    setup(ledger)
    with pytest.raises(AlreadyExistsError) as caught:
        ledger.open_incident("coast", title="Coast of Syria", places=["latakia"])
    assert "title is 'Coast', not 'Coast of Syria'" in str(caught.value)
    with pytest.raises(AlreadyExistsError) as caught:
        ledger.register_source("snhr", name="SNHR", kind="ngo")
    assert "kind" in str(caught.value)


def test_the_api_says_which_report_a_filing_would_supersede() -> None:
    ledger = Ledger.in_memory(actor="desk")
    setup(ledger)
    assert ledger.standing_report("coast", source="snhr", metric="killed") is None
    first = ledger.file_report(
        "coast", source="snhr", metric="killed", figure="at least 311", reported_at=T0
    )
    standing = ledger.standing_report("coast", source="snhr", metric="killed")
    assert standing is not None
    assert standing.report_id == first
    assert ledger.standing_report("coast", source="snhr", metric="injured") is None


def test_the_cli_says_which_report_a_filing_supersedes_and_how_to_revise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "l.db")
    with Ledger.open(db, actor="desk") as ledger:
        setup(ledger)
        first = ledger.file_report(
            "coast", source="snhr", metric="killed", figure="at least 311", reported_at=T0,
            report_id="snhr-1",
        )  # fmt: skip
    capsys.readouterr()
    args = ["--db", db, "report", "coast", "--source", "snhr", "--metric", "killed",
            "--figure", "at least 400", "--reported-at", "2025-03-09T10:00Z",
            "--id", "snhr-2"]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out == "snhr-2\n"  # the id alone, for scripts
    assert f"supersedes {first}" in err
    assert f"ledger revise {first}" in err


def _feed(lines: list[dict[str, object]]) -> list[str]:
    return [json.dumps(line) for line in lines]


FEED: list[dict[str, object]] = [
    {"type": "incident", "incident": "coast", "title": "Coast"},
    {"type": "source", "source": "snhr", "name": "SNHR", "kind": "monitor"},
    {"type": "report", "report_id": "r1", "incident": "coast", "source": "snhr",
     "metric": "killed", "figure": "at least 311", "reported_at": "2025-03-08T14:00:00Z"},
]  # fmt: skip
MORE: list[dict[str, object]] = [
    {"type": "revision", "report_id": "r1", "figure": "at least 400",
     "reported_at": "2025-03-09T10:00:00Z"},
    {"type": "report", "report_id": "r2", "incident": "coast", "source": "snhr",
     "metric": "injured", "figure": "about 50", "reported_at": "2025-03-09T10:00:00Z"},
]  # fmt: skip


def test_a_grown_feed_imports_again_appending_only_its_new_lines() -> None:
    ledger = Ledger.in_memory(actor="desk")
    first = import_lines(ledger, _feed(FEED), skip_known=True)
    assert (first.skipped, len(first.positions)) == (0, 3)
    grown = import_lines(ledger, _feed([*FEED, *MORE]), batch=2, skip_known=True)
    assert grown.skipped == 3
    assert len(grown.positions) == 2
    again = import_lines(ledger, _feed([*FEED, *MORE]), skip_known=True)
    assert (again.skipped, len(again.positions)) == (5, 0)
    assert ledger.position == 5
    # Spacing and key order do not make a line new.
    reordered = [json.dumps(dict(reversed(line.items())), indent=1) for line in FEED]
    flat = [text.replace("\n", " ") for text in reordered]
    assert import_lines(ledger, flat, skip_known=True).skipped == 3


def test_the_cli_imports_a_grown_feed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(_feed(FEED)) + "\n", encoding="utf-8")
    db = str(tmp_path / "l.db")
    assert main(["--db", db, "import", str(feed), "--skip-known"]) == 0
    feed.write_text("\n".join(_feed([*FEED, *MORE])) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", db, "import", str(feed), "--skip-known"]) == 0
    out = capsys.readouterr().out
    assert "as 2 events; skipped 3 lines the ledger already holds" in out


def test_follow_calls_back_after_each_event_with_the_state_after_it() -> None:
    ledger = Ledger.in_memory(actor="desk")
    setup(ledger)
    before = ledger.position
    seen: list[tuple[int, int]] = []
    called_twice = threading.Event()
    stop = threading.Event()

    def hook(event: StoredEvent, state: ReportIndex) -> None:
        seen.append((event.position, len(state.tracks)))
        if len(seen) >= 2:
            called_twice.set()

    worker = threading.Thread(
        target=lambda: ledger.follow(
            ReportIndexProjection(), on_event=hook, poll_interval=0.01, stop=stop,
            idle_timeout=30,
        )
    )  # fmt: skip
    worker.start()
    # Filings made before the follower has resumed are folded by its resume, without a
    # call: keep filing, one at a time, until two came after it.
    for n in range(1_000):
        ledger.file_report(
            "coast", source="snhr", metric="killed", figure=str(n), reported_at=T0,
            report_id=f"r{n}",
        )  # fmt: skip
        if called_twice.wait(timeout=0.05):
            break
    assert called_twice.is_set()
    stop.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    # Each new event once, in order, with the state after it.
    assert seen == [(p, p - before) for p in range(seen[0][0], seen[0][0] + len(seen))]
