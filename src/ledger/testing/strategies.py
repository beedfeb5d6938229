"""Strategies for the ledger's values and for single events, each valid on its own.

An event drawn here is well formed but knows nothing of a log: its report may not exist, its
source may be unregistered. For sequences a ledger accepts, use `ledger.testing.histories`.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from hypothesis import strategies as st

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
from ledger.figures import MAX_COUNT, VAGUE_BOUNDS, Figure
from ledger.taxonomy import DEFAULT_TAXONOMY, ROOT, Dimension
from ledger.values import Period, Provenance, SourceKind, Verification

counts: Final = st.integers(min_value=0, max_value=MAX_COUNT)
small_counts: Final = st.integers(min_value=0, max_value=5_000)


@st.composite
def _range(draw: st.DrawFn, counts: st.SearchStrategy[int]) -> Figure:
    low = draw(counts)
    high = draw(st.integers(min_value=low, max_value=max(low, MAX_COUNT)))
    return Figure.between(low, high)


#: Every kind of figure, over the whole range of counts.
figures: Final = st.one_of(
    counts.map(Figure.exact),
    counts.map(Figure.at_least),
    counts.map(Figure.more_than),
    counts.map(Figure.at_most),
    st.integers(min_value=1, max_value=MAX_COUNT).map(Figure.fewer_than),
    counts.map(Figure.about),
    counts.map(Figure.nearly),
    _range(counts),
    st.sampled_from(sorted(VAGUE_BOUNDS)).map(Figure.vague),
    st.just(Figure.unknown()),
)

#: Figures of the sizes a real incident has; they shrink to "0", which reads well in reports.
small_figures: Final = st.one_of(
    small_counts.map(Figure.exact),
    small_counts.map(Figure.at_least),
    small_counts.map(Figure.about),
    st.tuples(small_counts, small_counts).map(lambda t: Figure.between(min(t), max(t))),
    st.just(Figure.parse("dozens")),
)

#: Figures as sources write them: odd spacing and case, thousands separators, synonyms.
_PHRASES: Final = ("at least", "No fewer than", "more than", "over", "up to", "fewer than",
                   "about", "around", "approximately", "some", "nearly", "almost")  # fmt: skip
phrased_figures: Final = st.builds(
    lambda phrase, n, sep: Figure.parse(f"{phrase}{sep}{n:,}"),
    st.sampled_from(_PHRASES),
    st.integers(min_value=1, max_value=10**7),
    st.sampled_from([" ", "  ", "\t"]),
)

#: Identifiers of incidents, sources and reports.
ids: Final = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)
#: New taxonomy terms (slugs); `metrics`, `groups`, `perpetrators` and `places` draw known ones.
terms: Final = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
texts: Final = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60
)
nonblank: Final = texts.filter(lambda s: s.strip() != "")
times: Final = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; zones follow
    max_value=dt.datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=3)),
                               dt.timezone(dt.timedelta(hours=-5))]),
)  # fmt: skip
dates: Final = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1))
source_kinds: Final = st.sampled_from(SourceKind)


def _known(dimension: Dimension) -> st.SearchStrategy[str]:
    # Sorted, with the root first, so that examples shrink to "all" (or the first metric).
    terms = sorted(DEFAULT_TAXONOMY.terms(dimension), key=lambda t: (t != ROOT, t))
    return st.sampled_from(terms)


metrics: Final = _known(Dimension.METRIC)
groups: Final = _known(Dimension.GROUP)
perpetrators: Final = _known(Dimension.BY)
#: The default taxonomy knows one place, "all"; histories add named places as they go.
places: Final = _known(Dimension.PLACE)


@st.composite
def periods(draw: st.DrawFn, dates: st.SearchStrategy[dt.date] = dates) -> Period:
    start, end = draw(st.none() | dates), draw(st.none() | dates)
    if start is not None and end is not None and start > end:
        start, end = end, start
    return Period(start=start, end=end)


provenances: Final = st.builds(
    Provenance,
    via=st.none() | nonblank,
    citation=st.none() | nonblank,
    quote=st.none() | texts,
    verification=st.sampled_from(Verification),
    notes=st.none() | texts,
)

incidents: Final = st.builds(
    IncidentOpened, incident=ids, title=nonblank, places=st.lists(terms, max_size=3),
    started_on=st.none() | dates,
)  # fmt: skip
sources: Final = st.builds(
    SourceRegistered, source=ids, name=nonblank, kind=source_kinds, url=st.none() | nonblank,
    notes=st.none() | texts,
)  # fmt: skip
taxonomy_extensions: Final = st.one_of(
    st.builds(TaxonomyExtended, dimension=st.just(Dimension.METRIC), term=terms,
              parent=st.none()),
    st.builds(TaxonomyExtended, dimension=st.sampled_from(list(Dimension)[1:]), term=terms,
              parent=terms),
)  # fmt: skip
#: Reports with any terms: valid alone, but a ledger accepts them only once the incident,
#: source and terms exist.
reports: Final = st.builds(
    ReportFiled, incident=ids, report_id=ids, source=ids, metric=terms, group=terms, by=terms,
    place=terms, period=periods(), figure=figures, reported_at=times, provenance=provenances,
)  # fmt: skip
revisions: Final = st.builds(
    ReportRevised, incident=ids, report_id=ids, figure=figures, reported_at=times,
    period=st.none() | periods(), provenance=provenances,
)  # fmt: skip
corrections: Final = st.builds(
    ReportCorrected, incident=ids, report_id=ids, version=st.integers(0, 50), figure=figures,
    reported_at=st.none() | times, group=st.none() | terms,
)  # fmt: skip
retractions: Final = st.builds(
    ReportRetracted, incident=ids, report_id=ids, reported_at=times, provenance=provenances
)
voids: Final = st.builds(ReportVoided, incident=ids, report_id=ids)

#: Any one event, well formed on its own (not necessarily accepted by a given ledger).
events: st.SearchStrategy[Event] = st.one_of(
    incidents, sources, taxonomy_extensions, reports, revisions, corrections, retractions, voids
)
