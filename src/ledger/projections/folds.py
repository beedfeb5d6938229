"""What a ledger holds in memory: the folds of the streams its questions touched.

Nothing here reads the whole log. An incident's reports are folded from that incident's
own stream (an index seek in every store) the first time a question or a command touches
it, and kept in a cache bounded by the number of events held, least recently used first
out. Sources and the taxonomy are folded from the `$ledger` stream, which grows with the
vocabulary, not with the reports. Before each use a fold reads what its stream gained since
(one query when nothing did), so an answer always reflects every committed append.

Which incident a report belongs to, which ids are taken and which incidents exist come from
the store's read model (`Store.report_incident`, `Store.incident_ids`); the answers
themselves are folds of the log, the only source of truth.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any, Final

import attrs

from ledger._fields import is_id
from ledger.codec import EVENTS, EventRegistry, load_body
from ledger.errors import (
    CodecError,
    DamagedLedgerError,
    LedgerError,
    ProjectionError,
    StoreError,
)
from ledger.events import (
    GLOBAL_STREAM,
    REPORT_EVENTS,
    FieldDeclared,
    FieldRedacted,
    IncidentOpened,
    ReportFiled,
    SourceRegistered,
    StoredEvent,
    TaxonomyExtended,
)
from ledger.figures import Language
from ledger.log import Record, Store, decode_record, stored_event
from ledger.model import ReportState
from ledger.projections.reports import ReportIndex
from ledger.redaction import Redaction
from ledger.state import LedgerState
from ledger.taxonomy import DEFAULT_TAXONOMY, Taxonomy

#: Events a ledger keeps folded in memory by default, over all the incidents it holds.
DEFAULT_CACHE_EVENTS: Final = 1_000_000


@attrs.define(kw_only=True, slots=True, eq=False)
class IncidentFold:
    """One incident's stream folded: its opening and its reports on both clocks."""

    incident: str
    opened: IncidentOpened | None = None
    index: ReportIndex = attrs.field(factory=ReportIndex)
    #: report id -> the redactions of its records, in log order.
    redactions: dict[str, list[Redaction]] = attrs.field(factory=dict)
    #: The position and stream version of the last event folded.
    position: int = 0
    version: int = 0

    def fold(
        self, stored: StoredEvent, states: tuple[ReportState | None, ReportState] | None = None
    ) -> None:
        """Fold the stream's next event; `states` is the report before and after it, where
        the appender's check computed them."""
        event = stored.event
        if isinstance(event, IncidentOpened):
            self.opened = event
        elif isinstance(event, REPORT_EVENTS):
            if states is None:
                self.index.add(stored)
            else:
                self.index.take(stored, *states)
        elif isinstance(event, FieldRedacted):
            self.redactions.setdefault(event.report_id, []).append(Redaction.of(stored, event))
        self.position, self.version = stored.position, stored.version

    def fold_record(self, record: Record, registry: EventRegistry) -> str | None:
        """Fold the stream's next stored record, and return the id of the report it
        changes (None for the opening). A revision, nearly every record of a long stream, is
        read by the codec's revision reader (which checks every field as decoding would)
        without building its event; anything else is decoded in full."""
        raw = load_body(record.body, position=record.position)
        quick = registry.revision(raw)
        if quick is not None and self.index.revise(record.position, record.recorded_at, *quick):
            self.position, self.version = record.position, record.version
            return quick[2][1]
        stored = stored_event(record, registry.decode_raw(raw, position=record.position))
        self.fold(stored)
        report_id: str | None = getattr(stored.event, "report_id", None)
        return report_id


def fold_listed(
    listed: Iterable[tuple[str, Record]], registry: EventRegistry = EVENTS
) -> dict[str, IncidentFold] | None:
    """Folds of only the reports whose records the read model lists (`Store.report_records`),
    one per incident: each report's whole history, without its incident's other reports.
    None where a listed record is not a change to the report it is listed under, in that
    report's incident, or does not fold (the tables were edited, or the log damaged): the
    caller folds the incidents from the log instead, which is the answer."""
    folds: dict[str, IncidentFold] = {}
    try:
        for report_id, record in listed:
            fold = folds.get(record.stream)
            if fold is None:
                fold = folds[record.stream] = IncidentFold(incident=record.stream)
            if fold.fold_record(record, registry) != report_id:
                return None
    except Exception:  # noqa: BLE001 - folding a listing that is no report's history can
        # break any rule the folds rely on (a correction of a version a missing revision
        # made): all of them mean "not a history", and the caller folds the log instead.
        return None
    for incident, fold in folds.items():
        if any(track.state.incident != incident for track in fold.index.tracks.values()):
            return None
    return folds


