"""Figures as sources word them: every form of issue 15 and issue 14's central estimates.

Each table row is one wording with the bounds the documented conventions give it
(docs/figures.md); the refusal tables are the forms that must stay refused, with why.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import Figure, FigureError, FigureKind, Language
from ledger.figures import MAX_COUNT
from ledger.wording import GRAMMARS
from ledger.wording.english import NUMBERS as ENGLISH_NUMBERS

from .strategies import worded_figures

K = FigureKind
OPEN = None

# -- English: wire copy forms refused before issue 15 -------------------------------------

ENGLISH = [
    ("a dozen", K.EXACT, 12, 12, 12),
    ("about a dozen", K.ABOUT, 10, 14, 12),
    ("several hundred", K.VAGUE, 300, 999, None),
    ("several thousand", K.VAGUE, 3_000, 9_999, None),
    ("a few hundred", K.VAGUE, 200, 999, None),
    ("several hundred thousand", K.VAGUE, 300_000, 999_999, None),
    ("nearly 1.2 thousand", K.NEARLY, 1_080, 1_200, None),
    ("1.2 thousand", K.EXACT, 1_200, 1_200, 1_200),
    ("1.5k", K.EXACT, 1_500, 1_500, 1_500),
    ("2.5 million", K.EXACT, 2_500_000, 2_500_000, 2_500_000),
    ("more than a thousand", K.MORE_THAN, 1_001, OPEN, None),
    ("a hundred", K.EXACT, 100, 100, 100),
    ("thirty", K.EXACT, 30, 30, 30),
    ("ninety-nine", K.EXACT, 99, 99, 99),
    ("Ninety Nine", K.EXACT, 99, 99, 99),
    ("two hundred and five", K.EXACT, 205, 205, 205),
    ("one thousand two hundred", K.EXACT, 1_200, 1_200, 1_200),
    ("twelve hundred", K.EXACT, 1_200, 1_200, 1_200),
    ("two dozen", K.EXACT, 24, 24, 24),
    ("at least thirty-five", K.AT_LEAST, 35, OPEN, None),
    ("12 or 13", K.RANGE, 12, 13, None),
    ("at least 12 people", K.AT_LEAST, 12, OPEN, None),
    ("between 30 and 40 people", K.RANGE, 30, 40, None),
    ("dozens of civilians", K.VAGUE, 24, 99, None),
    ("311 people killed", K.EXACT, 311, 311, 311),
    ("1 300", K.EXACT, 1_300, 1_300, 1_300),
    ("1\u00a0300", K.EXACT, 1_300, 1_300, 1_300),  # a no-break space
    ("at least 1 300 000", K.AT_LEAST, 1_300_000, OPEN, None),
    ("between 1 300 and 1 400", K.RANGE, 1_300, 1_400, None),
    ("eight (8)", K.EXACT, 8, 8, 8),
    ("seven or more", K.AT_LEAST, 7, OPEN, None),
    ("seven to twenty", K.RANGE, 7, 20, None),
    ("twenty and thirty", K.RANGE, 20, 30, None),
    # Central estimates (issue 14): best (low-high), UCDP's best, low and high.
    ("12 (10-15)", K.ESTIMATE, 10, 15, 12),
    ("0 (0-3)", K.ESTIMATE, 0, 3, 0),
    ("1,200 (1,000 - 1,500)", K.ESTIMATE, 1_000, 1_500, 1_200),
    ("12 (10–15)", K.ESTIMATE, 10, 15, 12),
    ("12 (between 10 and 15) people", K.ESTIMATE, 10, 15, 12),
]


@pytest.mark.parametrize(("text", "kind", "low", "high", "best"), ENGLISH)
def test_english_forms(text: str, kind: K, low: int, high: int | None, best: int | None) -> None:
    figure = Figure.parse(text)
    assert (figure.kind, figure.low, figure.high, figure.best) == (kind, low, high, best)
    assert str(figure) == text.strip()
    assert figure.language is Language.EN


def test_a_python_int_and_a_json_number_are_exact_figures() -> None:
    assert Figure.parse(311) == Figure.parse("311")
    assert Figure(text=311) == Figure.exact(311)


# -- Arabic ------------------------------------------------------------------------------------

ARABIC = [
    ("ما لا يقل عن 1864", K.AT_LEAST, 1_864, OPEN, None),
    ("لا يقل عن 50", K.AT_LEAST, 50, OPEN, None),
    ("50 على الأقل", K.AT_LEAST, 50, OPEN, None),
    ("50 شخصا على الأقل", K.AT_LEAST, 50, OPEN, None),
    ("أكثر من 12 ألفا", K.MORE_THAN, 12_001, OPEN, None),
    ("أزيد من 200", K.MORE_THAN, 201, OPEN, None),
    ("فاق 1300", K.MORE_THAN, 1_301, OPEN, None),
    ("ما يزيد عن 100", K.MORE_THAN, 101, OPEN, None),
    ("نحو 300", K.ABOUT, 270, 330, 300),
    ("حوالي 300", K.ABOUT, 270, 330, 300),
    ("حوالى 300", K.ABOUT, 270, 330, 300),
    ("قرابة 45", K.ABOUT, 40, 50, 45),
    ("300 تقريبا", K.ABOUT, 270, 330, 300),
    ("ما يناهز 300", K.NEARLY, 270, 300, None),
    ("أقل من 10", K.FEWER_THAN, 0, 9, None),
    ("ما لا يزيد عن 50", K.AT_MOST, 0, 50, None),
    ("عشرات", K.VAGUE, 30, 99, None),
    ("مئات", K.VAGUE, 300, 999, None),
    ("آلاف", K.VAGUE, 3_000, 9_999, None),
    ("عشرات الآلاف", K.VAGUE, 30_000, 99_999, None),
    ("المئات", K.VAGUE, 300, 999, None),
    ("بضعة آلاف", K.VAGUE, 3_000, 9_999, None),
    ("عشرات المدنيين", K.VAGUE, 30, 99, None),
    ("34 ألفا و473", K.EXACT, 34_473, 34_473, 34_473),
    ("34 ألفًا و473", K.EXACT, 34_473, 34_473, 34_473),
    ("ألف", K.EXACT, 1_000, 1_000, 1_000),
    ("ألفين", K.EXACT, 2_000, 2_000, 2_000),
    ("ألفي", K.EXACT, 2_000, 2_000, 2_000),
    ("ألفان", K.EXACT, 2_000, 2_000, 2_000),
    ("ألفين و500", K.EXACT, 2_500, 2_500, 2_500),
    ("3 آلاف", K.EXACT, 3_000, 3_000, 3_000),
    ("مئتان", K.EXACT, 200, 200, 200),
    ("نحو 1.4 مليون", K.ABOUT, 1_260_000, 1_540_001, 1_400_000),
    ("1٫4 مليون", K.EXACT, 1_400_000, 1_400_000, 1_400_000),
    ("طفلان", K.EXACT, 2, 2, 2),
    ("طفلين", K.EXACT, 2, 2, 2),
    ("سيدتان", K.EXACT, 2, 2, 2),
    ("٣٤", K.EXACT, 34, 34, 34),
    ("۸۰۰", K.EXACT, 800, 800, 800),
    ("١٢٠٬٨٥٠", K.EXACT, 120_850, 120_850, 120_850),
    ("120,850", K.EXACT, 120_850, 120_850, 120_850),
    ("ما لا يقل عن ١٨٦٤", K.AT_LEAST, 1_864, OPEN, None),
    ("ما لا يقل عن 1864 مدنيًّا", K.AT_LEAST, 1_864, OPEN, None),
    ("ما لا يقـــل عن 1864", K.AT_LEAST, 1_864, OPEN, None),  # tatweel
    ("مَا لَا يَقِلُّ عَنْ 1864", K.AT_LEAST, 1_864, OPEN, None),  # full tashkeel
    ("اكثر من 12", K.MORE_THAN, 13, OPEN, None),  # no hamza
    ("من 10 الى 20", K.RANGE, 10, 20, None),  # no hamza
    ("من 10 إلى 20", K.RANGE, 10, 20, None),
    ("بين 10 و20", K.RANGE, 10, 20, None),
    ("10-20", K.RANGE, 10, 20, None),
    ("1864 من المدنيين", K.EXACT, 1_864, 1_864, 1_864),
    ("غير معروف", K.UNKNOWN, 0, OPEN, None),
    ("مجهول", K.UNKNOWN, 0, OPEN, None),
    ("12 (10-15)", K.ESTIMATE, 10, 15, 12),
    ("ما بين 10 و20", K.RANGE, 10, 20, None),
    ("10 إلى 20", K.RANGE, 10, 20, None),
    ("10 أو 12", K.RANGE, 10, 12, None),
    ("5 فأكثر", K.AT_LEAST, 5, OPEN, None),
    ("5 فما فوق", K.AT_LEAST, 5, OPEN, None),
    ("ما يصل إلى 50", K.AT_MOST, 0, 50, None),
    ("50 على الأكثر", K.AT_MOST, 0, 50, None),
    ("زهاء 300", K.ABOUT, 270, 330, 300),
    ("تجاوز 100", K.MORE_THAN, 101, OPEN, None),
    ("بضع", K.VAGUE, 3, 9, None),
    ("ملايين", K.VAGUE, 3_000_000, 9_999_999, None),
    ("مئات الآلاف", K.VAGUE, 300_000, 999_999, None),
    ("١٫٤ مليون", K.EXACT, 1_400_000, 1_400_000, 1_400_000),
    ("12 ألفا", K.EXACT, 12_000, 12_000, 12_000),
]


@pytest.mark.parametrize(("text", "kind", "low", "high", "best"), ARABIC)
def test_arabic_forms(text: str, kind: K, low: int, high: int | None, best: int | None) -> None:
    figure = Figure.parse(text, language="ar")
    assert (figure.kind, figure.low, figure.high, figure.best) == (kind, low, high, best)
    assert str(figure) == text  # the wording is kept exactly, tashkeel and all
    assert figure.language is Language.AR


# -- French ------------------------------------------------------------------------------------

FRENCH = [
    ("au moins 104", K.AT_LEAST, 104, OPEN, None),
    ("au moins 104 morts", K.AT_LEAST, 104, OPEN, None),
    ("104 au moins", K.AT_LEAST, 104, OPEN, None),
    ("plus de 1.500", K.MORE_THAN, 1_501, OPEN, None),
    ("plus de 1 500 personnes", K.MORE_THAN, 1_501, OPEN, None),
    ("plus d'un millier", K.MORE_THAN, 1_001, OPEN, None),
    ("plus d’un millier", K.MORE_THAN, 1_001, OPEN, None),
    ("1,3 million", K.EXACT, 1_300_000, 1_300_000, 1_300_000),
    ("1,3 million de déplacés", K.EXACT, 1_300_000, 1_300_000, 1_300_000),
    ("1.300", K.EXACT, 1_300, 1_300, 1_300),
    ("environ 100", K.ABOUT, 90, 111, 100),
    ("100 environ", K.ABOUT, 90, 111, 100),
    ("une soixantaine", K.ABOUT, 54, 66, 60),
    ("une soixantaine de morts", K.ABOUT, 54, 66, 60),
    ("une vingtaine", K.ABOUT, 18, 22, 20),
    ("une centaine", K.ABOUT, 90, 111, 100),
    ("une dizaine", K.ABOUT, 9, 11, 10),
    ("un millier", K.ABOUT, 900, 1_100, 1_000),
    ("des dizaines", K.VAGUE, 20, 99, None),
    ("plusieurs dizaines", K.VAGUE, 30, 99, None),
    ("des centaines", K.VAGUE, 200, 999, None),
    ("des milliers", K.VAGUE, 2_000, 9_999, None),
    ("des dizaines de milliers", K.VAGUE, 20_000, 99_999, None),
    ("plusieurs centaines de civils", K.VAGUE, 300, 999, None),
    ("quelques", K.VAGUE, 2, 9, None),
    ("huit (8)", K.EXACT, 8, 8, 8),
    ("Quatre vingt-deux", K.EXACT, 82, 82, 82),
    ("quatre-vingts", K.EXACT, 80, 80, 80),
    ("quatre-vingt-dix-sept", K.EXACT, 97, 97, 97),
    ("soixante et onze", K.EXACT, 71, 71, 71),
    ("soixante-dix-huit", K.EXACT, 78, 78, 78),
    ("vingt et un", K.EXACT, 21, 21, 21),
    ("vingt-et-un", K.EXACT, 21, 21, 21),
    ("nonante", K.EXACT, 90, 90, 90),
    ("mille cinq cents", K.EXACT, 1_500, 1_500, 1_500),
    ("deux cent mille", K.EXACT, 200_000, 200_000, 200_000),
    ("entre 10 et 50", K.RANGE, 10, 50, None),
    ("de 10 à 50", K.RANGE, 10, 50, None),
    ("10 ou 11", K.RANGE, 10, 11, None),
    ("jusqu'à cinquante", K.AT_MOST, 0, 50, None),
    ("jusqu’à cinquante", K.AT_MOST, 0, 50, None),
    ("moins de 10", K.FEWER_THAN, 0, 9, None),
    ("près de 300", K.NEARLY, 270, 300, None),
    ("pres de 300", K.NEARLY, 270, 300, None),
    ("inconnu", K.UNKNOWN, 0, OPEN, None),
    ("indéterminé", K.UNKNOWN, 0, OPEN, None),
    ("12 (10-15)", K.ESTIMATE, 10, 15, 12),
    ("5 et plus", K.AT_LEAST, 5, OPEN, None),
    ("pas moins de 40", K.AT_LEAST, 40, OPEN, None),
    ("au-delà de 100", K.MORE_THAN, 101, OPEN, None),
    ("tout au plus 50", K.AT_MOST, 0, 50, None),
    ("quelque 300", K.ABOUT, 270, 330, 300),
    ("une douzaine", K.ABOUT, 10, 14, 12),
    ("plus d'une centaine", K.MORE_THAN, 101, OPEN, None),
    ("quelques dizaines", K.VAGUE, 20, 99, None),
    ("des millions", K.VAGUE, 2_000_000, 9_999_999, None),
    ("septante-deux", K.EXACT, 72, 72, 72),
    ("cent un", K.EXACT, 101, 101, 101),
]


@pytest.mark.parametrize(("text", "kind", "low", "high", "best"), FRENCH)
def test_french_forms(text: str, kind: K, low: int, high: int | None, best: int | None) -> None:
    figure = Figure.parse(text, language="fr")
    assert (figure.kind, figure.low, figure.high, figure.best) == (kind, low, high, best)
    assert str(figure) == text
    assert figure.language is Language.FR


# -- refusals ----------------------------------------------------------------------------------

REFUSED = [
    # Not a count at all, or too vague to bound: refused, never guessed.
    ("en", "lots", "not a count, a bound or a range; English figures read like '311'"),
    ("en", "many", "not a count, a bound or a range"),
    ("en", "dozens of", "not a count"),
    ("en", "thousand", "not a count"),
    ("en", "several dozen", "not a count"),
    ("en", "12 or so", "not a count"),
    ("en", "300 approximately", "not a count"),
    ("ar", "كثيرون", "Arabic figures read like"),
    ("fr", "beaucoup", "French figures read like"),
    # A decimal mark where a count is whole: "1.300" is 1.3 in English, "1,500" 1.5 in French.
    ("en", "1.300", "in English '1.300' reads as 1.3, and a count is a whole number"),
    ("en", "3.5", "reads as 3.5"),
    ("fr", "1,500", "in French '1,500' reads as 1.5"),
    ("fr", "1.5", "'1.5' is not a number as French writes one"),
    ("en", "1,00,000", "'1,00,000' is not a number as English writes one"),
    ("ar", "١٢٠٬٨٥", "is not a number as Arabic writes one"),
    # Negative, in any minus sign.
    ("en", "-5", "a count cannot be negative"),
    ("en", "\u22125", "a count cannot be negative"),
    ("ar", "-٥", "a count cannot be negative"),
    ("en", "-five", "a count cannot be negative"),
    # Self-contradictory.
    ("en", "150-120", "low 150 is above high 120"),
    ("fr", "entre 50 et 10", "low 50 is above high 10"),
    ("en", "12 (20-30)", "the best estimate 12 is outside 20-30"),
    ("en", "12 (15-10)", "low 15 is above high 10"),
    ("en", "eight (9)", "the words say 8 but the digits say 9"),
    ("fr", "huit (9)", "the words say 8 but the digits say 9"),
    ("en", "fewer than 0", "no count is fewer than 0"),
    ("en", "2 thousand 3 thousand", "not a count"),
    # Too large to be a real count.
    ("en", "twenty billion", "exceeds the largest plausible count"),
    ("fr", "20 milliards", "exceeds the largest plausible count"),
    # Empty.
    ("ar", "   ", "a figure cannot be empty"),
]


@pytest.mark.parametrize(("language", "text", "message"), REFUSED)
def test_refusals_say_why(language: str, text: str, message: str) -> None:
    with pytest.raises(FigureError) as info:
        Figure.parse(text, language=language)
    assert message in str(info.value)
    assert info.value.field == "figure"


def test_a_generic_refusal_points_to_the_docs() -> None:
    with pytest.raises(FigureError, match=r"every French form: docs/figures\.md"):
        Figure.parse("beaucoup", language="fr")


def test_one_wording_reads_by_its_language() -> None:
    # A dot groups thousands in French and marks decimals in English: the language is
    # stated, never guessed.
    assert Figure.parse("1.300", language="fr").low == 1_300
    with pytest.raises(FigureError):
        Figure.parse("1.300")
    assert Figure.parse("300", language="ar") != Figure.parse("300")


@pytest.mark.parametrize("code", ["de", "", "english", None, 3])
def test_an_unknown_language_is_refused(code: object) -> None:
    with pytest.raises(FigureError) as info:
        Figure.parse("311", language=code)  # type: ignore[arg-type]
    assert info.value.field == "language"
    assert "'ar', 'en', 'fr'" in str(info.value) or "'en', 'ar', 'fr'" in str(info.value)


def test_language_codes_and_the_enum_are_one() -> None:
    assert Figure.parse("311", language="FR") == Figure.parse("311", language=Language.FR)


# -- central estimates ---------------------------------------------------------------------------


def test_an_estimate_is_written_canonically_and_reads_back() -> None:
    figure = Figure.estimate(best=12, low=10, high=15)
    assert str(figure) == "12 (10-15)"
    assert (figure.kind, figure.low, figure.high, figure.best) == (K.ESTIMATE, 10, 15, 12)
    assert Figure.parse(str(figure)) == figure
    assert Figure.estimate(best=0, low=0, high=3).best == 0


def test_an_estimate_whose_bounds_agree_is_an_exact_count() -> None:
    assert Figure.estimate(best=5, low=5, high=5) == Figure.exact(5)


@pytest.mark.parametrize(
    ("best", "low", "high", "message"),
    [
        (20, 10, 15, "outside 10-15"),
        (5, 10, 15, "outside 10-15"),
        (12, 15, 10, "outside 15-10"),
        (-1, 0, 3, "negative"),
        (1.5, 0, 3, "whole number"),
    ],
)
def test_an_estimate_out_of_its_bounds_is_refused(
    best: int, low: int, high: int, message: str
) -> None:
    with pytest.raises(FigureError, match=message):
        Figure.estimate(best=best, low=low, high=high)


def test_best_is_the_wordings_own_central_number() -> None:
    assert Figure.parse("311").best == 311
    assert Figure.parse("about 300").best == 300
    assert Figure.parse("at least 311").best is None
    assert Figure.parse("120-150").best is None
    assert Figure.parse("dozens").best is None
    assert Figure.parse("unknown").best is None


# -- laws ----------------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=MAX_COUNT)
languages = st.sampled_from(list(Language))


def rendered() -> st.SearchStrategy[Figure]:
    """Any figure a language's constructors write, or a source's wording of it: the toolkit's."""
    return worded_figures


