"""The tally of an incident on two clocks: per source, across sources, and parts against wholes.

Rules, in the order they apply (docs/concepts.md explains each):

1. Only what the ledger had recorded by `known_at` counts, corrections and voids included.
2. A report stands at `as_of` from its first version reported by then, until the source
   retracts it; a voided report never stands. Corrections apply retroactively.
3. Per source and key (metric, group, perpetrator, place), the standing report reported
   most recently supersedes the others (ties go to the one filed later).
4. Figures of different sources are never added: they are compared, as a span.
5. Within one source, the nearest parts below a whole in one dimension (children and women
   below civilians) must fit inside it: their lower bounds may not add up past its upper
   bound. Sibling terms of a taxonomy are disjoint by convention ("women" means adult women).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from typing import Final

import attrs

from ledger.figures import Figure
from ledger.model import ReportState, VersionState
from ledger.taxonomy import ROOT, Dimension, Taxonomy
from ledger.values import Period, Provenance

_DIMENSIONS: Final = (Dimension.GROUP, Dimension.BY, Dimension.PLACE)


@attrs.frozen(kw_only=True, slots=True, order=True)
class Key:
    """What a figure counts: a metric, of a victim group, by a perpetrator, in a place."""

    metric: str
    group: str = ROOT
    by: str = ROOT
    place: str = ROOT

    def term(self, dimension: Dimension) -> str:
        term: str = getattr(self, dimension.value)
        return term

    def __str__(self) -> str:
        return f"{self.metric}/{self.group}/{self.by}/{self.place}"


@attrs.frozen(kw_only=True, slots=True)
class TallyEntry:
    """A source's effective figure for one key, and the report version it came from."""

    source: str
    key: Key
    figure: Figure
    report_id: str
    version: int
    reported_at: dt.datetime
    period: Period
    provenance: Provenance


@attrs.frozen(kw_only=True, slots=True)
class Span:
    """One key across sources: the lowest and highest figures, and who disagrees."""

    key: Key
    entries: tuple[TallyEntry, ...]
    #: The lowest lower bound and the highest upper bound (None: some figure is open).
    low: int
    high: int | None
    #: The sources whose figure has the lowest lower bound, and the highest upper bound.
    lowest: tuple[str, ...]
    highest: tuple[str, ...]
    #: Sources whose figure cannot describe the same count as some other source's.
    disagreeing: tuple[str, ...]
    #: Each pair of entries whose figures cannot describe the same count, by source.
    conflicts: tuple[tuple[TallyEntry, TallyEntry], ...] = ()

    @property
    def agree(self) -> bool:
        return not self.disagreeing

    @property
    def bests(self) -> tuple[int, int] | None:
        """The lowest and highest best estimate among the sources that give one ("12 (10-15)",
        "about 300", an exact count), or None if none does. The bounds stay the comparison;
        this is what to plot or rank by."""
        bests = [e.figure.best for e in self.entries if e.figure.best is not None]
        return (min(bests), max(bests)) if bests else None

    def conflicting(self, source: str) -> tuple[TallyEntry, ...]:
        """The entries of other sources whose figures conflict with `source`'s."""
        return tuple(
            b if a.source == source else a
            for a, b in self.conflicts
            if source in (a.source, b.source)
        )


@attrs.frozen(kw_only=True, slots=True)
class PartsCheck:
    """Whether one source's parts (children, women) fit inside its whole (civilians)."""

    source: str
    dimension: Dimension
    whole: TallyEntry
    parts: tuple[TallyEntry, ...]
    #: The sum of the parts' lower bounds.
    parts_low: int

    @property
    def consistent(self) -> bool:
        high = self.whole.figure.high
        return high is None or self.parts_low <= high

    @property
    def parts_best(self) -> int | None:
        """The sum of the parts' best estimates, if every part gives one; the verdict
        (`consistent`) stays on the bounds, which a best estimate never narrows."""
        bests = [p.figure.best for p in self.parts]
        return None if None in bests else sum(b for b in bests if b is not None)

    def __str__(self) -> str:
        parts = " + ".join(f"{p.figure} {p.key.term(self.dimension)}" for p in self.parts)
        verdict = "fit inside" if self.consistent else "exceed"
        whole = self.whole
        return f"{self.source}: {parts} {verdict} {whole.figure} {whole.key.term(self.dimension)}"


