"""The append-only log: the records stores keep, the contract they keep it under, the hash chain.

A store holds opaque encoded bodies. On append it assigns, inside one transaction, each
record's global `position`, its `version` in its stream, the `recorded_at` instant (never
earlier than the head's, so the recorded clock runs forward along the log) and its `hash`:
SHA-256 over the previous record's hash and the record's own bytes, its body in the
hashed form `ledger.codec.committed` gives (free text by its salted commitment).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final, NamedTuple, Protocol

import attrs

from ledger.clock import recorded_time
from ledger.codec import EVENTS, DecodedBody, EventRegistry, committed, format_time
from ledger.errors import ConcurrencyError, DuplicateEventError, StoreError
from ledger.events import Event, StoredEvent
from ledger.merkle import Node, entry_at, entry_bytes, leaf_hash
from ledger.model import ReportState

#: The hash the first record chains from.
GENESIS_HASH: Final = "0" * 64


@attrs.frozen(kw_only=True, slots=True)
class NewRecord:
    """A record to append: its id (the idempotency key), its stream and its encoded body.

    `event`, `actor` and `reason` are what the body encodes, and `report` the report after
    the event as the appender's check folded it: a store keeps its read model (the tables
    beside the log) from them in the append's transaction. A batch in which any record lacks
    its event is stored all the same, and leaves the read model behind the log, to be
    rebuilt when a ledger next opens it.
    """

    event_id: str
    stream: str
    body: bytes
    event: Event | None = None
    actor: str = ""
    reason: str | None = None
    report: ReportState | None = None


class StandingRow(NamedTuple):
    """One of an incident's reports as the read model gives it for a reported instant: the
    version standing then (None where none does), with the stored bodies of the records the
    row cites, so the answer can be held to the log. The records are the report's filing, its
    last retraction or void (if any), the event that last wrote the standing version, and the
    event that wrote the version after it (None for the latest). `versions` and `changes`
    count the report's versions and changes as the tables hold them. Times are the tables' text."""

    report_id: str
    source: str
    metric: str
    group: str
    by: str
    place: str
    filed_position: int
    filed_body: bytes
    status: str
    retracted_at: str | None
    versions: int
    changes: int
    ended_position: int | None
    ended_body: bytes | None
    version: int | None
    figure: str | None
    language: str | None
    reported_at: str | None
    period_start: str | None
    period_end: str | None
    via: str | None
    citation: str | None
    quote: str | None
    verification: str | None
    notes: str | None
    position: int | None
    body: bytes | None
    next_reported_at: str | None
    next_position: int | None
    next_body: bytes | None
    #: The standing version's personal fields as a JSON object (None: none).
    personal: str | None


@attrs.frozen(kw_only=True, slots=True)
class Record:
    """A record as stored."""

    position: int
    stream: str
    version: int
    event_id: str
    recorded_at: dt.datetime
    body: bytes
    hash: str
    #: Its leaf hash in the Merkle tree, where the append that linked it computed it from
    #: the same entry as the chain's hash; None on a record read back (`leaf_of` computes it).
    leaf: bytes | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(kw_only=True, slots=True)
class Head:
    """The last record's position and hash (0 and `GENESIS_HASH` for an empty log)."""

    position: int
    hash: str
    recorded_at: dt.datetime | None


EMPTY_HEAD: Final = Head(position=0, hash=GENESIS_HASH, recorded_at=None)


@attrs.frozen(kw_only=True, slots=True)
class Checkpoint:
    """A projection's encoded state after the event at `position`.

    Checkpoints live beside the log, not in it: they are derived, so replacing one rewrites
    no history, and a checkpoint whose `version` differs from its projection's is ignored.
    """

    name: str
    version: int
    position: int
    state: bytes
    #: The hash of the record at `position`, which binds the checkpoint to the log it was
    #: folded from: a runner resumes from it only where the log still holds that record.
    #: None for a checkpoint saved before release 5 (it is folded afresh).
    hash: str | None = None


