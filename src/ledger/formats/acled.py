"""ACLED: an export's rows and its deletions file, imported again whenever it grows.

ACLED no longer releases versions: its rows change in place, each stamped with the time it
was last changed (`timestamp`, Unix seconds), and withdrawn rows are listed in a deletions
file (`event_id_cnty`, `deleted_timestamp`). So each row is taken as what ACLED said at its
timestamp: a row the ledger lacks is filed, a row with a later timestamp whose figure or date
changed is a revision, a row no newer than what the ledger holds changes nothing, and a
deletion retracts the event's report. Importing a grown export again is safe, and appends
only what changed. An export need not be complete (one country, one year): events it lacks
are not retracted; only the deletions file withdraws.

Each event becomes an incident, `acled-<event_id_cnty>`, with one report of the source
`acled`, `acled-<event_id_cnty>.all`:

- **The figure.** ACLED codes a single `fatalities` integer: the lowest number its sources
  report, and 0 both where there were none and where there was no information. So N > 0 is
  `at least N` (`Figure.at_least`: low N, no upper bound, stated N), and 0 is `unknown`
  (low 0, no upper bound): a 0 never claims that nobody died. The raw integer stays in the
  notes (`fatalities`). See docs/acled.md.
- **Who and whom.** Violence against civilians (or a row ACLED marks "Civilian targeting")
  counts `civilians` killed by `actor1` (under `government_forces` for state forces,
  `inter1` 1, else `armed_groups`); any other event counts all killed by the two actors
  between them (`actor1 - actor2`, a term under "all"), or by `actor1` alone.
- `country` > `admin1` > `admin2` > `admin3` > `location` are the place, as UCDP's are.
- `event_date` (`2024-03-15`, or `15 March 2024` as older exports write it) is the period.
- `source` is the provenance's `via`, ACLED's `notes` its quote, and the rest of the row's
  fields (event and actor types, precisions, coordinates, tags) its notes as JSON.

ACLED's terms of use forbid redistributing its rows: this project's tests and examples use
synthetic rows in its schema.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Final

from ledger.figures import Figure
from ledger.formats._csv import Input, Row, opened, rows
from ledger.formats._release import (
    Claim,
    Deletion,
    Publisher,
    Record,
    ReleaseSummary,
    TermPath,
    import_release,
    notes,
    paths_of,
)
from ledger.ledger import Ledger
from ledger.values import Period, Provenance, SourceKind

REQUIRED: Final = ("event_id_cnty", "event_date", "fatalities", "timestamp")
DELETIONS_REQUIRED: Final = ("event_id_cnty", "deleted_timestamp")
PUBLISHER: Final = Publisher(
    source="acled",
    name="Armed Conflict Location & Event Data (ACLED)",
    kind=SourceKind.MONITOR,
    url="https://acleddata.com/",
    notes="fatalities are ACLED's lowest reported number; 0 is 'none or no information'",
)
_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,100}")
_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_SPELLED: Final = re.compile(r"(\d{1,2}) ([A-Za-z]+) (\d{4})")
_TARGETING: Final = ("violence against civilians", "civilian targeting")
_STATE_FORCES: Final = ("1", "state forces")
_EARLIEST: Final = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def figure_of(fatalities: int) -> Figure:
    """ACLED's `fatalities` as a figure: `at least N`, or `unknown` for 0 (see above)."""
    return Figure.unknown() if fatalities == 0 else Figure.at_least(fatalities)


def read_acled(source: Input) -> Iterator[Record]:
    """The rows of an ACLED export (CSV, or `.csv.gz`) as records."""
    with opened(source) as lines:
        for row in rows(lines, required=REQUIRED):
            yield _record(row)


def read_deletions(source: Input) -> Iterator[Deletion]:
    """The rows of an ACLED deletions file as deletions."""
    with opened(source) as lines:
        for row in rows(lines, required=DELETIONS_REQUIRED):
            yield Deletion(
                line=row.line,
                incident=f"acled-{_event_id(row)}",
                reported_at=_timestamp(row, "deleted_timestamp"),
            )


