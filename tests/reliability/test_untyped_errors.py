"""Untyped errors (issue 17, finding 4): inputs that escaped as a bare Python exception.

Each case here raised `RecursionError`, `UnicodeDecodeError`, `OverflowError` or `TypeError`
from deep inside, or a `ValidationError` that named no line. Each must now be a `LedgerError`
that names the field or the line, and must write nothing; `test_bad_input.py` runs the
campaign that found them over every entry point.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from ledger import (
    Ledger,
    LedgerError,
    LineError,
    ValidationError,
    export_log,
    import_lines,
    restore_log,
)
from ledger.cli import main
from ledger.plot import plot_timeline

from .sample import hours, populate

DEEP = "[" * 100_000 + "]" * 100_000
#: Aware times whose UTC instant falls outside the years 1 to 9999.
BEFORE_YEAR_1 = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))
AFTER_YEAR_9999 = dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(-dt.timedelta(hours=5)))


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger.in_memory(actor="editor")
    populate(ledger, rounds=1)
    return ledger


def _line(**fields: object) -> str:
    return json.dumps(fields)


@pytest.mark.parametrize(
    "text",
    [
        DEEP,
        '{"type": "incident", "incident": "x", "title": ' + DEEP + "}",
        '{"type": "incident", "incident": "x", "title": "t", "places": ' + DEEP + "}",
    ],
    ids=["deep list", "deep title", "deep places"],
)
def test_deeply_nested_import_lines_name_their_line(ledger: Ledger, text: str) -> None:
    before = ledger.digest()
    with pytest.raises(LineError) as caught:
        import_lines(
            ledger, ['{"type": "source", "source": "s1", "name": "S", "kind": "un"}', text]
        )
    assert caught.value.line == 2
    assert ledger.digest() == before


def test_deeply_nested_export_lines_name_their_line(ledger: Ledger) -> None:
    out = io.StringIO()
    export_log(ledger, out)
    lines = out.getvalue().splitlines()
    for at in (0, 3):
        spoiled = [*lines[:at], DEEP, *lines[at + 1 :]]
        target = Ledger.in_memory()
        with pytest.raises(LineError) as caught:
            restore_log(target, spoiled)
        assert caught.value.line == at + 1
        assert target.digest().position == 0


def test_a_deeply_nested_stored_body_is_a_codec_error() -> None:
    from ledger.codec import EVENTS  # noqa: PLC0415

    with pytest.raises(LedgerError, match="position 7"):
        EVENTS.decode(DEEP.encode(), position=7)


@pytest.mark.parametrize("command", ["import", "restore"])
def test_bytes_that_are_not_utf8_name_their_line_and_column(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    good = (
        _line(type="source", source="s1", name="S", kind="un")
        if command == "import"
        else _line(format="incident-ledger-export", format_version=1, head=f"0:{'0' * 64}")
    )
    path.write_bytes(good.encode() + b"\n" + b'{"type": "source", "name": "caf\xe9"}\n')
    db = tmp_path / "new.db"
    assert main(["--db", str(db), command, str(path)]) == 1
    message = capsys.readouterr().err
    assert "line 2" in message
    assert "0xe9" in message
    assert "column 32" in message


def test_bytes_that_are_not_utf8_in_restore_log_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\xff\xfe{}\n")
    with pytest.raises(LineError) as caught:
        restore_log(Ledger.in_memory(), path)
    assert caught.value.line == 1


@pytest.mark.parametrize("when", [BEFORE_YEAR_1, AFTER_YEAR_9999])
def test_times_outside_the_calendar_in_utc_are_refused_by_name(
    ledger: Ledger, when: dt.datetime
) -> None:
    before = ledger.digest()
    with pytest.raises(ValidationError, match="reported_at"):
        ledger.file_report(
            "gaza-north", source="snhr", metric="killed", figure="3", reported_at=when
        )
    for name in ("as_of", "known_at"):
        with pytest.raises(ValidationError, match=name):
            ledger.tally("gaza-north", **{name: when})
    with pytest.raises(ValidationError, match="known_at"):
        ledger.timeline("gaza-north", metric="killed", known_at=when)
    with pytest.raises(ValidationError, match="since"):
        ledger.changes(since=when)
    with pytest.raises(ValidationError, match="until"):
        ledger.changes(until=when)
    assert ledger.digest() == before


def test_the_last_day_of_the_calendar_is_a_time_to_ask_about(ledger: Ledger) -> None:
    last = dt.date(9999, 12, 31)
    assert ledger.tally("gaza-north", as_of=last, known_at=last).sources
    assert ledger.changes(since=dt.date(1, 1, 1), until=last)
    assert ledger.timeline("gaza-north", metric="killed", known_at=last).incident == "gaza-north"


def test_an_import_line_outside_the_calendar_names_its_line(ledger: Ledger) -> None:
    line = _line(
        type="report",
        incident="gaza-north",
        source="snhr",
        metric="killed",
        figure="3",
        reported_at="0001-01-01T00:00+05:00",
    )
    with pytest.raises(LineError) as caught:
        import_lines(ledger, [line])
    assert (caught.value.line, caught.value.field) == (1, "reported_at")


@pytest.mark.parametrize("option", ["--as-of", "--known-at"], ids=lambda o: o.removeprefix("--"))
@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00+05:00", "9999-12-31T23:00-05:00", "9999-12-31"]
)
def test_cli_times_outside_the_calendar_are_bad_input(
    tmp_path: Path, option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "l.db")
    with Ledger.open(db, actor="editor") as ledger:
        populate(ledger, rounds=1)
    status = main(["--db", db, "tally", "gaza-north", option, value])
    err = capsys.readouterr().err
    if value == "9999-12-31":
        assert status == 0, err  # the end of the calendar's last day is a time like any other
    else:
        assert status == 1
        assert option in err


@pytest.mark.parametrize("after", [None, "", float("inf"), float("nan"), -1, True, 2**63, 1.5])
def test_subscribe_refuses_a_bad_position_by_name(ledger: Ledger, after: object) -> None:
    with pytest.raises(ValidationError, match="after"):
        ledger.subscribe(after=after, idle_timeout=0)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [None, "", "1", float("nan"), -1, True, [1]])
def test_subscribe_refuses_bad_intervals_by_name(ledger: Ledger, value: object) -> None:
    if value is not None:
        with pytest.raises(ValidationError, match="poll_interval"):
            ledger.subscribe(poll_interval=value)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="idle_timeout"):
        ledger.subscribe(idle_timeout=value if value is not None else "x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="stop"):
        ledger.subscribe(stop=value or "x")  # type: ignore[arg-type]


@pytest.mark.parametrize("reason", ["a\x00b", "\ud800", "x" * 30_000, 5])
def test_a_bad_reason_on_an_import_line_names_the_line(ledger: Ledger, reason: object) -> None:
    before = ledger.digest()
    good = _line(type="source", source="s1", name="S", kind="un")
    bad = json.dumps(
        {"type": "source", "source": "s2", "name": "S", "kind": "un", "reason": reason},
        ensure_ascii=True,
    )
    with pytest.raises(LineError) as caught:
        import_lines(ledger, [good, good.replace("s1", "s3"), bad])
    assert (caught.value.line, caught.value.field) == (3, "reason")
    assert ledger.digest() == before


def test_a_bad_default_reason_for_an_import_names_the_option(ledger: Ledger) -> None:
    with pytest.raises(ValidationError, match="reason"):
        import_lines(
            ledger, [_line(type="source", source="s1", name="S", kind="un")], reason="\x00"
        )


def test_a_reported_time_at_the_first_hour_still_works(ledger: Ledger) -> None:
    rid = ledger.file_report(
        "gaza-north", source="snhr", metric="killed", figure="3", reported_at=hours(0)
    )
    assert ledger.report(rid).incident == "gaza-north"


@pytest.mark.parametrize(
    "when", [dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), dt.datetime(1, 1, 1, tzinfo=dt.UTC)]
)
def test_a_plot_through_the_ends_of_the_calendar_is_refused_by_name(
    tmp_path: Path, when: dt.datetime
) -> None:
    pytest.importorskip("matplotlib")
    with Ledger.open(tmp_path / "l.db", actor="editor") as ledger:
        populate(ledger, rounds=1)
        # No figure can be reported then (docs/concepts.md); a chart can still be asked for.
        with pytest.raises(ValidationError, match="reported_at"):
            ledger.file_report(
                "gaza-north", source="snhr", metric="killed", figure="3", reported_at=when
            )
        timeline = ledger.timeline("gaza-north", metric="killed")
    png = tmp_path / "t.png"
    with pytest.raises(ValidationError, match="a plot can draw"):
        plot_timeline(timeline, png, until=when)
    assert not png.exists()


def test_a_plot_in_a_format_nobody_draws_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    db = str(tmp_path / "l.db")
    with Ledger.open(db, actor="editor") as ledger:
        populate(ledger, rounds=1)
    args = ["--db", db, "timeline", "gaza-north", "--metric", "killed", "--plot", "t.docx"]
    assert main(args) == 1
    assert "cannot draw a 'docx' file" in capsys.readouterr().err


def test_subscribe_refuses_a_timeout_too_large_for_a_clock(ledger: Ledger) -> None:
    with pytest.raises(ValidationError, match="idle_timeout"):
        ledger.subscribe(idle_timeout=10**400)
    with pytest.raises(ValidationError, match="poll_interval"):
        ledger.subscribe(poll_interval=10**400)


@pytest.mark.parametrize("field", ["body", "stream", "event_id"])
def test_a_lone_surrogate_in_an_export_names_its_line_and_field(ledger: Ledger, field: str) -> None:
    out = io.StringIO()
    export_log(ledger, out)
    lines = out.getvalue().splitlines()
    row = json.loads(lines[2])
    row[field] = "\ud800"
    lines[2] = json.dumps(row)
    target = Ledger.in_memory()
    with pytest.raises(LineError) as caught:
        restore_log(target, lines)
    assert (caught.value.line, caught.value.field) == (3, field)
    assert target.digest().position == 0