@attrs.frozen(kw_only=True, slots=True, repr=False)
class Tally:
    """`repr` is one line that says what the tally holds; a notebook shows its entries, the
    spans of keys that several sources report, and the parts checks as tables."""

    incident: str
    as_of: dt.datetime | None
    known_at: dt.datetime | None
    occurred_by: dt.date | None
    #: Per source and key, sorted by source then key.
    entries: tuple[TallyEntry, ...]
    #: Per key across sources, sorted by key.
    spans: tuple[Span, ...]
    #: The vocabulary the parts checks read their wholes and parts from, as it stood when
    #: the tally was asked for (a taxonomy never changes: extending one makes another).
    taxonomy: Taxonomy = attrs.field(eq=False, repr=False)

    @functools.cached_property
    def checks(self) -> tuple[PartsCheck, ...]:
        """Per source, every whole that has parts in this tally. Worked out when first
        read, from the entries: a tally asked for its figures alone need not pay for them."""
        return _checks(self.entries, self.taxonomy)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({e.source for e in self.entries}))

    @property
    def inconsistencies(self) -> tuple[PartsCheck, ...]:
        return tuple(c for c in self.checks if not c.consistent)

    def entry(
        self, source: str, metric: str, group: str = ROOT, by: str = ROOT, place: str = ROOT
    ) -> TallyEntry | None:
        key = Key(metric=metric, group=group, by=by, place=place)
        return next((e for e in self.entries if e.source == source and e.key == key), None)

    def span(
        self, metric: str, group: str = ROOT, by: str = ROOT, place: str = ROOT
    ) -> Span | None:
        key = Key(metric=metric, group=group, by=by, place=place)
        return next((s for s in self.spans if s.key == key), None)

    def __repr__(self) -> str:
        shared = [s for s in self.spans if len(s.entries) > 1]
        conflicts = sum(1 for s in shared if not s.agree)
        occurred = "" if self.occurred_by is None else f", occurred by {self.occurred_by}"
        return (
            f"<Tally of {self.incident!r} as of {_cut(self.as_of)}, known at "
            f"{_cut(self.known_at)}{occurred}: {_count(len(self.entries), 'entry', 'entries')} "
            f"from {_count(len(self.sources), 'source')}; "
            f"{_count(len(shared), 'key')} across sources ({conflicts} in conflict); "
            f"{_count(len(self.checks), 'parts check')} ({len(self.inconsistencies)} failing)>"
        )

    def _repr_html_(self) -> str:
        from ledger import _html  # noqa: PLC0415 - only notebooks need it

        caption = (
            f"Tally of {self.incident}: as reported by {_html.when(self.as_of)}, as the "
            f"ledger {_html.knows(self.known_at)}"
            + ("" if self.occurred_by is None else f", occurring by {self.occurred_by}")
        )
        if not self.entries:
            return _html.table(caption, [], [], notes=["No figures stand."])
        headers = ["source", "metric", "group", "by", "place", "figure", "low", "high", "best"]
        headers += ["reported", "report", "v", "via", "quote"]
        rows = (
            [
                e.source,
                *_terms(e.key),
                e.figure.text,
                e.figure.low,
                "open" if e.figure.high is None else e.figure.high,
                e.figure.best,
                e.reported_at,
                e.report_id,
                e.version,
                e.provenance.via,
                _html.clip(e.provenance.quote),
            ]
            for e in self.entries
        )
        out = [_html.table(caption, headers, rows, total=len(self.entries))]
        shared = [s for s in self.spans if len(s.entries) > 1]
        if shared:
            out.append(
                _html.table(
                    "Across sources (compared, never added)",
                    ["metric", "group", "by", "place", "low", "high", "sources", "conflicts"],
                    (
                        [
                            *_terms(s.key),
                            s.low,
                            "open" if s.high is None else s.high,
                            [e.source for e in s.entries],
                            [
                                f"{a.source} {a.figure} vs {b.source} {b.figure}"
                                for a, b in s.conflicts
                            ],
                        ]
                        for s in shared
                    ),
                    total=len(shared),
                )
            )
        if self.checks:
            out.append(
                _html.table(
                    "Parts within wholes, per source",
                    ["source", "whole", "parts", "parts low", "verdict"],
                    (
                        [
                            c.source,
                            f"{c.whole.figure} {c.whole.key.term(c.dimension)}",
                            " + ".join(f"{p.figure} {p.key.term(c.dimension)}" for p in c.parts),
                            c.parts_low,
                            "fit inside" if c.consistent else "EXCEED",
                        ]
                        for c in self.checks
                    ),
                    total=len(self.checks),
                )
            )
        return "".join(out)

    def compared(self, *, since: dt.datetime | None) -> tuple[Span, ...]:
        """The spans across sources of only the figures reported after `since` (all, if
        None): a stale figure left standing by a source that stopped counting is not
        weighed against this morning's."""
        if since is None:
            return self.spans
        rows = [((e.source, *_terms(e.key)), e) for e in self.entries if e.reported_at > since]
        return _spans(rows)


