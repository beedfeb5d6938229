"""The bitemporal report index: every report as it stands now, and as the ledger knew it then.

Per report, a `ReportTrack` holds the report as it stands after every event (the state the
ledger checks commands against and tallies now from) and, per event that touched it, only
where that event sits in the log: its position, when it was recorded, by whom and why. A
revision, nearly every event of a long-running incident, adds one version and changes nothing
else, so that is all it needs. Every other event (a filing, correction, retraction or void)
also keeps itself and the report's state just before it.

The report as the ledger knew it at an earlier instant is then the state kept before the
first later non-revision (or the state now), less the versions added since: no event is
folded again. A tally of one incident costs a walk over that incident's reports, however long
the log grows, and the index holds no event object for a revision at all (docs/performance.md).
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import json
import operator
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Final

import attrs

from ledger.codec import EVENTS, EventRegistry, converter, format_time, parse_time
from ledger.errors import CodecError, UnknownReportError
from ledger.events import (
    REPORT_EVENTS,
    Event,
    ReportFiled,
    ReportRevised,
    StoredEvent,
)
from ledger.figures import Figure
from ledger.model import ReportState, VersionState, fold_report, next_version, replace_report
from ledger.values import Provenance

#: When an event was recorded, by whom and why.
Note = tuple[dt.datetime, str, str | None]
_RECORDED: Final = operator.itemgetter(0)


def _positions(positions: Iterable[int] = ()) -> array.array[int]:
    # Machine integers, not int objects: a million positions in 8 MB, not 36.
    return array.array("q", positions)


@attrs.define(kw_only=True, slots=True, eq=False)
class ReportTrack:
    """One report: its state now, and where each of its events sits in the log.

    `positions` and `notes` hold one item per event, in log order: its position, and when
    it was recorded, by whom and why (a `Note`, shared by the events of a batch, see
    `ReportIndex`); `marked` and `marks` hold, for each event that is not a revision, its
    index in those lists, the event, and the report's state before it (None before the
    filing).
    """

    _state: ReportState = attrs.field(alias="state")
    positions: array.array[int] = attrs.field(factory=_positions, converter=_positions)
    notes: list[Note] = attrs.field(factory=list)
    marked: list[int] = attrs.field(factory=list)
    marks: list[tuple[Event, ReportState | None]] = attrs.field(factory=list)
    #: Versions revisions added since `_state` was last built: a replay appends here and
    #: builds the report once, when it is first read, not once per revision.
    _added: list[VersionState] = attrs.field(factory=list, init=False)
    #: The earliest reported time the report's first version ever had: no state of the
    #: report the ledger held, at any instant, has a version reported before it.
    earliest: dt.datetime = attrs.field(init=False)
    #: The position of the report's filing: later filings win ties in a tally. A tally
    #: reads it for every report it weighs, so it is held, not looked up in `positions`.
    filed_at: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.filed_at = self.positions[0]
        states = (self._state, *(before for _, before in self.marks if before is not None))
        self.earliest = min(state.versions[0].reported_at for state in states)

    @property
    def state(self) -> ReportState:
        """The report as it stands after every event folded so far."""
        if self._added:
            versions = (*self._state.versions, *self._added)
            self._state = replace_report(self._state, versions=versions)
            self._added.clear()
        return self._state

    @classmethod
    def filed(
        cls, position: int, note: Note, event: ReportFiled, state: ReportState | None = None
    ) -> ReportTrack:
        """The track of a report its filing starts; `state` is the filing's fold if known."""
        return cls(
            state=fold_report(None, event) if state is None else state,
            positions=[position],
            notes=[note],
            marked=[0],
            marks=[(event, None)],
        )

    def add(
        self, position: int, note: Note, event: Event, after: ReportState | None = None
    ) -> None:
        """Fold the report's next event; `after` is its fold from `self.state`, if known."""
        if after is None:
            after = fold_report(self.state, event)
        if not isinstance(event, ReportRevised):
            self.marked.append(len(self.positions))
            self.marks.append((event, self.state))
            self.earliest = min(self.earliest, after.versions[0].reported_at)
        self._state = after
        self._added.clear()
        self.positions.append(position)
        self.notes.append(note)

    def revise(
        self, position: int, note: Note, fields: tuple[Figure, dt.datetime, Provenance]
    ) -> None:
        """Fold a revision of these fields (what `state.next_version` makes of them)."""
        added = self._added
        latest = added[-1] if added else self._state.versions[-1]
        added.append(next_version(latest, fields[0], fields[1], None, fields[2]))
        self.positions.append(position)
        self.notes.append(note)

    def __len__(self) -> int:
        return len(self.positions)

    def at(self, count: int) -> ReportState | None:
        """The report after its first `count` events; None before its filing."""
        if count >= len(self.positions):
            return self.state
        i = bisect.bisect_left(self.marked, count)
        if i < len(self.marked):
            state, dropped = self.marks[i][1], self.marked[i] - count
        else:
            state, dropped = self.state, len(self.positions) - count
        if state is None:
            return None
        # Only revisions lie between: each added one version and changed nothing else.
        return replace_report(state, versions=state.versions[:-dropped]) if dropped else state

    def known(self, known_at: dt.datetime | None) -> ReportState | None:
        """The report as the ledger knew it at `known_at` (None: now), corrections and voids
        recorded by then applied; None if it was not filed yet. Recorded times never
        decrease along the log, so what was known then is a prefix of the report's events."""
        if known_at is None:
            return self.state
        return self.at(bisect.bisect_right(self.notes, known_at, key=_RECORDED))

    def event(self, index: int) -> Event | None:
        """The event at `index` if it is not a revision (a revision is not kept as one)."""
        i = bisect.bisect_left(self.marked, index)
        if i < len(self.marked) and self.marked[i] == index:
            return self.marks[i][0]
        return None

    def steps(
        self, wanted: Callable[[int], bool] | None = None
    ) -> Iterator[tuple[int, Event | None, ReportState | None, ReportState]]:
        """Each event's index, the event (None for a revision), and the report before and
        after it: what an audit of the report walks. With `wanted`, only the filing and
        the events at positions it accepts: the report around each is then worked out
        for those alone."""
        after: ReportState | None = None
        for index in range(len(self.positions)):
            if index and wanted is not None and not wanted(self.positions[index]):
                after = None
                continue
            # The report before this event: the last one worked out, or found afresh.
            before = None if not index else after if after is not None else self.at(index)
            after = self.at(index + 1)
            assert after is not None  # noqa: S101 - the first event is the filing
            yield index, self.event(index), before, after


