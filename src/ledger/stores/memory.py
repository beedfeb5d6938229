"""A store in memory: for tests, notebooks and short-lived ledgers.

It is SQLite's in-memory database behind the SQLite store's code, so the log, the read model
beside it and every promise of the store contract are kept by one implementation, and a
ledger in memory answers exactly as one in a file does. Nothing survives `close`.
"""

from __future__ import annotations

from ledger.stores.sqlite import SQLiteStore


class MemoryStore(SQLiteStore):
    def __init__(self) -> None:
        super().__init__(":memory:", durable=False)
