"""Tamper evidence: every way of rewriting the SQLite file is caught at the first bad position."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    CodecError,
    DamagedLedgerError,
    Digest,
    IntegrityError,
    IntegrityReport,
    Ledger,
    ProblemKind,
    SQLiteStore,
    ValidationError,
    verify_log,
)
from ledger.codec import EVENTS
from ledger.log import GENESIS_HASH

from . import tamper
from .pristine import Pristine, populated, tampered
from .scale import count, pick

EXAMPLES = pick(25, 400)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    """One populated ledger file; each example tampers with its own copy."""
    return populated(tmp_path_factory.mktemp("tamper"))


def rebuilt(path: Path) -> None:
    """Derive the read model afresh from the (tampered) log, as `ledger reindex` would."""
    store = SQLiteStore(path, durable=False)
    try:
        store.rebuild_read_model()
    finally:
        store.close()


def verify(path: Path, against: Digest | None = None) -> IntegrityReport:
    store = SQLiteStore(path, durable=False)
    try:
        return verify_log(store, against=against)
    finally:
        store.close()


def assert_caught(report: IntegrityReport, position: int, *kinds: ProblemKind) -> None:
    assert report.problem is not None, "tampering went unnoticed"
    assert (report.problem.position, report.problem.kind) in {(position, k) for k in kinds}, (
        report.problem
    )
    assert report.checked == position - 1
    assert report.head.position == position - 1
    with pytest.raises(IntegrityError) as caught:
        report.raise_for_problem()
    assert caught.value.position == position
    assert caught.value.kind in kinds
    count("tamper cases detected")


def test_an_untouched_log_verifies(pristine: Pristine) -> None:
    report = verify(pristine.path, against=pristine.digest)
    assert report.ok
    assert report.problem is None
    assert report.checked == pristine.size
    assert report.head == pristine.digest
    assert report.raise_for_problem() is report
    with Ledger.open(pristine.path) as ledger:
        assert ledger.verify().ok
        assert ledger.digest() == pristine.digest


def test_an_empty_log_verifies_against_the_genesis_digest(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "empty.db") as ledger:
        assert ledger.digest() == Digest(position=0, hash=GENESIS_HASH)
        assert ledger.verify(against=ledger.digest()).ok


def test_digests_print_and_parse_back(pristine: Pristine) -> None:
    text = str(pristine.digest)
    assert text == f"{pristine.digest.position}:{pristine.digest.hash}"
    assert Digest.parse(f"  {text}\n") == pristine.digest
    for bad in ["", "12", "x:" + "0" * 64, "3:" + "0" * 63, "3:" + "G" * 64, "-1:" + "0" * 64]:
        with pytest.raises(ValidationError):
            Digest.parse(bad)
    with pytest.raises(ValidationError, match="genesis"):
        Digest(position=0, hash="1" * 64)
    with pytest.raises(ValidationError, match="against"):
        verify(pristine.path, against=text)  # type: ignore[arg-type]


positions = st.data()


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_an_edited_payload_is_caught(pristine: Pristine, data: st.DataObject) -> None:
    p = data.draw(st.integers(1, pristine.size), label="position")
    edit = data.draw(st.sampled_from([tamper.edit_payload, tamper.edit_recorded_at]))
    report = verify(tampered(pristine, lambda c: edit(c, p)))
    last = p == pristine.size
    assert_caught(report, p, ProblemKind.BAD_HASH if last else ProblemKind.EDITED)


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_a_deleted_record_is_caught(pristine: Pristine, data: st.DataObject) -> None:
    n = pristine.size
    p = data.draw(st.integers(1, n - 1), label="position")
    renumber = data.draw(st.booleans(), label="renumber")
    report = verify(tampered(pristine, lambda c: tamper.delete(c, p, renumber=renumber)))
    if not renumber or p <= n - 2:
        assert_caught(report, p, ProblemKind.DELETED)
    else:  # the last record moved down: nothing after it remembers where it was
        assert_caught(report, p, ProblemKind.BAD_HASH, ProblemKind.STREAM_VERSION)


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_records_deleted_from_the_end_are_caught_by_a_digest(
    pristine: Pristine, data: st.DataObject
) -> None:
    n = pristine.size
    keep = data.draw(st.integers(0, n - 1), label="records kept")

    def truncate(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM events WHERE position > ?", (keep,))

    path = tampered(pristine, truncate)
    begun = _batch_begun(pristine.path, keep)
    if begun is not None:
        # Cut inside a batch: its bodies say it ran on, so the cut is named torn, however
        # carefully the tree and the read model are cut to match (tests/reliability/test_torn.py).
        assert_caught(verify(path), begun, ProblemKind.TORN)
        return
    # The Merkle tree still covers the whole log: the missing end shows without a digest.
    assert_caught(verify(path), keep + 1, ProblemKind.TREE)
    # As a careful tamperer would: cut the tree back too, and rebuild the read model.
    with tamper.raw(path) as conn:
        conn.execute("DELETE FROM merkle_nodes WHERE (idx + 1) << level > ?", (keep,))
    assert_caught(verify(path), keep + 1, ProblemKind.READ_MODEL)
    rebuilt(path)
    assert verify(path).ok, "a prefix of a log cut between batches is a valid log"
    assert_caught(verify(path, against=pristine.digest), keep + 1, ProblemKind.TRUNCATED)


def _batch_begun(path: Path, keep: int) -> int | None:
    """The first position of the batch that a cut after record `keep` falls inside, or None
    for a cut between batches."""
    store = SQLiteStore(path, durable=False)
    try:
        records = list(store.read(until=keep + 1))
    finally:
        store.close()
    if keep == 0 or len(records) <= keep:
        return None
    batch = EVENTS.decode(records[keep].body).batch
    if batch is None or batch[0] == 0:
        return None
    return records[keep].position - batch[0]


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_an_inserted_record_is_caught(pristine: Pristine, data: st.DataObject) -> None:
    p = data.draw(st.integers(1, pristine.size), label="position")
    forge = data.draw(st.booleans(), label="forge link")
    report = verify(tampered(pristine, lambda c: tamper.insert(c, p, forge_link=forge)))
    assert_caught(report, p, ProblemKind.INSERTED)


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_reordered_records_are_caught(pristine: Pristine, data: st.DataObject) -> None:
    a = data.draw(st.integers(1, pristine.size - 1), label="first")
    b = data.draw(st.integers(a + 1, pristine.size), label="second")
    report = verify(tampered(pristine, lambda c: tamper.swap(c, a, b)))
    assert_caught(report, a, ProblemKind.REORDERED)


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_a_forged_hash_is_caught(pristine: Pristine, data: st.DataObject) -> None:
    p = data.draw(st.integers(1, pristine.size), label="position")
    report = verify(tampered(pristine, lambda c: tamper.forge_hash(c, p)))
    assert_caught(report, p, ProblemKind.BAD_HASH)


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_a_rewrite_with_a_forged_link_breaks_at_the_next_record(
    pristine: Pristine, data: st.DataObject
) -> None:
    """The forger recomputes the rewritten record's hash but not those after it."""
    p = data.draw(st.integers(1, pristine.size), label="position")

    def rewrite(conn: sqlite3.Connection) -> None:
        tamper.edit_payload(conn, p)
        tamper.rechain(conn, start=p, until=p)

    path = tampered(pristine, rewrite)
    if p < pristine.size - 1:
        assert_caught(verify(path), p + 1, ProblemKind.EDITED)
    elif p < pristine.size:
        assert_caught(verify(path), p + 1, ProblemKind.BAD_HASH)
    else:
        assert_caught(verify(path, against=pristine.digest), p, ProblemKind.REWRITTEN)


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_a_wholly_forged_chain_is_caught_by_a_published_digest(
    pristine: Pristine, data: st.DataObject
) -> None:
    n = pristine.size
    p = data.draw(st.integers(1, n), label="position")
    published = data.draw(st.integers(0, n), label="digest position")

    def rewrite(conn: sqlite3.Connection) -> None:
        tamper.edit_payload(conn, p)
        tamper.rechain(conn, start=p)

    path = tampered(pristine, rewrite)
    # The read model records the head's hash, which the forged chain no longer ends in.
    assert not verify(path).ok
    rebuilt(path)  # as a careful forger would
    assert verify(path).ok, "a consistent forgery is a valid chain; only a digest exposes it"
    with Ledger.open(pristine.path) as original:
        digest = _digest_at(original, published)
    report = verify(path, against=digest)
    if published < p:
        assert report.ok, "the rewrite came after the digest: the log still extends it"
    else:
        assert_caught(report, published, ProblemKind.REWRITTEN)