def import_acled(
    ledger: Ledger,
    source: Input | None = None,
    *,
    deletions: Input | None = None,
    reason: str | None = None,
    actor: str | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> ReleaseSummary:
    """Import an export and/or a deletions file, all or nothing (see the module's notes)."""
    return import_release(
        ledger,
        () if source is None else read_acled(source),
        deletions=() if deletions is None else read_deletions(deletions),
        publisher=PUBLISHER,
        newer_only=True,
        reason="ACLED export" if reason is None else reason,
        actor=actor,
        progress=progress,
    )


def _record(row: Row) -> Record:
    event_id = _event_id(row)
    day = _date(row)
    fatalities = _count(row, "fatalities")
    actor1, actor2 = row.get("actor1"), row.get("actor2")
    event_type = row.get("event_type")
    targeting = any(
        (value or "").casefold() in _TARGETING
        for value in (event_type, row.get("civilian_targeting"))
    )
    group: TermPath = ("civilians",) if targeting else ()
    by: TermPath
    if actor1 is None:
        by = ()
    elif targeting or actor2 is None:
        kind = (
            "government_forces"
            if (row.get("inter1") or "").casefold() in _STATE_FORCES
            else "armed_groups"
        )
        by = (kind, actor1)
    else:
        by = (f"{actor1} - {actor2}",)
    place = paths_of(
        row.get("country"),
        row.get("admin1"),
        row.get("admin2"),
        row.get("admin3"),
        row.get("location"),
    )
    kept = notes(
        {
            column: row.get(column)
            for column in (
                "event_id_cnty",
                "event_type",
                "sub_event_type",
                "disorder_type",
                "actor1",
                "assoc_actor_1",
                "inter1",
                "actor2",
                "assoc_actor_2",
                "inter2",
                "interaction",
                "civilian_targeting",
                "iso",
                "country",
                "admin1",
                "admin2",
                "admin3",
                "location",
                "latitude",
                "longitude",
                "geo_precision",
                "time_precision",
                "source_scale",
                "tags",
            )
        }
        | {"fatalities": fatalities, "timestamp": row.get("timestamp")}
    )
    claim = Claim(
        role="all",
        metric="killed",
        figure=figure_of(fatalities),
        group=group,
        by=by,
        place=place,
        period=Period(start=day, end=day),
        provenance=Provenance(
            via=row.get("source"), citation=f"ACLED {event_id}", quote=row.get("notes"), notes=kept
        ),
    )
    what = row.get("sub_event_type") or event_type or "ACLED event"
    where = row.get("location") or row.get("admin1") or row.get("country") or "?"
    return Record(
        line=row.line,
        key=event_id,
        key_column="event_id_cnty",
        incident=f"acled-{event_id}",
        title=f"{what}: {where}, {day}",
        started_on=day,
        reported_at=_timestamp(row, "timestamp"),
        claims=(claim,),
    )


def _event_id(row: Row) -> str:
    event_id = row.get("event_id_cnty") or ""
    if not _ID.fullmatch(event_id):
        raise row.error("event_id_cnty", f"{event_id!r} is not an ACLED event id such as SYR12345")
    return event_id


def _date(row: Row) -> dt.date:
    text = row.get("event_date") or ""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    spelled = _SPELLED.fullmatch(text)
    month = None if spelled is None else _MONTHS.get(spelled.group(2).casefold())
    if spelled is not None and month is not None:
        try:
            return dt.date(int(spelled.group(3)), month, int(spelled.group(1)))
        except ValueError:
            pass
    raise row.error("event_date", f"{text!r} is not a date such as 2024-03-15 or 15 March 2024")


def _count(row: Row, column: str) -> int:
    text = row.get(column) or ""
    if not text.isdigit() or not text.isascii():
        raise row.error(column, f"{text!r} is not a count (a whole number >= 0)")
    return int(text)


def _timestamp(row: Row, column: str) -> dt.datetime:
    """A Unix time in seconds, as ACLED stamps rows, or ISO 8601 with a zone."""
    text = row.get(column) or ""
    try:
        when = (
            dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
            if text.isdigit() and text.isascii()
            else dt.datetime.fromisoformat(text)
        )
    except (ValueError, OverflowError, OSError):
        when = None
    if when is None or when.tzinfo is None or when < _EARLIEST:
        raise row.error(
            column, f"{text!r} is not a Unix time in seconds (1710460800) nor a time with a zone"
        )
    return when.astimezone(dt.UTC)
