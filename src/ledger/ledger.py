"""The facade users embed: commands that validate and append, queries that read.

Every command follows one path: build events from the current state (`ledger._commands`),
bring the streams they touch up to date, check each against the state
(`LedgerState.check`), and append them as one batch with the stream versions it checked
against. Anything that fails on that path writes nothing. The questions live in
`ledger._queries`; this module holds opening, integrity, transactions and the append path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

import attrs

from ledger._commands import Commands
from ledger._fields import check_id, check_text, utc
from ledger._queries import Queries
from ledger.codec import EVENTS, DecodedBody, EventRegistry
from ledger.errors import (
    LedgerError,
    LineError,
    ValidationError,
)
from ledger.events import (
    GLOBAL_STREAM,
    REPORT_EVENTS,
    Event,
    ReportFiled,
    StoredEvent,
)
from ledger.figures import Language
from ledger.log import NewRecord, Record, Store, decode_record, record_at
from ledger.model import ReportState
from ledger.projections.folds import DEFAULT_CACHE_EVENTS, Folds
from ledger.state import LedgerState
from ledger.wording import language_of

if TYPE_CHECKING:  # the verifier is loaded by the commands that verify
    from ledger.projections.protocol import Projection, ProjectionRunner
    from ledger.subscription import Subscription
    from ledger.verify import Digest, IntegrityReport

Clock = Callable[[], dt.datetime]


S = TypeVar("S")


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


class Ledger(Queries, Commands):
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
        language: Language | str = Language.EN,
    ) -> None:
        self.store = store
        self.actor = actor if actor is not None else _default_actor()
        check_text("actor", self.actor, required=True)
        self._clock = clock
        self._registry = registry
        self._lock = threading.RLock()
        self._cache_events = cache_events
        # The default for figures given as text (issue 15), not recorded: every figure in
        # the log names its own language.
        self._language = language_of(language)
        #: The recorded instant of every append inside `transaction()`.
        self._batch_time: dt.datetime | None = None
        self._folds = Folds(
            store, registry=registry, cache_events=cache_events, language=self._language
        )
        self._watched: list[ProjectionRunner[Any]] = []
        self._asked: set[str] = set()
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
        found = record_at(self.store, reflected.position)
        return found is not None and found.hash == reflected.hash

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        actor: str | None = None,
        clock: Clock = _system_clock,
        durable: bool = True,
        progress: Callable[[int, int], None] | None = None,
        language: Language | str = Language.EN,
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
            return cls(store, actor=actor, clock=clock, progress=progress, language=language)
        except BaseException:
            # The ledger owns the store it opened: one it cannot open must not stay open.
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
        from ledger.stores.memory import MemoryStore  # noqa: PLC0415

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

    def verify(
        self, *, against: Digest | None = None, since: Digest | None = None, deep: bool = False
    ) -> IntegrityReport:
        """Walk the hash chain from genesis and report the first bad position, if any; then
        check the read model against the log.

        Never raises over what it finds; chain `.raise_for_problem()` to fail loudly. Pass a
        digest published earlier to prove the log still extends it (see `ledger.verify`), or
        as `since` a digest an earlier verification gave, to check only what was appended
        after it. `deep` also checks the schema's guards and replays every event under the
        domain rules into a scratch ledger, so an impossible event under a sound chain is
        named; that replay reads the whole log, so it does not go with `since`.
        """
        from ledger.verify import IntegrityProblem, ProblemKind, verify_log  # noqa: PLC0415

        report = verify_log(
            self.store, against=against, since=since, registry=self._registry, deep=deep
        )
        if not deep or not report.ok:
            return report
        impossible = self._first_impossible()
        if impossible is None:
            return report
        position, detail = impossible
        problem = IntegrityProblem(position=position, kind=ProblemKind.IMPOSSIBLE, detail=detail)
        return attrs.evolve(report, problem=problem)

    def _first_impossible(self) -> tuple[int, str] | None:
        """The first event that appending could not have written, checked as a restore checks
        an export: each run of one recorded instant replayed into a scratch file."""
        import tempfile  # noqa: PLC0415 - only a deep verify builds a scratch copy

        from ledger.stores.sqlite import SQLiteStore  # noqa: PLC0415

        with tempfile.TemporaryDirectory(prefix="ledger-deep-") as directory:
            scratch = Ledger(
                SQLiteStore(Path(directory) / "replay.db", durable=False), actor="verify"
            )
            try:
                run: list[tuple[Record, DecodedBody]] = []
                for record in self.store.read():
                    if run and record.recorded_at != run[0][0].recorded_at:
                        scratch._replay(run)
                        run = []
                    run.append((record, self._registry.decode(record.body)))
                if run:
                    scratch._replay(run)
            except LineError as exc:
                return exc.line, str(exc.error or exc).removeprefix(f"line {exc.line}: ")
            except LedgerError as exc:
                return self.store.head().position, str(exc)
            finally:
                scratch.close()
        return None

    def _replay(self, run: Sequence[tuple[Record, DecodedBody]]) -> None:
        self._append_checked(
            [body.event for _, body in run],
            [record.event_id for record, _ in run],
            [body.actor for _, body in run],
            [body.reason for _, body in run],
            bodies=[record.body for record, _ in run],
            now=run[0][0].recorded_at,
            lines=[record.position for record, _ in run],
        )

    def digest(self) -> Digest:
        """The store's head as a digest to publish; verify first if the log is not trusted."""
        from ledger.verify import Digest  # noqa: PLC0415

        head = self.store.head()
        return Digest(position=head.position, hash=head.hash)

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Rebuild the read model from the log, whether or not it looks current."""
        with self._lock:
            self.store.rebuild_read_model(progress)
            self._forget()

    def redact(
        self, report_id: str, *, field: str, reason: str, version: int | None = None
    ) -> list[int]:
        """Erase a free-text field's text from a report's records, keeping verification; see
        `ledger.redaction.redact`. Returns the positions of the records erased."""
        from ledger.redaction import redact  # noqa: PLC0415 - a rare path, loaded on use

        return redact(self, report_id, field=field, reason=reason, version=version)

    def _forget(self) -> None:
        """Drop every fold held: the next question folds afresh what the store holds."""
        self._folds = Folds(
            self.store,
            registry=self._registry,
            cache_events=self._cache_events,
            language=self._language,
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit every append made inside together when the block ends, or none of them if
        it raises: an import of any length in bounded batches, all or nothing. Other writers
        wait until it ends; readers in other processes see nothing of it until then."""
        with self._lock:
            outer = self._batch_time is None
            if outer:
                # One instant for the whole transaction: what the ledger knew at any time is
                # all of it or none of it, as it was for readers.
                self._batch_time = self._now()
            try:
                with self.store.transaction():
                    yield
            except BaseException:
                self._forget()  # the folds took in batches that were never committed
                raise
            finally:
                if outer:
                    self._batch_time = None

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

    # Custom projections.

    def runner(self, projection: Projection[S]) -> ProjectionRunner[S]:
        """A runner for `projection` over this ledger's store: replay, resume, checkpoint."""
        from ledger.projections.protocol import ProjectionRunner  # noqa: PLC0415 - off the path of `import ledger`

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
        from ledger.subscription import Subscription  # noqa: PLC0415 - off the path of `import ledger`

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
        on_event: Callable[[StoredEvent, S], None] | None = None,
    ) -> ProjectionRunner[S]:
        """Keep `projection` live from a subscription, for a worker thread or process.

        Resumes from the projection's checkpoint (or replays), then folds each new event as
        any process appends it, checkpointing every `checkpoint_every` events and at the end.
        Blocks until `stop` is set or `idle_timeout` seconds pass with nothing new.
        `on_event(event, state)` is called after each new event is folded, with the state
        after it, for a tool's own reaction to each change.
        """
        from ledger.projections.live import keep_live  # noqa: PLC0415 - off the path of `import ledger`

        runner = self.runner(projection)
        runner.resume()
        with self.subscribe(
            after=runner.position, poll_interval=poll_interval, stop=stop, idle_timeout=idle_timeout
        ) as subscription:
            keep_live(runner, subscription, checkpoint_every=checkpoint_every, on_event=on_event)
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
                new = self._as_stored(
                    [
                        self._record(e, i, actor, r, batch=(n, len(events)))
                        for n, (e, i, r) in enumerate(zip(events, ids, why, strict=True))
                    ]
                )
                stored = self.store.append(new, now=self._now())
                return [decode_record(record, self._registry) for record in stored]
            return self._append_checked(events, ids, [actor] * len(events), why)

    def _append_checked(
        self,
        events: Sequence[Event],
        ids: Sequence[str],
        actors: Sequence[str],
        reasons: Sequence[str | None],
        *,
        bodies: Sequence[bytes] | None = None,
        now: dt.datetime | None = None,
        lines: Sequence[int] | None = None,
    ) -> list[StoredEvent]:
        """Check each event against the state, then append them with these ids: `append`'s
        way, encoding each checked event, and a restore's, which gives each record's own
        `bodies` and time.

        Given the file `lines` the events came from, a check that fails raises `LineError`
        naming the event's line."""
        # Anything that is not an event is refused by the check below, naming it.
        streams = {event.stream for event in events if isinstance(event, Event)}
        for stream in streams:  # up to date once; the check reads them as they are
            self._folds.current() if stream == GLOBAL_STREAM else self._folds.incident(stream)
        now = self._now() if now is None else now
        scratch = self._folds.state(now=now).fork()
        folds: list[tuple[ReportState | None, ReportState] | None] = []
        for i, event in enumerate(events):
            try:
                scratch.check(event)
            except LedgerError as exc:
                if lines is None:
                    raise
                field = getattr(exc, "field", None)
                raise LineError(lines[i], field, str(exc), error=exc) from exc
            # A filing starts its report (`check` refused a taken id); others continue one.
            before = (
                scratch.reports.get(event.report_id)
                if isinstance(event, REPORT_EVENTS) and not isinstance(event, ReportFiled)
                else None
            )
            scratch.apply(event)
            folds.append(
                (before, scratch.reports[event.report_id])
                if isinstance(event, REPORT_EVENTS)
                else None
            )
        new = [
            self._record(
                event,
                event_id,
                actor,
                reason,
                body=None if bodies is None else bodies[i],
                batch=(i, len(events)),
                report=None if fold is None else fold[1],
            )
            for i, (event, event_id, actor, reason, fold) in enumerate(
                zip(events, ids, actors, reasons, folds, strict=True)
            )
        ]
        # Checking read each stream the batch touches up to its version now; the store
        # refuses the batch if any moved on since (another writer), and nothing is lost.
        expected = {stream: self._folds.version(stream) for stream in streams}
        records = self.store.append(new, now=now, expected=expected)
        return self._folded(records, new, folds)

    def _as_stored(self, new: list[NewRecord]) -> list[NewRecord]:
        """A retried batch's records with the bodies stored the first time, where the event,
        actor, reason and place in the batch are the same: a body's free-text salts are drawn
        afresh on each encoding (ledger.codec), so a retry's own bytes differ from the first."""
        found = self.store.find([r.event_id for r in new])
        if not found:
            return new
        stored = {
            r.event_id: r
            for r in self.store.read(after=min(found.values()) - 1, until=max(found.values()))
        }
        same = []
        for record in new:
            old = stored.get(record.event_id)
            if old is not None:
                body = self._registry.decode(old.body, position=old.position)
                mine = self._registry.decode(record.body)
                if (body.event, body.actor, body.reason, body.batch) == (
                    mine.event,
                    mine.actor,
                    mine.reason,
                    mine.batch,
                ) and old.stream == record.stream:
                    record = attrs.evolve(record, body=old.body)  # noqa: PLW2901 - the stored one
            same.append(record)
        return same

    def _now(self) -> dt.datetime:
        if self._batch_time is not None:
            return self._batch_time
        return utc("now", self._clock())

    def _record(
        self,
        event: Event,
        event_id: str,
        actor: str,
        reason: str | None,
        *,
        body: bytes | None = None,
        batch: tuple[int, int] | None = None,
        report: ReportState | None = None,
    ) -> NewRecord:
        """The record an event is appended as: its body encoded here, stating its place in
        the `batch`, unless given (a restore keeps the exported bytes), with what the store
        keeps its read model from."""
        if body is None:
            body = self._registry.encode(
                event, event_id=event_id, actor=actor, reason=reason, batch=batch
            )
        return NewRecord(
            event_id=event_id,
            stream=event.stream,
            body=body,
            event=event,
            actor=actor,
            reason=reason,
            report=report,
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
            return self._folds.state(now=self._now()).fork()


def _sequence(field: str, value: object) -> list[Any]:
    """A list or tuple, the shapes a batch comes in; text and mappings are refused, not split."""
    if not isinstance(value, list | tuple):
        raise ValidationError(
            field, f"must be a list or tuple, got {type(value).__name__}", value=value
        )
    return list(value)
