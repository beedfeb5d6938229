"""A timeline as a picture: each source's toll over reported time, and what moved it.

Needs matplotlib (`pip install 'incident-ledger[plot]'`); it draws with the Agg backend on a
figure of its own, never through pyplot, so it works without a display and leaves the
caller's matplotlib state alone.

How to read it: each source's lower bound is a step line; a bounded figure ("about 300",
"120-150", "dozens") shades a band up to its upper bound; an open one ("at least 311") is a
hatched band with an arrow, since it has no upper bound. Markers show what moved the line: a
filing, a revision by the source, a retraction (the line stops), and a version the ledger
later corrected (it shows the corrected figure).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ledger._files import replacing
from ledger.errors import MissingDependencyError, ValidationError
from ledger.projections.timeline import Timeline, TimelinePoint

#: Markers for what moved a source's line.
MARKERS: Final = {"filed": "o", "revised": "D", "retracted": "X"}
_CORRECTED: Final = "*"

if TYPE_CHECKING:  # matplotlib is an optional extra: only the type checker may need it here
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_timeline(
    timeline: Timeline,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    until: dt.datetime | None = None,
    size: tuple[float, float] = (10.0, 5.6),
    dpi: int = 120,
) -> None:
    """Draw `timeline` into an image file (PNG unless `path` names another format).

    The last figures are drawn on to `until` (default: a little after the last change).
    """
    try:
        from matplotlib import dates as mdates  # noqa: PLC0415 - an optional extra
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        raise MissingDependencyError("plot", "drawing a timeline") from None

    figure = Figure(figsize=size, dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    key = timeline.key
    figure.suptitle(
        title
        or f"{timeline.incident}: {key.metric} (group {key.group}, by {key.by}, place {key.place})",
        x=0.01,
        ha="left",
        fontsize=12,
    )
    known = (
        "knows it now"
        if timeline.known_at is None
        else f"knew it at {timeline.known_at:%Y-%m-%d %H:%M} UTC"
    )
    ax.set_title(
        f"each source's figure as reported over time, as the ledger {known}; "
        "sources are compared, never added",
        loc="left",
        fontsize=8,
        color="0.35",
    )
    ax.set_xlabel("reported time (UTC)")
    ax.set_ylabel(key.metric)
    ax.grid(visible=True, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)

    if not timeline.points:
        ax.text(0.5, 0.5, "no figures for this key", transform=ax.transAxes, ha="center")
        _save(figure, path)
        return

    _check_drawable(timeline.points)
    times = [p.at for p in timeline.points]
    start, last = min(times), max(times)
    pad = max((last - start) * 0.25, dt.timedelta(hours=12))
    end = max(until or _shifted(last, pad), _shifted(last, dt.timedelta(minutes=1)))
    finite = [v for p in timeline.points if p.figure for v in (p.figure.low, p.figure.high) if v]
    top = max([*finite, 10]) * 1.25

    sources = timeline.sources
    for index, source in enumerate(sources):
        _draw_source(
            ax, timeline.series(source), end=end, top=top, colour=_colour(index), index=index
        )

    ax.set_xlim(_x(_shifted(start, -pad / 2)), _x(end))
    ax.set_ylim(0, top)
    locator = mdates.AutoDateLocator(tz=dt.UTC, minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator, tz=dt.UTC)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.legend(
        handles=_legend(timeline),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    _save(figure, path)


#: The span of reported times a plot draws: matplotlib's date axis fails near the ends of
#: the calendar (its ticks round past year 9999), so the axis stops well inside them.
DRAWABLE: Final = (dt.datetime(100, 1, 1, tzinfo=dt.UTC), dt.datetime(9000, 1, 1, tzinfo=dt.UTC))


def _check_drawable(points: Sequence[TimelinePoint]) -> None:
    low, high = DRAWABLE
    for point in points:
        if not low <= point.at <= high:
            raise ValidationError(
                "timeline",
                f"has a figure reported at {point.at.isoformat()}, outside the years "
                f"{low.year} to {high.year} that a plot can draw",
            )


def _shifted(when: dt.datetime, by: dt.timedelta) -> dt.datetime:
    """`when + by`, stopping at the ends of `DRAWABLE`."""
    low, high = DRAWABLE
    if by >= dt.timedelta(0):
        return when + by if by <= high - when else high
    return when + by if by >= low - when else low


def _save(figure: Figure, path: str | os.PathLike[str]) -> None:
    """Save through `ledger._files.replacing`: never through a planted symlink, never half a
    picture under the name of a whole one. The format is the name's suffix, PNG without one."""
    kind = Path(path).suffix.lstrip(".").lower() or "png"
    known = figure.canvas.get_supported_filetypes()
    if kind not in known:
        raise ValidationError(
            "path", f"cannot draw a {kind!r} file; name one of {', '.join(sorted(known))}"
        )
    with replacing(path, binary=True) as file:
        figure.savefig(file, format=kind)