def _digest_at(ledger: Ledger, position: int) -> Digest:
    if position == 0:
        return Digest(position=0, hash=GENESIS_HASH)
    (stored,) = ledger.events(after=position - 1, until=position)
    return Digest(position=position, hash=stored.hash)


#: Bodies a forger might store, with the chain recomputed over them: every one must still be
#: caught, by decoding or by checking the body against its record.
BAD_BODIES: dict[str, Callable[[dict[str, object]], bytes]] = {
    "truncated JSON": lambda b: json.dumps(b).encode()[:-7],
    "not UTF-8": lambda b: b"\xff\xfe" + json.dumps(b).encode(),
    "a JSON list": lambda b: json.dumps([b]).encode(),
    "an unknown event type": lambda b: json.dumps({**b, "type": "report.invented"}).encode(),
    "a newer schema": lambda b: json.dumps({**b, "v": 99}).encode(),
    "a missing field": lambda b: json.dumps({k: v for k, v in b.items() if k != "data"}).encode(),
    "an extra field": lambda b: json.dumps({**b, "data": {**b["data"], "x": 1}}).encode(),  # type: ignore[dict-item]
    "a wrong type": lambda b: json.dumps({**b, "actor": 7}).encode(),
    "a negative figure": lambda b: json.dumps(_figure(b, "-5")).encode(),
    "another event id": lambda b: json.dumps({**b, "id": "someone-else"}).encode(),
    "another stream": lambda b: json.dumps(_incident(b, "elsewhere")).encode(),
}


