"""The seed story: CNN's report of 2025-03-08 on killings on Syria's coast, recorded in a ledger.

Run it with `python examples/syria_coast_2025.py [LEDGER.db]`. It records the story into a
SQLite file (once; a second run finds it there) and prints what the ledger holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import attrs

from ledger import Ledger, Period, Provenance, UnknownIncidentError, Verification

INCIDENT = "syria-coast-2025-03"
#: CNN published the story on Saturday 2025-03-08; the figures cover the days "since Thursday".
SATURDAY = dt.datetime(2025, 3, 8, 14, 0, tzinfo=dt.UTC)
SINCE_THURSDAY = Period(start=dt.date(2025, 3, 6))
VIA_CNN = Provenance(
    via="CNN",
    citation="https://edition.cnn.com/2025/03/08/middleeast/syria-clashes-alawite-intl",
    verification=Verification.UNVERIFIABLE,
    notes="CNN can't independently verify the figures. SNHR expects the toll to be much higher.",
)


def record_story(ledger: Ledger) -> None:
    """Everything the 2025-03-08 story claims, as one source would tell it to a data desk."""
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
        return ledger.file_report(
            INCIDENT,
            source="snhr",
            metric="killed",
            group=group,
            by=by,
            figure=figure,
            period=SINCE_THURSDAY,
            reported_at=SATURDAY,
            provenance=VIA_CNN if quote is None else attrs.evolve(VIA_CNN, quote=quote),
            report_id=f"snhr-killed-{group}-{by}",
        )

    snhr(
        "at least 311",
        quote="at least 311 people were killed since Thursday in Latakia, Tartous and Hama",
    )
    snhr("at least 164", group="civilians", by="government_forces")
    snhr("7", group="children", by="government_forces")
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


def print_reports(ledger: Ledger) -> None:
    print(f"{'source':8} {'metric':9} {'group':16} {'by':18} {'figure':14} bounds")
    for report in ledger.reports(INCIDENT):
        figure = report.latest.figure
        high = "open" if figure.high is None else figure.high
        print(
            f"{report.source:8} {report.metric:9} {report.group:16} {report.by:18} "
            f"{figure!s:14} {figure.low}..{high}",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Record the 2025-03-08 story in a ledger.")
    parser.add_argument("db", nargs="?", default="syria_coast_2025.db", type=Path)
    path = parser.parse_args().db
    with Ledger.open(path, actor="example") as ledger:
        try:
            ledger.incident(INCIDENT)
            print(f"{path} already holds the story; showing it.")
        except UnknownIncidentError:
            record_story(ledger)
            print(f"Recorded the 2025-03-08 story in {path}.")
        print(f"{ledger.position} events in the log; the reports:\n")
        print_reports(ledger)


if __name__ == "__main__":
    main()
