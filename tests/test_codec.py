from __future__ import annotations

import datetime as dt
import json

import attrs
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import CodecError, Event, Figure, ReportFiled, UnknownEventTypeError, codec
from ledger.codec import EVENTS, EventRegistry, Payload

from .strategies import events


@given(events)
def test_any_event_survives_encode_and_decode(event: Event) -> None:
    body = EVENTS.encode(event, event_id="e1", actor="amira", reason="why not")
    decoded = EVENTS.decode(body)
    assert decoded.event == event
    assert (decoded.event_id, decoded.actor, decoded.reason) == ("e1", "amira", "why not")
    # Encoding is deterministic but for the salts of free text, drawn afresh each time so
    # that an erased text's commitment gives no guess away (a retry reuses the stored body).
    again = EVENTS.encode(decoded.event, event_id="e1", actor="amira", reason="why not")
    assert EVENTS.decode(again) == decoded
    if b'"salts":' not in body:
        assert again == body


def test_every_event_type_has_a_stable_name() -> None:
    assert EVENTS.names == (
        "incident.opened", "source.registered", "taxonomy.extended", "field.declared",
        "report.filed", "report.revised", "report.corrected", "report.retracted",
        "report.voided", "report.field_redacted",
    )  # fmt: skip


def test_a_figure_is_stored_as_its_wording() -> None:
    event = ReportFiled(
        incident="i", report_id="r", source="s", metric="killed",
        figure=Figure.parse("at least 311"),
        reported_at=dt.datetime(2025, 3, 8, 14, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    )  # fmt: skip
    data = json.loads(EVENTS.encode(event, event_id="e", actor="a", reason=None))["data"]
    assert data["figure"] == "at least 311"
    assert data["reported_at"] == "2025-03-08T12:00:00+00:00"


@attrs.frozen(kw_only=True, slots=True)
class Casualty(Event):
    """A test-only event at schema version 3: v1 said `dead`, v2 gained `confirmed`."""

    killed: int
    confirmed: bool


def test_upcasters_lift_a_hand_written_version_1_payload() -> None:
    registry = EventRegistry([(Casualty, "test.casualty", 3)])

    @registry.upcaster("test.casualty", 1)
    def rename_dead(data: Payload) -> Payload:
        data["killed"] = data.pop("dead")
        return data

    @registry.upcaster("test.casualty", 2)
    def add_confirmed(data: Payload) -> Payload:
        return {**data, "confirmed": False}

    v1 = b'{"id":"e1","type":"test.casualty","v":1,"actor":"a","reason":null,"data":{"dead":7}}'
    assert registry.decode(v1).event == Casualty(killed=7, confirmed=False)
    v3 = registry.encode(Casualty(killed=7, confirmed=True), event_id="e", actor="a", reason=None)
    assert json.loads(v3)["v"] == 3
    assert registry.decode(v3).event == Casualty(killed=7, confirmed=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"killed":null,"confirmed":true}', "expected a whole number, got null"),
        ('{"killed":2.5,"confirmed":true}', "expected a whole number, got 2.5"),
        ('{"killed":true,"confirmed":true}', "expected a whole number, got true"),
        ('{"killed":3,"confirmed":1}', "expected true or false, got 1"),
    ],
)
def test_the_converter_never_coerces(data: str, message: str) -> None:
    registry = EventRegistry([(Casualty, "test.casualty", 1)])
    body = f'{{"id":"e","type":"test.casualty","v":1,"actor":"a","data":{data}}}'
    with pytest.raises(CodecError, match=message):
        registry.decode(body.encode())


def test_stored_text_fields_refuse_other_json_types() -> None:
    body = (b'{"id":"e","type":"incident.opened","v":1,"actor":"a",'
            b'"data":{"incident":"i","title":null}}')  # fmt: skip
    with pytest.raises(CodecError, match="expected text, got null"):
        EVENTS.decode(body)


