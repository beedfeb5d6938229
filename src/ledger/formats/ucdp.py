"""UCDP's Georeferenced Event Dataset (GED) and its Candidate events, one release at a time.

Each UCDP event becomes an incident, `ucdp-ged-<id>` (`ucdp-candidate-<id>` for Candidate
events), and its figures reports of the source `ucdp-ged` (`ucdp-candidate`), all reported at
the release's date, so the reported clock reads "what UCDP said in that release":

- `best`/`low`/`high` are the total, report `<incident>.all`: `Figure.estimate`, worded
  `12 (10-15)`, or the plain count where the three agree. A release whose best lies outside
  its own low-high (GED 19.1 has six) keeps its best, and its bounds are widened to hold it;
  the bounds as released are kept in the notes (`released_low`, `released_high`).
- `deaths_a`, `deaths_b`, `deaths_civilians`, `deaths_unknown` are its parts by victim group
  (reports `.side_a`, `.side_b`, `.civilians`, `.unknown`): side A's and side B's dead under
  `combatants` (`security_forces` for a state's side, which has a `gwnoa` code, else
  `armed_groups`), then `civilians` and `unknown`. In one-sided violence side B is
  "Civilians", whose deaths are the civilians part. Parts are exact counts; zeros are kept,
  as UCDP states them.
- The perpetrator (`by`) of one-sided violence (type 3) is side A; of state-based and
  non-state conflict (types 1 and 2) UCDP does not say which side killed whom, so it is the
  dyad itself (`dyad_name`, both sides between them), a term under "all".
- `country`, `adm_1`, `adm_2`, `where_coordinates` are the place, each a term under the one
  above (`bangladesh` > `chittagong-division` > `khagrachhari-district`); the report is at
  the most precise. Terms are slugs of UCDP's names; the names themselves are in the title
  and the notes.
- `date_start`/`date_end` are the period, in either format releases have used
  (`2013-12-13` and `2013-12-13 00:00:00.000`).
- `source_office` is the provenance's `via`, `source_article` its citation; the notes hold,
  as one JSON object, the release, the event's id, `where_prec`, `date_prec`,
  `event_clarity`, `number_of_sources` (null where UCDP gives -1, "missing"),
  `source_date`, `source_headline`, `source_original`, the original names and coordinates.

Importing release B after release A revises what B changed, retracts the events B dropped
and files the ones it added (see `ledger.formats._release`); see docs/ucdp.md for the
questions this answers and the commands that ask them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Final

from ledger.errors import ValidationError
from ledger.figures import Figure
from ledger.formats._csv import Input, Row, opened, rows
from ledger.formats._release import (
    Claim,
    Publisher,
    Record,
    ReleaseSummary,
    Scope,
    TermPath,
    import_release,
    notes,
    paths_of,
)
from ledger.ledger import Ledger
from ledger.taxonomy import ROOT
from ledger.values import Period, Provenance, SourceKind

#: The columns every GED and Candidate release has, which the import needs.
REQUIRED: Final = (
    "id",
    "date_start",
    "date_end",
    "side_a",
    "side_b",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "low",
    "best",
    "high",
)
_DATASETS: Final = {
    "ged": "UCDP Georeferenced Event Dataset (GED)",
    "candidate": "UCDP Candidate Events Dataset",
}
_DATE: Final = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?)?")
_ID: Final = re.compile(r"[0-9]{1,18}")
_ONE_SIDED: Final = "3"


def publisher(dataset: str = "ged") -> Publisher:
    """The source a UCDP dataset's claims are filed under: `ucdp-ged` or `ucdp-candidate`."""
    return Publisher(
        source=f"ucdp-{dataset}",
        name=_DATASETS[dataset],
        kind=SourceKind.MONITOR,
        url="https://ucdp.uu.se/",
        notes="Uppsala Conflict Data Program; data licensed CC BY 4.0 (see its codebook)",
    )


def read_ucdp(
    source: Input, *, release: str, released_on: dt.date, dataset: str = "ged"
) -> Iterator[Record]:
    """The events of a GED or Candidate release file (CSV, or `.csv.gz`) as records."""
    _check_dataset(dataset)
    reported_at = _midnight(released_on)
    with opened(source) as lines:
        for row in rows(lines, required=REQUIRED):
            yield _record(row, dataset=dataset, release=release, reported_at=reported_at)


