"""ACLED import: synthetic rows in ACLED's schema (its terms forbid redistributing real ones)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Figure, Ledger, LineError
from ledger.formats.acled import figure_of, import_acled
from ledger.taxonomy import Dimension

COLUMNS = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
)
T0 = 1_710_460_800  # 2024-03-15T00:00Z
DAY = 86_400


def row(
    event: str,
    fatalities: int,
    *,
    stamp: int = T0,
    date: str = "2024-03-14",
    event_type: str = "Battles",
    actor2: str = "Rebel Front",
) -> str:
    return (
        f"{event},{date},2024,1,Political violence,{event_type},Armed clash,"
        f"Military Forces of Xland (2020-),,1,{actor2},,2,12,,"
        f'999,Middle Africa,Xland,North,Lake District,,Port Town,1.5,2.5,1,"Radio X; Daily Y",'
        f'National,"Clashes near the port, {fatalities} reported killed.",{fatalities},,{stamp}'
    )


def export(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\n".join([COLUMNS, *rows]) + "\n").encode())


def deletions(*pairs: tuple[str, int]) -> io.BytesIO:
    lines = ["event_id_cnty,deleted_timestamp", *(f"{e},{t}" for e, t in pairs)]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def whole(ledger: Ledger, event: str, **cut: dt.datetime) -> Figure | None:
    entries = ledger.tally(f"acled-{event}", **cut).entries
    return entries[0].figure if entries else None


def test_the_fatalities_convention() -> None:
    """ACLED's number is its lowest reported; 0 is "none or no information", never 0 dead."""
    assert figure_of(0) == Figure.unknown()
    assert (figure_of(0).low, figure_of(0).high) == (0, None)
    assert figure_of(12) == Figure.at_least(12)
    assert (figure_of(12).low, figure_of(12).high, figure_of(12).stated) == (12, None, 12)


def test_a_row_becomes_an_incident_with_its_figure_place_and_provenance() -> None:
    ledger = Ledger.in_memory()
    summary = import_acled(ledger, export(row("XLD1", 3)))
    assert (summary.opened, summary.filed) == (1, 1)
    (entry,) = ledger.tally("acled-XLD1").entries
    assert str(entry.figure) == "at least 3"
    assert entry.reported_at == dt.datetime(2024, 3, 15, tzinfo=dt.UTC)
    assert entry.period.start == entry.period.end == dt.date(2024, 3, 14)
    assert entry.key.place == "port-town"
    assert entry.key.by == "military-forces-of-xland-2020-rebel-front"
    assert entry.provenance.via == "Radio X; Daily Y"
    assert entry.provenance.quote == "Clashes near the port, 3 reported killed."
    kept = json.loads(entry.provenance.notes or "")
    assert (kept["fatalities"], kept["event_type"], kept["geo_precision"]) == (3, "Battles", "1")
    assert ledger.taxonomy.parent(Dimension.PLACE, "port-town") == "lake-district"


def test_violence_against_civilians_counts_civilians_killed_by_actor1() -> None:
    ledger = Ledger.in_memory()
    import_acled(
        ledger,
        export(row("XLD2", 4, event_type="Violence against civilians", actor2="Civilians (Xland)")),
    )
    (entry,) = ledger.tally("acled-XLD2").entries
    assert (entry.key.group, entry.key.by) == ("civilians", "military-forces-of-xland-2020")
    assert ledger.taxonomy.parent(Dimension.BY, entry.key.by) == "government_forces"


def test_a_grown_export_revises_updated_rows_files_new_ones_and_skips_the_rest() -> None:
    ledger = Ledger.in_memory()
    import_acled(ledger, export(row("XLD1", 0), row("XLD2", 5)))

    def grown() -> io.BytesIO:  # read twice
        return export(
            row("XLD1", 7, stamp=T0 + 30 * DAY), row("XLD2", 5), row("XLD3", 1, stamp=T0 + DAY)
        )

    summary = import_acled(ledger, grown())
    assert (summary.filed, summary.revised, summary.unchanged) == (1, 1, 1)
    assert str(whole(ledger, "XLD1")) == "at least 7"
    assert str(whole(ledger, "XLD1", as_of=dt.datetime(2024, 3, 20, tzinfo=dt.UTC))) == "unknown"
    head = ledger.store.head().position
    again = import_acled(ledger, grown())
    assert again.positions == range(0)
    assert ledger.store.head().position == head


