"""Answers as HTML tables, for notebooks: what Jupyter shows for `_repr_html_`.

Every cell and caption is escaped here, once: titles, quotes, notes and figure wordings
come from sources and data entry, and a `<script>` in a quote must show as text.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from typing import Final

#: Rows shown before the rest are summed up in one line: a notebook cell is not a report.
MAX_ROWS: Final = 60
#: Characters of free text (quotes, notes) shown in a cell.
MAX_TEXT: Final = 80


def cell(value: object) -> str:  # noqa: PLR0911 - one way to show each kind of value
    """A value as people read it in a table: empty for None, times to the minute in UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
        seconds = ":%S" if value.second or value.microsecond else ""
        return value.strftime(f"%Y-%m-%d %H:%M{seconds}Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    return str(value)


def clip(text: str | None, limit: int = MAX_TEXT) -> str | None:
    """Free text cut to `limit` characters, marked where it was cut."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "\u2026"


def table(
    caption: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    total: int | None = None,
    notes: Sequence[str] = (),
) -> str:
    """An HTML table: `caption` above it, at most `MAX_ROWS` rows, `notes` below it.

    `total` is how many rows there are in all, if `rows` may hold more than are shown.
    """
    out = [
        "<div>",
        f"<p><strong>{html.escape(caption)}</strong></p>",
        '<table class="ledger"><thead><tr>',
        *(f"<th>{html.escape(h)}</th>" for h in headers),
        "</tr></thead><tbody>",
    ]
    shown = 0
    for row in rows:
        if shown == MAX_ROWS:
            break
        out.append("<tr>")
        for value in row:
            number = isinstance(value, int) and not isinstance(value, bool)
            align = ' style="text-align:right"' if number else ""
            out.append(f"<td{align}>{html.escape(cell(value))}</td>")
        out.append("</tr>")
        shown += 1
    out.append("</tbody></table>")
    if total is not None and total > shown:
        out.append(f"<p>{total - shown:,} more rows not shown ({total:,} in all).</p>")
    out += [f"<p>{html.escape(note)}</p>" for note in notes]
    out.append("</div>")
    return "".join(out)


def when(value: dt.datetime | None) -> str:
    """A clock's cut for a caption: None is now."""
    return "now" if value is None else cell(value)


def knows(known_at: dt.datetime | None) -> str:
    """The recorded clock's cut for a caption."""
    return "knows it now" if known_at is None else f"knew it at {cell(known_at)}"
