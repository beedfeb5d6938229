"""Live subscriptions, on every store: each event once, in order, and a clean way out."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ledger import Ledger, ValidationError
from ledger.subscription import Subscription

from .conftest import StoreFactory

#: Long enough never to end a correct run early; it only keeps a broken one from hanging.
HANG_GUARD = 60.0


def register(ledger: Ledger, *names: str) -> None:
    for name in names:
        ledger.register_source(name, name=name.upper(), kind="monitor")


def test_idle_timeout_zero_catches_up_then_ends(make_store: StoreFactory) -> None:
    ledger = Ledger(make_store(), actor="t")
    register(ledger, "a", "b", "c")
    with ledger.subscribe(idle_timeout=0) as sub:
        got = list(sub)
    assert got == list(ledger.events())
    assert sub.position == 3
    with ledger.subscribe(after=1, idle_timeout=0) as sub:
        assert [e.position for e in sub] == [2, 3]


def test_a_subscriber_sees_later_appends_in_order_exactly_once(make_store: StoreFactory) -> None:
    ledger = Ledger(make_store(), actor="t")
    register(ledger, "s0")
    names = [f"s{i}" for i in range(1, 31)]
    go = threading.Event()

    def writer() -> None:
        go.wait()
        register(ledger, *names)

    thread = threading.Thread(target=writer)
    thread.start()
    got = []
    with ledger.subscribe(poll_interval=0.05, idle_timeout=HANG_GUARD) as sub:
        for event in sub:
            got.append(event)
            go.set()  # the first event is in: everything after it arrives while we tail
            if len(got) == 1 + len(names):
                break
    thread.join()
    assert [e.position for e in got] == list(range(1, 32))
    assert got == list(ledger.events())


def test_a_stop_event_ends_a_waiting_subscription(make_store: StoreFactory) -> None:
    ledger = Ledger(make_store(), actor="t")
    register(ledger, "a")
    stop = threading.Event()
    got = []
    with ledger.subscribe(poll_interval=HANG_GUARD, stop=stop) as sub:
        for event in sub:
            got.append(event)
            stop.set()  # from here on the subscription would wait; it must end instead
    assert [e.position for e in got] == [1]


def test_close_from_another_thread_ends_a_waiting_subscription(make_store: StoreFactory) -> None:
    ledger = Ledger(make_store(), actor="t")
    sub = ledger.subscribe(poll_interval=HANG_GUARD)
    waiting = threading.Event()
    got: list[object] = []

    def consume() -> None:
        waiting.set()
        got.extend(sub)

    thread = threading.Thread(target=consume)
    thread.start()
    waiting.wait()
    sub.close()
    thread.join(HANG_GUARD)
    assert not thread.is_alive()
    assert got == []


def test_a_closed_subscription_yields_nothing_more(make_store: StoreFactory) -> None:
    ledger = Ledger(make_store(), actor="t")
    register(ledger, "a", "b")
    sub = ledger.subscribe()
    assert next(sub).position == 1
    sub.close()
    assert list(sub) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"after": -1}, "after"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"idle_timeout": -1.0}, "idle_timeout"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], field: str) -> None:
    ledger = Ledger.in_memory(actor="t")
    with pytest.raises(ValidationError) as info:
        Subscription(ledger.store, **kwargs)
    assert info.value.field == field


def test_follow_keeps_a_projection_live_with_checkpoints(make_store: StoreFactory) -> None:
    from ledger.projections.reports import ReportIndexProjection  # noqa: PLC0415

    ledger = Ledger(make_store(), actor="t")
    register(ledger, "a", "b", "c")
    projection = ReportIndexProjection()
    first = ledger.follow(projection, checkpoint_every=2, idle_timeout=0)
    assert first.position == 3
    checkpoint = ledger.store.load_checkpoint(projection.name)
    assert checkpoint is not None
    assert checkpoint.position == 3  # the last, partial stretch is saved when it ends
    register(ledger, "d")
    second = ledger.follow(projection, idle_timeout=0)  # resumes from position 3
    assert second.position == 4
    replayed = ledger.runner(projection)
    replayed.replay()
    assert projection.dump(second.state) == projection.dump(replayed.state)


def test_follow_runs_until_stopped_from_another_thread(make_store: StoreFactory) -> None:
    from ledger.projections.reports import ReportIndexProjection  # noqa: PLC0415

    ledger = Ledger(make_store(), actor="t")
    stop = threading.Event()
    result: list[Any] = []
    name = ReportIndexProjection.name

    def worker() -> None:
        projection = ReportIndexProjection()
        result.append(ledger.follow(projection, checkpoint_every=1, poll_interval=0.01, stop=stop))

    thread = threading.Thread(target=worker)
    thread.start()
    register(ledger, "x", "y")
    caught_up = threading.Event()
    for _ in range(int(HANG_GUARD / 0.01)):
        checkpoint = ledger.store.load_checkpoint(name)
        if checkpoint is not None and checkpoint.position == 2:
            break
        caught_up.wait(0.01)
    stop.set()
    thread.join(HANG_GUARD)
    assert not thread.is_alive()
    assert result[0].position == 2
    replayed = ledger.runner(ReportIndexProjection())
    replayed.replay()
    assert ReportIndexProjection().dump(result[0].state) == ReportIndexProjection().dump(
        replayed.state
    )
