"""The peer: the `eventsourcing` package (9.x) with its SQLite persistence, used idiomatically.

One `Application` holds `Incident` aggregates; every report event is an event of its
incident's aggregate, because the incident is the consistency boundary (our stream is the
incident too, with the same optimistic versioning). Command methods check what our ledger
checks of a report event (the report exists, is live, is not reported out of order) and
then trigger a declarative `@event`, so writes go through the aggregate as the package's
docs show. Writes use `Application.save`, which puts every pending event of the aggregates
it is given into one transaction. Reads:

- a full replay pages through the application recorder's notification log
  (`select_notifications`, as the package's own followers do) and folds each decoded
  domain event into its aggregate with `mutate`, the repository's own projector;
- an as-of question rebuilds the incident's aggregate with `repository.get`. Our as-of
  tally also applies corrections recorded later (they are retroactive), so the peer's
  equivalent replays the incident's whole stream and then filters by the reported clock.

The writer keeps the aggregates it works on in memory between commands rather than
`repository.get`-ing them for every command: a cache, as the package's
AGGREGATE_CACHE_MAXSIZE offers, minus the deep copies, which is the kindest choice.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.workload import Op, Workload
from ledger.figures import Figure

_NS = uuid.UUID("6f1c2e0a-8d8e-4a47-9d0b-5a2b1f0c9e11")


class PeerError(Exception):
    pass


class Incident(Aggregate):
    """An incident and its reports: report id -> [source, key, versions, live]."""

    @event("Opened")
    def __init__(self, name: str) -> None:
        self.name = name
        self.reports: dict[str, list[Any]] = {}

    @staticmethod
    def create_id(name: str) -> uuid.UUID:
        return uuid.uuid5(_NS, name)

    # Commands: check, then trigger.

    def file(self, op: Op) -> None:
        if op.report_id in self.reports:
            raise PeerError(f"report {op.report_id} exists")
        Figure.parse(op.figure or "")  # the figure must be a figure
        self.filed(
            report_id=op.report_id,
            source=op.source,
            metric=op.metric,
            group=op.group,
            by=op.by,
            place=op.place,
            figure=op.figure or "",
            reported_at=op.reported_at,
            via=op.via,
        )

    def revise(self, op: Op) -> None:
        report = self._live(op.report_id)
        if op.reported_at < report[2][-1][1]:
            raise PeerError("revised out of order")
        Figure.parse(op.figure or "")
        self.revised(
            report_id=op.report_id, figure=op.figure or "", reported_at=op.reported_at, via=op.via
        )

    def correct(self, op: Op) -> None:
        report = self._live(op.report_id)
        if op.version >= len(report[2]):
            raise PeerError("no such version")
        Figure.parse(op.figure or "")
        self.corrected(report_id=op.report_id, version=op.version, figure=op.figure or "")

    def retract(self, op: Op) -> None:
        report = self._live(op.report_id)
        if op.reported_at < report[2][-1][1]:
            raise PeerError("retracted out of order")
        self.retracted(report_id=op.report_id, reported_at=op.reported_at, via=op.via)

    def _live(self, report_id: str) -> list[Any]:
        report = self.reports.get(report_id)
        if report is None or report[4] is not None:
            raise PeerError(f"report {report_id} is unknown or retracted")
        return report

    # Events: how each changes the aggregate, on command and on replay alike.

    @event("ReportFiled")
    def filed(  # noqa: PLR0917 - @event records the fields of a filed report as its parameters
        self,
        report_id: str,
        source: str,
        metric: str,
        group: str,
        by: str,
        place: str,
        figure: str,
        reported_at: dt.datetime,
        via: str | None,
    ) -> None:
        key = (metric, group, by, place)
        self.reports[report_id] = [
            source,
            key,
            [[figure, reported_at, via]],
            len(self.reports),
            None,
        ]

    @event("ReportRevised")
    def revised(
        self, report_id: str, figure: str, reported_at: dt.datetime, via: str | None
    ) -> None:
        self.reports[report_id][2].append([figure, reported_at, via])

    @event("ReportCorrected")
    def corrected(self, report_id: str, version: int, figure: str) -> None:
        self.reports[report_id][2][version][0] = figure

    @event("ReportRetracted")
    def retracted(self, report_id: str, reported_at: dt.datetime, via: str | None) -> None:
        del via
        self.reports[report_id][4] = reported_at


class IncidentLedger(Application[uuid.UUID]):
    pass


def open_app(path: Path) -> IncidentLedger:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": os.fspath(path),
        # Match our lock wait, so neither side gives up under a slow disk.
        "SQLITE_LOCK_TIMEOUT": "60",
    }
    return IncidentLedger(env=env)


def sqlite_settings(app: IncidentLedger) -> tuple[str, int]:
    """The journal mode and synchronous level of the peer's connections, as SQLite reports."""
    datastore: Any = app.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        sync = cursor.fetchone()[0]
    return str(mode), int(sync)