def import_ucdp(
    ledger: Ledger,
    source: Input,
    *,
    release: str,
    released_on: dt.date,
    dataset: str = "ged",
    complete: bool = True,
    reason: str | None = None,
    actor: str | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> ReleaseSummary:
    """Import a release as what UCDP said on `released_on`, all or nothing.

    `complete` (the default) takes the file as the whole release: events the ledger holds
    from an earlier one and this one lacks are retracted. Give `complete=False` for an
    extract (one country of a release), which retracts nothing it does not hold.
    """
    _check_dataset(dataset)
    why = (
        reason if reason is not None else f"{_DATASETS[dataset]} {release}, released {released_on}"
    )
    scope = (
        Scope(prefix=f"ucdp-{dataset}-", reported_at=_midnight(released_on)) if complete else None
    )
    return import_release(
        ledger,
        read_ucdp(source, release=release, released_on=released_on, dataset=dataset),
        publisher=publisher(dataset),
        complete=scope,
        reason=why,
        actor=actor,
        progress=progress,
    )


def _check_dataset(dataset: str) -> None:
    if dataset not in _DATASETS:
        raise ValidationError("dataset", f"must be one of {', '.join(_DATASETS)}", value=dataset)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def _record(row: Row, *, dataset: str, release: str, reported_at: dt.datetime) -> Record:
    event_id = row.get("id") or ""
    if not _ID.fullmatch(event_id):
        raise row.error("id", f"{event_id!r} is not a UCDP event id (a whole number)")
    start, end = _date(row, "date_start"), _date(row, "date_end")
    if start > end:
        raise row.error("date_end", f"{end} is before date_start {start}")
    best, low, high = (_count(row, c) for c in ("best", "low", "high"))
    parts = {
        c: _count(row, c) for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
    }
    side_a, side_b = row.get("side_a") or "", row.get("side_b") or ""
    if not side_a:
        raise row.error("side_a", "is empty: every UCDP event names side A")
    one_sided = row.get("type_of_violence") == _ONE_SIDED
    dyad = row.get("dyad_name") or f"{side_a} - {side_b}"
    by: TermPath = (
        (_side(row, "gwnoa", "government_forces", "armed_groups"), side_a) if one_sided else (dyad,)
    )
    place = paths_of(
        row.get("country"), row.get("adm_1"), row.get("adm_2"), row.get("where_coordinates")
    )
    period = Period(start=start, end=end)
    incident = f"ucdp-{dataset}-{event_id}"
    whole = Figure.estimate(best=best, low=min(low, best), high=max(high, best))
    kept = notes(
        {
            "dataset": dataset,
            "release": release,
            "id": int(event_id),
            "type_of_violence": _int_or_none(row, "type_of_violence"),
            "conflict_name": row.get("conflict_name"),
            "dyad_name": dyad,
            "side_a": side_a,
            "side_b": side_b,
            "country": row.get("country"),
            "adm_1": row.get("adm_1"),
            "adm_2": row.get("adm_2"),
            "where_coordinates": row.get("where_coordinates"),
            "latitude": row.get("latitude"),
            "longitude": row.get("longitude"),
            "where_prec": _int_or_none(row, "where_prec"),
            "date_prec": _int_or_none(row, "date_prec"),
            "event_clarity": _int_or_none(row, "event_clarity"),
            "number_of_sources": _sources(row),
            "source_date": row.get("source_date"),
            "source_headline": row.get("source_headline"),
            "source_original": row.get("source_original"),
        }
        | ({} if low <= best <= high else {"released_low": low, "released_high": high})
    )
    via, citation = row.get("source_office"), row.get("source_article")

    def claim(role: str, group: TermPath, figure: Figure, provenance: Provenance) -> Claim:
        return Claim(
            role=role,
            metric="killed",
            figure=figure,
            group=group,
            by=by,
            place=place,
            period=period,
            provenance=provenance,
        )

    claims = [claim(ROOT, (), whole, Provenance(via=via, citation=citation, notes=kept))]
    civilians = parts["deaths_civilians"]
    side_b_is_civilians = side_b.casefold() == "civilians"
    if side_b_is_civilians:
        civilians += parts["deaths_b"]  # one-sided violence: side B's dead are civilians
    groups: list[tuple[str, TermPath, int]] = [
        (
            "side_a",
            ("combatants", _side(row, "gwnoa", "security_forces", "armed_groups"), side_a),
            parts["deaths_a"],
        ),
    ]
    if not side_b_is_civilians:
        groups.append(
            (
                "side_b",
                ("combatants", _side(row, "gwnob", "security_forces", "armed_groups"), side_b),
                parts["deaths_b"],
            )
        )
    groups += [
        ("civilians", ("civilians",), civilians),
        ("unknown", ("unknown",), parts["deaths_unknown"]),
    ]
    part_provenance = Provenance(via=via, citation=citation)
    claims += [claim(role, group, Figure.exact(n), part_provenance) for role, group, n in groups]
    where = row.get("where_coordinates") or row.get("adm_1") or row.get("country") or "?"
    return Record(
        line=row.line,
        key=event_id,
        key_column="id",
        incident=incident,
        title=f"{row.get('conflict_name') or dyad}: {where}, {_span(start, end)}",
        started_on=start,
        reported_at=reported_at,
        claims=tuple(claims),
    )


def _span(start: dt.date, end: dt.date) -> str:
    return str(start) if start == end else f"{start} to {end}"


def _side(row: Row, code: str, state: str, other: str) -> str:
    """Which kind of actor a side is: a state's, which has a Gleditsch-Ward code, or not."""
    return state if row.get(code) else other


def _date(row: Row, column: str) -> dt.date:
    text = row.get(column) or ""
    match = _DATE.fullmatch(text)
    if match is not None:
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            pass
    raise row.error(column, f"{text!r} is not a date such as 2013-12-13 or 2013-12-13 00:00:00.000")


def _count(row: Row, column: str) -> int:
    text = row.get(column) or ""
    if not text.isdigit() or not text.isascii():
        raise row.error(column, f"{text!r} is not a count (a whole number >= 0)")
    return int(text)


def _int_or_none(row: Row, column: str) -> int | None:
    text = row.get(column)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise row.error(column, f"{text!r} is not a whole number") from None


def _sources(row: Row) -> int | None:
    """`number_of_sources`, with UCDP's -1 ("missing") as None."""
    n = _int_or_none(row, "number_of_sources")
    if n is not None and n < -1:
        raise row.error("number_of_sources", f"{n} is neither a count nor -1 (missing)")
    return None if n == -1 else n
