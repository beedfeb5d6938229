"""The events of the log: what happened, validated on construction, with no I/O.

An event says *what* happened. *When the ledger learned it*, *who* recorded it and *why* live
in the `StoredEvent` envelope the log wraps around it on append.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import attrs

from ledger._fields import (
    check_id,
    date_or_none,
    id_field,
    instance_of,
    terms_tuple,
    text_field,
    to_utc,
)
from ledger.errors import ValidationError
from ledger.figures import Figure, Language
from ledger.taxonomy import ROOT, Dimension, check_term
from ledger.values import Period, Provenance, SourceKind, check_field_name, check_redactable
from ledger.wording import language_of

#: The stream that holds events belonging to no incident: sources and taxonomy extensions.
GLOBAL_STREAM: Final = "$ledger"
#: Shared defaults: both are immutable, and a million events need not carry a million
#: copies of "no period" and "no provenance".
_NO_PERIOD: Final = Period()
_NO_PROVENANCE: Final = Provenance()


def _optional_language(value: object) -> Language | None:
    return None if value is None else language_of(value)


def _term_field(default: str | None = None) -> Any:
    validator = lambda _, a, v: check_term(a.name, v)  # noqa: E731
    if default is None:
        return attrs.field(validator=validator)
    return attrs.field(default=default, validator=validator)


def _utc_field() -> Any:
    return attrs.field(converter=attrs.Converter(to_utc, takes_field=True))


@attrs.frozen(kw_only=True, slots=True)
class Event:
    """Base of every event; `stream` is the stream it is appended to (its incident's, mostly).

    Each event class has a stable name and schema version in the log: see `ledger.codec`.
    """

    @property
    def stream(self) -> str:
        return GLOBAL_STREAM


@attrs.frozen(kw_only=True, slots=True)
class _IncidentEvent(Event):
    incident: str = id_field()

    @property
    def stream(self) -> str:
        return self.incident


@attrs.frozen(kw_only=True, slots=True)
class IncidentOpened(_IncidentEvent):
    """A real-world episode to tally, e.g. `syria-coast-2025-03`."""

    title: str = text_field(required=True)
    places: tuple[str, ...] = attrs.field(default=(), converter=terms_tuple)
    started_on: dt.date | None = attrs.field(default=None, validator=date_or_none)

    def __attrs_post_init__(self) -> None:
        for i, place in enumerate(self.places):
            check_term(f"places[{i}]", place)


@attrs.frozen(kw_only=True, slots=True)
class SourceRegistered(Event):
    """Someone who makes claims: a monitor, a ministry, a UN office, a hospital."""

    source: str = id_field()
    name: str = text_field(required=True)
    kind: SourceKind = attrs.field(validator=instance_of(SourceKind))
    url: str | None = text_field()
    notes: str | None = text_field()
    #: The language the source words its figures in, where it has one: a figure given as
    #: text for this source is read in it unless the report names another (None: the
    #: ledger's default). Added after version 1; omitted when None, so older bodies are
    #: unchanged and still decode.
    language: Language | None = attrs.field(default=None, converter=_optional_language)


@attrs.frozen(kw_only=True, slots=True)
class TaxonomyExtended(Event):
    """A new term in one of the vocabularies; `parent` is None only for metrics."""

    dimension: Dimension = attrs.field(validator=instance_of(Dimension))
    term: str = _term_field()
    parent: str | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.parent is not None:
            check_term("parent", self.parent)
        if (self.dimension is Dimension.METRIC) != (self.parent is None):
            raise ValidationError(
                "parent",
                "metrics take no parent; groups, perpetrators and places need one",
                value=self.parent,
            )


@attrs.frozen(kw_only=True, slots=True)
class FieldDeclared(Event):
    """A free-text field the ledger's reports may carry in their provenance, personal: what
    a source said of a person (a victim's name, a witness's identity). Its text is committed
    to by a salted hash, so a redaction can erase it and keep verification."""

    field: str = attrs.field(validator=lambda _, a, v: check_field_name(a.name, v))
    description: str | None = text_field()


@attrs.frozen(kw_only=True, slots=True)
class _ReportEvent(_IncidentEvent):
    report_id: str = id_field()


@attrs.frozen(kw_only=True, slots=True)
class ReportFiled(_ReportEvent):
    """One source's claim of one figure."""

    source: str = id_field()
    metric: str = _term_field()
    group: str = _term_field(ROOT)
    by: str = _term_field(ROOT)
    place: str = _term_field(ROOT)
    period: Period = attrs.field(default=_NO_PERIOD, validator=instance_of(Period))
    figure: Figure = attrs.field(validator=instance_of(Figure))
    reported_at: dt.datetime = _utc_field()
    provenance: Provenance = attrs.field(default=_NO_PROVENANCE, validator=instance_of(Provenance))


@attrs.frozen(kw_only=True, slots=True)
class ReportRevised(_ReportEvent):
    """The source itself changed its figure later; effective from its own `reported_at`.

    `period` and `provenance` describe the revision; a None period keeps the previous one.
    """

    figure: Figure = attrs.field(validator=instance_of(Figure))
    reported_at: dt.datetime = _utc_field()
    period: Period | None = attrs.field(default=None)
    provenance: Provenance = attrs.field(default=_NO_PROVENANCE, validator=instance_of(Provenance))

    def __attrs_post_init__(self) -> None:
        if self.period is not None and not isinstance(self.period, Period):
            raise ValidationError("period", "must be a Period or None", value=self.period)


#: The report fields a correction may fix, and whether they belong to one version of the
#: report (figure, period, reported_at) or to the report as a whole (its classification).
VERSION_FIELDS: Final = ("figure", "period", "reported_at")
REPORT_FIELDS: Final = ("source", "metric", "group", "by", "place")


def _optional_utc(value: object, field: attrs.Attribute[Any]) -> dt.datetime | None:
    return None if value is None else to_utc(value, field)


@attrs.frozen(kw_only=True, slots=True)
class ReportCorrected(_ReportEvent):
    """The ledger's entry was wrong (a typo, a wrong category). Retroactive on the reported clock.

    `version` names the version of the report it fixes: 0 for the filing, 1 for the first
    revision, and so on. Only the fields given (not None) change.
    """

    version: int = attrs.field()
    figure: Figure | None = attrs.field(default=None)
    period: Period | None = attrs.field(default=None)
    reported_at: dt.datetime | None = attrs.field(
        default=None,
        converter=attrs.Converter(_optional_utc, takes_field=True),  # type: ignore[misc]
    )
    source: str | None = attrs.field(default=None)
    metric: str | None = attrs.field(default=None)
    group: str | None = attrs.field(default=None)
    by: str | None = attrs.field(default=None)
    place: str | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 0:
            raise ValidationError("version", "must be a whole number >= 0", value=self.version)
        if self.figure is not None and not isinstance(self.figure, Figure):
            raise ValidationError("figure", "must be a Figure", value=self.figure)
        if self.period is not None and not isinstance(self.period, Period):
            raise ValidationError("period", "must be a Period", value=self.period)
        if self.source is not None:
            check_id("source", self.source)
        for name in ("metric", "group", "by", "place"):
            if getattr(self, name) is not None:
                check_term(name, getattr(self, name))
        if not self.changed_fields:
            raise ValidationError("correction", "a correction must change at least one field")

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(f for f in (*VERSION_FIELDS, *REPORT_FIELDS) if getattr(self, f) is not None)


@attrs.frozen(kw_only=True, slots=True)
class ReportRetracted(_ReportEvent):
    """The source withdrew the claim; effective from the retraction's `reported_at`."""

    reported_at: dt.datetime = _utc_field()
    provenance: Provenance = attrs.field(default=_NO_PROVENANCE, validator=instance_of(Provenance))


@attrs.frozen(kw_only=True, slots=True)
class ReportVoided(_ReportEvent):
    """The entry should never have been in the ledger. Retroactive on the reported clock."""


def _redactable(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    check_redactable(attribute.name, value)


def _record_position(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, "must be a record's position (>= 1)", value=value)


@attrs.frozen(kw_only=True, slots=True)
class FieldRedacted(_ReportEvent):
    """The text of a free-text `field` of the report's record at `position` was erased; the
    record keeps its salted commitment, so the log still verifies. Who, when and why are the
    event's actor, recorded time and (required) reason."""

    position: int = attrs.field(validator=_record_position)
    field: str = attrs.field(validator=_redactable)


REPORT_EVENTS: Final = (ReportFiled, ReportRevised, ReportCorrected, ReportRetracted, ReportVoided)


@attrs.frozen(kw_only=True, slots=True)
class StoredEvent:
    """An event as the log holds it: where, when the ledger learned it, who recorded it, why."""

    position: int
    stream: str
    version: int
    event_id: str
    recorded_at: dt.datetime
    actor: str
    reason: str | None
    event: Event
    hash: str
