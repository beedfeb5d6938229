"""Hypothesis strategies for the project's own tests: figures, values and events."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ledger import (
    Dimension,
    Figure,
    IncidentOpened,
    Period,
    Provenance,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceKind,
    SourceRegistered,
    TaxonomyExtended,
    Verification,
)
from ledger.figures import MAX_COUNT, VAGUE_BOUNDS

counts = st.integers(min_value=0, max_value=MAX_COUNT)
small_counts = st.integers(min_value=0, max_value=5_000)


@st.composite
def _range(draw: st.DrawFn) -> Figure:
    low = draw(counts)
    high = draw(st.integers(min_value=low, max_value=MAX_COUNT))
    return Figure.between(low, high)


figures = st.one_of(
    counts.map(Figure.exact),
    counts.map(Figure.at_least),
    counts.map(Figure.more_than),
    counts.map(Figure.at_most),
    st.integers(min_value=1, max_value=MAX_COUNT).map(Figure.fewer_than),
    counts.map(Figure.about),
    counts.map(Figure.nearly),
    _range(),
    st.sampled_from(sorted(VAGUE_BOUNDS)).map(Figure.vague),
    st.just(Figure.unknown()),
)

#: Figures as sources write them: odd spacing and case, thousands separators, synonyms.
_PHRASES = ("at least", "No fewer than", "more than", "over", "up to", "fewer than",
            "about", "around", "approximately", "some", "nearly", "almost")  # fmt: skip
phrased_figures = st.builds(
    lambda phrase, n, sep: Figure.parse(f"{phrase}{sep}{n:,}"),
    st.sampled_from(_PHRASES),
    st.integers(min_value=1, max_value=10**7),
    st.sampled_from([" ", "  ", "\t"]),
)

ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)
terms = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
texts = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60)
nonblank = texts.filter(lambda s: s.strip() != "")
times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2040, 1, 1),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=3)),
                               dt.timezone(dt.timedelta(hours=-5))]),
)  # fmt: skip
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1))


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start, end = draw(st.none() | dates), draw(st.none() | dates)
    if start is not None and end is not None and start > end:
        start, end = end, start
    return Period(start=start, end=end)


provenances = st.builds(
    Provenance,
    via=st.none() | nonblank,
    citation=st.none() | nonblank,
    quote=st.none() | texts,
    verification=st.sampled_from(Verification),
    notes=st.none() | texts,
)

events = st.one_of(
    st.builds(IncidentOpened, incident=ids, title=nonblank, places=st.lists(terms, max_size=3),
              started_on=st.none() | dates),
    st.builds(SourceRegistered, source=ids, name=nonblank, kind=st.sampled_from(SourceKind),
              url=st.none() | nonblank, notes=st.none() | texts),
    st.builds(TaxonomyExtended, dimension=st.just(Dimension.METRIC), term=terms,
              parent=st.none()),
    st.builds(TaxonomyExtended, dimension=st.sampled_from(list(Dimension)[1:]), term=terms,
              parent=terms),
    st.builds(ReportFiled, incident=ids, report_id=ids, source=ids, metric=terms, group=terms,
              by=terms, place=terms, period=periods(), figure=figures, reported_at=times,
              provenance=provenances),
    st.builds(ReportRevised, incident=ids, report_id=ids, figure=figures, reported_at=times,
              period=st.none() | periods(), provenance=provenances),
    st.builds(ReportCorrected, incident=ids, report_id=ids, version=st.integers(0, 50),
              figure=figures, reported_at=st.none() | times, group=st.none() | terms),
    st.builds(ReportRetracted, incident=ids, report_id=ids, reported_at=times,
              provenance=provenances),
    st.builds(ReportVoided, incident=ids, report_id=ids),
)  # fmt: skip
