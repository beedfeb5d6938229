"""The data desk's day (issue 13): looking things up, provenance in the contracts, rough error
paths made smooth, and a cross-source line that says which figures conflict."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from ledger import (
    DEFAULT_TAXONOMY,
    AlreadyExistsError,
    Dimension,
    Ledger,
    LineError,
    NotFoundError,
    Term,
    UnknownActorError,
    UnknownSourceError,
    UnknownTermError,
    ValidationError,
    import_lines,
)
from ledger._lines import utf8_lines
from ledger.cli import main
from ledger.cli.output import ChangeRow, age
from ledger.taxonomy import terms_of

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "syria_coast_2025.jsonl"
INCIDENT = "syria-coast-2025-03"
AT = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)


class Run:
    def __init__(self, *argv: str | Path) -> None:
        out, err = io.StringIO(), io.StringIO()
        self.code = main([str(a) for a in argv], stdout=out, stderr=err)
        self.out, self.err = out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    assert Run("--db", path, "import", SEED).code == 0
    return path


# Looking things up (item 2).


def test_the_facade_lists_incidents_sources_and_terms() -> None:
    ledger = Ledger.in_memory(actor="t")
    ledger.open_incident("b-inc", title="B", places=["latakia"])
    ledger.open_incident("a-inc", title="A")
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    ledger.register_source("moh", name="MoH", kind="government")
    ledger.extend_taxonomy("group", "medics", parent="civilians")
    assert [i.incident for i in ledger.incidents()] == ["b-inc", "a-inc"]  # opening order
    assert [(s.source, s.name) for s in ledger.sources()] == [("snhr", "SNHR"), ("moh", "MoH")]
    assert ledger.terms("group")["medics"] == "civilians"
    # `terms_of` lists a taxonomy's terms as values, saying which the ledger added.
    groups = terms_of(ledger.taxonomy, Dimension.GROUP)
    assert groups[-1] == Term(dimension=Dimension.GROUP, term="medics", parent="civilians",
                              default=False)  # fmt: skip
    assert all(t.default for t in groups[:-1])
    assert [t.term for t in groups[:-1]] == list(DEFAULT_TAXONOMY.group)
    places = terms_of(ledger.taxonomy, Dimension.PLACE)
    assert [(t.term, t.parent, t.default) for t in places] == [
        ("all", None, True),
        ("latakia", "all", False),
    ]
    assert {t.dimension for t in terms_of(ledger.taxonomy)} == set(Dimension)


def test_list_commands_in_table_json_and_csv(db: Path) -> None:
    incidents = Run("--db", db, "incidents")
    assert re.search(r"syria-coast-2025-03\s+Killings on Syria's coast, March 2025\s+"
                     r"latakia, tartous, hama\s+2025-03-06\s+10", incidents.out)  # fmt: skip
    sources = json.loads(Run("--db", db, "sources", "--format", "json").out)
    assert sources["schema"] == "ledger.sources/1"
    assert sources["sources"][0] == {"source": "snhr", "name": "Syrian Network for Human Rights",
                                     "kind": "monitor", "url": None, "notes": None}  # fmt: skip
    terms = list(csv.DictReader(io.StringIO(Run("--db", db, "terms", "--format", "csv").out)))
    assert {"dimension": "by", "term": "loyalists", "parent": "all", "default": "false"} in terms
    assert {"dimension": "metric", "term": "displaced", "parent": "", "default": "true"} in terms


def test_reports_and_show_carry_the_provenance(db: Path) -> None:
    listed = Run("--db", db, "reports", INCIDENT, "--source", "sy-moi")
    assert listed.code == 0
    assert "moi-missing-security_forces" in listed.out
    assert "snhr-killed-all-all" not in listed.out
    assert "retracted" in listed.out
    shown = Run("--db", db, "show", "snhr-killed-all-all")
    assert "source    snhr: Syrian Network for Human Rights" in shown.out
    assert "Version 0: at least 311" in shown.out
    assert "citation  https://edition.cnn.com/" in shown.out
    document = json.loads(Run("--db", db, "show", "snhr-killed-all-all", "--format", "json").out)
    assert document["schema"] == "ledger.report/1"
    assert [v["figure"] for v in document["versions"]] == ["at least 311", "at least 745"]
    assert document["versions"][0]["quote"].startswith("at least 311 people were killed")
    rows = list(csv.DictReader(io.StringIO(
        Run("--db", db, "reports", INCIDENT, "--format", "csv").out)))  # fmt: skip
    assert rows[0]["source_name"] == "Syrian Network for Human Rights"
    assert (
        Run("--db", db, "show", "nope").err == "ledger: error: report_id: unknown report 'nope'\n"
    )


def test_tally_and_timeline_carry_titles_names_and_provenance(db: Path) -> None:
    tally = json.loads(Run("--db", db, "tally", INCIDENT, "--format", "json").out)
    assert tally["schema"] == "ledger.tally/2"
    assert tally["title"] == "Killings on Syria's coast, March 2025"
    women = next(e for e in tally["entries"] if e["group"] == "women")
    assert women["source_name"] == "Syrian Network for Human Rights"
    assert women["citation"].startswith("https://edition.cnn.com/")
    assert women["notes"] == "CNN can't independently verify the figures."
    timeline = Run("--db", db, "timeline", INCIDENT, "--metric", "killed", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(timeline.out)))
    assert {(r["incident"], r["metric"], r["group"], r["by"], r["place"]) for r in rows} == {
        (INCIDENT, "killed", "all", "all", "all")
    }
    assert rows[0]["via"] == "CNN"


def test_the_default_taxonomy_is_documented() -> None:
    text = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    section = text.split("## The default taxonomy", 1)[1].split("\n## ", 1)[0]
    for dimension in Dimension:
        for term in DEFAULT_TAXONOMY.terms(dimension):
            assert f"`{term}`" in section, (dimension, term)


# Rough error paths (item 7).


def test_a_file_that_is_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Syrian Network", "Syrian Netw\u00e8rk")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    column = lines[1].index("\u00e8") + 1
    run = Run("--db", tmp_path / "x.db", "import", latin)
    assert run.code == 1
    assert run.err == (
        f"ledger: error: line 2: not UTF-8 (byte 0xe8 at column {column}); save the file as UTF-8\n"
    )
    # The column counts characters, not bytes, when earlier ones are multi-byte.
    with pytest.raises(LineError, match=r"line 1: not UTF-8 \(byte 0xff at column 3\)") as caught:
        list(utf8_lines([b"\xc3\xa9a\xffb\n"]))
    assert caught.value.line == 1
    assert list(utf8_lines([b"\xef\xbb\xbf{}\n", b"\xc3\xa9\n"])) == ["{}\n", "\u00e9\n"]


def test_diff_writes_csv_with_the_incident(db: Path) -> None:
    run = Run("--db", db, "diff", INCIDENT, "--from-known-at", "2025-03-08T18:00Z",
              "--format", "csv")  # fmt: skip
    assert run.code == 0, run.err
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == ["incident", "change", "source", "metric", "group", "by", "place",
                       "before", "after"]  # fmt: skip
    assert all(r[0] == INCIDENT for r in rows[1:])
    assert len(rows) > 1


def test_every_table_column_has_a_header(db: Path) -> None:
    run = Run("--db", db, "timeline", INCIDENT, "--metric", "killed")
    header = run.out.splitlines()[2]
    assert header.split() == ["AT", "SOURCE", "CHANGE", "FIGURE", "LOW", "HIGH", "REPORT", "V",
                              "NOTE"]  # fmt: skip


def test_term_add_says_what_a_metric_takes_and_where_a_term_is(db: Path) -> None:
    parent = Run("--db", db, "term", "add", "metric", "evacuated", "--parent", "all")
    assert parent.err == (
        "ledger: error: --parent: metrics are a flat list and take no parent: "
        "ledger term add metric evacuated\n"
    )
    default = Run("--db", db, "term", "add", "metric", "displaced")
    assert default.err == (
        "ledger: error: metric: 'displaced' exists already: it is in the default taxonomy\n"
    )
    assert Run("--db", db, "term", "add", "metric", "evacuated").code == 0
    again = Run("--db", db, "term", "add", "metric", "evacuated")
    assert "it is in this ledger's taxonomy" in again.err
    with pytest.raises(AlreadyExistsError):
        Ledger.in_memory().extend_taxonomy("metric", "killed")


# The cross-source line (item 8).


def _conflicting() -> Ledger:
    ledger = Ledger.in_memory(actor="t", clock=lambda: AT + dt.timedelta(days=3))
    ledger.open_incident("inc", title="An incident")
    for source in ("crescent", "moh", "ocha"):
        ledger.register_source(source, name=source.upper(), kind="ngo")
    ledger.file_report("inc", source="moh", metric="killed", figure="18", reported_at=AT)
    ledger.file_report("inc", source="crescent", metric="killed", figure="about 40",
                       reported_at=AT + dt.timedelta(days=1, hours=2))  # fmt: skip
    ledger.file_report("inc", source="ocha", metric="killed", figure="35-150",
                       reported_at=AT + dt.timedelta(days=2))  # fmt: skip
    return ledger


def test_a_span_names_which_figures_conflict_with_which() -> None:
    span = _conflicting().tally("inc").span("killed")
    assert span is not None
    pairs = {(a.source, b.source) for a, b in span.conflicts}
    assert pairs == {("crescent", "moh"), ("moh", "ocha")}  # about 40 and 35-150 overlap
    assert [e.source for e in span.conflicting("moh")] == ["crescent", "ocha"]
    assert span.conflicting("crescent")[0].figure.text == "18"
    assert span.disagreeing == ("crescent", "moh", "ocha")


def test_figures_reported_since_a_time_are_compared_alone() -> None:
    tally = _conflicting().tally("inc")
    (recent,) = tally.compared(since=AT + dt.timedelta(days=1))
    assert [e.source for e in recent.entries] == ["crescent", "ocha"]
    assert recent.agree
    assert tally.compared(since=None) == tally.spans
    assert tally.compared(since=AT + dt.timedelta(days=5)) == ()


def test_the_cross_source_line_shows_conflicts_and_ages(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Ledger.open(path, actor="t", clock=lambda: AT + dt.timedelta(days=3)) as ledger:
        for stored in _conflicting().events():
            ledger.append([stored.event])
    as_of = ["--as-of", "2025-03-10T20:00Z"]
    run = Run("--db", path, "tally", "inc", *as_of)
    assert "Across sources (compared, never added; ages at 2025-03-10 20:00Z):" in run.out
    assert "killed/all/all/all: 18 to 150 from 3 sources, 2 conflicts" in run.out
    assert re.search(r"moh\s+18\s+2d 6h old\s+conflicts with crescent about 40, ocha 35-150",
                     run.out)  # fmt: skip
    assert re.search(r"ocha\s+35-150\s+6h old\s+conflicts with moh 18", run.out)
    recent = Run("--db", path, "tally", "inc", *as_of, "--compare-since", "2025-03-09")
    assert "only figures reported from 2025-03-09 00:00Z" in recent.out
    assert "from 2 sources, agree" in recent.out
    document = json.loads(Run("--db", path, "tally", "inc", "--format", "json",
                              "--compare-since", "2025-03-09").out)  # fmt: skip
    assert document["compared_since"] == "2025-03-08T23:59:59.999999+00:00"
    assert [s["sources"] for s in document["spans"]] == [["crescent", "ocha"]]


def test_ages_read_in_the_two_largest_units() -> None:
    now = AT + dt.timedelta(days=2, hours=4, minutes=5)
    assert age(AT, now) == "2d 4h"
    assert age(AT, AT + dt.timedelta(hours=3)) == "3h"
    assert age(AT, AT + dt.timedelta(minutes=25)) == "25m"
    assert age(AT, AT + dt.timedelta(days=1)) == "1d"
    assert age(now, AT) == "0m"  # reported after the cut: never a negative age


# Typos are errors, not empty answers (item 3).


def _story() -> Ledger:
    ledger = Ledger.in_memory(actor="desk")
    with SEED.open(encoding="utf-8") as lines:
        import_lines(ledger, lines)
    return ledger


@pytest.mark.parametrize(
    ("query", "error", "field", "known"),
    [
        (lambda lg: lg.timeline(INCIDENT, metric="kiled"), UnknownTermError, "metric", "killed"),
        (lambda lg: lg.timeline(INCIDENT, metric="killed", group="kids"), UnknownTermError,
         "group", "children"),
        (lambda lg: lg.timeline(INCIDENT, metric="killed", by="loyalist"), UnknownTermError,
         "by", "loyalists"),
        (lambda lg: lg.timeline(INCIDENT, metric="killed", place="latakya"), UnknownTermError,
         "place", "latakia"),
        (lambda lg: lg.timeline(INCIDENT, metric="killed", source="snrh"), UnknownSourceError,
         "source", "snhr"),
        (lambda lg: lg.changes(source="snrh"), UnknownSourceError, "source", "snhr"),
        (lambda lg: lg.changes(actor="dsk"), UnknownActorError, "actor", "desk"),
    ],
)  # fmt: skip
def test_an_unknown_name_in_a_query_is_an_error_listing_the_known(
    query: Callable[[Ledger], object], error: type[NotFoundError], field: str, known: str
) -> None:
    ledger = _story()
    with pytest.raises(error) as caught:
        query(ledger)
    assert caught.value.field == field
    assert known in caught.value.known
    assert f"known: {', '.join(caught.value.known[:3])}" in str(caught.value)


def test_a_known_actor_with_nothing_in_the_window_is_no_error() -> None:
    ledger = _story()
    assert ledger.changes(actor="desk", since=dt.date(2030, 1, 1)) == []


def test_a_window_that_ends_before_it_starts_is_an_error() -> None:
    ledger = _story()
    with pytest.raises(ValidationError, match="since: must not be after until") as caught:
        ledger.changes(since=dt.date(2025, 3, 10), until=dt.date(2025, 3, 9))
    assert caught.value.field == "since"
    with pytest.raises(ValidationError, match="since"):
        ledger.changes(since=AT + dt.timedelta(hours=1), until=AT)
    # Two equal instants are an empty window, as the changes between two equal cuts are.
    assert ledger.changes(since=AT, until=AT) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["timeline", INCIDENT, "--metric", "kiled"],
         "metric: unknown metric term 'kiled' (known: killed, injured,"),
        (["timeline", INCIDENT, "--metric", "killed", "--source", "snrh"],
         "source: unknown source 'snrh' (known: snhr, sy-moi, monitor-b)"),
        (["changes", "--recorded-by", "dsk"], "actor: unknown actor 'dsk' (known: "),
        (["reports", INCIDENT, "--source", "snrh"], "source: unknown source 'snrh'"),
        (["timeline", INCIDENT, "--metric", "killed", "--until", "2025-03-12"],
         "--until: is for the chart: give --plot FILE.png too"),
        (["reports", INCIDENT, "--metric", "kiled"], "metric: unknown metric term 'kiled'"),
        (["changes", "--since", "2025-03-10", "--until", "2025-03-09"],
         "--since: must not be after --until: 2025-03-10 is after 2025-03-09"),
        (["report", INCIDENT, "--source", "snhr", "--metric", "killed", "--group", "kids",
          "--figure", "3", "--reported-at", "2025-03-09T10:00Z"],
         ("group: unknown group term 'kids' (known: all, civilians, combatants, children, women, "
         "men, security_forces, armed_groups); to add it: ledger term add group kids "
         "--parent PARENT")),
        (["report", INCIDENT, "--source", "snhr", "--metric", "evacuated", "--figure", "3",
          "--reported-at", "2025-03-09T10:00Z"],
         "to add it: ledger term add metric evacuated\n"),
    ],
)  # fmt: skip
def test_typos_exit_1_naming_the_field_and_the_known_values(
    db: Path, argv: list[str], message: str
) -> None:
    run = Run("--db", db, *argv)
    assert run.code == 1
    assert run.out == ""
    assert run.err.startswith("ledger: error: ")
    assert message in run.err


# Following the changes (item 10).


def test_changes_follow_prints_json_lines_as_any_writer_records(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    import syria_coast_2025 as story  # noqa: PLC0415

    db = tmp_path / "week.db"
    clock = story.DeskClock()
    with Ledger.open(db, actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
    out = io.StringIO()
    argv = ["--db", str(db), "changes", "--since", "2025-03-10", "--follow", "--source", "snhr",
            "--poll-interval", "0.05", "--idle-timeout", "2"]  # fmt: skip
    follower = threading.Thread(target=main, args=(argv,), kwargs={"stdout": out})
    follower.start()
    deadline = time.monotonic() + 30
    while '"corrected"' not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)  # wait for the window's changes before writing a new one
    with Ledger.open(db, actor="night-desk") as writer:
        writer.revise_report("snhr-killed-all-all", figure="at least 800",
                             reported_at=dt.datetime(2025, 3, 11, 10, tzinfo=dt.UTC))  # fmt: skip
        writer.retract_report("moi-captured-security_forces",
                              reported_at=dt.datetime(2025, 3, 11, 11, tzinfo=dt.UTC))  # fmt: skip
    follower.join(timeout=60)
    assert not follower.is_alive()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    # The window's change first, then the new one; the ministry's is filtered out by --source.
    assert [(c["change"], c["actor"]) for c in lines] == [
        ("corrected", "copy-desk"),
        ("revised", "night-desk"),
    ]
    assert lines[1]["after"] == "at least 800"
    assert list(lines[1]) == [f.name for f in attrs.fields(ChangeRow)]
