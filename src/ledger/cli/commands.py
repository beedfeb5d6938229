"""The command handlers: parse what argparse leaves as text, call the facade, print the answer.

Each handler takes the parsed arguments and a `Context`, and returns the exit status. Domain
errors propagate as `LedgerError`; `ledger.cli.main` turns them into a one-line message.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import attrs

from ledger import lookups, times
from ledger._files import creating, replacing, sync_sqlite
from ledger._lines import utf8_lines
from ledger.cli import output
from ledger.cli.options import command_of
from ledger.cli.progress import Meter
from ledger.commands import (
    CorrectReport,
    DeclareField,
    ExtendTaxonomy,
    FileReport,
    OpenIncident,
    RegisterSource,
    RetractReport,
    ReviseReport,
    VoidReport,
)
from ledger.errors import AlreadyExistsError, ProofError, StoreError, ValidationError
from ledger.events import REPORT_EVENTS
from ledger.ledger import Ledger
from ledger.log import Store
from ledger.stores.sqlite import SQLiteStore
from ledger.taxonomy import Dimension, terms_of
from ledger.times import Side

if TYPE_CHECKING:
    from ledger import proof_format
    from ledger.interchange import ImportSummary
    from ledger.projections.audit import HistoryEntry
    from ledger.projections.timeline import Timeline

# A command imports what only it uses (proofs, imports and exports, verify, backups) when
# it runs, so that the others, a tally from a shell or a cron job, do not load it.

DEFAULT_DB = "ledger.db"


def _is_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


@attrs.define
class Context:
    """Where the ledger is, who is acting, and where output goes."""

    db: str
    actor: str | None
    stdout: TextIO
    stderr: TextIO
    #: The ledger's default language for figures given as text: $LEDGER_LANGUAGE, else en.
    language: str = "en"
    #: The display zone: tables show times in it, and bare dates mean its days.
    tz: dt.tzinfo = dt.UTC
    #: Where `--format parquet` writes (`--output FILE`).
    output: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> Context:
        given = getattr(args, "db", None)
        if given is not None and not given.strip():
            # An empty --db (an unset variable in a script: --db "$DB") must not quietly
            # mean ./ledger.db.
            raise ValidationError("--db", "is empty: name a SQLite file or a postgresql:// URL")
        db = given or os.environ.get("LEDGER_DB") or DEFAULT_DB
        actor = getattr(args, "actor", None) or os.environ.get("LEDGER_ACTOR") or None
        language = os.environ.get("LEDGER_LANGUAGE") or "en"
        tz = times.zone("--tz", getattr(args, "tz", None) or os.environ.get("LEDGER_TZ") or None)
        return cls(
            db=db,
            actor=actor,
            stdout=stdout,
            stderr=stderr,
            language=language,
            tz=tz,
            output=getattr(args, "output", None),
        )

    def cut(self, option: str, text: str | None, *, side: Side = Side.END) -> dt.datetime | None:
        """A cut on a clock given as an option: a bare date is a whole day of the display zone."""
        return times.cut(option, text, side=side, tz=self.tz)

    @property
    def where(self) -> str:
        if _is_url(self.db):
            from ledger.stores.postgres import redact  # noqa: PLC0415 - an optional extra

            return redact(self.db)
        return self.db

    def meter(self, label: str) -> Meter:
        return Meter(label, self.stderr)

    @contextlib.contextmanager
    def ledger(self, *, create: bool = False, durable: bool = True) -> Iterator[Ledger]:
        """The ledger at `db`, closed afterwards. Opening reads no more than the head, unless
        the read model must be rebuilt, which shows progress on a terminal.

        Only `init`, `import` and `restore` create a missing SQLite file: a query or a
        command aimed at a mistyped path must not leave an empty ledger behind. Nor may a
        command that fails: a new file is built under a private name and takes its own
        name only when the command succeeds (`ledger._files.creating`).
        """
        if create and not _is_url(self.db) and not Path(self.db).exists():
            try:
                with creating(self.db) as building, self._open(building, durable=durable) as ledger:
                    yield ledger
            except FileExistsError:
                raise StoreError(
                    f"{self.db!r} was created by another process while this command ran; "
                    "it is left as that process made it, and nothing was written to it"
                ) from None
            return
        with self._open(None, durable=durable) as ledger:
            yield ledger

    @contextlib.contextmanager
    def _open(self, path: Path | None, *, durable: bool) -> Iterator[Ledger]:
        """The ledger at `path`, or at `db` if None."""
        if path is None:
            store = self._store(create=False, durable=durable)
        else:
            store = SQLiteStore(path, durable=durable)
        meter = self.meter("rebuilding the read model")
        try:
            ledger = Ledger(
                store,
                actor=self.actor,
                progress=lambda done, total: meter("events", done, total),
                language=self.language,
            )
        except BaseException:
            store.close()
            raise
        finally:
            meter.finish()
        with ledger:
            yield ledger

    @contextlib.contextmanager
    def bare_store(self) -> Iterator[Store]:
        """The store at `db`, not replayed: for checks that must work on a damaged file."""
        store = self._store(create=False, durable=True)
        try:
            yield store
        finally:
            store.close()

    def _store(self, *, create: bool, durable: bool) -> Store:
        if _is_url(self.db):
            from ledger.stores.postgres import PostgresStore  # noqa: PLC0415 - an optional extra

            return PostgresStore(self.db)
        if not create and not Path(self.db).exists():
            raise StoreError(
                f"no ledger at {self.db!r}: create one with `ledger init`, "
                "or point --db (or LEDGER_DB) at an existing one"
            )
        return SQLiteStore(self.db, durable=durable)


# Times. A bad one is bad input (exit 1), not a usage error, so argparse leaves them as text
# and `ledger.times`, the one reader of times at any boundary, reads them here.


def day(option: str, text: str | None) -> dt.date | None:
    return times.day(option, text)


def _say(ctx: Context, text: str) -> None:
    ctx.stdout.write(text + "\n")


# Set-up.


def init(_: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger(create=True) as ledger:
        digest = ledger.digest()
    _say(ctx, f"ledger ready at {ctx.where}: {digest.position} events, digest {digest}")
    return 0


def incident_open(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        command = command_of(OpenIncident, args)
        stored = ledger.execute(command)
    _say(ctx, f"opened incident {args.incident} (position {stored.position})")
    return 0


def source_add(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        stored = ledger.execute(command_of(RegisterSource, args))
    _say(ctx, f"registered source {args.source} (position {stored.position})")
    return 0


def field_add(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        stored = ledger.execute(command_of(DeclareField, args))
    _say(ctx, f"declared personal field {args.field} (position {stored.position})")
    return 0


def fields(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        doc = output.fields_doc(ledger.fields())
    _emit(ctx, args.format, doc, output.fields_table(doc))
    return 0


def term_add(args: argparse.Namespace, ctx: Context) -> int:
    if args.dimension == "metric" and args.parent is not None:
        raise ValidationError(
            "--parent",
            f"metrics are a flat list and take no parent: ledger term add metric {args.term}",
            value=args.parent,
        )
    with ctx.ledger() as ledger:
        held = next(
            (
                t
                for t in terms_of(ledger.taxonomy, Dimension(args.dimension))
                if t.term == args.term
            ),
            None,
        )
        if held is not None:
            where = "the default taxonomy" if held.default else "this ledger's taxonomy"
            raise AlreadyExistsError(args.dimension, args.term, detail=f"it is in {where}")
        stored = ledger.execute(command_of(ExtendTaxonomy, args))
    _say(ctx, f"added {args.dimension} term {args.term} (position {stored.position})")
    return 0


# Reports and their changes. Each is its command's class, built from the options it gave.


def report(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        command = command_of(FileReport, args)
        assert isinstance(command, FileReport)  # noqa: S101 - command_of builds its class
        standing = ledger.standing_report(
            command.incident,
            source=command.source,
            metric=command.metric,
            group=command.group,
            by=command.by,
            place=command.place,
        )
        report_id = ledger.execute(command)
    # The id alone on stdout, so that scripts can capture it: rid=$(ledger report ...)
    _say(ctx, report_id)
    if standing is not None:
        latest = standing.latest
        ctx.stderr.write(
            f"ledger: note: {report_id} supersedes {standing.report_id} in the tally "
            f"({args.source}'s {latest.figure}, reported {latest.reported_at:%Y-%m-%d %H:%M}Z)."
            f" If {args.source} changed that figure, record it as a revision instead: "
            f"ledger revise {standing.report_id} --figure ... --reported-at ...\n"
        )
    return 0


def revise(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        ledger.execute(command_of(ReviseReport, args))
        state = ledger.report(args.report_id)
    _say(ctx, f"revised {args.report_id}: version {len(state.versions) - 1} is {args.figure!r}")
    return 0


def correct(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        stored = ledger.execute(command_of(CorrectReport, args))
    _say(ctx, f"corrected {args.report_id} (position {stored.position})")
    return 0


def retract(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        stored = ledger.execute(command_of(RetractReport, args))
    _say(ctx, f"retracted {args.report_id} (position {stored.position})")
    return 0


def void(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        stored = ledger.execute(command_of(VoidReport, args))
    _say(ctx, f"voided {args.report_id} (position {stored.position})")
    return 0


# Answers.


def _emit(ctx: Context, fmt: str, doc: object, text: str) -> None:
    if (fmt == "parquet") != (ctx.output is not None):
        if fmt == "parquet":
            raise ValidationError("--output", "is needed: Parquet is written to a file")
        raise ValidationError("--output", "is for --format parquet; redirect other formats")
    if fmt == "parquet":
        from ledger.frames import write_parquet  # noqa: PLC0415 - an optional extra

        assert ctx.output is not None  # noqa: S101 - checked above
        write_parquet(doc, ctx.output)
        ctx.stderr.write(f"wrote {ctx.output}\n")
    elif fmt == "json":
        output.write_json(doc, ctx.stdout)
    elif fmt == "csv":
        output.write_csv(doc, ctx.stdout)
    else:
        _say(ctx, text)


def tally(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        result = ledger.tally(
            args.incident,
            as_of=ctx.cut("--as-of", args.as_of),
            known_at=ctx.cut("--known-at", args.known_at),
            occurred_by=day("--occurred-by", args.occurred_by),
        )
        doc = output.tally_doc(
            result,
            title=ledger.incident(args.incident).title,
            names=_names(ledger),
            compared_since=ctx.cut("--compare-since", args.compare_since, side=Side.START),
        )
    now = result.as_of or dt.datetime.now(dt.UTC)
    _emit(ctx, args.format, doc, output.tally_table(doc, tz=ctx.tz, now=now))
    return 0


def _names(ledger: Ledger) -> dict[str, str]:
    return {s.source: s.name for s in ledger.sources()}


def timeline(args: argparse.Namespace, ctx: Context) -> int:
    for option, value in (("--title", args.title), ("--until", args.until)):
        if value is not None and args.plot is None:
            # Said, not ignored: the table would look as if the option had been applied.
            raise ValidationError(option, "is for the chart: give --plot FILE.png too")
    with ctx.ledger() as ledger:
        result = ledger.timeline(
            args.incident,
            metric=args.metric,
            group=args.group,
            by=args.by,
            place=args.place,
            source=args.source,
            known_at=ctx.cut("--known-at", args.known_at),
        )
        if args.plot is not None:
            _plot(args, ctx, ledger, result)
        doc = output.timeline_doc(
            result, title=ledger.incident(args.incident).title, names=_names(ledger)
        )
    _emit(ctx, args.format, doc, output.timeline_table(doc, tz=ctx.tz))
    return 0


def _plot(args: argparse.Namespace, ctx: Context, ledger: Ledger, result: Timeline) -> None:
    from ledger.plot import plot_timeline, source_colours  # noqa: PLC0415 - an optional extra

    until = ctx.cut("--until", args.until)
    sources = ledger.sources()
    plot_timeline(
        result,
        args.plot,
        title=args.title or ledger.incident(args.incident).title,
        names={s.source: s.name for s in sources},
        # By registration order: a source keeps its colour on every chart of this ledger.
        colours=source_colours(s.source for s in sources),
        until=until,
        tz=ctx.tz,
    )
    ctx.stderr.write(f"wrote {args.plot}\n")


def history(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        entries = ledger.history(args.report_id)
    doc = output.history_doc(args.report_id, entries)
    text = output.changes_table(
        doc.entries, title=f"History of report {args.report_id}", with_report=False, tz=ctx.tz
    )
    _emit(ctx, args.format, doc, text)
    return 0


def changes(args: argparse.Namespace, ctx: Context) -> int:
    since, until = ctx.cut("--since", args.since, side=Side.START), ctx.cut("--until", args.until)
    # Here, before the facade: it sees the cuts, and a day after the day it runs to (--since
    # 2025-03-10 --until 2025-03-09) cuts to two equal instants, an empty window it allows.
    lookups.check_window(args.since, args.until, since, until, names=("--since", "--until"))
    if args.follow and args.format == "parquet":
        raise ValidationError("--format", "parquet writes a finished answer; --follow never ends")
    with ctx.ledger() as ledger:
        entries = ledger.changes(
            since=since,
            until=until,
            clock=args.clock,
            incident=args.incident,
            source=args.source,
            actor=args.recorded_by,
        )
        if args.follow:
            return _follow(args, ctx, ledger, entries, since=since, until=until)
    doc = output.changes_doc(
        entries,
        clock=args.clock,
        since=since,
        until=until,
        incident=args.incident,
        source=args.source,
        recorded_by=args.recorded_by,
    )
    title = (
        f"Changes on the {args.clock} clock {output.window_start(since, tz=ctx.tz)} "
        f"up to {output.when(until, tz=ctx.tz)}"
    )
    _emit(
        ctx,
        args.format,
        doc,
        output.changes_table(doc.entries, title=title, with_report=True, tz=ctx.tz),
    )
    return 0


def _follow(
    args: argparse.Namespace,
    ctx: Context,
    ledger: Ledger,
    entries: list[HistoryEntry],
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> int:
    """Print the window's changes, then each new one as any writer records it, as JSON Lines.

    Built on `Ledger.subscribe`: each report event appended after the ledger's position is
    turned into its change (from the report's history) and printed if it passes the same
    filters `changes` applies. Ends on Ctrl-C, or after `--idle-timeout` seconds of quiet.
    """
    for earlier in entries:
        _line(ctx, earlier)
    with ledger.subscribe(
        after=ledger.position, poll_interval=args.poll_interval, idle_timeout=args.idle_timeout
    ) as subscription:
        for stored in subscription:
            event = stored.event
            if not isinstance(event, REPORT_EVENTS):
                continue
            entry = next(
                (e for e in ledger.history(event.report_id) if e.position == stored.position),
                None,
            )
            if entry is None:  # pragma: no cover - every report event is in its history
                continue
            at = entry.recorded_at if args.clock == "recorded" else entry.reported_at
            if (
                (since is None or at > since)
                and (until is None or at <= until)
                and args.incident in (None, entry.incident)
                and args.source in (None, entry.source)
                and args.recorded_by in (None, entry.actor)
            ):
                _line(ctx, entry)
    return 0


def _line(ctx: Context, entry: HistoryEntry) -> None:
    output.write_json_line(output.change_row(entry), ctx.stdout)
    ctx.stdout.flush()


def diff(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        a = ledger.tally(
            args.incident,
            as_of=ctx.cut("--from-as-of", args.from_as_of),
            known_at=ctx.cut("--from-known-at", args.from_known_at),
        )
        b = ledger.tally(
            args.incident,
            as_of=ctx.cut("--to-as-of", args.to_as_of),
            known_at=ctx.cut("--to-known-at", args.to_known_at),
        )
        title, names = ledger.incident(args.incident).title, _names(ledger)
    doc = output.diff_doc(Ledger.diff(a, b), a, b, title=title, names=names)
    _emit(ctx, args.format, doc, output.diff_table(doc, tz=ctx.tz))
    return 0


# Looking things up.


def incidents(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        # Counted by the read model: listing incidents must not fold every one of them.
        counts = ledger.store.report_counts()
        found = [(i, counts.get(i.incident, 0)) for i in ledger.incidents()]
    doc = output.incidents_doc(found)
    _emit(ctx, args.format, doc, output.incidents_table(doc))
    return 0


def sources(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        doc = output.sources_doc(ledger.sources())
    _emit(ctx, args.format, doc, output.sources_table(doc))
    return 0


def terms(args: argparse.Namespace, ctx: Context) -> int:
    dimension = None if args.dimension is None else Dimension(args.dimension)
    with ctx.ledger() as ledger:
        doc = output.terms_doc(terms_of(ledger.taxonomy, dimension), dimension)
    _emit(ctx, args.format, doc, output.terms_table(doc))
    return 0


def reports(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        incident = ledger.incident(args.incident)
        # A typo in a filter is an error, not an empty list.
        lookups.check_source({s.source: s for s in ledger.sources()}, args.source)
        if args.metric is not None:
            ledger.taxonomy.require(Dimension.METRIC, args.metric)
        found = [
            r
            for r in ledger.reports(args.incident)
            if args.source in (None, r.source) and args.metric in (None, r.metric)
        ]
        doc = output.reports_doc(incident, found, names=_names(ledger))
    _emit(ctx, args.format, doc, output.reports_table(doc, tz=ctx.tz))
    return 0


def show(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        report = ledger.report(args.report_id)
        title = ledger.incident(report.incident).title
        history = ledger.history(args.report_id)
        doc = output.report_doc(report, title=title, names=_names(ledger), history=history)
    _emit(ctx, args.format, doc, output.report_table(doc, tz=ctx.tz))
    return 0


# Integrity.


def verify(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.verify import Digest, verify_log  # noqa: PLC0415 - loaded by the command that uses it

    against = None if args.against is None else Digest.parse(args.against)
    since = None if args.since is None else Digest.parse(args.since)
    # The chain is walked in the store itself: a file too damaged to replay is still verified.
    with ctx.bare_store() as store:
        found = verify_log(store, against=against, since=since, deep=args.deep)
    if args.deep and found.ok:
        # The domain replay needs a ledger, which a sound log always opens.
        with ctx.ledger() as ledger:
            found = ledger.verify(against=against, deep=True)
    problem = found.problem
    doc = output.verify_doc(found)
    if args.format == "json":
        output.write_json(doc, ctx.stdout)
    elif problem is None:
        if since is not None:
            begun = found.head.position - found.checked
            walked = (
                f"no records were appended after {since}"
                if found.checked == 0
                else f"the {found.checked} record{'' if found.checked == 1 else 's'} after "
                f"position {begun} verified; head {found.head}"
            )
            _say(
                ctx,
                f"ok: {walked}, and the log still extends "
                f"{'it' if found.checked == 0 else since} (verify without --since re-reads "
                "the records before it)",
            )
        else:
            extends = "" if against is None else f", and it extends {against}"
            _say(ctx, f"ok: {found.checked} records verified; head {found.head}{extends}")
        for r in found.redactions:
            _say(
                ctx,
                f"redacted: the {r.field} of report {r.report_id}'s record at position "
                f"{r.position}, by {r.actor} at {output.when(r.recorded_at, tz=ctx.tz)} "
                f"(position {r.at}): {r.reason}",
            )
    else:
        _say(ctx, f"FAILED after {found.checked} good records: {problem}")
    # A log that fails verification is a failed check, and says so in the status too.
    return 0 if found.ok else 1


def digest(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        head = ledger.digest()
    if args.format == "json":
        output.write_json(output.digest_doc(head), ctx.stdout)
    else:
        _say(ctx, str(head))
    return 0


def reindex(_: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        meter = ctx.meter("rebuilding the read model")
        try:
            ledger.reindex(lambda done, total: meter("events", done, total))
        finally:
            meter.finish()
        head = ledger.digest()
    _say(ctx, f"rebuilt the read model of {ctx.where} from {head.position} records; head {head}")
    return 0


def redact(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.ledger() as ledger:
        positions = ledger.redact(
            args.report_id, field=args.field, reason=args.reason, version=args.version
        )
    where = ", ".join(str(p) for p in positions)
    _say(ctx, f"erased the {args.field} of report {args.report_id} at position {where}")
    return 0


# Proofs.


def _document_file(option: str, name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise ProofError(option, f"cannot read {name!r}: {exc.strerror}") from None


def head(args: argparse.Namespace, ctx: Context) -> int:
    from ledger import proof_format, proofs  # noqa: PLC0415 - loaded by the command that uses it

    with ctx.ledger() as ledger:
        document = proofs.tree_head(ledger, key=args.sign)
    ctx.stdout.write(proof_format.dump_document(document) + "\n")
    return 0


def _head_file(option: str, name: str) -> proof_format.TreeHead:
    from ledger import proof_format  # noqa: PLC0415 - loaded by the command that uses it

    document = proof_format.load_document(_document_file(option, name), what=option)
    if not isinstance(document, proof_format.TreeHead):
        raise ProofError(option, f"{name!r} is a proof, not a tree head")
    return document


def prove(args: argparse.Namespace, ctx: Context) -> int:
    from ledger import proof_format, proofs  # noqa: PLC0415 - loaded by the command that uses it

    if (args.report_id is None) == (args.since is None):
        raise ValidationError("report_id", "name a report, or give --since, but not both")
    if args.since is not None and args.version is not None:
        raise ValidationError("--version", "belongs to a report's proof, not to --since")
    trusted = _head_file("--head", args.head)
    document: proof_format.Document
    with ctx.ledger() as ledger:
        if args.since is not None:
            old = _head_file("--since", args.since)
            document = proofs.consistency_proof(ledger, old=old, head=trusted)
        else:
            document = proofs.inclusion_proof(
                ledger, args.report_id, head=trusted, version=args.version
            )
    ctx.stdout.write(proof_format.dump_document(document) + "\n")
    return 0


def check_proof(args: argparse.Namespace, ctx: Context) -> int:
    from ledger import proof_check  # noqa: PLC0415 - loaded by the command that uses it

    checked = proof_check.check_proof(
        _document_file("proof", args.proof),
        _document_file("--head", args.head),
        public_key=args.public_key,
        since=None if args.since is None else _document_file("--since", args.since),
    )
    signer = "unsigned head" if checked.signer is None else f"head signed by {checked.signer}"
    size = checked.head.size
    if checked.claim is None:
        _say(ctx, f"ok: the tree of {size} records extends the earlier head ({signer})")
    else:
        claim = checked.claim
        figure = "" if claim.figure is None else f": {claim.figure!r}"
        _say(
            ctx,
            f"ok: report {claim.report_id} ({claim.change}{figure}) is in the tree of "
            f"{size} records issued at {checked.head.issued_at} ({signer})",
        )
    return 0


# Interchange.


@contextlib.contextmanager
def _reading(name: str) -> Iterator[Iterator[str]]:
    """The file's (or stdin's) lines, decoded here so a byte that is not UTF-8 names its line."""
    if name == "-":
        yield utf8_lines(sys.stdin.buffer)
        return
    with Path(name).open("rb") as file:
        yield utf8_lines(file)


def backup(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.backup import backup_sqlite  # noqa: PLC0415 - loaded by the command that uses it

    if _is_url(ctx.db):
        raise StoreError(
            "ledger backup copies SQLite files; back a PostgreSQL ledger up with pg_dump, "
            "or with `ledger export`"
        )
    digest = backup_sqlite(ctx.db, args.path)
    _say(ctx, f"backed up {digest.position} records to {args.path}; verified, digest {digest}")
    return 0


def export(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.interchange import export_log  # noqa: PLC0415 - loaded by the command that uses it

    meter = ctx.meter("export")
    with ctx.ledger() as ledger:
        if args.file == "-":
            head = export_log(ledger, ctx.stdout, progress=meter)
        else:
            # A half-written backup never sits under the name of a finished one.
            with replacing(args.file) as out:
                head = export_log(ledger, out, progress=meter)
    meter.finish()
    where = "" if args.file == "-" else f" to {args.file}"
    ctx.stderr.write(f"exported {head.position} records{where}; digest {head}\n")
    return 0


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what it interrupted: `ledger.cli.main` prints the message."""


