"""How sources word figures, language by language: the grammar behind `ledger.figures`.

Each language is a table (`english`, `arabic`, `french`) read by one parser
(`grammar.Grammar`) over one number reader (`numbers.NumberWords`). A language is always
named, never guessed; docs/figures.md lists every form each one reads.
"""

from __future__ import annotations

from typing import Final

from ledger.wording import arabic, english, french
from ledger.wording.grammar import Grammar, Parsed
from ledger.wording.kinds import ABOUT_MARGIN, MAX_COUNT, FigureKind, Language, language_of

#: Every language the ledger reads, and its grammar.
GRAMMARS: Final[dict[Language, Grammar]] = {
    Language.EN: english.GRAMMAR,
    Language.AR: arabic.GRAMMAR,
    Language.FR: french.GRAMMAR,
}

__all__ = [
    "ABOUT_MARGIN",
    "GRAMMARS",
    "MAX_COUNT",
    "FigureKind",
    "Grammar",
    "Language",
    "Parsed",
    "language_of",
]
