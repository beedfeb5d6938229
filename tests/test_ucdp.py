"""UCDP GED import: the real 19.1 extract, a second release derived from it, both clocks."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Figure, Ledger, LineError
from ledger.formats.ucdp import import_ucdp
from ledger.taxonomy import Dimension

FIXTURE = Path(__file__).parent / "fixtures" / "ucdp" / "ged191.csv.gz"
A_DAY, B_DAY = dt.date(2019, 6, 1), dt.date(2020, 6, 1)
#: When the ledger learned of each release: the recorded clock.
A_KNOWN, B_KNOWN = (
    dt.datetime(2019, 6, 10, tzinfo=dt.UTC),
    dt.datetime(2020, 6, 10, tzinfo=dt.UTC),
)


class Clock:
    """The ledger's clock, set by the test: each import is recorded when the test says."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _rows() -> tuple[list[str], list[dict[str, str]]]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or ()), list(reader)


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


Releases = tuple[Ledger, dict[str, Any]]
CHANGED, DROPPED, NEW = "73906", "73858", "900000001"


def _release_b(tmp_path: Path) -> Path:
    """Release B, derived from A as a later release would differ: 73906 revised (best 2,
    high 4, two civilians), 73858 dropped, one event added; the later releases' columns
    (`iso3`) and their date format (`2013-12-13 00:00:00.000`)."""
    columns, rows = _rows()
    b_rows = []
    for a_row in rows:
        if a_row["id"] == DROPPED:
            continue
        row = dict(a_row, iso3="BGD" if a_row["country"] == "Bangladesh" else "MMR")
        row["date_start"] += " 00:00:00.000"
        row["date_end"] += " 00:00:00.000"
        if row["id"] == CHANGED:
            row.update(best="2", high="4", deaths_civilians="2")
        b_rows.append(row)
    new = dict(b_rows[0], id=NEW, best="7", low="6", high="9", deaths_a="7", deaths_b="0")
    new.update(deaths_civilians="0", deaths_unknown="0")
    b_rows.append(new)
    return _write(tmp_path / "ged201.csv", [*columns, "iso3"], b_rows)


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Releases]:
    tmp = tmp_path_factory.mktemp("ucdp")
    clock = Clock(A_KNOWN)
    ledger = Ledger.open(tmp / "ucdp.db", clock=clock, durable=False)
    a = import_ucdp(ledger, FIXTURE, release="19.1", released_on=A_DAY)
    clock.now = B_KNOWN
    b = import_ucdp(ledger, _release_b(tmp), release="20.1", released_on=B_DAY)
    yield ledger, {"a": a, "b": b, "tmp": tmp}
    ledger.close()


def test_the_real_release_gives_each_event_its_figures(two_releases: Releases) -> None:
    ledger, runs = two_releases
    a = runs["a"]
    assert a.records == 3194
    assert a.opened == 3194
    # Each event: its total, side A, civilians and unknown (one-sided) or side B too.
    assert a.filed == sum(4 if r["type_of_violence"] == "3" else 5 for r in _rows()[1])
    tally = ledger.tally("ucdp-ged-73906", as_of=A_DAY)
    whole = next(e for e in tally.entries if e.key.group == "all")
    assert (whole.figure.best, whole.figure.low, whole.figure.high) == (0, 0, 3)
    assert str(whole.figure) == "0 (0-3)"
    assert whole.period.start == whole.period.end == dt.date(2003, 11, 14)
    assert whole.key.place == "chittagong-division"
    assert whole.key.by == "jss-sb"  # one-sided violence: side A did it
    kept = json.loads(whole.provenance.notes or "")
    assert kept["number_of_sources"] is None  # UCDP's -1, "missing"
    assert (kept["where_prec"], kept["date_prec"], kept["event_clarity"]) == (4, 1, 1)
    assert kept["release"] == "19.1"
    assert kept["adm_1"] == "Chittagong Division"


