"""Times at the ledger's boundaries: the one place a time given to a query or a command is read.

The facade's queries and commands and every command-line option read their times here, so a
time means the same whichever door it came in by (docs/concepts.md, "Times at the boundary"):

- A *moment* (`reported_at`, `--reported-at`) is an instant: an aware datetime, or ISO 8601
  text with a zone (`2025-03-08T14:00Z`, `2025-03-08T17:00+03:00`). A naive datetime names
  no instant, and a bare date no time of day: both are refused.
- A *cut* bounds a window or a clock (`since`, `until`, `as_of`, `known_at` and their
  options): a moment, or a bare date meaning the whole of that day. A date in `since` starts
  the window at the first instant of that day; in `until`, `as_of` and `known_at` it ends it
  at the last. Windows are `since < t <= until`, so a `since` date is kept as the instant
  just before its day begins. Days are days of `tz`: UTC unless the caller says otherwise
  (the command line's `--tz`).
- A *day* (`occurred_by`, `started_on`, a period's ends) is a date, or ISO 8601 date text.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Final

from ledger._fields import utc
from ledger.errors import ValidationError

_TICK: Final = dt.timedelta(microseconds=1)


class Side(enum.Enum):
    """Which end of a window a cut bounds: a bare date starts one and ends the other."""

    START = "start"
    END = "end"


def moment(name: str, value: dt.datetime | str) -> dt.datetime:
    """An instant, in UTC: an aware datetime, or ISO 8601 text with a zone."""
    if isinstance(value, str):
        return _zoned(name, value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise ValidationError(
            name, f"{value} is a date: give a time with a zone (2025-03-08T14:00Z)", value=value
        )
    return utc(name, value)


def cut(
    name: str,
    value: dt.datetime | dt.date | str | None,
    *,
    side: Side,
    tz: dt.tzinfo = dt.UTC,
) -> dt.datetime | None:
    """A bound of a window or a clock, in UTC; None stays None (no bound: the start, or now).

    A date means the whole of that day in `tz`: from its first instant for `Side.START`
    (kept as the instant before it, since windows start after their bound), to its last for
    `Side.END`.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            return _zoned(name, text)
    if isinstance(value, dt.datetime):
        return utc(name, value)
    if isinstance(value, dt.date):
        return _day_bound(value, side, tz)
    raise ValidationError(name, "must be a datetime, a date or None", value=value)


#: The ends of the calendar, in UTC.
_FIRST: Final = dt.datetime.min.replace(tzinfo=dt.UTC)
_LAST: Final = dt.datetime.max.replace(tzinfo=dt.UTC)


def _day_bound(day: dt.date, side: Side, tz: dt.tzinfo) -> dt.datetime:
    """The instant before `day` begins in `tz` (for `Side.START`) or its last (`Side.END`)."""
    try:
        if side is Side.START:
            return (dt.datetime.combine(day, dt.time(), tzinfo=tz) - _TICK).astimezone(dt.UTC)
        following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return (following - _TICK).astimezone(dt.UTC)
    except OverflowError:
        # A day at an end of the calendar: its bound is that end, where no event lies.
        return _FIRST if side is Side.START else _LAST


def day_started(since: dt.datetime, tz: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """The first instant of the day `since` was cut from (as a `Side.START` cut of a date in
    `tz` is kept: the instant just before it), or None if `since` is no such cut."""
    following = since + _TICK
    # Compared with the cut itself, not with a midnight on the clock: where a zone skips
    # its midnight (a clock change at 00:00), the day starts at 01:00.
    day = following.astimezone(tz).date()
    return following if cut("since", day, side=Side.START, tz=tz) == since else None


def is_day(value: object) -> bool:
    """Whether `value` names a whole day (a date, or ISO 8601 date text), not an instant."""
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            return False
        return True
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def day(name: str, value: dt.date | str | None) -> dt.date | None:
    """A calendar day: a date, or ISO 8601 date text (`2025-03-08`)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                name, f"{value!r} is not an ISO 8601 date such as 2025-03-08", value=value
            ) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(name, "must be a date", value=value)
    return value


def zone(name: str, value: str | dt.tzinfo | None) -> dt.tzinfo:
    """A display time zone: an IANA name (`Asia/Damascus`), `UTC`, or a tzinfo; None is UTC."""
    if value is None or value in ("UTC", "utc", "Z"):
        return dt.UTC
    if isinstance(value, dt.tzinfo):
        return value
    import zoneinfo  # noqa: PLC0415 - only a display zone needs the tz database

    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            name,
            f"unknown time zone {value!r}: give an IANA name such as Asia/Damascus",
            value=value,
        ) from None


def _zoned(name: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            name, f"{text!r} is not an ISO 8601 time such as 2025-03-08T14:00Z", value=text
        ) from None
    if value.utcoffset() is None:
        raise ValidationError(
            name, f"{text!r} has no time zone: add one (2025-03-08T14:00Z, or +03:00)", value=text
        )
    return utc(name, value)
