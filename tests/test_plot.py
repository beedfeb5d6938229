"""Timeline plots: the seed story drawn to a PNG that is valid, sized and not blank."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import struct
import sys
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger, MissingDependencyError
from ledger.cli import main
from ledger.plot import plot_timeline, source_colours, spread

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import syria_coast_2025 as story  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _seed(path: Path) -> Path:
    clock = story.DeskClock()
    with Ledger.open(path, actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
    return path


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must start with."""
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    ("key", "colours"),
    [
        # Two sources, a revision and open upper bounds (hatched bands).
        (["--metric", "killed"], 2),
        # A range band, then a retraction.
        (["--metric", "missing", "--group", "security_forces", "--by", "loyalists"], 1),
    ],
)
def test_the_seed_storys_timeline_renders_to_a_real_png(
    tmp_path: Path, key: list[str], colours: int
) -> None:
    import numpy as np  # noqa: PLC0415 - matplotlib's own dependency
    from matplotlib.colors import to_rgb  # noqa: PLC0415
    from matplotlib.image import imread  # noqa: PLC0415

    db = _seed(tmp_path / "story.db")
    png = tmp_path / "timeline.png"
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", str(db), "timeline", story.INCIDENT, *key, "--plot", str(png),
                 "--until", "2025-03-12"], stdout=out, stderr=err)  # fmt: skip
    assert code == 0, err.getvalue()
    assert f"wrote {png}" in err.getvalue()
    data = png.read_bytes()
    width, height = _png_size(data)
    assert (width, height) == (1200, 672)  # 10 x 5.6 inches at 120 dpi
    assert len(data) > 20_000
    pixels = imread(png)[:, :, :3]
    assert pixels.shape == (height, width, 3)
    distinct = np.unique((pixels * 255).round().reshape(-1, 3), axis=0)
    assert len(distinct) > 50  # text, lines, bands and hatching, not a blank canvas
    # Each source's line is drawn in its own colour, the one its registration order gives.
    with Ledger.open(db) as ledger:
        palette = source_colours(s.source for s in ledger.sources())
        options: dict[str, Any] = {
            name.removeprefix("--"): value for name, value in zip(key[::2], key[1::2], strict=True)
        }
        shown = ledger.timeline(story.INCIDENT, **options).sources
    assert len(shown) == colours
    for source in shown:
        colour = np.array(to_rgb(palette[source]))
        assert (np.abs(pixels - colour).max(axis=2) < 0.02).sum() > 500


def test_without_matplotlib_the_command_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _seed(tmp_path / "story.db")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out, err = io.StringIO(), io.StringIO()
    png = tmp_path / "timeline.png"
    code = main(["--db", str(db), "timeline", story.INCIDENT, "--metric", "killed", "--plot",
                 str(png)], stdout=out, stderr=err)  # fmt: skip
    assert code == 1
    assert err.getvalue() == (
        "ledger: error: drawing a timeline needs the 'plot' extra: "
        "pip install 'incident-ledger[plot]'\n"
    )
    assert not png.exists()


def test_plot_timeline_raises_a_typed_error_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.plot import plot_timeline  # noqa: PLC0415

    ledger = Ledger.in_memory(actor="t")
    story.record_saturday(ledger)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError) as caught:
        plot_timeline(ledger.timeline(story.INCIDENT, metric="killed"), tmp_path / "x.png")
    assert caught.value.extra == "plot"


def test_an_empty_timeline_still_draws(tmp_path: Path) -> None:
    from ledger.plot import plot_timeline  # noqa: PLC0415

    ledger = Ledger.in_memory(actor="t")
    story.record_saturday(ledger)
    png = tmp_path / "empty.png"
    plot_timeline(ledger.timeline(story.INCIDENT, metric="injured"), png)
    assert _png_size(png.read_bytes()) == (1200, 672)


# What a reader sees: tested on the figure the API returns.

UNTIL = dt.datetime(2025, 3, 12, tzinfo=dt.UTC)


def _story() -> Ledger:
    clock = story.DeskClock()
    ledger = Ledger.in_memory(actor="t", clock=clock)
    story.record_saturday(ledger)
    story.record_later_changes(ledger, clock)
    return ledger


def _texts(figure: Any) -> list[str]:
    found = [t.get_text() for ax in figure.axes for t in ax.texts]
    found += [ax.get_title(loc="left") for ax in figure.axes]
    return [*found, figure.get_suptitle()]