def test_the_ap_story_split_into_two_events_does_not_make_its_headline(
    two_releases: Releases,
) -> None:
    ledger, _ = two_releases
    totals: dict[str, int | None] = {}
    for event, district in (("73857", "khagrachhari-district"), ("73858", "rangamati-district")):
        tally = ledger.tally(f"ucdp-ged-{event}", as_of=A_DAY)
        by_group = {e.key.group: e for e in tally.entries}
        assert str(by_group["all"].figure) == "5"
        assert str(by_group["civilians"].figure) == "5"
        assert by_group["all"].key.place == district
        assert "11 Killed" in (by_group["all"].provenance.citation or "")
        assert all(check.consistent for check in tally.checks)
        totals[event] = by_group["all"].figure.best
    # Two incidents, never summed into one: 5 + 5 is the split, not the AP's 11.
    assert totals == {"73857": 5, "73858": 5}  # 10 in all
    place = Dimension.PLACE
    assert ledger.taxonomy.parent(place, "khagrachhari-district") == "chittagong-division"
    assert ledger.taxonomy.parent(place, "chittagong-division") == "bangladesh"


def test_a_best_outside_its_own_bounds_is_kept_and_the_bounds_widened(
    two_releases: Releases,
) -> None:
    ledger, _ = two_releases
    whole = next(
        e for e in ledger.tally("ucdp-ged-71686", as_of=A_DAY).entries if e.key.group == "all"
    )
    assert (whole.figure.best, whole.figure.low, whole.figure.high) == (3, 0, 3)
    kept = json.loads(whole.provenance.notes or "")
    assert (kept["released_low"], kept["released_high"]) == (0, 0)


def test_the_second_release_revises_retracts_and_files(two_releases: Releases) -> None:
    _, runs = two_releases
    b = runs["b"]
    # 73906: its total and its civilians changed; 73858 dropped (4 reports); one new event.
    assert (b.revised, b.retracted, b.opened) == (2, 4, 1)
    assert b.filed == _claims_of_first()
    assert (
        b.unchanged
        == sum(4 if r["type_of_violence"] == "3" else 5 for r in _rows()[1] if r["id"] != DROPPED)
        - 2
    )


def _claims_of_first() -> int:
    """The new event copies the file's first: its total and its four parts, or three where
    side B is "Civilians" (one-sided violence)."""
    return 4 if _rows()[1][0]["type_of_violence"] == "3" else 5


def test_what_release_b_changed_is_one_query(two_releases: Releases) -> None:
    ledger, _ = two_releases
    changes = ledger.changes(clock="reported", since=B_DAY, until=B_DAY, source="ucdp-ged")
    kinds = {(c.report_id, c.change) for c in changes}
    assert ("ucdp-ged-73906.all", "revised") in kinds
    assert ("ucdp-ged-73906.civilians", "revised") in kinds
    assert ("ucdp-ged-73858.all", "retracted") in kinds
    assert (f"ucdp-ged-{NEW}.all", "filed") in kinds
    assert all(c.reported_at.date() == B_DAY for c in changes)
    assert len(changes) == 2 + 4 + _claims_of_first()


def test_both_clocks(two_releases: Releases) -> None:
    ledger, _ = two_releases

    def whole(incident: str, **cut: dt.date | dt.datetime) -> Figure | None:
        tally = ledger.tally(incident, **cut)
        found = [e.figure for e in tally.entries if e.key.group == "all"]
        return found[0] if found else None

    # What UCDP said in release A, as known now; and now (release B).
    assert str(whole("ucdp-ged-73906", as_of=A_DAY)) == "0 (0-3)"
    assert str(whole("ucdp-ged-73906")) == "2 (0-4)"
    # Before B was imported the ledger knew only A, even "as of now".
    assert str(whole("ucdp-ged-73906", known_at=B_KNOWN - dt.timedelta(days=1))) == "0 (0-3)"
    # The dropped event: standing in A, withdrawn in B.
    assert str(whole("ucdp-ged-73858", as_of=A_DAY)) == "5"
    assert whole("ucdp-ged-73858") is None
    assert str(whole("ucdp-ged-73858", known_at=B_KNOWN - dt.timedelta(days=1))) == "5"
    # The new event did not exist as of A.
    assert whole(f"ucdp-ged-{NEW}", as_of=A_DAY) is None
    assert str(whole(f"ucdp-ged-{NEW}")) == "7 (6-9)"
    diff = Ledger.diff(
        ledger.tally("ucdp-ged-73906", as_of=A_DAY), ledger.tally("ucdp-ged-73906", as_of=B_DAY)
    )
    assert {after.key.group for _, after in diff.changed} == {"all", "civilians"}


