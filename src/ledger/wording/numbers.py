"""Reading a count as a language writes it, shared by every language's grammar.

One reader for digits of any script (Western, Arabic-Indic, Persian, ...), digit groups,
decimal marks, number words and scale words; each language gives only its tables
(`NumberWords`). The reader works on text its grammar has normalized already: lower case,
single spaces, hyphens between letters turned into spaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import attrs

from ledger.wording.kinds import MAX_COUNT

if TYPE_CHECKING:
    from fractions import Fraction

#: Scales below a thousand ("hundred", "dozen", "soixantaine") work inside one group of
#: digits; a thousand and up start a new group ("two hundred thousand").
_HUNDRED: Final = 100
_THOUSAND: Final = 1_000


class Unreadable(Exception):  # noqa: N818 - an internal signal, never raised to users as is
    """Not a count in this language; `reason` says why when the text looked like one."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason


@attrs.frozen(kw_only=True, slots=True)
class Scale:
    """A word that multiplies the number before it: "thousand", "mille", "ألف"."""

    value: int
    #: It stands for one of itself with no number before it ("mille", "ألف"; not "thousand").
    alone: bool = False
    #: It makes a figure approximate ("une centaine": about a hundred).
    approximate: bool = False


@attrs.frozen(kw_only=True, slots=True)
class Reading:
    value: int
    #: Some word in it was approximate ("une soixantaine"), so alone it means "about".
    approximate: bool = False


