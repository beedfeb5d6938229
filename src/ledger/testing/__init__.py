"""Property-based testing for ledgers and users' projections, built on hypothesis.

Install with `pip install 'incident-ledger[testing]'`. See docs/testing.md.
"""

try:
    import hypothesis  # noqa: F401 - imported for the friendly error alone
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "ledger.testing needs hypothesis: pip install 'incident-ledger[testing]'"
    ) from exc

from ledger.testing._format import Step, describe, format_history
from ledger.testing.histories import (
    EPOCH,
    START,
    ManualClock,
    Mix,
    append_steps,
    build_ledger,
    event_id,
    histories,
)
from ledger.testing.invalid import InvalidCommand, invalid_commands
from ledger.testing.laws import LawViolation, check_projection_laws
from ledger.testing.machine import LedgerStateMachine
from ledger.testing.strategies import (
    corrections,
    counts,
    dates,
    events,
    figures,
    figures_in,
    groups,
    ids,
    incidents,
    metrics,
    nonblank,
    periods,
    perpetrators,
    phrased_figures,
    places,
    provenances,
    reports,
    retractions,
    revisions,
    small_counts,
    small_figures,
    source_kinds,
    sources,
    taxonomy_extensions,
    terms,
    texts,
    times,
    voids,
    worded_figures,
)

__all__ = [
    "EPOCH",
    "START",
    "InvalidCommand",
    "LawViolation",
    "LedgerStateMachine",
    "ManualClock",
    "Mix",
    "Step",
    "append_steps",
    "build_ledger",
    "check_projection_laws",
    "corrections",
    "counts",
    "dates",
    "describe",
    "event_id",
    "events",
    "figures",
    "figures_in",
    "format_history",
    "groups",
    "histories",
    "ids",
    "incidents",
    "invalid_commands",
    "metrics",
    "nonblank",
    "periods",
    "perpetrators",
    "phrased_figures",
    "places",
    "provenances",
    "reports",
    "retractions",
    "revisions",
    "small_counts",
    "small_figures",
    "source_kinds",
    "sources",
    "taxonomy_extensions",
    "terms",
    "texts",
    "times",
    "voids",
    "worded_figures",
]
