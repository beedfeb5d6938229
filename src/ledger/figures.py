"""Figures: a count with its uncertainty, in the source's own words.

A `Figure` is built from text ("at least 311", "120-150", "dozens") and keeps that text
verbatim; its `low` and `high` bounds follow the conventions in docs/figures.md. The text is
the single source of truth: bounds are derived from it, so a figure can never say one thing
and mean another.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from typing import Final

import attrs

from ledger.errors import FigureError

#: Larger than any real casualty count (the world's population is under 10**10); anything
#: beyond is a data-entry accident, not a figure.
MAX_COUNT: Final = 10**10


class FigureKind(enum.Enum):
    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    AT_MOST = "at_most"
    FEWER_THAN = "fewer_than"
    ABOUT = "about"
    NEARLY = "nearly"
    RANGE = "range"
    VAGUE = "vague"
    UNKNOWN = "unknown"


# Phrases are matched case-insensitively on whitespace-collapsed text. Order matters only in
# that longer phrases sharing a prefix come first ("no fewer than" before "no").
_PREFIXES: Final[tuple[tuple[str, FigureKind], ...]] = (
    ("at least", FigureKind.AT_LEAST),
    ("no fewer than", FigureKind.AT_LEAST),
    ("no less than", FigureKind.AT_LEAST),
    ("not less than", FigureKind.AT_LEAST),
    ("a minimum of", FigureKind.AT_LEAST),
    ("more than", FigureKind.MORE_THAN),
    ("over", FigureKind.MORE_THAN),
    ("above", FigureKind.MORE_THAN),
    ("upwards of", FigureKind.MORE_THAN),
    ("in excess of", FigureKind.MORE_THAN),
    ("at most", FigureKind.AT_MOST),
    ("up to", FigureKind.AT_MOST),
    ("no more than", FigureKind.AT_MOST),
    ("not more than", FigureKind.AT_MOST),
    ("a maximum of", FigureKind.AT_MOST),
    ("fewer than", FigureKind.FEWER_THAN),
    ("less than", FigureKind.FEWER_THAN),
    ("under", FigureKind.FEWER_THAN),
    ("below", FigureKind.FEWER_THAN),
    ("about", FigureKind.ABOUT),
    ("around", FigureKind.ABOUT),
    ("approximately", FigureKind.ABOUT),
    ("approx.", FigureKind.ABOUT),
    ("roughly", FigureKind.ABOUT),
    ("some", FigureKind.ABOUT),
    ("an estimated", FigureKind.ABOUT),
    ("estimated", FigureKind.ABOUT),
    ("circa", FigureKind.ABOUT),
    ("nearly", FigureKind.NEARLY),
    ("almost", FigureKind.NEARLY),
    ("close to", FigureKind.NEARLY),
)
_SYMBOLS: Final[dict[str, FigureKind]] = {
    ">=": FigureKind.AT_LEAST,
    "≥": FigureKind.AT_LEAST,
    ">": FigureKind.MORE_THAN,
    "<=": FigureKind.AT_MOST,
    "≤": FigureKind.AT_MOST,
    "<": FigureKind.FEWER_THAN,
    "~": FigureKind.ABOUT,
    "c.": FigureKind.ABOUT,
}

#: Vague quantities. The convention: a plural unit means at least two of that unit and less
#: than the next larger word a writer would have used ("dozens" is 24 to 99: at 100 it would
#: be "hundreds"). "a few" and "several" are the small cases.
VAGUE_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "a few": (2, 9),
    "several": (3, 9),
    "dozens": (24, 99),
    "scores": (40, 99),
    "hundreds": (200, 999),
    "thousands": (2_000, 9_999),
    "tens of thousands": (20_000, 99_999),
    "hundreds of thousands": (200_000, 999_999),
}
_UNKNOWN_WORDS: Final = frozenset({"unknown", "unclear", "not known", "undetermined"})
_NUMBER_WORDS: Final[dict[str, int]] = {
    word: n
    for n, word in enumerate(
        (
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ),
    )
}
#: "about N" spans N±10%, rounded outwards; "nearly N" spans the lower half of that.
ABOUT_MARGIN: Final = 0.10

_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_NUMBER_RE: Final = re.compile(rf"(?:{_NUMBER})")
_RANGE_RE: Final = re.compile(
    # Sources write ranges with hyphens and with en or em dashes alike.
    rf"^(?:between\s+)?(?P<a>{_NUMBER})\s*(?:-|–|—|\bto\b|\band\b)\s*(?P<b>{_NUMBER})$",  # noqa: RUF001
)
_FROM_RANGE_RE: Final = re.compile(rf"^from\s+(?P<a>{_NUMBER})\s+to\s+(?P<b>{_NUMBER})$")
_PLUS_RE: Final = re.compile(rf"^(?P<n>{_NUMBER})\s*(?:\+|or more)$")


def _count(token: str, text: str) -> int:
    word = _NUMBER_WORDS.get(token)
    if word is not None:
        return word
    if not _NUMBER_RE.fullmatch(token):
        raise FigureError("figure", f"{text!r} is not a count, a bound or a range", value=text)
    value = int(token.replace(",", ""))
    if value > MAX_COUNT:
        raise FigureError("figure", f"{value} exceeds the largest plausible count", value=text)
    return value


def _around(n: int) -> tuple[int, int]:
    return math.floor(n * (1 - ABOUT_MARGIN)), math.ceil(n * (1 + ABOUT_MARGIN))


def _bounds_of(  # noqa: PLR0911 - one return per kind reads as the table it is
    kind: FigureKind, n: int, text: str
) -> tuple[int, int | None]:
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
            return _around(n)
        case FigureKind.NEARLY:
            return _around(n)[0], n
        case _:  # pragma: no cover - range, vague and unknown never reach here
            raise AssertionError(kind)


@functools.lru_cache(maxsize=65_536)
def _parse(text: str) -> tuple[FigureKind, int, int | None]:  # noqa: C901, PLR0911
    """Kind and bounds of a figure's text; cached because logs repeat the same figures."""
    norm = " ".join(text.lower().split())
    if not norm:
        raise FigureError("figure", "a figure cannot be empty", value=text)
    if norm in _UNKNOWN_WORDS:
        return FigureKind.UNKNOWN, 0, None
    if norm in VAGUE_BOUNDS:
        low, high = VAGUE_BOUNDS[norm]
        return FigureKind.VAGUE, low, high
    if norm.startswith("-") and _NUMBER_RE.fullmatch(norm[1:].strip()):
        raise FigureError("figure", f"{text!r}: a count cannot be negative", value=text)
    if m := _RANGE_RE.fullmatch(norm) or _FROM_RANGE_RE.fullmatch(norm):
        low, high = _count(m["a"], text), _count(m["b"], text)
        if low > high:
            raise FigureError("figure", f"{text!r}: low {low} is above high {high}", value=text)
        return FigureKind.RANGE, low, high
    if m := _PLUS_RE.fullmatch(norm):
        return (FigureKind.AT_LEAST, *_bounds_of(FigureKind.AT_LEAST, _count(m["n"], text), text))
    for symbol, kind in _SYMBOLS.items():
        if norm.startswith(symbol):
            n = _count(norm[len(symbol) :].strip(), text)
            return (kind, *_bounds_of(kind, n, text))
    for phrase, kind in _PREFIXES:
        if norm.startswith(phrase + " "):
            n = _count(norm[len(phrase) + 1 :], text)
            return (kind, *_bounds_of(kind, n, text))
    n = _count(norm, text)
    return FigureKind.EXACT, n, n


