"""Field validators and converters shared by the value and event classes.

Each raises `ValidationError` naming the field, so a bad value is reported the same way
whether it came from a command, an import line or a stored payload.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

import attrs

from ledger.errors import ValidationError

_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
#: Generous, but bounded: a quote is a sentence or a paragraph, not a document.
MAX_TEXT: Final = 20_000


def is_id(value: object) -> bool:
    """Whether `value` could name something: what a lookup asks before it asks a store."""
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


def check_id(field: str, value: object) -> str:
    """Identifiers (incidents, sources, reports) are short, so they stay usable in URLs and CLIs."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise ValidationError(
            field,
            "must be 1-128 letters, digits, '_', '.', ':' or '-', starting with a letter or digit",
            value=value,
        )
    return value


def check_text(field: str, value: object, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text, got {type(value).__name__}", value=value)
    if required and not value.strip():
        raise ValidationError(field, "must not be empty", value=value)
    if len(value) > MAX_TEXT:
        raise ValidationError(field, f"is longer than {MAX_TEXT} characters", value=value[:80])
    if "\x00" in value:
        raise ValidationError(field, "must not contain NUL characters", value=value)
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            # A lone surrogate is not a character: it cannot be stored as UTF-8 at all.
            raise ValidationError(field, "must be valid Unicode text", value=value) from None
    return value


def to_utc(value: object, field: attrs.Attribute[Any]) -> dt.datetime:
    """Aware datetimes only, normalised to UTC so equal instants compare and encode equally."""
    return utc(field.name, value)


def utc(name: str, value: object) -> dt.datetime:
    if type(value) is dt.datetime and value.tzinfo is dt.UTC:
        return value  # already normalised: every decoded and most constructed times are
    if not isinstance(value, dt.datetime):
        raise ValidationError(name, f"must be a datetime, got {type(value).__name__}", value=value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            name, "must be timezone-aware (a naive datetime has no clock)", value=value
        )
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        # 0001-01-01T00:00+05:00 is a moment before year 1 in UTC: no datetime holds it.
        raise ValidationError(
            name, "is outside the years 1 to 9999 once converted to UTC", value=value
        ) from None


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of `day`, UTC: what a bare date means on either clock. Built without
    arithmetic, so the calendar's last day has an end like any other."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def id_field() -> Any:
    return attrs.field(validator=lambda _, a, v: check_id(a.name, v))


def text_field(*, required: bool = False) -> Any:
    if required:
        return attrs.field(validator=lambda _, a, v: check_text(a.name, v, required=True))
    return attrs.field(default=None, validator=lambda _, a, v: check_text(a.name, v))


def date_or_none(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
        raise ValidationError(attribute.name, "must be a date or None", value=value)


def check_instance(field: str, value: object, cls: type) -> None:
    if not isinstance(value, cls):
        raise ValidationError(
            field, f"must be a {cls.__name__}, got {type(value).__name__}", value=value
        )


def instance_of(cls: type) -> Any:
    """An attrs validator like `attrs.validators.instance_of`, raising `ValidationError`."""
    return lambda _, a, v: check_instance(a.name, v, cls)
