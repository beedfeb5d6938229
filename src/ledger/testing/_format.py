"""Histories as people read them: one line per event, with the fields that matter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ledger.codec import EVENTS
from ledger.events import (
    Event,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceRegistered,
    TaxonomyExtended,
)
from ledger.taxonomy import ROOT
from ledger.values import Period

#: One step of a history: minutes the recorded clock advances, then the event appended.
Step = tuple[int, Event]


def _time(t: dt.datetime) -> str:
    t = t.astimezone(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%MZ" if t.second == t.microsecond == 0 else "%Y-%m-%dT%H:%M:%SZ")


def _offset(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"+{days}d{hours:02d}h{mins:02d}m"
    if hours:
        return f"+{hours}h{mins:02d}m"
    return f"+{mins}m"


def _period(period: Period | None) -> str:
    if period is None or (period.start is None and period.end is None):
        return ""
    return f", period {period.start or '..'} to {period.end or '..'}"


def describe(event: Event) -> str:  # noqa: PLR0911 - one line per event type
    """The event's type as the log names it, and its key fields."""
    name = EVENTS.name_of(type(event))
    match event:
        case IncidentOpened():
            places = f" [{', '.join(event.places)}]" if event.places else ""
            return f"{name} {event.incident}{places}"
        case SourceRegistered():
            return f"{name} {event.source} ({event.kind.value})"
        case TaxonomyExtended():
            under = "" if event.parent is None else f" under {event.parent}"
            return f"{name} {event.dimension.value} {event.term}{under}"
        case ReportFiled():
            key = "/".join(
                t for t in (event.metric, event.group, event.by, event.place) if t != ROOT
            )
            return (
                f"{name} {event.report_id} {event.incident} {event.source} {key}: "
                f"{event.figure} (reported {_time(event.reported_at)}{_period(event.period)})"
            )
        case ReportRevised():
            return (
                f"{name} {event.report_id} {event.incident}: {event.figure} "
                f"(reported {_time(event.reported_at)}{_period(event.period)})"
            )
        case ReportCorrected():
            fixes = ", ".join(
                f"{field}={_time(v) if isinstance(v, dt.datetime) else v}"
                for field in event.changed_fields
                if (v := getattr(event, field)) is not None
            )
            return f"{name} {event.report_id} {event.incident} v{event.version}: {fixes}"
        case ReportRetracted():
            return (
                f"{name} {event.report_id} {event.incident} (reported {_time(event.reported_at)})"
            )
        case ReportVoided():
            return f"{name} {event.report_id} {event.incident}"
        case _:
            return f"{name} {event!r}"


def format_history(steps: Sequence[Step]) -> str:
    """One line per step: position, recorded time since the start, type and key fields, e.g.
    `#5 +10m report.revised r3 inc-a: at least 12 (reported 2025-03-07T04:00Z)`."""
    lines, elapsed = [], 0
    for position, (minutes, event) in enumerate(steps, start=1):
        elapsed += minutes
        lines.append(f"#{position} {_offset(elapsed)} {describe(event)}")
    return "\n".join(lines)
