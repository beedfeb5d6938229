"""Proofs a reader checks without the ledger: tree heads, inclusion and consistency proofs.

A *tree head* states the size and Merkle root of the log at an instant, optionally signed
with the owner's Ed25519 key. An *inclusion proof* shows that one record (a report's filing,
revision, correction, retraction or void) is leaf `position - 1` of the tree of that head;
a *consistency proof* shows that a later head's tree extends an earlier one's, so nothing
the earlier head covered was changed or dropped. All three are JSON documents whose format
is versioned and documented in docs/proofs.md, so that a checker can be written in any
language; `check_proof` is this package's, and needs nothing but the documents.

Keys are the user's files: the private key is read to sign and never stored in the ledger.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from ledger import merkle
from ledger.codec import EVENTS, EventRegistry, converter, format_time, parse_time
from ledger.errors import CodecError, LedgerError, MissingDependencyError, ProofError
from ledger.events import (
    Event,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
)
from ledger.ledger import Ledger
from ledger.log import Record, Store

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HEAD_FORMAT: Final = "incident-ledger/tree-head"
INCLUSION_FORMAT: Final = "incident-ledger/inclusion-proof"
CONSISTENCY_FORMAT: Final = "incident-ledger/consistency-proof"
#: The version of all three formats; a checker refuses any other.
FORMAT_VERSION: Final = 1
#: What an Ed25519 signature of a head covers, before the head's own lines.
SIGNED_PREFIX: Final = b"incident-ledger tree head 1\n"

_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_HEX128: Final = re.compile(r"[0-9a-f]{128}")
_CHANGES: Final[dict[type[Event], str]] = {
    ReportFiled: "filed",
    ReportRevised: "revised",
    ReportCorrected: "corrected",
    ReportRetracted: "retracted",
    ReportVoided: "voided",
}


@attrs.frozen(kw_only=True, slots=True)
class Signature:
    """An Ed25519 signature of a head: the signer's public key and the signature, in hex."""

    algorithm: str
    public_key: str
    value: str


@attrs.frozen(kw_only=True, slots=True)
class TreeHead:
    """The log's Merkle tree at `size` records: its root, the chain hash of record `size`
    (`chain`, the hash a `Digest` publishes) and when the head was issued."""

    format: str
    format_version: int
    size: int
    root: str
    chain: str
    issued_at: str
    signature: Signature | None = None

    def signed_bytes(self) -> bytes:
        """The bytes a signature covers (docs/proofs.md)."""
        lines = f"{self.size}\n{self.root}\n{self.chain}\n{self.issued_at}\n"
        return SIGNED_PREFIX + lines.encode()

    def unsigned(self) -> TreeHead:
        return attrs.evolve(self, signature=None)


@attrs.frozen(kw_only=True, slots=True)
class ProvedRecord:
    """A stored record, as the leaf hashes it: `body` is its stored bytes as UTF-8 text."""

    position: int
    stream: str
    version: int
    event_id: str
    recorded_at: str
    body: str


@attrs.frozen(kw_only=True, slots=True)
class Claim:
    """What the proved record says of its report, read from its body (and checked to be so)."""

    change: str
    incident: str
    report_id: str
    figure: str | None = None
    language: str | None = None
    low: int | None = None
    high: int | None = None
    reported_at: str | None = None


@attrs.frozen(kw_only=True, slots=True)
class InclusionProof:
    """That `record` is leaf `record.position - 1` of the tree of `head`."""

    format: str
    format_version: int
    head: TreeHead
    record: ProvedRecord
    claim: Claim
    path: tuple[str, ...]


@attrs.frozen(kw_only=True, slots=True)
class ConsistencyProof:
    """That the tree of `head` extends the tree of `old`."""

    format: str
    format_version: int
    old: TreeHead
    head: TreeHead
    path: tuple[str, ...]


Document = TreeHead | InclusionProof | ConsistencyProof


