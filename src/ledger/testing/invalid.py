"""Commands a ledger must refuse, each with the typed error it must raise, for negative tests.

`invalid_commands(ledger)` looks at what the ledger holds now and draws a command that is
wrong *for that ledger*: a report from an unregistered source, a revision of a retracted
report, a correction of a voided one, a revision dated before the version it revises...
`InvalidCommand.check(ledger)` runs it and asserts the promise: the right `LedgerError`, and
nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container

import attrs
from hypothesis import strategies as st

from ledger.errors import (
    AlreadyExistsError,
    FigureError,
    LedgerError,
    ReportStateError,
    UnknownIncidentError,
    UnknownReportError,
    UnknownSourceError,
    UnknownTermError,
    ValidationError,
)
from ledger.ledger import Ledger
from ledger.model import ReportState, ReportStatus
from ledger.state import LedgerState
from ledger.taxonomy import Dimension
from ledger.testing.histories import EPOCH
from ledger.testing.strategies import ids, terms

_BAD_FIGURES = ("-5", "\u22125", "between 9 and 3", "lots", "", "1.300", "12 (20-30)")


@attrs.frozen(kw_only=True, slots=True)
class InvalidCommand:
    """A command, the error it must raise, and what it is, for the failure message."""

    description: str
    error: type[LedgerError]
    run: Callable[[Ledger], object] = attrs.field(repr=False)

    def check(self, ledger: Ledger) -> LedgerError:
        """Run the command; assert it raises `error` and leaves the log as it was."""
        before = ledger.digest()
        try:
            self.run(ledger)
        except LedgerError as exc:
            if not isinstance(exc, self.error):
                raise AssertionError(  # noqa: TRY004 - a failed check, not a bad argument
                    f"{self.description}: expected {self.error.__name__}, got {exc!r}"
                ) from exc
            caught = exc
        else:
            raise AssertionError(f"{self.description}: expected {self.error.__name__}, no error")
        if (after := ledger.digest()) != before:
            raise AssertionError(
                f"{self.description}: refused, but the log moved from {before} to {after}"
            )
        return caught


def _state(ledger: Ledger) -> LedgerState:
    state = LedgerState()
    for stored in ledger.events():
        state.apply(stored.event)
    return state


def _fresh(taken: Container[str]) -> st.SearchStrategy[str]:
    return ids.filter(lambda i: i not in taken)


@st.composite
def invalid_commands(draw: st.DrawFn, ledger: Ledger) -> InvalidCommand:  # noqa: C901
    """A command that `ledger`, as it stands when drawn, must refuse with a typed error."""
    state = _state(ledger)
    incidents, sources = sorted(state.incidents), sorted(state.sources)
    reports = list(state.reports.values())
    when = EPOCH
    options: list[Callable[[], InvalidCommand]] = []

    def file(description: str, error: type[LedgerError], **fields: object) -> InvalidCommand:
        kwargs: dict[str, object] = {
            "source": sources[0] if sources else "nobody", "metric": "killed", "figure": "3",
            "reported_at": when,
        }  # fmt: skip
        kwargs.update(fields)
        incident = str(kwargs.pop("incident", incidents[0] if incidents else "nowhere"))
        return InvalidCommand(
            description=description,
            error=error,
            run=lambda ledger: ledger.file_report(incident, **kwargs),  # type: ignore[arg-type]
        )

    def unknown_incident() -> InvalidCommand:
        incident = draw(_fresh(state.incidents))
        return file(f"file into unknown incident {incident!r}", UnknownIncidentError,
                    incident=incident)  # fmt: skip

    options.append(unknown_incident)
    if incidents:

        def unknown_source() -> InvalidCommand:
            source = draw(_fresh(state.sources))
            return file(f"file from unknown source {source!r}", UnknownSourceError, source=source)

        def reopen() -> InvalidCommand:
            incident = draw(st.sampled_from(incidents))
            return InvalidCommand(
                description=f"open incident {incident!r} again",
                error=AlreadyExistsError,
                run=lambda ledger: ledger.open_incident(incident, title="again"),
            )

        options += [unknown_source, reopen]
    if incidents and sources:

        def unknown_term() -> InvalidCommand:
            field = draw(st.sampled_from(["metric", "group", "by", "place"]))
            taken = state.taxonomy.terms(Dimension(field))
            term = draw(terms.filter(lambda t: t not in taken))
            return file(f"file with unknown {field} {term!r}", UnknownTermError, **{field: term})

        def bad_figure() -> InvalidCommand:
            text = draw(st.sampled_from(_BAD_FIGURES))
            return file(f"file with figure {text!r}", FigureError, figure=text)

        def naive_time() -> InvalidCommand:
            naive = when.replace(tzinfo=None)
            return file("file with a naive reported_at", ValidationError, reported_at=naive)

        def unknown_language() -> InvalidCommand:
            code = draw(st.sampled_from(["de", "english", "", "AR-EG"]))
            return file(f"file in unknown language {code!r}", FigureError, language=code)

        def foreign_wording() -> InvalidCommand:
            # A dot groups thousands in French only: an English report must refuse it.
            return file("file '1.300' in English", FigureError, figure="1.300", language="en")

        options += [unknown_term, bad_figure, naive_time, unknown_language, foreign_wording]
    if sources:

        def reregister() -> InvalidCommand:
            source = draw(st.sampled_from(sources))
            return InvalidCommand(
                description=f"register source {source!r} again",
                error=AlreadyExistsError,
                run=lambda ledger: ledger.register_source(source, name="again", kind="ngo"),
            )

        options.append(reregister)

    def unknown_report() -> InvalidCommand:
        rid = draw(_fresh(state.reports))
        return InvalidCommand(
            description=f"revise unknown report {rid!r}",
            error=UnknownReportError,
            run=lambda ledger: ledger.revise_report(rid, figure="3", reported_at=when),
        )

    options.append(unknown_report)
    options += _report_options(draw, state, reports)
    return draw(st.sampled_from(options))()


def _report_options(  # noqa: C901 - one option per rule a report's state imposes
    draw: st.DrawFn, state: LedgerState, reports: list[ReportState]
) -> list[Callable[[], InvalidCommand]]:
    options: list[Callable[[], InvalidCommand]] = []
    live = [r for r in reports if r.status is ReportStatus.LIVE]
    dead = [r for r in reports if r.status is not ReportStatus.LIVE]
    voided = [r for r in reports if r.status is ReportStatus.VOIDED]
    if reports:

        def duplicate_id() -> InvalidCommand:
            report = draw(st.sampled_from(reports))
            incident, source = min(state.incidents), min(state.sources)
            return InvalidCommand(
                description=f"file a second report with id {report.report_id!r}",
                error=AlreadyExistsError,
                run=lambda ledger: ledger.file_report(
                    incident, source=source, metric="killed", figure="3",
                    reported_at=EPOCH, report_id=report.report_id,
                ),
            )  # fmt: skip

        def version_out_of_range() -> InvalidCommand:
            report = draw(st.sampled_from([r for r in reports if r not in voided] or reports))
            error = ReportStateError if report in voided else ValidationError
            version = len(report.versions) + draw(st.integers(0, 3))
            return InvalidCommand(
                description=f"correct version {version} of {report.report_id!r}",
                error=error,
                run=lambda ledger: ledger.correct_report(
                    report.report_id, reason="typo", version=version, figure="3"
                ),
            )

        options += [duplicate_id, version_out_of_range]
    if live:

        def backdated() -> InvalidCommand:
            report = draw(st.sampled_from(live))
            earlier = report.latest.reported_at - dt.timedelta(hours=draw(st.integers(1, 48)))
            verb = draw(st.sampled_from(["revise", "retract"]))
            return InvalidCommand(
                description=f"{verb} {report.report_id!r} at {earlier.isoformat()}, before "
                f"its latest version",
                error=ValidationError,
                run=lambda ledger: (
                    ledger.revise_report(report.report_id, figure="3", reported_at=earlier)
                    if verb == "revise"
                    else ledger.retract_report(report.report_id, reported_at=earlier)
                ),
            )

        def no_change() -> InvalidCommand:
            report = draw(st.sampled_from(live))
            figure = report.latest.figure
            return InvalidCommand(
                description=f"correct {report.report_id!r} to the figure it has",
                error=ValidationError,
                run=lambda ledger: ledger.correct_report(
                    report.report_id, reason="typo", figure=figure
                ),
            )

        options += [backdated, no_change]
    if dead:

        def change_dead() -> InvalidCommand:
            report = draw(st.sampled_from(dead))
            rid = report.report_id
            later = report.latest.reported_at + dt.timedelta(days=30)
            verb = draw(st.sampled_from(["revise", "retract"]))
            return InvalidCommand(
                description=f"{verb} {report.status.value} report {rid!r}",
                error=ReportStateError,
                run=lambda ledger: (
                    ledger.revise_report(rid, figure="3", reported_at=later)
                    if verb == "revise"
                    else ledger.retract_report(rid, reported_at=later)
                ),
            )

        options.append(change_dead)
    if voided:

        def touch_voided() -> InvalidCommand:
            rid = draw(st.sampled_from(voided)).report_id
            verb = draw(st.sampled_from(["correct", "void"]))
            return InvalidCommand(
                description=f"{verb} voided report {rid!r}",
                error=ReportStateError,
                run=lambda ledger: (
                    ledger.correct_report(rid, reason="typo", figure="12345")
                    if verb == "correct"
                    else ledger.void_report(rid, reason="again")
                ),
            )

        options.append(touch_voided)
    return options
