"""English as wire copy and monitors write it.

Every wording the ledger read before languages were named is read here exactly as it was,
with the same bounds: the stored text is hashed in the log, so its meaning cannot move.
"""

from __future__ import annotations

import re
from typing import Final

from ledger.wording.grammar import Grammar
from ledger.wording.kinds import FigureKind, Language
from ledger.wording.numbers import NumberWords, Scale

K = FigureKind

_UNITS: Final = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS: Final = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _below_hundred() -> dict[str, int]:
    words = {word: n for n, word in enumerate(_UNITS)}
    for i, tens in enumerate(_TENS):
        words[tens] = 20 + 10 * i
        for unit in range(1, 10):
            words[f"{tens} {_UNITS[unit]}"] = 20 + 10 * i + unit  # "ninety-nine"
    return words


_LETTER_HYPHEN: Final = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def normalize(text: str) -> str:
    """Lower case, single spaces; "ninety-nine" is "ninety nine"."""
    return _LETTER_HYPHEN.sub(" ", " ".join(text.lower().split()))


NUMBERS: Final = NumberWords(
    group_marks=",",
    decimal_marks=".",
    name="English",
    conventions=(
        "',' or a space groups thousands and '.' marks decimals,"
        " which need a scale word after them: 1,300, 1.2 thousand"
    ),
    units=_below_hundred(),
    scales={
        "hundred": Scale(value=100),
        "dozen": Scale(value=12),
        "thousand": Scale(value=1_000),
        "million": Scale(value=10**6),
        "billion": Scale(value=10**9),
    },
    attached={"k": 1_000},
    connectors=frozenset({"and"}),
    indefinite=frozenset({"a"}),
)

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

GRAMMAR: Final = Grammar.of(
    language=Language.EN,
    normalize=normalize,
    numbers=NUMBERS,
    unknown=("unknown", "unclear", "not known", "undetermined"),
    vague=VAGUE_BOUNDS,
    quantifiers={"a few": (2, 9), "several": (3, 9)},
    units={"hundred": 100, "thousand": 1_000, "hundred thousand": 100_000, "million": 10**6},
    symbols=(
        (">=", K.AT_LEAST),
        ("≥", K.AT_LEAST),
        (">", K.MORE_THAN),
        ("<=", K.AT_MOST),
        ("≤", K.AT_MOST),
        ("<", K.FEWER_THAN),
        ("~", K.ABOUT),
        ("c.", K.ABOUT),
    ),
    prefixes=(
        ("at least", K.AT_LEAST),
        ("no fewer than", K.AT_LEAST),
        ("no less than", K.AT_LEAST),
        ("not less than", K.AT_LEAST),
        ("a minimum of", K.AT_LEAST),
        ("more than", K.MORE_THAN),
        ("over", K.MORE_THAN),
        ("above", K.MORE_THAN),
        ("upwards of", K.MORE_THAN),
        ("in excess of", K.MORE_THAN),
        ("at most", K.AT_MOST),
        ("up to", K.AT_MOST),
        ("no more than", K.AT_MOST),
        ("not more than", K.AT_MOST),
        ("a maximum of", K.AT_MOST),
        ("fewer than", K.FEWER_THAN),
        ("less than", K.FEWER_THAN),
        ("under", K.FEWER_THAN),
        ("below", K.FEWER_THAN),
        ("about", K.ABOUT),
        ("around", K.ABOUT),
        ("approximately", K.ABOUT),
        ("approx.", K.ABOUT),
        ("roughly", K.ABOUT),
        ("some", K.ABOUT),
        ("an estimated", K.ABOUT),
        ("estimated", K.ABOUT),
        ("circa", K.ABOUT),
        ("nearly", K.NEARLY),
        ("almost", K.NEARLY),
        ("close to", K.NEARLY),
    ),
    suffixes=(("+", K.AT_LEAST), ("or more", K.AT_LEAST)),
    ranges=(
        "between {a} and {b}",
        "between {a} to {b}",
        "between {a}-{b}",
        "from {a} to {b}",
        "{a}-{b}",
        "{a} to {b}",
        "{a} and {b}",
        "{a} or {b}",
    ),
    nouns=(
        "people persons person civilians civilian children child women woman men man "
        "dead deaths death fatalities casualties victims bodies killed injured wounded "
        "missing displaced detained captured arrested soldiers troops fighters militants "
        "rebels police policemen officers personnel security members individuals residents "
        "refugees migrants detainees prisoners hostages journalists workers patients"
    ).split(),
    noun_links=("of",),
    renderings={
        K.EXACT: "{n}",
        K.AT_LEAST: "at least {n}",
        K.MORE_THAN: "more than {n}",
        K.AT_MOST: "at most {n}",
        K.FEWER_THAN: "fewer than {n}",
        K.ABOUT: "about {n}",
        K.NEARLY: "nearly {n}",
        K.RANGE: "{low}-{high}",
        K.ESTIMATE: "{best} ({low}-{high})",
        K.UNKNOWN: "unknown",
    },
    examples=(
        "311",
        "at least 311",
        "about 300",
        "120-150",
        "12 (10-15)",
        "dozens",
    ),
)
