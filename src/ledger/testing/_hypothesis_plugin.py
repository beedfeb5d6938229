"""Hypothesis' entry point: `st.from_type(Figure)` and friends, once the package is installed.

Hypothesis calls `_register` while it is itself being imported, so this module imports only
the strategies it registers, never `ledger.testing` as a whole.
"""

from __future__ import annotations

from hypothesis import strategies as st

from ledger.events import (
    Event,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceRegistered,
    TaxonomyExtended,
)
from ledger.figures import Figure
from ledger.testing import strategies as ls
from ledger.values import Period, Provenance


def _register() -> None:
    registered: list[tuple[type[object], st.SearchStrategy[object]]] = [
        (Figure, ls.figures),
        (Period, ls.periods()),
        (Provenance, ls.provenances),
        (IncidentOpened, ls.incidents),
        (SourceRegistered, ls.sources),
        (TaxonomyExtended, ls.taxonomy_extensions),
        (ReportFiled, ls.reports),
        (ReportRevised, ls.revisions),
        (ReportCorrected, ls.corrections),
        (ReportRetracted, ls.retractions),
        (ReportVoided, ls.voids),
        (Event, ls.events),
    ]
    for cls, strategy in registered:
        st.register_type_strategy(cls, strategy)
