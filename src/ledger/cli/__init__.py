"""The `ledger` command: the facade's commands and queries from a shell (see docs/cli.md).

Exit status: 0 on success; 1 for bad input, a domain error (any `LedgerError`) or a log
that fails verification, with a one-line message on stderr; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from ledger.cli import commands, datasets
from ledger.cli.options import add_options
from ledger.cli.output import FORMATS
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
from ledger.errors import LedgerError
from ledger.taxonomy import ROOT, Dimension

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace, commands.Context], int]

_EPILOG = """\
times: an ISO 8601 date (2025-03-08) or a datetime with a zone (2025-03-08T14:00Z,
2025-03-08T17:00+03:00); a bare date in --since means the start of that day, in
--as-of, --known-at and --until its end (UTC, or --tz). Times without a zone are refused.

See docs/cli.md for every command, the JSON and CSV schemas and the JSON Lines formats."""


def _common(*, formats: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Options every command takes, before or after its name.

    SUPPRESS keeps a subcommand from overwriting a value given before it with its default.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="the ledger: a SQLite file or a postgresql:// URL (default: $LEDGER_DB, "
        "else ./ledger.db)",
    )
    parser.add_argument(
        "--actor",
        default=argparse.SUPPRESS,
        help="who is recording (default: $LEDGER_ACTOR, else your login name)",
    )
    if formats is not None:
        parser.add_argument(
            "--tz",
            default=argparse.SUPPRESS,
            metavar="ZONE",
            help="the display time zone, whose days bare dates mean: an IANA name such as "
            "Asia/Damascus (default: $LEDGER_TZ, else UTC)",
        )
        parser.add_argument(
            "--format",
            choices=formats,
            default="table",
            help="table for people (the default); json and csv for programs (docs/cli.md)"
            + ("; parquet to --output FILE" if "parquet" in formats else ""),
        )
        if "parquet" in formats:
            parser.add_argument(
                "--output",
                default=argparse.SUPPRESS,
                metavar="FILE",
                help="where --format parquet writes (the `frames` extra; docs/dataframes.md)",
            )
    return parser


def _key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--group", default=ROOT, help="victim group (default: all)")
    parser.add_argument("--by", default=ROOT, help="perpetrator (default: all)")
    parser.add_argument("--place", default=ROOT, help="place (default: all)")


def build_parser() -> argparse.ArgumentParser:  # noqa: PLR0915 - one block per command
    common = _common()
    queries = _common(formats=FORMATS)
    small = _common(formats=("table", "json"))
    parser = argparse.ArgumentParser(
        prog="ledger",
        description="An append-only, bitemporal ledger of casualty and incident figures.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str,
        handler: Handler,
        help_: str,
        *,
        parents: Sequence[argparse.ArgumentParser] = (common,),
        parent: argparse._SubParsersAction[argparse.ArgumentParser] = sub,
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_, description=help_, parents=list(parents))
        p.set_defaults(handler=handler)
        return p

    command("init", commands.init, "create the ledger if it does not exist, and show its head")

    incident = sub.add_parser("incident", help="incidents: open one").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    source = sub.add_parser("source", help="sources: register one").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    term = sub.add_parser("term", help="taxonomy: add a term").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    field = sub.add_parser("field", help="personal fields: declare one").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    # Each command's arguments are its class's fields (ledger.commands, ledger.cli.options).
    parents: dict[tuple[str, ...], argparse._SubParsersAction[argparse.ArgumentParser]] = {
        ("incident",): incident,
        ("source",): source,
        ("term",): term,
        ("field",): field,
    }
    for cls, handler in (
        (OpenIncident, commands.incident_open),
        (RegisterSource, commands.source_add),
        (ExtendTaxonomy, commands.term_add),
        (DeclareField, commands.field_add),
        (FileReport, commands.report),
        (ReviseReport, commands.revise),
        (CorrectReport, commands.correct),
        (RetractReport, commands.retract),
        (VoidReport, commands.void),
    ):
        p = command(cls.words[-1], handler, cls.summary, parent=parents.get(cls.words[:-1], sub))
        add_options(p, cls)

    p = command("tally", commands.tally, "each source's figures, and how they compare",
                parents=[queries])  # fmt: skip
    p.add_argument("incident")
    p.add_argument("--as-of", metavar="TIME", help="as reported by then (default: now)")
    p.add_argument("--known-at", metavar="TIME", help="as the ledger knew then (default: now)")
    p.add_argument("--occurred-by", metavar="DATE", help="only figures whose period ends by then")
    p.add_argument(
        "--compare-since",
        metavar="TIME",
        help="compare across sources only figures reported after then",
    )

    p = command("timeline", commands.timeline, "how each source's figure moved over time",
                parents=[queries])  # fmt: skip
    p.add_argument("incident")
    p.add_argument("--metric", required=True)
    _key(p)
    p.add_argument("--source", help="one source only")
    p.add_argument("--known-at", metavar="TIME")
    p.add_argument(
        "--plot",
        metavar="FILE.png",
        help="also draw it: .png, or .svg by the name (needs the plot extra)",
    )
    p.add_argument("--title", help="the chart's title (default: the incident's title)")
    p.add_argument("--until", metavar="TIME", help="draw the chart through then (default: now)")

    p = command("history", commands.history, "every change to one report",
                parents=[queries])  # fmt: skip
    p.add_argument("report_id")

    p = command("changes", commands.changes, "changes to reports in a window of one clock",
                parents=[queries])  # fmt: skip
    p.add_argument("--since", metavar="TIME", help="after this time (default: the start)")
    p.add_argument("--until", metavar="TIME", help="up to this time (default: now)")
    p.add_argument("--clock", choices=["recorded", "reported"], default="recorded")
    p.add_argument("--incident")
    p.add_argument("--source")
    p.add_argument("--recorded-by", metavar="ACTOR", help="changes this actor recorded")
    p.add_argument("--follow", action="store_true",
                   help="then wait for new changes from any writer; prints JSON Lines")  # fmt: skip
    p.add_argument("--poll-interval", type=float, default=1.0, metavar="SECONDS",
                   help="with --follow: seconds between looks (default: 1)")  # fmt: skip
    p.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                   help="with --follow: stop after this long with nothing new")  # fmt: skip

    p = command("diff", commands.diff, "what changed between two tallies", parents=[queries])
    p.add_argument("incident")
    p.add_argument("--from-as-of", metavar="TIME")
    p.add_argument("--from-known-at", metavar="TIME")
    p.add_argument("--to-as-of", metavar="TIME")
    p.add_argument("--to-known-at", metavar="TIME")

    command("incidents", commands.incidents, "every incident, with its title and reports",
            parents=[queries])  # fmt: skip
    command("sources", commands.sources, "every source, with its name and kind",
            parents=[queries])  # fmt: skip
    p = command("terms", commands.terms, "the taxonomy: every term and its parent",
                parents=[queries])  # fmt: skip
    p.add_argument("dimension", nargs="?", choices=[d.value for d in Dimension],
                   help="one dimension only")  # fmt: skip
    command("fields", commands.fields, "the personal fields the ledger declared",
            parents=[queries])  # fmt: skip
    p = command("reports", commands.reports, "an incident's reports as they stand now",
                parents=[queries])  # fmt: skip
    p.add_argument("incident")
    p.add_argument("--source", help="one source only")
    p.add_argument("--metric", help="one metric only")
    p = command("show", commands.show, "one report: every version with its provenance",
                parents=[queries])  # fmt: skip
    p.add_argument("report_id")

    p = command("verify", commands.verify, "walk the hash chain and check the read model; "
                "exit 1 if either is broken",
                parents=[small])  # fmt: skip
    digests = p.add_mutually_exclusive_group()
    digests.add_argument("--against", metavar="DIGEST", help="a digest published earlier")
    digests.add_argument(
        "--since",
        metavar="DIGEST",
        help="check only what was appended after this digest, which an earlier verify gave",
    )
    p.add_argument(
        "--deep",
        action="store_true",
        help="also check the schema's guards and replay every event under the domain rules",
    )

    command("digest", commands.digest, "the head digest to publish", parents=[small])

    command("reindex", commands.reindex, "rebuild the read model beside the log from the log")

    p = command("redact", commands.redact, "erase a free-text field of a report's records, "
                "keeping verification (docs/reliability.md)")  # fmt: skip
    p.add_argument("report_id")
    p.add_argument(
        "--field",
        required=True,
        help="citation, quote, notes, or a personal field the ledger declared",
    )
    p.add_argument("--reason", required=True, help="why: recorded with who and when")
    p.add_argument("--version", type=int, help="only this version's record (0: the filing)")

    p = command("head", commands.head, "the tree head to publish, as JSON (docs/proofs.md)")
    p.add_argument("--sign", metavar="KEY", help="sign it with this Ed25519 private key (PEM)")
    p = command("prove", commands.prove, "a proof, as JSON, that a report's record is in the "
                "tree of a head, or (with --since) that a head extends an earlier one")  # fmt: skip
    p.add_argument("report_id", nargs="?", help="the report whose record to prove")
    p.add_argument(
        "--version", type=int, help="the report's version (0: the filing; default: its last change)"
    )
    p.add_argument("--head", required=True, metavar="HEAD.json", help="the head to prove against")
    p.add_argument("--since", metavar="OLD.json", help="an earlier head the head extends")
    p = command("check-proof", commands.check_proof, "check a proof against a head, with no "
                "ledger at hand; exit 1 if it does not hold")  # fmt: skip
    p.add_argument("proof", help="the proof (JSON), or - for stdin")
    p.add_argument("--head", required=True, metavar="HEAD.json", help="the head you trust")
    p.add_argument("--public-key", metavar="KEY", help="require the head signed by this key (PEM)")
    p.add_argument("--since", metavar="OLD.json", help="the earlier head a consistency proof "
                   "must start from")  # fmt: skip

    p = command("backup", commands.backup, "copy a live SQLite ledger consistently, and verify "
                "the copy")  # fmt: skip
    p.add_argument("path", help="the new file (it must not exist)")

    p = command("export", commands.export, "write the whole log as JSON Lines (a backup)")
    p.add_argument("file", nargs="?", default="-", help="where to (default: stdout)")

    p = command("import", commands.import_, "add incidents, sources, reports and changes "
                "from JSON Lines, all or nothing")  # fmt: skip
    p.add_argument("file", help="a .jsonl file, or - for stdin")
    p.add_argument("--reason", help="the reason for lines that give none")
    p.add_argument(
        "--key",
        help="what makes a re-run of this import recognisable, so that it appends nothing "
        "(default: the digest of the file's content)",
    )
    p.add_argument(
        "--skip-known",
        action="store_true",
        help="name each line by its content and skip the lines the ledger already holds, "
        "so a feed that grew can be imported again",
    )

    p = command("restore", commands.restore, "load an export into an empty ledger and verify it")
    p.add_argument("file", help="an export, or - for stdin")

    datasets.add_commands(sub, command, common=common)
    return parser


class _Version(argparse.Action):
    """`--version`, which reads the installed package's metadata only when it is given:
    no other command needs `importlib.metadata` or its search for the distribution."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: object) -> None:  # noqa: ARG002 - argparse's call
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, nargs=0, help="show the version and exit"
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,  # noqa: ARG002 - argparse's call
        values: object,  # noqa: ARG002
        option_string: str | None = None,  # noqa: ARG002
    ) -> None:
        from importlib import metadata  # noqa: PLC0415 - see the class's docstring

        try:
            version = metadata.version("incident-ledger")
        except metadata.PackageNotFoundError:  # run from a checkout that was never installed
            version = "unknown"
        sys.stdout.write(f"{parser.prog} {version}\n")
        parser.exit()


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one command; returns its exit status (argparse exits with 2 on a usage error)."""
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, commands.Context.from_args(args, out, err))
    except LedgerError as exc:
        err.write(f"ledger: error: {_one_line(str(exc))}\n")
    except UnicodeDecodeError as exc:
        # A file read whole by a path that does not name lines (restore): still no traceback.
        err.write(
            f"ledger: error: not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start} of a read); save the file as UTF-8\n"
        )
    except BrokenPipeError:
        # The reader went away (`ledger export | head`): nothing to report, and Python must
        # not complain on exit while flushing a pipe nobody reads.
        if stdout is None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as exc:
        # A file that cannot be read or written is bad input, not a crash.
        err.write(f"ledger: error: {_one_line(str(exc))}\n")
    except KeyboardInterrupt as exc:
        err.write(f"ledger: {exc or 'interrupted'}\n")
        return 130
    return 1


def _one_line(text: str) -> str:
    return " ".join(text.split())
