"""incident-ledger: casualty and incident figures kept honest in an append-only, bitemporal log."""

from ledger.errors import (
    AlreadyExistsError,
    CodecError,
    ConcurrencyError,
    DuplicateEventError,
    FigureError,
    IntegrityError,
    LedgerError,
    LineError,
    MissingDependencyError,
    NotFoundError,
    ProjectionError,
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
from ledger.figures import Figure, FigureKind, Language
from ledger.interchange import ImportSummary, export_log, import_lines, restore_log
from ledger.ledger import Ledger
from ledger.log import Checkpoint
from ledger.projections.audit import FieldChange, HistoryEntry, TallyDiff
from ledger.projections.protocol import Projection, ProjectionRunner, StructuredProjection
from ledger.projections.tally import Key, PartsCheck, Span, Tally, TallyEntry
from ledger.projections.timeline import Timeline, TimelinePoint
from ledger.retry import retry_on_conflict
from ledger.state import ReportState, ReportStatus, VersionState
from ledger.stores.memory import MemoryStore
from ledger.stores.sqlite import SQLiteStore
from ledger.subscription import Subscription
from ledger.taxonomy import DEFAULT_TAXONOMY, Dimension, Taxonomy
from ledger.values import Period, Provenance, SourceKind, Verification
from ledger.verify import Digest, IntegrityProblem, IntegrityReport, ProblemKind, verify_log

__all__ = [
    "DEFAULT_TAXONOMY",
    "AlreadyExistsError",
    "Checkpoint",
    "CodecError",
    "ConcurrencyError",
    "Digest",
    "Dimension",
    "DuplicateEventError",
    "Event",
    "FieldChange",
    "Figure",
    "FigureError",
    "FigureKind",
    "HistoryEntry",
    "ImportSummary",
    "IncidentOpened",
    "IntegrityError",
    "IntegrityProblem",
    "IntegrityReport",
    "Key",
    "Language",
    "Ledger",
    "LedgerError",
    "LineError",
    "MemoryStore",
    "MissingDependencyError",
    "NotFoundError",
    "PartsCheck",
    "Period",
    "ProblemKind",
    "Projection",
    "ProjectionError",
    "ProjectionRunner",
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
    "Span",
    "StoreError",
    "StoredEvent",
    "StructuredProjection",
    "Subscription",
    "Tally",
    "TallyDiff",
    "TallyEntry",
    "Taxonomy",
    "TaxonomyExtended",
    "Timeline",
    "TimelinePoint",
    "UnknownEventTypeError",
    "UnknownIncidentError",
    "UnknownReportError",
    "UnknownSourceError",
    "UnknownTermError",
    "ValidationError",
    "Verification",
    "VersionState",
    "export_log",
    "import_lines",
    "restore_log",
    "retry_on_conflict",
    "verify_log",
]
