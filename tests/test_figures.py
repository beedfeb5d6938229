from __future__ import annotations

import pytest
from hypothesis import given

from ledger import Figure, FigureError, FigureKind
from ledger.figures import MAX_COUNT

from .strategies import figures, phrased_figures


@pytest.mark.parametrize(
    ("text", "kind", "low", "high"),
    [
        ("311", FigureKind.EXACT, 311, 311),
        ("1,084", FigureKind.EXACT, 1084, 1084),
        ("seven", FigureKind.EXACT, 7, 7),
        ("at least 311", FigureKind.AT_LEAST, 311, None),
        ("no fewer than 40", FigureKind.AT_LEAST, 40, None),
        ("311+", FigureKind.AT_LEAST, 311, None),
        ("more than 200", FigureKind.MORE_THAN, 201, None),
        ("over 200", FigureKind.MORE_THAN, 201, None),
        ("at most 50", FigureKind.AT_MOST, 0, 50),
        ("up to 50", FigureKind.AT_MOST, 0, 50),
        ("fewer than 10", FigureKind.FEWER_THAN, 0, 9),
        ("less than 10", FigureKind.FEWER_THAN, 0, 9),
        ("about 300", FigureKind.ABOUT, 270, 330),
        ("around 300", FigureKind.ABOUT, 270, 330),
        ("approximately 300", FigureKind.ABOUT, 270, 330),
        ("some 300", FigureKind.ABOUT, 270, 330),
        ("~300", FigureKind.ABOUT, 270, 330),
        ("nearly 300", FigureKind.NEARLY, 270, 300),
        ("120-150", FigureKind.RANGE, 120, 150),
        ("120–150", FigureKind.RANGE, 120, 150),  # noqa: RUF001 - sources use en dashes
        ("between 120 and 150", FigureKind.RANGE, 120, 150),
        ("from 120 to 150", FigureKind.RANGE, 120, 150),
        ("dozens", FigureKind.VAGUE, 24, 99),
        ("Dozens", FigureKind.VAGUE, 24, 99),
        ("scores", FigureKind.VAGUE, 40, 99),
        ("hundreds", FigureKind.VAGUE, 200, 999),
        ("thousands", FigureKind.VAGUE, 2000, 9999),
        ("several", FigureKind.VAGUE, 3, 9),
        ("unknown", FigureKind.UNKNOWN, 0, None),
        ("  At  Least   311 ", FigureKind.AT_LEAST, 311, None),
    ],
)
def test_parse_reads_the_conventions(
    text: str, kind: FigureKind, low: int, high: int | None
) -> None:
    figure = Figure.parse(text)
    assert (figure.kind, figure.low, figure.high) == (kind, low, high)
    assert str(figure) == text.strip()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "negative"),
        ("lots", "not a count"),
        ("", "empty"),
        ("   ", "empty"),
        ("150-120", "above high"),
        ("fewer than 0", "fewer than 0"),
        (str(MAX_COUNT + 1), "largest plausible"),
        ("at least", "not a count"),
        ("3.5", "not a count"),
    ],
)
def test_parse_rejects_nonsense_with_a_figure_error(text: str, message: str) -> None:
    with pytest.raises(FigureError, match=message) as info:
        Figure.parse(text)
    assert info.value.field == "figure"


@pytest.mark.parametrize("value", [3.5, None, True, ["311"]])
def test_a_non_text_figure_is_a_figure_error(value: object) -> None:
    with pytest.raises(FigureError, match="expected text"):
        Figure.parse(value)  # type: ignore[arg-type]


def test_a_whole_number_is_an_exact_figure() -> None:
    # Issue 15: a JSON number or a Python int is an exact count, kept as its digits.
    assert Figure.parse(311) == Figure.parse("311")
    assert str(Figure.parse(311)) == "311"
    with pytest.raises(FigureError, match="negative"):
        Figure.parse(-5)


def test_constructors_render_the_canonical_wording() -> None:
    assert str(Figure.at_least(311)) == "at least 311"
    assert str(Figure.between(120, 150)) == "120-150"
    assert Figure.exact(7) == Figure.parse("7")
    assert Figure.unknown().high is None
    with pytest.raises(FigureError):
        Figure.exact(-1)
    with pytest.raises(FigureError):
        Figure.between(5, 3)
    with pytest.raises(FigureError):
        Figure.vague("lots")


def test_equality_is_by_wording_and_bounds_follow() -> None:
    assert Figure.parse("about 300") != Figure.parse("around 300")
    assert Figure.parse("about 300").overlaps(Figure.parse("at least 311"))
    assert not Figure.parse("fewer than 10").overlaps(Figure.parse("at least 10"))
    assert Figure.parse("120-150").contains(150)
    assert not Figure.parse("120-150").contains(151)


@given(figures | phrased_figures)
def test_parse_and_render_round_trip(figure: Figure) -> None:
    again = Figure.parse(str(figure))
    assert again == figure
    assert (again.kind, again.low, again.high) == (figure.kind, figure.low, figure.high)


@given(figures | phrased_figures)
def test_low_never_exceeds_high(figure: Figure) -> None:
    assert figure.low >= 0
    assert figure.high is None or figure.low <= figure.high
    assert figure.contains(figure.low)


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("311", 311),
        ("seven", 7),
        ("at least 311", 311),
        ("50+", 50),
        ("more than 1,000", 1000),
        ("fewer than 5", 5),
        ("about 20", 20),
        ("~40", 40),
        ("nearly 20", 20),
        ("120-150", None),
        ("dozens", None),
        ("unknown", None),
    ],
)
def test_stated_is_the_count_the_words_name(text: str, stated: int | None) -> None:
    assert Figure.parse(text).stated == stated


@given(figures | phrased_figures)
def test_a_stated_count_lies_within_the_bounds_or_just_past_a_strict_one(figure: Figure) -> None:
    stated = figure.stated
    if stated is None:
        assert figure.kind in (FigureKind.RANGE, FigureKind.VAGUE, FigureKind.UNKNOWN)
    elif figure.kind is FigureKind.MORE_THAN:
        assert stated == figure.low - 1
    elif figure.kind is FigureKind.FEWER_THAN:
        assert figure.high == stated - 1
    else:
        assert figure.contains(stated)
