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
from typing import TYPE_CHECKING, Final

from ledger import lookups
from ledger._fields import check_text, choice
from ledger._standing import read_model_standing
from ledger.codec import EventRegistry, load_body
from ledger.errors import (
    LedgerError,
    ProjectionError,
    UnknownIncidentError,
    UnknownReportError,
    ValidationError,
)
from ledger.events import (
    GLOBAL_STREAM,
    FieldDeclared,
    IncidentOpened,
    SourceRegistered,
    StoredEvent,
)
from ledger.log import Record, Store, decode_record, record_at
from ledger.model import ReportState, ReportStatus
from ledger.projections.folds import Folds, IncidentFold, fold_listed
from ledger.projections.reports import ReportTrack
from ledger.projections.tally import Key, Tally, compute_tally, tally_of
from ledger.redaction import Redaction
from ledger.state import LedgerState
from ledger.taxonomy import ROOT, Dimension, Taxonomy
from ledger.times import Side, cut

if TYPE_CHECKING:
    from ledger.projections.audit import History, HistoryEntry, TallyDiff
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
        from ledger.projections.audit import History  # noqa: PLC0415 - off the path of `import ledger`

        if clock not in ("recorded", "reported"):
            raise ValidationError("clock", "must be 'recorded' or 'reported'", value=clock)
        since_t, until_t = cut("since", since, side=START), cut("until", until, side=END)
        lookups.check_window(since, until, since_t, until_t)
        with self._lock:
            lookups.check_source(self._folds.current().sources, source)
            found = []
            for entry in self._changed(since_t, until_t, clock=clock, incident=incident):
                at = entry.recorded_at if clock == "recorded" else entry.reported_at
                if (
                    (since_t is None or at > since_t)
                    and (until_t is None or at <= until_t)
                    and source in (None, entry.source)
                    and actor in (None, entry.actor)
                ):
                    found.append(entry)
            # Who has recorded changes is the tables' list, read only when nothing was
            # found: it names who to ask about in an error, and changes no answer.
            lookups.check_actor(actor, found=bool(found), actors=self.store.change_actors)
            return History(sorted(found, key=lambda e: e.position))

    def _changed(
        self,
        since: dt.datetime | None,
        until: dt.datetime | None,
        *,
        clock: str,
        incident: str | None,
    ) -> Iterator[HistoryEntry]:
        """What `changes` filters: every change in its window, and maybe others."""
        from ledger.projections.audit import report_history  # noqa: PLC0415 - off the path of `import ledger`

        after = 0
        folds: Iterable[IncidentFold]
        if incident is not None:
            folds = [self._opened(incident)]
        elif clock == "reported":
            folds = self._every_fold()
        else:
            # Recorded times never decrease along the log (`verify` holds it to that), so
            # the window is a range of positions, found by bisection.
            head = self.store.head().position
            first = 1 if since is None else self._first_recorded_after(since, head)
            last = head if until is None else self._first_recorded_after(until, head) - 1
            if first > last:
                return
            after = first - 1
            if 2 * (last - first + 1) > head:
                folds = self._every_fold()  # most of the log: it touches every incident
            else:
                # The listing is held to every record after the window's start, which must
                # then be a short read: a window long ago folds what it touches.
                listed = self._listed_changes(first, last, head) if 2 * first > head else None
                if listed is not None:
                    yield from listed
                    return
                streams = dict.fromkeys(r.stream for r in self.store.read(after=after, until=last))
                streams.pop(GLOBAL_STREAM, None)
                folds = (self._folds.incident(name) for name in streams)
        for fold in folds:
            for report_id, track in fold.index.tracks.items():
                yield from report_history(track, fold.redactions.get(report_id, ()), after=after)

    def _every_fold(self) -> Iterator[IncidentFold]:
        """Every incident's fold, one at a time, so the cache's bound holds."""
        return (self._folds.incident(name) for name in self.store.incident_ids())

    def _listed_changes(self, first: int, last: int, head: int) -> list[HistoryEntry] | None:
        """The changes at positions `first` to `last`, each report's history folded from
        the records the read model lists for it (`Store.report_records`), not from its
        incident's whole stream: the cost follows the reports the window touches, not the
        log's length. Each report's changes from `first` to the `head` are read from the
        log to hold its listing to (`_listed_histories`): a redaction after the window
        marks what it erased in it. None where the listing fails those checks: the caller
        folds the incidents from the log."""
        from ledger.projections.audit import report_history  # noqa: PLC0415 - off the path of `import ledger`

        logged: dict[str, set[int]] = {}  # report id -> its changes from `first` on
        try:
            for record in self.store.read(after=first - 1, until=head):
                report_id = _changed_report(record, self._registry)
                if report_id is not None:
                    logged.setdefault(report_id, set()).add(record.position)
        except LedgerError:
            return None  # a record that does not decode: the fold names it
        found: list[HistoryEntry] = []
        touched = [report_id for report_id, at in logged.items() if min(at) <= last]
        for start in range(0, len(touched), _REPORTS_AT_ONCE):
            histories = self._listed_histories(touched[start : start + _REPORTS_AT_ONCE], logged)
            if histories is None:
                return None
            for track, redactions in histories:
                found.extend(
                    entry
                    for entry in report_history(track, redactions, after=first - 1)
                    if entry.position <= last
                )
        return found

    def _listed_histories(
        self, report_ids: list[str], logged: dict[str, set[int]]
    ) -> list[tuple[ReportTrack, list[Redaction]]] | None:
        """Each report's track and redactions, folded from the records the read model lists
        for it, or None unless the listing is held to the log: every listed record is a
        change to the report it is listed under (`fold_listed`), every change of the report
        `logged` gives (read from the log) is listed, and each report folded is the report
        its tables hold, in every row and version."""
        folds = fold_listed(self.store.report_records(report_ids), self._registry)
        if folds is None:
            return None
        homes = {report_id: fold for fold in folds.values() for report_id in fold.index.tracks}
        found = []
        for report_id in report_ids:
            fold = homes.get(report_id)
            if fold is None:
                return None
            track, redactions = fold.index.tracks[report_id], fold.redactions.get(report_id, [])
            if not logged[report_id] <= {*track.positions, *(r.at for r in redactions)}:
                return None  # a change in the log that the tables do not list
            found.append((track, redactions))
        if not self.store.holds_reports([track.state for track, _ in found]):
            return None
        return found

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


#: Reports whose listed records a ledger-wide `changes` reads and folds at a time.
_REPORTS_AT_ONCE: Final = 200


def _changed_report(record: Record, registry: EventRegistry) -> str | None:
    """The report a stored record changes (None for any other record), read without
    building its event where the codec can (`EventRegistry.reported`)."""
    if record.stream == GLOBAL_STREAM:
        return None
    raw = load_body(record.body, position=record.position)
    found = registry.reported(raw)
    if found is not None:
        return found[1]
    report_id: str | None = getattr(
        registry.decode_raw(raw, position=record.position).event, "report_id", None
    )
    return report_id


def _check_window(after: object, until: object) -> None:
    for name, value in (("after", after), ("until", until)):
        if value is None and name == "until":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValidationError(name, "must be a log position, a whole number >= 0", value=value)
