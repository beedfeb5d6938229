"""A process that files reports with explicit ids into its own incident, as a wire desk does.

    python -m tests.reliability.id_filer ADDRESS --incident I --ids N

Files `dup-0` .. `dup-{N-1}` into incident I, retrying lost races, and counts the ids another
process took first (`AlreadyExistsError`). Prints "ready" once open, then "done FILED TAKEN".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ledger import AlreadyExistsError, Ledger, retry_on_conflict

from .harness import SOURCE, T0, say


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("--incident", required=True)
    parser.add_argument("--ids", type=int, required=True)
    args = parser.parse_args(argv)
    filed = taken = 0
    with Ledger.open(args.address, actor=args.incident) as ledger:
        say("ready")
        sys.stdin.readline()  # every filer starts at once
        for i in range(args.ids):

            def file(report_id: str = f"dup-{i}", figure: str = str(i)) -> str:
                return ledger.file_report(
                    args.incident,
                    source=SOURCE,
                    metric="killed",
                    figure=figure,
                    reported_at=T0,
                    report_id=report_id,
                )

            try:
                retry_on_conflict(file, attempts=50)
                filed += 1
            except AlreadyExistsError:
                taken += 1
    say(f"done {filed} {taken}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
