"""Each command's options, read from its class's fields (`ledger.commands`): argparse's
arguments and help, the command built from what was parsed, and docs/cli.md's reference.

How an option's text is read follows from the field's type: a `dt.datetime` is a moment
(`ledger.times`, bad text is exit 1 naming the option), a `dt.date` a day, an enum a
choice, an `int` a number, a tuple of text a repeated option; a value with fields of its
own (a period, provenance) gives each of its fields an option, named by the field's
`Option.prefix`. Every option is None unless given, so a command's own defaults apply.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs

from ledger import times
from ledger._fields import Option, option_of
from ledger.commands import Command
from ledger.errors import ValidationError

AnyCommand = Command[Any]


@attrs.frozen(kw_only=True, slots=True)
class Leaf:
    """One option of the command line and the field it gives."""

    #: Where the field sits: ("period", "start") for `--period-start`.
    path: tuple[str, ...]
    #: `--period-start`, or the positional argument's name.
    flag: str
    kind: type
    option: Option
    required: bool
    #: The enum whose values are the choices, if any.
    choices: type[enum.Enum] | None = None
    repeated: bool = False
    #: Given as NAME=TEXT, repeated: a mapping of names to text (a provenance's personal fields).
    pairs: bool = False
    #: The option of the value it is part of (a period, provenance), if any.
    parent: Option | None = None

    @property
    def dest(self) -> str:
        return ".".join(self.path)

    @property
    def positional(self) -> bool:
        return self.option.positional

    @property
    def metavar(self) -> str | None:
        if self.option.metavar is not None:
            return self.option.metavar
        if self.positional or self.choices is not None:
            return None
        if self.kind is dt.datetime:
            return "TIME"
        if self.kind is dt.date:
            return "DATE"
        # As argparse names it from the flag: `--id ID`, not the field's `REPORT_ID`.
        return self.flag.lstrip("-").upper().replace("-", "_")


def _hints(cls: type) -> dict[str, Any]:
    """The fields' types, resolved once per class: the annotations are text until then."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


_HINTS: Final[dict[type, dict[str, Any]]] = {}


def _members(hint: object) -> list[Any]:
    """The types of a field, None left out: `Figure | str | None` is [Figure, str]."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return [t for t in typing.get_args(hint) if t is not type(None)]
    return [hint]


def leaves(cls: type[AnyCommand]) -> Iterator[Leaf]:
    """The command line's options for `cls`, in the order of its fields."""
    for field in attrs.fields(cls):
        yield from _leaves(field, _hints(cls)[field.name], (), None)


def _leaves(
    field: attrs.Attribute[Any],
    hint: object,
    at: tuple[str, ...],
    parent: Option | None,
    prefix: str | None = None,
) -> Iterator[Leaf]:
    meta = option_of(field)
    members = _members(hint)
    nested = next((t for t in members if attrs.has(t)), None)
    if nested is not None and meta.prefix is not None:
        for sub in attrs.fields(nested):
            yield from _leaves(sub, _hints(nested)[sub.name], (*at, field.name), meta, meta.prefix)
        return
    choices = next((t for t in members if isinstance(t, type) and issubclass(t, enum.Enum)), None)
    pairs = any(isinstance(t, type) and issubclass(t, Mapping) for t in members)
    repeated = pairs or any(typing.get_origin(t) is tuple for t in members)
    kind = choices or next((t for t in members if t in (dt.datetime, dt.date, int)), str)
    flag = (
        field.name
        if meta.positional
        else meta.flag or f"--{prefix or ''}{field.name}".replace("_", "-")
    )
    yield Leaf(
        path=(*at, field.name),
        flag=flag,
        kind=kind,
        option=meta,
        required=parent is None and (field.default is attrs.NOTHING or meta.required),
        choices=choices,
        repeated=repeated,
        pairs=pairs,
        parent=parent,
    )


def add_options(parser: argparse.ArgumentParser, cls: type[AnyCommand]) -> None:
    """`cls`'s fields as `parser`'s arguments, each None unless given."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for leaf in leaves(cls):
        target: argparse.ArgumentParser | argparse._ArgumentGroup = parser
        title = None if leaf.parent is None else leaf.parent.group
        if title is not None:
            target = groups.get(title) or groups.setdefault(title, parser.add_argument_group(title))
        kwargs: dict[str, Any] = {"help": leaf.option.help or None}
        if leaf.metavar is not None:
            kwargs["metavar"] = leaf.metavar
        if leaf.choices is not None:
            kwargs["choices"] = [m.value for m in leaf.choices]
        if leaf.kind is int:
            kwargs["type"] = int  # not a number is a usage error, as argparse says
        if leaf.repeated:
            kwargs["action"] = "append"
        if leaf.positional:
            target.add_argument(leaf.flag, **kwargs)
        else:
            target.add_argument(leaf.flag, dest=leaf.dest, required=leaf.required, **kwargs)


def command_of(cls: type[AnyCommand], args: argparse.Namespace) -> AnyCommand:
    """The command `args` give, read as its fields' types say; a bad time or date is a
    `ValidationError` naming its option."""
    given: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {}
    for leaf in leaves(cls):
        value = _read(leaf, getattr(args, leaf.dest, None))
        if value is None:
            continue
        if len(leaf.path) == 1:
            given[leaf.path[0]] = value
        else:
            parts.setdefault(leaf.path[0], {})[leaf.path[1]] = value
    hints = _hints(cls)
    for name, sub in parts.items():
        nested = next(t for t in _members(hints[name]) if attrs.has(t))
        given[name] = nested(**sub)
    return cls(**given)


def _read(leaf: Leaf, text: object) -> object:
    if text is None:
        return None
    if leaf.kind is dt.datetime:
        return times.moment(leaf.flag, str(text))
    if leaf.kind is dt.date:
        return times.day(leaf.flag, str(text))
    if leaf.choices is not None:
        return leaf.choices(text)  # argparse checked the choice
    if leaf.pairs:
        return dict(_pair(leaf.flag, str(item)) for item in typing.cast("list[object]", text))
    return text


def _pair(flag: str, text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise ValidationError(flag, "expected NAME=TEXT, as in victim_names='Ahmad K.'", value=text)
    return name, value