def test_importing_a_release_again_appends_nothing(two_releases: Releases) -> None:
    ledger, runs = two_releases
    head = ledger.store.head().position
    again = import_ucdp(ledger, runs["tmp"] / "ged201.csv", release="20.1", released_on=B_DAY)
    assert again.positions == range(0)
    assert (again.filed, again.revised, again.retracted) == (0, 0, 0)
    assert ledger.store.head().position == head


# Small releases, for the laws and the errors.

HEADER = (
    "id,type_of_violence,side_a,gwnoa,side_b,gwnob,dyad_name,country,adm_1,adm_2,"
    "where_coordinates,where_prec,date_prec,event_clarity,number_of_sources,source_article,"
    "date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,low,best,high"
)


def _line(
    event: int, deaths: tuple[int, int, int, int], *, spread: int = 0, day: str = "2018-03-01"
) -> str:
    best = sum(deaths)
    a, b, c, u = deaths
    return (
        f"{event},1,Government of X,999,Rebels,,Government of X - Rebels,Xland,North,,"
        f"Town {event % 3},3,1,1,-1,story,{day},{day},{a},{b},{c},{u},{best},{best},{best + spread}"
    )


def _csv(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


_deaths = st.tuples(*[st.integers(0, 20)] * 4)
_release = st.dictionaries(st.integers(1, 40), st.tuples(_deaths, st.integers(0, 5)), max_size=8)


@given(a=_release, b=_release)
def test_after_any_two_releases_the_ledger_says_what_the_latest_says(
    a: dict[int, tuple[tuple[int, int, int, int], int]],
    b: dict[int, tuple[tuple[int, int, int, int], int]],
) -> None:
    """Law: importing A then B leaves, as of B, exactly B's figures (dropped events gone);
    as of A, exactly A's; and B again appends nothing."""
    clock = Clock(A_KNOWN)
    ledger = Ledger.in_memory(clock=clock)
    for day, release in ((A_DAY, a), (B_DAY, b)):
        clock.now = A_KNOWN if day == A_DAY else B_KNOWN
        data = _csv([_line(e, d, spread=s) for e, (d, s) in sorted(release.items())])
        import_ucdp(ledger, io.BytesIO(data), release=str(day), released_on=day)
    head = ledger.store.head().position
    data = _csv([_line(e, d, spread=s) for e, (d, s) in sorted(b.items())])
    import_ucdp(ledger, io.BytesIO(data), release="again", released_on=B_DAY)
    assert ledger.store.head().position == head
    for day, release in ((A_DAY, a), (B_DAY, b)):
        for event in set(a) | set(b):
            incident = f"ucdp-ged-{event}"
            figures = {e.key.group: e.figure for e in ledger.tally(incident, as_of=day).entries}
            if event not in release:
                assert figures == {}
                continue
            deaths, spread = release[event]
            best = sum(deaths)
            assert figures["all"] == Figure.estimate(best=best, low=best, high=best + spread)
            assert [
                figures[g].best for g in ("government-of-x", "rebels", "civilians", "unknown")
            ] == list(deaths)


def test_an_event_that_returns_is_filed_afresh() -> None:
    clock = Clock(A_KNOWN)
    ledger = Ledger.in_memory(clock=clock)
    one = _csv([_line(1, (1, 0, 0, 0))])
    import_ucdp(ledger, io.BytesIO(one), release="a", released_on=A_DAY)
    clock.now = B_KNOWN
    import_ucdp(ledger, io.BytesIO(_csv([])), release="b", released_on=B_DAY)
    clock.now = B_KNOWN + dt.timedelta(days=365)
    import_ucdp(ledger, io.BytesIO(one), release="c", released_on=dt.date(2021, 6, 1))
    ids = sorted(r.report_id for r in ledger.reports("ucdp-ged-1") if r.group == "all")
    assert ids == ["ucdp-ged-1.all", "ucdp-ged-1.all.2"]
    assert str(ledger.tally("ucdp-ged-1").entries[0].figure) == "1"
    assert ledger.tally("ucdp-ged-1", as_of=B_DAY).entries == ()


def test_an_extract_retracts_nothing_it_lacks() -> None:
    ledger = Ledger.in_memory()
    import_ucdp(ledger, io.BytesIO(_csv([_line(1, (1, 0, 0, 0))])), release="a", released_on=A_DAY)
    summary = import_ucdp(
        ledger,
        io.BytesIO(_csv([_line(2, (1, 0, 0, 0))])),
        release="a",
        released_on=A_DAY,
        complete=False,
    )
    assert summary.retracted == 0
    assert ledger.tally("ucdp-ged-1").entries


def test_candidate_events_are_their_own_source() -> None:
    ledger = Ledger.in_memory()
    import_ucdp(ledger, io.BytesIO(_csv([_line(1, (1, 0, 0, 0))])), release="25.0.1",
                released_on=A_DAY, dataset="candidate")  # fmt: skip
    assert [r.source for r in ledger.reports("ucdp-candidate-1")] == ["ucdp-candidate"] * 5


@pytest.mark.parametrize(
    ("data", "line", "field", "words"),
    [
        (_csv([_line(1, (1, 0, 0, 0), day="2018-13-01")]), 2, "date_start", "column 17"),
        (_csv([_line(1, (1, 0, 0, 0), day="1 March 2018")]), 2, "date_start", "not a date"),
        (_csv([_line(1, (1, 0, 0, 0))[: -len(",1,1,1")] + ",x,1,1"]), 2, "low", "not a count"),
        (
            _csv([_line(1, (1, 0, 0, 0)), _line(1, (1, 0, 0, 0))]),
            3,
            "id",
            "repeats the record on line 2",
        ),
        (b"id,best\n1,2\n", 1, "date_start", "lacks the columns"),
        (_csv([_line(1, (1, 0, 0, 0)) + ',"unclosed']), 2, None, "never closed"),
        (_csv([_line(1, (1, 0, 0, 0)).replace("story", '"sto"ry')]), 2, None, "not valid CSV"),
        (_csv([_line(1, (1, 0, 0, 0))]).replace(b"story", b"caf\xe9"), 2, None, "not UTF-8"),
        (b"", 1, None, "empty"),
        (
            _csv(
                [_line(1, (1, 0, 0, 0)).replace("2018-03-01,2018-03-01", "2018-03-02,2018-03-01")]
            ),
            2,
            "date_end",
            "before date_start",
        ),
    ],
)
def test_a_malformed_release_names_its_line_and_column_and_writes_nothing(
    data: bytes, line: int, field: str | None, words: str
) -> None:
    ledger = Ledger.in_memory()
    good = _csv([_line(7, (1, 0, 0, 0))])
    import_ucdp(ledger, io.BytesIO(good), release="a", released_on=A_DAY)
    head = ledger.store.head().position
    with pytest.raises(LineError) as caught:
        import_ucdp(ledger, io.BytesIO(data), release="b", released_on=B_DAY, complete=False)
    assert caught.value.line == line
    assert caught.value.field == field
    assert words in str(caught.value)
    assert ledger.store.head().position == head


def test_an_error_late_in_a_file_rolls_back_every_batch() -> None:
    ledger = Ledger.in_memory()
    lines = [_line(e, (1, 0, 0, 0)) for e in range(1, 5_101)] + ["oops" + _line(1, (1, 0, 0, 0))]
    with pytest.raises(LineError) as caught:
        import_ucdp(ledger, io.BytesIO(_csv(lines)), release="a", released_on=A_DAY)
    assert caught.value.line == 5_102
    assert ledger.store.head().position == 0
