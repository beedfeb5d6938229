"""French as francophone monitors, OCHA offices and the AFP write it.

A dot or a space groups thousands ("1.500", "1 500") and a comma marks decimals ("1,3
million"), so "1,500" is one and a half and refused as a count. Accents and the apostrophe's
shape do not matter ("près de" is "pres de"; a curly apostrophe is a straight one).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from ledger.wording.grammar import Grammar
from ledger.wording.kinds import FigureKind, Language
from ledger.wording.numbers import NumberWords, Scale

K = FigureKind

_UNITS: Final = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize"
).split()
#: The tens that add their units directly, with Belgian and Swiss "septante" and "nonante".
_TENS: Final = {
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
}  # fmt: skip


def _unit(n: int) -> str:
    return _UNITS[n] if n < len(_UNITS) else f"dix {_UNITS[n - 10]}"  # dix-sept


def _below_hundred() -> dict[str, int]:
    """Every French spelling of 0 to 99, hyphens written as spaces."""
    words = {_unit(n): n for n in range(20)} | {"une": 1}
    for tens, value in _TENS.items():
        words[tens] = value
        words[f"{tens} et un"] = words[f"{tens} et une"] = value + 1  # vingt et un
        for unit in range(2, 10):
            words[f"{tens} {_UNITS[unit]}"] = value + unit
    for extra in range(10, 20):  # soixante-dix, soixante et onze, soixante-douze ...
        words[f"soixante {'et ' if extra == 11 else ''}{_unit(extra)}"] = 60 + extra  # noqa: PLR2004
    for quatre_vingt in ("quatre vingt", "quatre vingts"):
        words[quatre_vingt] = 80
    for extra in range(1, 20):  # quatre-vingt-un (no "et") ... quatre-vingt-dix-neuf
        words[f"quatre vingt {_unit(extra)}"] = 80 + extra
    words["quatre vingt une"] = 81
    return words


_APOSTROPHES: Final = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'"})
_LETTER_HYPHEN: Final = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_ELISION: Final = re.compile(r"'(?=\S)")


def normalize(text: str) -> str:
    """Lower case without accents, single spaces; "quatre-vingt" is "quatre vingt", and an
    elided word stands apart ("d'un" is "d' un")."""
    folded = unicodedata.normalize("NFD", text.casefold().translate(_APOSTROPHES))
    plain = unicodedata.normalize("NFC", "".join(c for c in folded if not unicodedata.combining(c)))
    return _ELISION.sub("' ", _LETTER_HYPHEN.sub(" ", " ".join(plain.split())))


def _approximately(value: int) -> Scale:
    return Scale(value=value, alone=False, approximate=True)


NUMBERS: Final = NumberWords(
    group_marks=".",
    decimal_marks=",",
    name="French",
    conventions=(
        "'.' or a space groups thousands and ',' marks decimals,"
        " which need a scale word after them: 1.500, 1,3 million"
    ),
    units={normalize(k): v for k, v in _below_hundred().items()},
    scales={
        "cent": Scale(value=100, alone=True),
        "cents": Scale(value=100),
        "mille": Scale(value=1_000, alone=True),
        "million": Scale(value=10**6),
        "millions": Scale(value=10**6),
        "milliard": Scale(value=10**9),
        "milliards": Scale(value=10**9),
        # "une soixantaine": about sixty; "un millier": about a thousand.
        "dizaine": _approximately(10),
        "douzaine": _approximately(12),
        "quinzaine": _approximately(15),
        "vingtaine": _approximately(20),
        "trentaine": _approximately(30),
        "quarantaine": _approximately(40),
        "cinquantaine": _approximately(50),
        "soixantaine": _approximately(60),
        "centaine": _approximately(100),
        "millier": _approximately(1_000),
        "milliers": _approximately(1_000),
    },
    connectors=frozenset({"et"}),
)

GRAMMAR: Final = Grammar.of(
    language=Language.FR,
    normalize=normalize,
    numbers=NUMBERS,
    unknown=("inconnu", "inconnue", "inconnus", "non connu", "indéterminé", "non déterminé"),
    vague={"quelques": (2, 9), "plusieurs": (3, 9)},
    quantifiers={"des": (2, 9), "quelques": (2, 9), "plusieurs": (3, 9)},
    units={
        "dizaines": 10,
        "centaines": 100,
        "milliers": 1_000,
        "dizaines de milliers": 10_000,
        "centaines de milliers": 100_000,
        "millions": 10**6,
    },
    symbols=(
        (">=", K.AT_LEAST),
        ("≥", K.AT_LEAST),
        (">", K.MORE_THAN),
        ("<=", K.AT_MOST),
        ("≤", K.AT_MOST),
        ("<", K.FEWER_THAN),
        ("~", K.ABOUT),
    ),
    prefixes=(
        ("au moins", K.AT_LEAST),
        ("pas moins de", K.AT_LEAST),
        ("pas moins d'", K.AT_LEAST),
        ("au minimum", K.AT_LEAST),
        ("un minimum de", K.AT_LEAST),
        ("plus de", K.MORE_THAN),
        ("plus d'", K.MORE_THAN),
        ("au-delà de", K.MORE_THAN),
        ("au plus", K.AT_MOST),
        ("tout au plus", K.AT_MOST),
        ("au maximum", K.AT_MOST),
        ("un maximum de", K.AT_MOST),
        ("jusqu'à", K.AT_MOST),
        ("pas plus de", K.AT_MOST),
        ("pas plus d'", K.AT_MOST),
        ("moins de", K.FEWER_THAN),
        ("moins d'", K.FEWER_THAN),
        ("environ", K.ABOUT),
        ("quelque", K.ABOUT),
        ("approximativement", K.ABOUT),
        ("à peu près", K.ABOUT),
        ("autour de", K.ABOUT),
        ("autour d'", K.ABOUT),
        ("de l'ordre de", K.ABOUT),
        ("près de", K.NEARLY),
        ("près d'", K.NEARLY),
        ("presque", K.NEARLY),
        ("quasiment", K.NEARLY),
    ),
    suffixes=(
        ("+", K.AT_LEAST),
        ("au moins", K.AT_LEAST),
        ("et plus", K.AT_LEAST),
        ("ou plus", K.AT_LEAST),
        ("au plus", K.AT_MOST),
        ("au maximum", K.AT_MOST),
        ("environ", K.ABOUT),
    ),
    ranges=(
        "entre {a} et {b}",
        "entre {a}-{b}",
        "de {a} à {b}",
        "{a}-{b}",
        "{a} à {b}",
        "{a} ou {b}",
    ),
    nouns=(
        "personnes personne morts mort tués tué tuées victimes civils civiles civil enfants "
        "femmes hommes blessés blessées disparus disparues déplacés déplacées réfugiés "
        "soldats militaires combattants détenus otages habitants décès corps membres "
        "policiers manifestants migrants"
    ).split(),
    noun_links=("de", "d'"),
    renderings={
        K.EXACT: "{n}",
        K.AT_LEAST: "au moins {n}",
        K.MORE_THAN: "plus de {n}",
        K.AT_MOST: "au plus {n}",
        K.FEWER_THAN: "moins de {n}",
        K.ABOUT: "environ {n}",
        K.NEARLY: "près de {n}",
        K.RANGE: "entre {low} et {high}",
        K.ESTIMATE: "{best} ({low}-{high})",
        K.UNKNOWN: "inconnu",
    },
    examples=(
        "311",
        "1.500",
        "au moins 104",
        "plus de 1.500",
        "environ 100",
        "entre 10 et 50",
        "une centaine",
        "des dizaines",
        "inconnu",
    ),
)
