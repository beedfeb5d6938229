"""Verifying since a digest (`verify_log(since=...)`, `ledger verify --since`): it reads what
was appended after the digest, and finds there what a walk of the whole log finds.

Each tampering trick of tests/reliability/test_tamper.py, played after the digest, is named at
the same position, as the same kind, with the same evidence as the whole walk names it. A
rewrite before the digest that forged every hash after it is named `rewritten`. What a walk
since a digest trusts, and so does not see (an edit before it that leaves the hashes alone,
an edited read-model row), is pinned here too, beside the whole
walk that does see it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    Digest,
    Figure,
    IntegrityReport,
    Ledger,
    ProblemKind,
    Provenance,
    SQLiteStore,
    ValidationError,
    verify_log,
)
from ledger.codec import EVENTS
from ledger.log import Head

from . import tamper
from .pristine import Pristine, populated, tampered
from .scale import count, pick

EXAMPLES = pick(25, 300)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    return populated(tmp_path_factory.mktemp("since"))


def verify(path: Path, *, since: Digest | None = None) -> IntegrityReport:
    store = SQLiteStore(path, durable=False)
    try:
        return verify_log(store, since=since)
    finally:
        store.close()


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_an_untouched_log_verifies_since_any_of_its_digests(
    pristine: Pristine, data: st.DataObject
) -> None:
    d = data.draw(st.integers(0, pristine.size), label="digest position")
    report = verify(pristine.path, since=pristine.digests[d])
    assert report.ok, report.problem
    assert report.head == pristine.digests[-1]
    assert report.since == pristine.digests[d]
    assert report.against is None
    # A digest inside a batch is walked from the batch's beginning, so the batch is whole.
    begun = max(h for h in pristine.heads if h <= d)
    assert report.checked == pristine.size - begun


def _tricks(
    n: int, d: int
) -> st.SearchStrategy[tuple[str, Callable[[sqlite3.Connection], object]]]:
    """Every trick of test_tamper.py, at positions after `d` in a log of `n` records."""
    after = st.integers(d + 1, n)

    def swap(draw: st.DrawFn) -> tuple[str, Callable[[sqlite3.Connection], object]]:
        a = draw(st.integers(d + 1, n - 1))
        b = draw(st.integers(a + 1, n))
        return f"swap {a} {b}", lambda c: tamper.swap(c, a, b)

    def rewrite(p: int) -> Callable[[sqlite3.Connection], object]:
        def trick(conn: sqlite3.Connection) -> None:
            tamper.edit_payload(conn, p)
            tamper.rechain(conn, start=p, until=p)

        return trick

    def truncate(p: int) -> Callable[[sqlite3.Connection], object]:
        return lambda c: c.execute("DELETE FROM events WHERE position >= ?", (p,))

    tricks = [
        after.map(lambda p: (f"edit {p}", lambda c: tamper.edit_payload(c, p))),
        after.map(lambda p: (f"edit time {p}", lambda c: tamper.edit_recorded_at(c, p))),
        after.map(lambda p: (f"forge hash {p}", lambda c: tamper.forge_hash(c, p))),
        after.map(lambda p: (f"insert {p}", lambda c: tamper.insert(c, p, forge_link=False))),
        after.map(lambda p: (f"insert forged {p}", lambda c: tamper.insert(c, p, forge_link=True))),
        after.map(lambda p: (f"rewrite {p}", rewrite(p))),
        after.map(lambda p: (f"truncate {p}", truncate(p))),
    ]
    if d + 1 < n:
        before_end = st.integers(d + 1, n - 1)
        tricks += [
            before_end.map(lambda p: (f"delete {p}", lambda c: tamper.delete(c, p))),
            before_end.map(
                lambda p: (f"delete renumber {p}", lambda c: tamper.delete(c, p, renumber=True))
            ),
            st.composite(swap)(),
        ]
    return st.one_of(tricks)


@settings(max_examples=EXAMPLES * 2)
@given(data=st.data())
def test_tampering_after_the_digest_is_named_as_a_whole_walk_names_it(
    pristine: Pristine, data: st.DataObject
) -> None:
    d = data.draw(st.sampled_from(pristine.heads[:-1]), label="digest position")
    name, trick = data.draw(_tricks(pristine.size, d), label="trick")
    path = tampered(pristine, trick)
    whole, since = verify(path), verify(path, since=pristine.digests[d])
    assert whole.problem is not None, name
    assert since.problem == whole.problem, name
    assert since.head == whole.head
    assert since.checked == whole.checked - d
    count("tamper cases named alike since a digest")


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_a_forged_history_before_the_digest_is_named_rewritten(
    pristine: Pristine, data: st.DataObject
) -> None:
    n = pristine.size
    p = data.draw(st.integers(1, n), label="position rewritten")
    d = data.draw(st.sampled_from(pristine.heads), label="digest position")

    def forge(conn: sqlite3.Connection) -> None:
        tamper.edit_payload(conn, p)
        tamper.rechain(conn, start=p)
        tamper.retree(conn)

    path = tampered(pristine, forge)
    store = SQLiteStore(path, durable=False)
    store.rebuild_read_model()  # as a careful forger would
    store.close()
    report = verify(path, since=pristine.digests[d])
    if d < p:
        assert report.ok, "the rewrite came after the digest: the log still extends it"
    else:
        assert report.problem is not None
        assert (report.problem.position, report.problem.kind) == (d, ProblemKind.REWRITTEN)
        assert report.head.position == d - 1  # its hash is the forged one
        assert report.checked == 0


def test_a_digest_past_the_end_is_named_truncated(pristine: Pristine) -> None:
    n = pristine.size
    path = tampered(pristine, lambda c: c.execute("DELETE FROM events WHERE position > 5"))
    report = verify(path, since=pristine.digests[n])
    assert report.problem is not None
    assert (report.problem.position, report.problem.kind) == (6, ProblemKind.TRUNCATED)
    assert report.head == pristine.digests[5]


def test_what_a_walk_since_a_digest_trusts_a_whole_walk_still_reads(pristine: Pristine) -> None:
    """An edit before the digest that leaves every hash as it was is not re-read: the walk
    since the digest says it verified only the records after it; the whole walk names it."""
    d = pristine.heads[-2]
    path = tampered(pristine, lambda c: tamper.edit_payload(c, 3))
    assert verify(path, since=pristine.digests[d]).ok
    whole = verify(path).problem
    assert whole is not None
    assert (whole.position, whole.kind) == (3, ProblemKind.EDITED)


def test_an_edited_tree_node_over_records_after_the_digest_is_caught(pristine: Pristine) -> None:
    d = pristine.heads[len(pristine.heads) // 2]
    with tamper.raw(pristine.path) as conn:
        nodes = conn.execute(
            "SELECT level, idx FROM merkle_nodes WHERE (idx + 1) << level > ? ORDER BY level, idx",
            (d,),
        ).fetchall()
    for level, index in nodes:

        def trick(conn: sqlite3.Connection, level: int = level, index: int = index) -> None:
            conn.execute(
                "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = ? AND idx = ?",
                (level, index),
            )

        problem = verify(tampered(pristine, trick), since=pristine.digests[d]).problem
        assert problem is not None, (level, index)
        assert problem.kind is ProblemKind.TREE


def test_a_lost_node_of_the_trees_edge_at_the_digest_is_named(pristine: Pristine) -> None:
    from ledger import merkle  # noqa: PLC0415

    d = next(h for h in reversed(pristine.heads) if h.bit_count() > 1)
    level, index = merkle.frontier(d)[-1]
    path = tampered(
        pristine,
        lambda c: c.execute("DELETE FROM merkle_nodes WHERE level = ? AND idx = ?", (level, index)),
    )
    problem = verify(path, since=pristine.digests[d]).problem
    assert problem is not None
    assert (problem.position, problem.kind) == (d, ProblemKind.TREE)


def test_a_digest_and_a_since_digest_together_or_a_deep_walk_since_one_are_refused(
    pristine: Pristine,
) -> None:
    store = SQLiteStore(pristine.path, durable=False)
    try:
        with pytest.raises(ValidationError, match="one digest"):
            verify_log(store, against=pristine.digests[1], since=pristine.digests[1])
        with pytest.raises(ValidationError, match="deep"):
            verify_log(store, since=pristine.digests[1], deep=True)
        with pytest.raises(ValidationError, match="since"):
            verify_log(store, since=str(pristine.digests[1]))  # type: ignore[arg-type]
    finally:
        store.close()
    with Ledger.open(pristine.path) as ledger, pytest.raises(ValidationError, match="deep"):
        ledger.verify(since=pristine.digests[1], deep=True)


# The read model and redactions: what the records after the digest touch.

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)


def _two_incidents(path: Path) -> tuple[Ledger, Digest, str]:
    """A ledger of two incidents with a report each, its digest, then a revision of the
    second incident's report and a third incident appended after it; returns the first
    report's id."""
    ledger = Ledger.open(path, actor="desk", clock=lambda: T0 + dt.timedelta(days=3))
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    ids = []
    for incident in ("coast", "hama"):
        ledger.open_incident(incident, title=incident.title())
        ids.append(
            ledger.file_report(
                incident,
                source="snhr",
                metric="killed",
                figure="at least 10",
                reported_at=T0,
                report_id=f"{incident}-1",
                provenance=Provenance(quote="a quote to erase"),
            )
        )
    digest = ledger.digest()
    ledger.revise_report(ids[1], figure=Figure.parse("at least 12"), reported_at=T0)
    ledger.open_incident("idlib", title="Idlib")
    return ledger, digest, ids[0]


