"""What a figure's wording can say, in any language: its kind, and the bounds each kind gives."""

from __future__ import annotations

import enum
import math
from typing import Final

from ledger.errors import FigureError

#: Larger than any real casualty count (the world's population is under 10**10); anything
#: beyond is a data-entry accident, not a figure.
MAX_COUNT: Final = 10**10

#: "about N" spans N±10%, rounded outwards; "nearly N" spans the lower half of that.
ABOUT_MARGIN: Final = 0.10


class FigureKind(enum.Enum):
    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    AT_MOST = "at_most"
    FEWER_THAN = "fewer_than"
    ABOUT = "about"
    NEARLY = "nearly"
    RANGE = "range"
    #: A best estimate inside a range, as UCDP gives best, low and high: `12 (10-15)`.
    ESTIMATE = "estimate"
    VAGUE = "vague"
    UNKNOWN = "unknown"


class Language(enum.StrEnum):
    """The languages whose wordings the ledger reads, by ISO 639-1 code.

    A `StrEnum`, so a plain code such as "ar" compares equal to `Language.AR`.
    """

    EN = "en"
    AR = "ar"
    FR = "fr"

    @property
    def english_name(self) -> str:
        return _NAMES[self]


_NAMES: Final = {Language.EN: "English", Language.AR: "Arabic", Language.FR: "French"}


def language_of(value: object) -> Language:
    """`value` as a `Language`; a code the ledger does not read is a `FigureError`."""
    if isinstance(value, Language):
        return value
    if isinstance(value, str):
        try:
            return Language(value.strip().lower())
        except ValueError:
            pass
    known = ", ".join(repr(code.value) for code in Language)
    raise FigureError(
        "language", f"expected a language, one of {known}, got {value!r}", value=value
    )


def around(n: int) -> tuple[int, int]:
    return math.floor(n * (1 - ABOUT_MARGIN)), math.ceil(n * (1 + ABOUT_MARGIN))


def bounds_of(  # noqa: PLR0911 - one return per kind reads as the table it is
    kind: FigureKind, n: int, text: str
) -> tuple[int, int | None]:
    """The bounds a hedge word gives the count `n` it qualifies."""
    match kind:
        case FigureKind.EXACT:
            return n, n
        case FigureKind.AT_LEAST:
            return n, None
        case FigureKind.MORE_THAN:
            return n + 1, None
        case FigureKind.AT_MOST:
            return 0, n
        case FigureKind.FEWER_THAN:
            if n == 0:
                raise FigureError("figure", f"{text!r}: no count is fewer than 0", value=text)
            return 0, n - 1
        case FigureKind.ABOUT:
            return around(n)
        case FigureKind.NEARLY:
            return around(n)[0], n
        case _:  # pragma: no cover - range, estimate, vague and unknown never reach here
            raise AssertionError(kind)
