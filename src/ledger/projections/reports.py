"""The bitemporal report index: every report's events, grouped by incident.

This is the index that makes as-of queries cheap. It keeps, per report, the events that
touched it, each with its position and recorded time; the state of a report as the ledger
knew it at any instant is a fold over a prefix of that short list. A tally of one incident
therefore costs a walk over that incident's reports, however long the whole log grows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Final

import attrs

from ledger.codec import EVENTS, EventRegistry, format_time, parse_time
from ledger.errors import CodecError
from ledger.events import REPORT_EVENTS, Event, SourceRegistered, StoredEvent, TaxonomyExtended
from ledger.state import ReportState, fold_report
from ledger.taxonomy import DEFAULT_TAXONOMY, Dimension, Taxonomy


@attrs.frozen(kw_only=True, slots=True)
class Fact:
    """One stored event about one report: what it said, when and by whom it was recorded."""

    position: int
    recorded_at: dt.datetime
    actor: str
    reason: str | None
    event: Event


@attrs.define(kw_only=True, slots=True)
class ReportIndex:
    #: report id -> its facts, in log order.
    facts: dict[str, list[Fact]] = attrs.field(factory=dict)
    #: incident -> the ids of its reports, in filing order.
    by_incident: dict[str, list[str]] = attrs.field(factory=dict)
    #: source id -> its registration.
    sources: dict[str, SourceRegistered] = attrs.field(factory=dict)
    taxonomy: Taxonomy = DEFAULT_TAXONOMY

    def report_ids(self, incident: str) -> list[str]:
        return self.by_incident.get(incident, [])

    def known(
        self, report_id: str, known_at: dt.datetime | None = None
    ) -> tuple[ReportState, Fact] | None:
        """The report as the ledger knew it at `known_at` (None: now), with its filing fact.

        Corrections and voids recorded by then are applied: they are retroactive on the
        reported clock, but exist on the recorded clock only from when they were recorded.
        """
        facts = self.facts[report_id]
        if known_at is not None and facts[0].recorded_at > known_at:
            return None
        state: ReportState | None = None
        for fact in facts:
            if known_at is not None and fact.recorded_at > known_at:
                break  # recorded_at never decreases along the log
            state = fold_report(state, fact.event)
        assert state is not None  # noqa: S101 - the first fact is the filing
        return state, facts[0]

    def known_reports(
        self,
        incident: str,
        known_at: dt.datetime | None = None,
        *,
        current: Mapping[str, ReportState] | None = None,
    ) -> Iterator[tuple[ReportState, Fact]]:
        """The incident's reports as known at `known_at`. Pass `current`, the reports as they
        stand after every fact (a `LedgerState`'s), to skip refolding them when known_at is
        now: that turns a tally of now from a walk over events into one over reports."""
        if known_at is None and current is not None:
            for report_id in self.report_ids(incident):
                yield current[report_id], self.facts[report_id][0]
            return
        for report_id in self.report_ids(incident):
            known = self.known(report_id, known_at)
            if known is not None:
                yield known


class ReportIndexProjection:
    """Builds a `ReportIndex` from the log; run by a `ProjectionRunner` like any projection."""

    name: Final = "ledger.report-index"
    version: Final = 1

    def __init__(self, registry: EventRegistry = EVENTS) -> None:
        self._registry = registry

    def initial(self) -> ReportIndex:
        return ReportIndex()

    def apply(self, state: ReportIndex, event: StoredEvent) -> ReportIndex:
        inner = event.event
        if isinstance(inner, REPORT_EVENTS):
            fact = Fact(
                position=event.position,
                recorded_at=event.recorded_at,
                actor=event.actor,
                reason=event.reason,
                event=inner,
            )
            facts = state.facts.get(inner.report_id)
            if facts is None:
                state.facts[inner.report_id] = [fact]
                state.by_incident.setdefault(inner.incident, []).append(inner.report_id)
            else:
                facts.append(fact)
        elif isinstance(inner, SourceRegistered):
            state.sources[inner.source] = inner
        elif isinstance(inner, TaxonomyExtended):
            state.taxonomy = state.taxonomy.extended(inner.dimension, inner.term, inner.parent)
        return state

    def dump(self, state: ReportIndex) -> bytes:
        # The index holds events, so it is stored the way the log stores them: by the codec.
        def encode(event: Event) -> object:
            return json.loads(self._registry.encode(event, event_id="", actor="", reason=None))

        facts = {
            report_id: [
                [f.position, format_time(f.recorded_at), f.actor, f.reason, encode(f.event)]
                for f in facts
            ]
            for report_id, facts in state.facts.items()
        }
        body = {
            "facts": facts,
            "by_incident": state.by_incident,
            "sources": [encode(s) for s in state.sources.values()],
            "taxonomy": [
                encode(TaxonomyExtended(dimension=d, term=t, parent=p))
                for d, t, p in _extensions(state.taxonomy)
            ],
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    def load(self, data: bytes) -> ReportIndex:
        try:
            body = json.loads(data)

            def decode(raw: dict[str, object]) -> Event:
                return self._registry.decode(json.dumps(raw)).event

            index = ReportIndex(by_incident=body["by_incident"])
            for report_id, facts in body["facts"].items():
                index.facts[report_id] = [
                    Fact(
                        position=p,
                        recorded_at=parse_time(r),
                        actor=a,
                        reason=why,
                        event=decode(e),
                    )
                    for p, r, a, why, e in facts
                ]
            for raw in body["sources"]:
                source = decode(raw)
                assert isinstance(source, SourceRegistered)  # noqa: S101
                index.sources[source.source] = source
            for raw in body["taxonomy"]:
                ext = decode(raw)
                assert isinstance(ext, TaxonomyExtended)  # noqa: S101
                index.taxonomy = index.taxonomy.extended(ext.dimension, ext.term, ext.parent)
        except (LookupError, TypeError, ValueError, AssertionError) as exc:
            raise CodecError(f"checkpoint of {self.name!r} cannot be loaded: {exc}") from exc
        return index


def _extensions(taxonomy: Taxonomy) -> Iterator[tuple[Dimension, str, str | None]]:
    """The terms `taxonomy` adds to the default one, parents before children."""
    for dimension in Dimension:
        default = DEFAULT_TAXONOMY.terms(dimension)
        for term, parent in taxonomy.terms(dimension).items():
            if term not in default:
                yield dimension, term, parent
