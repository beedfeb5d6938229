"""Docs and code cannot drift apart, in the manner of sqlite-utils' test_docs.py: every command
and option of the `ledger` command appears in docs/cli.md, and every public name of the
package appears in docs/."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import ledger
from ledger.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
ALL_DOCS = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command as its words after `ledger` (`("incident", "open")`) and its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    yield from _commands(sub, (*path, name))
                else:
                    yield (*path, name), sub


COMMANDS = sorted(_commands(build_parser()), key=lambda c: c[0])
OPTIONS = sorted(
    {
        (" ".join(words), option)
        for words, sub in COMMANDS
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
)


def test_the_command_line_has_the_commands_we_expect() -> None:
    names = {" ".join(words) for words, _ in COMMANDS}
    assert {"tally", "incident open", "term add", "incidents", "show", "changes"} <= names
    assert len(OPTIONS) > 60


@pytest.mark.parametrize("words", [" ".join(w) for w, _ in COMMANDS])
def test_every_command_is_documented(words: str) -> None:
    assert re.search(rf"\bledger (--db \S+ )?{re.escape(words)}\b", CLI_DOC), (
        f"`ledger {words}` is not in docs/cli.md"
    )


#: Options every command (or every query) takes, documented once, in these sections.
SHARED = {
    "--db": "## Conventions",
    "--actor": "## Conventions",
    "--tz": "## Conventions",
    "--format": "## Output formats",
    "--output": "## Output formats",
}
#: docs/cli.md in paragraphs and code blocks: an option is documented with its command when
#: one of them names both.
BLOCKS = re.split(r"\n\s*\n", CLI_DOC)


@pytest.mark.parametrize(("words", "option"), OPTIONS)
def test_every_option_is_documented_with_its_command(words: str, option: str) -> None:
    if option in SHARED:
        section = CLI_DOC.split(SHARED[option], 1)[1].split("\n## ", 1)[0]
        assert f"`{option}" in section, f"{option} is not under {SHARED[option]} in docs/cli.md"
        return
    assert any(
        re.search(rf"{re.escape(option)}\b", block)
        and (f"ledger {words}" in block or f"`{words}`" in block)
        for block in BLOCKS
    ), f"{option} of `ledger {words}` is in no paragraph or sample of docs/cli.md that names it"


@pytest.mark.parametrize("name", sorted(ledger.__all__))
def test_every_public_name_is_documented(name: str) -> None:
    assert re.search(rf"\b{re.escape(name)}\b", ALL_DOCS), f"{name} is in no page of docs/"
