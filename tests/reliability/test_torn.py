"""A log cut inside a batch is named torn, not taken for a shorter complete log (issue 16).

Every body a ledger appends states its place in its batch ([index, size], hashed with it),
so a copy or crash that keeps only the first records of an append is told from a log that
simply ended earlier. The cut is made as a hot copy or a lost WAL tail would leave it: the
records after the cut are gone, and so are the Merkle nodes and read-model rows they made.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    IncidentOpened,
    Ledger,
    LineError,
    ProblemKind,
    SQLiteStore,
    export_log,
    restore_log,
    verify_log,
)

from . import tamper

SIZES = (4, 5, 1, 3)


@pytest.fixture(scope="module")
def batched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("torn") / "batched.db"
    with Ledger.open(path, actor="desk") as ledger:
        n = 0
        for size in SIZES:
            ledger.append(
                [
                    IncidentOpened(incident=f"i{n + k}", title=f"Incident {n + k}")
                    for k in range(size)
                ]
            )
            n += size
    return path


def _cut(source: Path, target: Path, keep: int) -> None:
    shutil.copyfile(source, target)
    with tamper.raw(target) as conn:
        conn.execute("DELETE FROM events WHERE position > ?", (keep,))
        conn.execute("DELETE FROM merkle_nodes WHERE (idx + 1) << level > ?", (keep,))
    store = SQLiteStore(target, durable=False)
    try:
        store.rebuild_read_model()
    finally:
        store.close()


def _verified(path: Path) -> object:
    store = SQLiteStore(path, durable=False)
    try:
        return verify_log(store)
    finally:
        store.close()


@settings(max_examples=25, deadline=None)
@given(keep=st.integers(0, sum(SIZES)))
def test_a_log_cut_inside_a_batch_is_torn_and_one_cut_between_batches_is_not(
    batched: Path, tmp_path_factory: pytest.TempPathFactory, keep: int
) -> None:
    ends = [sum(SIZES[: i + 1]) for i in range(len(SIZES))]
    cut = tmp_path_factory.mktemp("cut") / "cut.db"
    _cut(batched, cut, keep)
    report = _verified(cut)
    if keep == 0 or keep in ends:
        assert report.ok, report.problem  # type: ignore[attr-defined]
        return
    begun = max([0, *(e for e in ends if e < keep)])
    problem = report.problem  # type: ignore[attr-defined]
    assert problem is not None
    assert problem.kind is ProblemKind.TORN
    assert problem.position == begun + 1
    assert report.head.position == begun  # type: ignore[attr-defined]
    assert f"ends at position {keep}" in problem.detail


def test_an_export_of_a_torn_log_is_refused_by_restore(batched: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.db"
    _cut(batched, cut, SIZES[0] + 2)
    export = tmp_path / "cut.jsonl"
    with export.open("w", encoding="utf-8") as out, Ledger.open(cut) as ledger:
        export_log(ledger, out)
    with (
        pytest.raises(LineError, match="part of the batch"),
        Ledger.open(tmp_path / "restored.db") as target,
    ):
        restore_log(target, export)


@pytest.mark.parametrize("batch", ["[1,1]", "[-1,2]", "[0]", '"0/1"', "[0,true]", "{}"])
def test_a_malformed_batch_is_a_codec_error_naming_the_position(batch: str) -> None:
    from ledger.codec import EVENTS  # noqa: PLC0415
    from ledger.errors import CodecError  # noqa: PLC0415

    body = EVENTS.encode(
        IncidentOpened(incident="i", title="I"), event_id="e", actor="a", reason=None, batch=(0, 1)
    )
    assert body.endswith(b',"batch":[0,1]}')
    assert EVENTS.decode(body).batch == (0, 1)
    with pytest.raises(CodecError, match="position 7"):
        EVENTS.decode(body.replace(b"[0,1]", batch.encode()), position=7)
