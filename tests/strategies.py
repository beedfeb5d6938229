"""Hypothesis strategies for the project's own tests: figures, values and events."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ledger import (
    Dimension,
    Event,
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


# Valid histories: events that a ledger accepts in order, with the minutes its clock advances
# before each. Several incidents and sources interleave; revisions, corrections, retractions
# and voids target reports that exist and allow them.

INCIDENTS = ("inc-a", "inc-b", "inc-c")
SOURCES = ("s1", "s2", "s3")
EPOCH = dt.datetime(2025, 3, 6, tzinfo=dt.UTC)
_GROUPS = ("all", "civilians", "children", "women")
small_figures = st.one_of(
    small_counts.map(Figure.exact),
    small_counts.map(Figure.at_least),
    small_counts.map(Figure.about),
    st.tuples(small_counts, small_counts).map(lambda t: Figure.between(min(t), max(t))),
    st.just(Figure.parse("dozens")),
)
hours = st.integers(0, 96).map(lambda h: dt.timedelta(hours=h))

Step = tuple[int, "Event"]


@st.composite
def histories(  # noqa: C901 - one branch per kind of change, as in the ledger itself
    draw: st.DrawFn, max_reports: int = 12, max_changes: int = 18
) -> list[Step]:
    from ledger.state import LedgerState, ReportStatus  # noqa: PLC0415 - test-only model

    model = LedgerState()
    steps: list[Step] = []

    def add(event: Event) -> None:
        model.check(event)  # the generator must only ever produce valid histories
        model.apply(event)
        steps.append((draw(st.integers(1, 600)), event))

    for incident in INCIDENTS[: draw(st.integers(1, len(INCIDENTS)))]:
        add(IncidentOpened(incident=incident, title=incident))
    for source in SOURCES[: draw(st.integers(1, len(SOURCES)))]:
        add(SourceRegistered(source=source, name=source, kind=SourceKind.MONITOR))
    incidents, sources = list(model.incidents), list(model.sources)
    n_reports = 0
    for _ in range(draw(st.integers(0, max_reports + max_changes))):
        live = [r for r in model.reports.values() if r.status is ReportStatus.LIVE]
        unvoided = [r for r in model.reports.values() if r.status is not ReportStatus.VOIDED]
        ops = ["file"] if n_reports < max_reports else []
        ops += ["revise", "revise", "retract"] if live else []
        ops += ["correct", "correct", "void"] if unvoided else []
        if not ops:
            break
        op = draw(st.sampled_from(ops))
        if op == "file":
            n_reports += 1
            add(ReportFiled(
                incident=draw(st.sampled_from(incidents)), report_id=f"r{n_reports}",
                source=draw(st.sampled_from(sources)),
                metric=draw(st.sampled_from(["killed", "injured"])),
                group=draw(st.sampled_from(_GROUPS)), figure=draw(small_figures),
                reported_at=EPOCH + draw(hours), period=draw(periods()),
            ))  # fmt: skip
            continue
        pool = live if op in ("revise", "retract") else unvoided
        report = draw(st.sampled_from(pool))
        later = report.latest.reported_at + draw(hours)
        incident, rid = report.incident, report.report_id
        if op == "revise":
            add(ReportRevised(incident=incident, report_id=rid, figure=draw(small_figures),
                              reported_at=later))  # fmt: skip
        elif op == "retract":
            add(ReportRetracted(incident=incident, report_id=rid, reported_at=later))
        elif op == "void":
            add(ReportVoided(incident=incident, report_id=rid))
        else:
            version = draw(st.integers(0, len(report.versions) - 1))
            figure = draw(small_figures)
            group = draw(st.none() | st.sampled_from(_GROUPS))
            if figure == report.versions[version].figure and group in (None, report.group):
                continue
            add(ReportCorrected(incident=incident, report_id=rid, version=version, figure=figure,
                                group=group))  # fmt: skip
    return steps
