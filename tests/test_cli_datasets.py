"""The dataset commands as a user types them: import, import again, ask, export, fail."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

from ledger.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "ucdp" / "ged191.csv.gz"


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _release_b(path: Path) -> Path:
    with gzip.open(FIXTURE, "rt", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        if row["id"] == "73906":
            row.update(best="2", high="4", deaths_civilians="2")
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in rows if r["id"] != "73858")
    return path


def test_two_ucdp_releases_and_the_questions_they_answer(tmp_path: Path) -> None:
    db = tmp_path / "ucdp.db"
    a = ("ucdp", "import", FIXTURE, "--release", "19.1", "--released-on", "2019-06-01")
    code, out, _ = run("--db", db, *a)
    assert code == 0
    assert "3194 records; 3194 incidents opened" in out
    code, out, _ = run("--db", db, *a)
    assert "0 reports filed, 0 revised, 0 retracted, 14450 unchanged; 0 events" in out
    b = _release_b(tmp_path / "ged201.csv")
    code, out, _ = run(
        "--db", db, "ucdp", "import", b, "--release", "20.1", "--released-on", "2020-06-01"
    )
    assert "2 revised, 4 retracted" in out
    since = ("--since", "2020-06-01", "--until", "2020-06-01")
    code, out, _ = run(
        "--db",
        db,
        "changes",
        "--clock",
        "reported",
        "--source",
        "ucdp-ged",
        *since,
        "--format",
        "json",
    )
    assert code == 0
    changed = {(e["report_id"], e["change"]) for e in json.loads(out)["entries"]}
    assert ("ucdp-ged-73906.all", "revised") in changed
    assert ("ucdp-ged-73858.all", "retracted") in changed
    assert len(changed) == 6
    code, out, _ = run(
        "--db", db, "tally", "ucdp-ged-73906", "--as-of", "2019-06-01", "--format", "json"
    )
    figures = {e["group"]: e["figure"] for e in json.loads(out)["entries"]}
    assert figures["all"] == "0 (0-3)"
    code, out, _ = run("--db", db, "tally", "ucdp-ged-73906", "--format", "json")
    assert {e["group"]: e["figure"] for e in json.loads(out)["entries"]}["all"] == "2 (0-4)"
    code, out, _ = run(
        "--db", db, "hxl", "export", "ucdp-ged-73906", tmp_path / "hdx", "--as-of", "2019-06-01"
    )
    assert code == 0
    package = json.loads((tmp_path / "hdx" / "datapackage.json").read_text())
    code, digest, _ = run("--db", db, "digest")
    assert package["ledger"]["digest"] in digest
    sheet = (tmp_path / "hdx" / "ucdp-ged-73906-tally.csv").read_text().splitlines()
    assert sheet[1].startswith("#event+id,")
    assert any(",0 (0-3),0,3,0," in line for line in sheet[2:])


def test_acled_and_hxl_imports_say_what_they_did(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    export = tmp_path / "acled.csv"
    export.write_text(
        "event_id_cnty,event_date,fatalities,timestamp,actor1,location\n"
        "XLD1,2024-03-14,2,1710460800,Army,Port Town\n"
    )
    deleted = tmp_path / "deleted.csv"
    deleted.write_text("event_id_cnty,deleted_timestamp\nXLD1,1710547200\n")
    code, out, _ = run("--db", db, "acled", "import", export)
    assert (code, "1 reports filed" in out) == (0, True)
    code, out, _ = run("--db", db, "acled", "import", "--deletions", deleted)
    assert "1 records" not in out
    assert "1 retracted" in out
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Date,Deaths\n#date,#fatality+num\n2024-05-01,7\n")
    code, out, _ = run("--db", db, "hxl", "import", sheet, "--incident", "floods-2024")
    assert (code, "1 incidents opened" in out) == (0, True)


def test_bad_input_is_one_line_naming_the_line_and_column(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    bad = tmp_path / "bad.csv"
    with gzip.open(FIXTURE, "rt", encoding="utf-8", newline="") as file:
        lines = file.read().splitlines(keepends=True)
    bad.write_text("".join(lines[:3]).replace("2015-05-11", "2015-05-41"))
    code, _, err = run(
        "--db", db, "ucdp", "import", bad, "--release", "x", "--released-on", "2019-06-01"
    )
    assert code == 1
    assert err.startswith("ledger: error: line 2: date_start:")
    assert "(column 34)" in err
    assert not db.exists()  # a failed import leaves no ledger behind
    code, _, err = run("--db", db, "acled", "import")
    assert (code, "give an export" in err) == (1, True)
    code, _, err = run("--db", db, "hxl", "export", "x", tmp_path, "--metric", "killed")
    assert (code, "--metric: is for a timeline" in err) == (1, True)