def test_a_read_model_behind_or_ahead_of_the_log_is_named(tmp_path: Path) -> None:
    """The head is what a walk since a digest checks of the read model: tables that reflect
    only part of the log (an older library appended without them), or another log."""
    ledger, digest, _ = _two_incidents(tmp_path / "ledger.db")
    conn = ledger.store._conn  # type: ignore[attr-defined]
    conn.execute("UPDATE read_model SET value = '5' WHERE name = 'position'")
    problem = ledger.verify(since=digest).problem
    assert problem is not None
    assert (problem.position, problem.kind) == (6, ProblemKind.READ_MODEL)
    assert "only the first 5 records" in problem.detail
    conn.execute(
        "UPDATE read_model SET value = ? WHERE name = 'position'", (str(ledger.digest().position),)
    )
    conn.execute("UPDATE read_model SET value = ? WHERE name = 'hash'", ("0" * 64,))
    problem = ledger.verify(since=digest).problem
    assert problem is not None
    assert problem.kind is ProblemKind.READ_MODEL
    assert "another hash" in problem.detail
    ledger.close()


@pytest.mark.parametrize("report_id", ["coast-1", "hama-1"])
def test_the_read_models_rows_are_left_to_a_whole_walk(tmp_path: Path, report_id: str) -> None:
    """A row edited by hand, of a report changed since the digest (hama-1) or not: deriving
    the rows again takes each report's whole history, so only a whole walk compares them."""
    ledger, digest, _ = _two_incidents(tmp_path / "ledger.db")
    conn = ledger.store._conn  # type: ignore[attr-defined]
    conn.execute("UPDATE reports SET figure = '99' WHERE report_id = ?", (report_id,))
    assert ledger.verify(since=digest).ok
    whole = ledger.verify().problem
    assert whole is not None
    assert whole.kind is ProblemKind.READ_MODEL
    assert report_id in whole.detail
    ledger.close()