class Store(Protocol):
    """What every store keeps. The contract suite, `ledger.testing.contract`, holds it."""

    def append(
        self,
        records: Sequence[NewRecord],
        *,
        now: dt.datetime,
        expected: Mapping[str, int] | None = None,
    ) -> list[Record]:
        """Append all records or none, and return them as stored.

        `expected` maps streams to the version the writer last saw; if any stream has moved
        on, raise `ConcurrencyError` and write nothing. If every event id was appended before
        with the same stream and body, return the original records and write nothing. A
        filing whose report id another report holds raises `AlreadyExistsError`.
        """
        ...

    def read(
        self, *, after: int = 0, until: int | None = None, stream: str | None = None
    ) -> Iterator[Record]:
        """Records with `after < position <= until`, in position order, optionally one stream's."""
        ...

    def find(self, event_ids: Sequence[str]) -> dict[str, int]:
        """The positions of those of `event_ids` that the store holds."""
        ...

    def head(self) -> Head: ...

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store `checkpoint`, replacing any earlier one of the same name."""
        ...

    def load_checkpoint(self, name: str) -> Checkpoint | None: ...

    def stream_version(self, stream: str, *, at: int | None = None) -> int:
        """The version of the stream's last record (at or before position `at`, if given);
        0 for a stream with none."""
        ...

    def close(self) -> None: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """A transaction around several appends: they commit together when it ends, or none
        does if it raises. Other writers wait for it; imports and restores use it."""
        ...

    def redact(self, bodies: Mapping[int, bytes]) -> None:
        """Replace the bodies of the records at these positions with the given ones, in one
        transaction: the one sanctioned change to a stored record, made by `Ledger.redact`.
        Each new body must have the old one's hashed form (`ledger.codec.committed`), so
        every hash stays as it was; anything else raises `StoreError` and changes nothing.
        The read model is rebuilt, checkpoints (derived, and holding text) are dropped, and
        the erased bytes are overwritten where the store can (docs/reliability.md)."""
        ...

    # The Merkle tree over the records, maintained by `append` (ledger.stores._merkle).

    def tree_size(self) -> int:
        """How many records the stored Merkle tree covers: the log's length, unless the
        tree was damaged or is still to be built."""
        ...

    def tree_nodes(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        """The stored hashes of the given perfect subtrees (`ledger.merkle`); a missing
        one raises `StoreError`."""
        ...

    # The read model: tables beside the log, maintained by `append` (ledger.stores._readmodel).

    def read_model_head(self) -> Head | None:
        """The position and hash of the last record the read model reflects; None if never
        built (its `recorded_at` is None)."""
        ...

    def rebuild_read_model(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Derive the read model from the log afresh, in one transaction."""
        ...

    def check_schema(self) -> str | None:
        """What is missing from the schema's guards, or None: the triggers that keep the log
        append-only, the unique constraints on event ids, stream versions and report ids, and
        the record of every migration."""
        ...

    def check_read_model(self, *, rows: bool = True) -> tuple[int, str] | None:
        """Where the read model differs from what the log gives, as (position, description),
        or None where it is exactly what a rebuild would write. With `rows=False`, only
        whether the tables reflect the log's head, its position and hash: the constant-time
        check of a verify since a digest."""
        ...

    def report_incident(self, report_id: str) -> str | None:
        """The incident of the report with this id, if the read model holds one."""
        ...

    def incident_ids(self) -> list[str]:
        """Every incident's id, in the order they were opened."""
        ...

    def incident_openings(self) -> list[tuple[str, int]]:
        """Every incident's id and the position of its opening, in the order they were opened."""
        ...

    def incident_opening(self, incident: str) -> int | None:
        """The position of the incident's opening, if the read model holds the incident."""
        ...

    def report_counts(self) -> dict[str, int]:
        """How many reports each incident holds, by the read model (incidents with none
        are left out)."""
        ...

    def standing(self, incident: str, as_of: dt.datetime | None) -> list[StandingRow]:
        """The read model's answer to which version of each of the incident's reports stands
        at `as_of` on the reported clock (None: now), as the ledger knows it now, each with
        the stored bodies of the records it cites (see `StandingRow`), in filing order."""
        ...

    def report_records(self, report_ids: Sequence[str]) -> list[tuple[str, Record]]:
        """Every record the read model lists as a change to one of these reports (its
        `report_changes` table), with the report it lists the record under, in position
        order: a report's history without reading its incident's whole stream. The listing
        is derived data; its reader holds it to the records (`ledger._queries`)."""
        ...

    def change_actors(self) -> list[str]:
        """Everyone the read model lists as having recorded a change to a report, sorted."""
        ...

    def holds_reports(self, reports: Sequence[ReportState]) -> bool:
        """Whether the read model's tables hold each of these reports as given: its row and
        its versions' rows, but for the positions of the records that wrote them."""
        ...