def test_a_missing_upcaster_or_a_future_version_is_a_codec_error() -> None:
    registry = EventRegistry([(Casualty, "test.casualty", 2)])
    v1 = b'{"id":"e1","type":"test.casualty","v":1,"actor":"a","data":{"dead":7}}'
    with pytest.raises(CodecError, match="no upcaster from version 1"):
        registry.decode(v1, position=4)
    v9 = b'{"id":"e1","type":"test.casualty","v":9,"actor":"a","data":{}}'
    with pytest.raises(UnknownEventTypeError, match="newer than this ledger knows") as info:
        registry.decode(v9, position=5)
    assert info.value.position == 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"id":"e","type":"report.filed","v":1,"actor":"a","data":{"incident":"i"}}',
         "required field missing @ \\$.report_id"),
        (b'{"id":"e","type":"nope","v":1,"actor":"a","data":{}}', "unknown event type 'nope'"),
        ((b'{"id":"e","type":"report.voided","v":1,"actor":"a","data":{"incident":"i",'
          b'"report_id":"r","extra":1}}'), "extra fields"),
        (b'{"id":"e","type":"report.voided","v":1,"actor":"a"}', "lacks 'data'"),
        (b'{"id":"e","type":"report.vo', "not JSON"),
        (b"[1,2]", "not a JSON object"),
        ((b'{"id":"e","type":"report.retracted","v":1,"actor":"a","data":{"incident":"i",'
          b'"report_id":"r","reported_at":"2025-03-08T12:00:00"}}'), "has no time zone"),
    ],
)  # fmt: skip
def test_bad_payloads_are_codec_errors_naming_the_position(body: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message) as info:
        EVENTS.decode(body, position=42)
    assert info.value.position == 42
    assert "position 42" in str(info.value)


_JSON_TEXT = st.text(st.characters(exclude_categories=["Cs"]))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _JSON_TEXT,
    lambda inner: st.lists(inner) | st.dictionaries(_JSON_TEXT, inner),
    max_leaves=20,
)


@given(st.dictionaries(_JSON_TEXT, _JSON))
def test_the_fast_encoder_writes_the_stdlib_encoders_bytes(body: Payload) -> None:
    # Stored bytes are hashed into the chain and compared on retries, so a log written
    # with the `fast` extra must be byte for byte the log written without it.
    stdlib = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert codec.encode_body(body) == stdlib
    assert orjson.dumps(body) == stdlib


def test_what_orjson_refuses_is_written_by_the_stdlib() -> None:
    body = {"n": 2**70}
    assert codec.encode_body(body) == b'{"n":1180591620717411303424}'


@given(event=events)
def test_reported_reads_what_a_full_decode_gives_of_a_report_event(event: Event) -> None:
    from ledger.events import ReportCorrected, ReportRevised  # noqa: PLC0415

    raw = json.loads(EVENTS.encode(event, event_id="e1", actor="a", reason=None))
    stated = EVENTS.reported(raw)
    if not isinstance(event, ReportFiled | ReportRevised | ReportCorrected):
        assert stated is None
        return
    version = event.version if isinstance(event, ReportCorrected) else None
    assert stated == (type(event), event.report_id, version, event.reported_at)
    # An older schema version, or a body of another shape, is left to the full decode.
    assert EVENTS.reported({**raw, "v": raw["v"] + 1}) is None
    assert EVENTS.reported({**raw, "data": {**raw["data"], "report_id": 7}}) is None
    assert EVENTS.reported([raw]) is None


def test_an_encoded_body_holds_no_more_memory_than_its_bytes() -> None:
    # A batch holds every body it encodes until the store has them: orjson's own result
    # keeps its 4 KiB working buffer, which made a batch of 10,000 short bodies hold 40 MB.
    import tracemalloc  # noqa: PLC0415

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        bodies = [codec.encode_body({"n": n, "text": "x" * 100}) for n in range(1_000)]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 2 * sum(len(b) for b in bodies) + 100_000