@attrs.frozen(kw_only=True)
class NumberWords:
    """How one language writes numbers. Keys are normalized the way its grammar normalizes."""

    #: Characters between groups of three digits ("1,300", "1.300", "١٢٠٬٨٥٠"); a space
    #: groups digits in every language ("1 300").
    group_marks: str
    #: Characters before decimals; a decimal count needs a scale word ("1.2 thousand").
    decimal_marks: str
    #: The language's name, and how it writes digits, for messages.
    name: str
    conventions: str
    #: Every word or phrase for 0 to 99 ("ninety nine", "quatre vingt deux").
    units: Mapping[str, int] = attrs.field(factory=dict)
    #: Scale words: "hundred", "thousand", "million"; "dozen" and "soixantaine" too.
    scales: Mapping[str, Scale] = attrs.field(factory=dict)
    #: Words that are a whole term with their scale: "ألفين" is 2000 (scale 1000).
    terms: Mapping[str, tuple[int, int]] = attrs.field(factory=dict)
    #: Scale suffixes written onto digits: "1.5k".
    attached: Mapping[str, int] = attrs.field(factory=dict)
    #: Words joining the parts of one number: "two hundred and five", "34 ألفا و473".
    connectors: frozenset[str] = frozenset()
    #: Words meaning "one" before a scale only: "a hundred".
    indefinite: frozenset[str] = frozenset()
    numeral: re.Pattern[str] = attrs.field(init=False)
    _longest_unit: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        groups = "|".join(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+" for mark in self.group_marks)
        decimals = "|".join(re.escape(mark) for mark in self.decimal_marks)
        attached = "|".join(re.escape(word) for word in sorted(self.attached, key=len)[::-1])
        pattern = (
            rf"(?P<whole>{groups}|\d+)(?:(?:{decimals})(?P<decimals>\d+))?"
            rf"(?P<scale>{attached})?"
            if attached
            else rf"(?P<whole>{groups}|\d+)(?:(?:{decimals})(?P<decimals>\d+))?"
        )
        object.__setattr__(self, "numeral", re.compile(pattern))
        object.__setattr__(
            self, "_longest_unit", max((len(u.split()) for u in self.units), default=1)
        )

    def read(self, text: str) -> Reading:
        """The count `text` writes; `Unreadable` if it is not one."""
        if ")" in text and (m := _AGREEMENT.fullmatch(text)):
            # "huit (8)": a word with its digits, as French releases write. Both must agree.
            words, digits = self.read(m["words"]), self.read(m["digits"])
            if words.value != digits.value:
                raise Unreadable(f"the words say {words.value} but the digits say {digits.value}")
            return words
        if " " not in text:
            return self._fold([text])
        return self._fold(_SPACED_GROUPS.sub(lambda g: g[0].replace(" ", ""), text).split())

    def _fold(self, tokens: list[str]) -> Reading:  # noqa: C901, PLR0912, PLR0915 - one grammar
        # Whole numbers stay ints; a decimal ("1.2 thousand") makes them exact fractions.
        total: int | Fraction = 0
        group: int | Fraction | None = None  # the part before the next scale word
        open_hundred = False  # "two hundred" can take "and five" after it
        last_scale: int | None = None  # scales fall: "thousand ... hundred", never back up
        approximate = False
        needs_scale = False  # after "a"
        i = 0
        if not tokens:
            raise Unreadable
        while i < len(tokens):
            token = tokens[i]
            if needs_scale and token not in self.scales:
                raise Unreadable
            if m := self.numeral.fullmatch(token):
                if group is not None and not (
                    open_hundred and i and tokens[i - 1] in self.connectors
                ):
                    raise Unreadable
                value = self._numeral(m)
                group = value if group is None else group + value
                open_hundred = False
                i += 1
                scale = m.groupdict().get("scale")
                if scale:
                    total, group, last_scale = self._scaled(
                        total, group, self.attached[scale], last_scale
                    )
                continue
            if any(ch.isdigit() for ch in token):
                raise Unreadable(
                    f"{token!r} is not a number as {self.name} writes one ({self.conventions})"
                )
            width, unit = self._unit(tokens, i)
            if unit is not None:
                if group is None:
                    group = unit
                elif open_hundred and unit < _HUNDRED:  # "hundred and five"
                    group += unit
                    open_hundred = False
                else:
                    raise Unreadable
                i += width
                continue
            if token in self.indefinite:
                if group is not None:
                    raise Unreadable
                group, needs_scale = 1, True
                i += 1
                continue
            if (scale_word := self.scales.get(token)) is not None:
                needs_scale = False
                if group is None:
                    if not scale_word.alone:
                        raise Unreadable
                    group = 1
                approximate = approximate or scale_word.approximate
                if scale_word.value < _THOUSAND:
                    if group >= _HUNDRED or open_hundred:
                        raise Unreadable
                    group *= scale_word.value
                    open_hundred = scale_word.value == _HUNDRED and not scale_word.approximate
                else:
                    total, group, last_scale = self._scaled(
                        total, group, scale_word.value, last_scale
                    )
                    open_hundred = False
                i += 1
                continue
            if (term := self.terms.get(token)) is not None:
                worth, scale = term
                if group is not None:
                    raise Unreadable
                if scale < _THOUSAND:  # "مئتان": a group of its own
                    group, open_hundred = worth, True
                else:
                    if last_scale is not None and scale >= last_scale:
                        raise Unreadable
                    total += worth
                    last_scale = scale
                i += 1
                continue
            if token in self.connectors and 0 < i < len(tokens) - 1:
                if group is not None and not open_hundred:
                    raise Unreadable
                i += 1
                continue
            raise Unreadable
        if needs_scale:
            raise Unreadable
        if group is not None:
            if last_scale is not None and group >= last_scale:
                raise Unreadable
            total += group
        return Reading(value=self._whole(total, " ".join(tokens)), approximate=approximate)

    def _unit(self, tokens: list[str], i: int) -> tuple[int, int | None]:
        for width in range(min(self._longest_unit, len(tokens) - i), 0, -1):
            unit = self.units.get(" ".join(tokens[i : i + width]))
            if unit is not None:
                return width, unit
        return 1, None

    @staticmethod
    def _numeral(m: re.Match[str]) -> int | Fraction:
        # int() reads the digits of every script: "٣٤" and "۸۰۰" as well as "34".
        digits = m["whole"]
        whole = int(digits if digits.isdigit() else "".join(ch for ch in digits if ch.isdigit()))
        decimals = m["decimals"]
        if decimals is None:
            return whole
        # Whether the count comes out whole is checked once the scale word is read.
        from fractions import Fraction  # noqa: PLC0415 - rare; kept off `import ledger`

        return whole + Fraction(int(decimals), 10 ** len(decimals))

    @staticmethod
    def _scaled(
        total: int | Fraction, group: int | Fraction, scale: int, last_scale: int | None
    ) -> tuple[int | Fraction, None, int]:
        if last_scale is not None and scale >= last_scale:
            raise Unreadable
        return total + group * scale, None, scale

    def _whole(self, total: int | Fraction, text: str) -> int:
        if not isinstance(total, int) and total.denominator != 1:
            raise Unreadable(
                f"in {self.name} {text!r} reads as {float(total):g}, and a count is a whole "
                f"number ({self.conventions})"
            )
        value = int(total)
        if value > MAX_COUNT:
            raise Unreadable(f"{value} exceeds the largest plausible count")
        return value


#: "huit (8)": words, then the same number in digits.
_AGREEMENT: Final = re.compile(r"(?P<words>[^()]*[^\d\s()][^()]*?) ?\((?P<digits>[^()]*\d[^()]*)\)")
#: "1 300": a space between groups of three digits, in every language.
_SPACED_GROUPS: Final = re.compile(r"(?<![\d.,\u066b\u066c])\d{1,3}(?: \d{3})+(?![\d])")