def test_the_chart_names_sources_and_the_incident_not_their_ids() -> None:
    ledger = _story()
    timeline = ledger.timeline(story.INCIDENT, metric="killed")
    names = {s.source: s.name for s in ledger.sources()}
    figure = plot_timeline(timeline, title=ledger.incident(story.INCIDENT).title, names=names,
                           until=UNTIL)  # fmt: skip
    texts = _texts(figure)
    assert "Killings on Syria's coast, March 2025" in texts
    assert "Syrian Network for Human Rights: at least 745" in texts
    assert not any(t.startswith("snhr") for t in texts)
    # One label per source at the right edge, never one per change.
    assert len(figure.axes[0].texts) == len(timeline.sources)


def test_the_command_line_titles_and_names_its_chart(tmp_path: Path) -> None:
    db = _seed(tmp_path / "story.db")
    svg = tmp_path / "killed.svg"
    code = main(["--db", str(db), "timeline", story.INCIDENT, "--metric", "killed", "--plot",
                 str(svg), "--title", "Deaths on the coast", "--until", "2025-03-12"],
                stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert code == 0
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml")
    assert "<svg" in text
    # matplotlib writes each glyph of an SVG's text as a path, but keeps the text in comments.
    assert "Deaths on the coast" in text
    assert "Syrian Network for Human Rights" in text


def _line_ys(figure: Any, colour: str) -> set[float]:
    from matplotlib.colors import same_color  # noqa: PLC0415

    return {
        float(y)
        for line in figure.axes[0].get_lines()
        if same_color(line.get_color(), colour) and len(line.get_ydata()) > 1
        for y in line.get_ydata()
        if not math.isnan(y)
    }


def test_a_figure_is_drawn_at_the_count_it_names_and_its_range_as_a_band() -> None:
    import numpy as np  # noqa: PLC0415 - matplotlib's own dependency

    ledger = Ledger.in_memory(actor="t")
    ledger.open_incident("inc", title="An incident")
    ledger.register_source("a", name="A", kind="monitor")
    at = dt.datetime(2025, 3, 8, 12, tzinfo=dt.UTC)
    ledger.file_report("inc", source="a", metric="killed", figure="about 20", reported_at=at,
                       report_id="r")  # fmt: skip
    ledger.revise_report("r", figure="120-150", reported_at=at + dt.timedelta(days=1))
    colour = source_colours(["a"])["a"]
    figure = plot_timeline(ledger.timeline("inc", metric="killed"), colours={"a": colour},
                           until=at + dt.timedelta(days=2))  # fmt: skip
    assert 20.0 in _line_ys(figure, colour)
    assert 18.0 not in _line_ys(figure, colour)  # "about 20" is not read as its lower bound
    bands = [np.asarray(c.get_paths()[0].vertices)[:, 1] for c in figure.axes[0].collections]
    spans = {(round(min(ys)), round(max(ys))) for ys in bands}
    assert spans == {(18, 22), (120, 150)}
    # A range names no count: its band has edges and no line through it.
    assert {120.0, 150.0} <= _line_ys(figure, colour)
    assert 135.0 not in _line_ys(figure, colour)


def test_a_source_keeps_its_colour_from_chart_to_chart() -> None:
    ledger = _story()
    colours = source_colours(s.source for s in ledger.sources())
    killed = plot_timeline(ledger.timeline(story.INCIDENT, metric="killed"), colours=colours,
                           until=UNTIL)  # fmt: skip
    alone = plot_timeline(ledger.timeline(story.INCIDENT, metric="killed", source="monitor-b"),
                          colours=colours, until=UNTIL)  # fmt: skip
    assert _line_ys(killed, colours["monitor-b"]) == _line_ys(alone, colours["monitor-b"])
    assert len(set(colours.values())) == len(colours)
    # Without a mapping, a source's colour still comes from its id alone.
    one = plot_timeline(ledger.timeline(story.INCIDENT, metric="killed"), until=UNTIL)
    two = plot_timeline(ledger.timeline(story.INCIDENT, metric="killed", source="monitor-b"),
                        until=UNTIL)  # fmt: skip
    label = next(t for t in two.axes[0].texts if t.get_text().startswith("monitor-b"))
    twin = next(t for t in one.axes[0].texts if t.get_text().startswith("monitor-b"))
    assert label.get_color() == twin.get_color()


def _tick_labels(figure: Any) -> list[str]:
    figure.draw_without_rendering()
    return [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]


def test_the_time_axis_names_the_days_it_shows() -> None:
    ledger = Ledger.in_memory(actor="t", clock=lambda: dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    ledger.open_incident("inc", title="An incident")
    ledger.register_source("a", name="A", kind="monitor")
    first = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)
    ledger.file_report("inc", source="a", metric="killed", figure="5", reported_at=first,
                       report_id="r")  # fmt: skip
    for day in range(1, 5):
        ledger.revise_report("r", figure=str(5 + day), reported_at=first + dt.timedelta(days=day))
    until = dt.datetime(2026, 11, 30, 18, tzinfo=dt.UTC)
    figure = plot_timeline(ledger.timeline("inc", metric="killed"), until=until)
    labels = _tick_labels(figure)
    assert labels
    assert all("Nov" in label for label in labels)
    assert not any("Dec" in label for label in labels)
    assert "2026" in figure.axes[0].get_xlabel()
    # The chart runs through `until`, not to the last change.
    from matplotlib.dates import date2num  # noqa: PLC0415

    assert figure.axes[0].get_xlim()[1] == pytest.approx(date2num(until))  # type: ignore[no-untyped-call]
    # Within a day, hours; each day named on its first tick, in the display zone.
    short = plot_timeline(ledger.timeline("inc", metric="killed"),
                          until=first + dt.timedelta(hours=20),
                          tz=zoneinfo.ZoneInfo("Asia/Damascus"))  # fmt: skip
    hours = _tick_labels(short)
    assert any(":" in label for label in hours)
    assert "25 Nov" in hours[0] or "26 Nov" in hours[0]
    assert "(+03)" in short.axes[0].get_xlabel()


def test_a_chart_draws_into_the_callers_axes() -> None:
    from matplotlib.figure import Figure  # noqa: PLC0415

    mine = Figure(figsize=(12, 4))
    left, right = mine.subplots(1, 2)
    ledger = _story()
    returned = plot_timeline(ledger.timeline(story.INCIDENT, metric="killed"), ax=right,
                             title="Killed", until=UNTIL)  # fmt: skip
    assert returned is mine
    assert right.get_lines()
    assert not left.get_lines()
    assert right.get_title(loc="left").startswith("Killed\n")


def test_hundreds_of_revisions_draw_one_label_per_source_and_no_blot_of_marks() -> None:
    import numpy as np  # noqa: PLC0415 - matplotlib's own dependency

    ledger = Ledger.in_memory(actor="t", clock=lambda: dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    ledger.open_incident("inc", title="An incident")
    first = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for s in range(10):
        ledger.register_source(f"s{s}", name=f"Source number {s}", kind="monitor")
        ledger.file_report("inc", source=f"s{s}", metric="killed", figure=str(s),
                           reported_at=first, report_id=f"r{s}")  # fmt: skip
    for n in range(1, 60):
        for s in range(10):
            ledger.revise_report(f"r{s}", figure=f"at least {n * 10 + s}",
                                 reported_at=first + dt.timedelta(hours=n * 6 + s))  # fmt: skip
    timeline = ledger.timeline("inc", metric="killed")
    assert len(timeline.points) == 600
    figure = plot_timeline(timeline, names={f"s{s}": f"Source number {s}" for s in range(10)},
                           colours=source_colours(f"s{s}" for s in range(10)),
                           until=dt.datetime(2026, 11, 17, tzinfo=dt.UTC))  # fmt: skip
    ax = figure.axes[0]
    assert len(ax.texts) == 10
    marks = [line for line in ax.get_lines() if np.asarray(line.get_xdata()).size == 1]
    assert len(marks) <= 20  # where each source's open run starts, not 600 marks
    # The end labels, ten of them close together, do not overlap.
    from matplotlib.text import Text  # noqa: PLC0415

    figure.draw_without_rendering()
    # The text's own box: an annotation's box also holds its leader line.
    boxes = sorted((Text.get_window_extent(t) for t in ax.texts), key=lambda b: b.y0)
    assert all(a.y1 <= b.y0 + 0.5 for a, b in itertools.pairwise(boxes))


@given(
    st.lists(st.floats(min_value=-0.5, max_value=1.5), max_size=12),
    st.floats(min_value=0.001, max_value=0.2),
)
def test_end_labels_spread_apart_in_order_and_inside_the_frame(
    wanted: list[float], gap: float
) -> None:
    placed = spread(wanted, gap=gap)
    assert len(placed) == len(wanted)
    assert all(-1e-9 <= y <= 1 + 1e-9 for y in placed)
    ordered = sorted(placed)
    fits = min(gap, 1 / max(len(wanted) - 1, 1))
    assert all(b - a >= fits - 1e-9 for a, b in itertools.pairwise(ordered))
    # A label never swaps places with another it sits below.
    by_wish = sorted(range(len(wanted)), key=lambda i: (wanted[i], i))
    assert [placed[i] for i in by_wish] == sorted(placed)
