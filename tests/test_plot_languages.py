"""Plots of figures in other languages: Arabic labels shaped, best estimates drawn."""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
from pathlib import Path

import pytest

from ledger import Figure, Ledger, MissingDependencyError
from ledger.plot import _label, plot_timeline

AT = dt.datetime(2025, 3, 9, 12, tzinfo=dt.UTC)


def _timeline_ledger(path: Path) -> Ledger:
    ledger = Ledger.open(path)
    ledger.open_incident("syria", title="Syria coast")
    for source in ("snhr", "afp"):
        ledger.register_source(source, name=source, kind="monitor")
    rid = ledger.file_report(
        "syria", source="snhr", metric="killed", reported_at=AT,
        figure=Figure.parse("ما لا يقل عن 1864 مدنيًّا", language="ar"),
    )  # fmt: skip
    ledger.revise_report(
        rid, figure=Figure.parse("نحو 2000", language="ar"), reported_at=AT + dt.timedelta(1)
    )
    ledger.file_report(
        "syria", source="afp", metric="killed", reported_at=AT,
        figure=Figure.estimate(best=1400, low=1200, high=1700),
    )  # fmt: skip
    return ledger


def test_arabic_wording_is_drawn_shaped_and_right_to_left() -> None:
    label = _label("أكثر من 1300")
    # Joined letters are Arabic presentation forms; display order puts the first word last.
    assert any("ARABIC LETTER" in unicodedata.name(ch, "") and "FORM" in unicodedata.name(ch, "")
               for ch in label)  # fmt: skip
    assert label.startswith("1300")
    assert _label("plus de 1.500") == "plus de 1.500"


def test_without_the_arabic_extra_arabic_wording_is_a_missing_dependency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "arabic_reshaper", None)
    with pytest.raises(MissingDependencyError, match="incident-ledger\\[arabic\\]"):
        _label("نحو 300")
    assert _label("about 300") == "about 300"


def test_a_figure_is_drawn_at_its_best_estimate_where_it_gives_one() -> None:
    # The chart draws each figure at `stated`: the best estimate, else the count it names.
    assert Figure.estimate(best=12, low=10, high=15).stated == 12
    assert Figure.parse("about 300").stated == 300
    assert Figure.parse("نحو 300", language="ar").stated == 300
    assert Figure.parse("at least 311").stated == 311
    assert Figure.parse("more than 311").stated == 311
    assert Figure.parse("fewer than 10").stated == 10
    assert Figure.parse("120-150").stated is None


def test_a_timeline_of_arabic_and_estimated_figures_renders(tmp_path: Path) -> None:
    from matplotlib.image import imread  # noqa: PLC0415 - the plot extra

    with _timeline_ledger(tmp_path / "l.db") as ledger:
        timeline = ledger.timeline("syria", metric="killed")
    png = tmp_path / "t.png"
    plot_timeline(timeline, png)
    pixels = imread(str(png))
    assert pixels.shape[0] > 300
    assert pixels.shape[1] > 600
    assert pixels.std() > 0.05  # not blank
