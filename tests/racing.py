"""A store wrapper for races: a rival writes just before each of our appends reaches the store.

That is the window a writer loses in when another process commits between its read and its
write. Each move is given the rival ledger and the batch about to be appended, so a move can
also store that very batch first, as a retry of it by another process would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from ledger import Ledger
from ledger.log import NewRecord, Record, Store

Move = Callable[[Ledger, Sequence[NewRecord]], object]


class Racing:
    def __init__(self, store: Store, rival: Ledger, moves: Sequence[Move]) -> None:
        self.store = store
        self.rival = rival
        self.moves = list(moves)

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def append(
        self,
        records: Sequence[NewRecord],
        *,
        now: dt.datetime,
        expected: Mapping[str, int] | None = None,
    ) -> list[Record]:
        if self.moves:
            self.moves.pop(0)(self.rival, records)
        return self.store.append(records, now=now, expected=expected)


def racing(ledger: Ledger, rival: Ledger, *moves: Move) -> Ledger:
    """Make `rival` play `moves`, one before each of `ledger`'s next appends."""
    ledger.store = Racing(ledger.store, rival, moves)  # type: ignore[assignment]
    return ledger
