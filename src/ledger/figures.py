"""Figures: a count with its uncertainty, in the source's own words and language.

A `Figure` is built from text ("at least 311", "120-150", "dozens", "ما لا يقل عن 1864",
"une soixantaine") in a named language (English unless told otherwise) and keeps that text
verbatim; its `low` and `high` bounds, and its `best` estimate where the wording gives one,
follow the conventions in docs/figures.md. The text and its language are the single source
of truth: everything else is derived from them, so a figure can never say one thing and mean
another. The grammar of each language lives in `ledger.wording`.
"""

from __future__ import annotations

import functools
from typing import Final

import attrs

from ledger.errors import FigureError
from ledger.wording import GRAMMARS, MAX_COUNT, FigureKind, Language, language_of
from ledger.wording.english import VAGUE_BOUNDS

__all__ = ["MAX_COUNT", "VAGUE_BOUNDS", "Figure", "FigureKind", "Language"]

_EN: Final = Language.EN


@functools.lru_cache(maxsize=65_536)
def _parse(text: str, language: Language) -> tuple[FigureKind, int, int | None, int | None]:
    """Kind, bounds and best estimate of a wording; cached because logs repeat figures."""
    parsed = GRAMMARS[language].parse(text)
    return parsed.kind, parsed.low, parsed.high, parsed.best


def _clean_text(value: object) -> str:
    # A JSON number or a Python int is an exact count, written as its digits.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise FigureError(
            "figure", f"expected text or a whole number, got {type(value).__name__}", value=value
        )
    return value.strip()


@attrs.frozen(kw_only=True, slots=True)
class Figure:
    """A count and its uncertainty. `low` is a whole number; `high` is one too, or None (open).

    Build one with `Figure.parse("at least 311")` (or `language="ar"`, `"fr"`) or a
    constructor (`Figure.at_least(311)`, `Figure.estimate(best=12, low=10, high=15)`);
    `str(figure)` gives back the wording it was built from.
    """

    text: str = attrs.field(converter=_clean_text)
    language: Language = attrs.field(
        default=_EN, converter=language_of, repr=lambda code: repr(code.value)
    )
    kind: FigureKind = attrs.field(init=False, eq=False, repr=False)
    low: int = attrs.field(init=False, eq=False)
    high: int | None = attrs.field(init=False, eq=False)
    #: The source's own central number, where its wording gives one: the count of an exact
    #: figure, N of "about N", the best estimate of `12 (10-15)` (UCDP's "best"). None for
    #: bounds, ranges, vague words and "unknown".
    best: int | None = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        kind, low, high, best = _parse(self.text, self.language)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "best", best)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str | int, *, language: Language | str = _EN) -> Figure:
        """The figure `text` words in `language` ("en", "ar" or "fr"); a `FigureError` if
        it is not one. A whole number is an exact count."""
        # Exact types, not isinstance: this is every decoded event's path, and a bool is no count.
        if cls is Figure and (type(text) is str or type(text) is int):
            # A code and its Language hash and compare alike, so either finds the cached
            # figure; only a miss pays for checking the code (Figure's converter does).
            if language is _EN:  # the default, and nearly every stored figure
                return _english(text)
            try:
                return _parsed(text, language)
            except TypeError:  # an unhashable language: say what a language is
                language_of(language)
                raise
        return cls(text=text, language=language)

    # -- constructors: each writes the language's canonical wording --------------------

    @classmethod
    def exact(cls, n: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.EXACT, language, n=n)

    @classmethod
    def at_least(cls, n: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.AT_LEAST, language, n=n)

    @classmethod
    def more_than(cls, n: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.MORE_THAN, language, n=n)

    @classmethod
    def at_most(cls, n: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.AT_MOST, language, n=n)

    @classmethod
    def fewer_than(cls, n: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.FEWER_THAN, language, n=n)

    @classmethod
    def about(cls, n: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.ABOUT, language, n=n)

    @classmethod
    def nearly(cls, n: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.NEARLY, language, n=n)

    @classmethod
    def between(cls, low: int, high: int, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.RANGE, language, low=low, high=high)

    @classmethod
    def estimate(cls, *, best: int, low: int, high: int, language: Language | str = _EN) -> Figure:
        """A best estimate inside its bounds, as UCDP gives best, low and high: `12 (10-15)`.

        Where all three agree the figure is exact, and worded as a plain count.
        """
        _check_count(best)
        _check_count(low)
        _check_count(high)
        if not low <= best <= high:
            raise FigureError(
                "figure", f"the best estimate {best} is outside {low}-{high}", value=best
            )
        if low == high:
            return cls.exact(best, language=language)
        return cls._rendered(FigureKind.ESTIMATE, language, best=best, low=low, high=high)

    @classmethod
    def vague(cls, word: str, *, language: Language | str = _EN) -> Figure:
        figure = cls(text=word, language=language) if _is_vague(word, language) else None
        if figure is None:
            words = sorted(GRAMMARS[language_of(language)].vague)
            raise FigureError("figure", f"{word!r} is not one of {words}", value=word)
        return figure

    @classmethod
    def unknown(cls, *, language: Language | str = _EN) -> Figure:
        return cls._rendered(FigureKind.UNKNOWN, language)

    @classmethod
    def _rendered(cls, kind: FigureKind, language: Language | str, **numbers: int) -> Figure:
        for n in numbers.values():
            _check_count(n)
        code = language_of(language)
        return cls(text=GRAMMARS[code].render(kind, **numbers), language=code)

    # -- reading ---------------------------------------------------------------------------

    @property
    def stated(self) -> int | None:
        """The count the source's words name ("about 20" names 20, "at least 311" names
        311, `12 (10-15)` names 12), or None when they name none: a range, a vague word,
        "unknown". It is where a reader reads the figure, so a chart draws the figure there.
        A bound's count is its bound, less or more the one its hedge word adds."""
        if self.best is not None:
            return self.best
        match self.kind:
            case FigureKind.AT_LEAST:
                return self.low
            case FigureKind.MORE_THAN:
                return self.low - 1
            case FigureKind.AT_MOST | FigureKind.NEARLY:
                return self.high
            case FigureKind.FEWER_THAN:
                return None if self.high is None else self.high + 1
            case _:
                return None

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


def _is_vague(word: str, language: Language | str) -> bool:
    grammar = GRAMMARS[language_of(language)]
    return isinstance(word, str) and grammar.normalize(word) in grammar.vague


@functools.lru_cache(maxsize=65_536)
def _parsed(text: str | int, language: Language | str) -> Figure:
    """Figures are immutable, so a log that repeats a wording shares one object for it: no
    construction per event on replay, and no copy per event in memory."""
    return Figure(text=text, language=language)


@functools.lru_cache(maxsize=65_536)
def _english(text: str | int) -> Figure:
    """`_parsed` for English, keyed by the text alone: a replay decodes mostly these."""
    return Figure(text=text)


def _check_count(n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise FigureError("figure", f"a count must be a whole number, got {n!r}", value=n)
    if n < 0:
        raise FigureError("figure", f"a count cannot be negative, got {n}", value=n)