def test_a_redaction_since_the_digest_of_a_record_before_it_is_checked(tmp_path: Path) -> None:
    ledger, digest, rid = _two_incidents(tmp_path / "ledger.db")
    position = 3  # the first report's filing
    (before,) = ledger.store.read(after=position - 1, until=position)
    assert getattr(EVENTS.decode(before.body).event, "report_id", None) == rid
    ledger.redact(rid, field="quote", reason="the witness asked")
    report = ledger.verify(since=digest)
    assert report.ok, report.problem
    assert [(r.position, r.field) for r in report.redactions] == [(position, "quote")]
    # The erased text put back from an old copy: only the recorded redaction tells.
    with ledger.store.transaction():
        ledger.store._conn.execute("DROP TRIGGER events_no_update")  # type: ignore[attr-defined]
        ledger.store._conn.execute(  # type: ignore[attr-defined]
            "UPDATE events SET body = ? WHERE position = ?", (before.body, position)
        )
    problem = ledger.verify(since=digest).problem
    assert problem is not None
    assert (problem.position, problem.kind) == (position, ProblemKind.REDACTION)
    ledger.close()


def test_a_record_redacted_before_the_digest_and_again_since_verifies(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "ledger.db", actor="desk", clock=lambda: T0)
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    ledger.open_incident("coast", title="Coast")
    rid = ledger.file_report(
        "coast", source="snhr", metric="killed", figure="at least 10", reported_at=T0,
        provenance=Provenance(quote="a witness's words", notes="a phone number"),
    )  # fmt: skip
    ledger.redact(rid, field="notes", reason="a phone number")
    digest = ledger.digest()
    ledger.redact(rid, field="quote", reason="the witness asked")
    report = ledger.verify(since=digest)
    assert report.ok, report.problem
    assert [r.field for r in report.redactions] == ["quote"]
    assert [r.field for r in ledger.verify().redactions] == ["notes", "quote"]
    ledger.close()