def compute_tally(
    reports: Iterable[tuple[ReportState, int]],
    *,
    taxonomy: Taxonomy,
    incident: str,
    as_of: dt.datetime | None,
    known_at: dt.datetime | None,
    occurred_by: dt.date | None,
) -> Tally:
    """The tally from the reports as known at `known_at`, each with the position of its
    filing (see the module's rules)."""
    return tally_of(
        standing_versions(reports, as_of=as_of, occurred_by=occurred_by),
        taxonomy=taxonomy,
        incident=incident,
        as_of=as_of,
        known_at=known_at,
        occurred_by=occurred_by,
    )


#: (source, metric, group, by, place): a tally's entries are per slot.
_Slot = tuple[str, str, str, str, str]
#: A report's version that stands (rule 2): its slot, report id, version index, the version
#: itself, and the position of the report's filing.
Standing = tuple[_Slot, str, int, VersionState, int]


def standing_versions(
    reports: Iterable[tuple[ReportState, int]],
    *,
    as_of: dt.datetime | None,
    occurred_by: dt.date | None,
) -> Iterator[Standing]:
    """Each report's version standing at `as_of` (rule 2), for those that have one."""
    for report, filed_at in reports:
        index = report.version_as_of(as_of, occurred_by=occurred_by)
        if index is not None:
            slot = (report.source, report.metric, report.group, report.by, report.place)
            yield slot, report.report_id, index, report.versions[index], filed_at


def tally_of(
    standing: Iterable[Standing],
    *,
    taxonomy: Taxonomy,
    incident: str,
    as_of: dt.datetime | None,
    known_at: dt.datetime | None,
    occurred_by: dt.date | None,
) -> Tally:
    """The tally of the versions that stand: rules 3 to 5, whoever chose them (the incident's
    fold, or the read model's tables checked against the log: `ledger._standing`)."""
    # Slots are plain tuples (source, metric, group, by, place), which hash and sort in
    # C; `Key` objects, whose attrs-generated ordering runs Python per comparison, are
    # built only for the winners. The order is the same: Key orders as that tuple.
    best: dict[_Slot, tuple[tuple[dt.datetime, int], str, int, VersionState]] = {}
    for slot, report_id, index, version, filed_at in standing:
        rank = (version.reported_at, filed_at)
        held = best.get(slot)
        if held is not None and held[0] >= rank:
            continue
        best[slot] = (rank, report_id, index, version)
    rows = []
    for slot in sorted(best):
        _, report_id, index, version = best[slot]
        rows.append(
            (
                slot,
                TallyEntry(
                    source=slot[0],
                    key=_key(slot[1], slot[2], slot[3], slot[4]),
                    figure=version.figure,
                    report_id=report_id,
                    version=index,
                    reported_at=version.reported_at,
                    period=version.period,
                    provenance=version.provenance,
                ),
            ),
        )
    ordered = tuple(entry for _, entry in rows)
    return Tally(
        incident=incident,
        as_of=as_of,
        known_at=known_at,
        occurred_by=occurred_by,
        entries=ordered,
        spans=_spans(rows),
        taxonomy=taxonomy,
    )


@functools.lru_cache(maxsize=65_536)
def _key(metric: str, group: str, by: str, place: str) -> Key:
    """Keys are immutable, and a tally names the same few again and again: share them."""
    return Key(metric=metric, group=group, by=by, place=place)