def _key(args: argparse.Namespace) -> tuple[str | None, list[str] | None]:
    """The import's key, and the lines if they had to be held to compute it (stdin's); no
    key with --skip-known, where each line is named by its own content."""
    from ledger._import_key import content_key  # noqa: PLC0415 - loaded by the command that uses it

    if args.skip_known:
        if args.key is not None:
            raise ValidationError("--key", "names the whole file; --skip-known names each line")
        return None, None
    if args.key is not None:
        return args.key, None
    if args.file == "-":
        held = list(utf8_lines(sys.stdin.buffer))
        return content_key(held), held
    with Path(args.file).open("rb") as file:
        return content_key(utf8_lines(file)), None


def import_(args: argparse.Namespace, ctx: Context) -> int:
    """Import a file; Ctrl-C reports truthfully whether the import had been committed.

    The batch may be committed a moment before Ctrl-C lands, or Ctrl-C may land while the
    ledger closes: the import's key, from which its event ids derive, tells which.
    """
    done: _Outcome | None = None
    try:
        key, held = _key(args)
        with ctx.ledger(create=True) as ledger, _reading(args.file) as lines:
            done = _import_or_find(ctx, ledger, held or lines, key=key, reason=args.reason)
    except Interrupted:
        raise
    except KeyboardInterrupt:
        # After the commit, while the ledger closed: the import stands, unless it was
        # building a new file, which a command that did not finish never leaves behind.
        if done is None or not (_is_url(ctx.db) or Path(ctx.db).exists()):
            raise Interrupted("interrupted; nothing was imported") from None
        done = attrs.evolve(done, interrupted=True)
    summary, first, last = done.summary, done.first, done.last
    if done.interrupted:
        ctx.stderr.write(
            f"ledger: interrupted, but the import had been committed: {len(summary.positions)} "
            f"events at positions {first}-{last}; running it again changes nothing\n"
        )
    elif summary.repeated:
        _say(
            ctx,
            f"already imported: these {summary.lines} lines are the {len(summary.positions)} "
            f"events at positions {first}-{last} (import key {key}); nothing was appended",
        )
    else:
        counts = ", ".join(
            f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in summary.counts.items()
        )
        skipped = (
            f"; skipped {summary.skipped} lines the ledger already holds" if args.skip_known else ""
        )
        _say(
            ctx,
            f"imported {summary.lines} lines ({counts or 'nothing'}) as {len(summary.positions)} "
            f"events{skipped}; the log is at position {done.head}",
        )
    return 0