def _colour(index: int) -> str:
    return f"C{index % 10}"


def _legend(timeline: Timeline) -> list[Artist]:
    """The key: the sources, then only the markers and bands this picture shows."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 - plot_timeline checked the import
    from matplotlib.patches import Patch  # noqa: PLC0415

    handles: list[Artist] = [
        Line2D([], [], color=_colour(i), linewidth=2.2, label=source)
        for i, source in enumerate(timeline.sources)
    ]
    points = timeline.points
    changes = {p.change for p in points}
    handles += [
        Line2D([], [], color="0.3", marker=marker, linestyle="", label=change)
        for change, marker in MARKERS.items()
        if change in changes
    ]
    if any(p.corrected for p in points):
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                marker=_CORRECTED,
                markersize=11,
                linestyle="",
                markerfacecolor="none",
                label="corrected by the ledger",
            )
        )
    figures = [p.figure for p in points if p.figure is not None]
    if any(f.high is not None and f.high > f.low for f in figures):
        handles.append(Patch(facecolor="0.6", alpha=0.3, label="range: low to high"))
    if any(f.high is None for f in figures):
        handles.append(
            Patch(facecolor="none", edgecolor="0.5", hatch="///", label="no upper bound")
        )
    return handles


def _x(when: dt.datetime) -> float:
    """A time as matplotlib's date number, the x coordinate its date axes use."""
    from matplotlib.dates import date2num  # noqa: PLC0415 - plot_timeline checked the import

    x: float = date2num(when)  # type: ignore[no-untyped-call]
    return x


def _draw_source(
    ax: Axes,
    series: tuple[TimelinePoint, ...],
    *,
    end: dt.datetime,
    top: float,
    colour: str,
    index: int,
) -> None:
    from matplotlib.colors import to_rgba  # noqa: PLC0415 - plot_timeline checked the import

    xs: list[float] = []
    ys: list[float] = []
    previous_low: float | None = None
    for i, point in enumerate(series):
        at = _x(point.at)
        stop = _x(series[i + 1].at if i + 1 < len(series) else end)
        figure = point.figure
        if figure is None:  # retracted: the line stops here
            if previous_low is not None:
                ax.plot(
                    [at],
                    [previous_low],
                    marker=MARKERS["retracted"],
                    color=colour,
                    markersize=9,
                    linestyle="",
                )
            xs.append(at)
            ys.append(float("nan"))
            previous_low = None
            continue
        low = figure.low
        xs += [at, stop]
        ys += [low, low]
        if figure.high is None:
            ax.fill_between(
                [at, stop],
                low,
                top,
                facecolor=to_rgba(colour, 0.06),
                edgecolor=to_rgba(colour, 0.3),
                hatch="///",
                linewidth=0,
            )
            middle = (at + stop) / 2
            ax.annotate(
                "",
                xy=(middle, low + (top - low) * 0.3),
                xytext=(middle, low),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.2},
            )
        elif figure.high > low:
            ax.fill_between([at, stop], low, figure.high, color=colour, alpha=0.2, linewidth=0)
        marker = MARKERS.get(point.change, "o")
        ax.plot([at], [low], marker=marker, color=colour, markersize=7, linestyle="")
        if point.corrected:
            ax.plot(
                [at],
                [low],
                marker=_CORRECTED,
                color="black",
                markersize=12,
                linestyle="",
                markerfacecolor="none",
            )
        label = f"{figure}" + (" (corrected)" if point.corrected else "")
        ax.annotate(
            label,
            (at, low),
            xytext=(5, 5 + 11 * index),
            textcoords="offset points",
            fontsize=8,
            color=colour,
        )
        previous_low = low
    ax.plot(xs, ys, color=colour, linewidth=2.2)
