"""The `ledger` command: end to end as a subprocess on the seed story, and in-process for the
rest (golden outputs, the documented JSON and CSV schemas, exit codes and progress).

Set LEDGER_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change of output;
a change to a JSON or CSV schema must also bump its version and update docs/cli.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import typing
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from ledger import Figure, Ledger, Provenance
from ledger.cli import main, output, progress

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden" / "cli"
SEED = ROOT / "examples" / "syria_coast_2025.jsonl"
INCIDENT = "syria-coast-2025-03"
sys.path.insert(0, str(ROOT / "examples"))
import syria_coast_2025 as story  # noqa: E402


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed story recorded by the Python example, on the desk's clock: deterministic."""
    path = tmp_path_factory.mktemp("seed") / "story.db"
    clock = story.DeskClock()
    with Ledger.open(path, actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
    return path


class Run:
    """One in-process run of `main`: its status and what it printed."""

    def __init__(self, *argv: str | Path, stderr: io.StringIO | None = None) -> None:
        out, self._err = io.StringIO(), stderr if stderr is not None else io.StringIO()
        self.code = main([str(a) for a in argv], stdout=out, stderr=self._err)
        self.out = out.getvalue()
        self.err = self._err.getvalue()


# Golden outputs and the documented schemas.

GOLDEN_CASES = {
    "tally.json": ["tally", INCIDENT, "--format", "json"],
    "tally.csv": ["tally", INCIDENT, "--format", "csv"],
    "tally-saturday-as-known-then.json": ["tally", INCIDENT, "--as-of", "2025-03-08",
                                          "--known-at", "2025-03-08", "--format", "json"],
    "timeline-killed.json": ["timeline", INCIDENT, "--metric", "killed", "--format", "json"],
    "timeline-missing.csv": ["timeline", INCIDENT, "--metric", "missing", "--group",
                             "security_forces", "--by", "loyalists", "--format", "csv"],
    "history.json": ["history", "snhr-killed-children-government_forces", "--format", "json"],
    "history.csv": ["history", "snhr-killed-children-government_forces", "--format", "csv"],
    "changes.json": ["changes", "--since", "2025-03-08", "--format", "json"],
    "changes.csv": ["changes", "--since", "2025-03-08", "--format", "csv"],
    "diff.json": ["diff", INCIDENT, "--from-known-at", "2025-03-08", "--format", "json"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_output_matches_the_golden_file(seed_db: Path, name: str) -> None:
    run = Run("--db", seed_db, *GOLDEN_CASES[name])
    assert run.code == 0, run.err
    golden = GOLDEN / name
    if os.environ.get("LEDGER_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(run.out, encoding="utf-8")
    assert run.out == golden.read_text(encoding="utf-8")


def documented_fields() -> dict[str, list[tuple[str, str]]]:
    """The field tables of docs/cli.md, by the row class each documents."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    tables = {}
    for match in re.finditer(r"<!-- fields: (\w+) -->\n\|.*\|\n\|[-|]+\|\n((?:\|.*\|\n)+)", text):
        rows = [line.split("|")[1:3] for line in match[2].splitlines()]
        tables[match[1]] = [(name.strip().strip("`"), kind.strip()) for name, kind in rows]
    return tables


def _time(v: object) -> bool:
    return isinstance(v, str) and dt.datetime.fromisoformat(v).utcoffset() is not None


def _date(v: object) -> bool:
    return isinstance(v, str) and bool(dt.date.fromisoformat(v))


def _figure(v: object) -> bool:
    return isinstance(v, str) and str(Figure.parse(v)) == v


TYPES: dict[str, Callable[[object], bool]] = {
    "text": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "time": _time,
    "date": _date,
    "figure": _figure,
    "list of text": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "list of objects": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
    "object": lambda v: isinstance(v, dict),
}


def _nested(annotation: object) -> type | None:
    """The row class a field holds (in a list, or or-None), if any."""
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and attrs.has(arg) and arg.__module__ == output.__name__:
            return arg
        if typing.get_origin(arg) is list:
            return _nested(typing.get_args(arg)[0])
    return None


def check_schema(value: object, cls: type, seen: set[str]) -> None:
    """`value` has exactly the documented fields of `cls`, in order, of the documented types."""
    documented = documented_fields()[cls.__name__]
    assert isinstance(value, dict)
    assert list(value) == [name for name, _ in documented] == [f.name for f in attrs.fields(cls)]
    hints = typing.get_type_hints(cls)
    seen.add(cls.__name__)
    for name, kind in documented:
        field = value[name]
        base = kind.removesuffix(" or null")
        if field is None:
            assert kind.endswith(" or null"), f"{cls.__name__}.{name} is null"
            continue
        assert TYPES[base](field), f"{cls.__name__}.{name}: {field!r} is not {base}"
        if (inner := _nested(hints[name])) is not None:
            for item in field if isinstance(field, list) else [field]:
                check_schema(item, inner, seen)


@pytest.fixture(scope="module")
def conflict_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sources whose figures cannot describe the same count, and a term the ledger added."""
    path = tmp_path_factory.mktemp("conflict") / "conflict.db"
    at = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
    with Ledger.open(path, actor="desk", clock=lambda: at + dt.timedelta(days=1)) as ledger:
        ledger.open_incident("inc", title="An incident")
        ledger.register_source("moh", name="Ministry of Health", kind="government")
        ledger.register_source("ocha", name="UN OCHA", kind="un", url="https://ocha.example")
        ledger.extend_taxonomy("group", "medics", parent="civilians")
        ledger.file_report("inc", source="moh", metric="killed", figure="18", reported_at=at)
        ledger.file_report("inc", source="ocha", metric="killed", figure="120-150",
                           reported_at=at + dt.timedelta(hours=3))  # fmt: skip
        # Personal fields, one of them erased, in an incident of their own.
        ledger.open_incident("named", title="Named victims")
        ledger.declare_field("victim_names", description="as the source gives them")
        ledger.declare_field("witness")
        ledger.file_report("named", source="moh", metric="killed", figure="2", reported_at=at,
                           report_id="named-1",
                           provenance=Provenance(personal={"victim_names": "A. and B.",
                                                           "witness": "W."}))  # fmt: skip
        ledger.redact("named-1", field="witness", reason="the witness asked")
    return path


def test_every_row_class_is_documented_and_every_document_keeps_its_schema(
    seed_db: Path, conflict_db: Path
) -> None:
    documented = documented_fields()
    row_classes = {
        name for name, obj in vars(output).items()
        if isinstance(obj, type) and attrs.has(obj) and obj.__module__ == output.__name__
    }  # fmt: skip
    assert row_classes == set(documented)
    seen: set[str] = set()
    documents = [
        (seed_db, "TallyDoc", ["tally", INCIDENT, "--as-of", "2025-03-08", "--known-at",
                               "2025-03-08"]),
        (conflict_db, "TallyDoc", ["tally", "inc", "--compare-since", "2025-03-08"]),
        (seed_db, "TimelineDoc", ["timeline", INCIDENT, "--metric", "missing", "--group",
                                  "security_forces", "--by", "loyalists"]),
        (seed_db, "HistoryDoc", ["history", "snhr-killed-children-government_forces"]),
        (seed_db, "ChangesDoc", ["changes", "--clock", "reported", "--incident", INCIDENT]),
        (seed_db, "DiffDoc", ["diff", INCIDENT, "--from-known-at", "2025-03-08"]),
        (seed_db, "VerifyDoc", ["verify", "--against", "3:" + "0" * 64]),
        (seed_db, "VerifyDoc", ["verify", "--since", "0:" + "0" * 64]),
        (seed_db, "DigestDoc", ["digest"]),
        (seed_db, "IncidentsDoc", ["incidents"]),
        (conflict_db, "SourcesDoc", ["sources"]),
        (conflict_db, "TermsDoc", ["terms"]),
        (conflict_db, "FieldsDoc", ["fields"]),
        (conflict_db, "VerifyDoc", ["verify"]),
        (conflict_db, "ReportDoc", ["show", "named-1"]),
        (conflict_db, "HistoryDoc", ["history", "named-1"]),
        (seed_db, "TermsDoc", ["terms", "group"]),
        (seed_db, "ReportsDoc", ["reports", INCIDENT]),
        (seed_db, "ReportDoc", ["show", "moi-missing-security_forces"]),
        (seed_db, "ReportDoc", ["show", "snhr-killed-all-all"]),
    ]  # fmt: skip
    for db, name, argv in documents:
        run = Run("--db", db, *argv, "--format", "json")
        document = json.loads(run.out)
        assert document["schema"].startswith("ledger.")
        check_schema(document, getattr(output, name), seen)
    # Every documented shape turned up, nulls and nested rows included.
    assert seen == set(documented)


@pytest.mark.parametrize(
    ("argv", "row"),
    [
        (["tally", INCIDENT], output.EntryRow),
        (["timeline", INCIDENT, "--metric", "killed"], output.PointRow),
        (["history", "snhr-killed-all-all"], output.ChangeRow),
        (["changes"], output.ChangeRow),
        (["incidents"], output.IncidentRow),
        (["sources"], output.SourceRow),
        (["terms"], output.TermRow),
        (["reports", INCIDENT], output.ReportRow),
        (["show", "snhr-killed-all-all"], output.VersionRow),
    ],
)
def test_csv_columns_are_the_documented_row_fields(
    seed_db: Path, argv: list[str], row: type
) -> None:
    run = Run("--db", seed_db, *argv, "--format", "csv")
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == [name for name, _ in documented_fields()[row.__name__]]
    assert len(rows) > 1
    assert all(len(r) == len(rows[0]) for r in rows)


def test_tables_for_people(seed_db: Path) -> None:
    saturday = Run("--db", seed_db, "tally", INCIDENT, "--as-of", "2025-03-08",
                   "--known-at", "2025-03-08")  # fmt: skip
    assert "as reported by 2025-03-08 23:59:59Z, as the ledger knew it at" in saturday.out
    assert re.search(r"children\s+government_forces\s+all\s+17\s", saturday.out)
    assert "ok   snhr: 17 children + 13 women fit inside at least 164 civilians" in saturday.out
    now = Run("--db", seed_db, "tally", INCIDENT)
    assert "killed/all/all/all: 745 to open from 2 sources, agree" in now.out
    assert re.search(r"more than 1,000\s+1,001\s+open", now.out)
    history = Run("--db", seed_db, "history", "snhr-killed-children-government_forces")
    assert "copy-desk  corrected" in history.out
    assert "[figure: 17 -> 7]" in history.out
    verify = Run("--db", seed_db, "verify")
    assert verify.code == 0
    assert verify.out.startswith("ok: 21 records verified; head 21:")
    head = verify.out.split("head ")[1].strip()
    since = Run("--db", seed_db, "verify", "--since", head)
    assert since.code == 0
    assert since.out == (
        f"ok: no records were appended after {head}, and the log still extends it "
        "(verify without --since re-reads the records before it)\n"
    )


# Exit codes and messages.


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tally", "no-such-incident"], "incident: unknown incident 'no-such-incident'"),
        (["tally", INCIDENT, "--as-of", "2025-03-08T12:00"], "has no time zone"),
        (["tally", INCIDENT, "--as-of", "Saturday"], "--as-of: 'Saturday' is not an ISO 8601"),
        (["history", "nope"], "report_id: unknown report 'nope'"),
        (["revise", "moi-missing-security_forces", "--figure", "5", "--reported-at",
          "2025-03-12T00:00Z"], "it is retracted"),
        (["report", INCIDENT, "--source", "snhr", "--metric", "killed", "--figure", "-5",
          "--reported-at", "2025-03-12T00:00Z"], "figure:"),
        (["verify", "--against", "junk"], "digest: must read '<position>:<hash>'"),
        (["verify", "--against", "3:" + "0" * 64], None),
        (["verify", "--since", "3:" + "0" * 64], None),
        (["verify", "--since", "3:" + "0" * 64, "--deep"], "since: a deep verify replays"),
        (["restore", str(SEED)], "restore only into an empty one"),
    ],
)  # fmt: skip
def test_bad_input_exits_1_with_one_line(
    seed_db: Path, argv: list[str], message: str | None
) -> None:
    before = Ledger.open(seed_db, actor="t")
    head = before.digest()
    before.close()
    run = Run("--db", seed_db, *argv)
    assert run.code == 1
    if message is None:  # a failed verification reports on stdout, like a passed one
        assert run.out.startswith("FAILED")
    else:
        assert run.err.startswith("ledger: error: ")
        assert message in run.err
        assert run.err.count("\n") == 1
        assert "Traceback" not in run.err
    with Ledger.open(seed_db, actor="t") as after:
        assert after.digest() == head


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["tally"], ["frobnicate"], ["tally", INCIDENT, "--format", "xml"], []):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
    assert "usage: ledger" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert re.fullmatch(r"ledger \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_no_ledger_at_the_path_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    run = Run("--db", missing, "tally", INCIDENT)
    assert run.code == 1
    assert "no ledger at" in run.err
    assert "ledger init" in run.err
    assert not missing.exists()


def test_the_db_and_actor_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("LEDGER_ACTOR", "amira")
    assert Run("init").code == 0
    assert Run("source", "add", "snhr", "--name", "SNHR", "--kind", "monitor").code == 0
    # An option after the command wins over the environment.
    assert Run("source", "add", "moi", "--name", "MoI", "--kind", "government",
               "--actor", "omar").code == 0  # fmt: skip
    with Ledger.open(tmp_path / "env.db") as ledger:
        assert [e.actor for e in ledger.events()] == ["amira", "omar"]


def test_every_write_command_in_process(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "w.db")]
    assert Run(*db, "init").code == 0
    steps = [
        ["incident", "open", "inc", "--title", "An incident", "--place", "latakia",
         "--started-on", "2025-03-06"],
        ["source", "add", "snhr", "--name", "SNHR", "--kind", "monitor", "--url", "https://x"],
        ["term", "add", "group", "medics", "--parent", "civilians", "--reason", "new group"],
        ["report", "inc", "--source", "snhr", "--metric", "killed", "--group", "medics",
         "--place", "latakia", "--figure", "between 3 and 5", "--reported-at",
         "2025-03-08T17:00+03:00", "--period-start", "2025-03-06", "--period-end",
         "2025-03-08", "--via", "CNN", "--quote", "3 to 5 medics", "--verification",
         "unverifiable", "--id", "r1"],
        ["revise", "r1", "--figure", "about 6", "--reported-at", "2025-03-09T10:00Z",
         "--reason", "update"],
        ["correct", "r1", "--version", "0", "--figure", "3-5", "--reason", "typo"],
        ["retract", "r1", "--reported-at", "2025-03-10T10:00Z", "--reason", "withdrawn"],
        ["void", "r1", "--reason", "entered under the wrong incident"],
    ]  # fmt: skip
    for argv in steps:
        run = Run(*db, *argv, "--actor", "desk")
        assert run.code == 0, (argv, run.err)
    history = json.loads(Run(*db, "history", "r1", "--format", "json").out)
    assert [e["change"] for e in history["entries"]] == [
        "filed", "revised", "corrected", "retracted", "voided"
    ]  # fmt: skip
    assert history["entries"][0]["reported_at"] == "2025-03-08T14:00:00+00:00"
    assert history["entries"][2]["fields"] == [
        {"field": "figure", "before": "between 3 and 5", "after": "3-5"}
    ]


def test_import_names_the_bad_line_and_writes_nothing(tmp_path: Path) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if '"figure": "13"' in line)
    lines[index] = lines[index].replace('"figure": "13"', '"figure": "thirteen-ish"')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "i.db"
    run = Run("--db", db, "import", bad)
    assert run.code == 1
    assert run.err == (
        f"ledger: error: line {index + 1}: figure: 'thirteen-ish' is not a count, a bound or "
        "a range; English figures read like '311', 'at least 311', 'about 300', '120-150', "
        "'12 (10-15)', 'dozens' (every English form: docs/figures.md)\n"
    )
    with Ledger.open(db) as ledger:
        assert ledger.position == 0


