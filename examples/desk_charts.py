"""The charts in docs/img/: a busy incident's timelines, as a data desk would publish them.

Run it with `python examples/desk_charts.py [OUTPUT_DIR]` (default: docs/img). It records an
invented incident into an in-memory ledger, on a fixed clock so the charts come out the same
on every run: five sources revise their tolls 200 times over ten days of November 2026, in
every kind of wording (at least, about, ranges, exact counts, more than), with a retraction
and a correction; then five more sources join for a second incident. It draws:

- `timeline-killed.png`: the five sources' death tolls;
- `timeline-killed-ten-sources.png`: the second incident, ten sources, the first five in the
  same colours as on the first chart;
- `timeline-killed.svg`: the first chart as SVG.

The numbers are made up: they show the chart at work, not anything that happened.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

from ledger import Ledger
from ledger.plot import plot_timeline, source_colours

INCIDENT = "coast-2026-11"
SECOND = "valley-2026-11"
START = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)

#: (id, name, kind, revisions, wording, how far its toll rises, where it starts)
SOURCES = [
    ("monitor", "Coastal Rights Monitor", "monitor", 80, "at least {n}", 1.0, 40),
    ("moh", "Ministry of Health", "government", 50, "{n}", 0.55, 25),
    ("ocha", "UN OCHA", "un", 30, "{lo}-{hi}", 0.8, 30),
    ("crescent", "Red Crescent", "ngo", 25, "about {n}", 0.7, 20),
    ("reuters", "Reuters tally", "media", 15, "more than {n}", 0.9, 35),
]
MORE_SOURCES = [
    ("hospital", "Al-Shifa Hospital", "medical"),
    ("watch", "Conflict Watch", "monitor"),
    ("interior", "Ministry of Interior", "government"),
    ("unhcr", "UNHCR", "un"),
    ("afp", "AFP count", "media"),
]


def record(ledger: Ledger) -> None:
    rng = random.Random(13)  # noqa: S311 - invented figures, not secrets
    ledger.open_incident(INCIDENT, title="Clashes on the coast, November 2026")
    ledger.open_incident(SECOND, title="Fighting in the valley, November 2026")
    for source, name, kind, *_ in SOURCES:
        ledger.register_source(source, name=name, kind=kind)
    for source, name, kind in MORE_SOURCES:
        ledger.register_source(source, name=name, kind=kind)
    span = (UNTIL - START).total_seconds() - 8 * 3600
    for source, _, _, revisions, wording, rise, first in SOURCES:
        # The wire service stops counting after a week, and withdraws its count (below).
        until = span * (0.62 if source == "reuters" else 1.0)
        times = sorted(rng.uniform(0, until) for _ in range(revisions + 1))
        counts = sorted(round(first + 900 * rise * (t / span) ** 1.4) for t in times)
        report_id = f"{source}-killed"
        for i, (t, n) in enumerate(zip(times, counts, strict=True)):
            at = START + dt.timedelta(seconds=t)
            figure = wording.format(n=n, lo=round(n * 0.85), hi=round(n * 1.15))
            if i == 0:
                ledger.file_report(INCIDENT, source=source, metric="killed", figure=figure,
                                   reported_at=at, report_id=report_id)  # fmt: skip
            else:
                ledger.revise_report(report_id, figure=figure, reported_at=at)
    # The wire service withdraws its count, then files a new one two days later.
    ledger.retract_report("reuters-killed", reported_at=UNTIL - dt.timedelta(days=3))
    ledger.file_report(INCIDENT, source="reuters", metric="killed", figure="more than 850",
                       reported_at=UNTIL - dt.timedelta(days=1), report_id="reuters-killed-2",
                       reason="a new count after the withdrawal")  # fmt: skip
    typo = ledger.report("crescent-killed").versions[12].figure
    assert typo.stated is not None  # noqa: S101 - "about {n}" names its count
    ledger.correct_report("crescent-killed", version=12, figure=f"about {typo.stated + 9}",
                          reason="data entry: a digit dropped")  # fmt: skip
    # The second incident: ten sources, a few figures each.
    everyone = [s[0] for s in SOURCES] + [s[0] for s in MORE_SOURCES]
    for rank, source in enumerate(everyone):
        times = sorted(rng.uniform(0, span) for _ in range(4))
        for i, t in enumerate(times):
            n = round(30 + rank * 14 + i * (25 + rank * 6) + rng.uniform(0, 10))
            figure = ("at least {n}", "{n}", "about {n}")[rank % 3].format(n=n)
            at = START + dt.timedelta(seconds=t)
            if i == 0:
                ledger.file_report(SECOND, source=source, metric="killed", figure=figure,
                                   reported_at=at, report_id=f"{source}-valley")  # fmt: skip
            else:
                ledger.revise_report(f"{source}-valley", figure=figure, reported_at=at)


def draw(ledger: Ledger, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    sources = ledger.sources()
    names = {s.source: s.name for s in sources}
    colours = source_colours(s.source for s in sources)
    drawn = []
    for incident, name, suffixes in (
        (INCIDENT, "timeline-killed", (".png", ".svg")),
        (SECOND, "timeline-killed-ten-sources", (".png",)),
    ):
        timeline = ledger.timeline(incident, metric="killed")
        for suffix in suffixes:
            path = out / f"{name}{suffix}"
            plot_timeline(timeline, path, title=ledger.incident(incident).title, names=names,
                          colours=colours, until=UNTIL)  # fmt: skip
            drawn.append(path)
    return drawn


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img")
    with Ledger.in_memory(actor="data-desk", clock=lambda: UNTIL) as ledger:
        record(ledger)
        for path in draw(ledger, out):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
