"""A timeline as a picture: each source's toll over reported time, for people to publish.

Needs matplotlib (`pip install 'incident-ledger[plot]'`). It draws on a matplotlib `Figure`
of its own (never through pyplot, so it works without a display and leaves the caller's
matplotlib state alone), or into an `Axes` the caller passes, and returns the figure so a
notebook can show it, compose it with others, or save it in any format matplotlib writes.

How to read it (docs/cli.md shows examples):

- Each source is one colour, the same on every chart drawn with the same `colours` (the
  command line gives each source of a ledger its colour by registration order).
- A figure is drawn where a reader reads it: at the count its words name ("about 20" at 20,
  "at least 311" at 311, see `Figure.stated`), as a step line that holds until the source
  changes it. A figure with a range ("120-150", "about 20", "dozens") also shades its range
  as a band; one that names no count ("120-150", "dozens") is the band alone.
- A run of figures with no upper bound ("at least 311") has a small upward caret where it
  starts (and at each change, while the source has few).
- A cross marks a retraction (the line stops); a hollow star, a version the ledger later
  corrected (the chart shows the corrected figure). Filings and revisions are marked only
  while a source has few enough of them for the marks to stay apart.
- Each source's standing figure at the right edge is labelled with its name and words.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ledger._files import replacing
from ledger.errors import MissingDependencyError, ValidationError
from ledger.figures import Figure as Count
from ledger.projections.timeline import Timeline, TimelinePoint
from ledger.taxonomy import ROOT

if TYPE_CHECKING:  # matplotlib is an optional extra: only the type checker may need it here
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Ten distinct colours (Tableau 10, as matplotlib's "tab10"), in the order sources get them.
PALETTE: Final = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
#: Markers for what moved a source's line.
MARKERS: Final = {"filed": "o", "revised": "D", "retracted": "X"}
_CORRECTED: Final = "*"
_OPEN: Final = "^"
#: A source with more changes than this on one chart is drawn without filing and revision
#: marks: hundreds of them would only blot the line.
MARKED_POINTS: Final = 30
_LABEL_SIZE: Final = 8.5


def source_colours(sources: Iterable[str]) -> dict[str, str]:
    """A colour per source by its place in `sources`, cycling through `PALETTE`.

    Pass every source of a ledger in registration order (`[s.source for s in
    ledger.sources()]`) and each keeps its colour on every chart of that ledger, whichever
    sources a chart shows; the first ten never share one.
    """
    return {source: PALETTE[i % len(PALETTE)] for i, source in enumerate(dict.fromkeys(sources))}


def _fallback_colour(source: str) -> str:
    """A source's colour when the caller gave none: from its id, so it too is stable."""
    return PALETTE[zlib.crc32(source.encode()) % len(PALETTE)]


