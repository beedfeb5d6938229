"""The project's own tests draw from `ledger.testing`, the toolkit users get: dogfooding.

Only names kept for the project's tests live here; every strategy is the toolkit's.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ledger.testing import (
    EPOCH,
    Step,
    counts,
    dates,
    events,
    figures,
    figures_in,
    ids,
    nonblank,
    periods,
    phrased_figures,
    provenances,
    small_counts,
    small_figures,
    terms,
    texts,
    times,
    worded_figures,
)
from ledger.testing import histories as _histories
from ledger.testing.histories import INCIDENTS, SOURCES


def histories(**options: Any) -> st.SearchStrategy[list[Step]]:
    """The toolkit's histories, with at least one report (so an incident to ask about)."""
    return _histories(**{"min_reports": 1, **options})


__all__ = [
    "EPOCH",
    "INCIDENTS",
    "SOURCES",
    "Step",
    "counts",
    "dates",
    "events",
    "figures",
    "figures_in",
    "histories",
    "ids",
    "nonblank",
    "periods",
    "phrased_figures",
    "provenances",
    "small_counts",
    "small_figures",
    "terms",
    "texts",
    "times",
    "worded_figures",
]
