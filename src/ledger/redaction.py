"""Redaction: erasing a report's free text on request or for safety, keeping verification.

A body the ledger writes commits to each free-text field of a provenance (`citation`,
`quote`, `notes`, and the text of every field the ledger declared personal) by a salted
hash, and the chain and the Merkle tree hash the body in that committed form
(`ledger.codec.committed`). Erasing the text leaves the commitment, so every hash, every
proof and every tally stays as it was. `redact` records who, when and why as a
`FieldRedacted` event, and has the store replace the stored bodies (`Store.redact`, the one
sanctioned change to a stored record) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs

from ledger._fields import check_text
from ledger.codec import free_text, redacted_body
from ledger.errors import ValidationError
from ledger.events import FieldRedacted, StoredEvent
from ledger.values import check_redactable

if TYPE_CHECKING:
    from ledger.ledger import Ledger

#: The changes whose records carry a provenance, and so free text.
_WITH_TEXT = ("filed", "revised", "retracted")


@attrs.frozen(kw_only=True, slots=True)
class Redaction:
    """One recorded erasure: the text of `field` of report `report_id`'s record at
    `position`, erased by `actor` at `recorded_at` because of `reason`; `at` is the
    position of the `FieldRedacted` event that records it."""

    position: int
    report_id: str
    field: str
    actor: str
    recorded_at: dt.datetime
    reason: str | None
    at: int

    @classmethod
    def of(cls, stored: StoredEvent, event: FieldRedacted) -> Redaction:
        return cls(
            position=event.position,
            report_id=event.report_id,
            field=event.field,
            actor=stored.actor,
            recorded_at=stored.recorded_at,
            reason=stored.reason,
            at=stored.position,
        )


def redact(
    ledger: Ledger, report_id: str, *, field: str, reason: str, version: int | None = None
) -> list[int]:
    """Erase the text of `field` from the report's records (only the record of `version`, 0
    being the filing, if given), and return their positions. `field` is `citation`, `quote`,
    `notes` or a field the ledger declared personal (else `ValidationError`, or
    `UnknownFieldError` for a name never declared). Raises `ValidationError` for a report
    with no such text, or a record written before free text was committed to (its text is
    hashed as written: erasing it would break verification)."""
    check_redactable("field", field, [f.field for f in ledger.fields()])
    check_text("reason", reason, required=True)
    entries = [
        e
        for e in ledger.history(report_id)
        if e.change in _WITH_TEXT
        and (version is None or (e.version == version and e.change != "retracted"))
    ]
    if version is not None and not entries:
        raise ValidationError("version", f"report {report_id!r} has no version {version}")
    bodies: dict[int, bytes] = {}
    hashed_as_written: list[int] = []
    for entry in entries:
        (record,) = ledger.store.read(after=entry.position - 1, until=entry.position)
        held, salted = free_text(record.body, field)
        if not held:
            continue  # none given, or erased already
        if not salted:
            hashed_as_written.append(record.position)
            continue
        bodies[record.position] = redacted_body(record.body, field)
    if hashed_as_written and not bodies:
        raise ValidationError(
            "field",
            f"the {field} of report {report_id!r} at position {hashed_as_written[0]} was "
            "written before free text was committed to by a salted hash: it is hashed as "
            "written, and erasing it would break verification (docs/reliability.md)",
        )
    if not bodies:
        raise ValidationError("field", f"report {report_id!r} holds no {field} text to erase")
    incident = ledger.history(report_id)[0].incident
    with ledger.transaction():
        ledger.append(
            [
                FieldRedacted(incident=incident, report_id=report_id, position=p, field=field)
                for p in bodies
            ],
            reason=reason,
        )
        ledger.store.redact(bodies)
    ledger._forget()  # noqa: SLF001 - the folds held the erased text
    return sorted(bodies)
