"""Every error the ledger raises on purpose derives from `LedgerError`.

Each carries the offending field, event, record position or line, so a caller can show the
user exactly what to fix without parsing the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


class LedgerError(Exception):
    """Base of every error raised by the ledger."""


class ValidationError(LedgerError, ValueError):
    """A value is not acceptable; `field` names it (dotted for nested values)."""

    def __init__(self, field: str, message: str, *, value: object = None) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: {message}")


class FigureError(ValidationError):
    """A figure's text or bounds make no sense ("-5", "lots", low above high)."""


#: How many known values an error lists before it says how many more there are.
_LISTED = 12


def _known(known: tuple[str, ...]) -> str:
    if not known:
        return ""
    shown = ", ".join(known[:_LISTED])
    more = len(known) - _LISTED
    return f" (known: {shown}{f', and {more} more' if more > 0 else ''})"


class NotFoundError(LedgerError, LookupError):
    """A command or a query named something the ledger does not know.

    `known` lists the values it does know, where they are few enough to be worth listing
    (the message shows the first dozen); `hint`, if any, says how to add the missing one.
    """

    kind = "thing"

    def __init__(
        self, field: str, key: str, *, known: Sequence[str] = (), hint: str | None = None
    ) -> None:
        self.field = field
        self.key = key
        self.known = tuple(known)
        self.hint = hint
        super().__init__(self._describe())

    def _describe(self) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.field}: unknown {self.kind} {self.key!r}{_known(self.known)}{hint}"


class UnknownIncidentError(NotFoundError):
    kind = "incident"


class UnknownSourceError(NotFoundError):
    kind = "source"


class UnknownReportError(NotFoundError):
    kind = "report"


class UnknownActorError(NotFoundError):
    """A query named an actor who has recorded nothing in the ledger."""

    kind = "actor"


class UnknownFieldError(NotFoundError):
    """A report's provenance, or a redaction, named a personal field the ledger never
    declared (`Ledger.declare_field`)."""

    kind = "personal field"


class UnknownTermError(NotFoundError):
    kind = "taxonomy term"

    def __init__(
        self,
        field: str,
        key: str,
        *,
        dimension: str,
        known: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        self.dimension = dimension
        self.kind = f"{dimension} term"
        super().__init__(field, key, known=known, hint=hint)


class AlreadyExistsError(LedgerError):
    """A command tried to create something that exists already."""

    def __init__(self, field: str, key: str, *, detail: str | None = None) -> None:
        self.field = field
        self.key = key
        super().__init__(f"{field}: {key!r} exists already" + (f": {detail}" if detail else ""))


class ReportStateError(LedgerError):
    """The report's state forbids the command (e.g. revising a retracted report)."""

    def __init__(self, report_id: str, state: str, command: str) -> None:
        self.field = "report_id"
        self.report_id = report_id
        self.state = state
        self.command = command
        super().__init__(f"report_id: cannot {command} report {report_id!r}: it is {state}")


class ConcurrencyError(LedgerError):
    """Another writer appended to the stream since the caller last read it."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        self.stream = stream
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"stream {stream!r} is at version {actual}, the writer expected {expected}",
        )


class ClockSkewError(LedgerError):
    """The writer's clock is further behind the log's head than `ledger.clock.CLOCK_TOLERANCE`.

    Either this clock is wrong, or the head was recorded by a clock far ahead: fix whichever
    it is (NTP). `now` is the writer's time, `head` the head's recorded time; nothing was
    written.
    """

    def __init__(self, *, now: dt.datetime, head: dt.datetime, tolerance: dt.timedelta) -> None:
        self.now = now
        self.head = head
        self.tolerance = tolerance
        super().__init__(
            f"this writer's clock says {now.isoformat()}, {head - now} behind the log's head, "
            f"recorded at {head.isoformat()} (the tolerance is {tolerance}): this clock, or "
            "the clock of the writer before it, is wrong; fix it, then write again"
        )


class DuplicateEventError(LedgerError):
    """An event id is reused for different content, or a retried batch only partly matches."""

    def __init__(self, event_id: str, message: str) -> None:
        self.event_id = event_id
        super().__init__(f"event {event_id}: {message}")


class CodecError(LedgerError):
    """A stored or imported payload cannot be decoded into an event."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        self.position = position
        where = f"position {position}: " if position is not None else ""
        super().__init__(f"{where}{message}")


class LineError(LedgerError):
    """A line of an import or restore file is wrong; nothing from the file was written.

    `line` numbers it from 1; `field` names the offending field (dotted for nested ones, None
    when the line as a whole is at fault); `error` is the ledger's own error underneath, if the
    line failed one of its checks (an unknown report, a retracted one), for callers that
    dispatch on its type.
    """

    def __init__(
        self, line: int, field: str | None, message: str, *, error: LedgerError | None = None
    ) -> None:
        self.line = line
        self.field = field
        self.error = error
        where = f"{field}: " if field else ""
        super().__init__(f"line {line}: {where}{message}")


class UnknownEventTypeError(CodecError):
    """The payload names an event type, or a schema version, that this ledger does not know."""


class ProjectionError(LedgerError):
    """A projection was fed events out of order, or cannot be run."""

    def __init__(self, name: str, message: str) -> None:
        self.projection = name
        super().__init__(f"projection {name!r}: {message}")


class MissingDependencyError(LedgerError):
    """A feature needs an optional extra that is not installed; `extra` names it."""

    def __init__(self, extra: str, feature: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the {extra!r} extra: pip install 'incident-ledger[{extra}]'"
        )


class StoreError(LedgerError):
    """The store cannot be opened or used (foreign file, newer schema, closed store)."""


class DamagedLedgerError(StoreError):
    """The stored log is not one the ledger could have written, from `position` on: a record
    that cannot be read, or events that do not replay (a gap, a revision of a report never
    filed). A file copied with `cp` while a writer was busy ends up like this; `ledger backup`
    makes a consistent copy. `ledger verify` reports what it finds."""

    def __init__(self, where: str, position: object, detail: str) -> None:
        self.position = position
        self.detail = detail
        super().__init__(
            f"{where}: the ledger is damaged at position {position}: {detail}; "
            "`ledger verify` reports what it finds"
        )


class IntegrityError(LedgerError):
    """Verification found the log altered: `position` is the first bad one, `kind` says how.

    `kind` is the value of a `ledger.verify.ProblemKind` ("edited", "deleted", ...).
    """

    def __init__(self, position: int, kind: str, detail: str) -> None:
        self.position = position
        self.kind = kind
        self.detail = detail
        super().__init__(f"position {position}: {kind}: {detail}")


class ProofError(LedgerError):
    """A proof or tree head does not check, or cannot be made: `field` names the part of the
    document at fault ("path", "record.body", "head.signature", ...)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
