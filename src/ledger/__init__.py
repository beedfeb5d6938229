"""incident-ledger: casualty and incident figures kept honest in an append-only, bitemporal log.

Every public name is listed in `__all__` and loaded on first use (PEP 562), so that a command
that needs the facade does not pay for importing the interchange formats, the verifier or
the PostgreSQL store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ledger.commands import (
        Command,
        CorrectReport,
        DeclareField,
        ExtendTaxonomy,
        FileReport,
        OpenIncident,
        RegisterSource,
        RetractReport,
        ReviseReport,
        VoidReport,
    )
    from ledger.errors import (
        AlreadyExistsError,
        ClockSkewError,
        CodecError,
        ConcurrencyError,
        DamagedLedgerError,
        DuplicateEventError,
        FigureError,
        IntegrityError,
        LedgerError,
        LineError,
        MissingDependencyError,
        NotFoundError,
        ProjectionError,
        ProofError,
        ReportStateError,
        StoreError,
        UnknownActorError,
        UnknownEventTypeError,
        UnknownFieldError,
        UnknownIncidentError,
        UnknownReportError,
        UnknownSourceError,
        UnknownTermError,
        ValidationError,
    )
    from ledger.events import (
        Event,
        FieldDeclared,
        FieldRedacted,
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
    from ledger.figures import (
        Figure,
        FigureKind,
        Language,
    )
    from ledger.formats._release import ReleaseSummary
    from ledger.formats.acled import import_acled
    from ledger.formats.hxl import export_hxl, import_hxl
    from ledger.formats.ucdp import import_ucdp
    from ledger.frames import Frame, frame
    from ledger.interchange import (
        ImportSummary,
        export_log,
        import_lines,
        restore_log,
    )
    from ledger.ledger import (
        Ledger,
    )
    from ledger.log import (
        Checkpoint,
    )
    from ledger.model import ReportState, ReportStatus, VersionState
    from ledger.panels import panel
    from ledger.projections.audit import (
        FieldChange,
        History,
        HistoryEntry,
        TallyDiff,
    )
    from ledger.projections.protocol import (
        Projection,
        ProjectionRunner,
        StructuredProjection,
    )
    from ledger.projections.tally import (
        Key,
        PartsCheck,
        Span,
        Tally,
        TallyEntry,
    )
    from ledger.projections.timeline import (
        Timeline,
        TimelinePoint,
    )
    from ledger.proof_check import ProofCheck, check_proof
    from ledger.proof_format import ConsistencyProof, InclusionProof, TreeHead
    from ledger.proofs import consistency_proof, inclusion_proof, tree_head
    from ledger.redaction import Redaction
    from ledger.retry import (
        retry_on_conflict,
    )
    from ledger.stores.memory import (
        MemoryStore,
    )
    from ledger.stores.sqlite import (
        SQLiteStore,
    )
    from ledger.subscription import (
        Subscription,
    )
    from ledger.taxonomy import (
        DEFAULT_TAXONOMY,
        Dimension,
        Taxonomy,
        Term,
    )
    from ledger.values import (
        Period,
        PersonalText,
        Provenance,
        SourceKind,
        Verification,
    )
    from ledger.verify import (
        Digest,
        IntegrityProblem,
        IntegrityReport,
        ProblemKind,
        verify_log,
    )

#: Each public name and the module that defines it.
_HOMES: Final = {
    "Command": "ledger.commands",
    "CorrectReport": "ledger.commands",
    "ExtendTaxonomy": "ledger.commands",
    "DeclareField": "ledger.commands",
    "FileReport": "ledger.commands",
    "OpenIncident": "ledger.commands",
    "RegisterSource": "ledger.commands",
    "RetractReport": "ledger.commands",
    "ReviseReport": "ledger.commands",
    "VoidReport": "ledger.commands",
    "AlreadyExistsError": "ledger.errors",
    "ClockSkewError": "ledger.errors",
    "Checkpoint": "ledger.log",
    "CodecError": "ledger.errors",
    "ConcurrencyError": "ledger.errors",
    "DamagedLedgerError": "ledger.errors",
    "DEFAULT_TAXONOMY": "ledger.taxonomy",
    "Digest": "ledger.verify",
    "Dimension": "ledger.taxonomy",
    "DuplicateEventError": "ledger.errors",
    "Event": "ledger.events",
    "FieldChange": "ledger.projections.audit",
    "FieldRedacted": "ledger.events",
    "FieldDeclared": "ledger.events",
    "Figure": "ledger.figures",
    "FigureError": "ledger.errors",
    "FigureKind": "ledger.figures",
    "Frame": "ledger.frames",
    "History": "ledger.projections.audit",
    "HistoryEntry": "ledger.projections.audit",
    "ImportSummary": "ledger.interchange",
    "IncidentOpened": "ledger.events",
    "IntegrityError": "ledger.errors",
    "IntegrityProblem": "ledger.verify",
    "IntegrityReport": "ledger.verify",
    "Key": "ledger.projections.tally",
    "Language": "ledger.figures",
    "Ledger": "ledger.ledger",
    "LedgerError": "ledger.errors",
    "LineError": "ledger.errors",
    "MemoryStore": "ledger.stores.memory",
    "MissingDependencyError": "ledger.errors",
    "NotFoundError": "ledger.errors",
    "PartsCheck": "ledger.projections.tally",
    "Period": "ledger.values",
    "ProblemKind": "ledger.verify",
    "Projection": "ledger.projections.protocol",
    "ProjectionError": "ledger.errors",
    "ProjectionRunner": "ledger.projections.protocol",
    "Provenance": "ledger.values",
    "PersonalText": "ledger.values",
    "Redaction": "ledger.redaction",
    "ReportCorrected": "ledger.events",
    "ReportFiled": "ledger.events",
    "ReportRetracted": "ledger.events",
    "ReportRevised": "ledger.events",
    "ReportState": "ledger.model",
    "ReportStateError": "ledger.errors",
    "ReportStatus": "ledger.model",
    "ReportVoided": "ledger.events",
    "SQLiteStore": "ledger.stores.sqlite",
    "SourceKind": "ledger.values",
    "SourceRegistered": "ledger.events",
    "Span": "ledger.projections.tally",
    "StoreError": "ledger.errors",
    "StoredEvent": "ledger.events",
    "StructuredProjection": "ledger.projections.protocol",
    "Subscription": "ledger.subscription",
    "Tally": "ledger.projections.tally",
    "TallyDiff": "ledger.projections.audit",
    "TallyEntry": "ledger.projections.tally",
    "Taxonomy": "ledger.taxonomy",
    "TaxonomyExtended": "ledger.events",
    "Term": "ledger.taxonomy",
    "Timeline": "ledger.projections.timeline",
    "TimelinePoint": "ledger.projections.timeline",
    "UnknownActorError": "ledger.errors",
    "UnknownEventTypeError": "ledger.errors",
    "UnknownIncidentError": "ledger.errors",
    "UnknownReportError": "ledger.errors",
    "UnknownSourceError": "ledger.errors",
    "UnknownTermError": "ledger.errors",
    "UnknownFieldError": "ledger.errors",
    "ValidationError": "ledger.errors",
    "Verification": "ledger.values",
    "VersionState": "ledger.model",
    "ReleaseSummary": "ledger.formats._release",
    "export_hxl": "ledger.formats.hxl",
    "export_log": "ledger.interchange",
    "frame": "ledger.frames",
    "import_acled": "ledger.formats.acled",
    "import_hxl": "ledger.formats.hxl",
    "import_ucdp": "ledger.formats.ucdp",
    "import_lines": "ledger.interchange",
    "panel": "ledger.panels",
    "restore_log": "ledger.interchange",
    "retry_on_conflict": "ledger.retry",
    "verify_log": "ledger.verify",
    "ProofError": "ledger.errors",
    "ConsistencyProof": "ledger.proof_format",
    "InclusionProof": "ledger.proof_format",
    "ProofCheck": "ledger.proof_check",
    "TreeHead": "ledger.proof_format",
    "check_proof": "ledger.proof_check",
    "consistency_proof": "ledger.proofs",
    "inclusion_proof": "ledger.proofs",
    "tree_head": "ledger.proofs",
}

__all__ = [
    "DEFAULT_TAXONOMY",
    "AlreadyExistsError",
    "Checkpoint",
    "ClockSkewError",
    "CodecError",
    "Command",
    "ConcurrencyError",
    "ConsistencyProof",
    "CorrectReport",
    "DamagedLedgerError",
    "DeclareField",
    "Digest",
    "Dimension",
    "DuplicateEventError",
    "Event",
    "ExtendTaxonomy",
    "FieldChange",
    "FieldDeclared",
    "FieldRedacted",
    "Figure",
    "FigureError",
    "FigureKind",
    "FileReport",
    "Frame",
    "History",
    "HistoryEntry",
    "ImportSummary",
    "IncidentOpened",
    "InclusionProof",
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
    "OpenIncident",
    "PartsCheck",
    "Period",
    "PersonalText",
    "ProblemKind",
    "Projection",
    "ProjectionError",
    "ProjectionRunner",
    "ProofCheck",
    "ProofError",
    "Provenance",
    "Redaction",
    "RegisterSource",
    "ReleaseSummary",
    "ReportCorrected",
    "ReportFiled",
    "ReportRetracted",
    "ReportRevised",
    "ReportState",
    "ReportStateError",
    "ReportStatus",
    "ReportVoided",
    "RetractReport",
    "ReviseReport",
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
    "Term",
    "Timeline",
    "TimelinePoint",
    "TreeHead",
    "UnknownActorError",
    "UnknownEventTypeError",
    "UnknownFieldError",
    "UnknownIncidentError",
    "UnknownReportError",
    "UnknownSourceError",
    "UnknownTermError",
    "ValidationError",
    "Verification",
    "VersionState",
    "VoidReport",
    "check_proof",
    "consistency_proof",
    "export_hxl",
    "export_log",
    "frame",
    "import_acled",
    "import_hxl",
    "import_lines",
    "import_ucdp",
    "inclusion_proof",
    "panel",
    "restore_log",
    "retry_on_conflict",
    "tree_head",
    "verify_log",
]


def __getattr__(name: str) -> Any:  # noqa: ANN401 - any public name
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ledger' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
