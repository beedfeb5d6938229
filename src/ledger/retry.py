"""Retrying a command that lost an optimistic race to another writer.

A `Ledger` command reads the store's head, checks the new events against that state and
appends them only if no other writer moved the streams in between; if one did, the store
refuses the batch with `ConcurrencyError` and nothing is written. Retrying is then safe, but
only by running the *whole command* again: each command catches up with the store first, so
a retried command re-syncs and re-validates against what the other writer wrote (a report
it retracted meanwhile is refused, not revised). That is why the helper takes a function that
issues the command, never prepared events.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from ledger.errors import ConcurrencyError, ValidationError

T = TypeVar("T")


def retry_on_conflict(
    command: Callable[[], T],
    *,
    attempts: int = 5,
    backoff: float = 0.01,
    max_backoff: float = 1.0,
    on_conflict: Callable[[ConcurrencyError, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """Run `command`, running it again after a `ConcurrencyError`, at most `attempts` times.

    Between attempts it sleeps a random share of an exponentially growing delay (`backoff`,
    doubled each time, capped at `max_backoff`: "full jitter"), so writers that collided do
    not collide again in lockstep. The last `ConcurrencyError` propagates once the attempts
    are spent; every other error propagates at once, since trying again would not change it.
    `on_conflict(error, attempt)` sees each lost race, e.g. to count them.

        retry_on_conflict(lambda: ledger.revise_report(rid, figure="at least 320", ...))
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValidationError("attempts", "must be a whole number >= 1", value=attempts)
    for name, value in (("backoff", backoff), ("max_backoff", max_backoff)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise ValidationError(name, "must be a number of seconds >= 0", value=value)
    for attempt in range(1, attempts + 1):
        try:
            return command()
        except ConcurrencyError as exc:
            if on_conflict is not None:
                on_conflict(exc, attempt)
            if attempt == attempts:
                raise
            sleep(jitter() * min(max_backoff, backoff * 2 ** (attempt - 1)))
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
