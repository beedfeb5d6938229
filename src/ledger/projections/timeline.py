"""How each source's figure for one key moved over reported time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from ledger.events import ReportCorrected
from ledger.figures import Figure
from ledger.model import ReportState
from ledger.projections.reports import ReportTrack
from ledger.projections.tally import Key
from ledger.values import Provenance


@attrs.frozen(kw_only=True, slots=True)
class TimelinePoint:
    """From `at` on (the reported clock), `source`'s effective figure is `figure`.

    `change` says what moved it: "filed" (a new report took over), "revised" (the same
    report's next version), or "retracted" (nothing stands any more: `figure` is None).
    `corrected` marks a version the ledger later corrected; its figure is the corrected one.
    `provenance` is that version's (where it was seen, the citation, the quote); None when
    retracted.
    """

    at: dt.datetime
    source: str
    figure: Figure | None
    report_id: str | None
    version: int | None
    change: str
    corrected: bool
    provenance: Provenance | None = None


@attrs.frozen(kw_only=True, slots=True, repr=False)
class Timeline:
    """`repr` is one line; a notebook shows the points as a table."""

    incident: str
    key: Key
    known_at: dt.datetime | None
    #: Every point of every source, ordered by time, then source.
    points: tuple[TimelinePoint, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({p.source for p in self.points}))

    def series(self, source: str) -> tuple[TimelinePoint, ...]:
        return tuple(p for p in self.points if p.source == source)

    def __repr__(self) -> str:
        known = "now" if self.known_at is None else self.known_at.isoformat()
        span = (
            f", {self.points[0].at.isoformat()} to {self.points[-1].at.isoformat()}"
            if self.points
            else ""
        )
        return (
            f"<Timeline of {self.incident!r} {self.key}, known at {known}: "
            f"{len(self.points)} points from {len(self.sources)} sources{span}>"
        )

    def _repr_html_(self) -> str:
        from ledger import _html  # noqa: PLC0415 - only notebooks need it

        caption = (
            f"Timeline of {self.incident}, {self.key}, as the ledger {_html.knows(self.known_at)}"
        )
        headers = ["at", "source", "change", "figure", "low", "high", "best", "report", "v"]
        headers += ["corrected", "via", "quote"]
        rows = (
            [
                p.at,
                p.source,
                p.change,
                None if p.figure is None else p.figure.text,
                None if p.figure is None else p.figure.low,
                None if p.figure is None else ("open" if p.figure.high is None else p.figure.high),
                None if p.figure is None else p.figure.best,
                p.report_id,
                p.version,
                p.corrected,
                None if p.provenance is None else p.provenance.via,
                None if p.provenance is None else _html.clip(p.provenance.quote),
            ]
            for p in self.points
        )
        notes = [] if self.points else ["No figures for this key."]
        return _html.table(caption, headers, rows, total=len(self.points), notes=notes)


def compute_timeline(
    reports: Iterable[tuple[ReportState, ReportTrack]],
    *,
    incident: str,
    key: Key,
    known_at: dt.datetime | None,
    source: str | None = None,
) -> Timeline:
    """`reports`: each report as known at `known_at`, with its track."""
    by_source: dict[str, list[tuple[ReportState, int, set[int]]]] = {}
    for report, track in reports:
        if (source is not None and report.source != source) or report.key != (
            key.metric,
            key.group,
            key.by,
            key.place,
        ):
            continue
        corrected = {
            event.version
            for at, (event, _) in zip(track.marked, track.marks, strict=True)
            if isinstance(event, ReportCorrected)
            and (known_at is None or track.notes[at][0] <= known_at)
        }
        by_source.setdefault(report.source, []).append((report, track.filed_at, corrected))
    points = []
    for name, candidates in sorted(by_source.items()):
        moments = sorted(
            {v.reported_at for r, _, _ in candidates for v in r.versions}
            | {r.retracted_at for r, _, _ in candidates if r.retracted_at is not None},
        )
        previous: tuple[str, int] | None = None
        for moment in moments:
            standing = [
                (r.versions[i].reported_at, position, i, r, corrected)
                for r, position, corrected in candidates
                if (i := r.version_as_of(moment)) is not None
            ]
            if not standing:
                if previous is not None:
                    points.append(_point(moment, name, None, "retracted"))
                previous = None
                continue
            _, _, index, report, corrected = max(standing, key=lambda s: s[:3])
            current = (report.report_id, index)
            if current == previous:
                continue
            change = "revised" if previous and previous[0] == report.report_id else "filed"
            points.append(
                TimelinePoint(
                    at=moment,
                    source=name,
                    figure=report.versions[index].figure,
                    report_id=report.report_id,
                    version=index,
                    change=change,
                    corrected=index in corrected,
                    provenance=report.versions[index].provenance,
                ),
            )
            previous = current
    points.sort(key=lambda p: (p.at, p.source))
    return Timeline(incident=incident, key=key, known_at=known_at, points=tuple(points))


def _point(at: dt.datetime, source: str, figure: Figure | None, change: str) -> TimelinePoint:
    return TimelinePoint(
        at=at,
        source=source,
        figure=figure,
        report_id=None,
        version=None,
        change=change,
        corrected=False,
    )
