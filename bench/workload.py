"""The generated workload both contenders append: report events of many incidents.

Each incident is a long-running episode that many sources keep reporting on. Sources file a
figure for a key (metric, victim group, perpetrator, place) and then revise it as their
counts move, the pattern of the 2025-03-08 story where tolls were revised upward many
times; now and then a source retracts a claim or the ledger corrects an entry. The shape is
fixed by a seed, so both contenders and every run see the same events in the same order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from typing import Final, NamedTuple

T0: Final = dt.datetime(2025, 3, 6, tzinfo=dt.UTC)
#: How long each incident runs on the reported clock.
SPAN: Final = dt.timedelta(days=300)
SOURCES: Final = tuple(f"src-{i:02d}" for i in range(20))
METRICS: Final = ("killed", "injured", "missing", "detained", "displaced")
GROUPS: Final = ("all", "civilians", "children", "women", "security-forces")
BYS: Final = ("all", "government-forces", "loyalists", "unknown")
#: Each incident's own places, added to the taxonomy when it is opened.
PLACES_PER_INCIDENT: Final = 3
#: Of an incident's events: filings, corrections and retractions; the rest are revisions.
P_FILE: Final = 0.05
P_CORRECT: Final = 0.01
P_RETRACT: Final = 0.005


class Op(NamedTuple):
    """One report event, in terms both contenders understand."""

    kind: str  # "filed", "revised", "corrected" or "retracted"
    incident: str
    report_id: str
    figure: str | None
    reported_at: dt.datetime
    via: str | None
    #: Filed only: who says it and what it counts.
    source: str = ""
    metric: str = ""
    group: str = ""
    by: str = ""
    place: str = ""
    #: Corrected only: the report version the correction fixes.
    version: int = 0


class Workload(NamedTuple):
    incidents: tuple[str, ...]
    places: dict[str, tuple[str, ...]]
    ops: list[Op]
    #: Per incident, the reported time of each of its ops, in log order (for as-of queries).
    times: dict[str, list[dt.datetime]]

    def version_at(self, incident: str, as_of: dt.datetime) -> int:
        """How many of the incident's events were reported by `as_of`."""
        return bisect.bisect_right(self.times[incident], as_of)


#: How sources word a count n, with the share of figures worded each way.
_WORDINGS: Final = (
    (0.4, "at least {n}"),
    (0.2, "{n}"),
    (0.15, "about {n}"),
    (0.15, "{n}-{m}"),
    (0.1, "more than {n}"),
)


def _figure(rng: random.Random, n: int) -> str:
    roll = rng.random()
    for share, wording in _WORDINGS:
        if roll < share:
            return wording.format(n=n, m=n + rng.randint(1, 40))
        roll -= share
    return str(n)


def generate(events: int, *, per_incident: int = 10_000, seed: int = 8) -> Workload:
    """About `events` report events over `events // per_incident` incidents (at least one),
    interleaved in the log as they would arrive from many desks at once."""
    rng = random.Random(seed)
    n_incidents = max(1, events // per_incident)
    per_incident = events // n_incidents
    incidents = tuple(f"incident-{i:04d}" for i in range(n_incidents))
    places = {
        inc: tuple(f"{inc}-place-{p}" for p in range(PLACES_PER_INCIDENT)) for inc in incidents
    }
    step = SPAN / per_incident
    streams: dict[str, list[Op]] = {}
    for number, incident in enumerate(incidents):
        ops: list[Op] = []
        live: list[str] = []
        state: dict[str, tuple[int, int]] = {}  # report -> (count, versions)
        start = T0 + dt.timedelta(minutes=number)
        for j in range(per_incident):
            at = start + step * j
            roll = rng.random()
            if not live or roll < P_FILE:
                report = f"{incident}-r{len(state):05d}"
                n = rng.randint(1, 300)
                state[report] = (n, 1)
                live.append(report)
                ops.append(
                    Op(
                        kind="filed",
                        incident=incident,
                        report_id=report,
                        figure=_figure(rng, n),
                        reported_at=at,
                        via=rng.choice(("cnn", "reuters", "ap", None)),
                        source=rng.choice(SOURCES),
                        metric=rng.choice(METRICS),
                        group=rng.choice(GROUPS),
                        by=rng.choice(BYS),
                        place=rng.choice(("all", *places[incident])),
                    )
                )
                continue
            report = rng.choice(live)
            n, versions = state[report]
            if roll < P_FILE + P_RETRACT:
                live.remove(report)
                ops.append(Op("retracted", incident, report, None, at, "cnn"))
            elif roll < P_FILE + P_RETRACT + P_CORRECT:
                # A typo fixed in the latest version: the figure one higher than entered.
                state[report] = (n + 1, versions)
                ops.append(
                    Op("corrected", incident, report, str(n + 1), at, None, version=versions - 1)
                )
            else:
                n += rng.randint(0, 25)
                state[report] = (n, versions + 1)
                ops.append(Op("revised", incident, report, _figure(rng, n), at, None))
        streams[incident] = ops
    log = [streams[inc][j] for j in range(per_incident) for inc in incidents]
    times = {inc: [op.reported_at for op in ops] for inc, ops in streams.items()}
    return Workload(incidents=incidents, places=places, ops=log, times=times)
