"""The Merkle tree's nodes, in a table beside the log, kept in the same transaction as each append.

The table `merkle_nodes` holds, for every perfect subtree of the tree over the records,
its `(level, idx)` and its 32-byte hash (`ledger.merkle`): 2n - popcount(n) rows for n
records. Rows are only ever inserted, as records are, and triggers refuse any other change.
The tree's size is the number of leaves (level 0). SQLite and PostgreSQL run the same
statements through the read model's `Database`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from ledger import merkle
from ledger.errors import StoreError
from ledger.log import Head, Record, leaf_of
from ledger.merkle import Node
from ledger.stores._readmodel import Database

#: Runs of nodes read in one statement: each takes three parameters.
_CHUNK: Final = 100


def _runs(wanted: Iterable[Node]) -> list[tuple[int, int, int]]:
    """`wanted` as (level, first index, last index) of each run of neighbours."""
    runs: list[tuple[int, int, int]] = []
    for level, index in sorted(set(wanted)):
        if runs and runs[-1][0] == level and runs[-1][2] == index - 1:
            runs[-1] = (level, runs[-1][1], index)
        else:
            runs.append((level, index, index))
    return runs


def size(db: Database) -> int:
    rows = db.rows("SELECT max(idx) FROM {p}merkle_nodes WHERE level = 0")
    return 0 if rows[0][0] is None else int(rows[0][0]) + 1


def nodes(db: Database, wanted: Sequence[Node]) -> dict[Node, bytes]:
    """The hashes of `wanted`; a node not stored raises `StoreError`.

    They are read as runs of neighbours on one level, each a range of the table's key: a
    walk along the log wants a page of leaves and the subtrees above them, a few runs in
    all, where one condition per node made PostgreSQL plan thousands of index probes."""
    found: dict[Node, bytes] = {}
    runs = _runs(wanted)
    for start in range(0, len(runs), _CHUNK):
        chunk = runs[start : start + _CHUNK]
        where = " OR ".join(["(level = ? AND idx BETWEEN ? AND ?)"] * len(chunk))
        params = [value for run in chunk for value in run]
        for level, index, hash_ in db.rows(
            f"SELECT level, idx, hash FROM {{p}}merkle_nodes WHERE {where}",  # noqa: S608 - marks only
            params,
        ):
            found[int(level), int(index)] = bytes(hash_)
    missing = [node for node in wanted if node not in found]
    if missing:
        raise StoreError(
            f"the Merkle tree lacks its node {missing[0]} (level, index): it is damaged or "
            "still to be built; `ledger verify` says where"
        )
    return found


class Edge:
    """The tree's right edge after the last batch a store appended, kept by the store
    between appends so that the next one resumes it instead of reading the frontier back.

    It is keyed by the hash of that batch's last record: taken only when the log's head,
    read inside the next append's transaction, is still that record, whose hash chains the
    whole log before it, so the edge is the tree of exactly that log. A batch that never
    commits leaves a key no head will have.
    """

    def __init__(self) -> None:
        self._kept: tuple[str, merkle.Accumulator] | None = None

    def take(self, head: Head) -> merkle.Accumulator | None:
        kept, self._kept = self._kept, None
        if kept is None or kept[0] != head.hash or kept[1].size != head.position:
            return None
        return kept[1]

    def keep(self, last: Record, tree: merkle.Accumulator) -> None:
        self._kept = (last.hash, tree)


def grow(db: Database, batch: Sequence[Record], *, head: Head, edge: Edge) -> None:
    """Add `batch`'s leaves and the subtrees they complete: the append transaction's step.
    `head` is the log's head before `batch`, read in this transaction.

    A tree that is not exactly the log before `batch` (damaged, or not built yet) is left
    as it is, for `verify` to name and the next opening to build (`catch_up`).
    """
    start = batch[0].position - 1
    tree = edge.take(head)
    if tree is None:
        frontier = merkle.frontier(start)
        wanted = frontier if start == 0 or start & 1 else [*frontier, (0, start - 1)]
        try:
            known = nodes(db, wanted) if wanted else {}
        except StoreError:
            return
        tree = merkle.Accumulator(size=start, edge=[(node[0], known[node]) for node in frontier])
    new: list[tuple[Node, bytes]] = []
    for record in batch:
        new.extend(tree.add(leaf_of(record)))
    _insert(db, new)
    edge.keep(batch[-1], tree)


def catch_up(db: Database, records: Iterable[Record], *, head: int) -> None:
    """Build the tree up to `head` from `records`, the log after the tree's current size:
    for a log written before the tree existed, inside the migration that adds it."""
    done = size(db)
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == _CHUNK * 10:
            done = _add(db, done, batch)
    if batch:
        done = _add(db, done, batch)
    if done != head:
        raise StoreError(f"the Merkle tree reaches {done} records, the log {head}")


def _add(db: Database, done: int, batch: list[Record]) -> int:
    if batch[0].position != done + 1:
        raise StoreError(f"the log jumps from position {done} to {batch[0].position}")
    _insert(db, merkle.extend(done, [leaf_of(r) for r in batch], lambda w: nodes(db, w)))
    done += len(batch)
    batch.clear()
    return done


def _insert(db: Database, new: Sequence[tuple[Node, bytes]]) -> None:
    db.run_many(
        "INSERT INTO {p}merkle_nodes (level, idx, hash) VALUES (?, ?, ?)",
        [(level, index, hash_) for (level, index), hash_ in new],
    )
