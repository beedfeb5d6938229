"""The facade users embed: commands that validate and append, queries that read.

Every command follows one path: catch up with the store, build events, check each against
the current state (`LedgerState.check`), and append them as one batch with the stream
versions it checked against. Anything that fails on that path writes nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

from ledger import commands
from ledger._fields import check_id, check_text, end_of_day, utc
from ledger.codec import EVENTS, EventRegistry
from ledger.errors import UnknownIncidentError, UnknownReportError, ValidationError
from ledger.events import (
    GLOBAL_STREAM,
    REPORT_EVENTS,
    Event,
    IncidentOpened,
    ReportFiled,
    SourceRegistered,
    StoredEvent,
)
from ledger.figures import Figure
from ledger.log import NewRecord, Record, Store, decode_record
from ledger.projections.audit import HistoryEntry, TallyDiff, diff_tallies, report_history
from ledger.projections.folds import DEFAULT_CACHE_EVENTS, Folds, IncidentFold
from ledger.projections.live import keep_live
from ledger.projections.protocol import Projection, ProjectionRunner
from ledger.projections.tally import Key, Tally, compute_tally
from ledger.projections.timeline import Timeline, compute_timeline
from ledger.state import LedgerState, ReportState
from ledger.subscription import Subscription
from ledger.taxonomy import ROOT, Dimension, Taxonomy
from ledger.values import Period, Provenance, SourceKind

if TYPE_CHECKING:  # the verifier is loaded by the commands that verify
    from ledger.verify import Digest, IntegrityReport

Clock = Callable[[], dt.datetime]
S = TypeVar("S")


def _instant(name: str, value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A point on a clock: an aware datetime, or a date meaning the end of that day, UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return utc(name, value)
    if isinstance(value, dt.date):
        return end_of_day(value)
    raise ValidationError(name, "must be a datetime, a date or None", value=value)


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "unknown"


def _new_ids(n: int) -> list[str]:
    """`n` new event ids: time-ordered (version 7) UUIDs as hex, RFC 9562.

    Ids that begin with the time land at the end of the store's unique index on event ids,
    so a batch writes a few of its pages; random (version 4) ids landed all over it, and at
    a million events a batch of ten thousand rewrote most of the index. Each id is the Unix
    time in milliseconds (12 hex digits), the version (7), then 74 random bits with the
    variant's two bits set in the 17th digit; one read of the system's randomness serves
    the whole batch.
    """
    prefix = f"{time.time_ns() // 1_000_000:012x}7"
    rand = os.urandom(10 * n).hex()
    return [
        prefix + rand[i : i + 3] + _VARIANT[rand[i + 3]] + rand[i + 4 : i + 19]
        for i in range(0, 20 * n, 20)
    ]


#: A random hex digit as the digit that carries the RFC variant bits (10) and two of its own.
_VARIANT: Final = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


class Ledger:
    """An incident ledger over a store. Safe to share between threads of one process.

    Opening reads the log's head and the read model's position, never the log: each
    question reads the streams it touches (see `ledger.projections.folds`).
    """

    def __init__(
        self,
        store: Store,
        *,
        actor: str | None = None,
        clock: Clock = _system_clock,
        registry: EventRegistry = EVENTS,
        cache_events: int = DEFAULT_CACHE_EVENTS,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.store = store
        self.actor = actor if actor is not None else _default_actor()
        check_text("actor", self.actor, required=True)
        self._clock = clock
        self._registry = registry
        self._lock = threading.RLock()
        self._folds = Folds(store, registry=registry, cache_events=cache_events)
        self._watched: list[ProjectionRunner[Any]] = []
        if not self._read_model_current():
            store.rebuild_read_model(progress)

    def _read_model_current(self) -> bool:
        """Whether the read model reflects the whole log. The head is read first: a writer
        appending meanwhile moves the read model with the log, past that head."""
        head = self.store.head()
        reflected = self.store.read_model_head()
        if reflected is None or reflected.position < head.position:
            return False
        if reflected.position == head.position:
            return reflected.hash == head.hash
        found = list(self.store.read(after=reflected.position - 1, until=reflected.position))
        return bool(found) and found[0].hash == reflected.hash

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        actor: str | None = None,
        clock: Clock = _system_clock,
        durable: bool = True,
        progress: Callable[[int, int], None] | None = None,
    ) -> Ledger:
        """Open the ledger in a SQLite file, creating the file if it is missing, or, given a
        `postgresql://` URL, in a PostgreSQL schema (see docs/scaling.md).

        `progress(done, total)` is called while the read model is rebuilt, if it must be.
        """
        if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
            # psycopg is an optional extra: import it only for an address that needs it.
            from ledger.stores.postgres import PostgresStore  # noqa: PLC0415

            store: Store = PostgresStore(path)
        elif isinstance(path, str | os.PathLike):
            from ledger.stores.sqlite import SQLiteStore  # noqa: PLC0415

            store = SQLiteStore(path, durable=durable)
        else:
            raise ValidationError("path", "must be a file path or a postgresql:// URL", value=path)
        try:
            return cls(store, actor=actor, clock=clock, progress=progress)
        except BaseException:
            # The ledger owns the store it opened: one it cannot open must not stay open.
            store.close()
            raise

    @classmethod
    def in_memory(cls, *, actor: str | None = None, clock: Clock = _system_clock) -> Ledger:
        from ledger.stores.memory import MemoryStore  # noqa: PLC0415

        return cls(MemoryStore(), actor=actor, clock=clock)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Integrity.

    def verify(self, *, against: Digest | None = None) -> IntegrityReport:
        """Walk the hash chain from genesis and report the first bad position, if any; then
        check the read model against the log.

        Never raises over what it finds; chain `.raise_for_problem()` to fail loudly. Pass a
        digest published earlier to prove the log still extends it (see `ledger.verify`).
        """
        from ledger.verify import verify_log  # noqa: PLC0415

        return verify_log(self.store, against=against, registry=self._registry)

    def digest(self) -> Digest:
        """The store's head as a digest to publish; verify first if the log is not trusted."""
        from ledger.verify import Digest  # noqa: PLC0415

        head = self.store.head()
        return Digest(position=head.position, hash=head.hash)

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Rebuild the read model from the log, whether or not it looks current."""
        with self._lock:
            self.store.rebuild_read_model(progress)
            self._folds = Folds(self.store, registry=self._registry)

    # Reading.

    def sync(self) -> int:
        """Bring what this ledger holds, and its watched projections, up to date with what
        every writer appended; returns the head's position.

        Queries and commands do this themselves for what they touch.
        """
        with self._lock:
            self._folds.refresh()
            for runner in self._watched:
                runner.catch_up()
            return self.store.head().position

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
        with self._lock:
            opened = self._opened(incident).opened
            assert opened is not None  # noqa: S101 - `_opened` checked
            return opened

    def incidents(self) -> list[IncidentOpened]:
        """Every incident, in the order they were opened."""
        with self._lock:
            return [self.incident(incident) for incident in self.store.incident_ids()]

    def source(self, source: str) -> SourceRegistered:
        with self._lock:
            return LedgerState(sources=self._folds.current().sources).source(source)

    def sources(self) -> list[SourceRegistered]:
        """Every source, in the order they were registered."""
        with self._lock:
            return list(self._folds.current().sources.values())

    def terms(self, dimension: Dimension | str) -> dict[str, str | None]:
        """Every term of one dimension of the taxonomy, with its parent (None at the top)."""
        dimension = commands.choice(Dimension, dimension, "dimension")
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

        Both clocks default to now; a date means the end of that day, UTC. `occurred_by`
        keeps only figures whose period ends by that day ("deaths that occurred by Saturday").
        """
        as_of_t, known_at_t = _instant("as_of", as_of), _instant("known_at", known_at)
        if occurred_by is not None and (
            not isinstance(occurred_by, dt.date) or isinstance(occurred_by, dt.datetime)
        ):
            raise ValidationError("occurred_by", "must be a date", value=occurred_by)
        with self._lock:
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
        known_at_t = _instant("known_at", known_at)
        key = Key(metric=metric, group=group, by=by, place=place)
        with self._lock:
            index = self._opened(incident).index
            return compute_timeline(
                index.known_reports(incident, known_at_t),
                incident=incident,
                key=key,
                known_at=known_at_t,
                source=source,
            )

    def history(self, report_id: str) -> list[HistoryEntry]:
        """Every change to a report, oldest first: who, when on both clocks, why, and how."""
        with self._lock:
            fold, _ = self._report(report_id)
            return list(report_history(fold.index.tracks[report_id]))

    def changes(
        self,
        *,
        since: dt.datetime | dt.date | None = None,
        until: dt.datetime | dt.date | None = None,
        clock: str = "recorded",
        incident: str | None = None,
        source: str | None = None,
        actor: str | None = None,
    ) -> list[HistoryEntry]:
        """Changes to reports with `since < time <= until` on one clock, in log order.

        `clock` is "recorded" (when the ledger learned of the change) or "reported" (when it
        takes effect in the world; see `HistoryEntry.reported_at`). The window matches the
        tallies: the changes between `tally(known_at=a)` and `tally(known_at=b)` are
        `changes(since=a, until=b)`.
        """
        if clock not in ("recorded", "reported"):
            raise ValidationError("clock", "must be 'recorded' or 'reported'", value=clock)
        since_t, until_t = _instant("since", since), _instant("until", until)
        with self._lock:
            folds = (
                [self._opened(incident)]
                if incident is not None
                else [self._folds.incident(i) for i in self.store.incident_ids()]
            )
            found = []
            for fold in folds:
                for track in fold.index.tracks.values():
                    for entry in report_history(track):
                        at = entry.recorded_at if clock == "recorded" else entry.reported_at
                        if (
                            (since_t is None or at > since_t)
                            and (until_t is None or at <= until_t)
                            and source in (None, entry.source)
                            and actor in (None, entry.actor)
                        ):
                            found.append(entry)
            return sorted(found, key=lambda e: e.position)

    @staticmethod
    def diff(a: Tally, b: Tally) -> TallyDiff:
        """What appeared, disappeared and changed from tally `a` to tally `b`."""
        return diff_tallies(a, b)

    # Custom projections.

    def runner(self, projection: Projection[S]) -> ProjectionRunner[S]:
        """A runner for `projection` over this ledger's store: replay, resume, checkpoint."""
        return ProjectionRunner(projection, self.store, registry=self._registry)

    def watch(self, projection: Projection[S], *, resume: bool = True) -> ProjectionRunner[S]:
        """Run `projection` and keep it up to date as this ledger appends and syncs.

        With `resume`, start from its checkpoint in the store (if of the same version).
        Call `runner.checkpoint()` now and then to make the next start cheap.
        """
        runner = self.runner(projection)
        with self._lock:
            if resume:
                runner.resume()
            else:
                runner.replay()
            self._watched.append(runner)
        return runner

    # Subscribing.

    def subscribe(
        self,
        *,
        after: int = 0,
        poll_interval: float = 1.0,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> Subscription:
        """Stored events after position `after`, then each new one as it is appended, in order
        and each once, from this process or any other (see `ledger.subscription`).

        Ends when `stop` is set, after `idle_timeout` seconds with nothing new, or on close.
        """
        return Subscription(
            self.store,
            after=after,
            registry=self._registry,
            poll_interval=poll_interval,
            stop=stop,
            idle_timeout=idle_timeout,
        )

    def follow(
        self,
        projection: Projection[S],
        *,
        checkpoint_every: int = 1_000,
        poll_interval: float = 1.0,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> ProjectionRunner[S]:
        """Keep `projection` live from a subscription, for a worker thread or process.

        Resumes from the projection's checkpoint (or replays), then folds each new event as
        any process appends it, checkpointing every `checkpoint_every` events and at the end.
        Blocks until `stop` is set or `idle_timeout` seconds pass with nothing new.
        """
        runner = self.runner(projection)
        runner.resume()
        with self.subscribe(
            after=runner.position, poll_interval=poll_interval, stop=stop, idle_timeout=idle_timeout
        ) as subscription:
            keep_live(runner, subscription, checkpoint_every=checkpoint_every)
        return runner

    # Writing.

    def append(
        self,
        events: Sequence[Event],
        *,
        actor: str | None = None,
        reason: str | None = None,
        event_ids: Sequence[str] | None = None,
        reasons: Sequence[str | None] | None = None,
    ) -> list[StoredEvent]:
        """Check and append events as one batch: all of them or, on any error, none.

        Pass `event_ids` to make a retry safe: a batch whose ids were appended before returns
        the original events and writes nothing. `reasons` gives each event a reason of its
        own in place of `reason` (an import keeps each line's).
        """
        actor = self.actor if actor is None else actor
        check_text("actor", actor, required=True)
        check_text("reason", reason)
        events = _sequence("events", events)
        why = (
            [reason] * len(events)
            if reasons is None
            else [
                check_text(f"reasons[{i}]", r) for i, r in enumerate(_sequence("reasons", reasons))
            ]
        )
        if len(why) != len(events):
            raise ValidationError("reasons", "needs one reason per event", value=reasons)
        ids = (
            _new_ids(len(events))
            if event_ids is None
            # Ids go into stored bodies: one that is not an id would make the log unreadable.
            else [
                check_id(f"event_ids[{i}]", e)
                for i, e in enumerate(_sequence("event_ids", event_ids))
            ]
        )
        if len(ids) != len(events):
            raise ValidationError("event_ids", "needs one id per event", value=event_ids)
        if not events:
            return []
        with self._lock:
            if event_ids is not None and self.store.find(ids):
                # A retried batch was checked when it was first appended; checking it again
                # against a state that now includes it would refuse it as a duplicate.
                new = [
                    self._record(e, i, actor, r, None)
                    for e, i, r in zip(events, ids, why, strict=True)
                ]
                stored = self.store.append(new, now=self._now())
                return [decode_record(record, self._registry) for record in stored]
            # Anything that is not an event is refused by the check below, naming it.
            streams = {event.stream for event in events if isinstance(event, Event)}
            for stream in streams:  # up to date once; the check reads them as they are
                self._folds.current() if stream == GLOBAL_STREAM else self._folds.incident(stream)
            scratch = self._folds.state().fork()
            folds: list[tuple[ReportState | None, ReportState] | None] = []
            for event in events:
                scratch.check(event)
                before = (
                    scratch.reports.get(event.report_id)
                    if isinstance(event, REPORT_EVENTS)
                    else None
                )
                scratch.apply(event)
                folds.append(
                    (before, scratch.reports[event.report_id])
                    if isinstance(event, REPORT_EVENTS)
                    else None
                )
            new = [
                self._record(event, event_id, actor, event_reason, fold)
                for event, event_id, event_reason, fold in zip(events, ids, why, folds, strict=True)
            ]
            # Checking read each stream the batch touches up to its version now; the store
            # refuses the batch if any moved on since (another writer), and nothing is lost.
            expected = {stream: self._folds.version(stream) for stream in streams}
            records = self.store.append(new, now=self._now(), expected=expected)
            return self._folded(records, new, folds)

    def _now(self) -> dt.datetime:
        return utc("now", self._clock())

    def _record(
        self,
        event: Event,
        event_id: str,
        actor: str,
        reason: str | None,
        fold: tuple[ReportState | None, ReportState] | None,
    ) -> NewRecord:
        return NewRecord(
            event_id=event_id,
            stream=event.stream,
            body=self._registry.encode(event, event_id=event_id, actor=actor, reason=reason),
            event=event,
            actor=actor,
            reason=reason,
            report=None if fold is None else fold[1],
        )

    def _folded(
        self,
        records: Sequence[Record],
        new: Sequence[NewRecord],
        folds: Sequence[tuple[ReportState | None, ReportState] | None],
    ) -> list[StoredEvent]:
        """Fold the batch just appended into the folds that checked it, without decoding
        what was encoded a moment ago, and return its stored events."""
        stored = []
        for record, made, fold in zip(records, new, folds, strict=True):
            assert made.event is not None  # noqa: S101 - `_record` sets it
            event = StoredEvent(
                position=record.position,
                stream=record.stream,
                version=record.version,
                event_id=record.event_id,
                recorded_at=record.recorded_at,
                actor=made.actor,
                reason=made.reason,
                event=made.event,
                hash=record.hash,
            )
            self._folds.fold_own(event, fold)
            stored.append(event)
        for runner in self._watched:
            runner.catch_up()
        return stored

    def scratch(self) -> LedgerState:
        """A scratch state over the current one, to check a batch event by event before
        appending it (`check`, then `apply`, as `append` does) when the caller must say which
        event is wrong, as an import names the line. Nothing done to it reaches the ledger."""
        with self._lock:
            return self._folds.state().fork()

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
        """Open an incident. Places new to the taxonomy are added under "all" in the same batch."""
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
    ) -> StoredEvent:
        return self._command(
            lambda _: commands.register_source(source, name=name, kind=kind, url=url, notes=notes),
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
    ) -> str:
        """File one source's claim of one figure; returns the new report's id."""
        stored = self._command(
            lambda _: commands.file_report(
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


def _check_window(after: object, until: object) -> None:
    for name, value in (("after", after), ("until", until)):
        if value is None and name == "until":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValidationError(name, "must be a log position, a whole number >= 0", value=value)


def _sequence(field: str, value: object) -> list[Any]:
    """A list or tuple, the shapes a batch comes in; text and mappings are refused, not split."""
    if not isinstance(value, list | tuple):
        raise ValidationError(
            field, f"must be a list or tuple, got {type(value).__name__}", value=value
        )
    return list(value)