@attrs.frozen(kw_only=True)
class _Outcome:
    """What an import did: its summary, where the log's head was, and whether Ctrl-C
    interrupted it after its commit."""

    summary: ImportSummary
    head: int
    interrupted: bool = False

    @property
    def first(self) -> int:
        positions = self.summary.positions
        return positions[0] if positions else self.head

    @property
    def last(self) -> int:
        positions = self.summary.positions
        return positions[-1] if positions else self.head


def _import_or_find(
    ctx: Context, ledger: Ledger, lines: Iterable[str], *, key: str | None, reason: str | None
) -> _Outcome:
    """Import `lines`; after Ctrl-C, the import as committed, or `Interrupted` if it was not."""
    from ledger._import_key import imported  # noqa: PLC0415 - loaded by the command that uses it
    from ledger.interchange import ImportSummary, import_lines  # noqa: PLC0415 - loaded by the command that uses it

    meter = ctx.meter("import")
    try:
        summary = import_lines(
            ledger, lines, reason=reason, progress=meter, key=key, skip_known=key is None
        )
    except KeyboardInterrupt:
        meter.finish()
        if key is None:
            raise Interrupted(
                "interrupted; whether or not the import had committed, running it again with "
                "--skip-known appends only the lines the ledger does not hold"
            ) from None
        found = imported(ledger.store, key, lambda after: ledger.events(after=after))
        if found is None:
            raise Interrupted("interrupted; nothing was imported") from None
        positions = range(found.first, found.last + 1)
        summary = ImportSummary(lines=0, counts={}, positions=positions)
        return _Outcome(summary=summary, head=found.last, interrupted=True)
    finally:
        meter.finish()
    head = summary.positions[-1] if summary.positions else ledger.store.head().position
    return _Outcome(summary=summary, head=head)


def restore(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.interchange import restore_log  # noqa: PLC0415 - loaded by the command that uses it

    # Per-commit fsync buys nothing here: an interrupted restore is discarded, not resumed.
    # What is restored is made durable once, at the end, before the command says so.
    with ctx.ledger(create=True, durable=False) as ledger:
        meter = ctx.meter("restore")
        source: str | list[str] = (
            list(utf8_lines(sys.stdin.buffer)) if args.file == "-" else args.file
        )
        try:
            head = restore_log(ledger, source, progress=meter)
        finally:
            meter.finish()
        if isinstance(ledger.store, SQLiteStore):
            sync_sqlite(ledger.store.path)
    _say(ctx, f"restored {head.position} records into {ctx.where}; verified, digest {head}")
    return 0
