"""Names as a dataset gives them become taxonomy terms: always valid, the same every time."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import given
from hypothesis import strategies as st

from ledger import Ledger
from ledger.formats._release import slug
from ledger.formats.ucdp import import_ucdp
from ledger.taxonomy import Dimension, check_term


@given(st.text(max_size=200))
def test_every_name_slugs_to_a_valid_term(name: str) -> None:
    term = slug(name)
    assert check_term("term", term) == term
    assert slug(name) == term


def test_slugs_read_as_the_name() -> None:
    assert slug("Chittagong Division") == "chittagong-division"
    assert slug("Bhāndāria town") == "bhandaria-town"
    assert slug("Government of Myanmar (Burma)") == "government-of-myanmar-burma"
    assert slug("security_forces") == "security_forces"
    assert slug("حلب").startswith("x-")
    assert len(slug("a very long name " * 10)) <= 64


HEADER = (
    "id,side_a,side_b,country,adm_1,adm_2,date_start,date_end,"
    "deaths_a,deaths_b,deaths_civilians,deaths_unknown,low,best,high"
)


def test_two_places_of_one_name_stay_two_places() -> None:
    """A district named alike in two provinces is qualified by its parent, not merged."""
    rows = [
        "1,A,B,Xland,North,Central District,2018-01-01,2018-01-01,1,0,0,0,1,1,1",
        "2,A,B,Xland,South,Central District,2018-01-01,2018-01-01,1,0,0,0,1,1,1",
    ]
    ledger = Ledger.in_memory()
    data = io.BytesIO("\n".join([HEADER, *rows, ""]).encode())
    import_ucdp(ledger, data, release="t", released_on=dt.date(2019, 1, 1))
    north = ledger.tally("ucdp-ged-1").entries[0].key.place
    south = ledger.tally("ucdp-ged-2").entries[0].key.place
    assert (north, south) == ("central-district", "south.central-district")
    assert ledger.taxonomy.parent(Dimension.PLACE, north) == "north"
    assert ledger.taxonomy.parent(Dimension.PLACE, south) == "south"
    # The same file into another ledger gives the same terms.
    again = Ledger.in_memory()
    import_ucdp(
        again,
        io.BytesIO("\n".join([HEADER, *rows, ""]).encode()),
        release="t",
        released_on=dt.date(2019, 1, 1),
    )
    assert again.terms("place") == ledger.terms("place")
