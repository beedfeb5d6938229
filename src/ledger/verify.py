"""Verification: walk the hash chain and say whether the log is still the one that was written.

`verify_log` never raises over what it finds: it returns an `IntegrityReport`, and
`IntegrityReport.raise_for_problem()` turns a bad report into an `IntegrityError` for callers
who would rather fail loudly. Only misuse (a malformed digest) raises straight away.

What a chain can and cannot prove. Each record's hash covers the previous record's hash, so
any edit, deletion, insertion or reordering breaks the chain at the first record it touches,
unless the tamperer also recomputes every hash after it. Such a forged chain is consistent
with itself; only a `Digest` published elsewhere before the rewrite exposes it, which is why
`verify_log(store, against=digest)` exists. The structural checks (dense positions and stream
versions, bodies that decode and agree with their headers, a recorded clock that never runs
backwards) still catch the clumsier forgeries without one.

`verify_log(store, since=digest)` checks only what was appended after a digest that an earlier
verification gave, in time that depends on that and not on the log's length: the record at
the digest's position must still have its hash, so a rewrite before it that forged the hashes
after it shows; the records after it are walked as a whole walk would. What it does not re-read
is the records before the digest: an edit there that leaves every stored hash alone (one a
whole walk names at once, as `edited`) is not seen. Of the read model, only its head is
checked: that the tables reflect the log up to the record the walk reached.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Sequence
from typing import Final, Self

import attrs

from ledger import merkle
from ledger._fields import is_id
from ledger.clock import check_not_future
from ledger.codec import EVENTS, DecodedBody, EventRegistry
from ledger.errors import CodecError, IntegrityError, StoreError, ValidationError
from ledger.events import FieldRedacted
from ledger.log import (
    GENESIS_HASH,
    Head,
    Record,
    Store,
    chain_hash,
    leaf_of,
    record_at,
    stored_event,
)
from ledger.redaction import Redaction

_HASH_RE: Final = re.compile(r"[0-9a-f]{64}")


def _check_position(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, "must be a whole number >= 0", value=value)


def _check_hash(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _HASH_RE.fullmatch(value):
        raise ValidationError(attribute.name, "must be 64 lowercase hex digits", value=value)


@attrs.frozen(kw_only=True, slots=True)
class Digest:
    """A log's head: publish it elsewhere, and `verify(against=...)` proves the log extends it.

    Its text form, `"<position>:<hash>"`, is what to print, post or cite; `Digest.parse`
    reads it back.
    """

    position: int = attrs.field(validator=_check_position)
    hash: str = attrs.field(validator=_check_hash)

    def __attrs_post_init__(self) -> None:
        if self.position == 0 and self.hash != GENESIS_HASH:
            raise ValidationError("hash", "an empty log's digest has the genesis hash")

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Digest:
        if not isinstance(text, str):
            raise ValidationError("digest", "must be text", value=text)
        position, sep, hash_ = text.strip().partition(":")
        if not sep or not position.isdigit() or not position.isascii():
            raise ValidationError("digest", "must read '<position>:<hash>'", value=text)
        return cls(position=int(position), hash=hash_)


class ProblemKind(enum.StrEnum):
    """What is wrong at the first bad position; as text, a phrase for messages.

    A `StrEnum`, so `IntegrityError.kind`, which is plain text, compares equal to it.
    """

    #: The record's content changed after it was written: the next record still chains from
    #: its stored hash, which no longer matches the content. (The chain cannot tell this from
    #: the record before it being rewritten with a forged hash: the break shows here in both.)
    EDITED = "edited"
    #: A record was deleted here: the positions jump, or the records after it were
    #: renumbered and still chain from one another at their old positions.
    DELETED = "deleted"
    #: A record was inserted here: the record after it chains from the record before it.
    INSERTED = "inserted"
    #: The record written at this position now sits at another one.
    REORDERED = "reordered"
    #: The record's hash does not follow from its content and the previous hash, and no
    #: simpler explanation fits: a forged hash, or a replaced record.
    BAD_HASH = "bad hash"
    #: A stream's versions skip or run backwards.
    STREAM_VERSION = "stream version"
    #: Positions do not increase along the log.
    OUT_OF_ORDER = "out of order"
    #: The body is not a valid event of this ledger.
    UNDECODABLE = "undecodable"
    #: The body disagrees with the record around it (event id, stream, recorded clock).
    INCONSISTENT = "inconsistent"
    #: The store failed while reading the record (a corrupt file, a lost connection).
    UNREADABLE = "unreadable"
    #: The log ends before the digest's position: records were removed from its end.
    TRUNCATED = "truncated"
    #: The chain holds together but not through the digest: the history was rewritten and
    #: every hash after the rewrite forged.
    REWRITTEN = "rewritten"
    #: The log is sound, but the read model beside it (docs/design.md) is not what the log
    #: gives: a table edited by hand, or written by other software. `ledger reindex` mends it.
    READ_MODEL = "read model"
    #: A field's text was erased with no redaction recording who, when and why, or a
    #: recorded redaction's record holds its text again (restored from an earlier copy).
    REDACTION = "redaction"
    #: A guard of the schema is gone (a trigger dropped, a unique constraint lost, a
    #: migration unrecorded): the log may be intact, but no longer protects itself.
    SCHEMA = "schema"
    #: An event that no append could have written: it breaks a domain rule (a revision of
    #: an unknown report, an id taken twice) under a chain that holds. Found by `deep`.
    IMPOSSIBLE = "impossible"
    #: The record's place in its batch does not follow from the record before it: a record
    #: inserted into a batch, or one of a batch lost from its middle.
    BATCH = "batch"
    #: The log ends inside a batch: its last records state a batch larger than what is
    #: left of it. A copy or crash kept only part of an append, which no writer acknowledged.
    TORN = "torn"
    #: The Merkle tree beside the log (docs/proofs.md) is not the tree of its records: a
    #: node edited or lost. Proofs made from it would not check; the log may be intact.
    TREE = "tree"


class Check(enum.Enum):
    """One check of the walk along the chain; each caller runs its own selection in its own
    order (`VERIFY_CHECKS`, `RESTORE_CHECKS`), the first problem ending the walk."""

    #: Positions are dense from 1, and each stream's versions too.
    PLACE = "place"
    #: The event id is one the ledger hands out (an export holds no other).
    EVENT_ID = "event id"
    #: The recorded clock never runs backwards.
    CLOCK = "clock"
    #: No record was recorded later than now (beyond the clocks' tolerance).
    NOT_FUTURE = "not future"
    #: The body decodes, and agrees with the record around it.
    BODY = "body"
    #: The hash follows from the record and the previous hash.
    LINK = "link"
    #: The body's place in its batch (index, size) follows from the record before (after BODY).
    BATCH = "batch"
    #: The record's leaf, and the perfect subtrees it completes, are the nodes the store's
    #: Merkle tree holds (compared a page at a time; the tree's size at the end).
    TREE = "tree"


VERIFY_CHECKS: Final = (
    Check.PLACE,
    Check.LINK,
    Check.BODY,
    Check.BATCH,
    Check.CLOCK,
    Check.TREE,
)
#: An export is checked line by line before anything is written: what a line's own fields
#: say first, then its body, then its place in the chain.
RESTORE_CHECKS: Final = (
    Check.PLACE,
    Check.EVENT_ID,
    Check.CLOCK,
    Check.NOT_FUTURE,
    Check.BODY,
    Check.BATCH,
    Check.LINK,
)


#: How many records after a broken link the diagnosis reads to tell a moved, inserted or
#: deleted record from an edited one. A record moved further away is reported as a bad hash.
DIAGNOSIS_WINDOW: Final = 256
#: Kinds that a broken chain can show first, which the diagnosis may explain better.
_CHAIN_KINDS: Final = frozenset(
    {ProblemKind.BAD_HASH, ProblemKind.STREAM_VERSION, ProblemKind.OUT_OF_ORDER, ProblemKind.BATCH}
)


@attrs.frozen(kw_only=True, slots=True)
class IntegrityProblem:
    position: int
    kind: ProblemKind
    detail: str
    #: The record's field at fault, where one is ("hash", "body", "version", ...): restore
    #: names it on the export's line.
    field: str | None = None

    def __str__(self) -> str:
        return f"position {self.position}: {self.kind.value}: {self.detail}"


@attrs.frozen(kw_only=True, slots=True)
class IntegrityReport:
    """What verification found: `checked` records up to `head`, and the first `problem`.

    `head` is the digest of the record before the problem's position (the whole log's head if
    there is no problem), so on a bad log it marks how far the chain holds, except for
    `REWRITTEN`, which shows at the digest's position what happened somewhere before it.
    """

    #: How many records were walked: the whole log's, or those after `since`.
    checked: int
    head: Digest
    problem: IntegrityProblem | None = None
    against: Digest | None = None
    #: The digest the walk began at (`verify_log(since=...)`), trusting the records before it.
    since: Digest | None = None
    #: Every redaction of the records checked, by the position of the record erased (then
    #: in the order they were recorded): which field, of which report, who, when and why.
    redactions: tuple[Redaction, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None

    def raise_for_problem(self) -> Self:
        """Return this report if the log verified; otherwise raise `IntegrityError`."""
        if self.problem is not None:
            raise IntegrityError(self.problem.position, self.problem.kind, self.problem.detail)
        return self


def verify_log(
    store: Store,
    *,
    against: Digest | None = None,
    since: Digest | None = None,
    registry: EventRegistry = EVENTS,
    deep: bool = False,
) -> IntegrityReport:
    """Walk the whole log from genesis, or only what follows `since`, a digest an earlier
    verification gave (and which the log must still extend); see the module docstring for
    what each proves.

    `deep` also checks the schema's guards (`Store.check_schema`); `Ledger.verify(deep=True)`
    adds a replay of every event under the domain rules. A deep check is of the whole log,
    so it does not go with `since`."""
    for name, digest in (("against", against), ("since", since)):
        if digest is not None and not isinstance(digest, Digest):
            raise ValidationError(name, "must be a Digest (see Digest.parse)", value=digest)
    if since is not None and against is not None:
        raise ValidationError(
            "against", "give one digest: a walk since a digest also proves the log extends it"
        )
    if since is not None and deep:
        raise ValidationError(
            "since", "a deep verify replays the whole log: it cannot begin at a digest"
        )
    walk = Walk(registry, against=against or since, tree=store)
    problem = _walk(walk, store, since)
    if problem is None:
        problem = _beside_the_chain(store, walk, deep=deep)
    return walk.report(problem, since=since)


def _walk(walk: Walk, store: Store, since: Digest | None) -> IntegrityProblem | None:
    """The first problem along the chain, from genesis or from `since`, up to the head as
    the walk begins: what writers append meanwhile is for the next verify."""
    try:
        head: Head | None = store.head()
    except StoreError:
        head = None  # a damaged head: the walk names the record where it fails
    try:
        if since is not None and (problem := _resume(walk, store, since, head or store.head())):
            return problem
        until = None if head is None else head.position
        for record in store.read(after=walk.position, until=until):
            if problem := walk.step(record):
                return walk.diagnose(problem, store) if problem.kind in _CHAIN_KINDS else problem
    except StoreError as exc:
        return _problem(walk.position + 1, ProblemKind.UNREADABLE, str(exc))
    if torn := walk.torn():
        return torn
    digest = walk.against
    if digest is not None and digest.position > walk.position:
        return _problem(
            walk.position + 1,
            ProblemKind.TRUNCATED,
            f"the log ends at position {walk.position}, before the digest's "
            f"position {digest.position}",
        )
    return None


def _resume(walk: Walk, store: Store, since: Digest, head: Head) -> IntegrityProblem | None:
    """Set `walk` where `since` left the log ending at `head`, trusting the records up to
    it: at the digest's record, which must still have the digest's hash, or, where the
    digest falls inside a batch, before that batch, so that the batch is walked whole."""
    if since.position > head.position:
        _resume_at(walk, store, head.position)
        return None  # the walk finds nothing after the head, and names the log truncated
    if since.position == 0:
        return None
    record = _record_at(store, since.position)
    if record.hash != since.hash:
        _resume_at(walk, store, since.position - 1)
        return _problem(
            since.position,
            ProblemKind.REWRITTEN,
            f"the hash here is {record.hash}, the digest says {since.hash}: a record at or "
            "before this position was rewritten, and the chain after it forged",
        )
    try:
        batch = walk.registry.decode(record.body, position=record.position).batch
    except CodecError as exc:
        _resume_at(walk, store, since.position - 1)
        return _problem(since.position, ProblemKind.UNDECODABLE, str(exc), field="body")
    inside = batch is not None and batch[0] < batch[1] - 1
    _resume_at(walk, store, since.position - batch[0] - 1 if batch and inside else since.position)
    return None


def _resume_at(walk: Walk, store: Store, position: int) -> None:
    """Set `walk` after the record at `position` (at genesis for 0), as a walk along the
    log up to it would have left it."""
    if position == 0:
        return
    *before, record = store.read(after=max(0, position - 2), until=position)
    if record.position != position or len(before) != min(1, position - 1):
        raise StoreError(f"the log does not hold records {position - 1} and {position}")
    walk.resume(
        position,
        record.hash,
        previous_hash=before[0].hash if before else GENESIS_HASH,
        recorded_at=record.recorded_at,
        versions=lambda stream: store.stream_version(stream, at=position),
    )


def _record_at(store: Store, position: int) -> Record:
    if (record := record_at(store, position)) is None:
        raise StoreError(f"the log holds no record at position {position}")
    return record


def _beside_the_chain(store: Store, walk: Walk, *, deep: bool) -> IntegrityProblem | None:
    """What is wrong beside a sound chain: the schema's guards (if `deep`), the Merkle tree,
    the read model."""
    head = walk.position
    if deep:
        try:
            guard = store.check_schema()
        except StoreError as exc:
            guard = f"cannot be checked: {exc}"
        if guard is not None:
            return _problem(head, ProblemKind.SCHEMA, guard)
    if problem := walk.tree_problem():
        return problem
    if problem := walk.redaction_problem(store):
        return problem
    try:
        # A walk since a digest checks that the tables reflect the head it reached; their
        # rows would take the whole histories of the reports changed since (docs/reliability.md).
        difference = store.check_read_model(rows=not walk.start)
    except (StoreError, CodecError) as exc:
        difference = (head, f"cannot be checked: {exc}")
    if difference is not None:
        return _problem(difference[0], ProblemKind.READ_MODEL, difference[1])
    return None


class Walk:
    """A walk along the chain, record by record: the one mechanism `verify_log` and restore
    (`ledger.interchange`) share. It holds the last good record, each stream's version and
    the Merkle root of the records so far, and runs `checks` in their order on each record.
    """

    def __init__(
        self,
        registry: EventRegistry,
        *,
        against: Digest | None = None,
        checks: Sequence[Check] = VERIFY_CHECKS,
        tree: Store | None = None,
    ) -> None:
        self.registry = registry
        self.against = against
        #: The position the walk began after: 0, or where `resume` set it.
        self.start = 0
        self.position = 0
        self.hash = GENESIS_HASH
        #: The hash before the last good record's, to spot a record inserted with a forged link.
        self.previous_hash: str | None = None
        self.recorded_at: dt.datetime | None = None
        self.versions: dict[str, int] = {}
        #: Each stream's version at `start`, for a stream the walk has not met yet.
        self._versions_before: Callable[[str], int] | None = None
        #: The body the last good record decoded to (where BODY is among the checks).
        self.decoded: DecodedBody | None = None
        self.tree = merkle.Accumulator()
        #: (position, field) of each field found erased, and each redaction recorded.
        self.erased: list[tuple[int, str]] = []
        self.redactions: list[Redaction] = []
        #: The nodes computed but not compared with the store's yet (the TREE check).
        self._pending: list[tuple[merkle.Node, bytes]] = []
        runs: dict[Check, Callable[[Record], IntegrityProblem | None]] = {
            Check.PLACE: self._place,
            Check.EVENT_ID: self._event_id,
            Check.CLOCK: self._clock,
            Check.NOT_FUTURE: self._not_future,
            Check.BODY: self._body,
            Check.LINK: self._link,
            Check.BATCH: self._batch,
            Check.TREE: self._tree,
        }
        #: The batch the last good record left open: (position and hash before its first
        #: record, the last record's index, its size); None between batches.
        self._open: tuple[int, str, int, int] | None = None
        self._next_open: tuple[int, str, int, int] | None = None
        if Check.TREE in checks and checks[-1] is not Check.TREE:
            # The tree takes the leaf of a record every other check has passed.
            raise ValueError("the TREE check runs last")
        self._checks = [runs[check] for check in checks]
        self._tree_store = tree if Check.TREE in checks else None
        #: Why the tree could not be resumed at `start`, if it could not.
        self._tree_lost: IntegrityProblem | None = None

    def resume(
        self,
        position: int,
        hash_: str,
        *,
        previous_hash: str,
        recorded_at: dt.datetime,
        versions: Callable[[str], int],
    ) -> None:
        """Begin the walk after the record at `position` (hashed `hash_`, after a record
        hashed `previous_hash`, and recorded at `recorded_at`), trusting the log up to it:
        each stream's version there is read with `versions` when the walk first meets the
        stream, and the tree resumed from the store's nodes along its right edge. A batch
        must not be open there."""
        self.start = self.position = position
        self.hash, self.previous_hash, self.recorded_at = hash_, previous_hash, recorded_at
        self._versions_before = versions
        store = self._tree_store
        if store is None:
            return
        frontier = merkle.frontier(position)
        try:
            stored = store.tree_nodes(frontier) if frontier else {}
        except StoreError as exc:
            self._tree_lost = _problem(
                position, ProblemKind.TREE, f"the tree's right edge cannot be read: {exc}"
            )
            return
        edge = [(node[0], stored[node]) for node in frontier]
        self.tree = merkle.Accumulator(size=position, edge=edge)

    def tree_problem(self) -> IntegrityProblem | None:
        """Whether the store's Merkle tree holds exactly the nodes of the records walked:
        each node computed is compared with the stored one as the walk goes, a page at a
        time (`_compare`), and at the end the tree's size with the log's: the records
        walked, or more where a writer appended since, as long as the log holds them."""
        store = self._tree_store
        if store is None:
            return None
        if self._tree_lost is not None:
            return self._tree_lost
        if problem := self._compare():
            return problem
        try:
            size = store.tree_size()
            # Read after the tree's size, so that a writer's append in between is in both.
            held = store.head().position if size > self.position else self.position
        except StoreError as exc:
            return _problem(self.position, ProblemKind.TREE, f"cannot be read: {exc}")
        if size < self.position or size > held:
            return _problem(
                min(size, self.position) + 1,
                ProblemKind.TREE,
                f"the Merkle tree covers {size} records, the log {max(held, self.position)}",
            )
        return None

    def _compare(self) -> IntegrityProblem | None:
        pending, self._pending = self._pending, []
        if self._tree_store is None or not pending:
            return None
        try:
            stored = self._tree_store.tree_nodes([node for node, _ in pending])
        except StoreError as exc:
            return _problem(_last_leaf(pending[0][0]), ProblemKind.TREE, f"cannot be read: {exc}")
        for node, hash_ in pending:
            if stored[node] != hash_:
                return _problem(
                    _last_leaf(node),
                    ProblemKind.TREE,
                    f"the stored node {node} (level, index) is not the hash of the records "
                    "under it: the node was edited, or records rewritten under the tree",
                )
        return None

    def report(
        self, problem: IntegrityProblem | None, *, since: Digest | None = None
    ) -> IntegrityReport:
        return IntegrityReport(
            checked=max(0, self.position - self.start),
            head=Digest(position=self.position, hash=self.hash),
            problem=problem,
            against=None if since is not None else self.against,
            since=since,
            redactions=tuple(
                sorted(
                    (r for r in self.redactions if r.at <= self.position),
                    key=lambda r: (r.position, r.at),
                )
            ),
        )

    def redaction_problem(self, store: Store | None = None) -> IntegrityProblem | None:
        """Whether the fields found erased are exactly those the recorded redactions erased:
        `Ledger.redact` erases text only with a `FieldRedacted` event saying who, when and
        why, in the same transaction. A walk that began after `start` reads from `store`
        the records before it that its redactions name."""
        if self.start and store is not None:
            self.erased.extend(self._erased_before(store))
        erased = {(p, f) for p, f in self.erased if p <= self.position}
        recorded = {(r.position, r.field): r for r in self.redactions if r.at <= self.position}
        unexplained = erased - recorded.keys()
        if unexplained and store is not None:
            unexplained -= self._redacted_after(store)
        for position, field in sorted(unexplained):
            return _problem(
                position,
                ProblemKind.REDACTION,
                f"the {field} of this record was erased, but no redaction records who, when "
                "and why (`ledger redact` always does)",
                field="body",
            )
        for key in sorted(recorded.keys() - erased):
            r = recorded[key]
            return _problem(
                r.position,
                ProblemKind.REDACTION,
                f"the redaction at position {r.at} erased the {r.field} of this record, but "
                "its text is not erased: restored from a copy made before, or the redaction "
                "names a record that never held it",
                field="body",
            )
        return None

    def _redacted_after(self, store: Store) -> set[tuple[int, str]]:
        """(position, field) of what the redactions appended after the walk's end erased: a
        redaction erases its record's text as it appends, so a walk that read the record
        after a redaction committed but ended before its event finds the text gone."""
        found: set[tuple[int, str]] = set()
        try:
            for record in store.read(after=self.position):
                event = self.registry.decode(record.body, position=record.position).event
                if isinstance(event, FieldRedacted):
                    found.add((event.position, event.field))
        except (CodecError, StoreError):
            pass  # what could be read explains what it can; the rest is named
        return found

    def _erased_before(self, store: Store) -> list[tuple[int, str]]:
        """(position, field) of each field that the redactions walked name in the records
        before `start` and that is erased there (what other fields those records have erased
        is for the redactions before `start`, which the walk trusts)."""
        named = {(r.position, r.field) for r in self.redactions if r.position <= self.start}
        found: list[tuple[int, str]] = []
        for position in sorted({p for p, _ in named}):
            try:
                record = _record_at(store, position)
                redacted = self.registry.decode(record.body, position=position).redacted
            except (CodecError, StoreError):
                continue  # the check then names the record: its text is not erased
            found.extend((position, f) for f in redacted if (position, f) in named)
        return found

    def step(self, record: Record) -> IntegrityProblem | None:
        self.decoded = None
        self._next_open = self._open
        for check in self._checks:
            if problem := check(record):
                return problem
        self._open = self._next_open
        self.previous_hash = self.hash
        self.position, self.hash = record.position, record.hash
        self.versions[record.stream] = record.version
        self.recorded_at = record.recorded_at
        return self._digest()

    def _digest(self) -> IntegrityProblem | None:
        against = self.against
        if against is None or against.position != self.position or against.hash == self.hash:
            return None
        # Every report's head is the record before its first bad position.
        self.position, self.hash = self.position - 1, self.previous_hash or GENESIS_HASH
        return _problem(
            against.position,
            ProblemKind.REWRITTEN,
            f"the hash here is {self.hash}, the published digest says {against.hash}: "
            "a record at or before this position was rewritten, and the chain after it forged",
        )

    def _place(self, record: Record) -> IntegrityProblem | None:
        expected = self.position + 1
        if record.position > expected:
            return _problem(
                expected,
                ProblemKind.DELETED,
                f"the log jumps from position {self.position} to {record.position}",
                field="position",
            )
        if record.position < expected:
            return _problem(
                expected,
                ProblemKind.OUT_OF_ORDER,
                f"found position {record.position} after position {self.position}",
                field="position",
            )
        last = self.versions.get(record.stream)
        if last is None:
            last = 0 if self._versions_before is None else self._versions_before(record.stream)
        version = last + 1
        if record.version != version:
            return _problem(
                record.position,
                ProblemKind.STREAM_VERSION,
                f"stream {record.stream!r} goes from version {version - 1} to {record.version}",
                field="version",
            )
        return None

    def _link(self, record: Record) -> IntegrityProblem | None:
        expected = _hash_at(record, record.position, self.hash)
        if expected == record.hash:
            return None
        return _problem(
            record.position,
            ProblemKind.BAD_HASH,
            f"does not follow from the record and the previous hash (expected {expected}, "
            f"stored {record.hash}): a forged hash, or a replaced or altered record",
            field="hash",
        )

    def _tree(self, record: Record) -> IntegrityProblem | None:
        if self._tree_lost is not None:
            return None  # named once the chain is walked; nodes computed now would be wrong
        self._pending.extend(self.tree.add(leaf_of(record)))
        if len(self._pending) >= _TREE_PAGE:
            return self._compare()
        return None

    def _batch(self, record: Record) -> IntegrityProblem | None:
        batch = None if self.decoded is None else self.decoded.batch
        opened = self._open
        if batch is None:
            if opened is None:
                self._next_open = None
                return None
            return _problem(
                record.position,
                ProblemKind.BATCH,
                f"the record states no batch, inside the batch of {opened[3]} records begun "
                f"at position {opened[0] + 1}",
                field="body",
            )
        index, size = batch
        expected = (0, size) if opened is None else (opened[2] + 1, opened[3])
        if (index, size) != expected:
            where = (
                "no batch was open before it"
                if opened is None
                else f"the batch begun at position {opened[0] + 1} expected record "
                f"{expected[0] + 1} of {expected[1]}"
            )
            return _problem(
                record.position,
                ProblemKind.BATCH,
                f"the record is number {index + 1} of a batch of {size}, but {where}",
                field="body",
            )
        start = (record.position - 1, self.hash) if opened is None else opened[:2]
        self._next_open = None if index == size - 1 else (*start, index, size)
        return None

    def torn(self) -> IntegrityProblem | None:
        """The problem of a walk that ended inside a batch, if it did; the walk then holds
        the log as it stood before that batch began."""
        if self._open is None:
            return None
        before, hash_, index, size = self._open
        ended = self.position
        self.position, self.hash = before, hash_
        return _problem(
            before + 1,
            ProblemKind.TORN,
            f"the log ends at position {ended}, record {index + 1} of the batch of {size} "
            f"begun at position {before + 1}: a copy or crash kept only part of the batch, "
            f"and the log as written ends at position {before}",
        )

    def _event_id(self, record: Record) -> IntegrityProblem | None:
        if is_id(record.event_id):
            return None
        return _problem(
            record.position,
            ProblemKind.INCONSISTENT,
            f"{record.event_id!r} is not an event id",
            field="event_id",
        )

    def _not_future(self, record: Record) -> IntegrityProblem | None:
        try:
            check_not_future(record.recorded_at)
        except ValueError as exc:
            return _problem(
                record.position, ProblemKind.INCONSISTENT, str(exc), field="recorded_at"
            )
        return None

    def diagnose(self, problem: IntegrityProblem, store: Store) -> IntegrityProblem:  # noqa: PLR0911 - one return per explanation
        """Explain a broken link by the records around it, each explanation proven by a hash.

        Hash chains leave fingerprints: a moved record still chains from its original
        predecessor at its original position, a renumbered one at its old position.
        """
        p = self.position + 1
        window = {r.position: r for r in store.read(after=p - 1, until=p + DIAGNOSIS_WINDOW)}
        here, after = window.get(p), window.get(p + 1)
        if after is not None and _hash_at(after, p, self.hash) == after.hash:
            if here is not None and _hash_at(here, p + 1, after.hash) == here.hash:
                return _problem(p, ProblemKind.REORDERED, f"records {p} and {p + 1} were swapped")
            return _problem(
                p,
                ProblemKind.INSERTED,
                f"record {p} (event {here.event_id if here else '?'}) was inserted: the "
                "record after it chains from the one before it",
            )
        for record in window.values():
            if record.position != p and _hash_at(record, p, self.hash) == record.hash:
                return _problem(
                    p,
                    ProblemKind.REORDERED,
                    f"the record written at position {p} (event {record.event_id}) now sits "
                    f"at position {record.position}",
                )
        if (
            here is not None
            and self.previous_hash is not None
            and _hash_at(here, p - 1, self.previous_hash) == here.hash
        ):
            # The walk accepted the inserted record; the log is good only up to before it.
            self.position, self.hash = p - 2, self.previous_hash
            return _problem(
                p - 1,
                ProblemKind.INSERTED,
                f"record {p - 1} was inserted with a forged link: record {p} chains from "
                f"the record before it",
            )
        if here is not None and after is not None:
            if _hash_at(after, p + 2, here.hash) == after.hash:
                return _problem(
                    p,
                    ProblemKind.DELETED,
                    f"a record was deleted at position {p} and the records after it "
                    "renumbered: they still chain from one another at their old positions",
                )
            if _hash_at(after, p + 1, here.hash) == after.hash:
                return _problem(
                    p,
                    ProblemKind.EDITED,
                    "the record's content does not match its hash, which the next record "
                    "still chains from: the record was changed after it was written (or the "
                    "record before it was rewritten and its hash forged)",
                )
        return problem

    def _body(self, record: Record) -> IntegrityProblem | None:
        try:
            body = self.registry.decode(record.body, position=record.position)
        except CodecError as exc:
            return _problem(record.position, ProblemKind.UNDECODABLE, str(exc), field="body")
        if body.event_id != record.event_id:
            return _problem(
                record.position,
                ProblemKind.INCONSISTENT,
                f"the body's event id {body.event_id!r} differs from the record's "
                f"{record.event_id!r}",
                field="event_id",
            )
        if body.event.stream != record.stream:
            return _problem(
                record.position,
                ProblemKind.INCONSISTENT,
                f"the event belongs to stream {body.event.stream!r}, but is stored in "
                f"{record.stream!r}",
                field="stream",
            )
        self.decoded = body
        self.erased.extend((record.position, name) for name in body.redacted)
        if isinstance(body.event, FieldRedacted):
            self.redactions.append(Redaction.of(stored_event(record, body), body.event))
        return None

    def _clock(self, record: Record) -> IntegrityProblem | None:
        previous = self.recorded_at
        if previous is not None and record.recorded_at < previous:
            return _problem(
                record.position,
                ProblemKind.INCONSISTENT,
                f"recorded at {record.recorded_at.isoformat()}, before the previous record",
                field="recorded_at",
            )
        return None


#: How many computed tree nodes a walk compares with the stored ones at a time.
_TREE_PAGE: Final = 2_000


def _last_leaf(node: merkle.Node) -> int:
    """The position of the last record under a perfect subtree."""
    level, index = node
    return (index + 1) << level


def _problem(
    position: int, kind: ProblemKind, detail: str, *, field: str | None = None
) -> IntegrityProblem:
    return IntegrityProblem(position=position, kind=kind, detail=detail, field=field)


def _hash_at(record: Record, position: int, previous: str) -> str:
    """The record's hash had it been written at `position` after a record hashed `previous`."""
    # A stored hash mangled into something that is none, or into something that is not text.
    if not isinstance(previous, str) or not _HASH_RE.fullmatch(previous):
        return ""
    return chain_hash(
        previous,
        position=position,
        stream=record.stream,
        version=record.version,
        event_id=record.event_id,
        recorded_at=record.recorded_at,
        body=record.body,
    )
