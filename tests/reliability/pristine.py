"""One populated ledger file that the tamper campaigns copy, each example tampering with its
own copy (`tampered`), with the digest at every position and the positions that end a batch."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from ledger import Digest, Ledger
from ledger.codec import EVENTS
from ledger.log import GENESIS_HASH

from . import tamper
from .sample import populate


@attrs.frozen(kw_only=True, slots=True)
class Pristine:
    path: Path
    #: The digest at every position, genesis first.
    digests: list[Digest]
    #: The positions that end a batch (and so could be a head someone published), 0 first.
    heads: list[int]
    copies: Iterator[Path]

    @property
    def size(self) -> int:
        return len(self.digests) - 1

    @property
    def digest(self) -> Digest:
        """The head's."""
        return self.digests[-1]


def populated(root: Path) -> Pristine:
    """A ledger in `root`, populated as `sample.populate` does in four rounds."""
    path = root / "pristine.db"
    with Ledger.open(path, actor="editor", durable=False) as ledger:
        populate(ledger, rounds=4)
        records = list(ledger.store.read())
    digests = [Digest(position=0, hash=GENESIS_HASH)]
    digests += [Digest(position=r.position, hash=r.hash) for r in records]
    heads = [0] + [r.position for r in records if _ends_a_batch(r.body)]
    copies = (root / f"copy-{i}.db" for i in itertools.count())
    return Pristine(path=path, digests=digests, heads=heads, copies=copies)


def _ends_a_batch(body: bytes) -> bool:
    batch = EVENTS.decode(body).batch
    return batch is None or batch[0] == batch[1] - 1


def tampered(pristine: Pristine, trick: Callable[[sqlite3.Connection], object]) -> Path:
    """A copy of the pristine file with `trick` played on it."""
    return tamper.copy(pristine.path, next(pristine.copies), trick)
