"""The report index's shortcuts, held to the slow paths they replace.

The index reads revisions from their bodies without building events, and answers what the
ledger knew at an earlier instant from states it kept rather than by folding events again.
Both must give exactly what decoding and folding every event gives.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given

from ledger import Figure, Ledger, ReportRevised, StoredEvent
from ledger.codec import EVENTS, load_body
from ledger.errors import CodecError
from ledger.events import REPORT_EVENTS
from ledger.log import decode_record
from ledger.model import ReportState, fold_report
from ledger.projections.reports import ReportIndex, ReportIndexProjection
from ledger.testing import build_ledger

from .held import held, incident_ids, replayed
from .strategies import Step, histories

T0 = dt.datetime(2025, 3, 7, 9, tzinfo=dt.UTC)
T1 = T0.replace(hour=12)


@given(steps=histories())
def test_folding_an_incident_equals_a_strict_replay(steps: list[Step]) -> None:
    ledger = build_ledger(steps)
    reopened = Ledger(ledger.store, actor="reader")  # folds revisions by the shortcut
    assert held(reopened) == replayed(ledger)  # the replay decodes every event in full
    assert reopened.reports() == ledger.reports()


@given(steps=histories())
def test_the_shortcut_reads_a_revision_as_the_codec_decodes_it(steps: list[Step]) -> None:
    ledger = build_ledger(steps)
    for record in ledger.store.read():
        raw = load_body(record.body)
        quick = EVENTS.revision(raw)
        body = EVENTS.decode(record.body)
        event = body.event
        if not isinstance(event, ReportRevised) or event.period is not None:
            assert quick is None  # other events, and revisions giving a period, go strictly
            continue
        assert quick == (
            body.actor,
            body.reason,
            (event.incident, event.report_id, event.figure, event.reported_at, event.provenance),
        )


@given(steps=histories())
def test_a_report_after_k_events_is_the_fold_of_its_first_k(steps: list[Step]) -> None:
    ledger = build_ledger(steps)
    per_report: dict[str, list[StoredEvent]] = {}
    for one in map(decode_record, ledger.store.read()):
        if isinstance(one.event, REPORT_EVENTS):
            per_report.setdefault(one.event.report_id, []).append(one)
    for report_id, stored in per_report.items():
        incident = stored[0].stream
        track = ledger._folds.incident(incident).index.tracks[report_id]
        assert track.positions.tolist() == [s.position for s in stored]
        assert track.notes == [(s.recorded_at, s.actor, s.reason) for s in stored]
        state: ReportState | None = None
        assert track.at(0) is None
        for k, s in enumerate(stored, start=1):
            state = fold_report(state, s.event)
            assert track.at(k) == state
            known = sum(1 for t in stored if t.recorded_at <= s.recorded_at)
            assert track.known(s.recorded_at) == track.at(known)


def _revision_body() -> dict[str, Any]:
    ledger = Ledger.in_memory(actor="desk")
    ledger.register_source("sohr", name="SOHR", kind="monitor")
    ledger.open_incident("coast", title="Coast")
    report = ledger.file_report(
        "coast", source="sohr", metric="killed", figure="at least 50", reported_at=T0
    )
    ledger.revise_report(report, figure="at least 70", reported_at=T1, provenance=None)
    last = list(ledger.store.read())[-1]
    body: dict[str, Any] = json.loads(last.body)
    return body


def _with(path: tuple[str, ...], value: object) -> Any:
    def change(body: dict[str, Any]) -> dict[str, Any]:
        target = body
        for key in path[:-1]:
            target = target[key]
        if value is _DROP:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return body

    return change


_DROP = object()

# Each body the shortcut must leave to the strict path, and whether that path refuses it.
ODD_BODIES = {
    "an unexpected field": (_with(("data", "colour"), "red"), True),
    "a figure that does not parse": (_with(("data", "figure"), "lots"), True),
    "a time with no zone": (_with(("data", "reported_at"), "2025-03-07T12:00:00"), True),
    "an actor that is not text": (_with(("actor",), 7), True),
    "a reason that is not text": (_with(("reason",), ["why"]), True),
    "provenance that is not an object": (_with(("data", "provenance"), "cnn"), True),
    "provenance with an unknown field": (_with(("data", "provenance"), {"by": "x"}), True),
    "a missing report id": (_with(("data", "report_id"), _DROP), True),
    "a newer schema version": (_with(("v",), 2), True),
    "a period, which the shortcut does not read": (
        _with(("data", "period"), {"start": "2025-03-06"}),
        False,
    ),
    "provenance it reads": (_with(("data", "provenance"), {"via": "cnn"}), False),
}


@pytest.mark.parametrize("name", list(ODD_BODIES))
def test_odd_bodies_take_the_strict_path(name: str) -> None:
    change, refused = ODD_BODIES[name]
    raw = change(_revision_body())
    text = json.dumps(raw)
    if refused:
        assert EVENTS.revision(raw) is None
        with pytest.raises(CodecError):
            EVENTS.decode(text)
        return
    event = EVENTS.decode(text).event
    quick = EVENTS.revision(raw)
    assert isinstance(event, ReportRevised)
    if quick is None:
        assert event.period is not None
    else:
        assert quick[2][4] == event.provenance


def test_a_tally_as_of_an_early_time_sees_a_first_version_corrected_either_way() -> None:
    # The tally skips reports whose first version came after `as_of`, by the earliest time
    # any correction ever gave it; moving that time back and forth must not hide a report.
    clock = iter(dt.datetime(2025, 3, 9, h, tzinfo=dt.UTC) for h in range(24))
    ledger = Ledger.in_memory(actor="desk", clock=lambda: next(clock))
    ledger.register_source("sohr", name="SOHR", kind="monitor")
    ledger.open_incident("coast", title="Coast")
    report = ledger.file_report(
        "coast", source="sohr", metric="killed", figure="50", reported_at=T1
    )
    filed = ledger.position
    ledger.tally("coast", as_of=T1)  # builds the order the tally skips by
    ledger.correct_report(report, version=0, reported_at=T0, reason="said earlier")
    earlier = ledger.position
    ledger.correct_report(report, version=0, reported_at=T1, reason="no, later")
    known = {p: next(ledger.events(after=p - 1, until=p)).recorded_at for p in (filed, earlier)}

    def stands(as_of: dt.datetime, known_at: dt.datetime | None = None) -> bool:
        return bool(ledger.tally("coast", as_of=as_of, known_at=known_at).entries)

    assert not stands(T0)  # now: reported at T1
    assert stands(T0, known[earlier])  # as known after the first correction: at T0
    assert not stands(T0, known[filed])
    assert stands(T1, known[filed])


def _orders(index: ReportIndex) -> dict[str, list[tuple[dt.datetime, int, str]]]:
    return {
        incident: [(e, p, t.state.report_id) for e, p, t in index._by_earliest.get(incident, [])]
        for incident in index.by_incident
    }


@given(steps=histories())
def test_reports_stay_ordered_by_the_earliest_their_first_version_ever_had(
    steps: list[Step],
) -> None:
    ledger = build_ledger(steps)
    for incident_id in incident_ids(ledger):
        _check_order(ledger._folds.incident(incident_id).index)


def _check_order(index: ReportIndex) -> None:
    for incident, report_ids in index.by_incident.items():
        expected = []
        for report_id in report_ids:
            track = index.tracks[report_id]
            states = [track.at(k) for k in range(1, len(track) + 1)]
            earliest = min(s.versions[0].reported_at for s in states if s is not None)
            assert track.earliest == earliest
            expected.append((earliest, track.filed_at, report_id))
        assert _orders(index)[incident] == sorted(expected)
    projection = ReportIndexProjection()
    assert _orders(projection.load(projection.dump(index))) == _orders(index)


def test_the_events_of_one_batch_share_one_note() -> None:
    # Who, when and why are the same for nearly every event of a batch: a long log holds
    # one note per batch and incident, not three items per event.
    ledger = Ledger.in_memory(actor="desk")
    ledger.open_incident("inc", title="Inc")
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    for n in range(3):
        ledger.file_report(
            incident="inc", report_id=f"r{n}", source="snhr", metric="killed",
            figure=str(n), reported_at=T0,
        )  # fmt: skip
    batch = [
        ReportRevised(incident="inc", report_id=f"r{n}", figure=Figure.parse(f"{n + 10}"),
                      reported_at=T1)
        for n in range(3)
    ]  # fmt: skip
    ledger.append(batch, reason="a desk's morning revisions")
    tracks = ledger._folds.incident("inc").index.tracks
    notes = [tracks[f"r{n}"].notes[-1] for n in range(3)]
    assert all(note is notes[0] for note in notes)
    assert notes[0][1:] == ("desk", "a desk's morning revisions")
    reopened = Ledger(ledger.store, actor="reader")  # folded afresh from the stored records
    again = reopened._folds.incident("inc").index.tracks
    assert all(again[f"r{n}"].notes[-1] is again["r0"].notes[-1] for n in range(3))