def _cut(value: dt.datetime | None) -> str:
    """A clock's cut in a one-line repr: None is now."""
    return "now" if value is None else value.isoformat()


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _terms(key: Key) -> tuple[str, str, str, str]:
    return (key.metric, key.group, key.by, key.place)


def _spans(rows: list[tuple[_Slot, TallyEntry]]) -> tuple[Span, ...]:
    """Per key, the entries of every source; `rows` are (slot, entry), as compute_tally
    made them."""
    by_key: dict[tuple[str, ...], list[TallyEntry]] = {}
    for slot, entry in rows:
        by_key.setdefault(slot[1:], []).append(entry)
    spans = []
    for terms in sorted(by_key):
        group = by_key[terms]
        if len(group) == 1:
            # One source: nothing to compare, and most keys of a tally have only one.
            only = group[0]
            figure, sources = only.figure, (only.source,)
            spans.append(
                Span(
                    key=only.key,
                    entries=(only,),
                    low=figure.low,
                    high=figure.high,
                    lowest=sources,
                    highest=sources,
                    disagreeing=(),
                )
            )
            continue
        low = min(e.figure.low for e in group)
        highs = [e.figure.high for e in group]
        high = None if None in highs else max(h for h in highs if h is not None)
        conflicts = tuple(
            (a, b)
            for i, a in enumerate(group)
            for b in group[i + 1 :]
            if not a.figure.overlaps(b.figure)
        )
        disagreeing = {source for pair in conflicts for source in (pair[0].source, pair[1].source)}
        spans.append(
            Span(
                key=group[0].key,
                entries=tuple(group),
                low=low,
                high=high,
                lowest=tuple(e.source for e in group if e.figure.low == low),
                highest=tuple(e.source for e in group if e.figure.high == high),
                disagreeing=tuple(sorted(disagreeing)),
                conflicts=conflicts,
            ),
        )
    return tuple(spans)


def _checks(entries: tuple[TallyEntry, ...], taxonomy: Taxonomy) -> tuple[PartsCheck, ...]:
    """Per whole (in entry order) and dimension, its nearest parts within its own source.

    Parts are only ever sought among entries of the same source whose key is equal outside
    the dimension: entries are grouped by dimension, source and the rest of the key, and
    only groups of two or more can hold a whole and its parts. Each term's ancestors are
    looked up once.
    """
    # Per dimension (as _DIMENSIONS): entries keyed by source and the rest of their key.
    peers: tuple[_Peers, _Peers, _Peers] = ({}, {}, {})
    for order, entry in enumerate(entries):
        key, source = entry.key, entry.source
        metric, group, by, place = key.metric, key.group, key.by, key.place
        peers[0].setdefault((source, metric, by, place), []).append((order, group, entry))
        peers[1].setdefault((source, metric, group, place), []).append((order, by, entry))
        peers[2].setdefault((source, metric, group, by), []).append((order, place, entry))
    ancestors: dict[tuple[Dimension, str], tuple[str, ...]] = {}

    def above(dimension: Dimension, term: str) -> tuple[str, ...]:
        found = ancestors.get((dimension, term))
        if found is None:
            found = ancestors[dimension, term] = tuple(taxonomy.ancestors(dimension, term))
        return found

    found: list[tuple[int, int, PartsCheck]] = []
    for rank, dimension in enumerate(_DIMENSIONS):
        for (source, *_), members in peers[rank].items():
            if len(members) < 2:  # noqa: PLR2004 - a whole and at least one part
                continue
            for order, top, whole in members:
                below = {
                    term: entry
                    for _, term, entry in members
                    if term != top and top in above(dimension, term)
                }
                parts = tuple(
                    entry
                    for term, entry in below.items()
                    if not any(a in below for a in above(dimension, term) if a != top)
                )
                if parts:
                    check = PartsCheck(
                        source=source,
                        dimension=dimension,
                        whole=whole,
                        parts=parts,
                        parts_low=sum(p.figure.low for p in parts),
                    )
                    found.append((order, rank, check))
    found.sort(key=lambda f: f[:2])
    return tuple(check for _, _, check in found)


#: Entries of one source whose keys differ in one dimension only: (order, term, entry).
_Peers = dict[tuple[str, str, str, str], list[tuple[int, str, TallyEntry]]]
