"""The read model beside the log: kept in each append's transaction, checked, rebuilt.

Answers come from incident folds of the log (a cold tally from the tables, held to the log:
tests/test_read_model_answers.py); the tables say which incident holds a report, which ids
are taken and what exists, and are what users read with their own SQL tools. These tests
hold both to a strict replay of the log on every store.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    AlreadyExistsError,
    Ledger,
    ProblemKind,
    ProjectionError,
    SQLiteStore,
    StoreError,
    UnknownIncidentError,
    ValidationError,
)
from ledger.codec import EVENTS
from ledger.events import GLOBAL_STREAM, ReportRevised
from ledger.figures import Figure
from ledger.log import NewRecord, Record, Store
from ledger.stores import sqlite as sqlite_store
from ledger.testing import build_ledger

from .conftest import StoreFactory
from .held import held, incident_ids, replayed
from .racing import racing
from .reference import reference_tally, rows
from .strategies import Step, histories

T0 = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)


@settings(max_examples=25)
@given(steps=histories())
def test_the_tables_and_the_answers_equal_a_strict_replay_on_every_store(
    make_store: StoreFactory, steps: list[Step]
) -> None:
    ledger = build_ledger(steps, store=make_store())
    assert ledger.store.check_read_model() is None  # the tables are what a rebuild writes
    fresh = Ledger(ledger.store, actor="reader")
    assert held(fresh) == replayed(ledger)
    log = list(ledger.events())
    for incident in incident_ids(ledger):
        assert rows(fresh.tally(incident)) == reference_tally(log, incident, None, None, None)
    for report in ledger.reports():
        assert ledger.store.report_incident(report.report_id) == report.incident


class Counting:
    """A store that records every read it is asked for; everything else passes through."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reads: list[tuple[int, int | None, str | None]] = []
        self.records = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def read(
        self, *, after: int = 0, until: int | None = None, stream: str | None = None
    ) -> Iterator[Record]:
        self.reads.append((after, until, stream))
        for record in self.store.read(after=after, until=until, stream=stream):
            self.records += 1
            yield record


def _two_incidents(path: Path) -> None:
    with Ledger.open(path, actor="desk", durable=False) as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        for incident in ("coast", "north"):
            ledger.open_incident(incident, title=incident.title())
            for n in range(20):
                ledger.file_report(
                    incident, source="snhr", metric="killed", figure=f"at least {n}",
                    reported_at=T0 + dt.timedelta(hours=n), report_id=f"{incident}-{n}",
                )  # fmt: skip