def chain_hash(
    previous: str,
    *,
    position: int,
    stream: str,
    version: int,
    event_id: str,
    recorded_at: dt.datetime,
    body: bytes,
) -> str:
    """The record's link in the chain: position, stream and version are covered, so a record
    moved elsewhere, or a stream renumbered, breaks the chain just as an edited body does."""
    entry = entry_bytes(
        position=position,
        stream=stream,
        version=version,
        event_id=event_id,
        recorded_at=recorded_at,
        body=committed(body),
    )
    return _chained(bytes.fromhex(previous), entry).hex()


def _chained(previous: bytes, entry: bytes) -> bytes:
    return hashlib.sha256(previous + entry).digest()


def leaf_of(record: Record) -> bytes:
    """The record's leaf hash in the Merkle tree (`ledger.merkle`)."""
    if record.leaf is not None:
        return record.leaf
    return leaf_hash(
        entry_bytes(
            position=record.position,
            stream=record.stream,
            version=record.version,
            event_id=record.event_id,
            recorded_at=record.recorded_at,
            body=committed(record.body),
        )
    )


def check_expected(
    expected: Mapping[str, int] | None, stream_version: Callable[[str], int]
) -> None:
    """Raise `ConcurrencyError` if any stream has moved past the version its writer saw."""
    for stream, version in (expected or {}).items():
        actual = stream_version(stream)
        if actual != version:
            raise ConcurrencyError(stream, version, actual)


def link(
    records: Sequence[NewRecord],
    *,
    head: Head,
    now: dt.datetime,
    stream_version: Callable[[str], int],
) -> list[Record]:
    """Number, time-stamp and chain a batch after `head`: the part of append every store shares.

    The whole batch shares one `recorded_at`, never earlier than the head's; a `now` too far
    behind the head is refused (`ledger.clock`).
    """
    recorded_at = recorded_time(now, head.recorded_at)
    stamp = format_time(recorded_at)
    versions: dict[str, int] = {}
    batch: list[Record] = []
    previous, position = bytes.fromhex(head.hash), head.position
    for new in records:
        position += 1
        version = versions.get(new.stream)
        version = versions[new.stream] = (
            stream_version(new.stream) if version is None else version
        ) + 1
        # One entry gives the chain's link and the tree's leaf: the same bytes
        # `chain_hash` and `leaf_of` hash.
        entry = entry_at(
            position, new.stream, version, new.event_id, stamp=stamp, body=committed(new.body)
        )
        previous = _chained(previous, entry)
        batch.append(
            Record(
                position=position,
                stream=new.stream,
                version=version,
                event_id=new.event_id,
                recorded_at=recorded_at,
                body=new.body,
                hash=previous.hex(),
                leaf=leaf_hash(entry),
            ),
        )
    return batch


def retried_positions(
    records: Sequence[NewRecord], existing: Mapping[str, tuple[int, str, bytes]]
) -> list[int] | None:
    """Positions of a retried batch, or None for a batch that is new.

    `existing` maps those of the batch's event ids the store already holds to their stored
    (position, stream, body). A batch must be wholly new or wholly a repeat: anything else
    means an event id was reused, and appending would lose one of the two events.
    """
    ids = [r.event_id for r in records]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise DuplicateEventError(dup, "appears twice in one batch")
    if not existing:
        return None
    for record in records:
        stored = existing.get(record.event_id)
        if stored is None:
            raise DuplicateEventError(
                next(iter(existing)), "was appended before, but the rest of its batch was not"
            )
        if stored[1:] != (record.stream, record.body):
            raise DuplicateEventError(record.event_id, "was appended before with other content")
    return [existing[i][0] for i in ids]


def record_at(store: Store, position: int) -> Record | None:
    """The record at `position`, or None where the log holds none there."""
    return next(iter(store.read(after=position - 1, until=position)), None)


def decode_record(record: Record, registry: EventRegistry = EVENTS) -> StoredEvent:
    return stored_event(record, registry.decode(record.body, position=record.position))


def stored_event(record: Record, body: DecodedBody) -> StoredEvent:
    """The stored event a record and its decoded body make."""
    return StoredEvent(
        position=record.position,
        stream=record.stream,
        version=record.version,
        event_id=body.event_id,
        recorded_at=record.recorded_at,
        actor=body.actor,
        reason=body.reason,
        event=body.event,
        hash=record.hash,
    )


def check_redaction(position: int, stored: bytes | None, body: bytes) -> None:
    """Refuse a body that is not a redaction of the stored one: every store's guard."""
    if stored is None:
        raise StoreError(f"position {position}: no record to redact")
    if body == stored or committed(body) != committed(stored):
        raise StoreError(
            f"position {position}: a redaction may only erase committed free text; this body "
            "would change the record's hash"
        )