class CurrentReports(MutableMapping[str, ReportState]):
    """The index's reports as they stand now: the mapping a `LedgerState` checks against.

    Read-only: reports change only as the index folds stored events. A `fork()` of the state
    layers its scratch changes over this view, which is all that checking a batch needs.
    """

    def __init__(self, tracks: dict[str, ReportTrack]) -> None:
        self._tracks = tracks

    def __getitem__(self, report_id: str) -> ReportState:
        return self._tracks[report_id].state

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._tracks

    def __iter__(self) -> Iterator[str]:
        return iter(self._tracks)

    def __len__(self) -> int:
        return len(self._tracks)

    def __setitem__(self, report_id: str, state: ReportState) -> None:
        raise TypeError("reports change only by events folded into the index")

    def __delitem__(self, report_id: str) -> None:
        raise TypeError("reports change only by events folded into the index")


@attrs.define(kw_only=True, slots=True)
class ReportIndex:
    #: report id -> its track, in filing order.
    tracks: dict[str, ReportTrack] = attrs.field(factory=dict)
    #: incident -> the ids of its reports, in filing order.
    by_incident: dict[str, list[str]] = attrs.field(factory=dict)
    #: incident -> its tracks ordered by (`earliest`, filing position), kept as they change.
    _by_earliest: dict[str, list[tuple[dt.datetime, int, ReportTrack]]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )
    #: The note of the last event folded: the events of one batch share its recorded time
    #: and mostly its actor and reason, so they share one note, not three items each.
    _last: Note | None = attrs.field(default=None, init=False, repr=False, eq=False)

    def _note(self, recorded_at: dt.datetime, actor: str, reason: str | None) -> Note:
        last = self._last
        if last is not None and last[0] == recorded_at and last[1] == actor and last[2] == reason:
            return last
        note = self._last = (recorded_at, actor, reason)
        return note

    def report_ids(self, incident: str) -> list[str]:
        return self.by_incident.get(incident, [])

    def standing(
        self, incident: str, known_at: dt.datetime | None, as_of: dt.datetime | None
    ) -> list[tuple[ReportState, ReportTrack]]:
        """The incident's reports as known at `known_at` that may stand at `as_of` (None:
        now): those with a version reported by then, as far as any correction ever said.
        A tally as of an early time need not look at the reports made after it."""
        if as_of is None:
            return self.known_reports(incident, known_at)
        order = self._by_earliest.get(incident, [])
        reported = bisect.bisect_right(order, as_of, key=_EARLIEST)
        return _known([track for _, _, track in order[:reported]], known_at)

    def known_reports(
        self, incident: str, known_at: dt.datetime | None = None
    ) -> list[tuple[ReportState, ReportTrack]]:
        """The incident's reports as known at `known_at` (None: now), each with its track."""
        return _known([self.tracks[r] for r in self.report_ids(incident)], known_at)

    def add(self, stored: StoredEvent) -> None:
        """Fold any stored event: report events into their track; others hold no report."""
        event = stored.event
        if isinstance(event, REPORT_EVENTS):
            self._fold(stored, event, None)

    def take(self, stored: StoredEvent, before: ReportState | None, after: ReportState) -> None:
        """Fold a stored report event whose fold its appender computed while checking it:
        `after` is the report after the event, folded from `before`. Taken only when
        `before` is the very state this index holds for the report; otherwise (another
        writer's event came between) the event is folded afresh."""
        event = stored.event
        assert isinstance(event, REPORT_EVENTS)  # noqa: S101 - only report events have folds
        track = self.tracks.get(event.report_id)
        held = None if track is None else track.state
        self._fold(stored, event, after if held is before else None)

    def _fold(self, stored: StoredEvent, event: Event, after: ReportState | None) -> None:
        """Fold a report event; `after` is the report after it, if its appender knew."""
        assert isinstance(event, REPORT_EVENTS)  # noqa: S101 - the callers checked
        track = self.tracks.get(event.report_id)
        note = self._note(stored.recorded_at, stored.actor, stored.reason)
        if track is None:
            if not isinstance(event, ReportFiled):
                raise UnknownReportError("report_id", event.report_id)
            track = ReportTrack.filed(stored.position, note, event, after)
            self.tracks[event.report_id] = track
            self.by_incident.setdefault(event.incident, []).append(event.report_id)
            self._place(event.incident, track, None)
            return
        was = track.earliest
        track.add(stored.position, note, event, after)
        if track.earliest != was:
            self._place(event.incident, track, was)

    def _place(self, incident: str, track: ReportTrack, was: dt.datetime | None) -> None:
        """Put `track` in its incident's order by `earliest`, moving it from `was`."""
        order = self._by_earliest.setdefault(incident, [])
        if was is not None:
            del order[bisect.bisect_left(order, (was, track.filed_at))]
        # Filing positions are unique, so the tracks themselves are never compared.
        bisect.insort(order, (track.earliest, track.filed_at, track))

    def order_all(self) -> None:
        """Order every incident's tracks by `earliest` afresh: after loading a checkpoint."""
        self._by_earliest.clear()
        for incident, report_ids in self.by_incident.items():
            for report_id in report_ids:
                self._place(incident, self.tracks[report_id], None)

    def revise(
        self,
        position: int,
        recorded_at: dt.datetime,
        actor: str,
        reason: str | None,
        revision: tuple[str, str, Figure, dt.datetime, Provenance],
    ) -> bool:
        """Fold a stored revision read without building its event (`EventRegistry.revision`).

        Returns False, folding nothing, when the report is not one this index holds in that
        incident: the caller then decodes the event in full, which says what is wrong.
        """
        track = self.tracks.get(revision[1])
        if track is None or track._state.incident != revision[0]:  # noqa: SLF001 - its own track
            return False
        track.revise(position, self._note(recorded_at, actor, reason), revision[2:])
        return True