def test_export_to_a_file_leaves_no_partial_file(seed_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup.jsonl"
    run = Run("--db", seed_db, "export", target)
    assert run.code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.jsonl"]
    assert len(target.read_text(encoding="utf-8").splitlines()) == 22
    assert re.fullmatch(r"exported 21 records to .*; digest 21:[0-9a-f]{64}\n", run.err)


# Progress.


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    quiet = Run("--db", tmp_path / "a.db", "import", SEED)
    assert quiet.code == 0
    assert quiet.err == ""
    terminal = FakeTerminal()
    shown = Run("--db", tmp_path / "b.db", "import", SEED, stderr=terminal)
    assert shown.code == 0
    assert "\rimport: lines 18 of 18 (100%)" in shown.err
    answer = Run("--db", tmp_path / "b.db", "tally", INCIDENT, stderr=FakeTerminal())
    assert answer.err == ""  # opening reads the head, not the log: nothing to show
    with sqlite3.connect(tmp_path / "b.db") as conn:  # as a library without the read model
        conn.execute("DELETE FROM read_model")
    rebuilt = Run("--db", tmp_path / "b.db", "tally", INCIDENT, stderr=FakeTerminal())
    assert "\rrebuilding the read model: events 21 of 21 (100%)" in rebuilt.err
    assert rebuilt.err.endswith("\n")


def test_a_meter_waits_before_drawing_and_draws_nothing_off_a_terminal() -> None:
    terminal = FakeTerminal()
    meter = progress.Meter("work", terminal)
    meter("working", 1, 10)  # sooner than DELAY after the start: nothing yet
    meter.finish()
    assert terminal.getvalue() == ""
    piped = io.StringIO()
    meter = progress.Meter("work", piped, enabled=None)
    meter._start -= 10
    meter("working", 5, 10)
    meter.finish()
    assert piped.getvalue() == ""


# End to end, as a user runs it.


def _command() -> list[str]:
    script = Path(sys.executable).with_name("ledger")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ledger.cli"]


@pytest.fixture
def shell(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LOGNAME": "tester", "USER": "tester", "LEDGER_DB": str(tmp_path / "main.db")}

    def run(*argv: str | Path, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*_command(), *map(str, argv)],
            capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=120,
        )  # fmt: skip
        assert done.returncode == code, (argv, done.stdout, done.stderr)
        return done

    return run


def test_the_seed_story_end_to_end(
    shell: Callable[..., subprocess.CompletedProcess[str]], seed_db: Path, tmp_path: Path
) -> None:
    assert "ledger ready at" in shell("init").stdout
    imported = shell("import", SEED).stdout
    assert "imported 18 lines" in imported
    # The imported story answers exactly as the Python example's ledger does.
    tally = shell("tally", INCIDENT, "--format", "json").stdout
    assert tally == Run("--db", seed_db, "tally", INCIDENT, "--format", "json").out

    rid = shell("report", INCIDENT, "--source", "snhr", "--metric", "injured", "--figure",
                "hundreds", "--reported-at", "2025-03-11T08:00+02:00", "--id",
                "snhr-injured").stdout  # fmt: skip
    assert rid == "snhr-injured\n"
    shell("revise", "snhr-injured", "--figure", "at least 1,000", "--reported-at",
          "2025-03-12T08:00Z", "--reason", "SNHR's update")  # fmt: skip
    history = list(csv.DictReader(io.StringIO(shell("history", "snhr-injured", "--format",
                                                    "csv").stdout)))  # fmt: skip
    assert [(h["change"], h["actor"], h["after"]) for h in history] == [
        ("filed", "tester", "hundreds"), ("revised", "tester", "at least 1,000")
    ]  # fmt: skip

    refused = shell("revise", "moi-missing-security_forces", "--figure", "5", "--reported-at",
                    "2025-03-12T08:00Z", code=1)  # fmt: skip
    assert refused.stderr == (
        "ledger: error: report_id: cannot revise report 'moi-missing-security_forces': "
        "it is retracted\n"
    )
    naive = shell("revise", "snhr-injured", "--figure", "5", "--reported-at",
                  "2025-03-13T08:00", code=1)  # fmt: skip
    assert "has no time zone" in naive.stderr
    assert "usage: ledger" in shell("tally", code=2).stderr
    missing = shell("--db", tmp_path / "nothing.db", "tally", INCIDENT, code=1)
    assert "no ledger at" in missing.stderr

    exported = shell("export", "backup.jsonl").stderr
    digest = exported.split("digest ")[1].strip()
    restored_db = ["--db", tmp_path / "restored.db"]
    assert "verified" in shell(*restored_db, "restore", "backup.jsonl").stdout
    verified = shell(*restored_db, "verify", "--against", digest).stdout
    assert verified.startswith("ok: 23 records verified")
    assert "extends" in verified
    assert (
        shell(*restored_db, "tally", INCIDENT, "--format", "json").stdout
        == shell("tally", INCIDENT, "--format", "json").stdout
    )

    plot = tmp_path / "killed.png"
    shell("timeline", INCIDENT, "--metric", "killed", "--plot", plot)
    assert plot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
