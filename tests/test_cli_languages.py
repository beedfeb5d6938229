"""The command line takes a figure's language, and shows Arabic wording without breaking columns."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ledger import Language, Ledger
from ledger.cli import main, output


def _run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "l.db"
    assert _run("--db", path, "init")[0] == 0
    _run("--db", path, "incident", "open", "syria", "--title", "Syria coast")
    for source, kind in (("snhr", "monitor"), ("sohr", "monitor"), ("afp", "media")):
        assert _run("--db", path, "source", "add", source, "--name", source, "--kind", kind)[0] == 0
    return path


def _report(db: Path, source: str, figure: str, *extra: str) -> tuple[int, str, str]:
    return _run(
        "--db", db, "report", "syria", "--source", source, "--metric", "killed",
        "--figure", figure, "--reported-at", "2025-03-10T12:00Z", *extra,
    )  # fmt: skip


def test_report_reads_the_figure_in_the_language_given(db: Path) -> None:
    assert _report(db, "snhr", "ما لا يقل عن 1864 مدنيًّا", "--language", "ar")[0] == 0
    assert _report(db, "afp", "plus de 1.500", "--language", "fr")[0] == 0
    with Ledger.open(db) as ledger:
        figures = {e.source: e.figure for e in ledger.tally("syria").entries}
    assert (figures["snhr"].language, figures["snhr"].low) == (Language.AR, 1864)
    assert (figures["afp"].language, figures["afp"].low) == (Language.FR, 1501)
    assert str(figures["snhr"]) == "ما لا يقل عن 1864 مدنيًّا"


def test_without_a_language_a_figure_is_english_and_french_digits_are_refused(db: Path) -> None:
    code, _, err = _report(db, "afp", "1.300")
    assert code == 1
    assert "in English '1.300' reads as 1.3" in err
    with pytest.raises(SystemExit) as info:
        _report(db, "afp", "1.300", "--language", "de")
    assert info.value.code == 2


def test_json_and_csv_give_the_figure_as_text_with_its_language_and_best(db: Path) -> None:
    _report(db, "snhr", "نحو 300", "--language", "ar")
    _report(db, "afp", "12 (10-15)")
    doc = json.loads(_run("--db", db, "tally", "syria", "--format", "json")[1])
    entries = {e["source"]: e for e in doc["entries"]}
    assert entries["snhr"]["figure"] == "نحو 300"
    assert (entries["snhr"]["language"], entries["snhr"]["best"]) == ("ar", 300)
    assert (entries["afp"]["kind"], entries["afp"]["best"]) == ("estimate", 12)
    rows = list(
        csv.DictReader(io.StringIO(_run("--db", db, "tally", "syria", "--format", "csv")[1]))
    )
    snhr = next(r for r in rows if r["source"] == "snhr")
    assert (snhr["figure"], snhr["language"], snhr["best"]) == ("نحو 300", "ar", "300")
    # Isolates are for terminals only: machine formats carry the text exactly.
    assert "\u2068" not in json.dumps(doc)
    assert all("\u2068" not in r["figure"] for r in rows)


def test_the_table_keeps_its_columns_with_arabic_figures(db: Path) -> None:
    _report(db, "snhr", "ما لا يقل عن 1864 مدنيًّا", "--language", "ar")
    _report(db, "sohr", "أكثر من 1300", "--language", "ar")
    _report(db, "afp", "plus de 1.500", "--language", "fr")
    lines = _run("--db", db, "tally", "syria")[1].splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("SOURCE"))
    rows = lines[header : header + 4]
    # The REPORTED column starts at the same terminal column on every line.
    starts = {output.display_width(r[: r.index("2025-03-")]) for r in rows[1:]}
    starts.add(output.display_width(rows[0][: rows[0].index("REPORTED")]))
    assert len(starts) == 1
    arabic = [r for r in rows if "1864" in r or "1300" in r]
    assert all("\u2068" in r and "\u2069" in r for r in arabic)
    assert "\u2068" not in next(r for r in rows if "1.500" in r)


@pytest.mark.parametrize(
    ("text", "width"),
    [("abc", 3), ("مدنيًّا", 5), ("يقـــل", 6), ("\u2068x\u2069", 1), ("全", 2), ("", 0)],
)
def test_display_width_counts_terminal_columns(text: str, width: int) -> None:
    assert output.display_width(text) == width


def test_only_right_to_left_text_is_isolated() -> None:
    assert output.isolated("نحو 300") == "\u2068نحو 300\u2069"
    assert output.isolated("about 300") == "about 300"


def test_json_lines_take_a_figure_in_another_language_and_a_json_number(
    db: Path, tmp_path: Path
) -> None:
    lines = [
        {"type": "report", "incident": "syria", "source": "snhr", "metric": "killed",
         "figure": {"text": "نحو 300", "language": "ar"}, "reported_at": "2025-03-10T12:00Z"},
        {"type": "report", "incident": "syria", "source": "afp", "metric": "killed",
         "figure": 311, "reported_at": "2025-03-10T12:00Z"},
    ]  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    code, _, err = _run("--db", db, "import", path)
    assert code == 0, err
    with Ledger.open(db) as ledger:
        figures = {e.source: e.figure for e in ledger.tally("syria").entries}
    assert (figures["snhr"].language, figures["snhr"].low, figures["snhr"].high) == (
        Language.AR,
        270,
        330,
    )
    assert (str(figures["afp"]), figures["afp"].best) == ("311", 311)


def test_a_json_lines_figure_in_an_unknown_language_names_the_line(
    db: Path, tmp_path: Path
) -> None:
    line = {
        "type": "report", "incident": "syria", "source": "snhr", "metric": "killed",
        "figure": {"text": "300", "language": "xx"}, "reported_at": "2025-03-10T12:00Z",
    }  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(line) + "\n")
    code, _, err = _run("--db", db, "import", path)
    assert code == 1
    assert "line 1" in err
    assert "figure: expected a language, one of 'en', 'ar', 'fr', got 'xx'" in err
