"""Checking a proof against a head: needs the documents, never a ledger.

`check_proof` is the reference checker of the formats in docs/proofs.md (`ledger.proof_format`);
`ledger check-proof` runs it.
"""

from __future__ import annotations

import os

import attrs

from ledger import merkle
from ledger._keys import crypto
from ledger._keys import public_key as read_public_key
from ledger.codec import EVENTS, EventRegistry, committed, parse_time
from ledger.errors import ProofError
from ledger.proof_format import (
    Claim,
    ConsistencyProof,
    Document,
    InclusionProof,
    TreeHead,
    check_shape,
    claim_of,
    load_document,
)


@attrs.frozen(kw_only=True, slots=True)
class ProofCheck:
    """What a proof that checked shows: its kind, the head, the claim (for an inclusion
    proof) and the signer's public key (hex) where the head was signed."""

    kind: str
    head: TreeHead
    claim: Claim | None
    signer: str | None


def check_proof(
    proof: str | bytes | InclusionProof | ConsistencyProof,
    head: str | bytes | TreeHead,
    *,
    public_key: str | os.PathLike[str] | bytes | None = None,
    since: str | bytes | TreeHead | None = None,
    registry: EventRegistry = EVENTS,
) -> ProofCheck:
    """Check `proof` against `head`, the head the reader trusts (published, or received from
    the ledger's owner), and return what it shows; raise `ProofError` naming what fails.

    `public_key` (an Ed25519 public key: a PEM file's path, or its 32 raw bytes) requires
    the head to be signed by that key. `since`, for a consistency proof, is the earlier head
    the reader trusts, which the proof must start from.
    """
    document = _document(proof, "proof")
    trusted = _document(head, "head")
    if not isinstance(trusted, TreeHead):
        raise ProofError("head", "is a proof, not a tree head")
    if isinstance(document, TreeHead):
        raise ProofError("proof", "is a tree head, not a proof")
    signer = _check_signature(trusted, "head", public_key)
    if document.head != trusted:
        raise ProofError("proof.head", "differs from the head given: it was made for another")
    if isinstance(document, InclusionProof):
        claim = _check_inclusion(document, registry)
        return ProofCheck(kind="inclusion", head=trusted, claim=claim, signer=signer)
    if since is not None:
        earlier = _document(since, "since")
        if earlier != document.old:
            raise ProofError("proof.old", "differs from the earlier head given")
    _check_signature(document.old, "proof.old", public_key if document.old.signature else None)
    if not merkle.consistent(
        document.old.size,
        bytes.fromhex(document.old.root),
        trusted.size,
        bytes.fromhex(trusted.root),
        [bytes.fromhex(p) for p in document.path],
    ):
        raise ProofError(
            "proof.path",
            f"does not show the tree of {trusted.size} records extending the tree of "
            f"{document.old.size}: the log was rewritten between the two heads, or the proof "
            "was altered",
        )
    return ProofCheck(kind="consistency", head=trusted, claim=None, signer=signer)


def _document(value: str | bytes | Document, what: str) -> Document:
    if isinstance(value, TreeHead | InclusionProof | ConsistencyProof):
        check_shape(value, what)
        return value
    return load_document(value, what=what)


def _check_inclusion(proof: InclusionProof, registry: EventRegistry) -> Claim:
    record = proof.record
    try:
        body = record.body.encode()
    except UnicodeEncodeError:
        raise ProofError("proof.record.body", "must be valid Unicode text") from None
    leaf = merkle.leaf_hash(
        merkle.entry_bytes(
            position=record.position,
            stream=record.stream,
            version=record.version,
            event_id=record.event_id,
            recorded_at=parse_time(record.recorded_at),
            body=committed(body),
        )
    )
    root = merkle.root_from_inclusion(
        record.position - 1, proof.head.size, leaf, [bytes.fromhex(p) for p in proof.path]
    )
    if root is None or root.hex() != proof.head.root:
        raise ProofError(
            "proof.path",
            f"does not lead from record {record.position} to the head's root: the record "
            "or the proof was altered, or the record is not in the tree of this head",
        )
    try:
        claim = claim_of(record, registry)
    except ProofError as exc:
        raise ProofError(f"proof.{exc.field}", str(exc).partition(": ")[2]) from None
    if claim != proof.claim:
        raise ProofError("proof.claim", "is not what the record's body says")
    return claim


def _check_signature(
    head: TreeHead, what: str, public_key: str | os.PathLike[str] | bytes | None
) -> str | None:
    """The signer's key (hex) if the head is signed and the signature holds; None if the head
    is unsigned and no key was asked for."""
    signature = head.signature
    if signature is None:
        if public_key is not None:
            raise ProofError(f"{what}.signature", "is missing, and a public key was given")
        return None
    lib = crypto()
    if public_key is not None:
        wanted = read_public_key(public_key)
        if wanted.hex() != signature.public_key:
            raise ProofError(
                f"{what}.signature.public_key", "is not the public key given: another signed it"
            )
    key = lib.Ed25519PublicKey.from_public_bytes(bytes.fromhex(signature.public_key))
    try:
        key.verify(bytes.fromhex(signature.value), head.unsigned().signed_bytes())
    except lib.InvalidSignature:
        raise ProofError(
            f"{what}.signature.value", "does not hold: the head was altered after signing"
        ) from None
    return signature.public_key
