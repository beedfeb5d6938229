"""The facade users embed: commands that validate and append, queries that read.

Every command follows one path: catch up with the store, build events, check each against
the current state (`LedgerState.check`), and append them as one batch with the stream
versions it checked against. Anything that fails on that path writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import getpass
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from ledger import commands
from ledger._fields import check_id, check_text, utc
from ledger.codec import EVENTS, EventRegistry, load_body
from ledger.errors import ValidationError
from ledger.events import (
    REPORT_EVENTS,
    Event,
    IncidentOpened,
    ReportFiled,
    SourceRegistered,
    StoredEvent,
)
from ledger.figures import Figure, Language
from ledger.log import NewRecord, Store, decode_record, stored_event
from ledger.projections.audit import HistoryEntry, TallyDiff, diff_tallies, report_history
from ledger.projections.live import keep_live
from ledger.projections.protocol import Projection, ProjectionRunner
from ledger.projections.reports import CurrentReports, ReportIndexProjection
from ledger.projections.tally import Key, Tally, compute_tally
from ledger.projections.timeline import Timeline, compute_timeline
from ledger.state import LedgerState, ReportState
from ledger.stores.memory import MemoryStore
from ledger.stores.sqlite import SQLiteStore
from ledger.subscription import Subscription
from ledger.taxonomy import ROOT, Dimension, Taxonomy
from ledger.values import Period, Provenance, SourceKind
from ledger.verify import Digest, IntegrityReport, verify_log
from ledger.wording import language_of

Clock = Callable[[], dt.datetime]
#: An event this ledger appended, as `_sync` folds it: its id, the event, its reason, and
#: for a report event the report before and after it, as checking the batch computed them.
_Own = tuple[str, Event, str | None, tuple[ReportState | None, ReportState] | None]
S = TypeVar("S")


def _instant(name: str, value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A point on a clock: an aware datetime, or a date meaning the end of that day, UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return utc(name, value)
    if isinstance(value, dt.date):
        midnight = dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        return midnight - dt.timedelta(microseconds=1)
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


#: Events a ledger must replay on opening before it settles the garbage collector.
_SETTLE_AFTER: Final = 100_000


class Ledger:
    """An incident ledger over a store. Safe to share between threads of one process."""

    def __init__(
        self,
        store: Store,
        *,
        actor: str | None = None,
        clock: Clock = _system_clock,
        registry: EventRegistry = EVENTS,
        language: Language | str = Language.EN,
    ) -> None:
        self.store = store
        self.actor = actor if actor is not None else _default_actor()
        check_text("actor", self.actor, required=True)
        self._clock = clock
        self._registry = registry
        self._lock = threading.RLock()
        self._index = ProjectionRunner(ReportIndexProjection(registry), store, registry=registry)
        # `language`: the default for figures given as text (issue 15), not recorded: every
        # figure in the log names its own language.
        self._state = LedgerState(
            reports=CurrentReports(self._index.state.tracks), language=language_of(language)
        )
        self._position = 0
        self._versions: dict[str, int] = {}
        self._watched: list[ProjectionRunner[Any]] = []
        self._sync()
        if self._position >= _SETTLE_AFTER and gc.isenabled():
            # The replay ran with the collector paused, so everything it built sits in the
            # youngest generation; left there, the next few collections would each walk it
            # on its way to the oldest. One full collection now walks it once.
            gc.collect()

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        actor: str | None = None,
        clock: Clock = _system_clock,
        durable: bool = True,
        language: Language | str = Language.EN,
    ) -> Ledger:
        """Open the ledger in a SQLite file, creating the file if it is missing, or, given a
        `postgresql://` URL, in a PostgreSQL schema (see docs/scaling.md)."""
        if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
            # psycopg is an optional extra: import it only for an address that needs it.
            from ledger.stores.postgres import PostgresStore  # noqa: PLC0415

            store: Store = PostgresStore(path)
        elif isinstance(path, str | os.PathLike):
            store = SQLiteStore(path, durable=durable)
        else:
            raise ValidationError("path", "must be a file path or a postgresql:// URL", value=path)
        try:
            return cls(store, actor=actor, clock=clock, language=language)
        except BaseException:
            # The ledger owns the store it opened: one it cannot replay must not stay open.
            store.close()
            raise

    @classmethod
    def in_memory(
        cls,
        *,
        actor: str | None = None,
        clock: Clock = _system_clock,
        language: Language | str = Language.EN,
    ) -> Ledger:
        return cls(MemoryStore(), actor=actor, clock=clock, language=language)

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
        """Walk the hash chain from genesis and report the first bad position, if any.

        Never raises over what it finds; chain `.raise_for_problem()` to fail loudly. Pass a
        digest published earlier to prove the log still extends it (see `ledger.verify`).
        """
        return verify_log(self.store, against=against, registry=self._registry)

    def digest(self) -> Digest:
        """The store's head as a digest to publish; verify first if the log is not trusted."""
        head = self.store.head()
        return Digest(position=head.position, hash=head.hash)

    # Reading.

    def _sync(
        self,
        own: Mapping[int, _Own] | None = None,
        actor: str = "",
    ) -> dict[int, StoredEvent]:
        """Fold whatever other writers appended since we last looked.

        `own` maps the positions of a batch this ledger just appended to its event ids,
        events, reasons and the report states its check computed (`_Own`): those are in
        hand already, so they are folded without decoding the bodies we encoded a moment
        ago, nor folding the events a second time. Returns the stored events of `own` it
        folded.
        Revisions by other writers (or on opening) are folded from their bodies without
        building events (`ReportIndex.revise`) unless a watched projection needs them.
        """
        folded: dict[int, StoredEvent] = {}
        watched, versions = self._watched, self._versions
        # Bound once: a replay runs this loop for every event of the log.
        revision, revise = self._registry.revision, self._index.state.revise
        with self._lock, _collector_paused():
            last = self._position
            try:
                for record in self.store.read(after=last):
                    position = record.position
                    mine = None if own is None else own.get(position)
                    if mine is not None and mine[0] != record.event_id:
                        mine = None  # another event holds the position we were told of
                    if mine is not None:
                        stored = folded[position] = StoredEvent(
                            position=position,
                            stream=record.stream,
                            version=record.version,
                            event_id=record.event_id,
                            recorded_at=record.recorded_at,
                            actor=actor,
                            reason=mine[2],
                            event=mine[1],
                            hash=record.hash,
                        )
                    else:
                        raw = load_body(record.body, position=position)
                        quick = None if watched else revision(raw)
                        if quick is not None and revise(position, record.recorded_at, *quick):
                            versions[record.stream] = record.version
                            last = position
                            continue
                        body = self._registry.decode_raw(raw, position=position)
                        stored = stored_event(record, body)
                    self._index.position = last  # what the index runner has folded
                    self._fold(stored, None if mine is None else mine[3])
                    last = position
                    for runner in watched:
                        runner.feed(stored)
            finally:
                self._position = self._index.position = last
        return folded

    def _fold(
        self, stored: StoredEvent, fold: tuple[ReportState | None, ReportState] | None
    ) -> None:
        """Fold one stored event; `_sync`, its only caller, keeps the positions."""
        event = stored.event
        if fold is not None:
            self._index.state.take(stored, *fold)
        else:
            # Reports live in the index alone (the state reads them through it); the state
            # keeps incidents, sources and taxonomy for checking commands.
            if not isinstance(event, REPORT_EVENTS):
                self._state.apply(event)
            self._index.feed(stored)
        self._versions[stored.stream] = stored.version

    def sync(self) -> int:
        """Catch up with what other writers appended; returns the last position seen.

        Queries and commands do this themselves; call it to bring watched projections up
        to date without asking anything else.
        """
        with self._lock:
            self._sync()
            return self._position

    def _read(self, *, after: int = 0, until: int | None = None) -> Iterator[StoredEvent]:
        for record in self.store.read(after=after, until=until):
            yield decode_record(record, self._registry)

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
        """The position of the last event this ledger has seen."""
        with self._lock:
            self._sync()
            return self._position

    @property
    def taxonomy(self) -> Taxonomy:
        with self._lock:
            self._sync()
            return self._state.taxonomy

    def incident(self, incident: str) -> IncidentOpened:
        with self._lock:
            self._sync()
            return self._state.incident(incident)

    def source(self, source: str) -> SourceRegistered:
        with self._lock:
            self._sync()
            return self._state.source(source)

    def report(self, report_id: str) -> ReportState:
        """The report as it stands now: its classification, versions and status."""
        with self._lock:
            self._sync()
            return self._state.report(report_id)

    def reports(self, incident: str | None = None) -> list[ReportState]:
        """Every report (of one incident, if given) as it stands now, in filing order."""
        with self._lock:
            self._sync()
            if incident is not None:
                self._state.incident(incident)
            tracks = self._index.state.tracks
            ids = self._index.state.report_ids(incident) if incident is not None else tracks
            return [tracks[report_id].state for report_id in ids]

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
            self._sync()
            self._state.incident(incident)
            index = self._index.state
            return compute_tally(
                [
                    (state, track.filed_at)
                    for state, track in index.standing(incident, known_at_t, as_of_t)
                ],
                taxonomy=self._state.taxonomy,
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
            self._sync()
            self._state.incident(incident)
            index = self._index.state
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
            self._sync()
            self._state.report(report_id)
            return list(report_history(self._index.state.tracks[report_id]))

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
            self._sync()
            index = self._index.state
            if incident is not None:
                self._state.incident(incident)
            ids = index.report_ids(incident) if incident is not None else list(index.tracks)
            found = []
            for report_id in ids:
                for entry in report_history(index.tracks[report_id]):
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
            self._sync()
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
        with self._lock, _collector_paused():
            self._sync()
            # A retried batch was checked when it was first appended; checking it again
            # against a state that now includes it would refuse it as a duplicate.
            retry = event_ids is not None and bool(self.store.find(ids))
            scratch = self._state.fork()
            folds: list[tuple[ReportState | None, ReportState] | None] = []
            for event in [] if retry else events:
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
            records = [
                NewRecord(
                    event_id=event_id,
                    stream=event.stream,
                    body=self._registry.encode(
                        event, event_id=event_id, actor=actor, reason=event_reason
                    ),
                )
                for event, event_id, event_reason in zip(events, ids, why, strict=True)
            ]
            expected = {e.stream: self._versions.get(e.stream, 0) for e in events}
            positions = self.store.append(records, now=utc("now", self._clock()), expected=expected)
            own = {
                p: (r.event_id, e, why_p, fold)
                for p, r, e, why_p, fold in zip(
                    positions, records, events, why, folds or [None] * len(events), strict=True
                )
            }
            folded = self._sync(own, actor)
            if all(p in folded for p in positions):
                return [folded[p] for p in positions]
            # A retried batch was folded before: read back what the store holds.
            first = min(positions, default=1)
            stored = {s.position: s for s in self._read(after=first - 1, until=max(positions))}
            return [stored[p] for p in positions]

    def scratch(self) -> LedgerState:
        """A scratch state over the current one, to check a batch event by event before
        appending it (`check`, then `apply`, as `append` does) when the caller must say which
        event is wrong, as an import names the line. Nothing done to it reaches the ledger."""
        with self._lock:
            self._sync()
            return self._state.fork()

    def _command(
        self,
        build: Callable[[LedgerState], list[Event]],
        *,
        actor: str | None,
        reason: str | None,
    ) -> StoredEvent:
        """Build a command's events from the current state, append them, return the last."""
        with self._lock:
            self._sync()
            return self.append(build(self._state), actor=actor, reason=reason)[-1]

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
        language: Language | str | None = None,
    ) -> StoredEvent:
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


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while folding a batch or a replay.

    Folding allocates many objects that live as long as the ledger and form no cycles; with
    the collector on, each of its full passes walks every object the ledger already holds,
    which halved replay speed at 300,000 events (docs/performance.md). Nothing is lost:
    cycles made meanwhile are collected on a later pass. Only a collector that was on is
    turned back on, so a caller's own `gc.disable()` is kept.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
