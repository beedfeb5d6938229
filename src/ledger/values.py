"""Small values shared by events: periods, provenance, source kinds, verification."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

import attrs

from ledger._fields import check_text, date_or_none, instance_of, option, text_field
from ledger.errors import UnknownFieldError, ValidationError


class SourceKind(enum.Enum):
    MONITOR = "monitor"
    GOVERNMENT = "government"
    UN = "un"
    NGO = "ngo"
    MEDIA = "media"
    MEDICAL = "medical"
    ARMED_GROUP = "armed_group"
    OTHER = "other"


class Verification(enum.Enum):
    """How far the relaying outlet or the ledger's editors could check a claim."""

    UNVERIFIED = "unverified"
    """Nobody has checked it yet."""
    UNVERIFIABLE = "unverifiable"
    """Those who tried could not independently verify it ("CNN can't independently verify")."""
    CORROBORATED = "corroborated"
    """Other independent sources support it."""
    VERIFIED = "verified"
    DISPUTED = "disputed"


@attrs.frozen(kw_only=True, slots=True)
class Period:
    """The span of time a figure covers ("since Thursday"); either end may be open."""

    start: dt.date | None = attrs.field(
        default=None, validator=date_or_none, metadata=option("first day the figure covers")
    )
    end: dt.date | None = attrs.field(
        default=None, validator=date_or_none, metadata=option("last day the figure covers")
    )

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValidationError(
                "period", f"start {self.start} is after end {self.end}", value=self
            )

    def ends_by(self, day: dt.date) -> bool:
        """Whether everything the figure counts happened on or before `day`."""
        return self.end is not None and self.end <= day


#: A declared field's name: a short lowercase slug, as terms are, starting with a letter.
_FIELD_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: The fields a report and its provenance have already: no declared field may take one of
#: their names, so a name in `ledger redact --field` means one thing only.
_REPORT_FIELD_NAMES: Final = frozenset(
    {
        "incident", "report_id", "source", "metric", "group", "by", "place", "period",
        "figure", "language", "reported_at", "recorded_at", "version", "via", "citation",
        "quote", "verification", "notes", "personal", "reason", "actor",
    }
)  # fmt: skip


def check_field_name(name: str, value: object) -> str:
    """A name a ledger may declare a field under (`Ledger.declare_field`)."""
    if not isinstance(value, str) or not _FIELD_RE.fullmatch(value):
        raise ValidationError(
            name,
            f"{value!r} cannot name a field: a declared field's name is a lowercase slug of "
            "letters, digits and '_', starting with a letter (at most 64)",
            value=value,
        )
    if value in _REPORT_FIELD_NAMES:
        raise ValidationError(
            name, f"{value!r} is a field every report has already; choose another name", value=value
        )
    return value


class PersonalText(Mapping[str, str]):
    """A provenance's text for fields the ledger declared personal, by field name: what a
    source said of a person (a victim's name, a witness's identity). Immutable and in name
    order, so two provenances with the same text are equal and hash alike."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        found: dict[str, str] = {}
        for key, text in pairs:
            check_field_name("personal", key)
            check_text(f"personal.{key}", text, required=True)
            found[key] = text
        self._items: tuple[tuple[str, str], ...] = tuple(sorted(found.items()))

    def __getitem__(self, key: str) -> str:
        for name, text in self._items:
            if name == key:
                return text
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PersonalText):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"PersonalText({dict(self._items)!r})"


def _personal(value: object) -> PersonalText:
    if isinstance(value, PersonalText):
        return value
    if value is None:
        return _NO_PERSONAL
    if isinstance(value, str | bytes) or not isinstance(value, Mapping | Iterable):
        raise ValidationError(
            "personal", f"must map field names to text, got {type(value).__name__}", value=value
        )
    return PersonalText(value)


_NO_PERSONAL: Final = PersonalText()


@attrs.frozen(kw_only=True, slots=True)
class Provenance:
    """Where a claim was seen and how sure anyone is of it."""

    via: str | None = text_field(help="the outlet that relayed the claim (e.g. CNN)")
    citation: str | None = text_field(help="a URL or reference")
    quote: str | None = text_field(help="the source's words")
    verification: Verification = attrs.field(
        default=Verification.UNVERIFIED,
        validator=instance_of(Verification),
        metadata=option("how far anyone could check it (default: unverified)"),
    )
    notes: str | None = text_field(help="free notes")
    personal: PersonalText = attrs.field(
        default=_NO_PERSONAL,
        converter=_personal,
        metadata=option(
            "the text of a field the ledger declared personal, as NAME=TEXT (repeat for "
            "more): erasable by `ledger redact` (docs/reliability.md)",
            flag="--personal",
            metavar="NAME=TEXT",
        ),
    )


#: The free-text fields every provenance has whose text a redaction can erase: committed to
#: in the hashed record by a salted hash (ledger.codec), as is the text of every field a
#: ledger declares personal (`Provenance.personal`). Figures, times, sources, the outlet
#: (`via`) and every classification are not: they are what tallies count and proofs show.
REDACTABLE: Final = ("citation", "quote", "notes")


def check_redactable(name: str, value: object, declared: Iterable[str] | None = None) -> str:
    """Refuse a field that a redaction may not erase, saying why: one of `REDACTABLE`, or
    a field the ledger declared personal (any well-formed name, when `declared` is None:
    an event names it before the ledger's vocabulary is at hand)."""
    if value in REDACTABLE:
        return str(value)
    if not isinstance(value, str) or value in _REPORT_FIELD_NAMES:
        raise ValidationError(
            name,
            f"only free text can be erased ({', '.join(REDACTABLE)}, and the fields the "
            "ledger declared personal); figures, times, sources and classifications are "
            "what tallies count and proofs show, and are never redactable",
            value=value,
        )
    check_field_name(name, value)
    if declared is not None:
        known = tuple(declared)
        if value not in known:
            raise UnknownFieldError(
                name,
                value,
                known=(*REDACTABLE, *known),
                hint=f"a personal field is declared first: ledger field add {value}",
            )
    return value
