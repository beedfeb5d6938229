"""Where the PostgreSQL tests find their server, and how each test gets a schema of its own.

`LEDGER_TEST_POSTGRES_URL` names the server. Without it the PostgreSQL tests are skipped,
except under CI (`CI=true`), where they default to a server on loopback and fail, rather than
skip, when it cannot be reached: a CI run that silently skipped its database would prove nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Final

import pytest

from ledger import Ledger
from ledger.log import Store

ENV: Final = "LEDGER_TEST_POSTGRES_URL"
CI_DEFAULT: Final = "postgresql://127.0.0.1:5432/test"


#: Why PostgreSQL tests skip when they do.
NOT_CONFIGURED: Final = f"no PostgreSQL server: set {ENV} (e.g. {CI_DEFAULT}) to run this test"


def configured_url() -> str | None:
    """The test server's address; None when none is configured (never under CI)."""
    if url := os.environ.get(ENV):
        return url
    return CI_DEFAULT if os.environ.get("CI") == "true" else None


def postgres_url() -> str:
    """The test server's address, or skip the test when none is configured."""
    url = configured_url()
    if url is None:
        pytest.skip(NOT_CONFIGURED)
    return url


def unique_schema() -> str:
    return f"ledger_test_{uuid.uuid4().hex[:16]}"


def drop_schemas(url: str, schemas: list[str]) -> None:
    if not schemas:
        return
    import psycopg  # noqa: PLC0415 - only tests that reached a server get here
    from psycopg import sql  # noqa: PLC0415

    from ledger.stores.postgres import split_schema  # noqa: PLC0415

    with psycopg.connect(split_schema(url)[0], autocommit=True) as conn:
        for schema in schemas:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


class SchemaFactory:
    """Makes a fresh `PostgresStore` per call, each in a schema of its own; `cleanup` drops
    every schema it made."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.schemas: list[str] = []

    def __call__(self) -> Store:
        from ledger.stores.postgres import PostgresStore  # noqa: PLC0415 - psycopg is optional

        schema = unique_schema()
        self.schemas.append(schema)
        return PostgresStore(self.url, schema=schema)

    def cleanup(self) -> None:
        drop_schemas(self.url, self.schemas)
        self.schemas.clear()


def with_schema(url: str, schema: str) -> str:
    """The URL with a `schema` query parameter, as a user would pass it to `Ledger.open`."""
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def file_reports(address: str, incident: str, count: int) -> list[str]:
    """A writer process: open the ledger at `address`, open `incident` and file `count`
    reports on it; return the ids of the reports whose append was acknowledged."""
    # Each writer appends to its own incident's stream only, so none of them ever sees a
    # ConcurrencyError, while their positions in the one global log interleave.
    with Ledger.open(address, actor=incident) as ledger:
        ledger.open_incident(incident, title=incident)
        return [
            ledger.file_report(
                incident,
                source="monitor",
                metric="killed",
                figure=f"at least {i}",
                reported_at=dt.datetime(2025, 3, 8, tzinfo=dt.UTC),
            )
            for i in range(count)
        ]
