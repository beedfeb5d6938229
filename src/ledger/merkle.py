"""The Merkle tree over the log's records: RFC 9162's tree hashing, paths and their checks.

Leaf `i` (0-based) is the record at position `i + 1`; its hash is SHA-256 over the byte
0x00 and the record's entry (`entry_bytes`), and an inner node's is SHA-256 over 0x01 and its
two children's hashes, with RFC 9162's split: the left subtree is the largest power of two
smaller than the tree. Distinct prefixes keep a leaf from passing for an inner node.

A store keeps the hash of every *perfect* subtree, keyed `(level, index)`: the subtree of
the `2**level` leaves from `index * 2**level`. Every hash a proof needs is either one of
those or the hash of a right edge that a handful of them make, so a proof reads O(log n)
nodes, and an append writes its leaf and the perfect subtrees it completes (two on
average). This module is pure: it asks a `NodeReader` for the nodes, and never does I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from ledger.codec import format_time

#: A perfect subtree: (level, index) holds leaves [index * 2**level, (index + 1) * 2**level).
Node = tuple[int, int]
#: Reads the hashes of the given perfect subtrees (all of them, or raise).
NodeReader = Callable[[Sequence[Node]], dict[Node, bytes]]

LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"
#: The root of the empty tree: SHA-256 of nothing (RFC 9162, 2.1.1).
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


def entry_bytes(
    *,
    position: int,
    stream: str,
    version: int,
    event_id: str,
    recorded_at: dt.datetime,
    body: bytes,
) -> bytes:
    """A record's entry, the leaf's input: the header lines the chain hashes, then the body.

    The chain's hash also covers the previous record's hash; a leaf does not, so a reader
    checks a record with its proof alone.
    """
    return entry_at(position, stream, version, event_id, stamp=format_time(recorded_at), body=body)


def entry_at(
    position: int, stream: str, version: int, event_id: str, *, stamp: str, body: bytes
) -> bytes:
    """`entry_bytes` with the recorded time written already (`stamp`): a batch, which
    shares one recorded time, writes it once."""
    return f"{position}\n{stream}\n{version}\n{event_id}\n{stamp}\n".encode() + body


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than `n` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def frontier(size: int) -> list[Node]:
    """The perfect subtrees along the right edge of the tree of `size` leaves, widest first:
    the stored nodes that leaves appended after them combine with."""
    return [
        (level, (size >> level) - 1)
        for level in reversed(range(size.bit_length()))
        if size >> level & 1
    ]


def extend(size: int, leaves: Sequence[bytes], read: NodeReader) -> list[tuple[Node, bytes]]:
    """The nodes to store when `leaves` are appended to a tree of `size` leaves: each leaf,
    then each perfect subtree it completes, in the order they complete."""
    tree = Accumulator()
    if size and leaves:
        wanted = frontier(size)
        known = read(wanted)
        tree = Accumulator(size=size, edge=[(node[0], known[node]) for node in wanted])
    nodes: list[tuple[Node, bytes]] = []
    for leaf in leaves:
        nodes.extend(tree.add(leaf))
    return nodes


def _parts(lo: int, hi: int) -> list[Node]:
    """The perfect subtrees whose hashes make the hash of leaves [lo, hi), lo aligned to
    the split the tree makes there: left to right, widest first."""
    nodes = []
    while lo < hi:
        width = 1 << ((hi - lo).bit_length() - 1)
        nodes.append((width.bit_length() - 1, lo // width))
        lo += width
    return nodes


def _fold(parts: Sequence[bytes]) -> bytes:
    """The hash of a subtree from its perfect parts, widest first: RFC 9162 folds the right
    edge from the narrowest up."""
    hash_ = parts[-1]
    for part in reversed(parts[:-1]):
        hash_ = node_hash(part, hash_)
    return hash_


class Accumulator:
    """The root of a tree built one leaf at a time, in O(log n) memory: a walk along the log
    computes it to compare with the stored tree's."""

    def __init__(self, *, size: int = 0, edge: Sequence[tuple[int, bytes]] = ()) -> None:
        """The tree of `size` leaves whose right edge is `edge` (see `_edge`): empty, or one
        a store holds, resumed from its `frontier` nodes."""
        self.size = size
        #: The perfect subtrees along the right edge, widest first, as (level, hash).
        self._edge: list[tuple[int, bytes]] = list(edge)

    def add(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Add a leaf; return it and each perfect subtree it completes, as a store keeps them."""
        level, hash_, index = 0, leaf, self.size
        nodes = [((0, index), leaf)]
        while self._edge and self._edge[-1][0] == level:
            hash_ = node_hash(self._edge.pop()[1], hash_)
            level += 1
            index >>= 1
            nodes.append(((level, index), hash_))
        self._edge.append((level, hash_))
        self.size += 1
        return nodes

    def root(self) -> bytes:
        return _fold([h for _, h in self._edge]) if self._edge else EMPTY_ROOT


class _Subtrees:
    """The hashes of arbitrary subtrees [lo, hi) of a tree, from its stored perfect nodes,
    with every node read in one call."""

    def __init__(self, ranges: Iterable[tuple[int, int]], read: NodeReader) -> None:
        self.ranges = list(ranges)
        wanted = {node for lo, hi in self.ranges for node in _parts(lo, hi)}
        self.nodes = read(sorted(wanted)) if wanted else {}

    def hash(self, lo: int, hi: int) -> bytes:
        return _fold([self.nodes[node] for node in _parts(lo, hi)])


def root(size: int, read: NodeReader) -> bytes:
    """The root hash of the tree of the first `size` leaves."""
    if size == 0:
        return EMPTY_ROOT
    return _Subtrees([(0, size)], read).hash(0, size)


def _inclusion_ranges(index: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes are leaf `index`'s audit path in leaves [lo, hi), leaf
    upwards (RFC 9162, 2.1.3.1)."""
    ranges: list[tuple[int, int]] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo = lo + k
    ranges.reverse()
    return ranges


def inclusion_path(index: int, size: int, read: NodeReader) -> list[bytes]:
    """Leaf `index`'s audit path in the tree of `size` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges = _inclusion_ranges(index, 0, size)
    subtrees = _Subtrees(ranges, read)
    return [subtrees.hash(lo, hi) for lo, hi in ranges]


def _consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes prove the tree of `old` leaves a prefix of the tree of
    `new` leaves (RFC 9162, 2.1.4.1: SUBPROOF(m, D[0:n], true))."""
    ranges: list[tuple[int, int]] = []
    m, lo, hi, whole = old, 0, new, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            m -= k
            lo += k
            whole = False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def consistency_path(old: int, new: int, read: NodeReader) -> list[bytes]:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves."""
    if not 0 <= old <= new:
        raise ValueError(f"a tree of {old} leaves is no prefix of one of {new}")
    if old in (0, new):
        return []
    ranges = _consistency_ranges(old, new)
    subtrees = _Subtrees(ranges, read)
    return [subtrees.hash(lo, hi) for lo, hi in ranges]


# The checks: RFC 9162's verification algorithms, step for step (2.1.3.2 and 2.1.4.2).


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root that `path` gives leaf `index` in a tree of `size` leaves, or None if the
    path cannot be one for that leaf and size."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistent(old: int, old_root: bytes, new: int, new_root: bytes, path: Sequence[bytes]) -> bool:
    """Whether `path` proves the tree of `old` leaves and root `old_root` a prefix of the tree
    of `new` leaves and root `new_root`."""
    if not 0 < old < new:
        return _trivially_consistent(old, old_root, new, new_root, path)
    if not path:
        return False
    nodes = list(path)
    if old & (old - 1) == 0:  # a power of two: the old root starts the path
        nodes.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def _trivially_consistent(
    old: int, old_root: bytes, new: int, new_root: bytes, path: Sequence[bytes]
) -> bool:
    """The cases RFC 9162 gives no path for: an empty old tree, or the same tree twice."""
    if path or not 0 <= old <= new:
        return False
    return old_root == (EMPTY_ROOT if old == 0 else new_root)