@given(rendered())
def test_render_then_parse_is_the_identity_in_every_language(figure: Figure) -> None:
    again = Figure.parse(str(figure), language=figure.language)
    assert again == figure
    assert (again.kind, again.low, again.high, again.best) == (
        figure.kind,
        figure.low,
        figure.high,
        figure.best,
    )


@given(rendered())
def test_low_never_exceeds_high_in_every_language(figure: Figure) -> None:
    assert figure.low >= 0
    assert figure.high is None or figure.low <= figure.high
    assert figure.contains(figure.low)
    assert figure.best is None or figure.contains(figure.best)


#: Each language's ways of writing 1234567, as (language, writer).
_DIGIT_STYLES = [
    ("en", lambda n: f"{n:,}"),
    ("en", lambda n: f"{n:,}".replace(",", " ")),
    ("fr", lambda n: f"{n:,}".replace(",", ".")),
    ("fr", lambda n: f"{n:,}".replace(",", "\u202f")),  # a narrow no-break space
    ("ar", lambda n: f"{n:,}".translate(str.maketrans("0123456789,", "٠١٢٣٤٥٦٧٨٩٬"))),
    ("ar", lambda n: str(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))),
]


@given(st.sampled_from(_DIGIT_STYLES), st.integers(min_value=0, max_value=MAX_COUNT))
def test_every_digit_style_of_a_language_reads_the_same_count(
    style: tuple[str, object], n: int
) -> None:
    language, write = style
    figure = Figure.parse(write(n), language=language)  # type: ignore[operator]
    assert (figure.kind, figure.low, figure.high) == (K.EXACT, n, n)


