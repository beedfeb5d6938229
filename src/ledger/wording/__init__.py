"""How sources word figures, language by language: the grammar behind `ledger.figures`.

Each language is a table (`english`, `arabic`, `french`) read by one parser
(`grammar.Grammar`) over one number reader (`numbers.NumberWords`). A language is always
named, never guessed; docs/figures.md lists every form each one reads.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Final

from ledger.wording.grammar import Grammar, Parsed
from ledger.wording.kinds import ABOUT_MARGIN, MAX_COUNT, FigureKind, Language, language_of

#: The module of each language's table.
_MODULES: Final = {Language.EN: "english", Language.AR: "arabic", Language.FR: "french"}


class _Grammars(Mapping[Language, Grammar]):
    """Each language's grammar, its table loaded the first time it is asked for: a ledger
    that reads English only never pays for building the Arabic and French tables."""

    def __init__(self) -> None:
        self._loaded: dict[Language, Grammar] = {}

    def __getitem__(self, language: Language) -> Grammar:
        grammar = self._loaded.get(language)
        if grammar is None:
            module = importlib.import_module(f"ledger.wording.{_MODULES[language]}")
            grammar = self._loaded[language] = module.GRAMMAR
        return grammar

    def __iter__(self) -> Iterator[Language]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


#: Every language the ledger reads, and its grammar.
GRAMMARS: Final[Mapping[Language, Grammar]] = _Grammars()

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
