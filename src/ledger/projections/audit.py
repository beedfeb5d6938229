"""Audit answers: every version of a report, every change in a window, and tally diffs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import attrs

from ledger.events import (
    REPORT_FIELDS,
    VERSION_FIELDS,
    Event,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportVoided,
)
from ledger.figures import Figure
from ledger.model import ReportState
from ledger.projections.reports import ReportTrack
from ledger.projections.tally import Key, Tally, TallyEntry
from ledger.redaction import Redaction


@attrs.frozen(kw_only=True, slots=True)
class FieldChange:
    field: str
    before: str | None
    after: str | None


@attrs.frozen(kw_only=True, slots=True)
class HistoryEntry:
    """One change to a report: who recorded it, when, why, and the figure before and after.

    `reported_at` is when the change takes effect on the reported clock: its own time for a
    filing, revision or retraction; the time of the version it fixes for a correction, and
    of the filing for a void, since both are retroactive; for a redaction, the time of the
    change whose record it erased.

    `erased` names the free-text fields of the change's record whose text a redaction
    erased since (for a "redacted" change: the field it erased); the text is gone, and the
    provenance reads as if it had not been given.
    """

    position: int
    recorded_at: dt.datetime
    actor: str
    reason: str | None
    report_id: str
    incident: str
    source: str
    change: str
    reported_at: dt.datetime
    version: int | None
    before: Figure | None
    after: Figure | None
    fields: tuple[FieldChange, ...]
    erased: tuple[str, ...] = ()


class History(list[HistoryEntry]):
    """Changes to reports, oldest first (`Ledger.history`, `Ledger.changes`): a list, whose
    `repr` is one line and which a notebook shows as a table."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self:
            return "<History: no changes>"
        reports = len({e.report_id for e in self})
        return (
            f"<History: {len(self)} changes to {reports} report{'' if reports == 1 else 's'}, "
            f"positions {self[0].position} to {self[-1].position}, recorded "
            f"{self[0].recorded_at.isoformat()} to {self[-1].recorded_at.isoformat()}>"
        )

    def _repr_html_(self) -> str:
        from ledger import _html  # noqa: PLC0415 - only notebooks need it

        headers = ["position", "recorded", "actor", "report", "source", "change", "reported"]
        headers += ["v", "before", "after", "reason"]
        rows = (
            [
                e.position,
                e.recorded_at,
                e.actor,
                e.report_id,
                e.source,
                e.change,
                e.reported_at,
                e.version,
                None if e.before is None else e.before.text,
                None if e.after is None else e.after.text,
                _html.clip(
                    "; ".join(
                        [
                            *([e.reason] if e.reason else []),
                            *(f"{f.field}: {f.before} -> {f.after}" for f in e.fields),
                        ]
                    )
                    or None
                ),
            ]
            for e in self
        )
        notes = [] if self else ["No changes."]
        return _html.table("Changes to reports", headers, rows, total=len(self), notes=notes)


def report_history(
    track: ReportTrack, redactions: Sequence[Redaction] = (), *, after: int = 0
) -> Iterator[HistoryEntry]:
    """Every change to the report in log order, its `redactions` among them; with `after`,
    only the changes at later positions (the report before each is still the one the whole
    history gives: it is worked out for those changes alone)."""
    erased: dict[int, tuple[str, ...]] = {}
    for r in redactions:
        erased[r.position] = (*erased.get(r.position, ()), r.field)
    entries = {}
    pending = [r for r in redactions if r.at > after]
    # A redaction is shown against the change whose record it erased, which may lie
    # before `after`: those changes are worked out too, but not yielded.
    wanted = None if not after else (lambda position: position > after or position in erased)
    for index, event, before, state in track.steps(wanted):
        erasing = erased.get(track.positions[index], ())
        entry = _entry(track, index, event, before, state, erased=erasing)
        entries[entry.position] = entry
        while pending and pending[0].at < entry.position:
            yield _redacted(pending.pop(0), entries)
        if entry.position > after:
            yield entry
    for redaction in pending:
        yield _redacted(redaction, entries)


