"""The proof formats, version 1: tree heads, inclusion and consistency proofs as JSON.

The classes are the documents docs/proofs.md defines; `dump_document` writes one as its
one line of JSON, and `load_document` reads one back, refusing any text the format does not
admit (unknown or repeated keys, upper-case hex, a time written another way), so that each
document has exactly one text and a changed bit always changes what it says. `claim_of` is
the one reading of a record's body into the claim a proof shows, for prover and checker.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import attrs

from ledger.codec import EventRegistry, converter, format_time, parse_time
from ledger.errors import CodecError, ProofError
from ledger.events import (
    Event,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
)

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


def claim_of(record: ProvedRecord, registry: EventRegistry) -> Claim:
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
    check_shape(document, what)
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


def check_shape(document: Document, what: str) -> None:
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
