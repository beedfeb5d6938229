"""`ledger verify --since` in a fresh process, with the process's peak memory.

    .venv/bin/python -m bench.verify_since DB DIGEST    # prints JSON

What a nightly check of the day's records meets: the interpreter starting, `import`, the
command walking what was appended after the digest. bench/run.py times whole processes of
it from the parent; the peak resident memory is read here, since VmHWM starts afresh at
exec while the parent's rusage of a child counts the pages it shared before.
"""

from __future__ import annotations

import io
import json
import sys

from bench.cold import peak_mib


def main(argv: list[str]) -> int:
    from ledger.cli import main as ledger  # noqa: PLC0415 - importing is part of what is timed

    db, digest = argv
    out = io.StringIO()
    code = ledger(["--db", db, "verify", "--since", digest], stdout=out, stderr=sys.stderr)
    if code != 0:
        print(out.getvalue(), file=sys.stderr)
        return code
    print(json.dumps({"peak_mib": peak_mib()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
