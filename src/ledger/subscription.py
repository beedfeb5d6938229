"""Live subscriptions: the log's events in order, then each new one as it is appended.

A subscription keeps one number, the position of the last event it delivered, and re-reads
the log after it. It never trusts a notification to carry events, only to say "look again":
so every store gives the same guarantees (each event once, in position order, none skipped)
and differs only in how soon it looks again. Stores that can notify (PostgreSQL, through
LISTEN/NOTIFY) offer `listen()`; the others are polled every `poll_interval` seconds, and a
notifying store is polled too, so a lost notification delays a subscriber but never stalls it.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import time
from collections.abc import Generator
from types import TracebackType
from typing import Final, Protocol, Self, runtime_checkable

from ledger.codec import EVENTS, EventRegistry
from ledger.errors import ValidationError
from ledger.events import StoredEvent
from ledger.log import Store, decode_record

#: How often a waiting subscription checks its `stop` event (seconds): how long a stop takes.
STOP_CHECK: Final = 0.05


class Listener(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds for news of an append; True if some came."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class NotifyingStore(Protocol):
    """A store that can wake subscribers when it is appended to."""

    def listen(self) -> Listener: ...


def _seconds(value: object) -> bool:
    """Whether `value` is a number of seconds that time arithmetic can take (NaN passes
    here and fails the comparisons after; 10**400 is no float at all)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        float(value)
    except OverflowError:
        return False
    return True


class Subscription:
    """An iterator over stored events after a position: first those in the log, then, waiting
    as needed, each one appended later, in position order and each exactly once.

    It ends when `stop` is set, when nothing new came for `idle_timeout` seconds (`0` means:
    catch up, then end), or when it is closed (`close()`, or leaving a `with` block). A store
    error ends it with that error; `position` says where to subscribe again.
    """

    def __init__(
        self,
        store: Store,
        *,
        after: int = 0,
        registry: EventRegistry = EVENTS,
        poll_interval: float = 1.0,
        stop: threading.Event | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < 2**63:
            raise ValidationError(
                "after", "must be a log position, a whole number >= 0", value=after
            )
        if not _seconds(poll_interval) or not poll_interval > 0:
            raise ValidationError(
                "poll_interval", "must be seconds, more than 0", value=poll_interval
            )
        if idle_timeout is not None and (not _seconds(idle_timeout) or not idle_timeout >= 0):
            raise ValidationError("idle_timeout", "must be seconds, 0 or more", value=idle_timeout)
        if stop is not None and not isinstance(stop, threading.Event):
            raise ValidationError("stop", "must be a threading.Event or None", value=stop)
        self._store = store
        self._registry = registry
        self._position = after
        self._poll_interval = poll_interval
        self._stop = stop
        self._idle_timeout = idle_timeout
        self._closed = threading.Event()
        # Listen before the first read, so nothing appended in between goes unannounced.
        self._listener = store.listen() if isinstance(store, NotifyingStore) else None
        self._events = self._run()

    @property
    def position(self) -> int:
        """The position of the last event delivered (or `after`, before the first)."""
        return self._position

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> StoredEvent:
        return next(self._events)

    def close(self) -> None:
        """End the subscription and release its connection; safe from any thread."""
        self._closed.set()
        # Another thread may be inside the generator; it sees `_closed` within STOP_CHECK and
        # cleans up itself. Otherwise close it here, which runs its cleanup at once.
        if inspect.getgeneratorstate(self._events) != inspect.GEN_RUNNING:
            with contextlib.suppress(ValueError):
                self._events.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _stopped(self) -> bool:
        return self._closed.is_set() or (self._stop is not None and self._stop.is_set())

    def _run(self) -> Generator[StoredEvent]:
        try:
            idle_since: float | None = None
            while not self._stopped():
                found = False
                for record in self._store.read(after=self._position):
                    event = decode_record(record, self._registry)
                    found = True
                    self._position = record.position
                    yield event
                    if self._stopped():
                        return
                if found:
                    # More may have landed while the caller worked: look again before waiting.
                    idle_since = None
                    continue
                now = time.monotonic()
                idle_since = now if idle_since is None else idle_since
                if self._idle_timeout is not None:
                    left = self._idle_timeout - (now - idle_since)
                    if left <= 0:
                        return
                    self._wait(min(self._poll_interval, left))
                else:
                    self._wait(self._poll_interval)
        finally:
            if self._listener is not None:
                self._listener.close()

    def _wait(self, timeout: float) -> None:
        """Wait until news of an append, the end of `timeout`, or a stop, whichever is first.

        The wait is cut into slices of STOP_CHECK so that a `stop` event, which nothing can
        wait on together with a socket, is noticed promptly.
        """
        deadline = time.monotonic() + timeout
        while not self._stopped():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._listener is None:
                self._closed.wait(min(left, STOP_CHECK))
            elif self._listener.wait(min(left, STOP_CHECK)):
                return
