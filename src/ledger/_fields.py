"""Field validators and converters shared by the value and event classes.

Each raises `ValidationError` naming the field, so a bad value is reported the same way
whether it came from a command, an import line or a stored payload.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from typing import Any, Final, TypeVar

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


def text_field(*, required: bool = False, help: str = "") -> Any:  # noqa: A002
    metadata = option(help) if help else None
    if required:
        return attrs.field(
            validator=lambda _, a, v: check_text(a.name, v, required=True), metadata=metadata
        )
    return attrs.field(
        default=None, validator=lambda _, a, v: check_text(a.name, v), metadata=metadata
    )


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


#: The key of a field's `Option` in its attrs metadata.
OPTION: Final = "ledger.option"


@attrs.frozen(kw_only=True, slots=True)
class Option:
    """How a field of a command (or of a value a command takes) is given and documented.

    The facade, the command line, JSON Lines import and docs/cli.md all read the command's
    fields; this says what the field's type and default do not: its help, the option it is
    given by on the command line, and whether it must be given though it has a default.
    How text is read follows from the field's type (a date, a time, a choice, a number).
    """

    help: str = ""
    #: The command line's name for it, where that is not `--` and the field's name.
    flag: str | None = None
    #: Given as a bare argument: first on the command line and to the facade's method.
    positional: bool = False
    metavar: str | None = None
    #: Must be given although it defaults to None: a correction's reason, which an import
    #: may supply for every line that gives none.
    required: bool = False
    #: For a value with fields of its own (a period, provenance): its fields are options of
    #: their own, each named `--` + `prefix` + the field's name, under `group` in help.
    prefix: str | None = None
    group: str | None = None


def option(
    help: str = "",  # noqa: A002 - argparse's name for it
    *,
    flag: str | None = None,
    positional: bool = False,
    metavar: str | None = None,
    required: bool = False,
    prefix: str | None = None,
    group: str | None = None,
) -> dict[str, Option]:
    """A field's metadata, for `attrs.field(metadata=option(...))`."""
    return {
        OPTION: Option(
            help=help,
            flag=flag,
            positional=positional,
            metavar=metavar,
            required=required,
            prefix=prefix,
            group=group,
        )
    }


def option_of(field: attrs.Attribute[Any]) -> Option:
    found = field.metadata.get(OPTION)
    return found if isinstance(found, Option) else _NO_OPTION


_NO_OPTION: Final = Option()


def terms_tuple(value: Iterable[str]) -> tuple[str, ...]:
    """A list of places as a tuple. Text is iterable too, but "latakia" meant as one place
    must not become seven."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            "places", f"must be a list of terms, got {type(value).__name__}", value=value
        )
    return tuple(value)


_E = TypeVar("_E", bound=enum.Enum)


def choice(cls: type[_E], value: _E | str, field: str) -> _E:
    """A member of `cls`, given as itself or as its value; anything else names the field."""
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in cls)
        raise ValidationError(field, f"must be one of {choices}", value=value) from None
