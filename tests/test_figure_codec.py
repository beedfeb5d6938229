"""How a figure's language is stored: English as bare text (as always), others with their code."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import CodecError, Figure, Language, ReportFiled
from ledger.codec import EVENTS

from .test_wording import rendered

AT = dt.datetime(2025, 3, 8, 14, tzinfo=dt.UTC)


def _filed(figure: Figure) -> ReportFiled:
    return ReportFiled(
        incident="i", report_id="r", source="s", metric="killed", figure=figure, reported_at=AT
    )


def test_an_english_figure_is_stored_as_bare_text_as_before() -> None:
    body = EVENTS.encode(_filed(Figure.parse("about 300")), event_id="e", actor="a", reason=None)
    assert json.loads(body)["data"]["figure"] == "about 300"


def test_another_language_is_stored_with_its_code_and_reads_back() -> None:
    figure = Figure.parse("ما لا يقل عن 1864 مدنيًّا", language="ar")
    body = EVENTS.encode(_filed(figure), event_id="e", actor="a", reason=None)
    stored = json.loads(body)["data"]["figure"]
    assert stored == {"text": "ما لا يقل عن 1864 مدنيًّا", "language": "ar"}
    decoded = EVENTS.decode(body).event
    assert isinstance(decoded, ReportFiled)
    assert decoded.figure == figure
    assert (decoded.figure.language, decoded.figure.low) == (Language.AR, 1864)


@given(rendered())
def test_a_figure_of_any_language_survives_the_codec(figure: Figure) -> None:
    body = EVENTS.encode(_filed(figure), event_id="e", actor="a", reason=None)
    decoded = EVENTS.decode(body).event
    assert isinstance(decoded, ReportFiled)
    assert decoded.figure == figure
    assert decoded.figure.language is figure.language
    assert EVENTS.encode(decoded, event_id="e", actor="a", reason=None) == body


@given(st.sampled_from(["1.300", "plus de 1.500", "une centaine"]))
def test_a_french_wording_keeps_its_french_bounds_through_the_codec(text: str) -> None:
    figure = Figure.parse(text, language="fr")
    decoded = EVENTS.decode(EVENTS.encode(_filed(figure), event_id="e", actor="a", reason=None))
    assert isinstance(decoded.event, ReportFiled)
    assert (decoded.event.figure.low, decoded.event.figure.high) == (figure.low, figure.high)


def _body(figure: object) -> bytes:
    data = {
        "incident": "i", "report_id": "r", "source": "s", "metric": "killed",
        "figure": figure, "reported_at": "2025-03-08T14:00:00+00:00",
    }  # fmt: skip
    body = {"id": "e", "type": "report.filed", "v": 1, "actor": "a", "data": data}
    return json.dumps(body, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ({"text": "نحو 300"}, "as text or as"),
        ({"text": "300", "language": "ar", "best": 3}, "as text or as"),
        ({"text": "300", "language": "de"}, "language: expected a language, one of"),
        ({"text": "1.300", "language": "en"}, "reads as 1.3"),
        ([], "expected text or a whole number, got list"),
    ],
)
def test_a_bad_stored_figure_is_a_codec_error(figure: object, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        EVENTS.decode(_body(figure))


def test_a_json_number_is_an_exact_figure() -> None:
    decoded = EVENTS.decode(_body(311)).event
    assert isinstance(decoded, ReportFiled)
    assert decoded.figure == Figure.exact(311)
