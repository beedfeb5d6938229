"""The field's datasets from a shell: `ledger ucdp import`, `ledger acled import`,
`ledger hxl import` and `ledger hxl export` (docs/cli.md, docs/ucdp.md, docs/acled.md,
docs/hxl.md). Each import is one transaction: all of the file, or nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

from ledger.cli.commands import Context, day
from ledger.errors import ValidationError

if TYPE_CHECKING:  # the formats load when a data-set command runs, not for every command
    from ledger.formats._csv import Input
    from ledger.formats._release import ReleaseSummary

Handler = Callable[[argparse.Namespace, Context], int]
Command = Callable[..., argparse.ArgumentParser]


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    command: Command,
    *,
    common: argparse.ArgumentParser,
) -> None:
    """The dataset commands, each a group of its own (`ledger ucdp import ...`)."""

    def group(name: str, help_: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        return sub.add_parser(name, help=help_, parents=[common]).add_subparsers(
            dest="action", metavar="ACTION", required=True
        )

    ucdp = group("ucdp", "UCDP GED and Candidate releases: import one")
    p = command("import", ucdp_import, "import a UCDP GED or Candidate release as what UCDP "
                "said on its date: changed events revised, dropped ones retracted",
                parent=ucdp)  # fmt: skip
    p.add_argument("file", help="the release's CSV file (.csv or .csv.gz), or - for stdin")
    p.add_argument("--release", required=True, help="its name, e.g. 19.1 or 25.0.1")
    p.add_argument("--released-on", required=True, metavar="DATE",
                   help="its date: what it says is reported then (e.g. 2019-06-01)")  # fmt: skip
    p.add_argument("--candidate", action="store_true",
                   help="a Candidate events release (source ucdp-candidate), not GED")  # fmt: skip
    p.add_argument("--extract", action="store_true",
                   help="the file is part of a release (one country): retract none of the "
                   "events it lacks")  # fmt: skip
    p.add_argument("--reason", help="stored with every event (default: the release's name)")

    acled = group("acled", "ACLED exports and deletions: import them")
    p = command("import", acled_import, "import an ACLED export and/or its deletions file: "
                "updated rows revised, deletions retracted, the rest unchanged",
                parent=acled)  # fmt: skip
    p.add_argument("file", nargs="?", help="an export's CSV file (.csv or .csv.gz), or -")
    p.add_argument("--deletions", metavar="FILE", help="ACLED's deletions file")
    p.add_argument("--reason", help="stored with every event (default: ACLED export)")

    hxl = group("hxl", "HXL-tagged CSV (HDX): import a sheet, export a tally or timeline")
    p = command("import", hxl_import, "import an HXL-tagged sheet: each row one source's "
                "figure at its date", parent=hxl)  # fmt: skip
    p.add_argument("file", help="the sheet (.csv or .csv.gz), or - for stdin")
    p.add_argument("--incident", help="the incident of rows without #event+id")
    p.add_argument("--reason", help="stored with every event (default: HXL import)")
    p = command("export", hxl_export, "write a tally or timeline as an HXL sheet with a "
                "Frictionless datapackage.json naming the ledger's digest",
                parent=hxl)  # fmt: skip
    p.add_argument("incident")
    p.add_argument("directory", help="where to write the sheet and datapackage.json")
    p.add_argument("--as-of", metavar="TIME", help="the tally as reported by then")
    p.add_argument("--known-at", metavar="TIME", help="as the ledger knew it then")
    p.add_argument("--timeline", action="store_true",
                   help="the timeline of one key (--metric, ...) instead of the tally")  # fmt: skip
    p.add_argument("--metric", help="with --timeline: the metric (default: killed)")
    p.add_argument("--group", help="with --timeline: the victim group (default: all)")
    p.add_argument("--by", help="with --timeline: the perpetrator (default: all)")
    p.add_argument("--place", help="with --timeline: the place (default: all)")
    p.add_argument("--source", help="with --timeline: one source only")


@contextlib.contextmanager
def _input(name: str) -> Iterator[Input]:
    if name == "-":
        stdin: BinaryIO = sys.stdin.buffer
        yield stdin
    else:
        yield name


def _report(ctx: Context, what: str, summary: ReleaseSummary, head: int) -> int:
    parts: Sequence[tuple[int, str]] = (
        (summary.opened, "incidents opened"),
        (summary.terms, "terms added"),
        (summary.filed, "reports filed"),
        (summary.revised, "revised"),
        (summary.retracted, "retracted"),
        (summary.unchanged, "unchanged"),
    )
    read = f"{summary.records} records"
    if summary.deletions:
        read += f" and {summary.deletions} deletions ({summary.ignored} of nothing held)"
    done = ", ".join(f"{n} {label}" for n, label in parts)
    ctx.stdout.write(
        f"imported {what}: {read}; {done}; {len(summary.positions)} events, "
        f"the log is at position {head}\n"
    )
    return 0


def ucdp_import(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.formats.ucdp import import_ucdp  # noqa: PLC0415 - only this command needs it

    released_on = day("--released-on", args.released_on)
    assert released_on is not None  # noqa: S101 - argparse requires it
    dataset = "candidate" if args.candidate else "ged"
    with ctx.ledger(create=True) as ledger, _input(args.file) as source:
        meter = ctx.meter("import")
        try:
            summary = import_ucdp(
                ledger,
                source,
                release=args.release,
                released_on=released_on,
                dataset=dataset,
                complete=not args.extract,
                reason=args.reason,
                progress=meter,
            )
        finally:
            meter.finish()
        head = ledger.store.head().position
    return _report(ctx, f"UCDP {dataset.upper()} {args.release}", summary, head)


def acled_import(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.formats.acled import import_acled  # noqa: PLC0415 - only this command needs it

    if args.file is None and args.deletions is None:
        raise ValidationError("file", "give an export, --deletions FILE, or both")
    with (
        ctx.ledger(create=True) as ledger,
        contextlib.ExitStack() as stack,
    ):
        export = None if args.file is None else stack.enter_context(_input(args.file))
        meter = ctx.meter("import")
        try:
            summary = import_acled(
                ledger, export, deletions=args.deletions, reason=args.reason, progress=meter
            )
        finally:
            meter.finish()
        head = ledger.store.head().position
    return _report(ctx, "ACLED", summary, head)


def hxl_import(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.formats.hxl import import_hxl  # noqa: PLC0415 - only this command needs it

    with ctx.ledger(create=True) as ledger, _input(args.file) as source:
        meter = ctx.meter("import")
        try:
            summary = import_hxl(
                ledger, source, incident=args.incident, reason=args.reason, progress=meter
            )
        finally:
            meter.finish()
        head = ledger.store.head().position
    return _report(ctx, "HXL", summary, head)


def hxl_export(args: argparse.Namespace, ctx: Context) -> int:
    from ledger.formats.hxl import export_hxl  # noqa: PLC0415 - only this command needs it

    key = {"metric": args.metric, "group": args.group, "by": args.by, "place": args.place,
           "source": args.source}  # fmt: skip
    if not args.timeline:
        given = next((f"--{k}" for k, v in key.items() if v is not None), None)
        if given is not None:
            raise ValidationError(given, "is for a timeline: give --timeline too")
    elif args.as_of is not None:
        raise ValidationError("--as-of", "is for a tally: a timeline covers all of time")
    with ctx.ledger() as ledger:
        path = export_hxl(
            ledger,
            args.incident,
            args.directory,
            timeline=key if args.timeline else None,
            as_of=ctx.cut("--as-of", args.as_of),
            known_at=ctx.cut("--known-at", args.known_at),
        )
        digest = ledger.digest()
    ctx.stdout.write(f"wrote {path} and its sheet beside it; ledger digest {digest}\n")
    return 0
