"""A reader process that checks it never sees part of a batch while writers append.

    python -m tests.reliability.reader ADDRESS --stop FILE

Reads the log incrementally, over and over, until the stop file exists. After every read,
each batch it has seen must be whole and the positions dense: a batch is appended in one
transaction, so a reader sees all of it or none. Prints "reads <n> batches <m>" and exits
with status 1 (after printing the evidence) on a partial batch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .harness import Batches, open_with, say


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("--stop", required=True)
    parser.add_argument("--opener", default=None)
    args = parser.parse_args(argv)
    stop = Path(args.stop)
    batches = Batches()
    reads = 0
    with open_with(args.opener, args.address, actor="reader") as ledger:
        say("ready")
        while True:
            last = stop.exists()  # one more read after the writers stopped
            for stored in ledger.events(after=batches.position):
                batches.add(stored)
            reads += 1
            if problems := batches.problems():
                say("partial:", *problems[:5])
                return 1
            if last:
                break
    say(f"reads {reads} batches {len(batches.sizes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
