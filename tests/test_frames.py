"""Frames (ledger.frames): the CSV's rows as dicts, Arrow, pandas, polars, DuckDB, Parquet, the
panel, and how answers show themselves in a notebook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import (
    Frame,
    History,
    Ledger,
    MissingDependencyError,
    Provenance,
    ValidationError,
    frame,
)
from ledger.cli import main
from ledger.testing import Step, build_ledger
from tests.strategies import histories

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "syria-coast-2025-03"
sys.path.insert(0, str(ROOT / "examples"))
import syria_coast_2025 as story  # noqa: E402


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed story on the desk's clock, as tests/test_cli.py records it."""
    path = tmp_path_factory.mktemp("seed") / "story.db"
    clock = story.DeskClock()
    with Ledger.open(path, actor="data-desk", clock=clock) as ledger:
        story.record_saturday(ledger)
        story.record_later_changes(ledger, clock)
    return path


@pytest.fixture
def seed(seed_db: Path) -> Any:
    with Ledger.open(seed_db) as ledger:
        yield ledger


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def as_csv_text(value: object) -> str:
    """A value as docs/cli.md says CSV writes it, written out again here, independently."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


# Which CLI command gives the CSV of which answer.
CASES: dict[str, tuple[list[str], Callable[[Ledger], Any]]] = {
    "tally": (["tally", INCIDENT], lambda ld: ld.tally(INCIDENT)),
    "tally as of Saturday, known then": (
        ["tally", INCIDENT, "--as-of", "2025-03-08", "--known-at", "2025-03-08"],
        lambda ld: ld.tally(INCIDENT, as_of=dt.date(2025, 3, 8), known_at=dt.date(2025, 3, 8)),
    ),
    "timeline": (
        ["timeline", INCIDENT, "--metric", "killed"],
        lambda ld: ld.timeline(INCIDENT, metric="killed"),
    ),
    "timeline of a retracted figure": (
        ["timeline", INCIDENT, "--metric", "missing", "--group", "security_forces", "--by",
         "loyalists"],
        lambda ld: ld.timeline(
            INCIDENT, metric="missing", group="security_forces", by="loyalists"
        ),
    ),
    "history": (
        ["history", "snhr-killed-children-government_forces"],
        lambda ld: ld.history("snhr-killed-children-government_forces"),
    ),
    "changes": (["changes"], lambda ld: ld.changes()),
    "show": (["show", "snhr-killed-all-all"], lambda ld: ld.report("snhr-killed-all-all")),
    "incidents": (["incidents"], lambda ld: "incidents"),
    "sources": (["sources"], lambda ld: "sources"),
    "terms": (["terms"], lambda ld: "terms"),
    "reports": (["reports", INCIDENT], lambda ld: "reports"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_flat_rows_are_the_rows_of_the_csv(case: str, seed_db: Path, seed: Ledger) -> None:
    argv, answer = CASES[case]
    code, out, err = run("--db", seed_db, *argv, "--format", "csv")
    assert code == 0, err
    header, expected = csv_rows(out)
    found = frame(seed, answer(seed), incident=INCIDENT if case == "reports" else None)
    assert list(found.columns) == header
    assert len(found) == len(expected) > 0
    assert [{k: as_csv_text(v) for k, v in row.items()} for row in found.rows] == expected


def test_every_list_of_the_command_line_is_a_frame(seed: Ledger) -> None:
    assert len(frame(seed, "terms", dimension="metric")) < len(frame(seed, "terms"))
    every = frame(seed, "reports")
    assert every.title is None
    assert {r["report_id"] for r in every} == {r.report_id for r in seed.reports()}
    assert frame(seed, "incidents").rows[0]["places"] == ["latakia", "tartous", "hama"]


def test_a_correction_keeps_its_fields_as_a_list_of_dicts(seed: Ledger) -> None:
    rows = frame(seed, seed.history("snhr-killed-children-government_forces")).rows
    corrected = [r for r in rows if r["change"] == "corrected"]
    assert corrected[0]["fields"] == [{"field": "figure", "before": "17", "after": "7"}]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=histories(), data=st.data())
def test_flat_rows_of_any_tally_and_changes_are_their_csv_rows(
    steps: list[Step], data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("csv") / "ledger.db"
    with build_ledger(steps, store=path) as ledger:
        incident = data.draw(st.sampled_from([i.incident for i in ledger.incidents()]))
        tally = ledger.tally(incident)
        rows = frame(ledger, tally).rows
    code, out, err = run("--db", path, "tally", incident, "--format", "csv")
    assert code == 0, err
    assert [{k: as_csv_text(v) for k, v in row.items()} for row in rows] == csv_rows(out)[1]
    with Ledger.open(path) as ledger:
        changes = frame(ledger, ledger.changes()).rows
    code, out, err = run("--db", path, "changes", "--format", "csv")
    assert code == 0, err
    assert [{k: as_csv_text(v) for k, v in row.items()} for row in changes] == csv_rows(out)[1]


# Arrow, pandas, polars, DuckDB and Parquet.


@pytest.fixture
def open_bound() -> Ledger:
    """A tally with an open upper bound, a range, a best estimate and a null period."""
    ledger = Ledger.in_memory(actor="t")
    ledger.open_incident("inc", title="An incident")
    ledger.register_source("a", name="A", kind="monitor")
    ledger.register_source("b", name="B", kind="ngo")
    at = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
    ledger.file_report("inc", source="a", metric="killed", figure="at least 311", reported_at=at)
    ledger.file_report("inc", source="b", metric="killed", figure="12 (10-15)", reported_at=at)
    return ledger


def test_arrow_schema_is_nullable_exactly_where_the_field_may_be_null(open_bound: Ledger) -> None:
    schema = pa.schema(frame(open_bound, open_bound.tally("inc")).arrow_schema())
    assert schema.field("low").type == pa.int64()
    assert not schema.field("low").nullable
    assert schema.field("high").nullable
    assert schema.field("reported_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("period_start").type == pa.date32()
    assert schema.metadata == {b"ledger.schema": b"ledger.tally/2"}
    changes = pa.schema(frame(open_bound, open_bound.changes()).arrow_schema())
    assert changes.field("fields").type == pa.list_(
        pa.struct(
            [
                pa.field("field", pa.string(), nullable=False),
                pa.field("before", pa.string()),
                pa.field("after", pa.string()),
            ]
        )
    )


def test_pyarrow_reads_the_stream_and_gives_back_the_rows(open_bound: Ledger) -> None:
    found = frame(open_bound, open_bound.tally("inc"))
    table = pa.table(found)  # through __arrow_c_stream__
    assert table.to_pylist() == list(found.rows)
    assert pa.RecordBatchReader.from_stream(found).read_all().equals(table)


def test_polars_takes_the_frame_as_it_is(open_bound: Ledger) -> None:
    found = frame(open_bound, open_bound.tally("inc"))
    df = pl.DataFrame(found)
    assert df.schema["high"] == pl.Int64
    assert df.schema["reported_at"] == pl.Datetime("us", "UTC")
    assert df["high"].to_list() == [None, 15]
    assert df.to_dicts() == list(found.rows)
    assert found.to_polars().equals(df)


def test_pandas_columns_are_nullable_and_times_zoned(open_bound: Ledger) -> None:
    df = frame(open_bound, open_bound.tally("inc")).to_pandas()
    assert str(df["high"].dtype) == "Int64"
    assert df["high"].isna().tolist() == [True, False]
    assert df["high"].iloc[1] == 15
    assert str(df["best"].dtype) == "Int64"
    assert df["best"].tolist()[1] == 12
    assert isinstance(df["reported_at"].dtype, pd.DatetimeTZDtype)
    assert str(df["reported_at"].dt.tz) == "UTC"
    assert df["reported_at"].iloc[0] == pd.Timestamp("2025-03-08 14:00", tz="UTC")
    assert isinstance(df["source"].dtype, pd.StringDtype)
    assert df["period_start"].isna().all()
    timeline = frame(open_bound, open_bound.timeline("inc", metric="killed")).to_pandas()
    assert str(timeline["corrected"].dtype) == "boolean"


def test_duckdb_queries_the_frame_by_name(open_bound: Ledger) -> None:
    tally = frame(open_bound, open_bound.tally("inc"))
    assert tally.__arrow_c_stream__() is not None
    relation = duckdb.sql("select source, high from tally order by source")
    assert relation is not None
    found = relation.fetchall()
    assert found == [("a", None), ("b", 15)]


def test_parquet_from_the_command_line_holds_the_frame(seed_db: Path, seed: Ledger) -> None:
    path = seed_db.parent / "tally.parquet"
    code, out, err = run("--db", seed_db, "tally", INCIDENT, "--format", "parquet",
                         "--output", path)  # fmt: skip
    assert (code, out, err) == (0, "", f"wrote {path}\n")
    table = pq.read_table(path)
    assert table.to_pylist() == list(frame(seed, seed.tally(INCIDENT)).rows)
    assert table.schema.metadata[b"ledger.schema"] == b"ledger.tally/2"
    assert table.schema.field("high").nullable


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", INCIDENT, "--from-known-at", "2025-03-08"],
        ["changes", "--since", "2025-03-09"],
        ["incidents"],
        ["show", "snhr-killed-all-all"],
    ],
)
def test_every_query_with_csv_writes_parquet(argv: list[str], seed_db: Path) -> None:
    path = seed_db.parent / f"{argv[0]}.parquet"
    code, _, err = run("--db", seed_db, *argv, "--format", "csv")
    assert code == 0, err
    _, expected = csv_rows(run("--db", seed_db, *argv, "--format", "csv")[1])
    assert run("--db", seed_db, *argv, "--format", "parquet", "--output", path)[0] == 0
    rows = pq.read_table(path).to_pylist()
    assert [{k: as_csv_text(v) for k, v in row.items()} for row in rows] == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "parquet"], "--output: is needed"),
        (["--format", "csv", "--output", "x.parquet"], "--output: is for --format parquet"),
        (["--format", "parquet", "--output", "no/such/dir/x.parquet"], "cannot be written"),
    ],
)
def test_parquet_options_that_do_not_fit_are_refused(
    argv: list[str], message: str, seed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("--db", seed_db, "tally", INCIDENT, *argv)
    assert code == 1
    assert message in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_following_changes_refuses_parquet(seed_db: Path, tmp_path: Path) -> None:
    code, _, err = run("--db", seed_db, "changes", "--follow", "--format", "parquet",
                       "--output", tmp_path / "x.parquet")  # fmt: skip
    assert code == 1
    assert "--follow" in err


def test_a_missing_extra_is_named(open_bound: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    found = frame(open_bound, open_bound.tally("inc"))
    for module, extra, call in [
        ("pyarrow", "frames", found.to_arrow),
        ("pandas", "pandas", found.to_pandas),
        ("polars", "polars", found.to_polars),
    ]:
        with monkeypatch.context() as m:
            m.setitem(sys.modules, module, None)
            with pytest.raises(MissingDependencyError) as caught:
                call()
            assert caught.value.extra == extra
    assert len(found.rows) == 2  # the rows themselves need no extra


def test_import_ledger_and_a_tally_load_no_frame_library() -> None:
    script = (
        "import sys, datetime as dt, ledger\n"
        "book = ledger.Ledger.in_memory(actor='t')\n"
        "book.open_incident('i', title='t')\n"
        "book.register_source('s', name='S', kind='monitor')\n"
        "book.file_report('i', source='s', metric='killed', figure='3',\n"
        "                 reported_at=dt.datetime(2025, 3, 8, tzinfo=dt.UTC))\n"
        "repr(book.tally('i')); book.tally('i')._repr_html_()\n"
        "print(sorted(m for m in ('pandas', 'polars', 'pyarrow', 'numpy') if m in sys.modules))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_frame_refuses_what_is_not_an_answer(open_bound: Ledger) -> None:
    with pytest.raises(ValidationError) as caught:
        frame(open_bound, 42)  # type: ignore[arg-type]
    assert caught.value.field == "answer"
    with pytest.raises(ValidationError):
        frame(open_bound, "everything")
    with pytest.raises(ValidationError) as caught:
        frame(open_bound, "terms", dimension="colour")
    assert caught.value.field == "dimension"
    assert len(frame(open_bound, History())) == 0


# In a notebook.


HOSTILE = '<script>alert("x")</script> & <b>'


@pytest.fixture
def hostile() -> Ledger:
    ledger = Ledger.in_memory(actor="t")
    ledger.open_incident("inc", title=HOSTILE)
    ledger.register_source("a", name=HOSTILE, kind="monitor")
    at = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)
    report = ledger.file_report(
        "inc", source="a", metric="killed", figure="at least 3", reported_at=at,
        provenance=Provenance(quote=HOSTILE, via=HOSTILE),
    )  # fmt: skip
    ledger.correct_report(report, figure="at least 4", reason=HOSTILE)
    return ledger


def _shows_as_text(page: str) -> None:
    assert "<script>" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in page


def test_html_escapes_what_sources_and_desks_wrote(hostile: Ledger) -> None:
    pages = {
        "tally": hostile.tally("inc")._repr_html_(),
        "timeline": hostile.timeline("inc", metric="killed")._repr_html_(),
        "history": hostile.changes()._repr_html_(),
        "frame": frame(hostile, hostile.tally("inc"))._repr_html_(),
        "sources": frame(hostile, "sources")._repr_html_(),
    }
    for page in pages.values():
        _shows_as_text(page)
    assert "<table" in pages["tally"]
    assert "at least 4" in pages["history"]


def test_html_shows_every_answer_as_a_table(seed: Ledger) -> None:
    tally = seed.tally(INCIDENT)._repr_html_()
    assert tally.count("<table") == 3  # entries, across sources, parts checks
    assert "fit inside" in tally
    timeline = seed.timeline(INCIDENT, metric="killed")._repr_html_()
    assert timeline.count("<tr>") == 1 + 3  # a header and a row per point
    empty = seed.timeline(INCIDENT, metric="injured")._repr_html_()
    assert "No figures for this key." in empty
    assert "No changes." in History()._repr_html_()


def test_html_of_a_long_answer_shows_its_first_rows(open_bound: Ledger) -> None:
    at = dt.datetime(2025, 3, 9, tzinfo=dt.UTC)
    for n in range(70):
        open_bound.register_source(f"s{n:02}", name=f"S{n}", kind="monitor")
        open_bound.file_report("inc", source=f"s{n:02}", metric="killed", figure=str(n),
                               reported_at=at)  # fmt: skip
    page = open_bound.tally("inc")._repr_html_()
    assert "12 more rows not shown (72 in all)" in page


def test_reprs_are_one_short_line(open_bound: Ledger, seed: Ledger) -> None:
    at = dt.datetime(2025, 3, 9, tzinfo=dt.UTC)
    for n in range(40):
        open_bound.register_source(f"s{n:02}", name=f"S{n}", kind="monitor")
        quote = Provenance(quote="words " * 50)
        open_bound.file_report("inc", source=f"s{n:02}", metric="killed", figure=str(n),
                               reported_at=at, provenance=quote)  # fmt: skip
    answers = [
        open_bound.tally("inc"),
        open_bound.timeline("inc", metric="killed"),
        open_bound.changes(),
        frame(open_bound, open_bound.tally("inc")),
        seed.tally(INCIDENT, as_of=dt.date(2025, 3, 8), occurred_by=dt.date(2025, 3, 8)),
    ]
    for answer in answers:
        text = repr(answer)
        assert "\n" not in text
        assert len(text) < 220, text
    assert repr(open_bound.tally("inc")) == (
        "<Tally of 'inc' as of now, known at now: 42 entries from 42 sources; 1 key across "
        "sources (1 in conflict); 0 parts checks (0 failing)>"
    )
    assert repr(History()) == "<History: no changes>"
    assert repr(seed.timeline(INCIDENT, metric="killed")) == (
        "<Timeline of 'syria-coast-2025-03' killed/all/all/all, known at now: 3 points from 2 "
        "sources, 2025-03-08T14:00:00+00:00 to 2025-03-09T10:00:00+00:00>"
    )


def test_history_is_still_a_list(seed: Ledger) -> None:
    history = seed.history("snhr-killed-all-all")
    assert isinstance(history, list)
    assert history == list(history)
    assert [e.change for e in history] == ["filed", "revised"]


def test_frames_compare_by_their_content(open_bound: Ledger) -> None:
    a = frame(open_bound, open_bound.tally("inc"))
    b = frame(open_bound, open_bound.tally("inc"))
    assert a == b
    assert a != frame(open_bound, "sources")
    assert isinstance(a, Frame)
    assert list(a) == list(a.rows)


def test_parquet_without_pyarrow_names_the_extra(seed_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "t.parquet"
    script = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from ledger.cli import main\n"
        f"sys.exit(main(['--db', {str(seed_db)!r}, 'tally', {INCIDENT!r}, '--format', "
        f"'parquet', '--output', {str(target)!r}]))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert found.returncode == 1
    assert "pip install 'incident-ledger[frames]'" in found.stderr
    assert "Traceback" not in found.stderr
    assert not target.exists()
