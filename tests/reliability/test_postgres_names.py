"""PostgreSQL schema names (issue 17, finding 12).

An empty `?schema=` silently meant the default schema `ledger` (a test's cleanup dropped a
real schema because of it); `information_schema` was accepted as a ledger's schema; a `%` in
a name failed with psycopg's placeholder error. Each is now refused, before any connection,
with a `StoreError` that names the schema; no hostile name was ever injected, and the names
that are accepted are still quoted as identifiers.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ledger import LedgerError, StoreError
from tests.postgres_support import drop_schemas, postgres_url

from .scale import count

pytest.importorskip("psycopg")

from ledger.stores.postgres import PostgresStore

#: Nothing listens here: a store that got as far as connecting fails differently.
NOWHERE = "postgresql://127.0.0.1:1/test"

REFUSED = {
    "": "empty",
    " ": "empty",
    "information_schema": "system",
    "pg_catalog": "system",
    "pg_toast": "system",
    "pg_temp_3": "system",
    "pg_ledger": "system",
    "a%b": "%",
    "100%": "%",
    "x" * 64: "63 bytes",
    "a\x00b": "NUL",
}


@pytest.mark.parametrize("name", sorted(REFUSED), ids=repr)
def test_bad_schema_names_are_refused_before_connecting(name: str) -> None:
    with pytest.raises(StoreError, match="schema name") as caught:
        PostgresStore(NOWHERE, schema=name)
    assert REFUSED[name] in str(caught.value)
    with pytest.raises(StoreError, match="schema name"):
        PostgresStore(f"{NOWHERE}?schema={quote(name)}")
    count("postgres names: bad schema names refused")


def test_an_empty_schema_parameter_is_not_the_default_schema() -> None:
    with pytest.raises(StoreError, match="schema name"):
        PostgresStore(f"{NOWHERE}?schema=")
    with pytest.raises(StoreError, match="schema name"):
        PostgresStore(f"{NOWHERE}?sslmode=disable&schema=&application_name=x")


def test_without_a_schema_parameter_the_default_is_used() -> None:
    with pytest.raises(LedgerError) as caught:
        PostgresStore(NOWHERE)
    assert "schema name" not in str(caught.value)  # it got as far as connecting


@pytest.mark.parametrize(
    "name", ["Ledger", "my ledger", 'x"; DROP SCHEMA public; --', "lédger", "PG_catalog"]
)
def test_unusual_but_valid_names_still_work(name: str) -> None:
    url = postgres_url()
    try:
        store = PostgresStore(url, schema=name)
        try:
            assert store.head().position == 0
        finally:
            store.close()
    finally:
        drop_schemas(url, [name])