# Writers at work while a verify walks: it verifies the log as it stood when it began.


class _WriterAtWork(SQLiteStore):
    """A store over the file on which another writer appends `between` as soon as the walk
    has read the head it walks to, and again as the tree's size is read after the walk."""

    between: Callable[[], object] = staticmethod(lambda: None)

    def head(self) -> Head:
        found = super().head()
        self.between()
        return found

    def tree_size(self) -> int:
        self.between()
        return super().tree_size()


@pytest.mark.parametrize("walk", ["whole", "since"])
def test_a_verify_while_a_writer_appends_verifies_the_log_as_it_began(
    tmp_path: Path, walk: str
) -> None:
    path = tmp_path / "ledger.db"
    ledger, digest, _ = _two_incidents(path)
    begun = ledger.digest()
    appended = itertools.count()

    def append() -> None:
        ledger.open_incident(f"more-{next(appended)}", title="More")

    store = _WriterAtWork(path, durable=False)
    store.between = append
    try:
        report = verify_log(store, since=digest if walk == "since" else None)
    finally:
        store.close()
    assert report.ok, report.problem
    assert report.head == begun
    assert next(appended) >= 2, "the writer appended while the verify ran"
    assert ledger.verify().ok
    ledger.close()


def test_a_redaction_committed_after_the_walk_began_is_no_false_alarm(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    ledger, digest, rid = _two_incidents(path)
    begun = ledger.store.head()
    ledger.redact(rid, field="quote", reason="the witness asked")  # erases a record before
    store = _Pinned(path, durable=False)
    try:
        # The walk stops at the head as it began, reads the record already erased, and
        # finds the redaction's event past its end.
        for since in (None, digest):
            store.pinned = begun
            report = verify_log(store, since=since)
            assert report.ok, report.problem
            assert report.head.position == begun.position
    finally:
        store.close()
    ledger.close()


class _Pinned(SQLiteStore):
    """A store whose first head is `pinned`: the head as a verify read it, before a writer
    committed more."""

    pinned: Head | None = None

    def head(self) -> Head:
        pinned, self.pinned = self.pinned, None
        return super().head() if pinned is None else pinned
