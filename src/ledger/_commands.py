"""The facade's commands: `execute` runs any command (`ledger.commands`), building its
events from the current state and appending them as one checked batch; one method per
command forwards its keywords to its class.

`Ledger` inherits these. Each method's signature is its command's fields, written out here
because a type checker and an IDE read signatures from source; tests/test_commands.py holds
every one equal to its class, so a field added to a command that is missing here fails.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ledger._fields import check_text
from ledger.errors import AlreadyExistsError, ValidationError
from ledger.events import Event, StoredEvent
from ledger.figures import Figure, Language
from ledger.projections.folds import Folds
from ledger.taxonomy import ROOT, Dimension
from ledger.values import Period, Provenance, SourceKind

if TYPE_CHECKING:
    from ledger.commands import Command

R = TypeVar("R")


def _fields(given: dict[str, Any]) -> dict[str, Any]:
    """A facade method's arguments (its `locals()`) as its command's fields."""
    return {name: value for name, value in given.items() if name not in ("self", "actor")}


class _Classes:
    """`ledger.commands`, imported on the first command rather than with the facade: a
    process that only asks questions (the cold first answer, docs/performance.md) never
    builds the command classes."""

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - typed as the module below
        from ledger import commands  # noqa: PLC0415

        return getattr(commands, name)


if TYPE_CHECKING:
    from ledger import commands as _classes
else:
    _classes = _Classes()


class Commands:
    """What a ledger records; see `Ledger`, which is the class to use."""

    _lock: threading.RLock
    _folds: Folds

    if TYPE_CHECKING:

        def events(
            self, *, after: int = 0, until: int | None = None, incident: str | None = None
        ) -> Iterator[StoredEvent]: ...

        def append(
            self,
            events: Sequence[Event],
            *,
            actor: str | None = None,
            reason: str | None = None,
            event_ids: Sequence[str] | None = None,
            reasons: Sequence[str | None] | None = None,
        ) -> list[StoredEvent]: ...

    def execute(self, command: Command[R], *, actor: str | None = None) -> R:
        """Run one command: build its events from the current state, check them and append
        them as one batch, recorded by `actor` (default: the ledger's) with the command's
        reason. Returns what the command's facade method returns.

        Set-up that the ledger holds already (an incident opened, a source registered, with
        the same fields) changes nothing and returns the event that holds it."""
        if not isinstance(command, _classes.Command):
            raise ValidationError(
                "command",
                f"must be a command such as FileReport, got {type(command).__name__}",
                value=command,
            )
        if command.needs_reason:
            check_text("reason", command.reason, required=True)
        with self._lock:
            held = command.held(self._folds)
            if held is not None:
                field, key, event = held
                # What running it would append, as the command builds it.
                wanted = next(
                    e for e in command.events(self._folds.state()) if type(e) is type(event)
                )
                return command.result([self._again(event, wanted, field, key)])
            stored = self.append(
                command.events(self._folds.state()), actor=actor, reason=command.reason
            )
        return command.result(stored)

    def _again(self, held: Event, wanted: Event, field: str, key: str) -> StoredEvent:
        """The stored event that `wanted` repeats; an `AlreadyExistsError` naming each field
        that differs if it is not a repeat."""
        if held != wanted:
            differences = "; ".join(
                f"{a.name} is {getattr(held, a.name)!r}, not {getattr(wanted, a.name)!r}"
                for a in attrs.fields(type(held))
                if getattr(held, a.name) != getattr(wanted, a.name)
            )
            raise AlreadyExistsError(field, key, detail=f"with other fields ({differences})")
        stream = wanted.stream
        return next(e for e in self.events(incident=stream) if e.event == held)

    def open_incident(
        self,
        incident: str,
        *,
        title: str,
        places: Iterable[str] = (),
        started_on: dt.date | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StoredEvent:
        """Open an incident. Places new to the taxonomy are added under "all" in the same batch.

        Opening an incident again with the same fields changes nothing and returns its opening,
        so a notebook's set-up cell can run twice; with other fields it is an
        `AlreadyExistsError` that shows the difference."""
        return self.execute(_classes.OpenIncident(**_fields(locals())), actor=actor)

    def register_source(
        self,
        source: str,
        *,
        name: str,
        kind: SourceKind | str,
        url: str | None = None,
        notes: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
        language: Language | str | None = None,
    ) -> StoredEvent:
        """Register a source; registering it again with the same fields changes nothing and
        returns its registration, with others it is an `AlreadyExistsError` that shows the
        difference."""
        return self.execute(_classes.RegisterSource(**_fields(locals())), actor=actor)

    def extend_taxonomy(
        self,
        dimension: Dimension | str,
        term: str,
        *,
        parent: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StoredEvent:
        """Add a term; groups, perpetrators and places default to a parent of "all"."""
        return self.execute(_classes.ExtendTaxonomy(**_fields(locals())), actor=actor)

    def declare_field(
        self,
        field: str,
        *,
        description: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StoredEvent:
        """Declare a personal field that reports' provenance may then carry
        (`Provenance(personal={field: text})`), committed to by a salted hash so that
        `redact` can erase it. Declaring it again the same way changes nothing."""
        return self.execute(_classes.DeclareField(**_fields(locals())), actor=actor)

    def file_report(
        self,
        incident: str,
        *,
        source: str,
        metric: str,
        figure: Figure | str,
        reported_at: dt.datetime,
        group: str = ROOT,
        by: str = ROOT,
        place: str = ROOT,
        period: Period | None = None,
        provenance: Provenance | None = None,
        report_id: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
        language: Language | str | None = None,
    ) -> str:
        """File one source's claim of one figure; returns the new report's id. A figure given
        as text is read in `language`, else the source's, else the ledger's default."""
        return self.execute(_classes.FileReport(**_fields(locals())), actor=actor)

    def revise_report(
        self,
        report_id: str,
        *,
        figure: Figure | str,
        reported_at: dt.datetime,
        period: Period | None = None,
        provenance: Provenance | None = None,
        actor: str | None = None,
        reason: str | None = None,
        language: Language | str | None = None,
        incident: str | None = None,
    ) -> StoredEvent:
        """Record that the source itself changed its figure, effective at `reported_at`."""
        return self.execute(_classes.ReviseReport(**_fields(locals())), actor=actor)

    def correct_report(
        self,
        report_id: str,
        *,
        reason: str,
        version: int | None = None,
        figure: Figure | str | None = None,
        reported_at: dt.datetime | None = None,
        period: Period | None = None,
        source: str | None = None,
        metric: str | None = None,
        group: str | None = None,
        by: str | None = None,
        place: str | None = None,
        actor: str | None = None,
        language: Language | str | None = None,
        incident: str | None = None,
    ) -> StoredEvent:
        """Fix the ledger's own entry, retroactively; `version` defaults to the latest.

        A correction must say why: it rewrites what earlier answers should have been.
        """
        return self.execute(_classes.CorrectReport(**_fields(locals())), actor=actor)

    def retract_report(
        self,
        report_id: str,
        *,
        reported_at: dt.datetime,
        provenance: Provenance | None = None,
        actor: str | None = None,
        reason: str | None = None,
        incident: str | None = None,
    ) -> StoredEvent:
        """Record that the source withdrew its claim, effective at `reported_at`."""
        return self.execute(_classes.RetractReport(**_fields(locals())), actor=actor)

    def void_report(
        self,
        report_id: str,
        *,
        reason: str,
        actor: str | None = None,
        incident: str | None = None,
    ) -> StoredEvent:
        """Strike an entry that should never have been in the ledger. It must say why."""
        return self.execute(_classes.VoidReport(**_fields(locals())), actor=actor)
