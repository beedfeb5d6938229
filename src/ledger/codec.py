"""The codec: one cattrs converter that turns events into JSON and back.

Each event class is registered under a stable name and schema version. A stored body is
`{"id", "type", "v", "actor", "reason", "data"}`; on read, upcasters lift an older `data`
payload one version at a time until it matches the class's current schema.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, TypeVar, cast

import attrs
import cattrs
from cattrs.preconf.json import make_converter
from cattrs.v import format_exception

from ledger.errors import CodecError, LedgerError, UnknownEventTypeError, ValidationError
from ledger.events import (
    Event,
    FieldDeclared,
    FieldRedacted,
    IncidentOpened,
    ReportCorrected,
    ReportFiled,
    ReportRetracted,
    ReportRevised,
    ReportVoided,
    SourceRegistered,
    TaxonomyExtended,
)
from ledger.figures import Figure, Language
from ledger.values import REDACTABLE, PersonalText, Provenance

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]
E = TypeVar("E")


try:
    # The `fast` extra. Its encoder writes exactly the bytes the stdlib's `_ENCODER` writes
    # for every body (tests/test_codec.py holds it to that): the hash chain and idempotent
    # retries depend on those bytes, whichever is installed.
    from orjson import dumps as _fast_dumps
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - exercised where the extra is not installed
    _fast_dumps = None  # type: ignore[assignment]  # checked before each use
    _loads = json.loads  # type: ignore[assignment]  # the stdlib's takes more options


def _unstructure_figure(figure: Figure) -> str | dict[str, str]:
    # English, the only language before figures named theirs, stays bare text: every body
    # written before keeps its bytes and its hash, and reads as it always did.
    if figure.language is Language.EN:
        return figure.text
    return {"text": figure.text, "language": figure.language.value}


def _structure_figure(value: object, _: type) -> Figure:
    if isinstance(value, dict):
        if value.keys() != {"text", "language"}:
            raise _RefusedError(
                'expected a figure as text or as {"text": ..., "language": ...}, '
                f"got an object with {sorted(value)}"
            )
        return Figure.parse(value["text"], language=value["language"])
    return Figure.parse(value)  # type: ignore[arg-type]  # parse reports a non-text value itself


def _structure_wording(value: object, typ: type) -> Figure | str | None:
    """A figure in an import line: text (or a JSON number, as its digits) is kept as given, to
    be read in the language the line, its source or the ledger states; an object naming its
    language is a figure at once."""
    if value is None and typ == (Figure | str | None):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return _structure_figure(value, Figure)
    raise _RefusedError(
        'expected a figure as text, a whole number or {"text": ..., "language": ...}, '
        f"got {describe_value(value)}"
    )


def _structure_language(value: object, _: type) -> str | None:
    """A command's language as the file gives it, a code, which the command reads as every
    other door's (so an unknown one is the same `FigureError` wherever it came from)."""
    return None if value is None else _text(value, str)


class _RefusedError(ValueError):
    """Raised by the converter's strict hooks; its message is meant for the user as it is."""


