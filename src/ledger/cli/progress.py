"""Progress on stderr for long work, shown only to a person watching a terminal."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TextIO

from ledger.log import Checkpoint, Head, NewRecord, Record, Store

#: Work that finishes sooner than this (seconds) shows no progress at all, so quick commands
#: stay quiet even on a terminal.
DELAY = 0.5
#: How often the line is redrawn (seconds).
EVERY = 0.1


class Meter:
    """A one-line progress display: `meter(stage, done, total)` redraws it, `finish()` ends it.

    It draws nothing unless `stream` is a terminal: output piped to a file or another
    program must not fill up with carriage returns.
    """

    def __init__(self, label: str, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.label = label
        self.stream = stream
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self._start = time.monotonic()
        self._drawn = 0.0
        self._shown = False
        self._last: tuple[str, int, int | None] = ("", 0, None)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        changed = stage != self._last[0]
        self._last = (stage, done, total)
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._start < DELAY:
            return
        if not changed and now - self._drawn < EVERY and done != total:
            return
        self._drawn = now
        self._draw()

    def _draw(self) -> None:
        stage, done, total = self._last
        text = f"{self.label}: {stage} {done:,}"
        if total:
            text += f" of {total:,} ({100 * done // total}%)"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._shown = True

    def finish(self) -> None:
        """End the line, if one was drawn, showing where the work ended."""
        if self._shown:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or exotic stream is no terminal
        return False


class MeteredStore:
    """A store that reports how far reads have got while `meter` is set.

    The CLI wraps the store in one, so the replay a `Ledger` does when it opens (rebuilding
    its projections from the log) shows progress without the facade knowing about terminals.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.meter: Meter | None = None

    def read(
        self, *, after: int = 0, until: int | None = None, stream: str | None = None
    ) -> Iterator[Record]:
        records = self.store.read(after=after, until=until, stream=stream)
        meter = self.meter
        if meter is None:
            return records
        total = self.store.head().position
        return self._metered(records, meter, total)

    @staticmethod
    def _metered(records: Iterator[Record], meter: Meter, total: int) -> Iterator[Record]:
        for record in records:
            if record.position % 500 == 0:
                meter("events", record.position, total)
            yield record
        meter("events", total, total)

    def append(
        self,
        records: Sequence[NewRecord],
        *,
        now: dt.datetime,
        expected: Mapping[str, int] | None = None,
    ) -> list[int]:
        return self.store.append(records, now=now, expected=expected)

    def find(self, event_ids: Sequence[str]) -> dict[str, int]:
        return self.store.find(event_ids)

    def head(self) -> Head:
        return self.store.head()

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.store.save_checkpoint(checkpoint)

    def load_checkpoint(self, name: str) -> Checkpoint | None:
        return self.store.load_checkpoint(name)

    def stream_version(self, stream: str) -> int:
        return self.store.stream_version(stream)

    def close(self) -> None:
        self.store.close()

    def __getattr__(self, name: str) -> object:
        # Extras some stores offer (PostgreSQL's `listen`) stay reachable.
        return getattr(self.store, name)
