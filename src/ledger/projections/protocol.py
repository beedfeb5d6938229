"""Projections: deterministic folds over stored events, and the runner that keeps them.

A projection says how to start (`initial`), how to fold one stored event into its state
(`apply`), and how to turn that state into bytes and back (`dump`, `load`) for checkpoints.
`ProjectionRunner` runs it three ways that must always agree, bit for bit: a full replay, an
incremental catch-up as events arrive, and a resume from the last checkpoint in the store.
"""

from __future__ import annotations

import json
from typing import Any, Generic, Protocol, TypeVar

from ledger.codec import EVENTS, EventRegistry, converter
from ledger.errors import CodecError, ProjectionError
from ledger.events import StoredEvent
from ledger.log import GENESIS_HASH, Checkpoint, Store, decode_record, record_at

S = TypeVar("S")


class Projection(Protocol[S]):
    """What the runner needs of a projection.

    `name` keys its checkpoint in the store; bump `version` whenever `apply` or the state's
    shape changes, so that checkpoints written by the old code are ignored, not trusted.
    `apply` may change `state` in place, but must return the state to continue from, and
    must depend on nothing but `state` and `event`.
    """

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> int: ...

    def initial(self) -> S: ...

    def apply(self, state: S, event: StoredEvent) -> S: ...

    def dump(self, state: S) -> bytes: ...

    def load(self, data: bytes) -> S: ...


class StructuredProjection(Generic[S]):
    """A base for projections whose state the ledger's cattrs converter can (un)structure.

    Subclasses set `name`, `version` and `state_type`, and write `initial` and `apply`;
    `dump` and `load` come from the converter, as canonical JSON.
    """

    name: str
    version: int
    state_type: Any

    def initial(self) -> S:
        raise NotImplementedError

    def apply(self, state: S, event: StoredEvent) -> S:
        raise NotImplementedError

    def dump(self, state: S) -> bytes:
        data = converter.unstructure(state, self.state_type)
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    def load(self, data: bytes) -> S:
        try:
            loaded: S = converter.structure(json.loads(data), self.state_type)
        except Exception as exc:  # any failure means "rebuild"; it is reported typed
            raise CodecError(f"checkpoint of {self.name!r} cannot be loaded: {exc}") from exc
        return loaded


class ProjectionRunner(Generic[S]):
    """Keeps one projection's state up to date with a store.

    Not thread-safe on its own; the `Ledger` serialises access to the runners it owns.
    """

    def __init__(
        self, projection: Projection[S], store: Store, *, registry: EventRegistry = EVENTS
    ) -> None:
        self.projection = projection
        self.store = store
        self._registry = registry
        self.state: S = projection.initial()
        self.position = 0
        #: The hash of the record at `position` (the genesis hash at 0).
        self.hash = GENESIS_HASH
        #: The position of the checkpoint last loaded or saved; None if there was none.
        self.checkpointed: int | None = None

    def replay(self) -> S:
        """Forget everything and fold the whole log from the start."""
        self.state, self.position, self.hash = self.projection.initial(), 0, GENESIS_HASH
        return self.catch_up()

    def resume(self) -> S:
        """Continue from the stored checkpoint if it is of this version and the log still
        holds the record it was folded up to, else replay.

        A checkpoint whose record is gone or changed (a log restored shorter, a file copied
        over, a checkpoint from another ledger) would make the runner skip real events."""
        checkpoint = self.store.load_checkpoint(self.projection.name)
        if (
            checkpoint is None
            or checkpoint.version != self.projection.version
            or not self._bound(checkpoint)
        ):
            return self.replay()
        try:
            self.state = self.projection.load(checkpoint.state)
        except CodecError:
            return self.replay()
        self.position = self.checkpointed = checkpoint.position
        self.hash = checkpoint.hash or GENESIS_HASH
        return self.catch_up()

    def _bound(self, checkpoint: Checkpoint) -> bool:
        if checkpoint.position == 0:
            return True
        if checkpoint.hash is None:
            return False  # saved before checkpoints carried a hash: fold afresh, once
        found = record_at(self.store, checkpoint.position)
        return found is not None and found.hash == checkpoint.hash

    def catch_up(self, until: int | None = None) -> S:
        """Fold the events stored since the last one seen (up to `until`, if given)."""
        for record in self.store.read(after=self.position, until=until):
            self.feed(decode_record(record, self._registry))
        return self.state

    def feed(self, event: StoredEvent) -> S:
        """Fold the event that follows the last one seen; for live subscriptions.

        An event seen already is ignored, so overlapping deliveries are harmless; a gap is
        an error, since folding past it would silently lose an event.
        """
        if event.position <= self.position:
            return self.state
        if event.position != self.position + 1:
            raise ProjectionError(
                self.projection.name,
                f"expected position {self.position + 1}, got {event.position}",
            )
        self.state = self.projection.apply(self.state, event)
        self.position, self.hash = event.position, event.hash
        return self.state

    def checkpoint(self) -> Checkpoint:
        """Save the current state in the store, to resume from after a restart."""
        checkpoint = Checkpoint(
            name=self.projection.name,
            version=self.projection.version,
            position=self.position,
            state=self.projection.dump(self.state),
            hash=self.hash if self.position else None,
        )
        self.store.save_checkpoint(checkpoint)
        self.checkpointed = self.position
        return checkpoint
