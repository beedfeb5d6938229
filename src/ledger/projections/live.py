"""Keeping a projection live from a subscription, with checkpoints stored beside the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ledger.events import StoredEvent
from ledger.projections.protocol import ProjectionRunner
from ledger.subscription import Subscription

S = TypeVar("S")


def keep_live(
    runner: ProjectionRunner[S],
    subscription: Subscription,
    *,
    checkpoint_every: int = 1_000,
    on_event: Callable[[StoredEvent, S], None] | None = None,
) -> S:
    """Fold each event the subscription delivers, checkpointing every `checkpoint_every`
    events and when the subscription ends, however it ends.

    The subscription must start after `runner.position`; the runner ignores repeats and
    refuses gaps, so a mismatch fails loudly instead of losing events. On a store error,
    resume later from the last checkpoint: at most `checkpoint_every` events are folded again.
    `on_event(event, state)` is called after each event is folded, with the state after it:
    a tool's hook (print the change, push a notification, refresh a chart). An exception it
    raises ends the loop, after the checkpoint.
    """

    def due() -> bool:
        return runner.position - (runner.checkpointed or 0) >= checkpoint_every

    try:
        # What `resume` folded before the subscription started counts towards the first
        # checkpoint too: a restart should not have to fold it again.
        if due():
            runner.checkpoint()
        for event in subscription:
            state = runner.feed(event)
            if on_event is not None and event.position == runner.position:
                on_event(event, state)
            if due():
                runner.checkpoint()
    finally:
        if runner.position != (runner.checkpointed or 0):
            runner.checkpoint()
    return runner.state
