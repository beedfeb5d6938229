"""The cold first answer: a fresh process opens a ledger file and answers one as-of tally.

    .venv/bin/python -m bench.cold ours DB INCIDENT WHEN   # one process; prints JSON
    .venv/bin/python -m bench.cold peer DB INCIDENT WHEN

What a shell, a cron job or a web worker meets: the interpreter starting, `import`, opening
the file and one answer. bench/run.py times whole processes of each (wall clock, from the
parent) and reads their peak resident memory; each child also reports the part spent inside
the interpreter after its first line, so the interpreter's own start shows apart.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import datetime as dt  # noqa: E402 - the clock above starts before any import
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ours(path: Path, incident: str, when: dt.datetime) -> int:
    from ledger import Ledger  # noqa: PLC0415 - importing is part of what is timed

    with Ledger.open(path, actor="bench") as ledger:
        return len(ledger.tally(incident, as_of=when).entries)


def peer(path: Path, incident: str, when: dt.datetime) -> int:
    from bench import peer as contender  # noqa: PLC0415 - importing is part of what is timed

    app = contender.open_app(path)
    try:
        return len(contender.as_of(app, incident, when))
    finally:
        app.close()


def main(argv: list[str]) -> int:
    side, path, incident, when = argv
    answer = {"ours": ours, "peer": peer}[side](
        Path(path), incident, dt.datetime.fromisoformat(when)
    )
    inside = time.perf_counter() - STARTED
    print(json.dumps({"answer": answer, "inside_s": inside, "peak_mib": peak_mib()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
