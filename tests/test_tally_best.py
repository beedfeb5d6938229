"""Tallies use best estimates where sources give them, and still compare by bounds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ledger import Figure, Ledger

AT = dt.datetime(2025, 3, 9, 12, tzinfo=dt.UTC)


def _ledger(path: Path) -> Ledger:
    ledger = Ledger.open(path)
    ledger.open_incident("i", title="t")
    for source in ("ucdp", "snhr", "moi"):
        ledger.register_source(source, name=source, kind="monitor")
    return ledger


def test_a_span_gives_the_lowest_and_highest_best_estimate(tmp_path: Path) -> None:
    with _ledger(tmp_path / "l.db") as ledger:
        for source, figure in (
            ("ucdp", Figure.estimate(best=12, low=10, high=15)),
            ("snhr", Figure.parse("about 20")),
            ("moi", Figure.parse("at least 5")),
        ):
            ledger.file_report("i", source=source, metric="killed", figure=figure, reported_at=AT)
        (span,) = ledger.tally("i").spans
    assert span.bests == (12, 20)
    assert (span.low, span.high) == (5, None)  # the bounds still decide the span


def test_a_span_without_best_estimates_has_none(tmp_path: Path) -> None:
    with _ledger(tmp_path / "l.db") as ledger:
        ledger.file_report("i", source="moi", metric="killed", figure="dozens", reported_at=AT)
        (span,) = ledger.tally("i").spans
    assert span.bests is None


def test_parts_sum_their_best_estimates_when_every_part_gives_one(tmp_path: Path) -> None:
    with _ledger(tmp_path / "l.db") as ledger:
        for group, figure in (
            ("civilians", Figure.estimate(best=30, low=20, high=40)),
            ("children", Figure.estimate(best=7, low=5, high=9)),
            ("women", Figure.exact(13)),
        ):
            ledger.file_report(
                "i", source="ucdp", metric="killed", group=group, figure=figure, reported_at=AT
            )
        checks = ledger.tally("i").checks
    (check,) = [c for c in checks if c.whole.key.group == "civilians"]
    assert check.parts_best == 20
    assert check.parts_low == 18
    assert check.consistent


def test_a_part_without_a_best_estimate_leaves_the_sum_unknown(tmp_path: Path) -> None:
    with _ledger(tmp_path / "l.db") as ledger:
        for group, figure in (("civilians", "at least 164"), ("children", "7"), ("women", "a few")):
            ledger.file_report(
                "i", source="snhr", metric="killed", group=group, figure=figure, reported_at=AT
            )
        (check,) = ledger.tally("i").checks
    assert check.parts_best is None