@attrs.define(kw_only=True, slots=True, eq=False)
class GlobalFold:
    """The `$ledger` stream folded: sources, the taxonomy and the declared personal fields."""

    sources: dict[str, SourceRegistered] = attrs.field(factory=dict)
    taxonomy: Taxonomy = DEFAULT_TAXONOMY
    fields: dict[str, FieldDeclared] = attrs.field(factory=dict)
    position: int = 0
    version: int = 0

    def fold(self, stored: StoredEvent) -> None:
        event = stored.event
        if isinstance(event, SourceRegistered):
            self.sources[event.source] = event
        elif isinstance(event, TaxonomyExtended):
            self.taxonomy = self.taxonomy.extended(event.dimension, event.term, event.parent)
        elif isinstance(event, FieldDeclared):
            self.fields[event.field] = event
        self.position, self.version = stored.position, stored.version


class Folds:
    """The folds a ledger holds, brought up to date with its store on each use."""

    def __init__(
        self,
        store: Store,
        *,
        registry: EventRegistry = EVENTS,
        cache_events: int = DEFAULT_CACHE_EVENTS,
        language: Language = Language.EN,
    ) -> None:
        self.store = store
        self._language = language
        self._registry = registry
        self._limit = cache_events
        self._held = 0
        self._incidents: collections.OrderedDict[str, IncidentFold] = collections.OrderedDict()
        #: report id -> its incident, for the reports of the folds held.
        self._homes: dict[str, str] = {}
        self.ledgerwide = GlobalFold()

    def current(self) -> GlobalFold:
        """The `$ledger` fold, with every source and term appended so far."""
        fold = self.ledgerwide
        if self.store.stream_version(GLOBAL_STREAM) != fold.version:
            for record in self.store.read(stream=GLOBAL_STREAM, after=fold.position):
                with _replaying(self.store, record.position):
                    fold.fold(decode_record(record, self._registry))
        return fold

    def incident(self, incident: str, *, fresh: bool = True) -> IncidentFold:
        """The incident's fold, with every event of its stream appended so far; an incident
        never opened gives a fold whose `opened` is None. Without `fresh`, a fold already
        held is taken as it is: checking a batch, whose streams `Ledger.append` brought up
        to date and whose append the store refuses if any moved on since."""
        fold = self._incidents.get(incident) if isinstance(incident, str) else None
        if fold is None:
            if not is_id(incident):
                return IncidentFold(incident=incident)  # nothing can be stored under it
            fold = IncidentFold(incident=incident)
            self._incidents[incident] = fold
        else:
            self._incidents.move_to_end(incident)
            if not fresh:
                return fold
        if self.store.stream_version(incident) != fold.version:
            before = fold.version
            homes = self._homes
            for record in self.store.read(stream=incident, after=fold.position):
                with _replaying(self.store, record.position):
                    report_id = fold.fold_record(record, self._registry)
                if report_id is not None:
                    homes[report_id] = incident
            self._held += fold.version - before
            self._evict(keep=incident)
        return fold

    def held(self, incident: str) -> IncidentFold | None:
        """The incident's fold if one is held, as it is."""
        return self._incidents.get(incident)

    def version(self, stream: str) -> int:
        """The version of `stream` its fold has folded up to (0 for one not held)."""
        if stream == GLOBAL_STREAM:
            return self.ledgerwide.version
        fold = self._incidents.get(stream)
        return 0 if fold is None else fold.version

    def fold_own(
        self, stored: StoredEvent, states: tuple[ReportState | None, ReportState] | None
    ) -> None:
        """Fold an event this ledger appended right after checking it against these folds:
        the store refused the batch had any of its streams moved on meanwhile."""
        if stored.stream == GLOBAL_STREAM:
            self.ledgerwide.fold(stored)
            return
        fold = self._incidents.get(stored.stream)
        if fold is None or fold.version != stored.version - 1:
            return  # evicted meanwhile, or not held: read from the store when next used
        fold.fold(stored, states)
        if isinstance(stored.event, ReportFiled):
            self._homes[stored.event.report_id] = stored.stream
        self._held += 1
        self._evict(keep=stored.stream)

    def refresh(self) -> None:
        """Bring every held fold up to date (what `Ledger.sync` promises)."""
        self.current()
        for incident in list(self._incidents):
            self.incident(incident)

    def _evict(self, *, keep: str) -> None:
        while self._held > self._limit and len(self._incidents) > 1:
            incident, fold = next(iter(self._incidents.items()))
            if incident == keep:
                self._incidents.move_to_end(incident)
                continue
            del self._incidents[incident]
            self._held -= fold.version
            for report_id in fold.index.tracks:
                self._homes.pop(report_id, None)

    def report(
        self, report_id: str, *, fresh: bool = True
    ) -> tuple[IncidentFold, ReportState] | None:
        """The report's incident fold and its state now; None for an id nobody filed.
        `fresh` as for `incident`."""
        incident = None if fresh or not isinstance(report_id, str) else self._home(report_id)
        if incident is None:
            if not is_id(report_id):
                return None
            incident = self.store.report_incident(report_id)
        if incident is None:
            return None
        fold = self.incident(incident, fresh=fresh)
        track = fold.index.tracks.get(report_id)
        if track is None and not fresh:  # filed by another writer since the fold was read
            fold = self.incident(incident)
            track = fold.index.tracks.get(report_id)
        if track is None:
            raise ProjectionError(
                "read model",
                f"its reports table puts {report_id!r} in incident {incident!r}, whose "
                "stream has no such report: run `ledger reindex`",
            )
        return fold, track.state

    def _home(self, report_id: str) -> str | None:
        """The incident of a report one of the held folds holds."""
        return self._homes.get(report_id)

    def state(self, *, now: dt.datetime | None = None) -> LedgerState:
        """The state commands are checked against, reading through these folds as they are
        held (see `incident`): bring the streams a batch touches up to date first."""
        ledgerwide = self.current()
        return LedgerState(
            incidents=_Incidents(self),
            sources=ledgerwide.sources,
            reports=_Reports(self),
            taxonomy=ledgerwide.taxonomy,
            fields=ledgerwide.fields,
            language=self._language,
            now=now,
        )