def _text(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _RefusedError(f"expected text, got {describe_value(value)}")
    # A replay decodes each incident, report and source id, term and actor once per event
    # that names it; interned, a million events share one copy of each instead of holding
    # a million (the strings are mortal: they go when nothing refers to them).
    return sys.intern(value)


def _personal_text(value: object, _: type) -> PersonalText:
    if not isinstance(value, dict):
        raise _RefusedError(
            f"expected an object of field names and their text, got {describe_value(value)}"
        )
    for name, text in value.items():
        if not isinstance(text, str):
            raise _RefusedError(f"{name}: expected text, got {describe_value(text)}")
    return PersonalText(value)


def _whole(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _RefusedError(f"expected a whole number, got {describe_value(value)}")
    return value


def _truth(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _RefusedError(f"expected true or false, got {describe_value(value)}")
    return value


def _terms(value: object, _: type) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _RefusedError(f"expected a list of text, got {describe_value(value)}")
    return tuple(value)


def _choice(value: object, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in cls)
        raise _RefusedError(f"expected one of {choices}, got {describe_value(value)}") from None


def _day(value: object, _: type) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _RefusedError(
        f"expected an ISO 8601 date such as 2025-03-06, got {describe_value(value)}"
    )


def _time(value: object, _: type) -> dt.datetime:
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.utcoffset() is None:
                raise _RefusedError(f"{value!r} has no time zone; add one, as in 2025-03-08T14:00Z")
            try:
                return parsed.astimezone(dt.UTC)
            except OverflowError:
                raise _RefusedError(f"{value!r} is outside the years 1 to 9999 in UTC") from None
    example = "such as 2025-03-08T14:00Z"
    raise _RefusedError(
        f"expected an ISO 8601 time with a zone, {example}, got {describe_value(value)}"
    )


#: How much of a bad value an error message quotes.
_SHOWN: Final = 40


def describe_value(value: object) -> str:
    """How the file wrote `value`, briefly: enough to find it on the line."""
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "an object"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _make_converter() -> cattrs.Converter:
    # Extra keys are refused: a payload with fields this schema version does not know was
    # written by something else, and guessing would corrupt the history silently.
    converter = make_converter(omit_if_default=True, forbid_extra_keys=True)
    # A figure is stored as its wording (and its language, unless English); its bounds
    # follow from them (see ledger.figures).
    converter.register_unstructure_hook(Figure, _unstructure_figure)
    converter.register_structure_hook(Figure, _structure_figure)
    # `Figure | str`: a figure not read yet, whose language the command resolves.
    converter.register_structure_hook_func(
        lambda t: t in (Figure | str, Figure | str | None), _structure_wording
    )
    # `Language | str | None`: a command's language, named by its code.
    converter.register_structure_hook_func(
        lambda t: t == (Language | str | None), _structure_language
    )
    # Stored bodies and import files alike must say what they mean: cattrs' defaults coerce
    # as Python does (None becomes "None", 2.5 becomes 2), which would hide a corrupt payload
    # or a mistyped line behind a plausible value. Text, numbers and times are taken only as such.
    converter.register_structure_hook(str, _text)
    converter.register_unstructure_hook(PersonalText, dict)
    converter.register_structure_hook(PersonalText, _personal_text)
    converter.register_structure_hook(int, _whole)
    # bool subclasses int, so without its own hook it would fall to _whole and be refused.
    converter.register_structure_hook(bool, _truth)
    converter.register_structure_hook(dt.date, _day)
    converter.register_structure_hook(dt.datetime, _time)
    converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _terms)
    converter.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _choice
    )
    return converter


#: The one converter for every event and value in the ledger.
converter: Final = _make_converter()


@attrs.frozen(kw_only=True, slots=True)
class _EventType:
    name: str
    version: int
    cls: type[Event]


@attrs.frozen(kw_only=True, slots=True)
class DecodedBody:
    event_id: str
    actor: str
    reason: str | None
    event: Event
    #: (index, size): the record's place in the batch appended with it; None in a body
    #: written before bodies stated it, or appended through a store directly.
    batch: tuple[int, int] | None = None
    #: The free-text fields of the event whose text was erased by a redaction.
    redacted: tuple[str, ...] = ()


class EventRegistry:
    """Names, schema versions and upcasters of the event types a log may hold."""

    def __init__(self, types: Iterable[tuple[type[Event], str, int]] = ()) -> None:
        self._by_name: dict[str, _EventType] = {}
        self._by_class: dict[type[Event], _EventType] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        for cls, name, version in types:
            self.register(cls, name, version)

    def register(self, cls: type[Event], name: str, version: int = 1) -> None:
        if name in self._by_name or cls in self._by_class:
            raise ValueError(f"event type {name!r} or class {cls.__name__} is registered already")
        entry = _EventType(name=name, version=version, cls=cls)
        self._by_name[name] = entry
        self._by_class[cls] = entry

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function lifting `name`'s payload from `from_version` to the next one."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[name, from_version] = fn
            return fn

        return decorate

    def name_of(self, cls: type[Event]) -> str:
        return self._entry_of(cls).name

    def _entry_of(self, cls: type[Event]) -> _EventType:
        try:
            return self._by_class[cls]
        except KeyError:
            raise UnknownEventTypeError(f"{cls.__name__} is not a registered event type") from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def encode(
        self,
        event: Event,
        *,
        event_id: str,
        actor: str,
        reason: str | None,
        batch: tuple[int, int] | None = None,
    ) -> bytes:
        """The body's bytes. `batch`, (index, size), states the record's place in its
        batch, so that a log cut inside a batch is told from a shorter complete one."""
        entry = self._entry_of(type(event))
        body: Payload = {
            "id": event_id,
            "type": entry.name,
            "v": entry.version,
            "actor": actor,
            "reason": reason,
            "data": converter.unstructure(event),
        }
        if batch is not None:
            body["batch"] = list(batch)
        salts = _salts_for(body["data"])
        if salts:
            body["salts"] = salts
        return encode_body(body)

    def decode(self, body: bytes | str, *, position: int | None = None) -> DecodedBody:
        """Decode a stored body; every failure is a `CodecError` naming the position."""
        return self.decode_raw(load_body(body, position=position), position=position)

    def decode_raw(self, raw: object, *, position: int | None = None) -> DecodedBody:
        """Decode a stored body already parsed from JSON (`load_body`)."""
        if not isinstance(raw, dict):
            raise CodecError("the stored body is not a JSON object", position=position)
        try:
            event_id, name, version = raw["id"], raw["type"], raw["v"]
            actor, reason, data = raw["actor"], raw.get("reason"), raw["data"]
        except KeyError as exc:
            raise CodecError(f"the stored body lacks {exc.args[0]!r}", position=position) from exc
        if not (isinstance(event_id, str) and isinstance(actor, str) and isinstance(data, dict)):
            raise CodecError(
                "the stored body's id, actor or data has the wrong type", position=position
            )
        if reason is not None and not isinstance(reason, str):
            raise CodecError("the stored body's reason is not text", position=position)
        redacted: tuple[str, ...] = ()
        if "salts" in raw:
            data, redacted = _opened(raw, data, position)
        event = self.decode_event(name, version, data, position=position)
        return DecodedBody(
            redacted=redacted,
            event_id=event_id,
            actor=sys.intern(actor),  # shared by most events, as _text explains
            reason=None if reason is None else sys.intern(reason),
            event=event,
            batch=_batch(raw.get("batch"), position),
        )

    def reported(
        self, raw: object
    ) -> tuple[type[Event], str, int | None, dt.datetime | None] | None:
        """A stored report event's class, report id, the version it names (a correction's)
        and its reported time, read without building the event (whose figure would be
        parsed): what holding a read-model row to a record needs where the row's figure
        does not come from that record. A body of another shape or schema version, or a
        value the strict path would refuse, gives None: decode it in full."""
        body = cast("Payload", raw)  # any other shape fails a lookup below: that is the check
        try:
            entry = self._by_name[body["type"]]
            data = body["data"]
            report_id, version, when = (
                data["report_id"],
                data.get("version"),
                data.get("reported_at"),
            )
            if (
                entry.cls not in _REPORTED
                or body["v"] != entry.version
                or type(report_id) is not str
                or (version is not None and type(version) is not int)
                or (when is None and entry.cls is not ReportCorrected)
            ):
                return None
            reported_at = None if when is None else _zoned(when)
        except (LookupError, TypeError, AttributeError, ValueError):
            return None
        return entry.cls, report_id, version, reported_at

    def revision(
        self, raw: object
    ) -> tuple[str, str | None, tuple[str, str, Figure, dt.datetime, Provenance]] | None:
        """A stored revision's actor, reason and fields, read without building its event.

        Revisions are nearly every event of a long log, and building each as a validated
        event is most of a replay's cost. This reads only a body in the exact shape this
        codec writes for one, at the current schema version, and checks every field as
        the strict path would: figures parse, times carry a zone, provenance structures.
        Anything else (another type, an older version, a field it does not expect, a bad
        value) gives None, and the caller decodes the body in full, which says what is wrong.
        """
        entry = self._by_class.get(ReportRevised)
        if entry is None:
            return None
        body = cast("Payload", raw)  # any other shape fails a lookup below: that is the check
        try:
            data, actor, reason = body["data"], body["actor"], body.get("reason")
            incident, report_id = data["incident"], data["report_id"]
            if (
                body["type"] != entry.name
                or body["v"] != entry.version
                or type(body["id"]) is not str
                or type(actor) is not str
                or (reason is not None and type(reason) is not str)
                or type(incident) is not str
                or type(report_id) is not str
                or not data.keys() <= _REVISION_FIELDS
            ):
                return None
            figure = _structure_figure(data["figure"], Figure)
            reported_at = _zoned(data["reported_at"])
            provenance = _provenance(data["provenance"]) if "provenance" in data else _NO_PROVENANCE
        except (LookupError, TypeError, AttributeError, ValueError, LedgerError):
            # Not a body this shortcut reads: the strict path decodes it or says why not.
            return None
        if provenance is None:
            return None
        return (
            sys.intern(actor),
            None if reason is None else sys.intern(reason),
            (incident, report_id, figure, reported_at, provenance),
        )

    def decode_event(
        self, name: object, version: object, data: Payload, *, position: int | None = None
    ) -> Event:
        entry = self._by_name.get(name) if isinstance(name, str) else None
        if entry is None:
            raise UnknownEventTypeError(f"unknown event type {name!r}", position=position)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise CodecError(f"{entry.name}: bad schema version {version!r}", position=position)
        if version > entry.version:
            raise UnknownEventTypeError(
                f"{entry.name} version {version} is newer than this ledger knows "
                f"({entry.version}); upgrade incident-ledger to read it",
                position=position,
            )
        while version < entry.version:
            upcast = self._upcasters.get((entry.name, version))
            if upcast is None:
                raise CodecError(
                    f"{entry.name}: no upcaster from version {version}", position=position
                )
            data = upcast(dict(data))
            version += 1
        return structure(data, entry.cls, context=entry.name, position=position)


#: A body commits to each of its free-text fields (`REDACTABLE`'s, and each personal field
#: of its provenance) by SHA-256 over a salt of these many random bytes and the text, so
#: that an erased text cannot be guessed from its commitment.
_SALT_BYTES: Final = 16
#: Where a provenance holds the text of the fields its ledger declared personal.
_PERSONAL: Final = "personal"


def commitment(salt: str, text: str) -> str:
    """The salted hash a body's hashed form holds for a free-text field."""
    return hashlib.sha256(bytes.fromhex(salt) + text.encode()).hexdigest()


def _texts(provenance: Payload) -> Iterator[tuple[Payload, str]]:
    """Each free-text field of a stored provenance, as (the object holding it, its name):
    `REDACTABLE`'s in the provenance itself, each personal field in its `personal` object.
    A salt is keyed by the field's name alone: no declared field takes a provenance's
    field name (`ledger.values.check_field_name`)."""
    for name in REDACTABLE:
        if name in provenance:
            yield provenance, name
    personal = provenance.get(_PERSONAL)
    if isinstance(personal, dict):
        for name in personal:
            yield personal, name


def _salts_for(data: Payload) -> dict[str, str]:
    provenance = data.get("provenance")
    if not isinstance(provenance, dict):
        return {}
    return {
        name: os.urandom(_SALT_BYTES).hex()
        for holder, name in _texts(provenance)
        if isinstance(holder[name], str)
    }


def committed(body: bytes) -> bytes:
    """The body as the chain and the Merkle tree hash it: each salted free-text field
    replaced by `{"sha256": commitment}`, and the salts left out. A body without salts (one
    written before they existed, or with no free text) is hashed as it is stored; an erased
    field is already its commitment, so erasing text leaves this form, and every hash, as it was.
    """
    if b'"salts":' not in body:
        return body
    try:
        raw = load_body(body)
    except CodecError:
        return body  # not JSON: decoding says so; hash it as it stands
    if not isinstance(raw, dict) or "salts" not in raw:
        return body
    salts, data = raw.pop("salts"), raw.get("data")
    provenance = data.get("provenance") if isinstance(data, dict) else None
    if not isinstance(salts, dict) or not isinstance(provenance, dict):
        return body  # malformed: decoding says what is wrong; hash it as it stands
    for holder, name in list(_texts(provenance)):
        text, salt = holder[name], salts.get(name)
        if isinstance(text, str) and isinstance(salt, str) and _is_hex(salt):
            holder[name] = {"sha256": commitment(salt, text)}
    return encode_body(raw)


def redacted_body(body: bytes, name: str) -> bytes:
    """The body with the text of the free-text field `name` erased, keeping its commitment
    (and so its hashed form); `ValidationError` if it holds no such text under a salt."""
    loaded = load_body(body)
    raw: Payload = loaded if isinstance(loaded, dict) else {}
    salts, data = raw.get("salts"), raw.get("data")
    provenance = data.get("provenance") if isinstance(data, dict) else None
    if not isinstance(salts, dict) or not isinstance(provenance, dict):
        raise ValidationError("field", "the record commits to no free text by a salted hash")
    holder = next((h for h, n in _texts(provenance) if n == name), None)
    text, salt = None if holder is None else holder[name], salts.get(name)
    if holder is None or not isinstance(text, str) or not isinstance(salt, str):
        raise ValidationError("field", f"the record holds no {name} text to erase")
    holder[name] = {"sha256": commitment(salt, text)}
    del salts[name]
    return encode_body(raw)


def without_free_text(body: bytes) -> bytes:
    """The body with the text of every salted free-text field erased, as redacting each
    would leave it: the same committed form, and so the same hashes, holding no text a
    person said or was named by. What a published proof carries."""
    try:
        raw = load_body(body)
    except CodecError:
        return body
    salts = raw.get("salts") if isinstance(raw, dict) else None
    for name in list(salts) if isinstance(salts, dict) else ():
        try:
            body = redacted_body(body, name)
        except ValidationError:
            continue  # a salt for no text: decoding says the body is malformed
    return body


def free_text(body: bytes | str, name: str) -> tuple[bool, bool]:
    """Whether the stored body holds text for the free-text field `name`, and whether that
    text is committed to by a salt (so a redaction may erase it)."""
    raw = load_body(body)
    data = raw.get("data") if isinstance(raw, dict) else None
    provenance = data.get("provenance") if isinstance(data, dict) else None
    if not isinstance(provenance, dict):
        return False, False
    holder = next((h for h, n in _texts(provenance) if n == name), None)
    if holder is None or not isinstance(holder[name], str):
        return False, False
    salts = raw.get("salts") if isinstance(raw, dict) else None
    return True, isinstance(salts, dict) and name in salts


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _opened(raw: Payload, data: Payload, position: int | None) -> tuple[Payload, tuple[str, ...]]:
    """The payload with each erased free-text field left out (it reads as absent), and the
    names of those fields."""
    salts = raw["salts"]
    provenance = data.get("provenance")
    texts = list(_texts(provenance)) if isinstance(provenance, dict) else []
    names = {name for _, name in texts}
    if not isinstance(salts, dict) or not all(
        name in names and isinstance(salt, str) and _is_hex(salt) for name, salt in salts.items()
    ):
        raise CodecError("the stored body's salts are malformed", position=position)
    erased = tuple(name for holder, name in texts if isinstance(holder[name], dict))
    for holder, name in texts:
        if isinstance(holder[name], dict) and (holder[name].keys() != {"sha256"} or name in salts):
            raise CodecError(f"the stored body's erased {name} is malformed", position=position)
    if not erased:
        return data, ()
    assert isinstance(provenance, dict)  # noqa: S101 - erased fields are in one
    kept = {k: v for k, v in provenance.items() if k not in erased}
    personal = kept.get(_PERSONAL)
    if isinstance(personal, dict):
        left = {k: v for k, v in personal.items() if k not in erased}
        if left:
            kept[_PERSONAL] = left
        else:
            del kept[_PERSONAL]
    return {**data, "provenance": kept}, erased


def _batch(value: object, position: int | None) -> tuple[int, int] | None:
    if value is None:
        return None
    if (
        type(value) is list
        and len(value) == 2  # noqa: PLR2004 - [index, size]
        and all(type(n) is int for n in value)
        and 0 <= value[0] < value[1]
    ):
        return (value[0], value[1])
    raise CodecError(
        f"the stored body's batch is {describe_value(value)}, not [index, size] with "
        "0 <= index < size",
        position=position,
    )


#: How bodies are written: compact, UTF-8, keys in the order given. These bytes are hashed
#: into the chain: never change how they are written.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_body(body: Payload) -> bytes:
    """A body's bytes: orjson's where it is installed, the same bytes as the stdlib's."""
    if _fast_dumps is not None:
        try:
            fast = _fast_dumps(body)
        except TypeError:  # what orjson refuses (a huge integer) the stdlib words its way
            pass
        else:
            # orjson hands over its working buffer, 4 KiB however short the JSON, and never
            # shrinks it: a batch of 10,000 bodies held 40 MB for 3 MB of text. One copy
            # of the exact length frees the buffer at once.
            return bytes(memoryview(fast))
    return _ENCODER.encode(body).encode()


def load_body(body: bytes | str, *, position: int | None = None) -> object:
    """Parse a stored body's JSON; a failure is a `CodecError` naming the position."""
    try:
        return _loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CodecError(f"the stored body is not JSON ({exc})", position=position) from exc


#: The report events `EventRegistry.reported` reads: each states a reported time (a
#: correction's may be null).
_REPORTED: Final = (ReportFiled, ReportRevised, ReportCorrected)
#: The fields of a revision's payload that `EventRegistry.revision` reads; period is not
#: among them, so a revision that gives one takes the strict path.
_REVISION_FIELDS: Final = frozenset(
    {"incident", "report_id", "figure", "reported_at", "provenance"}
)
_NO_PROVENANCE: Final = Provenance()


def _zoned(text: str) -> dt.datetime:
    """A stored time in UTC, as the strict `_time` hook reads it; ValueError if it has no zone."""
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is dt.UTC:
        return parsed
    if parsed.utcoffset() is None:
        raise ValueError(f"{text!r} has no time zone")
    return parsed.astimezone(dt.UTC)


def _provenance(raw: object) -> Provenance | None:
    """A stored provenance, shared between the revisions that cite the same one."""
    if type(raw) is not dict or not all(type(v) is str for v in raw.values()):
        return None
    try:
        return _shared_provenance(tuple(sorted(raw.items())))
    except CodecError:
        return None


@functools.lru_cache(maxsize=4096)
def _shared_provenance(items: tuple[tuple[str, str], ...]) -> Provenance:
    return structure(dict(items), Provenance, context="provenance")


def structure(data: object, cls: type[E], *, context: str, position: int | None = None) -> E:
    """Structure `data` into `cls`, turning any failure into a `CodecError` that names the field."""
    try:
        return converter.structure(data, cls)
    except LedgerError as exc:
        raise CodecError(f"{context}: {exc}", position=position) from exc
    except cattrs.BaseValidationError as exc:
        inner = _first_validation_error(exc)
        detail = (
            str(inner)
            if inner is not None
            else "; ".join(cattrs.transform_error(exc, format_exception=_describe_failure))
        )
        raise CodecError(f"{context}: {detail}", position=position) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise CodecError(f"{context}: {exc}", position=position) from exc


def _describe_failure(exc: BaseException, type_: type | None) -> str:
    """The codec's own hooks explain themselves; cattrs words the rest."""
    if isinstance(exc, _RefusedError):
        return str(exc)
    return format_exception(exc, type_)


def _first_validation_error(exc: BaseException) -> ValidationError | None:
    if isinstance(exc, ValidationError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _first_validation_error(inner)
            if found is not None:
                return found
    return None


#: The event types of this version of the ledger. Names are forever; bump the version and
#: register an upcaster when a payload's shape changes.
EVENTS: Final = EventRegistry(
    [
        (IncidentOpened, "incident.opened", 1),
        (SourceRegistered, "source.registered", 1),
        (TaxonomyExtended, "taxonomy.extended", 1),
        (FieldDeclared, "field.declared", 1),
        (ReportFiled, "report.filed", 1),
        (ReportRevised, "report.revised", 1),
        (ReportCorrected, "report.corrected", 1),
        (ReportRetracted, "report.retracted", 1),
        (ReportVoided, "report.voided", 1),
        (FieldRedacted, "report.field_redacted", 1),
    ],
)


# Both are cached because a batch shares one recorded_at: every record of it formats and
# parses the same instant.
@functools.lru_cache(maxsize=1024)
def format_time(value: dt.datetime) -> str:
    """Fixed-width UTC ISO 8601, so stored times sort as text in the same order as in time.

    `isoformat` pads the year to four digits, where `strftime("%Y")` does not below 1000 on
    glibc; both write the same text for every later year, and at a sixth of the cost.
    """
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@functools.lru_cache(maxsize=1024)
def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
