"""A tally's standing versions read from the read model, held to the log they came from.

A process that holds no fold of an incident answers a tally of it "as known now" from the
read model's tables: one query picks each report's version standing at the instant asked
about (ledger.stores._readmodel), instead of folding every event of the incident's stream.
The tables are derived data that anyone with the file can edit, so each row is checked
against the records it cites before it counts:

- the report's filing: the same report, incident and classification (a report whose
  classification a correction changed fails this, and takes the fold);
- the event that last wrote the standing version: its figure, reported time, period and
  provenance, as far as that event states them;
- the event that wrote the next version: reported after the instant asked about, as the
  tables say, so that no edited time can make an older version stand.

Any disagreement, and any value that does not decode, returns None: the caller folds the
incident from the log, which is the answer, and `verify` names the row. What these checks
cannot see (a row deleted, a report's status edited) `verify` finds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from ledger.codec import EventRegistry, format_time, load_body, parse_time
from ledger.errors import LedgerError
from ledger.events import (
    Event,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
)
from ledger.figures import Figure
from ledger.log import StandingRow, Store
from ledger.model import ReportStatus, VersionState
from ledger.projections.tally import Standing
from ledger.stores._readmodel import version_state
from ledger.values import Period, Provenance


def read_model_standing(
    store: Store, registry: EventRegistry, incident: str, as_of: dt.datetime | None
) -> list[Standing] | None:
    """The incident's standing versions at `as_of` as known now, or None where the read
    model holds no report of the incident or any row disagrees with the log."""
    rows = store.standing(incident, as_of)
    # Every event of an incident's stream but its opening is a change to one of its
    # reports: a report moved to another incident, or deleted, leaves the count short.
    if not rows or 1 + sum(row.changes for row in rows) != store.stream_version(incident):
        return None
    found: list[Standing] = []
    decode = _Decoder(registry)
    for row in rows:
        try:
            if not _ended(row, decode):
                return None
            if _withdrawn(row, as_of):
                continue
            version = _standing(row, as_of, decode)
            # Only a standing version's classification counts in the answer.
            if isinstance(version, VersionState) and not _filed(row, incident, decode):
                return None
        except (LedgerError, ValueError, TypeError, KeyError):
            return None  # a value in the tables that does not even decode
        if version is False:
            return None
        if version is not None and row.version is not None:
            slot = (row.source, row.metric, row.group, row.by, row.place)
            found.append((slot, row.report_id, row.version, version, row.filed_position))
    return found


def _filed(row: StandingRow, incident: str, decode: _Decoder) -> bool:
    """Whether the report's filing is the report, incident and classification of the row."""
    filing = decode(row.filed_body, row.filed_position)
    return (
        isinstance(filing, ReportFiled)
        and filing.report_id == row.report_id
        and filing.incident == incident
        and (filing.source, filing.metric, filing.group, filing.by, filing.place)
        == (row.source, row.metric, row.group, row.by, row.place)
    )


def _ended(row: StandingRow, decode: _Decoder) -> bool:
    """Whether the report's status is what its last retraction or void, if any, made it (a
    retracted report takes no revision, so a retraction is for good)."""
    if row.ended_position is None or row.ended_body is None:
        return row.status == ReportStatus.LIVE.value and row.retracted_at is None
    ended = decode(row.ended_body, row.ended_position)
    if isinstance(ended, ReportVoided):
        return ended.report_id == row.report_id and row.status == ReportStatus.VOIDED.value
    return (
        isinstance(ended, ReportRetracted)
        and ended.report_id == row.report_id
        and row.status == ReportStatus.RETRACTED.value
        and row.retracted_at == format_time(ended.reported_at)
    )


def _withdrawn(row: StandingRow, as_of: dt.datetime | None) -> bool:
    """Whether the report stands nowhere at `as_of`: voided, or retracted by then."""
    if row.status == ReportStatus.VOIDED.value:
        return True
    if row.retracted_at is None:
        return False
    return as_of is None or parse_time(row.retracted_at) <= as_of


def _standing(
    row: StandingRow, as_of: dt.datetime | None, decode: _Decoder
) -> VersionState | Literal[False] | None:
    """The version standing at `as_of` (None: the report had none yet), held to the records
    that wrote it and the next version; False where the tables disagree with them."""
    nothing_later = row.next_position is None
    if row.version is None:  # filed after `as_of`: its first version must say so
        return None if not nothing_later and _later(row, as_of, 0, decode) else False
    if row.body is None or row.position is None:
        return False
    version = _version(row)
    if not decode.wrote(row.body, row.position, row, version):
        return False
    if nothing_later:
        return version if row.version == row.versions - 1 else False
    # "Now" stands on the latest version; at an instant, the next was reported after it.
    return version if as_of is not None and _later(row, as_of, row.version + 1, decode) else False


