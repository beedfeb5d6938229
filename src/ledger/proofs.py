"""Making tree heads and proofs from a ledger (docs/proofs.md).

A *tree head* states the size and Merkle root of the log at an instant, optionally signed
with the owner's Ed25519 key; an *inclusion proof* shows one record in the tree of a head;
a *consistency proof* shows a later head's tree extending an earlier one's. The documents
are `ledger.proof_format`'s; `ledger.proof_check.check_proof` checks them with no ledger.
Keys are the user's files: the private key is read to sign and never stored in the ledger.
"""

from __future__ import annotations

import datetime as dt
import os

import attrs

from ledger import merkle
from ledger._keys import crypto, private_key
from ledger.codec import format_time, without_free_text
from ledger.errors import ProofError
from ledger.ledger import Ledger
from ledger.log import Record, Store
from ledger.proof_format import (
    CONSISTENCY_FORMAT,
    FORMAT_VERSION,
    HEAD_FORMAT,
    INCLUSION_FORMAT,
    ConsistencyProof,
    InclusionProof,
    ProvedRecord,
    Signature,
    TreeHead,
    claim_of,
)


def tree_head(
    ledger: Ledger, *, key: str | os.PathLike[str] | None = None, now: dt.datetime | None = None
) -> TreeHead:
    """The head of the ledger's tree as it stands, signed with the Ed25519 private key in
    the PEM file `key` if one is given."""
    store = ledger.store
    head = store.head()
    size = _tree_size(store, head.position)
    head_doc = TreeHead(
        format=HEAD_FORMAT,
        format_version=FORMAT_VERSION,
        size=size,
        root=merkle.root(size, store.tree_nodes).hex(),
        chain=head.hash,
        issued_at=format_time(now or dt.datetime.now(dt.UTC)),
    )
    return head_doc if key is None else sign_head(head_doc, key)


def sign_head(head: TreeHead, key: str | os.PathLike[str]) -> TreeHead:
    """`head` signed with the Ed25519 private key in the PEM file `key`."""
    private = private_key(key)
    serialization = crypto().serialization
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    value = private.sign(head.unsigned().signed_bytes())
    return attrs.evolve(
        head, signature=Signature(algorithm="ed25519", public_key=public.hex(), value=value.hex())
    )


def inclusion_proof(
    ledger: Ledger, report_id: str, *, head: TreeHead, version: int | None = None
) -> InclusionProof:
    """The proof that the record of the report's `version` (0 the filing, 1 its first
    revision; by default the report's last change) is in the tree of `head`."""
    _check_own_head(ledger.store, head)
    entries = ledger.history(report_id)
    if version is None:
        entry = entries[-1]
    else:
        found = [e for e in entries if e.version == version and e.change in ("filed", "revised")]
        if not found:
            raise ProofError("version", f"report {report_id!r} has no version {version}")
        entry = found[0]
    if entry.position > head.size:
        raise ProofError(
            "head",
            f"the record at position {entry.position} was appended after the head "
            f"(size {head.size}): issue a newer head (`ledger head`) and prove against it",
        )
    record = next(ledger.store.read(after=entry.position - 1, until=entry.position))
    proved = _proved(record)
    path = merkle.inclusion_path(record.position - 1, head.size, ledger.store.tree_nodes)
    return InclusionProof(
        format=INCLUSION_FORMAT,
        format_version=FORMAT_VERSION,
        head=head,
        record=proved,
        claim=claim_of(proved, ledger._registry),  # noqa: SLF001 - the codec the ledger reads with
        path=tuple(p.hex() for p in path),
    )


def consistency_proof(ledger: Ledger, *, old: TreeHead, head: TreeHead) -> ConsistencyProof:
    """The proof that the tree of `head` extends the tree of the earlier head `old`."""
    for given in (old, head):
        _check_own_head(ledger.store, given)
    if old.size > head.size:
        raise ProofError("old.size", f"is {old.size}, after the later head's {head.size}")
    path = merkle.consistency_path(old.size, head.size, ledger.store.tree_nodes)
    return ConsistencyProof(
        format=CONSISTENCY_FORMAT,
        format_version=FORMAT_VERSION,
        old=old,
        head=head,
        path=tuple(p.hex() for p in path),
    )


def _tree_size(store: Store, head: int) -> int:
    size = store.tree_size()
    if size != head:
        raise ProofError(
            "tree",
            f"the Merkle tree covers {size} records, the log {head}: the tree is damaged "
            "(see `ledger verify`)",
        )
    return size


def _check_own_head(store: Store, head: TreeHead) -> None:
    """Refuse a head this ledger's tree does not have: another ledger's, or this one's
    before a rewrite."""
    size = store.tree_size()
    if head.size > size:
        raise ProofError("head.size", f"is {head.size}; this ledger holds {size} records")
    root = merkle.root(head.size, store.tree_nodes).hex()
    if root != head.root:
        raise ProofError(
            "head.root",
            f"this ledger's tree of {head.size} records has root {root}, the head says "
            f"{head.root}: the head is another ledger's, or this one was rewritten since",
        )


def _proved(record: Record) -> ProvedRecord:
    """The record as a proof carries it: its free text (quotes, notes, citations, personal
    fields) only as the salted commitments the tree hashes, so that publishing a proof never
    publishes a name; the checker computes the same leaf from it."""
    try:
        body = without_free_text(record.body).decode()
    except UnicodeDecodeError:
        raise ProofError(
            "record.body", f"position {record.position}: the stored body is not UTF-8 text"
        ) from None
    return ProvedRecord(
        position=record.position,
        stream=record.stream,
        version=record.version,
        event_id=record.event_id,
        recorded_at=format_time(record.recorded_at),
        body=body,
    )