def _clean_text(value: object) -> str:
    if not isinstance(value, str):
        raise FigureError("figure", f"expected text, got {type(value).__name__}", value=value)
    return value.strip()


@attrs.frozen(kw_only=True, slots=True)
class Figure:
    """A count and its uncertainty. `low` is a whole number; `high` is one too, or None (open).

    Build one with `Figure.parse("at least 311")` or a constructor (`Figure.at_least(311)`);
    `str(figure)` gives back the wording it was built from.
    """

    text: str = attrs.field(converter=_clean_text)
    kind: FigureKind = attrs.field(init=False, eq=False, repr=False)
    low: int = attrs.field(init=False, eq=False)
    high: int | None = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        kind, low, high = _parse(self.text)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> Figure:
        if cls is Figure and isinstance(text, str):
            return _parsed(text)
        return cls(text=text)

    @classmethod
    def exact(cls, n: int) -> Figure:
        return cls(text=_render(n))

    @classmethod
    def at_least(cls, n: int) -> Figure:
        return cls(text=f"at least {_render(n)}")

    @classmethod
    def more_than(cls, n: int) -> Figure:
        return cls(text=f"more than {_render(n)}")

    @classmethod
    def at_most(cls, n: int) -> Figure:
        return cls(text=f"at most {_render(n)}")

    @classmethod
    def fewer_than(cls, n: int) -> Figure:
        return cls(text=f"fewer than {_render(n)}")

    @classmethod
    def about(cls, n: int) -> Figure:
        return cls(text=f"about {_render(n)}")

    @classmethod
    def nearly(cls, n: int) -> Figure:
        return cls(text=f"nearly {_render(n)}")

    @classmethod
    def between(cls, low: int, high: int) -> Figure:
        return cls(text=f"{_render(low)}-{_render(high)}")

    @classmethod
    def vague(cls, word: str) -> Figure:
        if " ".join(word.lower().split()) not in VAGUE_BOUNDS:
            raise FigureError("figure", f"{word!r} is not one of {sorted(VAGUE_BOUNDS)}")
        return cls(text=word)

    @classmethod
    def unknown(cls) -> Figure:
        return cls(text="unknown")

    @property
    def is_exact(self) -> bool:
        return self.low == self.high

    def contains(self, n: int) -> bool:
        """Whether the count `n` is consistent with this figure."""
        return self.low <= n and (self.high is None or n <= self.high)

    def overlaps(self, other: Figure) -> bool:
        """Whether some single count is consistent with both figures."""
        return (self.high is None or other.low <= self.high) and (
            other.high is None or self.low <= other.high
        )


@functools.lru_cache(maxsize=65_536)
def _parsed(text: str) -> Figure:
    """Figures are immutable, so a log that repeats a wording shares one object for it: no
    construction per event on replay, and no copy per event in memory."""
    return Figure(text=text)


def _render(n: int) -> str:
    if isinstance(n, bool) or not isinstance(n, int):
        raise FigureError("figure", f"a count must be a whole number, got {n!r}", value=n)
    if n < 0:
        raise FigureError("figure", f"a count cannot be negative, got {n}", value=n)
    return str(n)