def _figure(body: dict[str, object], figure: str) -> dict[str, object]:
    data = dict(body["data"])  # type: ignore[call-overload]
    data["figure" if "figure" in data else "title"] = figure if "figure" in data else ""
    return {**body, "data": data}


def _incident(body: dict[str, object], incident: str) -> dict[str, object]:
    data = dict(body["data"])  # type: ignore[call-overload]
    if "incident" in data:
        data["incident"] = incident
    else:  # events of the global stream: claim an incident's stream instead
        return {**body, "type": "incident.opened", "data": {"incident": incident, "title": "t"}}
    return {**body, "data": data}


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_a_bad_body_under_a_forged_chain_is_caught(pristine: Pristine, data: st.DataObject) -> None:
    p = data.draw(st.integers(1, pristine.size), label="position")
    name = data.draw(st.sampled_from(sorted(BAD_BODIES)), label="body")

    def rewrite(conn: sqlite3.Connection) -> None:
        tamper.set_body(conn, p, BAD_BODIES[name](json.loads(tamper.body(conn, p))))
        tamper.rechain(conn, start=p)

    path = tampered(pristine, rewrite)
    assert_caught(verify(path), p, ProblemKind.UNDECODABLE, ProblemKind.INCONSISTENT)
    # The forged head no longer matches the read model, so opening rebuilds it from the log,
    # and an undecodable body stops that with a typed error naming the position.
    if name not in {"another event id", "another stream"}:
        with pytest.raises((CodecError, DamagedLedgerError), match=f"position {p}"):
            Ledger.open(path)


@settings(max_examples=EXAMPLES)
@given(data=positions)
def test_an_edited_or_lost_tree_node_is_caught(pristine: Pristine, data: st.DataObject) -> None:
    with tamper.raw(pristine.path) as conn:
        nodes = conn.execute("SELECT level, idx FROM merkle_nodes ORDER BY level, idx").fetchall()
    level, index = data.draw(st.sampled_from(nodes), label="node")
    lose = data.draw(st.booleans(), label="lose it")

    def trick(conn: sqlite3.Connection) -> None:
        if lose:
            conn.execute("DELETE FROM merkle_nodes WHERE level = ? AND idx = ?", (level, index))
        else:
            conn.execute(
                "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = ? AND idx = ?",
                (level, index),
            )

    report = verify(tampered(pristine, trick))
    assert report.problem is not None
    assert report.problem.kind is ProblemKind.TREE
