"""The tree's hashing and paths against RFC 9162's recursive definitions, written out naively."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from ledger import merkle
from ledger.merkle import Node


def _mth(leaves: Sequence[bytes]) -> bytes:
    """MTH (RFC 9162, 2.1.1), over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: Sequence[bytes], *, whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole=whole), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], whole=False), _mth(leaves[:k])]


class _Tree:
    """Stored nodes, as a store keeps them, built only by `merkle.extend`."""

    def __init__(self) -> None:
        self.nodes: dict[Node, bytes] = {}
        self.size = 0
        self.reads: list[int] = []

    def read(self, keys: Sequence[Node]) -> dict[Node, bytes]:
        self.reads.append(len(keys))
        return {key: self.nodes[key] for key in keys}

    def append(self, leaves: Sequence[bytes]) -> None:
        self.nodes.update(merkle.extend(self.size, leaves, self.read))
        self.size += len(leaves)


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(str(i).encode()) for i in range(n)]


batches = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=12)


@given(batches)
def test_stored_nodes_give_the_rfc_root_paths_and_proofs(sizes: list[int]) -> None:
    tree = _Tree()
    leaves = _leaves(sum(sizes))
    done = 0
    for size in sizes:
        tree.append(leaves[done : done + size])
        done += size
        assert merkle.root(done, tree.read) == _mth(leaves[:done])
    for index in range(done):
        path = merkle.inclusion_path(index, done, tree.read)
        assert path == _path(index, leaves[:done])
        assert merkle.root_from_inclusion(index, done, leaves[index], path) == _mth(leaves)
    for old in range(done + 1):
        proof = merkle.consistency_path(old, done, tree.read)
        assert proof == ([] if old in (0, done) else _subproof(old, leaves, whole=True))
        assert merkle.consistent(old, _mth(leaves[:old]), done, _mth(leaves), proof)


@given(st.integers(min_value=1, max_value=3000), st.data())
def test_a_proof_reads_a_logarithmic_number_of_nodes(size: int, data: st.DataObject) -> None:
    tree = _Tree()
    tree.append(_leaves(size))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    tree.reads.clear()
    merkle.inclusion_path(index, size, tree.read)
    merkle.consistency_path(old, size, tree.read)
    merkle.root(size, tree.read)
    depth = size.bit_length()
    assert len(tree.reads) <= 3  # one read of nodes per call
    assert all(n <= 2 * depth for n in tree.reads)


def test_the_empty_tree_has_rfc_9162s_root() -> None:
    assert merkle.root(0, _Tree().read).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@given(st.integers(min_value=1, max_value=40), st.data())
def test_wrong_sizes_and_indexes_do_not_check(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    path = _path(index, leaves)
    assert merkle.root_from_inclusion(index, size, leaves[index], path) == _mth(leaves)
    assert merkle.root_from_inclusion(size, size, leaves[index], path) is None
    assert merkle.root_from_inclusion(index, size, leaves[index], [*path, leaves[0]]) is None


@given(st.integers(min_value=0, max_value=300))
def test_the_accumulator_gives_the_rfc_root_of_every_prefix(n: int) -> None:
    leaves = _leaves(n)
    accumulator = merkle.Accumulator()
    assert accumulator.root() == _mth([])
    for i, leaf in enumerate(leaves, start=1):
        accumulator.add(leaf)
        assert accumulator.root() == _mth(leaves[:i])