def plot_timeline(
    timeline: Timeline,
    path: str | os.PathLike[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
    until: dt.datetime | None = None,
    tz: dt.tzinfo = dt.UTC,
    size: tuple[float, float] = (10.0, 5.6),
    dpi: int = 120,
) -> Figure:
    """Draw `timeline`; returns the matplotlib figure, also saved to `path` if given.

    `path`'s suffix picks the format (`.png`, `.svg`, `.pdf`). `ax` draws into an axes of the
    caller's figure instead of a new one (`size` and `dpi` then do not apply). `names` maps
    source ids to the names shown (default: the ids); `colours` maps source ids to colours
    (default: `source_colours` would need every source of the ledger, so each source's
    colour comes from its id). The chart runs through `until` (default: the timeline's
    `known_at`, else now), so a source
    whose figure has not moved for days is seen to hold it; `tz` is the zone whose days and
    hours the time axis shows.
    """
    try:
        import matplotlib as mpl  # noqa: F401, PLC0415 - an extra; first, so its absence shows
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        raise MissingDependencyError("plot", "drawing a timeline") from None
    end = until or timeline.known_at or dt.datetime.now(dt.UTC)
    if not isinstance(end, dt.datetime) or end.utcoffset() is None:
        raise ValidationError("until", "must be a timezone-aware datetime", value=until)
    names = {} if names is None else names
    colours = {} if colours is None else colours

    own = ax is None
    if ax is None:
        figure = Figure(figsize=size, dpi=dpi, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    else:
        parent = ax.get_figure()
        if not isinstance(parent, Figure):
            raise ValidationError("ax", "must be an axes placed on a figure", value=ax)
        figure = parent
    _frame(ax, figure, timeline, title=title, end=end, tz=tz, own=own)

    points = [p for p in timeline.points if p.at <= end]
    _check_drawable(points, end)
    if not points:
        ax.text(0.5, 0.5, "no figures for this key", transform=ax.transAxes, ha="center")
        ax.set_yticks([])
        _time_axis(ax, end - dt.timedelta(days=1), end, tz)
        _save(figure, path)
        return figure

    start = min(p.at for p in points)
    pad = max((end - start) * 0.03, dt.timedelta(hours=1))
    top = _top(points)
    ax.set_ylim(0, top)
    _time_axis(ax, start - pad, end, tz)
    ax.yaxis.set_major_formatter("{x:,.0f}")

    labels = []
    for source in timeline.sources:
        series = tuple(p for p in points if p.source == source)
        colour = colours.get(source) or _fallback_colour(source)
        anchor = _draw_source(ax, series, end=end, colour=colour)
        last = series[-1].figure
        text = _label(
            f"{names.get(source, source)}: " + ("retracted" if last is None else str(last))
        )
        labels.append((text, colour, anchor))
    _label_ends(ax, figure, labels, top=top)
    handles = _legend(points)
    if own:  # below the chart, where the layout makes room for it whatever the tick labels
        figure.legend(handles=handles, loc="outside lower left", ncols=len(handles) or 1,
                      fontsize=8, frameon=False, handlelength=1.6)  # fmt: skip
    else:  # the caller's figure: keep to the axes given
        ax.legend(handles=handles, loc="upper left", fontsize=7, frameon=False)
    _save(figure, path)
    return figure


#: What keeps a saved chart the same bytes from run to run: no creation date in its metadata,
#: and SVG element ids drawn from a fixed salt instead of a random one.
_STABLE: Final = {".svg": {"Date": None}, ".pdf": {"CreationDate": None}}


def _save(figure: Figure, path: str | os.PathLike[str] | None) -> None:
    """Save through `ledger._files.replacing`: never through a planted symlink, never half a
    picture under the name of a whole one. The format is the name's suffix, PNG without one."""
    if path is None:
        return
    from matplotlib import rc_context  # noqa: PLC0415 - plot_timeline checked the import

    suffix = Path(path).suffix.lower()
    kind = suffix.lstrip(".") or "png"
    known = figure.canvas.get_supported_filetypes()
    if kind not in known:
        raise ValidationError(
            "path", f"cannot draw a {kind!r} file; name one of {', '.join(sorted(known))}"
        )
    metadata = _STABLE.get(suffix)
    with rc_context({"svg.hashsalt": "incident-ledger"}), replacing(path, binary=True) as file:
        figure.savefig(file, format=kind, metadata=metadata)


#: The span of reported times a plot draws: matplotlib's date axis fails near the ends of
#: the calendar (its ticks round past year 9999), so the axis stops well inside them.
DRAWABLE: Final = (dt.datetime(100, 1, 1, tzinfo=dt.UTC), dt.datetime(9000, 1, 1, tzinfo=dt.UTC))


def _check_drawable(points: Sequence[TimelinePoint], end: dt.datetime) -> None:
    low, high = DRAWABLE
    for at in (*(point.at for point in points), end):
        if not low <= at <= high:
            raise ValidationError(
                "timeline",
                f"reaches {at.isoformat()}, outside the years {low.year} to {high.year} that "
                "a plot can draw",
            )


def _words(term: str) -> str:
    return term.replace("_", " ")


def describe(timeline: Timeline) -> str:
    """The key in words: "killed", "killed: civilians, by government forces, in latakia"."""
    key = timeline.key
    parts = [
        *([_words(key.group)] if key.group != ROOT else []),
        *([f"by {_words(key.by)}"] if key.by != ROOT else []),
        *([f"in {_words(key.place)}"] if key.place != ROOT else []),
    ]
    return _words(key.metric) + (": " + ", ".join(parts) if parts else "")


def _zone(tz: dt.tzinfo, at: dt.datetime) -> str:
    return "UTC" if tz is dt.UTC else (at.astimezone(tz).tzname() or str(tz))


def _frame(
    ax: Axes,
    figure: Figure,
    timeline: Timeline,
    *,
    title: str | None,
    end: dt.datetime,
    tz: dt.tzinfo,
    own: bool,
) -> None:
    """Title, subtitle, axis labels and the footnote that says what the reader sees."""
    heading = title or timeline.incident
    what = (
        f"{describe(timeline).capitalize()}, as each source reported it. "
        "Figures of different sources are compared, never added."
    )
    known = (
        "as the ledger knows it now"
        if timeline.known_at is None
        else f"as the ledger knew it at {_stamp(timeline.known_at, tz)}"
    )
    note = f"Reported figures {known}, shown through {_stamp(end, tz)}."
    if own:
        figure.suptitle(heading, x=0.012, ha="left", fontsize=14, fontweight="bold")
        ax.set_title(f"{what}\n{note}", loc="left", fontsize=9, color="0.3", linespacing=1.5)
    else:
        ax.set_title(f"{heading}\n{what}", loc="left", fontsize=9)
    ax.set_ylabel(_words(timeline.key.metric))
    ax.set_xlabel(f"reported time ({_zone(tz, end)})")
    ax.grid(visible=True, axis="y", color="0.88", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _stamp(at: dt.datetime, tz: dt.tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{local.day} {local:%b %Y %H:%M} {_zone(tz, at)}"


def _top(points: Sequence[TimelinePoint]) -> float:
    """A round number above every bound and stated count, so nothing touches the frame."""
    values = [
        v
        for p in points
        if p.figure is not None
        for v in (p.figure.low, p.figure.high, p.figure.stated)
        if v is not None
    ]
    highest = max([*values, 10]) * 1.1
    step = 10 ** math.floor(math.log10(highest))
    for unit in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if highest <= unit * step:
            return float(unit * step)
    return float(10 * step)  # pragma: no cover - the loop ends at ten steps, above anything


def _time_axis(ax: Axes, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> None:
    """Ticks and labels in `tz`: days as "28 Nov", hours as "14:00" with their day named on
    the first tick of each day, and the year(s) in the axis label: a tick never names a
    month, or a day, it is not in."""
    from matplotlib import dates as mdates  # noqa: PLC0415 - plot_timeline checked the import
    from matplotlib.ticker import Formatter  # noqa: PLC0415

    class _Days(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:  # noqa: ARG002
            return self.format_ticks([x])[0]

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            out, previous = [], None
            for x in values:
                at: dt.datetime = mdates.num2date(x, tz=tz)  # type: ignore[no-untyped-call]
                day = f"{at.day} {at:%b}"
                if (at.hour, at.minute) == (0, 0):
                    out.append(day)
                else:
                    out.append(f"{at:%H:%M}" if at.date() == previous else f"{at:%H:%M}\n{day}")
                previous = at.date()
            return out

    ax.set_xlim(_x(start), _x(end))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=9))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(_Days())
    first, last = start.astimezone(tz).year, end.astimezone(tz).year
    years = str(first) if first == last else f"{first}-{last}"
    ax.set_xlabel(f"{ax.get_xlabel()}, {years}")


def _x(when: dt.datetime) -> float:
    """A time as matplotlib's date number, the x coordinate its date axes use."""
    from matplotlib.dates import date2num  # noqa: PLC0415 - plot_timeline checked the import

    x: float = date2num(when)  # type: ignore[no-untyped-call]
    return x


def _level(figure: Count) -> float:
    """Where a figure's label points: its stated count, else the middle of its range."""
    if figure.stated is not None:
        return figure.stated
    return (figure.low + figure.high) / 2 if figure.high is not None else figure.low


def _draw_source(  # noqa: C901 - one branch per thing a point can show
    ax: Axes, series: tuple[TimelinePoint, ...], *, end: dt.datetime, colour: str
) -> tuple[float, float]:
    """One source's line, bands and marks; returns where its end label points: its last
    figure at the right edge, or the place the line stopped if the source retracted it."""
    xs: list[float] = []
    ys: list[float] = []
    marked = len(series) <= MARKED_POINTS
    level: float | None = None
    anchor = (_x(end), 0.0)
    for i, point in enumerate(series):
        at = _x(point.at)
        stop = _x(series[i + 1].at if i + 1 < len(series) else end)
        figure = point.figure
        if figure is None:  # retracted: the line stops here
            if level is not None:
                ax.plot([at], [level], marker=MARKERS["retracted"], color=colour,
                        markersize=8, markeredgecolor="white", linestyle="", zorder=4)  # fmt: skip
                anchor = (at, level)
            xs.append(at)
            ys.append(math.nan)
            level = None
            continue
        stated = math.nan if figure.stated is None else float(figure.stated)
        xs += [at, stop]
        ys += [stated, stated]
        if figure.high is not None and figure.high > figure.low:
            ax.fill_between([at, stop], figure.low, figure.high, color=colour, alpha=0.16,
                            linewidth=0, zorder=1)  # fmt: skip
            if figure.stated is None:  # the band alone carries it: give it edges
                for edge in (figure.low, figure.high):
                    ax.plot([at, stop], [edge, edge], color=colour, linewidth=0.9, alpha=0.7)
        level = _level(figure)
        anchor = (stop, level)
        if figure.high is None:
            if marked or _bounded(series[i - 1].figure if i else None):
                ax.plot([at], [level], marker=_OPEN, color=colour, markersize=6,
                        linestyle="", zorder=4)  # fmt: skip
        elif marked:
            ax.plot([at], [level], marker=MARKERS.get(point.change, "o"), color=colour,
                    markersize=5, markeredgecolor="white", markeredgewidth=0.6,
                    linestyle="", zorder=4)  # fmt: skip
        if point.corrected:
            ax.plot([at], [level], marker=_CORRECTED, color="black", markersize=12,
                    markerfacecolor="none", linestyle="", zorder=5)  # fmt: skip
    ax.plot(xs, ys, color=colour, linewidth=2.0, zorder=3)
    return anchor


def _bounded(figure: Count | None) -> bool:
    return figure is None or figure.high is not None


def _label(text: str) -> str:
    """`text` as matplotlib should draw it: Arabic shaped and in visual order.

    matplotlib lays text out left to right, one glyph per code point, so Arabic would come
    out backwards in unjoined letters; arabic-reshaper joins the letters (dropping tashkeel,
    which matplotlib cannot place) and python-bidi puts them in display order.
    """
    if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return text
    try:
        from arabic_reshaper import reshape  # noqa: PLC0415 - an optional extra
        from bidi.algorithm import get_display  # noqa: PLC0415
    except ImportError:
        raise MissingDependencyError("arabic", "drawing Arabic wording") from None
    shaped: str = get_display(reshape(text))
    return shaped


def _label_ends(
    ax: Axes,
    figure: Figure,
    labels: list[tuple[str, str, tuple[float, float]]],
    *,
    top: float,
) -> None:
    """Each source's name and standing figure beside the right edge, spread so that no two
    overlap, with a thin leader to where its line ends."""
    figure.draw_without_rendering()  # lay out once, so the axes' height is known
    height = ax.get_window_extent().height * 72 / figure.dpi
    gap = _LABEL_SIZE * 1.45 / max(height, 1.0)
    wanted = [y / top for _, _, (_, y) in labels]
    placed = spread(wanted, gap=gap)
    for (text, colour, anchor), y in zip(labels, placed, strict=True):
        ax.annotate(
            text,
            xy=anchor,
            xycoords="data",
            xytext=(1.015, y),
            textcoords=("axes fraction"),
            va="center",
            ha="left",
            fontsize=_LABEL_SIZE,
            color=colour,
            fontweight="bold",
            annotation_clip=False,
            # Dotted, so a leader across a gap left by a retraction reads as no figure.
            arrowprops={
                "arrowstyle": "-",
                "color": colour,
                "linewidth": 0.8,
                "alpha": 0.7,
                "linestyle": ":",
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )


def spread(
    wanted: Sequence[float], *, gap: float, low: float = 0.0, high: float = 1.0
) -> list[float]:
    """Positions as near `wanted` as they can be while at least `gap` apart within [low,
    high] (or as evenly as fits): how the end labels avoid each other. Order is kept."""
    if not wanted:
        return []
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    gap = min(gap, (high - low) / max(len(wanted) - 1, 1))
    ys = [min(max(wanted[i], low), high) for i in order]
    for k in range(1, len(ys)):
        ys[k] = max(ys[k], ys[k - 1] + gap)
    if ys[-1] > high:
        ys[-1] = high
        for k in range(len(ys) - 2, -1, -1):
            ys[k] = min(ys[k], ys[k + 1] - gap)
    placed = [0.0] * len(wanted)
    for k, i in enumerate(order):
        placed[i] = ys[k]
    return placed


def _legend(points: Sequence[TimelinePoint]) -> list[Artist]:
    """The key to the marks and bands this picture shows, and only those."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 - plot_timeline checked the import
    from matplotlib.patches import Patch  # noqa: PLC0415

    grey = "0.35"
    handles: list[Artist] = []
    figures = [p.figure for p in points if p.figure is not None]
    if any(f.high is not None and f.high > f.low for f in figures):
        handles.append(Patch(facecolor=grey, alpha=0.25, label="range of the figure"))
    if any(f.high is None for f in figures):
        handles.append(
            Line2D(
                [],
                [],
                color=grey,
                marker=_OPEN,
                linestyle="",
                label="no upper bound (at least, more than)",
            )
        )
    counts: dict[str, int] = {}
    for p in points:
        counts[p.source] = counts.get(p.source, 0) + 1
    # Filings and revisions are marked only for bounded figures of sources with few changes.
    changes = {
        p.change
        for p in points
        if counts[p.source] <= MARKED_POINTS and p.figure is not None and p.figure.high is not None
    }
    if changes:
        handles += [
            Line2D([], [], color=grey, marker=marker, linestyle="", label=change)
            for change, marker in MARKERS.items()
            if change in changes and change != "retracted"
        ]
    if any(p.change == "retracted" for p in points):
        handles.append(
            Line2D([], [], color=grey, marker=MARKERS["retracted"], linestyle="", label="retracted")
        )
    if any(p.corrected for p in points):
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                marker=_CORRECTED,
                markersize=10,
                linestyle="",
                markerfacecolor="none",
                label="corrected by the ledger",
            )
        )
    return handles
