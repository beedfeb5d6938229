"""Small values shared by events: periods, provenance, source kinds, verification."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Final

import attrs

from ledger._fields import date_or_none, instance_of, option, text_field
from ledger.errors import ValidationError


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


#: The free-text fields of a provenance whose text a redaction can erase: committed to in
#: the hashed record by a salted hash (ledger.codec). Figures, times, sources, the outlet
#: (`via`) and every classification are not: they are what tallies count and proofs show.
REDACTABLE: Final = ("citation", "quote", "notes")


def check_redactable(name: str, value: object) -> None:
    """Refuse a field that a redaction may not erase, saying why."""
    if value not in REDACTABLE:
        raise ValidationError(
            name,
            f"only free text can be erased ({', '.join(REDACTABLE)}); figures, times, "
            "sources and classifications are what tallies count and proofs show, and are "
            "never redactable",
            value=value,
        )
