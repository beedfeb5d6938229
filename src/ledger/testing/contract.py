"""The store contract: every store must pass every test here, ours and any third party's.

Run it against a store of your own by importing its tests into a test module of yours and
giving them a `make_store` fixture, a factory of fresh, empty stores (docs/testing.md):

    from ledger.testing.contract import *  # noqa: F403

    @pytest.fixture
    def make_store(tmp_path):
        return lambda: MyStore(tmp_path / f"{uuid.uuid4().hex}.db")

The log's tests append opaque bodies; the read model's append real events through a
`Ledger`, since a store keeps the read model from the events it is given.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import (
    AlreadyExistsError,
    ClockSkewError,
    ConcurrencyError,
    DuplicateEventError,
    Ledger,
    Provenance,
    ReportFiled,
    SourceKind,
    SourceRegistered,
    StoreError,
    merkle,
)
from ledger.clock import CLOCK_TOLERANCE
from ledger.codec import EVENTS
from ledger.figures import Figure
from ledger.log import (
    EMPTY_HEAD,
    GENESIS_HASH,
    Checkpoint,
    NewRecord,
    Record,
    Store,
    chain_hash,
    leaf_of,
)

StoreFactory = Callable[[], Store]

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def rec(event_id: str, stream: str = "s", body: bytes | None = None) -> NewRecord:
    return NewRecord(
        event_id=event_id, stream=stream, body=body or f'{{"e":"{event_id}"}}'.encode()
    )


def positions(records: Sequence[Record]) -> list[int]:
    return [r.position for r in records]


def assert_stream_windows(store: Store, streams: Sequence[str], last: int, step: int) -> None:
    """Every windowed read of each stream gives what filtering a full read gives."""
    everything = list(store.read())
    for stream in streams:
        for after in range(0, last, step):
            for until in (None, *range(after, last, step + 1)):
                assert [
                    r.position for r in store.read(stream=stream, after=after, until=until)
                ] == [
                    r.position
                    for r in everything
                    if r.stream == stream
                    and r.position > after
                    and (until is None or r.position <= until)
                ]


def assert_chain(records: list[Record]) -> None:
    previous = GENESIS_HASH
    for expected_position, r in enumerate(records, start=1):
        assert r.position == expected_position
        assert r.hash == chain_hash(
            previous,
            position=r.position,
            stream=r.stream,
            version=r.version,
            event_id=r.event_id,
            recorded_at=r.recorded_at,
            body=r.body,
        )
        previous = r.hash


def test_an_empty_store_has_the_genesis_head(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.head() == EMPTY_HEAD
    assert list(store.read()) == []
    assert store.stream_version("s") == 0
    assert positions(store.append([], now=T0)) == []


def test_append_numbers_positions_and_stream_versions(make_store: StoreFactory) -> None:
    store = make_store()
    assert positions(store.append([rec("a", "x"), rec("b", "y"), rec("c", "x")], now=T0)) == [
        1,
        2,
        3,
    ]
    assert positions(store.append([rec("d", "y")], now=T0)) == [4]
    records = list(store.read())
    assert [(r.position, r.stream, r.version) for r in records] == [
        (1, "x", 1), (2, "y", 1), (3, "x", 2), (4, "y", 2),
    ]  # fmt: skip
    assert store.stream_version("x") == 2
    assert store.stream_version("y") == 2
    assert store.head().position == 4
    assert store.head().hash == records[-1].hash
    assert_chain(records)


def test_read_windows_and_streams(make_store: StoreFactory) -> None:
    store = make_store()
    store.append([rec(str(i), "even" if i % 2 == 0 else "odd") for i in range(10)], now=T0)
    assert [r.position for r in store.read(after=3, until=6)] == [4, 5, 6]
    assert [r.event_id for r in store.read(stream="even")] == ["0", "2", "4", "6", "8"]
    assert [r.position for r in store.read(after=4, stream="odd")] == [6, 8, 10]
    assert list(store.read(after=10)) == []


def test_recorded_at_never_runs_backwards(make_store: StoreFactory) -> None:
    store = make_store()
    store.append([rec("a")], now=T0)
    # A clock stepped back, within the tolerance (`ledger.clock`): recorded at the head's time.
    store.append([rec("b"), rec("c")], now=T0 - CLOCK_TOLERANCE)
    store.append([rec("d")], now=T0 + dt.timedelta(seconds=1))
    times = [r.recorded_at for r in store.read()]
    assert times == [T0, T0, T0, T0 + dt.timedelta(seconds=1)]
    assert all(t.tzinfo is not None for t in times)


def test_a_clock_far_behind_the_head_is_refused_and_writes_nothing(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.append([rec("a")], now=T0)
    head = store.head()
    behind = T0 - CLOCK_TOLERANCE - dt.timedelta(microseconds=1)
    with pytest.raises(ClockSkewError) as info:
        store.append([rec("b")], now=behind)
    assert (info.value.now, info.value.head) == (behind, T0)
    assert store.head() == head


def test_a_stale_expected_version_is_rejected_and_writes_nothing(make_store: StoreFactory) -> None:
    store = make_store()
    store.append([rec("a", "x")], now=T0, expected={"x": 0})
    head = store.head()
    with pytest.raises(ConcurrencyError) as info:
        store.append([rec("b", "y"), rec("c", "x")], now=T0, expected={"y": 0, "x": 0})
    assert (info.value.stream, info.value.expected, info.value.actual) == ("x", 0, 1)
    assert store.head() == head
    assert store.stream_version("y") == 0
    assert positions(store.append([rec("c", "x")], now=T0, expected={"x": 1})) == [2]


def test_a_retried_batch_is_a_no_op_returning_the_original_positions(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.append([rec("a")], now=T0)
    batch = [rec("b"), rec("c", "t")]
    first = store.append(batch, now=T0, expected={"s": 1})
    head = store.head()
    # The retry's expected version is stale by now; a retry must succeed regardless.
    assert store.append(batch, now=T0 + dt.timedelta(days=1), expected={"s": 1}) == first
    assert store.head() == head


def test_find_reports_the_positions_of_known_event_ids(make_store: StoreFactory) -> None:
    store = make_store()
    store.append([rec("a"), rec("b")], now=T0)
    assert store.find(["b", "zz", "a"]) == {"a": 1, "b": 2}
    assert store.find([]) == {}


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([rec("a", body=b'{"other":1}')], "other content"),
        ([rec("a", stream="elsewhere")], "other content"),
        ([rec("a"), rec("new")], "rest of its batch"),
        # The reused id comes after a new one, which a store may have inserted already.
        ([rec("new"), rec("a")], "rest of its batch"),
        ([rec("x"), rec("x")], "twice"),
    ],
)
def test_reused_event_ids_are_refused(
    make_store: StoreFactory, batch: list[NewRecord], message: str
) -> None:
    store = make_store()
    store.append([rec("a")], now=T0)
    head = store.head()
    with pytest.raises(DuplicateEventError, match=message):
        store.append(batch, now=T0)
    assert store.head() == head


def test_checkpoints_are_kept_by_name_and_replaced(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.load_checkpoint("tally") is None
    first = Checkpoint(name="tally", version=1, position=3, state=b"\x00state", hash="ab" * 32)
    store.save_checkpoint(first)
    store.save_checkpoint(Checkpoint(name="other", version=7, position=1, state=b""))
    assert store.load_checkpoint("tally") == first
    second = Checkpoint(name="tally", version=2, position=9, state=b"newer")
    store.save_checkpoint(second)
    assert store.load_checkpoint("tally") == second
    assert store.head() == EMPTY_HEAD  # checkpoints are not events


def test_a_closed_store_refuses_work(make_store: StoreFactory) -> None:
    store = make_store()
    store.close()
    with pytest.raises(StoreError):
        store.append([rec("a")], now=T0)
    with pytest.raises(StoreError):
        list(store.read())


def test_threads_sharing_a_store_never_lose_or_duplicate(make_store: StoreFactory) -> None:
    store = make_store()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                store.append([rec(f"{n}-{i}-a", f"w{n}"), rec(f"{n}-{i}-b", "shared")], now=T0)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    records = list(store.read())
    assert len(records) == 200
    assert len({r.event_id for r in records}) == 200
    assert_chain(records)
    # Each batch stays contiguous: nobody's records land in the middle of another's batch.
    for first, second in zip(records[::2], records[1::2], strict=True):
        assert first.event_id.removesuffix("-a") == second.event_id.removesuffix("-b")
    assert [r.version for r in records if r.stream == "shared"] == list(range(1, 101))


batches = st.lists(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "z"]), st.binary(min_size=1, max_size=40)),
        min_size=1,
        max_size=5,
    ),
    min_size=1,
    max_size=8,
)


# Clocks step back too, but never in all further than `ledger.clock`'s tolerance (8 x 60 s).
@given(batches=batches, steps=st.lists(st.integers(-60, 3600), min_size=8, max_size=8))
def test_append_then_read_returns_the_same_records_in_order(
    make_store: StoreFactory, batches: list[list[tuple[str, bytes]]], steps: list[int]
) -> None:
    store = make_store()
    appended: list[NewRecord] = []
    returned: list[Record] = []
    now = T0
    for n, (batch, step) in enumerate(zip(batches, steps, strict=False)):
        news = [NewRecord(event_id=f"{n}.{i}", stream=s, body=b) for i, (s, b) in enumerate(batch)]
        now += dt.timedelta(seconds=step)
        stored = store.append(news, now=now)
        assert positions(stored) == list(range(len(appended) + 1, len(appended) + len(news) + 1))
        appended += news
        returned += stored
    records = list(store.read())
    assert returned == records  # what append hands back is what the store holds
    assert [(r.event_id, r.stream, r.body) for r in records] == [
        (n.event_id, n.stream, n.body) for n in appended
    ]
    assert_chain(records)
    for stream in "xyz":
        versions = [r.version for r in records if r.stream == stream]
        assert versions == list(range(1, len(versions) + 1))
        assert store.stream_version(stream) == len(versions)
    times = [r.recorded_at for r in records]
    assert times == sorted(times)


@given(batches=batches, retry=st.data())
def test_retrying_any_earlier_batch_changes_nothing(
    make_store: StoreFactory, batches: list[list[tuple[str, bytes]]], retry: st.DataObject
) -> None:
    store = make_store()
    sent, first = [], []
    for n, batch in enumerate(batches):
        news = [NewRecord(event_id=f"{n}.{i}", stream=s, body=b) for i, (s, b) in enumerate(batch)]
        first.append(store.append(news, now=T0))
        sent.append(news)
    head, before = store.head(), list(store.read())
    k = retry.draw(st.integers(0, len(sent) - 1))
    assert store.append(sent[k], now=T0 + dt.timedelta(days=9)) == first[k]
    assert store.head() == head
    assert list(store.read()) == before


@given(
    streams=st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=10),
    stale=st.sampled_from(["x", "y"]),
    lag=st.integers(1, 3),
)
def test_any_stale_version_is_rejected(
    make_store: StoreFactory, streams: list[str], stale: str, lag: int
) -> None:
    store = make_store()
    for i, stream in enumerate(streams):
        store.append([rec(str(i), stream)], now=T0)
    current = store.stream_version(stale)
    head = store.head()
    with pytest.raises(ConcurrencyError):
        store.append([rec("late", stale)], now=T0, expected={stale: current - lag})
    with pytest.raises(ConcurrencyError):
        store.append([rec("late", stale)], now=T0, expected={stale: current + lag})
    assert store.head() == head
    assert positions(store.append([rec("late", stale)], now=T0, expected={stale: current})) == [
        head.position + 1
    ]


@given(
    streams=st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=30),
    windows=st.lists(
        st.tuples(st.integers(0, 32), st.none() | st.integers(0, 32)), min_size=1, max_size=6
    ),
)
def test_a_streams_window_holds_exactly_its_records(
    make_store: StoreFactory, streams: list[str], windows: list[tuple[int, int | None]]
) -> None:
    store = make_store()
    store.append([rec(str(i), s) for i, s in enumerate(streams)], now=T0)
    everything = list(store.read())
    for after, until in windows:
        for stream in "xyz":
            assert list(store.read(after=after, until=until, stream=stream)) == [
                r
                for r in everything
                if r.stream == stream
                and after < r.position
                and (until is None or r.position <= until)
            ]
            assert store.stream_version(stream, at=after) == max(
                (r.version for r in everything if r.stream == stream and r.position <= after),
                default=0,
            )


# The read model (docs/design.md): kept by each append, from the events it is given.


def _ledger(store: Store) -> Ledger:
    ledger = Ledger(store, actor="contract")
    ledger.register_source("wire", name="Wire", kind="media")
    for incident in ("a", "b"):
        ledger.open_incident(incident, title=incident.upper())
    return ledger


def _file(ledger: Ledger, incident: str, report_id: str) -> str:
    return ledger.file_report(
        incident, source="wire", metric="killed", figure="at least 3", reported_at=T0,
        report_id=report_id,
    )  # fmt: skip


def test_the_read_model_follows_every_append(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.read_model_head() == EMPTY_HEAD
    ledger = _ledger(store)
    _file(ledger, "a", "r1")
    ledger.revise_report("r1", figure="at least 5", reported_at=T0 + dt.timedelta(hours=1))
    head = store.head()
    reflected = store.read_model_head()
    assert reflected is not None
    assert (reflected.position, reflected.hash) == (head.position, head.hash)
    assert store.report_incident("r1") == "a"
    assert store.report_incident("nobody") is None
    assert store.incident_ids() == ["a", "b"]
    assert store.report_counts() == {"a": 1}
    assert [incident for incident, _ in store.incident_openings()] == ["a", "b"]
    assert [store.incident_opening(i) for i in ("a", "b")] == [
        p for _, p in store.incident_openings()
    ]
    assert store.incident_opening("nobody") is None
    assert store.check_read_model() is None
    assert store.check_read_model(rows=False) is None


def test_a_cold_tally_from_the_read_model_equals_the_folds(make_store: StoreFactory) -> None:
    store = make_store()
    ledger = _ledger(store)
    hour = dt.timedelta(hours=1)
    _file(ledger, "a", "r1")
    ledger.revise_report("r1", figure="at least 5", reported_at=T0 + 2 * hour)
    ledger.correct_report("r1", version=1, figure="at least 6", reason="typo")
    _file(ledger, "a", "r2")
    ledger.retract_report("r2", reported_at=T0 + 3 * hour)
    _file(ledger, "b", "r3")
    ledger.void_report("r3", reason="entered twice")
    for as_of in (None, T0 - hour, T0, T0 + hour, T0 + 2 * hour, T0 + 4 * hour):
        rows = store.standing("a", as_of)
        assert [row.report_id for row in rows] == ["r1", "r2"]
        for incident in ("a", "b"):
            cold = Ledger(store, actor="reader")  # holds no fold: the tables answer
            assert cold.tally(incident, as_of=as_of) == ledger.tally(incident, as_of=as_of)
    assert [(row.version, row.figure) for row in store.standing("a", T0 + hour)] == [
        (0, "at least 3"),
        (0, "at least 3"),
    ]
    assert store.standing("nowhere", None) == []


def test_each_reports_listed_records_and_rows(make_store: StoreFactory) -> None:
    store = make_store()
    ledger = _ledger(store)
    hour = dt.timedelta(hours=1)
    _file(ledger, "a", "r1")
    _file(ledger, "b", "r2")
    ledger.revise_report("r1", figure="at least 5", reported_at=T0 + hour)
    ledger.correct_report("r1", version=0, figure="at least 4", reason="typo")
    ledger.retract_report("r2", reported_at=T0 + 2 * hour, actor="desk")
    assert store.change_actors() == ["contract", "desk"]
    log = {record.position: record for record in store.read()}
    listed = store.report_records(["r2", "r1", "nobody"])
    positions = [record.position for _, record in listed]
    assert positions == sorted(positions)
    assert [record for _, record in listed] == [log[position] for position in positions]
    assert [report_id for report_id, _ in listed] == ["r1", "r2", "r1", "r1", "r2"]
    assert store.report_records([]) == []
    # More ids than one statement names: still one list in position order.
    many = [f"m{i}" for i in range(1_200)]
    for report_id in many:
        _file(ledger, "b", report_id)
    positions = [record.position for _, record in store.report_records(many[::-1])]
    assert positions == sorted(positions)
    assert len(positions) == len(many)
    # Reports compared with the tables, row by row and version by version.
    states = [ledger.report(r) for r in ("r1", "r2", *many)]
    assert store.holds_reports(states)
    assert store.holds_reports([])
    r1 = states[0]
    other = Figure.parse("at least 6")
    assert not store.holds_reports([attrs.evolve(r1, versions=r1.versions[:1])])
    version = attrs.evolve(r1.versions[0], figure=other)
    assert not store.holds_reports([attrs.evolve(r1, versions=(version, *r1.versions[1:]))])
    assert not store.holds_reports([attrs.evolve(r1, report_id="nobody")])
    assert not store.holds_reports([attrs.evolve(states[1], retracted_at=None)])


def test_a_report_id_is_taken_once_across_incidents(make_store: StoreFactory) -> None:
    store = make_store()
    ledger = _ledger(store)
    _file(ledger, "a", "r1")
    head = store.head()
    body = EVENTS.encode(
        ReportFiled(
            incident="b", report_id="r1", source="wire", metric="killed",
            figure=Figure.parse("7"), reported_at=T0,
        ),
        event_id="again", actor="contract", reason=None,
    )  # fmt: skip
    event = EVENTS.decode(body).event
    again = NewRecord(event_id="again", stream="b", body=body, event=event, actor="contract")
    with pytest.raises(AlreadyExistsError):
        # The store itself refuses it, in its transaction.
        store.append([again], now=dt.datetime.now(dt.UTC))
    assert store.head() == head
    assert store.check_read_model() is None


def test_a_batch_without_its_events_leaves_the_read_model_behind(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    _ledger(store)
    reflected = store.read_model_head()
    late = SourceRegistered(source="late", name="Late", kind=SourceKind.MEDIA)
    body = EVENTS.encode(late, event_id="late", actor="old", reason=None)
    # As a library version without the read model appends: bytes only.
    new = NewRecord(event_id="late", stream=late.stream, body=body)
    store.append([new], now=dt.datetime.now(dt.UTC))
    assert store.read_model_head() == reflected
    assert store.check_read_model() is not None
    assert store.check_read_model(rows=False) is not None  # the head alone shows it
    store.rebuild_read_model()
    assert store.check_read_model() is None
    assert [s.source for s in Ledger(store, actor="contract").sources()] == ["wire", "late"]


def test_a_transaction_commits_all_its_appends_or_none(make_store: StoreFactory) -> None:
    store = make_store()
    with store.transaction():
        store.append([rec("a")], now=T0)
        store.append([rec("b"), rec("c")], now=T0)
    assert positions(list(store.read())) == [1, 2, 3]
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.append([rec("d")], now=T0)
        1 / 0  # noqa: B018 - anything raised inside undoes the whole transaction
    assert store.head().position == 3
    with pytest.raises(ConcurrencyError), store.transaction():
        store.append([rec("e")], now=T0)
        store.append([rec("f")], now=T0, expected={"s": 1})  # stale: rolls back "e" too
    assert store.head().position == 3


# The Merkle tree (ledger.merkle): kept by every append, it gives RFC 9162's root, and every
# proof it gives checks.


def _mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162's MTH over leaf hashes, by its recursive definition."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


@given(batches=batches, data=st.data())
def test_the_tree_follows_every_append_and_its_proofs_check(
    make_store: StoreFactory, batches: list[list[tuple[str, bytes]]], data: st.DataObject
) -> None:
    store = make_store()
    roots = [merkle.EMPTY_ROOT]
    for n, batch in enumerate(batches):
        news = [NewRecord(event_id=f"{n}.{i}", stream=s, body=b) for i, (s, b) in enumerate(batch)]
        store.append(news, now=T0)
        leaves = [leaf_of(r) for r in store.read()]
        size = store.tree_size()
        assert size == store.head().position == len(leaves)
        assert merkle.root(size, store.tree_nodes) == _mth(leaves)
        roots.extend(_mth(leaves[:s]) for s in range(len(roots), size + 1))
    size = len(roots) - 1
    index = data.draw(st.integers(0, size - 1), label="leaf")
    at = data.draw(st.integers(index + 1, size), label="tree size")
    path = merkle.inclusion_path(index, at, store.tree_nodes)
    assert merkle.root_from_inclusion(index, at, leaves[index], path) == roots[at]
    # Against a tree from before the record was appended, no path leads to its root.
    for before in range(index + 1):
        assert merkle.root_from_inclusion(index, before, leaves[index], path) is None
    old = data.draw(st.integers(0, at), label="old size")
    proof = merkle.consistency_path(old, at, store.tree_nodes)
    assert merkle.consistent(old, roots[old], at, roots[at], proof)
    # Any nodes asked for at once, neighbours or not, repeated or not, are exactly those.
    every = _every_node(leaves)
    wanted = data.draw(st.lists(st.sampled_from(sorted(every)), max_size=60), label="nodes")
    assert store.tree_nodes(wanted) == {node: every[node] for node in wanted}
    with pytest.raises(StoreError):
        store.tree_nodes([*wanted, (0, size)])


def _every_node(leaves: list[bytes]) -> dict[merkle.Node, bytes]:
    """Every perfect subtree of the tree over `leaves`, as a store keeps them."""
    tree = merkle.Accumulator()
    return {node: h for leaf in leaves for node, h in tree.add(leaf)}


@given(batches=batches, data=st.data())
def test_a_consistency_proof_between_heads_of_a_rewritten_log_fails(
    make_store: StoreFactory, batches: list[list[tuple[str, bytes]]], data: st.DataObject
) -> None:
    news = [
        NewRecord(event_id=f"{n}.{i}", stream=s, body=b)
        for n, batch in enumerate(batches)
        for i, (s, b) in enumerate(batch)
    ]
    old = data.draw(st.integers(1, len(news)), label="published size")
    changed = data.draw(st.integers(0, old - 1), label="rewritten record")
    forged = [*news]
    forged[changed] = attrs.evolve(news[changed], body=news[changed].body + b" ")
    store = make_store()  # holds the rewritten log, one store at a time
    store.append(forged, now=T0)
    # The head published before the rewrite: the same records, the honest body at `changed`.
    honest = [
        attrs.evolve(r, body=n.body) for r, n in zip(store.read(until=old), news, strict=False)
    ]
    published = _mth([leaf_of(r) for r in honest])
    size = store.tree_size()
    proof = merkle.consistency_path(old, size, store.tree_nodes)
    assert not merkle.consistent(old, published, size, merkle.root(size, store.tree_nodes), proof)


def assert_the_tree_follows_writers_taking_turns(first: Store, second: Store) -> None:
    """Two stores over one database (two writers, as two processes would be) appending in
    turns: after each append the tree is RFC 9162's over the whole log, whichever wrote the
    records before it. Not a test of its own, since it needs two stores over one database:
    a store that keeps anything of the tree between appends calls it from one of its own."""
    turns = [first, first, second, first, second, second, first]
    for n, store in enumerate(turns):
        store.append([rec(f"turn{n}.{i}") for i in range(n % 3 + 1)], now=T0)
        leaves = [leaf_of(r) for r in store.read()]
        for reader in (first, second):
            assert reader.tree_size() == len(leaves)
            assert merkle.root(len(leaves), reader.tree_nodes) == _mth(leaves)


def test_an_undone_transaction_leaves_the_tree_as_it_was(make_store: StoreFactory) -> None:
    store = make_store()
    store.append([rec("a"), rec("b"), rec("c")], now=T0)
    root = merkle.root(3, store.tree_nodes)
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.append([rec("d")], now=T0)
        1 / 0  # noqa: B018 - undoes the append and the tree's nodes with it
    assert store.tree_size() == 3
    assert merkle.root(3, store.tree_nodes) == root
    store.append([rec("d")], now=T0)
    assert merkle.root(4, store.tree_nodes) == _mth([leaf_of(r) for r in store.read()])
    with pytest.raises(StoreError):
        store.tree_nodes([(0, 4)])


def test_a_redaction_erases_text_keeps_every_hash_and_refuses_anything_else(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    ledger = _ledger(store)
    ledger.declare_field("victim_names")
    report_id = ledger.file_report(
        "a",
        source="wire",
        metric="killed",
        figure="3",
        reported_at=T0,
        provenance=Provenance(
            quote="a name to erase", personal={"victim_names": "another name to erase"}
        ),
    )
    head, root = store.head(), merkle.root(store.tree_size(), store.tree_nodes)
    (record,) = store.read(after=head.position - 1)
    with pytest.raises(StoreError):
        store.redact({record.position: record.body.replace(b'"3"', b'"4"')})
    assert ledger.redact(report_id, field="quote", reason="safety") == [record.position]
    assert ledger.redact(report_id, field="victim_names", reason="asked") == [record.position]
    (after,) = store.read(after=head.position - 1, until=head.position)
    assert b"a name to erase" not in after.body
    assert b"another name to erase" not in after.body
    assert after.hash == record.hash
    assert merkle.root(head.position, store.tree_nodes) == root
    # The read model, rebuilt, holds neither text, and answers as the log does.
    assert store.check_read_model() is None
    assert ledger.tally("a").entries[0].provenance == Provenance()
    assert [(r.position, r.field) for r in ledger.verify().redactions] == [
        (record.position, "quote"),
        (record.position, "victim_names"),
    ]
