"""A writer process for the crash and concurrency campaigns.

    python -m tests.reliability.writer ADDRESS --writer W --incident I --ack FILE ...

Appends batches of reports to the ledger at ADDRESS (a SQLite path or a PostgreSQL URL), one
`Ledger.append` per batch, retrying lost races with `retry_on_conflict`. Only after an append
returns does it write the batch number to the ack file and fsync it: a batch in the ack file
was acknowledged to its writer, so it must survive anything. Prints "ready" once the ledger
is open, and "done <conflicts>" when it has written every batch.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Sequence

from ledger import ConcurrencyError, Figure, ReportFiled, retry_on_conflict

from .harness import T0, batch_reason, open_with, report_id, say


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("--writer", required=True)
    parser.add_argument("--incidents", required=True, help="comma-separated; batches cycle")
    parser.add_argument("--source", required=True)
    parser.add_argument("--ack", required=True)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--batches", type=int, default=None, help="default: until killed")
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--opener", default=None)
    args = parser.parse_args(argv)

    conflicts = 0

    def counted(_: ConcurrencyError, __: int) -> None:
        nonlocal conflicts
        conflicts += 1

    incidents = args.incidents.split(",")
    ack = os.open(args.ack, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with open_with(args.opener, args.address, actor=args.writer) as ledger:
        say("ready")
        k = args.start
        while args.batches is None or k < args.start + args.batches:
            incident = incidents[k % len(incidents)]
            events = [
                ReportFiled(
                    incident=incident,
                    report_id=report_id(args.writer, k, i),
                    source=args.source,
                    metric="killed",
                    figure=Figure.at_least(k * args.batch_size + i),
                    reported_at=T0,
                )
                for i in range(args.batch_size)
            ]
            ids = [f"{rid.report_id}-e" for rid in events]
            reason = batch_reason(args.writer, k, args.batch_size)
            # A whole command per attempt: append re-syncs and re-checks the batch each time.
            command = functools.partial(ledger.append, events, event_ids=ids, reason=reason)
            retry_on_conflict(command, attempts=50, on_conflict=counted)
            os.write(ack, f"{k}\n".encode())
            os.fsync(ack)
            k += 1
    os.close(ack)
    say(f"done {conflicts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
