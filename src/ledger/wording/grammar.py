"""One parser for every language, driven by that language's tables.

A `Grammar` is data: the language's normalization, its number words (`NumberWords`), and
tables of hedges ("at least", "ما لا يقل عن", "au moins"), range patterns, vague words,
trailing nouns and how each kind is rendered. `Grammar.parse` reads a wording against them
in one fixed order, the same for every language:

1. unknown words ("unknown", "غير معروف", "inconnu");
2. a trailing noun is set aside ("at least 12 people", "ما لا يقل عن 1864 مدنيًّا");
3. whole vague wordings and counting nouns ("dozens", "une soixantaine", "طفلان");
4. a central estimate, `best (low-high)`;
5. a plain count ("311", "two hundred and five", "34 ألفا و473");
6. a range ("between 30 and 40", "entre 10 et 50", "بين 10 و20");
7. a hedge before or after a count ("at least 311", "311+", "50 على الأقل").

Anything else is refused with a message naming the language and its accepted forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import attrs

from ledger.errors import FigureError
from ledger.wording.kinds import FigureKind, Language, bounds_of
from ledger.wording.numbers import NumberWords, Reading, Unreadable

#: Where the docs list every accepted form; refusals point there.
DOCS: Final = "docs/figures.md"


@attrs.frozen(kw_only=True, slots=True)
class Parsed:
    kind: FigureKind
    low: int
    high: int | None
    #: The source's own central number: the count of an exact figure, N of "about N", the
    #: best estimate of `12 (10-15)`. None where the wording gives none ("at least 311").
    best: int | None


#: A range pattern's joint: "-" stands for a hyphen, en dash or em dash, spaced or not.
_DASH: Final = r" ?[-\u2013\u2014] ?"
#: `best (low-high)`: a central estimate, in every language.
_ESTIMATE: Final = re.compile(r"(?P<best>[^()]+?) ?\((?P<range>[^()]+)\)")
#: A minus sign before a count: hyphen-minus, the minus sign U+2212, or a dash.
_NEGATIVE: Final = re.compile(r"[-\u2212\u2013] ?(?P<n>.+)")


@attrs.frozen(kw_only=True)
class Grammar:
    """A language's tables; build one with `Grammar.of`, which normalizes every entry."""

    language: Language
    normalize: Callable[[str], str]
    numbers: NumberWords
    unknown: frozenset[str]
    #: Whole wordings with fixed bounds: "dozens", "several hundred", "عشرات".
    vague: Mapping[str, tuple[int, int]]
    #: Whole wordings that are a count: the Arabic duals ("طفلان", two children).
    counted: Mapping[str, int]
    #: Hedges written right before the count, with no space ("~300", ">=5").
    symbols: tuple[tuple[str, FigureKind], ...]
    #: Hedges before the count, longest first ("no fewer than" before "no").
    prefixes: tuple[tuple[str, FigureKind], ...]
    #: Hedges after the count ("311+", "311 or more", "50 على الأقل").
    suffixes: tuple[tuple[str, FigureKind], ...]
    #: Range patterns: the whole wording (its count text as `rest`), and the joint in it.
    ranges: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    nouns: frozenset[str]
    #: Words between a count and its noun: "dozens of people", "une soixantaine de morts".
    noun_links: frozenset[str]
    #: How each kind is written, with `{n}`, `{low}`, `{high}` and `{best}`.
    renderings: Mapping[FigureKind, str]
    #: Accepted forms quoted in refusals.
    examples: tuple[str, ...]

    @classmethod
    def of(
        cls,
        *,
        language: Language,
        normalize: Callable[[str], str],
        numbers: NumberWords,
        unknown: Iterable[str],
        vague: Mapping[str, tuple[int, int]],
        quantifiers: Mapping[str, tuple[int, int]] = {},
        units: Mapping[str, int] = {},
        counted: Mapping[str, int] = {},
        symbols: Iterable[tuple[str, FigureKind]] = (),
        prefixes: Iterable[tuple[str, FigureKind]],
        suffixes: Iterable[tuple[str, FigureKind]] = (),
        ranges: Iterable[str],
        nouns: Iterable[str] = (),
        noun_links: Iterable[str] = (),
        renderings: Mapping[FigureKind, str],
        examples: Iterable[str],
    ) -> Grammar:
        """A grammar from tables written as sources write them.

        `quantifiers` times `units` are vague too: "several" (3 to 9) of "hundred" is 300 to
        999, each quantity from its low multiple up to just below the next multiple past
        its high (the next larger word a writer would have used).
        """
        n = normalize
        composed = {
            f"{n(q)} {n(u)}": (low * size, (high + 1) * size - 1)
            for q, (low, high) in quantifiers.items()
            for u, size in units.items()
        }
        return cls(
            language=language,
            normalize=normalize,
            numbers=numbers,
            unknown=frozenset(map(n, unknown)),
            vague={**{n(k): v for k, v in vague.items()}, **composed},
            counted={n(k): v for k, v in counted.items()},
            symbols=tuple(symbols),
            prefixes=tuple(sorted(((n(p), k) for p, k in prefixes), key=lambda e: -len(e[0]))),
            suffixes=tuple(sorted(((n(s), k) for s, k in suffixes), key=lambda e: -len(e[0]))),
            ranges=tuple(_range_pattern(n(r)) for r in ranges),
            nouns=frozenset(map(n, nouns)),
            noun_links=frozenset(map(n, noun_links)),
            renderings=renderings,
            examples=tuple(examples),
        )

    # -- reading -------------------------------------------------------------------------

    def parse(self, text: str) -> Parsed:  # noqa: C901 - the steps of the docstring, in order
        """Kind, bounds and central number of `text`; a `FigureError` if it is not a figure."""
        norm = self.normalize(text)
        if not norm:
            raise FigureError("figure", "a figure cannot be empty", value=text)
        if norm in self.unknown:
            return Parsed(kind=FigureKind.UNKNOWN, low=0, high=None, best=None)
        norm = self._without_noun(norm)
        if norm in self.vague:
            low, high = self.vague[norm]
            return Parsed(kind=FigureKind.VAGUE, low=low, high=high, best=None)
        if norm in self.counted:
            n = self.counted[norm]
            return Parsed(kind=FigureKind.EXACT, low=n, high=n, best=n)
        if m := _NEGATIVE.fullmatch(norm):
            try:
                self._number(m["n"])
            except Unreadable:
                pass
            else:
                raise FigureError("figure", f"{text!r}: a count cannot be negative", value=text)
        reasons: list[str] = []
        for read in (self._estimate, self._count, self._range, self._hedged):
            try:
                found = read(norm, text)
            except Unreadable as exc:
                if exc.reason:
                    reasons.append(exc.reason)
                continue
            if found is not None:
                return found
        raise self._refusal(text, reasons)

    def _estimate(self, norm: str, text: str) -> Parsed | None:
        m = _ESTIMATE.fullmatch(norm) if ")" in norm else None
        if m is None:
            return None
        bounds = self._range(m["range"], text)
        if bounds is None:
            return None  # "huit (8)": a count with its digits, read as a count
        best = self._number(m["best"]).value
        high = bounds.high
        if not (bounds.low <= best and (high is None or best <= high)):
            raise FigureError(
                "figure",
                f"{text!r}: the best estimate {best} is outside {bounds.low}-{high}",
                value=text,
            )
        return Parsed(kind=FigureKind.ESTIMATE, low=bounds.low, high=high, best=best)

    def _count(self, norm: str, _: str) -> Parsed:
        reading = self._number(norm)
        n = reading.value
        if reading.approximate:  # "une soixantaine": about sixty
            low, high = bounds_of(FigureKind.ABOUT, n, norm)
            return Parsed(kind=FigureKind.ABOUT, low=low, high=high, best=n)
        return Parsed(kind=FigureKind.EXACT, low=n, high=n, best=n)

    def _range(self, norm: str, text: str) -> Parsed | None:
        for whole, joint in self.ranges:
            m = whole.fullmatch(norm)
            if m is None:
                continue
            rest = m["rest"]
            # Every place the joint could split the text, so "between two hundred and five
            # and three hundred" finds its "and".
            for j in joint.finditer(rest):
                try:
                    low = self._number(rest[: j.start()]).value
                    high = self._number(rest[j.end() :]).value
                except Unreadable:
                    continue
                if low > high:
                    raise FigureError(
                        "figure", f"{text!r}: low {low} is above high {high}", value=text
                    )
                return Parsed(kind=FigureKind.RANGE, low=low, high=high, best=None)
        return None

    def _hedged(self, norm: str, text: str) -> Parsed | None:
        for symbol, kind in self.symbols:
            if norm.startswith(symbol):
                return self._bounded(kind, norm[len(symbol) :].strip(), text)
        for phrase, kind in self.prefixes:
            if norm.startswith(phrase + " "):
                return self._bounded(kind, norm[len(phrase) + 1 :], text)
        for phrase, kind in self.suffixes:
            if norm.endswith(phrase):
                rest = norm[: -len(phrase)]
                if phrase[0].isalpha() and rest[-1:].isalpha():
                    continue  # part of a longer word
                return self._bounded(kind, rest.rstrip(), text)
        return None

    def _bounded(self, kind: FigureKind, expression: str, text: str) -> Parsed:
        n = self._number(expression).value
        low, high = bounds_of(kind, n, text)
        return Parsed(kind=kind, low=low, high=high, best=n if kind is FigureKind.ABOUT else None)

    def _number(self, expression: str) -> Reading:
        return self.numbers.read(self._without_noun(expression.strip()))

    def _without_noun(self, norm: str) -> str:
        """`norm` without a trailing noun phrase ("people", "de morts", "من المدنيين")."""
        if norm.rpartition(" ")[2] not in self.nouns:
            return norm
        words = norm.split(" ")
        stripped = False
        while len(words) > 1 and words[-1] in self.nouns:
            words.pop()
            stripped = True
        if stripped and len(words) > 1 and words[-1] in self.noun_links:
            words.pop()
        return " ".join(words)

    def _refusal(self, text: str, reasons: list[str]) -> FigureError:
        name = self.language.english_name
        if reasons:
            detail = f"{text!r} is not a count: {reasons[0]}"
        else:
            forms = ", ".join(repr(e) for e in self.examples)
            detail = (
                f"{text!r} is not a count, a bound or a range; {name} figures read like {forms}"
            )
        return FigureError("figure", f"{detail} (every {name} form: {DOCS})", value=text)

    # -- writing -------------------------------------------------------------------------

    def render(
        self, kind: FigureKind, *, n: int = 0, low: int = 0, high: int = 0, best: int = 0
    ) -> str:
        """The canonical wording of a figure of `kind`, which `parse` reads back to it."""
        return self.renderings[kind].format(n=n, low=low, high=high, best=best)


def _range_pattern(template: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The pattern of a wording such as "between {a} and {b}", and of its joint."""
    before, rest = template.split("{a}")
    joint, after = rest.split("{b}")
    joint_re = _DASH if joint.strip() == "-" else re.escape(joint)
    whole = re.compile(f"{re.escape(before)}(?P<rest>.+){re.escape(after)}")
    return whole, re.compile(joint_re)
