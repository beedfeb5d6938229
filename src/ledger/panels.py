"""The panel researchers ask for: each source's figure for one key, per day, on both clocks.

It is built from tallies, the one fold of what stands (docs/dataframes.md#the-panel): a row per
day and source, the figure as reported then, as known then, and as known now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from ledger import lookups, times
from ledger.errors import ValidationError
from ledger.figures import Figure
from ledger.frames import Frame
from ledger.projections.tally import Key
from ledger.taxonomy import ROOT

if TYPE_CHECKING:
    from ledger.ledger import Ledger

#: The three views of each day, in the order of a panel's columns.
VIEWS: Final = ("reported", "known_then", "known_now")


@attrs.frozen(kw_only=True, slots=True)
class PanelRow:
    """One source's figure for one key on one day, seen three ways (see `panel`)."""

    day: dt.date
    incident: str
    source: str
    source_name: str
    metric: str
    group: str
    by: str
    place: str
    reported: str | None
    reported_low: int | None
    reported_high: int | None
    reported_best: int | None
    known_then: str | None
    known_then_low: int | None
    known_then_high: int | None
    known_then_best: int | None
    known_now: str | None
    known_now_low: int | None
    known_now_high: int | None
    known_now_best: int | None


#: Days a panel may span: ten years, so a typo in a year is an error, not a long wait.
MAX_DAYS: Final = 3_660


def panel(
    book: Ledger,
    incident: str,
    *,
    metric: str,
    group: str = ROOT,
    by: str = ROOT,
    place: str = ROOT,
    start: dt.date,
    end: dt.date,
    tz: dt.tzinfo = dt.UTC,
) -> Frame:
    """Each source's figure for one key on each day from `start` to `end`, three ways.

    A row per day and source (every source with a figure for the key on some day of the
    window, so the panel is balanced: a day without a figure has nulls). For day `d`, ending
    at its last instant in `tz`:

    - `reported`: as reported then: what the source had said by the end of `d`, as the
      ledger knows it now, corrections included: `tally(as_of=d)`;
    - `known_then`: as the ledger knew it then: `tally(as_of=d, known_at=d)`, what a reader
      of the ledger saw at the end of `d`;
    - `known_now`: as known now: the source's standing figure now for what occurred by `d`
      (its period ends by `d`): `tally(occurred_by=d)`. A later figure that covers earlier
      days (a revision, a monitor's dated count) moves it; one without a period counts
      from the day it was reported.

    Each view gives the figure's wording and its low, high (None: open) and best.
    """
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ValidationError(name, "must be a date", value=value)
    if end < start:
        raise ValidationError("end", f"is before start ({start})", value=end)
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise ValidationError("end", f"makes a panel of {days} days, over {MAX_DAYS}", value=end)
    key = Key(metric=metric, group=group, by=by, place=place)
    title = book.incident(incident).title
    lookups.check_key(book.taxonomy, key)
    names = {s.source: s.name for s in book.sources()}
    seen: dict[tuple[dt.date, str], dict[str, Figure]] = {}
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        cut = times.cut("day", day, side=times.Side.END, tz=tz)
        tallies = (
            book.tally(incident, as_of=cut),
            book.tally(incident, as_of=cut, known_at=cut),
            book.tally(incident, occurred_by=day),
        )
        for view, tally in zip(VIEWS, tallies, strict=True):
            for entry in tally.entries:
                if entry.key == key:
                    seen.setdefault((day, entry.source), {})[view] = entry.figure
    sources = sorted({source for _, source in seen})
    rows = [
        PanelRow(
            day=day,
            incident=incident,
            source=source,
            source_name=names.get(source, source),
            metric=metric,
            group=group,
            by=by,
            place=place,
            **_views(seen.get((day, source), {})),
        )
        for day in (start + dt.timedelta(days=offset) for offset in range(days))
        for source in sources
    ]
    return Frame.of(schema="ledger.panel/1", title=title, row_type=PanelRow, rows=rows)


def _views(figures: Mapping[str, Figure]) -> dict[str, Any]:
    """A panel row's columns of each view: the figure's wording, low, high and best."""
    views: dict[str, Any] = {}
    for view in VIEWS:
        figure = figures.get(view)
        views[view] = None if figure is None else figure.text
        views[f"{view}_low"] = None if figure is None else figure.low
        views[f"{view}_high"] = None if figure is None else figure.high
        views[f"{view}_best"] = None if figure is None else figure.best
    return views