_ONES = ENGLISH_NUMBERS.units


def _spell(n: int) -> str:
    """English words for n < 10**9, as a writer might put them."""
    words = {v: k for k, v in _ONES.items() if " " not in k}
    parts: list[str] = []
    for scale, name in ((10**6, "million"), (1000, "thousand"), (1, "")):
        chunk, n = divmod(n, scale)
        if not chunk:
            continue
        hundreds, rest = divmod(chunk, 100)
        if hundreds:
            parts += [words[hundreds], "hundred"] + (["and"] if rest else [])
        if rest:
            tens, ones = divmod(rest, 10)
            parts.append(words[rest] if rest < 20 else f"{words[tens * 10]}-{words[ones]}"
                         if ones else words[tens * 10])  # fmt: skip
        if name:
            parts.append(name)
    return " ".join(parts) or "zero"


@given(st.integers(min_value=0, max_value=10**9 - 1))
def test_english_number_words_read_as_the_count_they_spell(n: int) -> None:
    assert Figure.parse(_spell(n)).low == n


@pytest.mark.parametrize("language", list(Language))
def test_nouns_never_shadow_the_grammar(language: Language) -> None:
    grammar = GRAMMARS[language]
    words = {w for phrase, _ in grammar.prefixes + grammar.suffixes for w in phrase.split()}
    numbers = grammar.numbers
    words |= set(numbers.scales) | set(numbers.terms) | set(numbers.connectors)
    words |= {w for unit in numbers.units for w in unit.split()}
    assert not grammar.nouns & words
