"""A small but varied ledger to tamper with and to throw bad input at."""

from __future__ import annotations

import datetime as dt
from typing import Final

from ledger import Ledger, Period, Provenance, Verification

T0: Final = dt.datetime(2025, 3, 6, 12, tzinfo=dt.UTC)
INCIDENTS: Final = ("syria-coast-2025-03", "sudan-el-fasher", "gaza-north")
SOURCES: Final = ("snhr", "moi", "ocha")


def hours(n: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


def populate(ledger: Ledger, *, rounds: int = 3) -> list[str]:
    """Sources, incidents and reports filed, revised, corrected, retracted and voided, in
    batches of one and of several events; returns the ids of the reports still live."""
    ledger.register_source("snhr", name="Syrian Network for Human Rights", kind="monitor")
    ledger.register_source("moi", name="Ministry of Information", kind="government")
    ledger.register_source("ocha", name="UN OCHA", kind="un")
    for incident in INCIDENTS:
        ledger.open_incident(incident, title=f"Casualties: {incident}", places=["latakia"])
    live: list[str] = []
    for r in range(rounds):
        for i, incident in enumerate(INCIDENTS):
            rid = ledger.file_report(
                incident,
                source=SOURCES[(r + i) % 3],
                metric="killed",
                group="civilians" if i else "all",
                figure=f"at least {100 + 10 * r + i}",
                reported_at=hours(r),
                period=Period(start=dt.date(2025, 3, 6)),
                provenance=Provenance(via="CNN", verification=Verification.UNVERIFIABLE),
            )
            ledger.revise_report(rid, figure=f"at least {200 + r}", reported_at=hours(r + 1))
            if i == 1:
                ledger.correct_report(rid, reason="typo in the figure", figure="about 210")
            if i == 2 and r % 2:
                ledger.retract_report(rid, reported_at=hours(r + 2), reason="withdrawn")
            elif r == 0 and i == 0:
                ledger.void_report(rid, reason="entered twice")
            else:
                live.append(rid)
    return live
