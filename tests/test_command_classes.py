"""One definition per command (issue 13, item 11): each command class's fields are the
facade method's keywords, the command line's options and the import line's keys, and a
field added to a class appears at every door without another line of code."""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import inspect
import io
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import (
    Figure,
    Language,
    Ledger,
    LedgerError,
    LineError,
    Period,
    Provenance,
    ReportRevised,
    ValidationError,
)
from ledger._fields import check_id, option, option_of
from ledger.cli import build_parser, main
from ledger.cli.options import add_options, command_of, leaves
from ledger.cli.reference import reference
from ledger.codec import converter
from ledger.commands import (
    COMMANDS,
    Command,
    CorrectReport,
    FileReport,
    OpenIncident,
    RegisterSource,
    ReviseReport,
)
from ledger.interchange import LINE_TYPES, _structure_line, import_lines
from ledger.values import SourceKind, Verification

SAT = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
NAMES = [cls.__name__ for cls in COMMANDS]


def _hints(fn: Any) -> dict[str, Any]:
    return typing.get_type_hints(fn)


def _init_type(cls: type, field: attrs.Attribute[Any]) -> Any:
    """What the class's constructor takes for `field`: its converter's argument, else its type."""
    convert = field.converter
    if convert is not None:
        assert callable(convert)
        first = next(iter(inspect.signature(convert).parameters))
        return _hints(convert)[first]
    return _hints(cls)[field.name]


