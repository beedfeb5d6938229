"""A `ledger` command in a fresh process, with the process's peak memory.

    .venv/bin/python -m bench.command DB verify --since DIGEST    # prints JSON
    .venv/bin/python -m bench.command DB changes --since TIME

What a nightly check or a desk's question from a shell meets: the interpreter starting,
`import`, the command's whole work, its output written (to nowhere). bench/run.py times whole
processes of it from the parent; the peak resident memory is read here, since VmHWM starts
afresh at exec while the parent's rusage of a child counts the pages it shared before.
"""

from __future__ import annotations

import io
import json
import sys

from bench.cold import peak_mib


def main(argv: list[str]) -> int:
    from ledger.cli import main as ledger  # noqa: PLC0415 - importing is part of what is timed

    db, *command = argv
    out = io.StringIO()
    code = ledger(["--db", db, *command], stdout=out, stderr=sys.stderr)
    if code != 0:
        print(out.getvalue(), file=sys.stderr)
        return code
    print(json.dumps({"peak_mib": peak_mib(), "output_bytes": len(out.getvalue())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
