"""Importing a release or snapshot of an external dataset as what its publisher said then.

UCDP's releases, an ACLED export and an HXL sheet differ in their columns, not in what an
import of one must do: each row is one *record* (an event with an id the publisher keeps),
and each record makes a few *claims* (its total, its parts by group). This module compares
each claim with what the ledger holds from the same source and turns the difference into
the import lines of `ledger.interchange`, appended through its one path:

- a claim the ledger does not hold is filed, under the report id `<incident>.<role>`;
- a claim whose figure or period differs from the report's latest version is a revision,
  effective when the record says it (a release's date, a row's timestamp);
- a claim that is the same is nothing (a re-import appends nothing);
- a report of the record the record no longer makes is retracted; so is every report of a
  record a *complete* release drops, and of a record a deletions list names;
- a claim whose classification changed (its place, group or perpetrator was recoded), or that
  returns after a retraction, retracts the old report and is filed afresh as
  `<incident>.<role>.2` (then `.3`, ...): a report's classification is fixed once filed.

The whole file is one transaction, appended in batches: all of it or nothing, and memory
holds one batch, plus the ids of the records seen (to find repeats, and what a complete
release dropped). The terms a record needs (its places, groups, perpetrators) are derived
from the names it gives and added to the taxonomy on first use, so importing the same file
into any ledger gives the same terms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

import attrs

from ledger.errors import LineError
from ledger.figures import Figure
from ledger.interchange import append_objects
from ledger.ledger import Ledger
from ledger.model import ReportState, ReportStatus
from ledger.taxonomy import ROOT, Dimension
from ledger.values import Period, Provenance, SourceKind

#: Records checked and appended together; a batch's import lines are held in memory.
BATCH: Final = 1_500
#: `progress(stage, done, total)`, as `ledger.interchange.Progress`.
Progress = Callable[[str, int, int | None], None]
#: A place, group or perpetrator as the dataset names it: names from the broadest down,
#: each under the one before it and the first under "all"; () is "all" itself.
TermPath = tuple[str, ...]

_MAX_TERM: Final = 64
_NOT_SLUG: Final = re.compile(r"[^a-z0-9_]+")


@attrs.frozen(kw_only=True, slots=True)
class Claim:
    """One figure a record gives: its report within the record is named by `role`."""

    role: str
    metric: str
    figure: Figure
    group: TermPath = ()
    by: TermPath = ()
    place: TermPath = ()
    period: Period = attrs.field(factory=Period)
    provenance: Provenance = attrs.field(factory=Provenance)
    #: A source other than the publisher, for a sheet whose rows each name theirs (HXL's
    #: `#meta+source`); registered on first use as a source of kind "other".
    source: str | None = None
    source_name: str | None = None


@attrs.frozen(kw_only=True, slots=True)
class Record:
    """One row of a dataset: an event with the publisher's id, and the claims it makes."""

    #: The line of the file it came from, which every error about it names.
    line: int
    #: The publisher's id of the event, and the column it is in (to name a repeat).
    key: str
    key_column: str
    incident: str
    title: str
    started_on: dt.date | None
    #: When the publisher said it: the release's date, the row's own timestamp.
    reported_at: dt.datetime
    claims: tuple[Claim, ...]
    #: Whether the claims are all the record makes, so that a report of it they lack was
    #: withdrawn (a UCDP event, an ACLED row); an HXL row is one claim among its incident's.
    exhaustive: bool = True


@attrs.frozen(kw_only=True, slots=True)
class Deletion:
    """The publisher withdrew a record (ACLED's deletions file) at `reported_at`."""

    line: int
    incident: str
    reported_at: dt.datetime


@attrs.frozen(kw_only=True, slots=True)
class Publisher:
    """The source the dataset's claims are filed under, registered on first import."""

    source: str
    name: str
    kind: SourceKind
    url: str | None = None
    notes: str | None = None


@attrs.frozen(kw_only=True, slots=True)
class ReleaseSummary:
    """What importing a release did, claim by claim, and where its events went."""

    #: Records (rows) read, and deletions read.
    records: int
    deletions: int
    #: Incidents opened, terms added, and reports filed, revised, retracted.
    opened: int
    terms: int
    filed: int
    revised: int
    retracted: int
    #: Claims the ledger already held as they are: nothing was appended for them.
    unchanged: int
    #: Deletions of records the ledger never held, or whose reports were updated after them.
    ignored: int
    positions: range


@attrs.frozen(kw_only=True, slots=True)
class Scope:
    """Which of the ledger's incidents a complete release speaks for: those whose id starts
    with `prefix`. Every one of them the release does not hold was dropped by it."""

    prefix: str
    #: When the release said so (its date): the retractions' reported time.
    reported_at: dt.datetime


