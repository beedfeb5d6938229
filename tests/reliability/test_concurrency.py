"""Concurrent writers: no gap, no duplicate, no lost event; a lost race is a clear error and
`retry_on_conflict` runs the command again against what the winner wrote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import (
    ConcurrencyError,
    Ledger,
    ReportStateError,
    ValidationError,
    retry_on_conflict,
)
from tests.racing import racing

from .harness import run_concurrent_writers
from .sample import hours, populate
from .scale import count, pick

WRITERS = pick(4, 8)
READERS = pick(1, 2)
BATCHES = pick(15, 60)
BATCH_SIZE = pick(40, 100)


def test_concurrent_writers_lose_nothing_and_readers_see_whole_batches(
    address: str, tmp_path: Path
) -> None:
    figures = run_concurrent_writers(
        address,
        workdir=tmp_path,
        writers=WRITERS,
        readers=READERS,
        batches=BATCHES,
        batch_size=BATCH_SIZE,
    )
    count("concurrency: writer processes", figures.writers)
    count("concurrency: reader processes", figures.readers)
    count("concurrency: events written", figures.events)
    count("concurrency: batches written, all whole", figures.batches)
    count("concurrency: lost races retried", figures.conflicts_retried)
    count("concurrency: reader passes, none saw part of a batch", figures.reads)
    count("concurrency: acknowledged events lost", 0)


@pytest.fixture
def two_writers(tmp_path: Path) -> Iterator[tuple[Ledger, Ledger, list[str]]]:
    path = tmp_path / "race.db"
    with Ledger.open(path, actor="setup", durable=False) as ledger:
        live = populate(ledger, rounds=1)
    with Ledger.open(path, actor="a", durable=False) as a, Ledger.open(path, actor="b") as b:
        yield a, b, live


def test_a_writer_that_loses_the_race_gets_a_concurrency_error_and_writes_nothing(
    two_writers: tuple[Ledger, Ledger, list[str]],
) -> None:
    a, b, live = two_writers
    rid = live[0]

    def revise(rival: Ledger, _: object) -> None:
        rival.revise_report(rid, figure="at least 400", reported_at=hours(5))

    racing(a, b, revise)
    before = b.position
    with pytest.raises(ConcurrencyError) as lost:
        a.revise_report(rid, figure="at least 500", reported_at=hours(6))
    assert lost.value.stream == b.report(rid).incident
    assert lost.value.actual == lost.value.expected + 1
    assert b.position == before + 1, "only the winner's event was written"
    assert a.verify().ok


def test_retrying_reruns_the_command_against_the_winners_state(
    two_writers: tuple[Ledger, Ledger, list[str]],
) -> None:
    a, b, live = two_writers
    rid = live[0]

    def revise(rival: Ledger, _: object) -> None:
        rival.revise_report(rid, figure="at least 400", reported_at=hours(5))

    racing(a, b, revise, revise)
    seen: list[int] = []
    stored = retry_on_conflict(
        lambda: a.revise_report(rid, figure="at least 500", reported_at=hours(6)),
        attempts=3,
        on_conflict=lambda _, attempt: seen.append(attempt),
        sleep=lambda _: None,
    )
    assert seen == [1, 2]
    assert stored.actor == "a"
    assert [str(v.figure) for v in b.report(rid).versions[-3:]] == [
        "at least 400", "at least 400", "at least 500",
    ]  # fmt: skip
    assert a.verify().ok


def test_a_retry_is_validated_again_and_refused_if_the_winner_made_it_invalid(
    two_writers: tuple[Ledger, Ledger, list[str]],
) -> None:
    a, b, live = two_writers
    rid = live[0]

    def retract(rival: Ledger, _: object) -> None:
        rival.retract_report(rid, reported_at=hours(5), reason="withdrawn by the source")

    racing(a, b, retract)
    before = b.position
    with pytest.raises(ReportStateError, match="retracted"):
        retry_on_conflict(
            lambda: a.revise_report(rid, figure="at least 500", reported_at=hours(6)),
            sleep=lambda _: None,
        )
    assert b.position == before + 1


def test_retrying_gives_up_after_its_attempts_with_the_last_conflict() -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    def always_loses() -> None:
        calls.append(1)
        raise ConcurrencyError("s", len(calls), len(calls) + 1)

    with pytest.raises(ConcurrencyError) as last:
        retry_on_conflict(
            always_loses, attempts=4, backoff=0.1, max_backoff=0.25, sleep=sleeps.append,
            jitter=lambda: 1.0,
        )  # fmt: skip
    assert len(calls) == 4
    assert last.value.expected == 4
    assert sleeps == [0.1, 0.2, 0.25], "doubling, capped, and no sleep after the last attempt"


def test_retrying_lets_other_errors_through_at_once() -> None:
    calls: list[int] = []

    def invalid() -> None:
        calls.append(1)
        raise ValidationError("figure", "nonsense")

    with pytest.raises(ValidationError):
        retry_on_conflict(invalid, attempts=5)
    assert calls == [1]


@pytest.mark.parametrize(
    ("field", "value"),
    [("attempts", 0), ("attempts", 2.5), ("attempts", True), ("backoff", -1.0),
     ("max_backoff", float("nan")), ("backoff", "1")],
)  # fmt: skip
def test_retrying_refuses_nonsense_settings(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        retry_on_conflict(lambda: None, **{field: value})  # type: ignore[arg-type]
