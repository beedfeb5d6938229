"""incident-ledger: casualty and incident figures kept honest in an append-only, bitemporal log."""

from ledger.errors import (
    AlreadyExistsError,
    CodecError,
    ConcurrencyError,
    DuplicateEventError,
    FigureError,
    IntegrityError,
    LedgerError,
    NotFoundError,
    ReportStateError,
    StoreError,
    UnknownEventTypeError,
    UnknownIncidentError,
    UnknownReportError,
    UnknownSourceError,
    UnknownTermError,
    ValidationError,
)
from ledger.events import (
    Event,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceRegistered,
    StoredEvent,
    TaxonomyExtended,
)
from ledger.figures import Figure, FigureKind
from ledger.ledger import Ledger
from ledger.retry import retry_on_conflict
from ledger.state import ReportState, ReportStatus, VersionState
from ledger.stores.memory import MemoryStore
from ledger.stores.sqlite import SQLiteStore
from ledger.taxonomy import DEFAULT_TAXONOMY, Dimension, Taxonomy
from ledger.values import Period, Provenance, SourceKind, Verification
from ledger.verify import Digest, IntegrityProblem, IntegrityReport, ProblemKind, verify_log

__all__ = [
    "DEFAULT_TAXONOMY",
    "AlreadyExistsError",
    "CodecError",
    "ConcurrencyError",
    "Digest",
    "Dimension",
    "DuplicateEventError",
    "Event",
    "Figure",
    "FigureError",
    "FigureKind",
    "IncidentOpened",
    "IntegrityError",
    "IntegrityProblem",
    "IntegrityReport",
    "Ledger",
    "LedgerError",
    "MemoryStore",
    "NotFoundError",
    "Period",
    "ProblemKind",
    "Provenance",
    "ReportCorrected",
    "ReportFiled",
    "ReportRetracted",
    "ReportRevised",
    "ReportState",
    "ReportStateError",
    "ReportStatus",
    "ReportVoided",
    "SQLiteStore",
    "SourceKind",
    "SourceRegistered",
    "StoreError",
    "StoredEvent",
    "Taxonomy",
    "TaxonomyExtended",
    "UnknownEventTypeError",
    "UnknownIncidentError",
    "UnknownReportError",
    "UnknownSourceError",
    "UnknownTermError",
    "ValidationError",
    "Verification",
    "VersionState",
    "retry_on_conflict",
    "verify_log",
]
