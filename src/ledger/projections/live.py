"""Keeping a projection live from a subscription, with checkpoints stored beside the log."""

from __future__ import annotations

from typing import TypeVar

from ledger.projections.protocol import ProjectionRunner
from ledger.subscription import Subscription

S = TypeVar("S")


def keep_live(
    runner: ProjectionRunner[S], subscription: Subscription, *, checkpoint_every: int = 1_000
) -> S:
    """Fold each event the subscription delivers, checkpointing every `checkpoint_every`
    events and when the subscription ends, however it ends.

    The subscription must start after `runner.position`; the runner ignores repeats and
    refuses gaps, so a mismatch fails loudly instead of losing events. On a store error,
    resume later from the last checkpoint: at most `checkpoint_every` events are folded again.
    """

    def due() -> bool:
        return runner.position - (runner.checkpointed or 0) >= checkpoint_every

    try:
        # What `resume` folded before the subscription started counts towards the first
        # checkpoint too: a restart should not have to fold it again.
        if due():
            runner.checkpoint()
        for event in subscription:
            runner.feed(event)
            if due():
                runner.checkpoint()
    finally:
        if runner.position != (runner.checkpointed or 0):
            runner.checkpoint()
    return runner.state
