"""The seed story: CNN's report of 2025-03-08 on killings on Syria's coast, recorded in a ledger.

Run it with `python examples/syria_coast_2025.py [LEDGER.db]`. It records the story into a
SQLite file (once; a second run finds it there), then prints the tally as of Saturday beside
the tally now, what the ledger itself showed on Saturday, and the history of a revised report.

Saturday's figures are the story's. The changes after it (SNHR's upward revision, a second
monitor's count, the data desk's typo and its correction, the ministry's withdrawal) are
invented to show the ledger at work: they are not a record of what anyone said.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import attrs

from ledger import Ledger, Period, Provenance, Tally, UnknownIncidentError, Verification

INCIDENT = "syria-coast-2025-03"
#: CNN published the story on Saturday 2025-03-08; the figures cover the days "since Thursday".
SATURDAY = dt.datetime(2025, 3, 8, 14, 0, tzinfo=dt.UTC)
SUNDAY = dt.datetime(2025, 3, 9, 10, 0, tzinfo=dt.UTC)
MONDAY = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)
SINCE_THURSDAY = Period(start=dt.date(2025, 3, 6))
VIA_CNN = Provenance(
    via="CNN",
    citation="https://edition.cnn.com/2025/03/08/middleeast/syria-clashes-alawite-intl",
    verification=Verification.UNVERIFIABLE,
    notes="CNN can't independently verify the figures.",
)


class DeskClock:
    """The recorded clock of a data desk working through that week, set by hand.

    A real ledger uses the system clock; this example replays the desk's week, so that
    "what did the ledger show on Saturday?" has an answer.
    """

    def __init__(self) -> None:
        self.now = SATURDAY + dt.timedelta(hours=4)

    def __call__(self) -> dt.datetime:
        return self.now


def record_saturday(ledger: Ledger) -> None:
    """Everything the 2025-03-08 story claims, entered by the desk on Saturday evening."""
    ledger.open_incident(
        INCIDENT,
        title="Killings on Syria's coast, March 2025",
        places=["latakia", "tartous", "hama"],
        started_on=dt.date(2025, 3, 6),
    )
    ledger.register_source("snhr", name="Syrian Network for Human Rights", kind="monitor")
    ledger.register_source("sy-moi", name="Syrian Ministry of Information", kind="government")
    ledger.extend_taxonomy("by", "loyalists", reason="Assad loyalists, as SNHR names them")

    def snhr(figure: str, *, group: str = "all", by: str = "all", quote: str | None = None) -> str:
        provenance = VIA_CNN if quote is None else attrs.evolve(VIA_CNN, quote=quote)
        return ledger.file_report(
            INCIDENT,
            source="snhr",
            metric="killed",
            group=group,
            by=by,
            figure=figure,
            period=SINCE_THURSDAY,
            reported_at=SATURDAY,
            provenance=provenance,
            report_id=f"snhr-killed-{group}-{by}",
        )

    snhr(
        "at least 311",
        quote="at least 311 people were killed since Thursday in Latakia, Tartous and Hama",
    )
    snhr("at least 164", group="civilians", by="government_forces")
    snhr("17", group="children", by="government_forces")  # the desk's typo: SNHR said 7
    snhr("13", group="women", by="government_forces")
    snhr("147", by="loyalists")
    snhr("26", group="civilians", by="loyalists")
    snhr("121", group="security_forces", by="loyalists")

    def ministry(metric: str, figure: str) -> str:
        return ledger.file_report(
            INCIDENT,
            source="sy-moi",
            metric=metric,
            group="security_forces",
            by="loyalists",
            figure=figure,
            period=SINCE_THURSDAY,
            reported_at=SATURDAY,
            provenance=VIA_CNN,
            report_id=f"moi-{metric}-security_forces",
        )

    ministry("captured", "about 300")
    ministry("missing", "dozens")


def record_later_changes(ledger: Ledger, clock: DeskClock) -> None:
    """Invented follow-ups: a revision, a second monitor, a correction and a retraction."""
    clock.now = SUNDAY + dt.timedelta(hours=2)
    ledger.revise_report(
        "snhr-killed-all-all",
        figure="at least 745",
        reported_at=SUNDAY,
        provenance=Provenance(via="SNHR", notes="The monitor's updated toll (illustrative)."),
        reason="SNHR updated its toll",
    )
    ledger.register_source("monitor-b", name="A second monitor (illustrative)", kind="monitor")
    ledger.file_report(
        INCIDENT,
        source="monitor-b",
        metric="killed",
        figure="more than 1,000",
        period=SINCE_THURSDAY,
        reported_at=SUNDAY,
        report_id="monitor-b-killed",
    )
    clock.now = MONDAY + dt.timedelta(hours=1)
    ledger.correct_report(
        "snhr-killed-children-government_forces",
        figure="7",
        reason="data entry: typed 17 for SNHR's 7",
        actor="copy-desk",
    )
    ledger.retract_report(
        "moi-missing-security_forces",
        reported_at=MONDAY,
        reason="the ministry withdrew its figure of missing personnel (illustrative)",
    )


def print_tally(title: str, tally: Tally) -> None:
    print(f"\n{title}")
    for entry in tally.entries:
        figure = entry.figure
        high = "open" if figure.high is None else figure.high
        print(
            f"  {entry.source:10} {entry.key!s:42} {figure!s:16} {figure.low}..{high}"
            f"  (v{entry.version}, {entry.reported_at:%a %d %b})",
        )
    for span in tally.spans:
        if len(span.entries) > 1:
            high = "open" if span.high is None else span.high
            verdict = "agree" if span.agree else f"disagree: {', '.join(span.disagreeing)}"
            print(f"  across sources, {span.key}: {span.low}..{high} ({verdict}; never summed)")
    for check in tally.checks:
        print(f"  {'ok  ' if check.consistent else 'FLAG'} {check}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Record the 2025-03-08 story in a ledger.")
    parser.add_argument("db", nargs="?", default="syria_coast_2025.db", type=Path)
    path = parser.parse_args().db
    clock = DeskClock()
    with Ledger.open(path, actor="data-desk", clock=clock) as ledger:
        try:
            ledger.incident(INCIDENT)
            print(f"{path} already holds the story; showing it.")
        except UnknownIncidentError:
            record_saturday(ledger)
            record_later_changes(ledger, clock)
            print(f"Recorded the 2025-03-08 story and the days after it in {path}.")
        print(f"{ledger.position} events in the log.")
        saturday = dt.date(2025, 3, 8)
        print_tally("As of Saturday 2025-03-08 (as reported by then, as the ledger knows now):",
                    ledger.tally(INCIDENT, as_of=saturday))  # fmt: skip
        print_tally("Now:", ledger.tally(INCIDENT))
        before = ledger.tally(INCIDENT, as_of=saturday, known_at=saturday)
        print_tally("What the ledger showed on Saturday, before Monday's correction:", before)
        print("\nHistory of SNHR's total:")
        for change in ledger.history("snhr-killed-all-all"):
            print(
                f"  {change.change:9} {change.before or '-'!s:>14} -> {change.after!s:14} "
                f"reported {change.reported_at:%a %d %b %H:%M}, recorded "
                f"{change.recorded_at:%a %d %b %H:%M} by {change.actor}"
                + (f" ({change.reason})" if change.reason else ""),
            )


if __name__ == "__main__":
    main()
