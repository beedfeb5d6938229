"""Proofs a reader checks without the ledger (ledger.proofs): what is proved checks, and
nothing altered does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Figure, Ledger, ProofError, merkle
from ledger.proof_check import check_proof
from ledger.proof_format import TreeHead, dump_document, load_document
from ledger.proofs import consistency_proof, inclusion_proof, tree_head

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _story(n: int, *, typo: int | None = None) -> Ledger:
    """A ledger of one incident and one source, whose report is revised `n` times; revision
    `typo` (if any) says one more than the others."""
    ledger = Ledger.in_memory(actor="desk", clock=lambda: T0 + dt.timedelta(days=2))
    ledger.open_incident("coast", title="Coast")
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    ledger.file_report(
        "coast",
        source="snhr",
        metric="killed",
        figure="at least 10",
        reported_at=T0,
        report_id="r1",
    )
    for i in range(n):
        figure = f"at least {11 + i + (1 if i == typo else 0)}"
        ledger.revise_report("r1", figure=figure, reported_at=T0 + dt.timedelta(hours=i))
    return ledger


def _keys(tmp: Path) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private, public = tmp / "key.pem", tmp / "key.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _flip(text: str, bit: int) -> bytes:
    data = bytearray(text.encode())
    data[bit // 8 % len(data)] ^= 1 << bit % 8
    return bytes(data)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ledger, str, str, Path]:
    ledger = _story(6)
    private, public = _keys(tmp_path_factory.mktemp("keys"))
    head = tree_head(ledger, key=private, now=T0)
    proof = inclusion_proof(ledger, "r1", head=head, version=3)
    return ledger, dump_document(head), dump_document(proof), public


@settings(max_examples=30)
@given(revisions=st.integers(0, 12), data=st.data())
def test_every_proof_the_ledger_makes_checks(revisions: int, data: st.DataObject) -> None:
    ledger = _story(revisions)
    old = tree_head(ledger, now=T0)
    ledger.revise_report("r1", figure="at least 99", reported_at=T0 + dt.timedelta(days=1))
    head = tree_head(ledger, now=T0)
    version = data.draw(st.integers(0, revisions + 1))
    proof = inclusion_proof(ledger, "r1", head=head, version=version)
    checked = check_proof(dump_document(proof), dump_document(head))
    assert checked.kind == "inclusion"
    assert checked.claim is not None
    assert checked.claim.figure == (
        "at least 99" if version == revisions + 1 else (f"at least {10 + version}")
    )
    assert checked.claim.low == Figure.parse(checked.claim.figure).low
    extension = consistency_proof(ledger, old=old, head=head)
    assert check_proof(dump_document(extension), head, since=old).kind == "consistency"


@settings(max_examples=200)
@given(bit=st.integers(0, 1 << 20))
def test_any_bit_changed_in_a_proof_fails_it(
    signed: tuple[Ledger, str, str, Path], bit: int
) -> None:
    _, head, proof, public = signed
    check_proof(proof, head, public_key=public)
    with pytest.raises(ProofError):
        check_proof(_flip(proof, bit), head, public_key=public)


@settings(max_examples=200)
@given(bit=st.integers(0, 1 << 20))
def test_any_bit_changed_in_a_head_fails_the_proof(
    signed: tuple[Ledger, str, str, Path], bit: int
) -> None:
    _, head, proof, _ = signed
    with pytest.raises(ProofError):
        check_proof(proof, _flip(head, bit))


@settings(max_examples=100)
@given(bit=st.integers(0, 64 * 8 - 1), key_bit=st.integers(0, 32 * 8 - 1))
def test_any_bit_changed_in_a_signature_or_its_key_fails(
    signed: tuple[Ledger, str, str, Path], bit: int, key_bit: int
) -> None:
    _, head_text, _, public = signed
    head = load_document(head_text)
    assert isinstance(head, TreeHead)
    assert head.signature is not None
    value = bytearray(bytes.fromhex(head.signature.value))
    value[bit // 8] ^= 1 << bit % 8
    bad = attrs.evolve(head, signature=attrs.evolve(head.signature, value=value.hex()))
    proof = inclusion_proof(signed[0], "r1", head=bad.unsigned(), version=0)
    with pytest.raises(ProofError, match="signature"):
        check_proof(attrs.evolve(proof, head=bad), bad)
    key = bytearray(bytes.fromhex(head.signature.public_key))
    key[key_bit // 8] ^= 1 << key_bit % 8
    other = attrs.evolve(head, signature=attrs.evolve(head.signature, public_key=key.hex()))
    with pytest.raises(ProofError, match="signature"):
        check_proof(attrs.evolve(proof, head=other), other, public_key=public)


@settings(max_examples=50)
@given(revisions=st.integers(1, 10), data=st.data())
def test_any_bit_changed_in_the_record_fails_the_proof(revisions: int, data: st.DataObject) -> None:
    ledger = _story(revisions)
    head = tree_head(ledger, now=T0)
    proof = inclusion_proof(ledger, "r1", head=head, version=data.draw(st.integers(0, revisions)))
    body = proof.record.body.encode()
    bit = data.draw(st.integers(0, len(body) * 8 - 1))
    changed = bytearray(body)
    changed[bit // 8] ^= 1 << bit % 8
    try:
        text = changed.decode()
    except UnicodeDecodeError:
        return  # not text: no document can carry it, as load_document's own test shows
    altered = attrs.evolve(proof, record=attrs.evolve(proof.record, body=text))
    with pytest.raises(ProofError):
        check_proof(altered, head)


def test_a_proof_against_a_head_from_before_the_record_fails() -> None:
    ledger = _story(3)
    before = tree_head(ledger, now=T0)
    ledger.revise_report("r1", figure="at least 50", reported_at=T0 + dt.timedelta(days=1))
    after = tree_head(ledger, now=T0)
    with pytest.raises(ProofError, match="appended after the head"):
        inclusion_proof(ledger, "r1", head=before)
    proof = inclusion_proof(ledger, "r1", head=after)
    with pytest.raises(ProofError, match="another"):
        check_proof(proof, before)
    # The same path, claimed for the earlier head, leads nowhere.
    with pytest.raises(ProofError, match="path"):
        check_proof(attrs.evolve(proof, head=before), before)


def test_a_consistency_proof_between_heads_of_a_rewritten_log_fails() -> None:
    published = tree_head(_story(4), now=T0)
    rewritten = _story(6, typo=2)  # revision 2 now says one more than it did
    head = tree_head(rewritten, now=T0)
    with pytest.raises(ProofError, match="rewritten"):
        consistency_proof(rewritten, old=published, head=head)
    path = merkle.consistency_path(published.size, head.size, rewritten.store.tree_nodes)
    forged = attrs.evolve(
        consistency_proof(rewritten, old=tree_head(rewritten, now=T0), head=head),
        old=published,
        path=tuple(p.hex() for p in path),
    )
    with pytest.raises(ProofError, match="rewritten"):
        check_proof(forged, head, since=published)


def test_a_signed_head_names_its_key_and_a_wrong_key_is_refused(
    signed: tuple[Ledger, str, str, Path], tmp_path: Path
) -> None:
    _, head, proof, public = signed
    checked = check_proof(proof, head, public_key=public)
    assert checked.signer is not None
    _, stranger = _keys(tmp_path)
    with pytest.raises(ProofError, match="not the public key given"):
        check_proof(proof, head, public_key=stranger)
    unsigned = load_document(head)
    assert isinstance(unsigned, TreeHead)
    with pytest.raises(ProofError, match="missing"):
        check_proof(proof, unsigned.unsigned(), public_key=public)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "{}",
        '{"format":"incident-ledger/tree-head","format_version":2}',
        "nul",
        '{"a":1,"a":1}',
    ],
)
def test_malformed_documents_are_refused_by_name(text: str) -> None:
    with pytest.raises(ProofError):
        load_document(text)
