from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ledger import MemoryStore, SQLiteStore
from ledger.log import Store

from .postgres_support import SchemaFactory, postgres_url

# `make_store` is a factory of fresh stores, so sharing it across examples is what we want.
_SUPPRESS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=_SUPPRESS
)
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=_SUPPRESS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

StoreFactory = Callable[[], Store]


def _memory(_: Path) -> StoreFactory:
    return MemoryStore


def _sqlite(tmp: Path) -> StoreFactory:
    counter = iter(range(1_000_000))
    # Not durable: the contract is about behaviour, and fsync per example only slows the run.
    return lambda: SQLiteStore(tmp / f"contract-{next(counter)}.db", durable=False)


def _postgres(_: Path) -> StoreFactory:
    # Each store gets a schema of its own, dropped by `cleanup` after the test.
    return SchemaFactory(postgres_url())


#: Every store runs the contract suite; a new store adds itself here.
STORES: dict[str, Callable[[Path], StoreFactory]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(STORES))
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory of fresh, empty stores of one kind, one live store at a time.

    Asking for a new store closes the one made before: a hypothesis test makes one per
    example, and a server store holds a connection until closed (150 examples would exhaust
    PostgreSQL's connection limit). Every store is closed after the test.
    """
    made: list[Store] = []
    factory = STORES[request.param](tmp_path)

    def make() -> Store:
        if made:
            made[-1].close()
        store = factory()
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
    # Stores on a server leave something behind (a schema); their factory knows what.
    cleanup: Callable[[], None] | None = getattr(factory, "cleanup", None)
    if cleanup is not None:
        cleanup()