def _later(row: StandingRow, as_of: dt.datetime | None, number: int, decode: _Decoder) -> bool:
    """Whether the report's version `number` (the row's next) was reported after `as_of`."""
    if (
        as_of is None
        or row.next_body is None
        or row.next_position is None
        or row.next_reported_at is None
    ):
        return False
    stated = decode.reported(row.next_body, row.next_position)
    return parse_time(row.next_reported_at) > as_of and _wrote_next(
        stated, row.report_id, number, row.next_reported_at
    )


def _version(row: StandingRow) -> VersionState:
    if (
        row.figure is None
        or row.language is None
        or row.reported_at is None
        or row.verification is None
    ):
        raise ValueError("a standing version without its figure, language or time")
    return version_state(
        row.figure,
        row.language,
        row.reported_at,
        row.period_start,
        row.period_end,
        row.via,
        row.citation,
        row.quote,
        row.verification,
        row.notes,
        row.personal,
    )


class _Decoder:
    """Events decoded from the rows' bodies, each once: a report's filing is often also its
    standing or its next version's writer."""

    def __init__(self, registry: EventRegistry) -> None:
        self._registry = registry
        self._events: dict[int, Event] = {}

    def reported(
        self, body: bytes, position: int
    ) -> tuple[type[Event], str, int | None, dt.datetime | None]:
        """The class, report id, named version and reported time of a report event (see
        `EventRegistry.reported`), decoding the body in full only where that cannot."""
        cached = self._events.get(position)
        found = (
            None
            if cached is not None
            else self._registry.reported(load_body(body, position=position))
        )
        if found is not None:
            return found
        event = self(body, position)
        if not isinstance(event, ReportFiled | ReportRevised | ReportCorrected):
            return type(event), "", None, None
        version = event.version if isinstance(event, ReportCorrected) else None
        return type(event), event.report_id, version, event.reported_at

    def wrote(self, body: bytes, position: int, row: StandingRow, version: VersionState) -> bool:
        """Whether the record wrote the row's standing version (`_wrote`). A revision, most
        standing versions, is read by the codec's revision reader, which checks every field
        as decoding would, without building its event."""
        if position not in self._events:
            raw = load_body(body, position=position)
            quick = self._registry.revision(raw)
            if quick is not None:
                _, _, (_, report_id, figure, reported_at, provenance) = quick
                return report_id == row.report_id and _same(
                    version, figure, reported_at, None, provenance
                )
            self._events[position] = self._registry.decode_raw(raw, position=position).event
        return _wrote(self._events[position], row, version)

    def __call__(self, body: bytes, position: int) -> Event:
        event = self._events.get(position)
        if event is None:
            raw = load_body(body, position=position)
            event = self._registry.decode_raw(raw, position=position).event
            self._events[position] = event
        return event


def _wrote(event: Event, row: StandingRow, version: VersionState) -> bool:
    """Whether `event` wrote the version the row holds, in every field it states."""
    if isinstance(event, ReportFiled):
        return (
            row.version == 0
            and event.report_id == row.report_id
            and _same(version, event.figure, event.reported_at, event.period, event.provenance)
        )
    if isinstance(event, ReportRevised):
        return event.report_id == row.report_id and _same(
            version, event.figure, event.reported_at, event.period, event.provenance
        )
    if isinstance(event, ReportCorrected):
        return (
            event.report_id == row.report_id
            and event.version == row.version
            and _same(version, event.figure, event.reported_at, event.period, None)
        )
    return False


def _same(
    version: VersionState,
    figure: Figure | None,
    reported_at: dt.datetime | None,
    period: Period | None,
    provenance: Provenance | None,
) -> bool:
    """Whether the version agrees with each field given (None: a field the event leaves)."""
    given: Sequence[tuple[object, object]] = (
        (figure, version.figure),
        (reported_at, version.reported_at),
        (period, version.period),
        (provenance, version.provenance),
    )
    return all(stated is None or stated == held for stated, held in given)


def _wrote_next(
    stated: tuple[type[Event], str, int | None, dt.datetime | None],
    report_id: str,
    number: int,
    reported_at: str,
) -> bool:
    """Whether the record `stated` describes wrote the report's version `number`, at the
    time the tables give (a correction that leaves the time says nothing of it)."""
    kind, its_report, named, when = stated
    if its_report != report_id:
        return False
    if kind is ReportFiled:
        return number == 0 and when is not None and format_time(when) == reported_at
    if kind is ReportRevised:
        return when is not None and format_time(when) == reported_at
    if kind is ReportCorrected:
        return named == number and (when is None or format_time(when) == reported_at)
    return False
