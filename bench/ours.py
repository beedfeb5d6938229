"""Our side of the benchmark: the `Ledger` facade over a durable SQLite file.

Everything goes through the public API a user would call, validation and the hash chain
included: `Ledger.append` checks each event against the ledger's state before it is stored.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from bench.workload import BYS, GROUPS, METRICS, SOURCES, Op, Workload
from ledger import Ledger
from ledger.events import (
    Event,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    SourceRegistered,
    TaxonomyExtended,
)
from ledger.figures import Figure
from ledger.interchange import import_lines
from ledger.projections.reports import ReportIndex, ReportIndexProjection
from ledger.projections.tally import Tally
from ledger.taxonomy import DEFAULT_TAXONOMY, Dimension
from ledger.values import Period, Provenance, SourceKind

_NO_PERIOD = Period()
_NO_PROVENANCE = Provenance()


@functools.cache
def _via(outlet: str) -> Provenance:
    """One provenance per outlet, as a desk citing the same few outlets would keep."""
    return Provenance(via=outlet)


def _ticking_clock() -> Callable[[], dt.datetime]:
    """A recorded clock one second per append, so known-at queries have a spread to cut."""
    ticks = itertools.count()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return lambda: start + dt.timedelta(seconds=next(ticks))


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, actor="bench", clock=_ticking_clock())


def setup_events(workload: Workload) -> list[Event]:
    """Sources, vocabulary and incidents: what must exist before reports can be filed."""
    events: list[Event] = [
        SourceRegistered(source=s, name=s.upper(), kind=SourceKind.MONITOR) for s in SOURCES
    ]
    for dimension, terms in (
        (Dimension.METRIC, METRICS),
        (Dimension.GROUP, GROUPS),
        (Dimension.BY, BYS),
    ):
        known = DEFAULT_TAXONOMY.terms(dimension)
        events.extend(
            TaxonomyExtended(
                dimension=dimension,
                term=t,
                parent=None if dimension is Dimension.METRIC else "all",
            )
            for t in terms
            if t not in known
        )
    for incident in workload.incidents:
        events.extend(
            TaxonomyExtended(dimension=Dimension.PLACE, term=p, parent="all")
            for p in workload.places[incident]
        )
        events.append(
            IncidentOpened(incident=incident, title=incident, places=workload.places[incident])
        )
    return events


def to_event(op: Op) -> Event:
    # Without an outlet, one shared empty provenance, as omitting the field gives a user.
    provenance = _NO_PROVENANCE if op.via is None else _via(op.via)
    if op.kind == "filed":
        assert op.figure is not None  # noqa: S101 - the workload always gives one
        return ReportFiled(
            incident=op.incident,
            report_id=op.report_id,
            source=op.source,
            metric=op.metric,
            group=op.group,
            by=op.by,
            place=op.place,
            period=_NO_PERIOD,
            figure=Figure.parse(op.figure),
            reported_at=op.reported_at,
            provenance=provenance,
        )
    if op.kind == "revised":
        assert op.figure is not None  # noqa: S101
        return ReportRevised(
            incident=op.incident,
            report_id=op.report_id,
            figure=Figure.parse(op.figure),
            reported_at=op.reported_at,
            provenance=provenance,
        )
    if op.kind == "corrected":
        assert op.figure is not None  # noqa: S101
        return ReportCorrected(
            incident=op.incident,
            report_id=op.report_id,
            version=op.version,
            figure=Figure.parse(op.figure),
        )
    return ReportRetracted(
        incident=op.incident,
        report_id=op.report_id,
        reported_at=op.reported_at,
        provenance=provenance,
    )


def chunks(ops: Sequence[Op], size: int) -> Iterator[Sequence[Op]]:
    for start in range(0, len(ops), size):
        yield ops[start : start + size]


def append_batches(ledger: Ledger, ops: Sequence[Op], batch: int) -> None:
    for chunk in chunks(ops, batch):
        ledger.append([to_event(op) for op in chunk], reason="bench")


def append_singly(ledger: Ledger, ops: Sequence[Op]) -> None:
    for op in ops:
        ledger.append([to_event(op)], reason="bench")


def replay(path: Path) -> ReportIndex:
    """A custom projection's full replay: read, decode and fold the whole log (the report
    index, folded by a `ProjectionRunner` as a user's own projection would be)."""
    with Ledger.open(path, actor="bench") as ledger:
        return ledger.runner(ReportIndexProjection()).replay()


def rebuild(path: Path) -> None:
    """Derive the read model afresh from the whole log, as `ledger reindex` does."""
    with Ledger.open(path, actor="bench") as ledger:
        ledger.reindex()


def as_of(ledger: Ledger, incident: str, when: dt.datetime) -> Tally:
    return ledger.tally(incident, as_of=when)


def jsonl(workload: Workload) -> Iterator[str]:
    """The workload as the JSON Lines a desk would import: set-up lines, then each event."""
    for source in SOURCES:
        yield json.dumps({"type": "source", "source": source, "name": source.upper(),
                          "kind": "monitor"})  # fmt: skip
    for dimension, terms in (("metric", METRICS), ("group", GROUPS), ("by", BYS)):
        known = DEFAULT_TAXONOMY.terms(Dimension(dimension))
        for term in terms:
            if term not in known:
                yield json.dumps({"type": "term", "dimension": dimension, "term": term})
    for incident in workload.incidents:
        yield json.dumps({"type": "incident", "incident": incident, "title": incident,
                          "places": list(workload.places[incident])})  # fmt: skip
    for op in workload.ops:
        yield json.dumps(_line(op))


def _line(op: Op) -> dict[str, object]:
    when = op.reported_at.isoformat()
    provenance = {} if op.via is None else {"provenance": {"via": op.via}}
    if op.kind == "filed":
        return {"type": "report", "report_id": op.report_id, "incident": op.incident,
                "source": op.source, "metric": op.metric, "group": op.group, "by": op.by,
                "place": op.place, "figure": op.figure, "reported_at": when,
                **provenance}  # fmt: skip
    if op.kind == "revised":
        return {"type": "revision", "report_id": op.report_id, "figure": op.figure,
                "reported_at": when, **provenance}  # fmt: skip
    if op.kind == "corrected":
        return {"type": "correction", "report_id": op.report_id, "version": op.version,
                "figure": op.figure, "reason": "bench"}  # fmt: skip
    return {"type": "retraction", "report_id": op.report_id, "reported_at": when, **provenance}


def import_file(path: Path, lines: Path) -> int:
    """Import a JSON Lines file into a new ledger, as `ledger import` does; events appended."""
    with Ledger.open(path, actor="bench") as ledger, lines.open(encoding="utf-8") as text:
        return len(import_lines(ledger, text).positions)