def import_release(
    ledger: Ledger,
    records: Iterable[Record],
    *,
    publisher: Publisher,
    deletions: Iterable[Deletion] = (),
    complete: Scope | None = None,
    newer_only: bool = False,
    reason: str | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ReleaseSummary:
    """Bring the ledger's reports from `publisher` to what `records` say, in one transaction.

    With `newer_only` (ACLED's rows carry the time they were last changed), a record no newer
    than the report's latest version changes nothing. With `complete`, the records are a whole
    release: every incident in its scope that they lack has its reports retracted.
    """
    counts: dict[str, int] = {}
    first = last = 0
    with ledger.transaction():
        diff = _Differ(ledger, publisher, newer_only=newer_only)

        def append(objects: list[tuple[int, dict[str, Any]]]) -> None:
            nonlocal first, last
            stored, kinds = append_objects(ledger, objects, actor=actor, reason=reason)
            for kind, n in kinds.items():
                counts[kind] = counts.get(kind, 0) + n
            if stored:
                first, last = first or stored[0].position, stored[-1].position
            diff.appended()

        read = 0
        for block in _chunks(records, batch):
            append([obj for record in block for obj in diff.record(record)])
            read += len(block)
            if progress is not None:
                progress("records", read, None)
        deleted = 0
        for block in _chunks(deletions, batch):
            append([obj for deletion in block for obj in diff.deletion(deletion)])
            deleted += len(block)
        if complete is not None:
            dropped = sorted(
                i for i in diff.held if i.startswith(complete.prefix) and i not in diff.seen
            )
            for block in _chunks(dropped, batch):
                append([obj for i in block for obj in diff.dropped(i, complete.reported_at)])
    if progress is not None:
        progress("records", read, read)
    return ReleaseSummary(
        records=read,
        deletions=deleted,
        opened=counts.get("incident", 0),
        terms=counts.get("term", 0),
        filed=counts.get("report", 0),
        revised=counts.get("revision", 0),
        retracted=counts.get("retraction", 0),
        unchanged=diff.unchanged,
        ignored=diff.ignored,
        positions=range(first, last + 1) if first else range(0),
    )


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    block: list[Any] = []
    for item in items:
        block.append(item)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


class _Differ:
    """Turns records into the import lines that bring the ledger to them, one batch at a time.

    What the batch being built has added (terms, sources, incidents, reports and their
    versions) is remembered until it is appended; after that the ledger itself answers.
    """

    def __init__(self, ledger: Ledger, publisher: Publisher, *, newer_only: bool) -> None:
        self._ledger = ledger
        self._publisher = publisher
        self._source = publisher.source
        self._newer_only = newer_only
        self._vocabulary = {d: dict(ledger.terms(d)) for d in Dimension}
        self._sources = {s.source for s in ledger.sources()}
        #: The incidents the ledger held before the import, and those the import opened.
        self.held: set[str] = set(ledger.store.incident_ids())
        self._opened: set[str] = set()
        #: What the batch being built says of each report it touches, by incident.
        self._pending: dict[str, dict[str, _Standing]] = {}
        #: The records seen, by the publisher's id, with the line each was on.
        self._keys: dict[str, int] = {}
        self.seen: set[str] = set()
        self.unchanged = 0
        self.ignored = 0
        #: The line of the record last read, which a retraction of what it dropped names.
        self._line = 1

    def appended(self) -> None:
        self.held |= self._opened
        self._opened.clear()
        self._pending.clear()

    # What the ledger holds.

    def _reports(self, incident: str, source: str | None = None) -> dict[str, _Standing]:
        """The reports of `incident` from `source` (the publisher's, unless given) that this
        import's ids name, as they stand with the batch being built."""
        prefix, source = f"{incident}.", self._source if source is None else source
        found = (
            {}
            if incident not in self.held
            else {
                r.report_id: _standing(r)
                for r in self._ledger.reports(incident)
                if r.source == source and r.report_id.startswith(prefix)
            }
        )
        found.update(
            (i, s) for i, s in self._pending.get(incident, {}).items() if s.source == source
        )
        return found

    def _note(self, standing: _Standing) -> None:
        self._pending.setdefault(standing.incident, {})[standing.report_id] = standing

    # The lines for one record.

    def record(self, record: Record) -> list[tuple[int, dict[str, Any]]]:
        line = self._line = record.line
        earlier = self._keys.get(record.key)
        if earlier is not None:
            raise LineError(
                line, record.key_column, f"{record.key!r} repeats the record on line {earlier}"
            )
        self._keys[record.key] = line
        self.seen.add(record.incident)
        out: list[tuple[int, dict[str, Any]]] = []
        claims = [(claim, self._terms(claim, out)) for claim in record.claims]
        for claim in record.claims:
            self._register(line, claim, out)
        if record.incident not in self.held and record.incident not in self._opened:
            places = sorted({place for _, (_, _, place) in claims if place != ROOT})
            out.append(
                (
                    line,
                    {
                        "type": "incident",
                        "incident": record.incident,
                        "title": record.title,
                        "places": places,
                        "started_on": None
                        if record.started_on is None
                        else record.started_on.isoformat(),
                    },
                )
            )
            self._opened.add(record.incident)
        held: dict[str | None, dict[str, _Standing]] = {}
        for claim, terms in claims:
            if claim.source not in held:
                held[claim.source] = self._reports(record.incident, claim.source)
            out.extend(self._claim(record, claim, terms, held[claim.source]))
        if record.exhaustive:
            roles = {claim.role for claim in record.claims}
            own = held[None] if None in held else self._reports(record.incident)
            for report_id, report in own.items():
                if report.live and _role(record.incident, report_id) not in roles:
                    out.append(self._retract(line, report, record.reported_at))
        return out

    def _register(self, line: int, claim: Claim, out: list[tuple[int, dict[str, Any]]]) -> None:
        """A source line for the claim's source, the first time the ledger lacks it: the
        publisher as the importer describes it, another as the row names it."""
        source = self._source if claim.source is None else claim.source
        if source in self._sources:
            return
        self._sources.add(source)
        if claim.source is None:
            publisher = self._publisher
            described = {
                "name": publisher.name,
                "kind": publisher.kind.value,
                "url": publisher.url,
                "notes": publisher.notes,
            }
        else:
            described = {"name": claim.source_name or source, "kind": SourceKind.OTHER.value}
        out.append((line, {"type": "source", "source": source, **described}))

    def _claim(
        self,
        record: Record,
        claim: Claim,
        terms: tuple[str, str, str],
        held: dict[str, _Standing],
    ) -> list[tuple[int, dict[str, Any]]]:
        line, base = record.line, f"{record.incident}.{claim.role}"
        generation, report = _latest(base, held)
        group, by, place = terms
        key = (claim.metric, group, by, place)
        retract = []
        if report is not None and report.live:
            if report.key == key:
                stale = self._newer_only and record.reported_at <= report.reported_at
                if stale or (report.figure == claim.figure and report.period == claim.period):
                    self.unchanged += 1
                    return []
                self._note(
                    attrs.evolve(
                        report,
                        figure=claim.figure,
                        period=claim.period,
                        reported_at=record.reported_at,
                    )
                )
                return [(line, _revision(report.report_id, claim, record.reported_at))]
            retract = [self._retract(line, report, record.reported_at)]
        report_id = base if report is None else f"{base}.{generation + 1}"
        source = self._source if claim.source is None else claim.source
        self._note(
            _Standing(
                report_id=report_id,
                incident=record.incident,
                source=source,
                key=key,
                figure=claim.figure,
                period=claim.period,
                reported_at=record.reported_at,
                live=True,
            )
        )
        filing = {
            "type": "report",
            "report_id": report_id,
            "incident": record.incident,
            "source": source,
            "metric": claim.metric,
            "group": group,
            "by": by,
            "place": place,
            "figure": claim.figure.text,
            "language": claim.figure.language.value,
            "reported_at": record.reported_at.isoformat(),
            "period": _period(claim.period),
            "provenance": _provenance(claim.provenance),
        }
        return [*retract, (line, filing)]

    def _retract(
        self, line: int, report: _Standing, reported_at: dt.datetime
    ) -> tuple[int, dict[str, Any]]:
        self._note(attrs.evolve(report, live=False))
        return _retraction(line, report.report_id, reported_at)

    def deletion(self, deletion: Deletion) -> list[tuple[int, dict[str, Any]]]:
        live = [r for r in self._reports(deletion.incident).values() if r.live]
        if not live or any(r.reported_at > deletion.reported_at for r in live):
            # Never imported, already withdrawn, or changed after the deletion: nothing to do.
            self.ignored += 1
            return []
        return [self._retract(deletion.line, r, deletion.reported_at) for r in live]

    def dropped(self, incident: str, reported_at: dt.datetime) -> list[tuple[int, dict[str, Any]]]:
        return [
            self._retract(self._line, r, reported_at)
            for r in self._reports(incident).values()
            if r.live
        ]

    # Terms.

    def _terms(self, claim: Claim, out: list[tuple[int, dict[str, Any]]]) -> tuple[str, str, str]:
        return (
            self._term(Dimension.GROUP, claim.group, out),
            self._term(Dimension.BY, claim.by, out),
            self._term(Dimension.PLACE, claim.place, out),
        )

    def _term(
        self, dimension: Dimension, path: TermPath, out: list[tuple[int, dict[str, Any]]]
    ) -> str:
        """The term for `path`, each name slugged under the one before; a slug that names a
        term under another parent is qualified by its parent's (`district.central`)."""
        terms = self._vocabulary[dimension]
        parent = ROOT
        for name in path:
            term = slug(name)
            if term in terms and terms[term] != parent:
                term = _qualified(parent, term)
            if term not in terms:
                terms[term] = parent
                out.append(
                    (
                        self._line,
                        {
                            "type": "term",
                            "dimension": dimension.value,
                            "term": term,
                            "parent": parent,
                        },
                    )
                )
            parent = term
        return parent


@attrs.frozen(kw_only=True, slots=True)
class _Standing:
    """What the ledger, with the batch being built, says of one report: its latest version."""

    report_id: str
    incident: str
    source: str
    key: tuple[str, str, str, str]
    figure: Figure
    period: Period
    reported_at: dt.datetime
    live: bool


def _standing(report: ReportState) -> _Standing:
    latest = report.latest
    return _Standing(
        report_id=report.report_id,
        incident=report.incident,
        source=report.source,
        key=report.key,
        figure=latest.figure,
        period=latest.period,
        reported_at=latest.reported_at,
        live=report.status is ReportStatus.LIVE,
    )


def _latest(base: str, held: dict[str, _Standing]) -> tuple[int, _Standing | None]:
    """The latest generation of a claim's report (`base`, `base.2`, ...) and its state."""
    if base not in held:
        return 0, None
    generation = 1
    while f"{base}.{generation + 1}" in held:
        generation += 1
    return generation, held[base if generation == 1 else f"{base}.{generation}"]


def _role(incident: str, report_id: str) -> str:
    role = report_id.removeprefix(f"{incident}.")
    head, _, tail = role.rpartition(".")
    return head if head and tail.isdigit() else role


def _retraction(line: int, report_id: str, reported_at: dt.datetime) -> tuple[int, dict[str, Any]]:
    return (
        line,
        {"type": "retraction", "report_id": report_id, "reported_at": reported_at.isoformat()},
    )


def _revision(report_id: str, claim: Claim, reported_at: dt.datetime) -> dict[str, Any]:
    return {
        "type": "revision",
        "report_id": report_id,
        "figure": claim.figure.text,
        "language": claim.figure.language.value,
        "reported_at": reported_at.isoformat(),
        "period": _period(claim.period),
        "provenance": _provenance(claim.provenance),
    }


def _period(period: Period) -> dict[str, str | None]:
    return {
        "start": None if period.start is None else period.start.isoformat(),
        "end": None if period.end is None else period.end.isoformat(),
    }


def _provenance(provenance: Provenance) -> dict[str, str | None]:
    return {
        "via": provenance.via,
        "citation": provenance.citation,
        "quote": provenance.quote,
        "verification": provenance.verification.value,
        "notes": provenance.notes,
    }


# Names to terms.


def slug(name: str) -> str:
    """A taxonomy term for a name as a dataset gives it: `Chittagong Division` is
    `chittagong-division`, `Bhāndāria town` `bhandaria-town`. A term given as itself
    (`security_forces`) stays as it is; a name with no Latin letters or digits, or too
    long for a term, is kept readable where it can be and made unique by a digest."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    term = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-_")
    if not term:
        return f"x-{_digest(name)}"
    if len(term) > _MAX_TERM:
        return f"{term[: _MAX_TERM - 9].rstrip('-_')}-{_digest(name)}"
    return term


def _qualified(parent: str, term: str) -> str:
    joined = f"{parent}.{term}"
    return joined if len(joined) <= _MAX_TERM else f"{joined[: _MAX_TERM - 9]}-{_digest(joined)}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:8]


def notes(fields: dict[str, object]) -> str:
    """The publisher's own fields that have no home in a report, kept as one JSON object
    in the provenance's notes, keys sorted; a value the row left empty is null."""
    kept = {k: None if v == "" else v for k, v in sorted(fields.items())}
    return json.dumps(kept, ensure_ascii=False, separators=(", ", ": "))


def paths_of(*names: str | None) -> TermPath:
    """A place path from names, broadest first: empty names left out, and a name that
    repeats one above it (a district whose town has its name) kept once."""
    out: list[str] = []
    for name in names:
        if name and name.strip() and name.strip() not in out:
            out.append(name.strip())
    return tuple(out)
