"""A store in a Python list: for tests, notebooks and short-lived ledgers."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping, Sequence

from ledger.errors import StoreError
from ledger.log import (
    EMPTY_HEAD,
    Checkpoint,
    Head,
    NewRecord,
    Record,
    check_expected,
    link,
    retried_positions,
)


class MemoryStore:
    def __init__(self) -> None:
        self._records: list[Record] = []
        self._by_id: dict[str, Record] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._checkpoints: dict[str, Checkpoint] = {}

    def append(
        self,
        records: Sequence[NewRecord],
        *,
        now: dt.datetime,
        expected: Mapping[str, int] | None = None,
    ) -> list[int]:
        with self._lock:
            self._check_open()
            existing = {
                r.event_id: (s.position, s.stream, s.body)
                for r in records
                if (s := self._by_id.get(r.event_id)) is not None
            }
            if (positions := retried_positions(records, existing)) is not None:
                return positions
            check_expected(expected, lambda s: self._versions.get(s, 0))
            batch = link(
                records,
                head=self._head(),
                now=now,
                stream_version=lambda s: self._versions.get(s, 0),
            )
            self._records.extend(batch)
            self._by_id.update((r.event_id, r) for r in batch)
            self._versions.update((r.stream, r.version) for r in batch)
            return [r.position for r in batch]

    def read(
        self, *, after: int = 0, until: int | None = None, stream: str | None = None
    ) -> Iterator[Record]:
        with self._lock:
            self._check_open()
            # Positions are 1-based and dense, so a slice of a snapshot is the whole answer.
            records = self._records[max(after, 0) : until]
        return (r for r in records if stream is None or r.stream == stream)

    def find(self, event_ids: Sequence[str]) -> dict[str, int]:
        with self._lock:
            self._check_open()
            return {i: r.position for i in event_ids if (r := self._by_id.get(i)) is not None}

    def head(self) -> Head:
        with self._lock:
            self._check_open()
            return self._head()

    def _head(self) -> Head:
        if not self._records:
            return EMPTY_HEAD
        last = self._records[-1]
        return Head(position=last.position, hash=last.hash, recorded_at=last.recorded_at)

    def stream_version(self, stream: str) -> int:
        with self._lock:
            self._check_open()
            return self._versions.get(stream, 0)

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._lock:
            self._check_open()
            self._checkpoints[checkpoint.name] = checkpoint

    def load_checkpoint(self, name: str) -> Checkpoint | None:
        with self._lock:
            self._check_open()
            return self._checkpoints.get(name)

    def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")