def test_opening_and_one_answer_read_only_what_the_question_touches(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _two_incidents(path)
    store = Counting(SQLiteStore(path))
    ledger = Ledger(store, actor="reader")
    assert store.reads == []  # opening reads the head and the read model's position only
    tally = ledger.tally("coast", as_of=T0 + dt.timedelta(hours=5))
    assert len(tally.entries) == 1
    # The tally comes from the tables (tests/test_read_model_answers.py); the log gives
    # the `$ledger` stream's source and terms.
    assert {stream for _, _, stream in store.reads} == {GLOBAL_STREAM}
    assert store.records == 1
    ledger.history("coast-3")  # a history folds the incident's stream
    assert {stream for _, _, stream in store.reads} == {"coast", GLOBAL_STREAM}
    assert store.records == 1 + 20 + 1
    before = store.records
    ledger.tally("coast")  # warm: nothing new to read
    ledger.history("coast-3")
    assert store.records == before
    ledger.close()


def test_a_read_model_behind_the_log_is_rebuilt_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _two_incidents(path)
    with Ledger.open(path) as ledger:
        expected = {i: ledger.tally(i) for i in incident_ids(ledger)}
        # As a library version without the read model would: the log moves, the tables don't.
        event_id, body = _a_filing()
        ledger.store.append(
            [NewRecord(event_id=event_id, stream="coast", body=body)], now=dt.datetime.now(dt.UTC)
        )
        assert ledger.store.check_read_model() is not None
    seen: list[tuple[int, int]] = []
    with Ledger.open(path, progress=lambda done, total: seen.append((done, total))) as ledger:
        assert seen[-1] == (1 + 2 + 40 + 1, 1 + 2 + 40 + 1)  # stream by stream, the whole log
        assert ledger.store.check_read_model() is None
        assert ledger.store.report_incident("raw-report") == "coast"
        assert ledger.tally("north") == expected["north"]
        assert len(ledger.tally("coast").entries) == len(expected["coast"].entries) + 1
        assert ledger.verify().ok


def test_an_incidents_opening_is_read_at_the_position_the_read_model_gives(
    tmp_path: Path,
) -> None:
    path = tmp_path / "l.db"
    _two_incidents(path)
    store = Counting(SQLiteStore(path))
    ledger = Ledger(store, actor="reader")
    assert ledger.incident("north").title == "North"  # what the CLI titles a tally with
    assert store.records == 1  # the opening alone, not the stream's 21 records
    ledger.close()
    # An edited position that points at another incident's opening is not believed.
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE incidents SET position = 1 + 1 WHERE incident = 'north'")
    with Ledger(Counting(SQLiteStore(path)), actor="reader") as ledger:
        assert ledger.incident("north").title == "North"  # from the fold of its stream
        with pytest.raises(UnknownIncidentError):
            ledger.incident("nowhere")


def _a_filing() -> tuple[str, bytes]:
    scratch = Ledger.in_memory(actor="old-version")
    scratch.register_source("snhr", name="SNHR", kind="monitor")
    scratch.open_incident("coast", title="Coast")
    scratch.file_report(
        "coast", source="snhr", metric="injured", figure="12", reported_at=T0,
        report_id="raw-report",
    )  # fmt: skip
    last = list(scratch.store.read())[-1]
    return last.event_id, last.body


def test_a_hand_edited_table_is_named_by_verify_and_mended_by_reindex(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _two_incidents(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE reports SET incident = 'north' WHERE report_id = 'coast-7'")
    with Ledger.open(path) as ledger:
        report = ledger.verify()
        assert report.problem is not None
        assert report.problem.kind is ProblemKind.READ_MODEL
        assert "coast-7" in report.problem.detail
        with pytest.raises(ProjectionError, match="reindex"):
            ledger.history("coast-7")  # never silently: the log has no such report there
        ledger.reindex()
        assert ledger.verify().ok
        assert ledger.history("coast-7")[0].report_id == "coast-7"


def test_a_version_3_file_gets_its_read_model_by_a_recorded_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = tmp_path / "made.db"
    _two_incidents(made)
    path = tmp_path / "l.db"
    source = SQLiteStore(made)
    records = list(source.read())
    source.close()
    with monkeypatch.context() as patch:
        # Migrations never change once shipped, so the first three make release 3's file;
        # its log is written as that release wrote it, bodies only.
        patch.setattr(sqlite_store, "MIGRATIONS", sqlite_store.MIGRATIONS[:3])
        patch.setattr(sqlite_store, "SCHEMA_VERSION", 3)
        old = SQLiteStore(path)
        for record in records:
            new = NewRecord(event_id=record.event_id, stream=record.stream, body=record.body)
            old.append([new], now=record.recorded_at)
        old.close()
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    with Ledger.open(path) as ledger:
        assert ledger.store.check_read_model() is None
        assert [i.incident for i in ledger.incidents()] == ["coast", "north"]
        assert len(ledger.reports("north")) == 20
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM schema_migrations")]
        assert names[3].startswith("add the read model")
        assert conn.execute("SELECT count(*) FROM report_versions").fetchone()[0] == 40


def test_readers_answer_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _two_incidents(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a writer mid-transaction, as an import would be
    answers: list[int] = []

    def read() -> None:
        with Ledger.open(path, actor="reader") as ledger:
            answers.append(len(ledger.reports("coast")))
            answers.append(ledger.digest().position)

    try:
        reader = threading.Thread(target=read)
        reader.start()
        # The store's own lock timeout is a minute: a reader that waited would still be here.
        reader.join(timeout=30)
        assert not reader.is_alive()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert answers == [20, 43]


def test_a_read_only_file_answers_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    _two_incidents(path)
    with Ledger(SQLiteStore(path, read_only=True), actor="reader") as ledger:
        assert len(ledger.reports("north")) == 20
        assert ledger.verify().ok
        with pytest.raises(StoreError):
            ledger.register_source("late", name="Late", kind="media")


def test_one_report_id_filed_into_two_incidents_by_two_writers_is_refused_once(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    base = Ledger(store, actor="desk-a")
    base.register_source("wire", name="Wire", kind="media")
    base.open_incident("inc-a", title="A")
    base.open_incident("inc-b", title="B")
    rival = Ledger(store, actor="desk-b")

    def rival_files_first(other: Ledger, _: Sequence[NewRecord]) -> None:
        other.file_report(
            "inc-b", source="wire", metric="killed", figure="5", reported_at=T0,
            report_id="dup-0",
        )  # fmt: skip

    ledger = racing(Ledger(store, actor="desk-a"), rival, rival_files_first)
    head = store.head()
    with pytest.raises(AlreadyExistsError) as caught:
        ledger.file_report(
            "inc-a", source="wire", metric="killed", figure="7", reported_at=T0,
            report_id="dup-0",
        )  # fmt: skip
    assert caught.value.field == "report_id"
    assert store.head().position == head.position + 1  # the rival's filing, and nothing else
    assert [r.incident for r in base.reports()] == ["inc-b"]
    assert store.check_read_model() is None


@settings(max_examples=10)
@given(ids=st.lists(st.sampled_from([f"r{i}" for i in range(4)]), min_size=1, max_size=8))
def test_no_report_id_is_ever_stored_twice(make_store: StoreFactory, ids: list[str]) -> None:
    store = make_store()
    writers = [Ledger(store, actor=f"w{n}") for n in range(2)]
    writers[0].register_source("wire", name="Wire", kind="media")
    for n, writer in enumerate(writers):
        writer.open_incident(f"inc-{n}", title=str(n))
    for turn, report_id in enumerate(ids):
        writer = writers[turn % 2]
        try:
            writer.file_report(
                f"inc-{turn % 2}", source="wire", metric="killed", figure="1",
                reported_at=T0, report_id=report_id,
            )  # fmt: skip
        except AlreadyExistsError:
            assert report_id in ids[:turn]
    filed = [r.report_id for r in writers[0].reports()]
    assert sorted(filed) == sorted(set(ids))


def test_an_event_appended_without_its_state_is_folded_from_the_tables_in_its_language(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    ledger = Ledger(store, actor="desk")
    ledger.register_source("ohchr", name="OHCHR", kind="un", language="fr")
    ledger.open_incident("nord", title="Nord")
    ledger.file_report(
        "nord", source="ohchr", metric="killed", figure="plus de 1.500", reported_at=T0,
        report_id="r-fr",
    )  # fmt: skip
    revision = ReportRevised(
        incident="nord", report_id="r-fr", figure=Figure.parse("environ 1.800", language="fr"),
        reported_at=T0 + dt.timedelta(days=1),
    )  # fmt: skip
    body = EVENTS.encode(revision, event_id="late-1", actor="other", reason=None)
    # A store told the event but not the report after it folds it from its own tables.
    new = NewRecord(event_id="late-1", stream="nord", body=body, event=revision, actor="other")
    store.append([new], now=dt.datetime.now(dt.UTC))
    assert store.check_read_model() is None
    assert Ledger(store, actor="reader").report("r-fr").latest.figure.low > 1_500


@pytest.mark.parametrize(
    "reported_at",
    [dt.datetime(2062, 11, 30, 10, tzinfo=dt.UTC), dt.datetime(1, 1, 1, tzinfo=dt.UTC)],
)
def test_a_reported_time_no_source_could_have_given_is_refused(reported_at: dt.datetime) -> None:
    now = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    ledger = Ledger.in_memory(actor="desk", clock=lambda: now)
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    ledger.open_incident("coast", title="Coast")
    head = ledger.position
    with pytest.raises(ValidationError) as caught:
        ledger.file_report(
            "coast", source="snhr", metric="killed", figure="5", reported_at=reported_at
        )
    assert caught.value.field == "reported_at"
    assert ledger.position == head
    # Within the allowance for clocks that disagree, a time just ahead is taken.
    ledger.file_report(
        "coast", source="snhr", metric="killed", figure="5",
        reported_at=now + dt.timedelta(minutes=9),
    )  # fmt: skip


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE reports SET last_position = 'x' WHERE report_id = 'coast-3'",
        (
            "INSERT INTO reports (report_id, incident, source, metric, grp, by_, place,"
            " status, versions, figure, language, low, reported_at, filed_position,"
            " last_position) VALUES ('ghost', 'coast', 'snhr', 'killed', 'all', 'all', 'all',"
            " 'live', 1, '3', 'en', 3, 'then', 'not a position', 'x')"
        ),
    ],
)
def test_verify_names_a_table_edited_into_any_shape_without_raising(
    tmp_path: Path, edit: str
) -> None:
    path = tmp_path / "l.db"
    _two_incidents(path)
    with sqlite3.connect(path) as conn:
        conn.execute(edit)
    with Ledger.open(path) as ledger:
        report = ledger.verify()
    assert report.problem is not None
    assert report.problem.kind is ProblemKind.READ_MODEL