_EARLIEST: Final = operator.itemgetter(0)


def _known(
    tracks: list[ReportTrack], known_at: dt.datetime | None
) -> list[tuple[ReportState, ReportTrack]]:
    """Each track's report as known at `known_at` (None: now), leaving out those not filed
    by then."""
    if known_at is None:
        return [(track.state, track) for track in tracks]
    known = [(track.known(known_at), track) for track in tracks]
    return [(state, track) for state, track in known if state is not None]


class ReportIndexProjection:
    """Builds a `ReportIndex` from the log; run by a `ProjectionRunner` like any projection."""

    name: Final = "ledger.report-index"
    #: 2: tracks of states and positions replaced lists of events (checkpoints of 1 rebuild).
    #: 3: sources and the taxonomy left the index for the `$ledger` fold.
    version: Final = 3

    def __init__(self, registry: EventRegistry = EVENTS) -> None:
        self._registry = registry

    def initial(self) -> ReportIndex:
        return ReportIndex()

    def apply(self, state: ReportIndex, event: StoredEvent) -> ReportIndex:
        state.add(event)
        return state

    def dump(self, state: ReportIndex) -> bytes:
        def encode(event: Event) -> object:
            return json.loads(self._registry.encode(event, event_id="", actor="", reason=None))

        def report(value: ReportState | None) -> object:
            return None if value is None else converter.unstructure(value, ReportState)

        tracks = {
            report_id: {
                "state": report(track.state),
                "positions": track.positions.tolist(),
                "recorded": [format_time(recorded) for recorded, _, _ in track.notes],
                "actors": [actor for _, actor, _ in track.notes],
                "reasons": [reason for _, _, reason in track.notes],
                "marks": [
                    [index, encode(event), report(before)]
                    for index, (event, before) in zip(track.marked, track.marks, strict=True)
                ],
            }
            for report_id, track in state.tracks.items()
        }
        body = {"tracks": tracks, "by_incident": state.by_incident}
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    def load(self, data: bytes) -> ReportIndex:
        try:
            body = json.loads(data)

            def decode(raw: dict[str, object]) -> Event:
                return self._registry.decode(json.dumps(raw)).event

            def report(raw: object) -> ReportState | None:
                return None if raw is None else converter.structure(raw, ReportState)

            index = ReportIndex(by_incident=body["by_incident"])
            for report_id, raw in body["tracks"].items():
                state = report(raw["state"])
                assert state is not None  # noqa: S101
                index.tracks[report_id] = ReportTrack(
                    state=state,
                    positions=raw["positions"],
                    notes=[
                        index._note(parse_time(recorded), actor, reason)  # noqa: SLF001 - its own
                        for recorded, actor, reason in zip(
                            raw["recorded"], raw["actors"], raw["reasons"], strict=True
                        )
                    ],
                    marked=[at for at, _, _ in raw["marks"]],
                    marks=[(decode(e), report(before)) for _, e, before in raw["marks"]],
                )
            index.order_all()
        except Exception as exc:  # any failure, cattrs' groups included, means "rebuild"
            raise CodecError(f"checkpoint of {self.name!r} cannot be loaded: {exc}") from exc
        return index
