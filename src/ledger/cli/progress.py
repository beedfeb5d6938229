"""Progress on stderr for long work, shown only to a person watching a terminal."""

from __future__ import annotations

import time
from typing import TextIO

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