def _redacted(redaction: Redaction, entries: dict[int, HistoryEntry]) -> HistoryEntry:
    """A redaction as a change: of the record of the change at its `position`."""
    # `Ledger.redact` names a record of the report's; an event appended by hand may name
    # any position (verify says so): it is then shown against the filing.
    erased = entries.get(redaction.position) or next(iter(entries.values()))
    named = erased.position == redaction.position
    return HistoryEntry(
        position=redaction.at,
        recorded_at=redaction.recorded_at,
        actor=redaction.actor,
        reason=redaction.reason,
        report_id=erased.report_id,
        incident=erased.incident,
        source=erased.source,
        change="redacted",
        reported_at=erased.reported_at,
        version=erased.version if named and erased.change != "retracted" else None,
        before=None,
        after=None,
        fields=(),
        erased=(redaction.field,),
    )


def _entry(
    track: ReportTrack,
    index: int,
    event: Event | None,
    before: ReportState | None,
    after: ReportState,
    *,
    erased: tuple[str, ...],
) -> HistoryEntry:
    """One change; `event` is None for a revision, which the index does not keep as one."""
    version: int | None
    old: Figure | None
    new: Figure | None
    match event:
        case ReportFiled():
            change, version, reported_at = "filed", 0, event.reported_at
            old, new = None, after.latest.figure
        case None:
            assert before is not None  # noqa: S101 - a revision follows a filing
            change, version = "revised", len(after.versions) - 1
            reported_at = after.latest.reported_at
            old, new = before.latest.figure, after.latest.figure
        case ReportCorrected():
            assert before is not None  # noqa: S101
            change, version = "corrected", event.version
            reported_at = after.versions[version].reported_at
            old, new = before.versions[version].figure, after.versions[version].figure
        case ReportRetracted():
            assert before is not None  # noqa: S101
            change, version, reported_at = "retracted", None, event.reported_at
            old, new = before.latest.figure, None
        case _:
            assert before is not None  # noqa: S101
            assert isinstance(event, ReportVoided)  # noqa: S101
            change, version, reported_at = "voided", None, before.versions[0].reported_at
            old, new = before.latest.figure, None
    return HistoryEntry(
        position=track.positions[index],
        recorded_at=track.notes[index][0],
        actor=track.notes[index][1],
        reason=track.notes[index][2],
        report_id=after.report_id,
        incident=after.incident,
        source=after.source,
        change=change,
        reported_at=reported_at,
        version=version,
        before=old,
        after=new,
        fields=_fields(event, before, after),
        erased=erased,
    )


def _fields(
    event: object, before: ReportState | None, after: ReportState
) -> tuple[FieldChange, ...]:
    if not isinstance(event, ReportCorrected) or before is None:
        return ()
    changes = []
    for name in event.changed_fields:
        if name in VERSION_FIELDS:
            old = getattr(before.versions[event.version], name)
            new = getattr(after.versions[event.version], name)
        else:
            assert name in REPORT_FIELDS  # noqa: S101
            old, new = getattr(before, name), getattr(after, name)
        changes.append(FieldChange(field=name, before=_text(old), after=_text(new)))
    return tuple(changes)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


@attrs.frozen(kw_only=True, slots=True)
class TallyDiff:
    """What appeared, disappeared and changed between two tallies, per source and key."""

    appeared: tuple[TallyEntry, ...]
    disappeared: tuple[TallyEntry, ...]
    changed: tuple[tuple[TallyEntry, TallyEntry], ...]

    def __bool__(self) -> bool:
        return bool(self.appeared or self.disappeared or self.changed)


def diff_tallies(a: Tally, b: Tally) -> TallyDiff:
    def slots(t: Tally) -> dict[tuple[str, Key], TallyEntry]:
        return {(e.source, e.key): e for e in t.entries}

    before, after = slots(a), slots(b)
    return TallyDiff(
        appeared=tuple(after[k] for k in sorted(after.keys() - before.keys())),
        disappeared=tuple(before[k] for k in sorted(before.keys() - after.keys())),
        changed=tuple(
            (before[k], after[k])
            for k in sorted(before.keys() & after.keys())
            if before[k] != after[k]
        ),
    )