def setup(app: IncidentLedger, workload: Workload) -> dict[str, Incident]:
    incidents = {name: Incident(name) for name in workload.incidents}
    app.save(*incidents.values())
    return incidents


def _command(incident: Incident, op: Op) -> None:
    match op.kind:
        case "filed":
            incident.file(op)
        case "revised":
            incident.revise(op)
        case "corrected":
            incident.correct(op)
        case _:
            incident.retract(op)


def append_batches(
    app: IncidentLedger, incidents: dict[str, Incident], ops: Sequence[Op], batch: int
) -> None:
    for start in range(0, len(ops), batch):
        touched: dict[str, Incident] = {}
        for op in ops[start : start + batch]:
            incident = touched.get(op.incident) or incidents[op.incident]
            touched[op.incident] = incident
            _command(incident, op)
        app.save(*touched.values())


def append_singly(app: IncidentLedger, incidents: dict[str, Incident], ops: Sequence[Op]) -> None:
    for op in ops:
        incident = incidents[op.incident]
        _command(incident, op)
        app.save(incident)


def replay(path: Path, *, page: int = 10_000) -> tuple[IncidentLedger, list[PeerTally]]:
    """Read the whole notification log, decode each event and fold it into its aggregate."""
    app = open_app(path)
    aggregates: dict[uuid.UUID, Incident | None] = {}
    last = 0
    while True:
        notifications = app.recorder.select_notifications(
            start=last, limit=page, inclusive_of_start=False
        )
        for notification in notifications:
            domain_event: Any = app.mapper.to_domain_event(notification)
            aggregates[domain_event.originator_id] = domain_event.mutate(
                aggregates.get(domain_event.originator_id)
            )
        if len(notifications) < page:
            break
        last = notifications[-1].id
    return app, [tally(agg, None) for agg in aggregates.values() if agg is not None]


def as_of(app: IncidentLedger, incident: str, when: dt.datetime) -> PeerTally:
    aggregate: Incident = app.repository.get(Incident.create_id(incident))
    return tally(aggregate, when)


PeerTally = dict[tuple[Any, ...], tuple[int, int | None, str]]


def tally(incident: Incident, when: dt.datetime | None) -> PeerTally:
    """Per source and key, the latest standing version reported by `when`, and per key the
    span across sources: the core of our tally, without its parts-and-wholes checks."""
    best: dict[tuple[str, tuple[str, ...]], tuple[dt.datetime, int, str]] = {}
    for source, key, versions, order, retracted in incident.reports.values():
        if retracted is not None and (when is None or retracted <= when):
            continue
        standing = _standing(versions, when)
        if standing is None:
            continue
        figure, reported_at = standing
        slot = (source, key)
        rank = (reported_at, order)
        if slot not in best or best[slot][:2] < rank:
            best[slot] = (reported_at, order, figure)
    spans: PeerTally = {}
    for (source, key), (_, _, text) in sorted(best.items()):
        parsed = Figure.parse(text)
        spans[(source, *key)] = (parsed.low, parsed.high, text)
        low, high, _ = spans.get(key, (parsed.low, parsed.high, ""))
        spans[key] = (
            min(low, parsed.low),
            None if high is None or parsed.high is None else max(high, parsed.high),
            "",
        )
    return spans


def _standing(versions: Iterable[list[Any]], when: dt.datetime | None) -> tuple[str, Any] | None:
    found = None
    for figure, reported_at, _ in versions:
        if when is not None and reported_at > when:
            break
        found = (figure, reported_at)
    return found
