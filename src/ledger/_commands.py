"""The facade's commands: one method per command, each building its events in
`ledger.commands` from the current state and appending them as one checked batch.

`Ledger` inherits these.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import attrs

from ledger import commands
from ledger._fields import check_text, is_id
from ledger.errors import AlreadyExistsError
from ledger.events import Event, ReportFiled, StoredEvent
from ledger.figures import Figure, Language
from ledger.projections.folds import Folds
from ledger.state import LedgerState
from ledger.taxonomy import ROOT, Dimension
from ledger.values import Period, Provenance, SourceKind


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

    def _command(
        self,
        build: Callable[[LedgerState], list[Event]],
        *,
        actor: str | None,
        reason: str | None,
    ) -> StoredEvent:
        """Build a command's events from the current state, append them, return the last."""
        with self._lock:
            return self.append(build(self._folds.state()), actor=actor, reason=reason)[-1]

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
        with self._lock:
            held = self._folds.incident(incident).opened if is_id(incident) else None
            if held is not None:
                # What opening it would append, as the command builds it: its last event.
                wanted = commands.open_incident(
                    self._folds.state(), incident, title=title, places=places, started_on=started_on
                )[-1]
                return self._again(held, wanted, "incident", incident)
        return self._command(
            lambda state: commands.open_incident(
                state, incident, title=title, places=places, started_on=started_on
            ),
            actor=actor,
            reason=reason,
        )

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
        with self._lock:
            held = self._folds.current().sources.get(source) if is_id(source) else None
            if held is not None:
                wanted = commands.register_source(
                    source, name=name, kind=kind, url=url, notes=notes, language=language
                )[0]
                return self._again(held, wanted, "source", source)
        return self._command(
            lambda _: commands.register_source(
                source, name=name, kind=kind, url=url, notes=notes, language=language
            ),
            actor=actor,
            reason=reason,
        )

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
        return self._command(
            lambda _: commands.extend_taxonomy(dimension, term, parent=parent),
            actor=actor,
            reason=reason,
        )

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
        stored = self._command(
            lambda state: commands.file_report(
                incident,
                source=source,
                metric=metric,
                figure=figure,
                reported_at=reported_at,
                group=group,
                by=by,
                place=place,
                period=period,
                provenance=provenance,
                report_id=report_id,
                language=language,
                state=state,
            ),
            actor=actor,
            reason=reason,
        )
        assert isinstance(stored.event, ReportFiled)  # noqa: S101 - file_report builds one
        return stored.event.report_id

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
    ) -> StoredEvent:
        """Record that the source itself changed its figure, effective at `reported_at`."""
        return self._command(
            lambda state: commands.revise_report(
                state,
                report_id,
                figure=figure,
                reported_at=reported_at,
                period=period,
                provenance=provenance,
                language=language,
            ),
            actor=actor,
            reason=reason,
        )

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
    ) -> StoredEvent:
        """Fix the ledger's own entry, retroactively; `version` defaults to the latest.

        A correction must say why: it rewrites what earlier answers should have been.
        """
        check_text("reason", reason, required=True)
        return self._command(
            lambda state: commands.correct_report(
                state,
                report_id,
                version=version,
                figure=figure,
                reported_at=reported_at,
                period=period,
                source=source,
                metric=metric,
                group=group,
                by=by,
                place=place,
                language=language,
            ),
            actor=actor,
            reason=reason,
        )

    def retract_report(
        self,
        report_id: str,
        *,
        reported_at: dt.datetime,
        provenance: Provenance | None = None,
        actor: str | None = None,
        reason: str | None = None,
    ) -> StoredEvent:
        """Record that the source withdrew its claim, effective at `reported_at`."""
        return self._command(
            lambda state: commands.retract_report(
                state, report_id, reported_at=reported_at, provenance=provenance
            ),
            actor=actor,
            reason=reason,
        )

    def void_report(self, report_id: str, *, reason: str, actor: str | None = None) -> StoredEvent:
        """Strike an entry that should never have been in the ledger. It must say why."""
        check_text("reason", reason, required=True)
        return self._command(
            lambda state: commands.void_report(state, report_id), actor=actor, reason=reason
        )