def _subparser(words: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[word]
    return parser


@pytest.mark.parametrize("cls", COMMANDS, ids=NAMES)
def test_every_field_is_a_keyword_of_the_facade_method_alike(cls: type[Command[Any]]) -> None:
    method = getattr(Ledger, cls.method)
    params = dict(inspect.signature(method).parameters)
    del params["self"]
    assert params.pop("actor").default is None  # who records it: the envelope's, not a field
    fields = attrs.fields_dict(cls)
    assert set(params) == set(fields), f"Ledger.{cls.method} and {cls.__name__} differ"
    hints = _hints(method)
    for name, param in params.items():
        field, meta = fields[name], option_of(fields[name])
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if meta.positional else param.KEYWORD_ONLY
        assert param.kind is kind, name
        required = field.default is attrs.NOTHING or meta.required
        assert (param.default is param.empty) == required, name
        if not required:
            convert = field.converter
            made = param.default if not callable(convert) else convert(param.default)
            assert made == field.default, name
        # A reason the method requires is text, where the class leaves it to the import.
        expected = str if meta.required else _init_type(cls, field)
        assert hints[name] == expected, name


@pytest.mark.parametrize("cls", COMMANDS, ids=NAMES)
def test_every_field_is_an_option_of_its_command(cls: type[Command[Any]]) -> None:
    parser = _subparser(cls.words)
    by_dest = {a.dest: a for a in parser._actions}
    for field in attrs.fields(cls):
        meta = option_of(field)
        found = [a for d, a in by_dest.items() if d == field.name or d.startswith(field.name + ".")]
        assert found, f"`ledger {' '.join(cls.words)}` has no option for {field.name}"
        if meta.positional:
            assert found[0].option_strings == []
        else:
            assert all(a.option_strings for a in found)
            required = field.default is attrs.NOTHING or meta.required
            assert found[0].required == required, field.name
            assert all(a.help for a in found), field.name


def _example(hint: Any, name: str) -> Any:
    """A value of type `hint` for a field called `name`, other than its default."""
    members = [
        t
        for t in (
            typing.get_args(hint)
            if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
            else (hint,)
        )
        if t is not type(None)
    ]
    first = members[0]
    if isinstance(first, type) and issubclass(first, enum.Enum):
        return list(first)[-1]
    if typing.get_origin(first) is tuple:
        return ("latakia", "hama")
    return _EXAMPLES.get(first, f"{name}-1")


_EXAMPLES: dict[Any, Any] = {
    Figure: "at least 3",
    dt.datetime: SAT,
    dt.date: SAT.date(),
    int: 1,
    Period: Period(start=SAT.date()),
    Provenance: Provenance(
        via="CNN",
        verification=Verification.UNVERIFIABLE,
        personal={"victim_names": "A. K.", "witness": "one = two"},
    ),
}


def _full(cls: type[Command[Any]]) -> Command[Any]:
    """The command with every field given."""
    hints = _hints(cls)
    return cls(**{f.name: _example(hints[f.name], f.name) for f in attrs.fields(cls)})


@pytest.mark.parametrize("cls", COMMANDS, ids=NAMES)
def test_every_field_is_a_key_of_its_import_line(cls: type[Command[Any]]) -> None:
    assert LINE_TYPES[cls.line] is cls
    command = _full(cls)
    line = {"type": cls.line, **converter.unstructure(command)}
    assert set(line) == {"type", *attrs.fields_dict(cls)}
    from ledger.interchange import _parse_line  # noqa: PLC0415 - the import's own reader

    assert _parse_line(1, json.dumps(line, default=str)) == (cls.line, command)


@pytest.mark.parametrize("cls", COMMANDS, ids=NAMES)
def test_the_command_line_builds_the_command_every_field_given(cls: type[Command[Any]]) -> None:
    command = _full(cls)
    argv: list[str] = [*cls.words]
    for leaf in leaves(cls):
        value: Any = command
        for step in leaf.path:
            value = getattr(value, step)
        if isinstance(value, Mapping):
            value = tuple(f"{name}={text}" for name, text in value.items())
        texts = value if isinstance(value, tuple) else () if value is None else (value,)
        for one in texts:
            plain = one.value if isinstance(one, enum.Enum) else one
            text = plain.isoformat() if isinstance(plain, dt.date) else str(plain)
            argv += [text] if leaf.positional else [f"{leaf.flag}={text}"]
    assert command_of(cls, build_parser().parse_args(argv)) == command


def test_the_reference_in_docs_is_generated_from_the_classes() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert reference() in page, "run: python -m ledger.cli.reference docs/cli.md"


@attrs.frozen(kw_only=True, slots=True)
class _WiredReport(FileReport):
    """A filing with one field more, defined here and nowhere else."""

    line = "wired-report"
    wire: str | None = attrs.field(
        default=None,
        validator=lambda _, a, v: None if v is None else check_id(a.name, v),
        metadata=option("the wire story's id"),
    )


def test_a_field_added_to_a_command_is_an_option_a_key_and_documented() -> None:
    parser = argparse.ArgumentParser()
    add_options(parser, _WiredReport)
    assert "--wire WIRE" in parser.format_help()
    assert "the wire story's id" in parser.format_help()
    args = parser.parse_args(
        ["coast", "--source", "s", "--metric", "killed", "--figure", "3",
         "--reported-at", "2025-03-08T14:00Z", "--wire", "AP-1"]
    )  # fmt: skip
    from_cli = command_of(_WiredReport, args)
    assert isinstance(from_cli, _WiredReport)
    assert from_cli.wire == "AP-1"
    line = converter.structure(converter.unstructure(from_cli), _WiredReport)
    assert line == from_cli
    assert "| `--wire` | `wire` |  | the wire story's id |" in reference((_WiredReport,))
    with Ledger.in_memory(actor="desk") as ledger:
        ledger.open_incident("coast", title="Coast")
        ledger.register_source("s", name="S", kind="monitor")
        assert isinstance(ledger.execute(from_cli), str)


def test_a_field_added_to_a_command_is_validated_alike_at_every_door() -> None:
    """Its validator runs wherever the command is built: by hand, from options, from a line."""
    fields: dict[str, Any] = {
        "incident": "coast", "source": "s", "metric": "killed", "figure": "3",
        "reported_at": SAT, "wire": "AP 1!",
    }  # fmt: skip
    with pytest.raises(ValidationError) as by_hand:
        _WiredReport(**fields)
    parser = argparse.ArgumentParser()
    add_options(parser, _WiredReport)
    argv = ["coast", "--source", "s", "--metric", "killed", "--figure", "3",
            "--reported-at", "2025-03-08T14:00Z", "--wire", "AP 1!"]  # fmt: skip
    with pytest.raises(ValidationError) as by_option:
        command_of(_WiredReport, parser.parse_args(argv))
    line = {**fields, "reported_at": "2025-03-08T14:00Z"}
    with pytest.raises(LineError) as by_line:
        _structure_line(7, line, _WiredReport)
    assert by_hand.value.field == by_option.value.field == by_line.value.field == "wire"
    assert str(by_line.value) == f"line 7: {by_hand.value}"


# What one definition fixed: the incident a change may name was an import key only.


def _seeded(ledger: Ledger) -> Ledger:
    ledger.open_incident("coast", title="Coast")
    ledger.open_incident("north", title="North")
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    ledger.file_report(
        "coast", source="snhr", metric="killed", figure="3", reported_at=SAT, report_id="r1"
    )
    return ledger


def test_a_change_names_its_report_s_incident_at_every_door(tmp_path: Path) -> None:
    later = SAT + dt.timedelta(hours=1)
    with _seeded(Ledger.in_memory(actor="desk")) as ledger:
        with pytest.raises(LedgerError, match="belongs to incident 'coast'") as by_facade:
            ledger.revise_report("r1", figure="4", reported_at=later, incident="north")
        stored = ledger.revise_report("r1", figure="4", reported_at=later, incident="coast")
        assert isinstance(stored.event, ReportRevised)
        line = '{"type": "revision", "report_id": "r1", "figure": "5", "incident": "north", '
        with pytest.raises(LineError) as by_line:
            import_lines(ledger, [line + '"reported_at": "2025-03-08T16:00Z"}'])
        assert str(by_line.value.error) == str(by_facade.value)
    db = str(tmp_path / "l.db")
    with _seeded(Ledger.open(db, actor="desk")):
        pass
    err = io.StringIO()
    argv = ["--db", db, "revise", "r1", "--figure", "5", "--reported-at", "2025-03-08T16:00Z"]
    assert main([*argv, "--incident", "north"], stdout=io.StringIO(), stderr=err) == 1
    assert str(by_facade.value) in err.getvalue()
    assert main([*argv, "--incident", "coast"], stdout=io.StringIO(), stderr=err) == 0
    for method in ("correct_report", "retract_report", "void_report"):
        assert "incident" in inspect.signature(getattr(Ledger, method)).parameters


def test_execute_is_what_the_facade_methods_run() -> None:
    with Ledger.in_memory(actor="desk") as a, Ledger.in_memory(actor="desk") as b:
        a.open_incident("coast", title="Coast", places=["latakia"])
        b.execute(OpenIncident(incident="coast", title="Coast", places=["latakia"]))
        a.register_source("snhr", name="SNHR", kind="monitor", language="ar")
        source = RegisterSource(
            source="snhr", name="SNHR", kind=SourceKind.MONITOR, language=Language.AR
        )
        b.execute(source)
        fields: dict[str, Any] = {
            "source": "snhr", "metric": "killed", "figure": "3", "reported_at": SAT,
            "report_id": "r1",
        }  # fmt: skip
        assert a.file_report("coast", **fields) == "r1"
        assert b.execute(FileReport(incident="coast", **fields)) == "r1"
        a.correct_report("r1", figure="4", reason="typo")
        b.execute(CorrectReport(report_id="r1", figure="4", reason="typo"))
        assert [(e.event, e.reason) for e in a.events()] == [
            (e.event, e.reason) for e in b.events()
        ]
        # Set-up run twice changes nothing, whichever door it comes by.
        again = b.execute(OpenIncident(incident="coast", title="Coast", places=("latakia",)))
        held = a.open_incident("coast", title="Coast", places=["latakia"])
        assert again.position == held.position


def test_execute_refuses_what_is_not_a_command_and_a_correction_without_reason() -> None:
    with _seeded(Ledger.in_memory(actor="desk")) as ledger:
        before = ledger.digest()
        with pytest.raises(ValidationError, match="command"):
            ledger.execute("file a report")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="reason"):
            ledger.execute(CorrectReport(report_id="r1", figure="4"))
        assert ledger.digest() == before


@given(
    figure=st.sampled_from(["3", "at least 311", "about 300", "120-150", "dozens"]),
    minutes=st.integers(0, 10_000),
    via=st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20),
)
def test_a_revision_reads_the_same_at_every_door(
    figure: str, minutes: int, via: str | None
) -> None:
    """The law behind one definition: the same fields given to the facade, as options and as
    an import line build the same command."""
    when = SAT + dt.timedelta(minutes=minutes)
    provenance = Provenance(via=via)
    command = ReviseReport(report_id="r1", figure=figure, reported_at=when, provenance=provenance)
    argv = ["revise", "r1", "--figure", figure, "--reported-at", when.isoformat()]
    if via is not None:
        argv += [f"--via={via}"]
    assert command_of(ReviseReport, build_parser().parse_args(argv)) == command
    line = json.dumps({"type": "revision", **converter.unstructure(command)})
    from ledger.interchange import _parse_line  # noqa: PLC0415

    assert _parse_line(1, line) == ("revision", command)
