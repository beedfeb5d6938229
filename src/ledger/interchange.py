"""JSON Lines in and out of a ledger: import new facts, export the whole log, restore an export.

Two formats, both documented field by field in docs/cli.md:

- *Import lines* describe new facts, one JSON object per line with a `"type"` ("incident",
  "source", "term", "report", "revision", "correction", "retraction", "void") and figures as
  text ("at least 311"). `import_lines` checks every line against the ledger, each seeing the
  lines before it, and then appends them all as one batch, or nothing.
- *Exports* copy the log itself: a header line naming the head digest, then one line per stored
  record with its exact body bytes. `restore_log` loads one into an empty ledger; since a
  record's hash depends only on the previous hash, its position, stream, version, event id,
  recorded time and body, appending the records again at their recorded times reproduces every
  hash, and the restored ledger has the exported one's head digest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO, TypeVar

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, IterableValidationNote

from ledger._fields import check_text
from ledger._import_key import imported, key_ids, line_ids, line_tag
from ledger._lines import load_line, utf8_lines
from ledger.codec import EVENTS, DecodedBody, EventRegistry, converter, describe_value
from ledger.commands import COMMANDS, Command
from ledger.errors import (
    IntegrityError,
    LedgerError,
    LineError,
    StoreError,
    ValidationError,
)
from ledger.events import (
    Event,
    StoredEvent,
)
from ledger.ledger import Ledger
from ledger.log import NewRecord, Record, Store
from ledger.state import LedgerState
from ledger.verify import RESTORE_CHECKS, Digest, Walk, verify_log

#: `progress(stage, done, total)`: how far a stage of a long operation is ("checking",
#: "appending", ...); `total` is None when not known yet.
Progress = Callable[[str, int, int | None], None]
#: How many lines or records pass between two progress reports.
_EVERY: Final = 1000
T = TypeVar("T")

#: The header line of an export names its format, so neither file is mistaken for the other.
EXPORT_FORMAT: Final = "incident-ledger-export"
EXPORT_FORMAT_VERSION: Final = 1


# Import lines. Each line is the command its "type" names (`ledger.commands`), its keys
# that command's fields, so an error's field is the key to fix.

_Line = Command[Any]

#: The line types, by the value of their "type" key.
LINE_TYPES: Final[dict[str, type[_Line]]] = {cls.line: cls for cls in COMMANDS}


@attrs.frozen(kw_only=True, slots=True)
class ImportSummary:
    """What an import appended: how many lines of each type, and where its events went."""

    lines: int
    counts: dict[str, int]
    #: The positions of the events appended, in order (empty if the file held nothing new).
    positions: range
    #: True when an import under the same `key` had been committed before: then nothing was
    #: appended, and `positions` are those of the earlier run's events.
    repeated: bool = False
    #: With `skip_known`, the lines already in the ledger, which were not appended again.
    skipped: int = 0


#: Lines checked and appended together: an import holds one such batch in memory at a time.
IMPORT_BATCH: Final = 10_000


def import_lines(
    ledger: Ledger,
    lines: Iterable[str],
    *,
    actor: str | None = None,
    reason: str | None = None,
    progress: Progress | None = None,
    batch: int = IMPORT_BATCH,
    key: str | None = None,
    skip_known: bool = False,
) -> ImportSummary:
    """Check and append every line, in one transaction; on any error, nothing is written.

    Lines are read, checked and appended `batch` at a time, so memory holds one batch (and
    the folds of the incidents it touches), whatever the file's length. A bad line raises
    `LineError` naming its number (from 1) and field. Each line's own `"reason"` is stored
    with its events; `reason` is the default for lines without one. Blank lines are
    skipped but counted, so numbers match the file's.

    With a `key` (a name for this import, or `content_key(lines)`), the events' ids derive
    from it, so an import under a key committed before appends nothing and says so, with
    the earlier run's positions and `repeated` set (see `ledger._import_key`).

    With `skip_known`, each line's events get ids derived from the line's content, so a line
    an import of this kind appended before is skipped, and counted in `skipped`: a daily feed
    that grew can be imported again, and only its new lines are appended.
    """
    _check_import_options(reason, key, skip_known=skip_known)
    skipped = 0
    counts: dict[str, int] = {}
    first = last = 0
    read = appended = 0
    with ledger.transaction():
        done = None if key is None else imported(ledger.store, key, _reader(ledger))
        for read, block in _blocks(lines, batch):
            parsed = [(number, *_parse_line(number, text)) for number, text in block]
            for _, kind, _line in parsed:
                counts[kind] = counts.get(kind, 0) + 1
            if done is not None:
                continue  # committed before: only counted, to say what the file held
            tags: list[str] = []
            if skip_known:
                parsed, tags = _unknown_lines(ledger, block, parsed)
                skipped += len(block) - len(parsed)
            events, reasons, origins = _check_lines(parsed, ledger.scratch(), reason)
            if events:
                ids = _event_ids(key, tags, origins, skip_known=skip_known, start=appended + 1)
                stored = ledger.append(events, actor=actor, reasons=reasons, event_ids=ids)
                appended += len(stored)
                first, last = first or stored[0].position, stored[-1].position
            if progress is not None:
                progress("lines", read, None)
    if progress is not None:
        progress("lines", read, read)
    if done is not None:
        return ImportSummary(
            lines=read, counts=counts, positions=range(done.first, done.last + 1), repeated=True
        )
    positions = range(first, last + 1) if first else range(0)
    return ImportSummary(lines=read, counts=counts, positions=positions, skipped=skipped)


def _check_import_options(reason: str | None, key: str | None, *, skip_known: bool) -> None:
    check_text("reason", reason)
    if key is not None:
        check_text("key", key, required=True)
        if skip_known:
            raise ValidationError(
                "skip_known", "names lines by their own content: give it or a key, not both"
            )


def _event_ids(
    key: str | None, tags: list[str], origins: list[int], *, skip_known: bool, start: int
) -> list[str] | None:
    """The ids a batch of an import appends under: named by each line, by the import's key
    (numbered on from `start`), or new ones (None)."""
    if skip_known:
        return line_ids(tags, origins)
    return None if key is None else key_ids(key, len(origins), start=start)


def _unknown_lines(
    ledger: Ledger, block: Sequence[tuple[int, str]], parsed: list[tuple[int, str, _Line]]
) -> tuple[list[tuple[int, str, _Line]], list[str]]:
    """The lines of a block that no import with `skip_known` appended before, and their tags."""
    tags = [line_tag(load_line(number, text)) for number, text in block]
    held = ledger.store.find([f"{tag}-1" for tag in tags])
    seen: set[str] = set()  # a line repeated within the block is the same line
    keep = []
    for i, tag in enumerate(tags):
        if f"{tag}-1" not in held and tag not in seen:
            keep.append(i)
        seen.add(tag)
    return [parsed[i] for i in keep], [tags[i] for i in keep]


def _reader(ledger: Ledger) -> Callable[[int], Iterable[StoredEvent]]:
    return lambda after: ledger.events(after=after)


def _blocks(lines: Iterable[str], size: int) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """The numbered lines that are not blank, `size` at a time, each block with the number
    of the last line read; blank lines are counted, never appended."""
    block: list[tuple[int, str]] = []
    number = 0
    for number, text in enumerate(lines, start=1):
        if text.strip():
            block.append((number, text))
            if len(block) >= size:
                yield number, block
                block = []
    if block or number:
        yield number, block


def append_objects(
    ledger: Ledger,
    objects: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    actor: str | None = None,
    reason: str | None = None,
) -> tuple[list[StoredEvent], dict[str, int]]:
    """Check and append import lines given as objects (what `import_lines` reads from each
    line's JSON), each numbered by the line of the file it was made from, as one batch; the
    stored events and the count of each line type.

    The dataset importers (`ledger.formats`) translate a file's rows into import lines and
    append them here, so a row means what the line it became means: one path from any
    format to the log. The caller holds the transaction that makes a file all or nothing.
    """
    parsed = [(number, *_parse_object(number, raw)) for number, raw in objects]
    counts: dict[str, int] = {}
    for _, kind, _line in parsed:
        counts[kind] = counts.get(kind, 0) + 1
    events, reasons, _ = _check_lines(parsed, ledger.scratch(), reason)
    if not events:
        return [], counts
    return ledger.append(events, actor=actor, reasons=reasons), counts


def _parse_line(number: int, text: str) -> tuple[str, _Line]:
    return _parse_object(number, load_line(number, text))


def _parse_object(number: int, raw: object) -> tuple[str, _Line]:
    if not isinstance(raw, dict):
        raise LineError(number, None, f"expected a JSON object, got {describe_value(raw)}")
    if raw.get("format") == EXPORT_FORMAT:
        raise LineError(
            number, None, "this is an export of a whole log: restore it into an empty ledger"
        )
    data = dict(raw)
    kind = data.pop("type", None)
    cls = LINE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        choices = ", ".join(repr(k) for k in LINE_TYPES)
        what = "is required" if kind is None else f"{kind!r} is not a line type"
        raise LineError(number, "type", f"{what}; expected one of {choices}")
    return kind, _structure_line(number, data, cls)


def _structure_line(number: int, data: dict[str, Any], cls: type[T]) -> T:
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, LedgerError, TypeError, ValueError, KeyError) as exc:
        field, message, error = _locate(exc)
        raise LineError(number, field, message, error=error) from exc


def _locate(exc: BaseException, path: str = "") -> tuple[str | None, str, LedgerError | None]:
    """The dotted field, message and ledger error at the bottom of a structuring failure."""
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        extra = min(exc.extra_fields)
        return _join(path, extra), "is not a field of this line type", None
    if isinstance(exc, cattrs.BaseValidationError) and exc.exceptions:
        inner = exc.exceptions[0]
        for note in getattr(inner, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                path = _join(path, note.name)
            elif isinstance(note, IterableValidationNote):
                path = f"{path}[{note.index}]"
        return _locate(inner, path)
    if isinstance(exc, KeyError):
        return path or str(exc.args[0]), "is required", None
    if isinstance(exc, LedgerError):
        own = getattr(exc, "field", None)
        field = path or own or None
        return field, _message(exc), exc
    return path or None, str(exc), None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _message(exc: LedgerError) -> str:
    """The error's message without the field it starts with, which a `LineError` repeats."""
    text, field = str(exc), getattr(exc, "field", None)
    if field is not None and text.startswith(f"{field}: "):
        return text[len(field) + 2 :]
    return text.removeprefix(": ")


def _check_lines(
    parsed: Sequence[tuple[int, str, _Line]],
    state: LedgerState,
    default_reason: str | None,
    *,
    progress: Progress | None = None,
) -> tuple[list[Event], list[str | None], list[int]]:
    """Each line's events, checked in turn against `state`, with their reasons and the index
    of the line (in `parsed`) each came from."""
    events: list[Event] = []
    reasons: list[str | None] = []
    origins: list[int] = []
    for done, (number, kind, line) in enumerate(parsed, start=1):
        index = done - 1
        if progress is not None and done % _EVERY == 0:
            progress("checking", done, len(parsed))
        why = default_reason if line.reason is None else line.reason
        if line.needs_reason and (why is None or not why.strip()):
            raise LineError(number, "reason", f"is required: a {kind} must say why")
        try:
            check_text("reason", why)
            for event in line.events(state):
                state.check(event)
                state.apply(event)
                events.append(event)
                reasons.append(why)
                origins.append(index)
        except LedgerError as exc:
            raise LineError(number, getattr(exc, "field", None), _message(exc), error=exc) from exc
    return events, reasons, origins


# Export and restore.


@attrs.frozen(kw_only=True, slots=True)
class ExportHeader:
    """The first line of an export: its format and the head digest of the log it copies."""

    format: str
    format_version: int
    head: str


@attrs.frozen(kw_only=True, slots=True)
class ExportedRecord:
    """One stored record; `body` is its stored bytes as UTF-8 text, exactly."""

    position: int
    stream: str
    version: int
    event_id: str
    recorded_at: dt.datetime
    hash: str
    body: str


def _store_of(target: Ledger | Store) -> Store:
    return target.store if isinstance(target, Ledger) else target


def _dump(row: object) -> str:
    return json.dumps(converter.unstructure(row), ensure_ascii=False, separators=(",", ":"))


def export_log(source: Ledger | Store, out: TextIO, *, progress: Progress | None = None) -> Digest:
    """Write the whole log to `out` as JSON Lines (a header, then one line per record).

    The export stops at the head it found when it started, so records appended meanwhile
    are left for the next one; the same log always exports to the same text. Returns that
    head's digest.
    """
    store = _store_of(source)
    head = store.head()
    digest = Digest(position=head.position, hash=head.hash)
    out.write(
        _dump(
            ExportHeader(
                format=EXPORT_FORMAT, format_version=EXPORT_FORMAT_VERSION, head=str(digest)
            )
        )
        + "\n"
    )
    for record in store.read(until=head.position):
        try:
            body = record.body.decode()
        except UnicodeDecodeError:
            raise StoreError(
                f"position {record.position}: the stored body is not UTF-8 text; the log is "
                "damaged (see `ledger verify`)"
            ) from None
        row = ExportedRecord(
            position=record.position,
            stream=record.stream,
            version=record.version,
            event_id=record.event_id,
            recorded_at=record.recorded_at,
            hash=record.hash,
            body=body,
        )
        out.write(_dump(row) + "\n")
        if progress is not None and record.position % _EVERY == 0:
            progress("exporting", record.position, head.position)
    if progress is not None:
        progress("exported", head.position, head.position)
    return digest


@attrs.frozen(kw_only=True, slots=True)
class _Restored:
    line: int
    recorded_at: dt.datetime
    record_position: int
    version: int
    hash: str
    record: NewRecord
    #: The decoded body, where the pass decodes.
    body: DecodedBody | None


def restore_log(
    target: Ledger | Store,
    source: str | os.PathLike[str] | Iterable[str],
    *,
    registry: EventRegistry = EVENTS,
    progress: Progress | None = None,
) -> Digest:
    """Load an export into an empty ledger, reproducing every record and hash; verify it.

    The file is read twice. The first pass checks the file alone: every body decodes, every
    hash follows, positions and stream versions are dense, and the file ends at its
    header's head. The second appends, in one transaction, runs of records that share a
    recorded time, each event checked first against every domain rule appending would run
    (an unknown report, an id taken, a term without its parent); the restored log is then
    verified against the header's digest before the transaction commits. Any failure raises
    (a `LineError` names the line) and leaves the target as empty as it was.

    `source` is a path (read twice, in constant memory) or lines (held in memory). Returns
    the restored head's digest.
    """
    ledger = target if isinstance(target, Ledger) else Ledger(target, registry=registry)
    store = ledger.store
    lines = _rereadable(source)
    head = store.head()
    if head.position != 0:
        raise StoreError(
            f"the target ledger holds {head.position} events; restore only into an empty one"
        )
    digest, records = _open_export(lines(), registry)
    for item in records:
        if progress is not None and item.record_position % _EVERY == 0:
            progress("checking", item.record_position, digest.position)
    _, records = _open_export(lines(), registry)
    with ledger.transaction():
        _append_runs(ledger, records, digest, progress)
        if progress is not None:
            progress("verifying", digest.position, None)
        verify_log(store, against=digest, registry=registry).raise_for_problem()
    return digest


def _append_runs(
    ledger: Ledger, records: Iterable[_Restored], digest: Digest, progress: Progress | None
) -> None:
    """Append each run of records that share a recorded time, at that time, checking each
    event as appending would, and each stored hash against the export's."""
    run: list[_Restored] = []
    done = 0

    def flush() -> None:
        nonlocal done
        bodies = [item.body for item in run]
        assert all(body is not None for body in bodies)  # noqa: S101 - the pass decodes
        stored = ledger._append_checked(  # noqa: SLF001 - the facade's own check, kept bytes
            [b.event for b in bodies if b is not None],
            [item.record.event_id for item in run],
            [b.actor for b in bodies if b is not None],
            [b.reason for b in bodies if b is not None],
            bodies=[item.record.body for item in run],
            now=run[0].recorded_at,
            lines=[item.line for item in run],
        )
        for item, event in zip(run, stored, strict=True):
            if event.hash != item.hash or event.position != item.record_position:
                raise IntegrityError(
                    event.position,
                    "bad hash",
                    f"restored as {event.position}:{event.hash}, exported as "
                    f"{item.record_position}:{item.hash}: the target changed while it was "
                    "restored",
                )
        done += len(run)
        run.clear()
        if progress is not None:
            progress("restoring", done, digest.position)

    for item in records:
        if run and item.recorded_at != run[0].recorded_at:
            flush()
        run.append(item)
    if run:
        flush()


def _rereadable(source: str | os.PathLike[str] | Iterable[str]) -> Callable[[], Iterable[str]]:
    """A way to read the lines again: a file is reopened, anything else is held in memory."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)

        def reopen() -> Iterator[str]:
            with path.open("rb") as file:
                yield from utf8_lines(file)

        return reopen
    held = list(source)
    return lambda: held


def _open_export(
    lines: Iterable[str], registry: EventRegistry
) -> tuple[Digest, Iterator[_Restored]]:
    """The header's digest, and the records, each checked against the chain before it.

    Every failure is a `LineError`; the records' end is checked against the header.
    """
    numbered = ((n, t) for n, t in enumerate(lines, start=1) if t.strip())
    first = next(numbered, None)
    if first is None:
        raise LineError(1, None, "the file is empty: an export starts with its header line")
    digest = _read_header(*first)
    return digest, _records(numbered, first[0], digest, registry)


def _records(
    numbered: Iterator[tuple[int, str]], header_line: int, digest: Digest, registry: EventRegistry
) -> Iterator[_Restored]:
    """The export's records, walked along the chain as `verify` walks a store (the one
    `Walk`, in restore's order of checks): a problem is the line's `LineError`."""
    walk = Walk(registry, checks=RESTORE_CHECKS)
    for number, text in numbered:
        row = _read_record(number, text)
        record = Record(
            position=row.position,
            stream=row.stream,
            version=row.version,
            event_id=row.event_id,
            recorded_at=row.recorded_at,
            body=row.body.encode(),
            hash=row.hash,
        )
        if problem := walk.step(record):
            raise LineError(number, problem.field, problem.detail)
        yield _Restored(
            line=number,
            body=walk.decoded,
            recorded_at=row.recorded_at,
            record_position=row.position,
            version=row.version,
            hash=row.hash,
            record=NewRecord(event_id=row.event_id, stream=row.stream, body=record.body),
        )
    if torn := walk.torn():
        raise LineError(header_line, "head", torn.detail)
    if (walk.position, walk.hash) != (digest.position, digest.hash):
        raise LineError(
            header_line,
            "head",
            f"the header promises {digest}, but the records end at "
            f"{walk.position}:{walk.hash}: the file is truncated or was altered",
        )


def _read_header(number: int, text: str) -> Digest:
    raw = load_line(number, text)
    if not isinstance(raw, dict) or raw.get("format") != EXPORT_FORMAT:
        raise LineError(
            number,
            "format",
            f"an export starts with a header whose format is {EXPORT_FORMAT!r}; "
            "is this a file to import instead?",
        )
    header = _structure_line(number, raw, ExportHeader)
    if header.format_version != EXPORT_FORMAT_VERSION:
        raise LineError(
            number,
            "format_version",
            f"is {header.format_version}; this ledger reads version {EXPORT_FORMAT_VERSION}",
        )
    try:
        return Digest.parse(header.head)
    except ValidationError as exc:
        raise LineError(number, "head", _message(exc), error=exc) from exc


def _read_record(number: int, text: str) -> ExportedRecord:
    raw = load_line(number, text)
    if not isinstance(raw, dict):
        raise LineError(number, None, f"expected a JSON object, got {describe_value(raw)}")
    row = _structure_line(number, raw, ExportedRecord)
    for name in ("stream", "event_id", "body"):  # hashed as UTF-8: a lone surrogate is none
        try:
            getattr(row, name).encode()
        except UnicodeEncodeError:
            raise LineError(number, name, "must be valid Unicode text") from None
    return row
