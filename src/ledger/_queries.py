"""The facade's questions: lookups, tallies, timelines, histories and changes.

`Ledger` inherits these; each reads the folds of the streams it touches (brought up to date
with the store first) and the read model's lookups, never the whole log. A tally as known
now of an incident with no fold held is read from the read model's tables instead, each row
held to the records it cites (`ledger._standing`, docs/design.md).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ledger import lookups
from ledger._fields import check_text, choice
from ledger._standing import read_model_standing
from ledger.codec import EventRegistry
from ledger.errors import ProjectionError, UnknownIncidentError, UnknownReportError, ValidationError
from ledger.events import (
    GLOBAL_STREAM,
    FieldDeclared,
    IncidentOpened,
    SourceRegistered,
    StoredEvent,
)
from ledger.log import Store, decode_record, record_at
from ledger.model import ReportState, ReportStatus
from ledger.projections.folds import Folds, IncidentFold
from ledger.projections.tally import Key, Tally, compute_tally, tally_of
from ledger.redaction import Redaction
from ledger.state import LedgerState
from ledger.taxonomy import ROOT, Dimension, Taxonomy
from ledger.times import Side, cut

if TYPE_CHECKING:
    from ledger.projections.audit import History, TallyDiff
    from ledger.projections.timeline import Timeline

START, END = Side.START, Side.END


class Queries:
    """What a ledger answers; see `Ledger`, which is the class to use."""

    store: Store
    _lock: threading.RLock
    _folds: Folds
    #: Incidents whose tally this ledger has answered from the read model's tables.
    _asked: set[str]
    _registry: EventRegistry

    def events(
        self, *, after: int = 0, until: int | None = None, incident: str | None = None
    ) -> Iterator[StoredEvent]:
        """Stored events in log order; `incident` narrows them to one incident's stream."""
        _check_window(after, until)
        check_text("incident", incident)
        records = self.store.read(after=after, until=until, stream=incident)
        return (decode_record(record, self._registry) for record in records)

    @property
    def position(self) -> int:
        """The position of the last event in the log."""
        return self.store.head().position

    @property
    def taxonomy(self) -> Taxonomy:
        with self._lock:
            return self._folds.current().taxonomy

    def _opened(self, incident: str, *, field: str = "incident") -> IncidentFold:
        check_text(field, incident)
        fold = self._folds.incident(incident)
        if fold.opened is None:
            raise UnknownIncidentError(field, incident)
        return fold

    def incident(self, incident: str) -> IncidentOpened:
        """The incident's opening, read from the log at the position the read model gives
        and checked to be this incident's, so asking for it folds nothing. Where the read
        model gives no such record, the incident's stream is folded for it (an incident
        never opened raises `UnknownIncidentError`)."""
        with self._lock:
            check_text("incident", incident)
            held = self._folds.held(incident)
            if held is not None and held.opened is not None:
                return held.opened
            position = self.store.incident_opening(incident)
            opened = None if position is None else self._opening_at(incident, position)
            if opened is None:
                opened = self._opened(incident).opened
                assert opened is not None  # noqa: S101 - `_opened` checked
            return opened

    def incidents(self) -> list[IncidentOpened]:
        """Every incident, in the order they were opened: each opening read from the log by
        the position the read model gives, so listing them folds none."""
        with self._lock:
            found = []
            for incident, position in self.store.incident_openings():
                held = self._folds.held(incident)
                if held is not None and held.opened is not None:
                    found.append(held.opened)
                    continue
                event = self._opening_at(incident, position)
                if event is None:
                    raise ProjectionError(
                        "read model",
                        f"its incidents table puts the opening of {incident!r} at position "
                        f"{position}, which holds no such event: run `ledger reindex`",
                    )
                found.append(event)
            return found

    def _opening_at(self, incident: str, position: int) -> IncidentOpened | None:
        """The incident's opening, if the record at `position` is that."""
        record = record_at(self.store, position)
        event = None if record is None else decode_record(record, self._registry).event
        if not isinstance(event, IncidentOpened) or event.incident != incident:
            return None
        return event

    def source(self, source: str) -> SourceRegistered:
        with self._lock:
            return LedgerState(sources=self._folds.current().sources).source(source)

    def sources(self) -> list[SourceRegistered]:
        """Every source, in the order they were registered."""
        with self._lock:
            return list(self._folds.current().sources.values())

    def fields(self) -> list[FieldDeclared]:
        """Every personal field the ledger declared, in the order they were declared."""
        with self._lock:
            return list(self._folds.current().fields.values())

    def redactions(self, report_id: str) -> list[Redaction]:
        """Every recorded redaction of the report's records, oldest first: which field of
        which record, who, when and why."""
        with self._lock:
            fold, _ = self._report(report_id)
            return list(fold.redactions.get(report_id, ()))

    def terms(self, dimension: Dimension | str) -> dict[str, str | None]:
        """Every term of one dimension of the taxonomy, with its parent (None at the top)."""
        dimension = choice(Dimension, dimension, "dimension")
        with self._lock:
            return dict(self._folds.current().taxonomy.terms(dimension))

    def _report(self, report_id: str) -> tuple[IncidentFold, ReportState]:
        check_text("report_id", report_id)
        found = self._folds.report(report_id)
        if found is None:
            raise UnknownReportError("report_id", report_id)
        return found

    def report(self, report_id: str) -> ReportState:
        """The report as it stands now: its classification, versions and status."""
        with self._lock:
            return self._report(report_id)[1]

    def reports(self, incident: str | None = None) -> list[ReportState]:
        """Every report (of one incident, if given) as it stands now, in filing order."""
        with self._lock:
            folds = (
                [self._opened(incident)]
                if incident is not None
                else [self._folds.incident(i) for i in self.store.incident_ids()]
            )
            return [track.state for fold in folds for track in fold.index.tracks.values()]

    def standing_report(
        self,
        incident: str,
        *,
        source: str,
        metric: str,
        group: str = ROOT,
        by: str = ROOT,
        place: str = ROOT,
    ) -> ReportState | None:
        """The live report that stands now for this source and key, if any: the one a new
        filing for the same source and key would supersede in the tally (revise it instead
        when the source changed its own figure)."""
        with self._lock:
            index = self._opened(incident).index
            key = (metric, group, by, place)
            live = [
                (track.state.latest.reported_at, track.filed_at, track.state)
                for track in index.tracks.values()
                if track.state.source == source
                and track.state.key == key
                and track.state.status is ReportStatus.LIVE
            ]
            return max(live, key=lambda found: found[:2])[2] if live else None

    # Answers (see ledger.projections and docs/concepts.md).

    def tally(
        self,
        incident: str,
        *,
        as_of: dt.datetime | dt.date | None = None,
        known_at: dt.datetime | dt.date | None = None,
        occurred_by: dt.date | None = None,
    ) -> Tally:
        """The incident's tally as reported by `as_of`, as the ledger knew it at `known_at`.

        Both clocks default to now; a date means the end of that day, UTC (`ledger.times`).
        `occurred_by`
        keeps only figures whose period ends by that day ("deaths that occurred by Saturday").
        """
        as_of_t, known_at_t = cut("as_of", as_of, side=END), cut("known_at", known_at, side=END)
        if occurred_by is not None and (
            not isinstance(occurred_by, dt.date) or isinstance(occurred_by, dt.datetime)
        ):
            raise ValidationError("occurred_by", "must be a date", value=occurred_by)
        check_text("incident", incident)
        with self._lock:
            if (
                known_at_t is None
                and occurred_by is None
                and incident not in self._asked
                and self._folds.held(incident) is None
            ):
                # A first question about an incident: the read model's rows, each held to
                # its records, answer without folding its stream (ledger._standing). A
                # process that asks again folds it once, and answers in milliseconds after.
                self._asked.add(incident)
                standing = read_model_standing(self.store, self._registry, incident, as_of_t)
                if standing is not None:
                    return tally_of(
                        standing,
                        taxonomy=self._folds.current().taxonomy,
                        incident=incident,
                        as_of=as_of_t,
                        known_at=None,
                        occurred_by=None,
                    )
            index = self._opened(incident).index
            return compute_tally(
                [
                    (state, track.filed_at)
                    for state, track in index.standing(incident, known_at_t, as_of_t)
                ],
                taxonomy=self._folds.current().taxonomy,
                incident=incident,
                as_of=as_of_t,
                known_at=known_at_t,
                occurred_by=occurred_by,
            )

    def timeline(
        self,
        incident: str,
        *,
        metric: str,
        group: str = ROOT,
        by: str = ROOT,
        place: str = ROOT,
        source: str | None = None,
        known_at: dt.datetime | dt.date | None = None,
    ) -> Timeline:
        """Each source's effective figure for one key over reported time."""
        from ledger.projections.timeline import compute_timeline  # noqa: PLC0415 - off the path of `import ledger`

        known_at_t = cut("known_at", known_at, side=END)
        key = Key(metric=metric, group=group, by=by, place=place)
        with self._lock:
            index = self._opened(incident).index
            current = self._folds.current()
            lookups.check_key(current.taxonomy, key)
            lookups.check_source(current.sources, source)
            return compute_timeline(
                index.known_reports(incident, known_at_t),
                incident=incident,
                key=key,
                known_at=known_at_t,
                source=source,
            )

    def history(self, report_id: str) -> History:
        """Every change to a report, oldest first: who, when on both clocks, why, and how."""
        from ledger.projections.audit import History, report_history  # noqa: PLC0415 - off the path of `import ledger`

        with self._lock:
            fold, _ = self._report(report_id)
            return History(
                report_history(fold.index.tracks[report_id], fold.redactions.get(report_id, ()))
            )

    def changes(
        self,
        *,
        since: dt.datetime | dt.date | None = None,
        until: dt.datetime | dt.date | None = None,
        clock: str = "recorded",
        incident: str | None = None,
        source: str | None = None,
        actor: str | None = None,
    ) -> History:
        """Changes to reports with `since < time <= until` on one clock, in log order.

        A date in `since` means from the start of that day, in `until` to its end, UTC
        (`ledger.times`).

        `clock` is "recorded" (when the ledger learned of the change) or "reported" (when it
        takes effect in the world; see `HistoryEntry.reported_at`). The window matches the
        tallies: the changes between `tally(known_at=a)` and `tally(known_at=b)` are
        `changes(since=a, until=b)`.
        """
        from ledger.projections.audit import History, report_history  # noqa: PLC0415 - off the path of `import ledger`

        if clock not in ("recorded", "reported"):
            raise ValidationError("clock", "must be 'recorded' or 'reported'", value=clock)
        since_t, until_t = cut("since", since, side=START), cut("until", until, side=END)
        lookups.check_window(since, until, since_t, until_t)
        with self._lock:
            lookups.check_source(self._folds.current().sources, source)
            folds: Iterable[IncidentFold]
            if incident is not None:
                folds = [self._opened(incident)]
            else:
                incidents = (
                    self._recorded_within(since_t, until_t)
                    if clock == "recorded"
                    else self.store.incident_ids()
                )
                # One fold at a time, so the cache's bound holds.
                folds = (self._folds.incident(name) for name in incidents)
            found = []
            for fold in folds:
                for report_id, track in fold.index.tracks.items():
                    for entry in report_history(track, fold.redactions.get(report_id, ())):
                        at = entry.recorded_at if clock == "recorded" else entry.reported_at
                        if (
                            (since_t is None or at > since_t)
                            and (until_t is None or at <= until_t)
                            and source in (None, entry.source)
                            and actor in (None, entry.actor)
                        ):
                            found.append(entry)
            lookups.check_actor(
                actor,
                found=bool(found),
                actors=lambda: (
                    e.actor
                    for i in self.store.incident_ids()
                    for t in self._folds.incident(i).index.tracks.values()
                    for e in report_history(t)
                ),
            )
            return History(sorted(found, key=lambda e: e.position))

    def _recorded_within(self, since: dt.datetime | None, until: dt.datetime | None) -> list[str]:
        """The incidents with a record recorded in (`since`, `until`], from the log itself:
        recorded times never decrease along it (`verify` holds it to that), so the window is
        a range of positions, found by bisection, and only its records are read."""
        head = last = self.store.head().position
        first = 1 if since is None else self._first_recorded_after(since, head)
        if until is not None:
            last = self._first_recorded_after(until, head) - 1
        if first > last:
            return []
        if 2 * (last - first + 1) > head:
            return self.store.incident_ids()  # most of the log: it touches them all
        streams = dict.fromkeys(r.stream for r in self.store.read(after=first - 1, until=last))
        streams.pop(GLOBAL_STREAM, None)
        return list(streams)

    def _first_recorded_after(self, when: dt.datetime, head: int) -> int:
        """The first position recorded after `when` (`head + 1` if none is)."""
        low, high = 1, head + 1
        while low < high:
            middle = (low + high) // 2
            record = record_at(self.store, middle)
            if record is None:  # a gap no ledger leaves: `verify` names it
                raise ProjectionError("log", f"it has no record at position {middle}")
            if record.recorded_at > when:
                high = middle
            else:
                low = middle + 1
        return low

    @staticmethod
    def diff(a: Tally, b: Tally) -> TallyDiff:
        """What appeared, disappeared and changed from tally `a` to tally `b`."""
        from ledger.projections.audit import diff_tallies  # noqa: PLC0415 - off the path of `import ledger`

        return diff_tallies(a, b)


def _check_window(after: object, until: object) -> None:
    for name, value in (("after", after), ("until", until)):
        if value is None and name == "until":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValidationError(name, "must be a log position, a whole number >= 0", value=value)
