"""Strategies for the ledger's values and for single events, each valid on its own.

An event drawn here is well formed but knows nothing of a log: its report may not exist, its
source may be unregistered. For sequences a ledger accepts, use `ledger.testing.histories`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
from ledger.figures import MAX_COUNT, VAGUE_BOUNDS, Figure, Language
from ledger.taxonomy import DEFAULT_TAXONOMY, ROOT, Dimension
from ledger.values import Period, Provenance, SourceKind, Verification
from ledger.wording import GRAMMARS, language_of

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


@st.composite
def _estimate(
    draw: st.DrawFn, counts: st.SearchStrategy[int], language: Language = Language.EN
) -> Figure:
    low, high = sorted((draw(counts), draw(counts)))
    best = draw(st.integers(min_value=low, max_value=high))
    return Figure.estimate(best=best, low=low, high=high, language=language)


def figures_in(language: Language | str) -> st.SearchStrategy[Figure]:
    """Every kind of figure in `language`, as its constructors word it, over every count."""
    code = language_of(language)

    def worded(make: Callable[..., Figure]) -> Callable[[int], Figure]:
        return lambda n: make(n, language=code)

    return st.one_of(
        counts.map(worded(Figure.exact)),
        counts.map(worded(Figure.at_least)),
        counts.map(worded(Figure.more_than)),
        counts.map(worded(Figure.at_most)),
        st.integers(min_value=1, max_value=MAX_COUNT).map(worded(Figure.fewer_than)),
        counts.map(worded(Figure.about)),
        counts.map(worded(Figure.nearly)),
        st.tuples(counts, counts).map(lambda t: Figure.between(min(t), max(t), language=code)),
        _estimate(counts, code),
        st.sampled_from(sorted(GRAMMARS[code].vague)).map(
            lambda word: Figure.vague(word, language=code)
        ),
        st.just(Figure.unknown(language=code)),
    )


#: Wordings sources publish, one list per language (docs/figures.md has every form).
_SOURCES_WORDS: Final = {
    Language.EN: ("a dozen", "several hundred", "nearly 1.2 thousand", "1.5k",
                  "two hundred and five", "12 or 13", "at least 12 people", "1 300"),
    Language.AR: ("ما لا يقل عن 1864 مدنيًّا", "أكثر من 12 ألفا", "نحو 300", "عشرات",
                  "34 ألفا و473", "ألفين", "نحو 1.4 مليون", "طفلان", "١٢٠٬٨٥٠", "بين 10 و20"),
    Language.FR: ("au moins 104", "plus de 1.500", "1,3 million", "une soixantaine",
                  "des dizaines", "huit (8)", "Quatre vingt-deux", "entre 10 et 50",
                  "jusqu'à cinquante"),
}  # fmt: skip

#: Figures in every language the ledger reads: each language's canonical wordings of every
#: kind, and wordings as sources publish them (Arabic tashkeel, French digit groups, ...).
worded_figures: Final = st.one_of(
    *(figures_in(code) for code in Language),
    st.sampled_from([(text, code) for code, texts in _SOURCES_WORDS.items() for text in texts]).map(
        lambda pair: Figure.parse(pair[0], language=pair[1])
    ),
)

#: Figures of the sizes a real incident has; they shrink to "0", which reads well in reports.
small_figures: Final = st.one_of(
    small_counts.map(Figure.exact),
    small_counts.map(Figure.at_least),
    small_counts.map(Figure.about),
    st.tuples(small_counts, small_counts).map(lambda t: Figure.between(min(t), max(t))),
    st.just(Figure.parse("dozens")),
    _estimate(small_counts),
    small_counts.map(lambda n: Figure.about(n, language=Language.AR)),
    small_counts.map(lambda n: Figure.at_least(n, language=Language.FR)),
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
    notes=st.none() | texts, language=st.none() | st.sampled_from(list(Language)),
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
    place=terms, period=periods(), figure=figures | worded_figures, reported_at=times,
    provenance=provenances,
)  # fmt: skip
revisions: Final = st.builds(
    ReportRevised, incident=ids, report_id=ids, figure=figures | worded_figures, reported_at=times,
    period=st.none() | periods(), provenance=provenances,
)  # fmt: skip
corrections: Final = st.builds(
    ReportCorrected, incident=ids, report_id=ids, version=st.integers(0, 50),
    figure=figures | worded_figures,
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