@contextlib.contextmanager
def _replaying(store: Store, position: int) -> Iterator[None]:
    """Folding the stored event at `position`: a domain error there means the log holds
    events no ledger appended (a torn copy, an edit), and says so, naming the position."""
    try:
        yield
    except (StoreError, CodecError):
        raise  # they name the record already
    except LedgerError as exc:
        where = repr(getattr(store, "path", type(store).__name__))
        raise DamagedLedgerError(where, position, f"its events do not replay: {exc}") from exc


class _ReadOnly(MutableMapping[str, Any]):
    """A view that changes only as folds fold stored events; a fork layers writes over it."""

    def __setitem__(self, key: str, value: object) -> None:
        raise TypeError("the ledger's state changes only by appended events")

    def __delitem__(self, key: str) -> None:
        raise TypeError("the ledger's state changes only by appended events")


class _Incidents(_ReadOnly):
    def __init__(self, folds: Folds) -> None:
        self._folds = folds

    def __getitem__(self, incident: str) -> IncidentOpened:
        if not isinstance(incident, str):
            raise KeyError(incident)
        opened = self._folds.incident(incident, fresh=False).opened
        if opened is None:
            raise KeyError(incident)
        return opened

    def __contains__(self, incident: object) -> bool:
        try:
            self[incident]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._folds.store.incident_ids())

    def __len__(self) -> int:
        return len(self._folds.store.incident_ids())


class _Reports(_ReadOnly):
    def __init__(self, folds: Folds) -> None:
        self._folds = folds

    def __getitem__(self, report_id: str) -> ReportState:
        found = self._folds.report(report_id, fresh=False) if isinstance(report_id, str) else None
        if found is None:
            raise KeyError(report_id)
        return found[1]

    def __contains__(self, report_id: object) -> bool:
        return (
            isinstance(report_id, str) and self._folds.store.report_incident(report_id) is not None
        )

    def __iter__(self) -> Iterator[str]:
        for incident in self._folds.store.incident_ids():
            yield from self._folds.incident(incident).index.tracks

    def __len__(self) -> int:
        return sum(1 for _ in self)