@attrs.frozen(kw_only=True, slots=True)
class ProofCheck:
    """What a proof that checked shows: its kind, the head, the claim (for an inclusion
    proof) and the signer's public key (hex) where the head was signed."""

    kind: str
    head: TreeHead
    claim: Claim | None
    signer: str | None


# Making heads and proofs, from a ledger.


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
    private = _private_key(key)
    serialization = _crypto().serialization
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
        claim=_claim(proved, ledger._registry),  # noqa: SLF001 - the codec the ledger reads with
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
    try:
        body = record.body.decode()
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


def _claim(record: ProvedRecord, registry: EventRegistry) -> Claim:
    """What the record's body says of its report: the one reading of a body, for the
    prover and the checker alike."""
    try:
        event = registry.decode(record.body.encode(), position=record.position).event
    except CodecError as exc:
        raise ProofError("record.body", str(exc)) from exc
    change = _CHANGES.get(type(event))
    if change is None:
        raise ProofError("record.body", f"holds a {type(event).__name__}, not a report's change")
    figure = getattr(event, "figure", None)
    reported_at = getattr(event, "reported_at", None)
    return Claim(
        change=change,
        incident=event.incident,  # type: ignore[attr-defined]  # every report event has one
        report_id=event.report_id,  # type: ignore[attr-defined]
        figure=None if figure is None else figure.text,
        language=None if figure is None else figure.language.value,
        low=None if figure is None else figure.low,
        high=None if figure is None else figure.high,
        reported_at=None if reported_at is None else format_time(reported_at),
    )


# Documents: JSON in and out.


def dump_document(document: Document) -> str:
    """The document as the one line of JSON the formats define."""
    return json.dumps(converter.unstructure(document), ensure_ascii=False, separators=(",", ":"))


_KINDS: Final[dict[str, type[Document]]] = {
    HEAD_FORMAT: TreeHead,
    INCLUSION_FORMAT: InclusionProof,
    CONSISTENCY_FORMAT: ConsistencyProof,
}


