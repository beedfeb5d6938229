"""Which PostgreSQL schema names a ledger may live in.

Kept apart from the store so that the rule is one small function with nothing to connect
to. Every name that passes is still quoted as an identifier wherever SQL is built from it.
"""

from __future__ import annotations

from typing import Final

from ledger.errors import StoreError

DEFAULT_SCHEMA: Final = "ledger"
#: PostgreSQL truncates identifiers to 63 bytes: a longer name would silently be another.
NAME_LIMIT: Final = 63
#: Schemas of the server itself. Names beginning with "pg_" are reserved for it too.
_SYSTEM: Final = frozenset({"information_schema"})


def schema_name(name: str | None) -> str:
    """The schema to use: `name`, or the default when none was given at all.

    An empty name is refused rather than taken for the default: code that drops "its"
    schema must never reach the default one by accident.
    """
    if name is None:
        return DEFAULT_SCHEMA
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"schema name {name!r} is empty; give a name, or leave it out")
    if name in _SYSTEM or name.startswith("pg_"):
        raise StoreError(f"schema name {name!r} is a system schema's; choose another")
    if "%" in name:
        # psycopg reads a % in a composed statement as a placeholder, quoted or not.
        raise StoreError(f"schema name {name!r} contains '%', which the store cannot use")
    if "\x00" in name:
        raise StoreError(f"schema name {name!r} contains NUL, which PostgreSQL refuses")
    if len(name.encode()) > NAME_LIMIT:
        raise StoreError(
            f"schema name {name!r} is longer than {NAME_LIMIT} bytes, which PostgreSQL "
            "would silently cut short"
        )
    return name
