"""Issue 15 item 4: a figure's language is stated by the report, its source or the ledger."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from ledger import (
    CodecError,
    Figure,
    FigureError,
    Language,
    Ledger,
    LineError,
    SourceKind,
    SourceRegistered,
    import_lines,
)
from ledger.cli import main
from ledger.codec import EVENTS

AT = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)


def _ledger(language: str = "en") -> Ledger:
    ledger = Ledger.in_memory(language=language)
    ledger.open_incident("syria", title="Syria coast")
    ledger.register_source("snhr", name="SNHR", kind="monitor", language="ar")
    ledger.register_source("afp", name="AFP", kind="media", language=Language.FR)
    ledger.register_source("cnn", name="CNN", kind="media")
    return ledger


def _figure(ledger: Ledger, source: str, metric: str = "killed") -> Figure:
    (entry,) = [
        e for e in ledger.tally("syria").entries if e.source == source and e.key.metric == metric
    ]
    return entry.figure


def test_text_is_read_in_the_sources_language() -> None:
    ledger = _ledger()
    ledger.file_report("syria", source="snhr", metric="killed", figure="نحو 300", reported_at=AT)
    ledger.file_report("syria", source="afp", metric="killed", figure="1.300", reported_at=AT)
    ledger.file_report("syria", source="cnn", metric="killed", figure="1,300", reported_at=AT)
    assert (_figure(ledger, "snhr").language, _figure(ledger, "snhr").low) == (Language.AR, 270)
    assert (_figure(ledger, "afp").language, _figure(ledger, "afp").low) == (Language.FR, 1300)
    assert (_figure(ledger, "cnn").language, _figure(ledger, "cnn").low) == (Language.EN, 1300)


def test_a_report_names_its_own_language_over_its_sources() -> None:
    ledger = _ledger()
    ledger.file_report(
        "syria", source="afp", metric="killed", figure="at least 12", reported_at=AT,
        language="en",
    )  # fmt: skip
    assert _figure(ledger, "afp") == Figure.at_least(12)


def test_a_figure_object_keeps_its_own_language() -> None:
    ledger = _ledger()
    figure = Figure.parse("about 300")
    ledger.file_report("syria", source="snhr", metric="killed", figure=figure, reported_at=AT)
    assert _figure(ledger, "snhr") == figure


def test_the_ledgers_default_reads_sources_without_one() -> None:
    ledger = _ledger(language="fr")
    ledger.file_report(
        "syria", source="cnn", metric="killed", figure="des dizaines", reported_at=AT
    )
    assert (_figure(ledger, "cnn").language, _figure(ledger, "cnn").low) == (Language.FR, 20)
    with pytest.raises(FigureError, match="language"):
        Ledger.in_memory(language="de")


def test_revisions_and_corrections_read_text_in_the_reports_sources_language() -> None:
    ledger = _ledger()
    rid = ledger.file_report("syria", source="afp", metric="killed", figure="100", reported_at=AT)
    ledger.revise_report(rid, figure="plus de 1.500", reported_at=AT + dt.timedelta(days=1))
    assert _figure(ledger, "afp").low == 1501
    ledger.correct_report(rid, figure="une centaine", reason="typo")
    assert (_figure(ledger, "afp").kind.value, _figure(ledger, "afp").best) == ("about", 100)
    ledger.correct_report(rid, figure="about 100", reason="English copy", language="en")
    assert _figure(ledger, "afp") == Figure.about(100)


def test_a_french_wording_stays_refused_for_an_english_source() -> None:
    ledger = _ledger()
    with pytest.raises(FigureError, match=r"reads as 1\.3"):
        ledger.file_report("syria", source="cnn", metric="killed", figure="1.300", reported_at=AT)
    assert ledger.tally("syria").entries == ()


def test_a_source_without_a_language_is_stored_as_before() -> None:
    event = SourceRegistered(source="s", name="S", kind=SourceKind.MONITOR)
    body = EVENTS.encode(event, event_id="e", actor="a", reason=None)
    assert b"language" not in body
    old = (b'{"id":"e","type":"source.registered","v":1,"actor":"a","reason":null,'
           b'"data":{"source":"s","name":"S","kind":"monitor"}}')  # fmt: skip
    decoded = EVENTS.decode(old).event
    assert isinstance(decoded, SourceRegistered)
    assert decoded.language is None


def test_a_sources_language_survives_the_codec() -> None:
    event = SourceRegistered(source="s", name="S", kind=SourceKind.MONITOR, language=Language.AR)
    body = EVENTS.encode(event, event_id="e", actor="a", reason=None)
    assert json.loads(body)["data"]["language"] == "ar"
    assert EVENTS.decode(body).event == event
    with pytest.raises(CodecError, match="language: expected a language"):
        EVENTS.decode(body.replace(b'"ar"', b'"xx"'))


def _lines(*lines: dict[str, object]) -> list[str]:
    return [json.dumps(line, ensure_ascii=False) for line in lines]


def test_json_lines_state_languages_per_source_and_per_report() -> None:
    ledger = Ledger.in_memory()
    import_lines(
        ledger,
        _lines(
            {"type": "incident", "incident": "syria", "title": "Syria coast"},
            {"type": "source", "source": "snhr", "name": "SNHR", "kind": "monitor",
             "language": "ar"},
            {"type": "source", "source": "afp", "name": "AFP", "kind": "media"},
            {"type": "report", "incident": "syria", "source": "snhr", "metric": "killed",
             "figure": "ما لا يقل عن 1864", "reported_at": "2025-03-10T12:00Z",
             "report_id": "r1"},
            {"type": "report", "incident": "syria", "source": "afp", "metric": "killed",
             "figure": "plus de 1.500", "language": "fr", "reported_at": "2025-03-10T12:00Z"},
            {"type": "revision", "report_id": "r1", "figure": "أكثر من 2000",
             "reported_at": "2025-03-11T12:00Z"},
        ),
    )  # fmt: skip
    assert (_figure(ledger, "snhr").language, _figure(ledger, "snhr").low) == (Language.AR, 2001)
    assert (_figure(ledger, "afp").language, _figure(ledger, "afp").low) == (Language.FR, 1501)


def test_a_json_line_whose_figure_its_language_refuses_names_the_line() -> None:
    ledger = Ledger.in_memory()
    lines = _lines(
        {"type": "incident", "incident": "syria", "title": "Syria coast"},
        {"type": "source", "source": "cnn", "name": "CNN", "kind": "media"},
        {"type": "report", "incident": "syria", "source": "cnn", "metric": "killed",
         "figure": "1.300", "reported_at": "2025-03-10T12:00Z"},
    )  # fmt: skip
    with pytest.raises(LineError, match=r"line 3: figure: .*reads as 1\.3") as info:
        import_lines(ledger, lines)
    assert info.value.field == "figure"
    assert ledger.position == 0


def test_the_cli_reads_a_sources_language_and_ledger_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "l.db")

    def run(*argv: str) -> int:
        return main(["--db", db, *argv], stdout=io.StringIO(), stderr=io.StringIO())

    assert run("init") == 0
    assert run("incident", "open", "syria", "--title", "S") == 0
    assert run("source", "add", "afp", "--name", "AFP", "--kind", "media", "--language", "fr") == 0
    assert run("source", "add", "cnn", "--name", "CNN", "--kind", "media") == 0
    report = ["report", "syria", "--metric", "killed", "--reported-at", "2025-03-10T12:00Z"]
    assert run(*report, "--source", "afp", "--figure", "plus de 1.500") == 0
    assert run(*report, "--source", "cnn", "--figure", "plus de 1.500") == 1
    monkeypatch.setenv("LEDGER_LANGUAGE", "fr")
    assert run(*report, "--source", "cnn", "--figure", "plus de 1.500") == 0
    with Ledger.open(db) as ledger:
        assert {e.source: e.figure.low for e in ledger.tally("syria").entries} == {
            "afp": 1501,
            "cnn": 1501,
        }