def load_document(text: str | bytes, *, what: str = "document") -> Document:
    """A head or proof from its JSON; anything malformed is a `ProofError`, never guessed at."""
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise ProofError(what, f"is not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise ProofError(what, "is not a JSON object")
    cls = _KINDS.get(raw.get("format"))  # type: ignore[arg-type]
    if cls is None:
        raise ProofError(f"{what}.format", f"is {raw.get('format')!r}, not one of {sorted(_KINDS)}")
    if raw.get("format_version") != FORMAT_VERSION:
        raise ProofError(
            f"{what}.format_version",
            f"is {raw.get('format_version')!r}; this checker reads version {FORMAT_VERSION}",
        )
    try:
        document = converter.structure(raw, cls)
    except Exception as exc:  # noqa: BLE001 - cattrs' whole tree of errors, said as one
        raise ProofError(what, f"does not have the {raw['format']} shape: {_first(exc)}") from None
    _check_shape(document, what)
    return document


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a key appears twice in one object")
    return found


def _first(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return str(exc)


def _check_shape(document: Document, what: str) -> None:
    """Every hash is 64 lowercase hex digits and every time in its one written form, so that
    no two texts of a document mean the same thing."""
    heads: list[tuple[str, TreeHead]] = []
    if isinstance(document, TreeHead):
        heads.append((what, document))
    else:
        heads.append((f"{what}.head", document.head))
        for n, item in enumerate(document.path):
            _hex(f"{what}.path[{n}]", item, _HEX64)
        if isinstance(document, ConsistencyProof):
            heads.append((f"{what}.old", document.old))
        else:
            _time(f"{what}.record.recorded_at", document.record.recorded_at)
    for name, head in heads:
        if head.format != HEAD_FORMAT or head.format_version != FORMAT_VERSION:
            raise ProofError(f"{name}.format", f"must be {HEAD_FORMAT!r} version {FORMAT_VERSION}")
        if head.size < 0:
            raise ProofError(f"{name}.size", "must be a whole number >= 0")
        _hex(f"{name}.root", head.root, _HEX64)
        _hex(f"{name}.chain", head.chain, _HEX64)
        _time(f"{name}.issued_at", head.issued_at)
        if head.signature is not None:
            if head.signature.algorithm != "ed25519":
                raise ProofError(f"{name}.signature.algorithm", "must be 'ed25519'")
            _hex(f"{name}.signature.public_key", head.signature.public_key, _HEX64)
            _hex(f"{name}.signature.value", head.signature.value, _HEX128)


def _hex(name: str, value: str, pattern: re.Pattern[str]) -> None:
    if not pattern.fullmatch(value):
        raise ProofError(name, "must be lowercase hexadecimal of the right length")


def _time(name: str, value: str) -> None:
    try:
        canonical = format_time(parse_time(value))
    except (ValueError, TypeError, OverflowError):
        canonical = None
    if canonical != value:
        raise ProofError(name, "must be a UTC time written as 2025-03-08T14:00:00.000000Z")


# Checking: needs the documents only.


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
        _check_shape(value, what)
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
            body=body,
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
        claim = _claim(record, registry)
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
    crypto = _crypto()
    if public_key is not None:
        wanted = _public_key(public_key)
        if wanted.hex() != signature.public_key:
            raise ProofError(
                f"{what}.signature.public_key", "is not the public key given: another signed it"
            )
    key = crypto.Ed25519PublicKey.from_public_bytes(bytes.fromhex(signature.public_key))
    try:
        key.verify(bytes.fromhex(signature.value), head.unsigned().signed_bytes())
    except crypto.InvalidSignature:
        raise ProofError(
            f"{what}.signature.value", "does not hold: the head was altered after signing"
        ) from None
    return signature.public_key


# Keys: the user's files, read when needed and kept nowhere.


@attrs.frozen(slots=True)
class _Crypto:
    serialization: Any
    Ed25519PrivateKey: Any
    Ed25519PublicKey: Any
    InvalidSignature: type[Exception]


def _crypto() -> _Crypto:
    try:
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - the `sign` extra
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PrivateKey,
            Ed25519PublicKey,
        )
    except ImportError:
        raise MissingDependencyError("sign", "signing or checking a signed head") from None
    return _Crypto(serialization, Ed25519PrivateKey, Ed25519PublicKey, InvalidSignature)


def _read_key(path: str | os.PathLike[str], what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ProofError(what, f"cannot read {os.fspath(path)!r}: {exc.strerror}") from None


def _private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    crypto = _crypto()
    data = _read_key(path, "key")
    key = _parsed(lambda: crypto.serialization.load_pem_private_key(data, password=None), "key")
    if not isinstance(key, crypto.Ed25519PrivateKey):
        raise ProofError("key", f"{os.fspath(path)!r} is not an Ed25519 private key")
    return cast("Ed25519PrivateKey", key)


def _public_key(value: str | os.PathLike[str] | bytes) -> bytes:
    """An Ed25519 public key's 32 raw bytes, from a PEM file or as given."""
    crypto = _crypto()
    if isinstance(value, bytes):
        if len(value) != 32:  # noqa: PLR2004 - an Ed25519 key's size
            raise ProofError("public_key", "must be 32 bytes")
        return value
    data = _read_key(value, "public_key")
    key = _parsed(lambda: crypto.serialization.load_pem_public_key(data), "public_key")
    if not isinstance(key, crypto.Ed25519PublicKey):
        raise ProofError("public_key", f"{os.fspath(value)!r} is not an Ed25519 public key")
    raw: bytes = key.public_bytes(
        crypto.serialization.Encoding.Raw, crypto.serialization.PublicFormat.Raw
    )
    return raw


def _parsed(load: Callable[[], object], what: str) -> object:
    try:
        return load()
    except (ValueError, TypeError, LedgerError) as exc:
        raise ProofError(what, f"is not a PEM key file ({exc})") from None
