"""HXL-tagged CSV (HDX) in and out, and the Data Package beside an export."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Figure, Ledger, LineError
from ledger.formats.hxl import export_hxl, import_hxl, tag

SHEET = """\
Event,Date reported,Occurred,Province,Group,Source,Killed,Injured,Notes
,,,,,,,,
"""
HASHTAGS = (
    "#event+id,#date+reported,#date+occurred,#adm1+name,#group,#meta+source,"
    "#affected+killed,#affected+injured,#description"
)


def sheet(*rows: str, hashtags: str = HASHTAGS) -> io.BytesIO:
    header = SHEET.splitlines()[0]
    return io.BytesIO("\n".join([header, hashtags, *rows, ""]).encode())


ROWS = (
    "quake-2025,2025-03-08,2025-03-07,Latakia,civilians,Ministry of Health,at least 40,12,first",
    "quake-2025,2025-03-09,2025-03-07,Latakia,civilians,Ministry of Health,at least 55,,second",
    "quake-2025,2025-03-09,2025-03-07,Latakia,civilians,SNHR,61,,",
)


def test_hashtags_are_read_in_any_case_and_spacing() -> None:
    assert tag("#Affected +Killed") == ("#affected", frozenset({"killed"}))
    assert tag("#fatality+num") == ("#fatality", frozenset({"num"}))
    assert tag("Killed") is None


def test_a_sheet_files_each_sources_first_row_and_revises_with_the_later() -> None:
    ledger = Ledger.in_memory()
    summary = import_hxl(ledger, sheet(*ROWS))
    assert (summary.opened, summary.filed, summary.revised) == (1, 3, 1)
    assert {s.source for s in ledger.sources()} == {"ministry-of-health", "snhr"}
    assert ledger.source("ministry-of-health").name == "Ministry of Health"
    tally = ledger.tally("quake-2025")
    figures = {(e.source, e.key.metric): str(e.figure) for e in tally.entries}
    assert figures == {
        ("ministry-of-health", "killed"): "at least 55",
        ("ministry-of-health", "injured"): "12",
        ("snhr", "killed"): "61",
    }
    entry = next(e for e in tally.entries if e.source == "snhr")
    assert (entry.key.group, entry.key.place) == ("civilians", "latakia")
    assert entry.period.start == entry.period.end == dt.date(2025, 3, 7)
    early = ledger.tally("quake-2025", as_of=dt.date(2025, 3, 8))
    assert {str(e.figure) for e in early.entries if e.key.metric == "killed"} == {"at least 40"}
    head = ledger.store.head().position
    again = import_hxl(ledger, sheet(*ROWS))
    assert again.positions == range(0)
    assert ledger.store.head().position == head


def test_fatality_num_as_hdx_files_use_it_and_the_incident_from_the_command_line() -> None:
    ledger = Ledger.in_memory()
    data = io.BytesIO(b"Date,Admin 1,Deaths\n#date,#adm1+name,#fatality+num\n2024-05-01,North,7\n")
    import_hxl(ledger, data, incident="floods-2024")
    (entry,) = ledger.tally("floods-2024").entries
    assert (str(entry.figure), entry.source, entry.key.place) == ("7", "hxl", "north")


def test_an_export_has_its_hashtag_row_and_a_data_package_naming_the_digest(tmp_path: Path) -> None:
    ledger = Ledger.in_memory()
    import_hxl(ledger, sheet(*ROWS))
    package_path = export_hxl(ledger, "quake-2025", tmp_path / "out")
    package = json.loads(package_path.read_text())
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["ledger"]["digest"] == str(ledger.digest())
    (resource,) = package["resources"]
    data = (tmp_path / "out" / resource["path"]).read_bytes()
    assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert resource["bytes"] == len(data)
    assert resource["dialect"]["commentRows"] == [2]
    header, hashtags, *rows = list(csv.reader(io.StringIO(data.decode())))
    assert [f["name"] for f in resource["schema"]["fields"]] == header
    assert [f["hxl"] for f in resource["schema"]["fields"]] == hashtags
    assert "#affected+killed" in hashtags
    assert "#date+reported" in hashtags
    assert len(rows) == 3
    killed = [dict(zip(header, r, strict=True)) for r in rows if r[header.index("Killed")]]
    assert {(r["Source"], r["Killed"], r["Killed (low)"], r["Killed (high)"]) for r in killed} == {
        ("ministry-of-health", "at least 55", "55", ""),
        ("snhr", "61", "61", "61"),
    }


_days = st.lists(
    st.tuples(st.integers(1, 28), st.integers(0, 500)),
    min_size=1,
    max_size=6,
    unique_by=lambda t: t[0],
)


@given(points=_days)
def test_a_timeline_exported_and_imported_again_is_the_same_timeline(
    points: list[tuple[int, int]],
) -> None:
    """Law: export a source's timeline as HXL, import it into an empty ledger: the same
    figures at the same times."""
    ledger = Ledger.in_memory()
    rows = [
        f"quake-2025,2025-03-{d:02d},,Latakia,civilians,SNHR,at least {n},,"
        for d, n in sorted(points)
    ]
    import_hxl(ledger, sheet(*rows))
    key: dict[str, str | None] = {"metric": "killed", "group": "civilians", "place": "latakia"}
    with tempfile.TemporaryDirectory() as folder:
        export_hxl(ledger, "quake-2025", folder, timeline=key)
        data = (Path(folder) / "quake-2025-timeline.csv").read_bytes()
    copy = Ledger.in_memory()
    import_hxl(copy, io.BytesIO(data))

    def points_of(target: Ledger) -> list[tuple[dt.datetime, Figure | None]]:
        found = target.timeline("quake-2025", metric="killed", group="civilians", place="latakia")
        return [(p.at, p.figure) for p in found.points]

    assert points_of(copy) == points_of(ledger)


@pytest.mark.parametrize(
    ("data", "line", "field", "words"),
    [
        (sheet(ROWS[0].replace("2025-03-08", "8 March")), 3, "Date reported", "not a date"),
        (sheet(ROWS[0].replace("at least 40", "forty-ish")), 3, "Killed", "column 7"),
        (sheet(ROWS[0], hashtags="#event+id,#date+reported,,,,,,,"), 2, None, "names no figure"),
        (sheet(ROWS[0], hashtags="#event+id,,,,,,#affected+killed,,"), 2, None, "#date+reported"),
        (sheet(ROWS[0].rpartition(",")[0]), 3, None, "has 8 fields"),
    ],
)
def test_a_malformed_sheet_names_its_line_and_column(
    data: io.BytesIO, line: int, field: str | None, words: str
) -> None:
    ledger = Ledger.in_memory()
    with pytest.raises(LineError) as caught:
        import_hxl(ledger, data)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert words in str(caught.value)
    assert ledger.store.head().position == 0