def test_a_row_no_newer_than_the_ledgers_changes_nothing() -> None:
    ledger = Ledger.in_memory()
    import_acled(ledger, export(row("XLD1", 7, stamp=T0 + DAY)))
    stale = import_acled(ledger, export(row("XLD1", 2, stamp=T0)))
    assert (stale.revised, stale.unchanged) == (0, 1)
    assert str(whole(ledger, "XLD1")) == "at least 7"


def test_deletions_retract_and_a_deletion_older_than_an_update_is_ignored() -> None:
    ledger = Ledger.in_memory()
    import_acled(ledger, export(row("XLD1", 2), row("XLD2", 3, stamp=T0 + 10 * DAY)))
    summary = import_acled(
        ledger, deletions=deletions(("XLD1", T0 + DAY), ("XLD2", T0 + DAY), ("ZZZ9", T0))
    )
    assert (summary.retracted, summary.ignored, summary.deletions) == (1, 2, 3)
    assert whole(ledger, "XLD1") is None
    assert (
        str(whole(ledger, "XLD1", as_of=dt.datetime(2024, 3, 15, 12, tzinfo=dt.UTC)))
        == "at least 2"
    )
    assert str(whole(ledger, "XLD2")) == "at least 3"
    again = import_acled(ledger, deletions=deletions(("XLD1", T0 + DAY)))
    assert (again.retracted, again.positions) == (0, range(0))


def test_spelled_dates_as_older_exports_write_them() -> None:
    ledger = Ledger.in_memory()
    import_acled(ledger, export(row("XLD1", 1, date="14 March 2024")))
    assert ledger.tally("acled-XLD1").entries[0].period.start == dt.date(2024, 3, 14)


_rows = st.dictionaries(
    st.sampled_from(["A1", "A2", "A3", "A4"]),
    st.tuples(st.integers(0, 50), st.integers(0, 9)),
    max_size=4,
)


@given(first=_rows, later=_rows)
def test_importing_in_any_order_ends_at_the_newest_row(
    first: dict[str, tuple[int, int]], later: dict[str, tuple[int, int]]
) -> None:
    """Law: after importing two exports, each event stands at its newest row's figure,
    whichever export came first; a third import of either appends nothing."""
    ledger = Ledger.in_memory()
    exports = [
        [row(e, n, stamp=T0 + d * DAY) for e, (n, d) in sorted(rows.items())]
        for rows in (first, later)
    ]
    for rows in exports:
        import_acled(ledger, export(*rows))
    head = ledger.store.head().position
    for rows in exports:
        import_acled(ledger, export(*rows))
    assert ledger.store.head().position == head
    for event in set(first) | set(later):
        candidates = [r[e] for r in (first, later) for e in r if e == event]
        newest = max(candidates, key=lambda c: c[1])  # the first of equal stamps stands
        standing = next(c for c in candidates if c[1] == newest[1])
        assert whole(ledger, event) == figure_of(standing[0])


@pytest.mark.parametrize(
    ("data", "line", "field"),
    [
        (export(row("XLD1", 1, date="2024-02-30")), 2, "event_date"),
        (export(row("XLD1", 1).replace(f",{T0}", ",yesterday")), 2, "timestamp"),
        (export(row("XLD1", 1).replace(",1,,", ",-1,,")), 2, "fatalities"),
        (export(row("XLD1", 1), row("XLD1", 2)), 3, "event_id_cnty"),
        (io.BytesIO(b"event_id_cnty,event_date\nX,2024-01-01\n"), 1, "fatalities"),
    ],
)
def test_a_malformed_export_names_its_line_and_column(
    data: io.BytesIO, line: int, field: str
) -> None:
    ledger = Ledger.in_memory()
    with pytest.raises(LineError) as caught:
        import_acled(ledger, data)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert ledger.store.head().position == 0
