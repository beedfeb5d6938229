"""Arabic as SNHR, SOHR and ministries write it.

Digits come in three scripts (Western "34", Arabic-Indic "٣٤", Persian "۸۰۰"), grouped by
"٬" (U+066C) or a comma, with "." or "٫" (U+066B) for decimals. Tashkeel, tanween and
tatweel are ignored ("مدنيًّا" is "مدنيا"), as is the hamza's seat ("اكثر" is "أكثر",
"الى" is "إلى"), alif maqsura ("حوالى" is "حوالي") and Persian letter forms.

Arabic has a dual, so its plurals start at three: "عشرات" (tens) is 30 to 99, "مئات" 300 to
999, "آلاف" 3,000 to 9,999; a writer meaning twenty, two hundred or two thousand says
"عشرون", "مئتان" or "ألفان".
"""

from __future__ import annotations

import re
from typing import Final

from ledger.wording.grammar import Grammar
from ledger.wording.kinds import FigureKind, Language
from ledger.wording.numbers import NumberWords, Scale

K = FigureKind

#: Short vowels, tanween, shadda, sukun, the dagger alif, and tatweel.
_MARKS: Final = re.compile("[\u064b-\u065f\u0670\u0640]")
_LETTERS: Final = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ک": "ك", "ۀ": "ه"}
)
#: "و473": the conjunction is written onto the number it joins.
_ATTACHED_AND: Final = re.compile(r"(?<!\S)و(?=\d)")


def normalize(text: str) -> str:
    plain = _MARKS.sub("", text).translate(_LETTERS).lower()
    return _ATTACHED_AND.sub("و ", " ".join(plain.split()))


def _n(words: str) -> list[str]:
    return [normalize(w) for w in words.split()]


NUMBERS: Final = NumberWords(
    group_marks="٬,",
    decimal_marks=".٫",
    name="Arabic",
    conventions=(
        "'٬' or ',' groups thousands and '.' or '٫' marks decimals,"
        " which need a scale word after them: ١٢٠٬٨٥٠, 1.4 مليون"
    ),
    scales={
        **dict.fromkeys(_n("مئة مائة"), Scale(value=100, alone=True)),
        normalize("ألف"): Scale(value=1_000, alone=True),
        # After 11 to 99 "ألفا", after 3 to 10 "آلاف": the count before says which.
        **dict.fromkeys(_n("ألفا آلاف"), Scale(value=1_000)),
        normalize("مليون"): Scale(value=10**6, alone=True),
        **dict.fromkeys(_n("مليونا ملايين"), Scale(value=10**6)),
        normalize("مليار"): Scale(value=10**9, alone=True),
        **dict.fromkeys(_n("مليارا مليارات"), Scale(value=10**9)),
    },
    terms={
        # Duals: "ألفين" is two thousand, "ألفي" its construct form ("ألفي شخص").
        **dict.fromkeys(_n("مئتان مئتين مئتي مائتان مائتين مائتي"), (200, 100)),
        **dict.fromkeys(_n("ألفان ألفين ألفي"), (2_000, 1_000)),
        **dict.fromkeys(_n("مليونان مليونين مليوني"), (2 * 10**6, 10**6)),
    },
    connectors=frozenset({"و"}),
)

_PLURALS: Final = {
    "عشرات": 10, "مئات": 100, "آلاف": 1_000,
    "عشرات الآلاف": 10_000, "مئات الآلاف": 100_000, "ملايين": 10**6,
}  # fmt: skip


def _plural(size: int) -> tuple[int, int]:
    """A bare plural: three of the unit (Arabic says two with the dual) to just below ten."""
    return 3 * size, 10 * size - 1


GRAMMAR: Final = Grammar.of(
    language=Language.AR,
    normalize=normalize,
    numbers=NUMBERS,
    unknown=("غير معروف", "غير معلوم", "غير محدد", "مجهول"),
    vague={
        **{word: _plural(size) for word, size in _PLURALS.items()},
        # With the article: "قتل المئات".
        **{"ال" + word: _plural(size) for word, size in _PLURALS.items() if " " not in word},
        # بضع is three to nine, as the grammarians define it; عدة is "several".
        "بضع": (3, 9),
        "بضعة": (3, 9),
        "عدة": (3, 9),
    },
    quantifiers={"بضع": (3, 9), "بضعة": (3, 9), "عدة": (3, 9)},
    units=_PLURALS,
    # Duals are counts on their own: "طفلان" is two children.
    counted=dict.fromkeys(
        (
            "اثنان اثنين اثنتان اثنتين طفلان طفلين سيدتان سيدتين امرأتان امرأتين شخصان "
            "شخصين رجلان رجلين قتيلان قتيلين جريحان جريحين شهيدان شهيدين عنصران عنصرين "
            "مدنيان جنديان جنديين"
        ).split(),
        2,
    ),
    symbols=(
        (">=", K.AT_LEAST),
        ("≥", K.AT_LEAST),
        (">", K.MORE_THAN),
        ("<=", K.AT_MOST),
        ("≤", K.AT_MOST),
        ("<", K.FEWER_THAN),
        ("~", K.ABOUT),
    ),
    prefixes=(
        ("ما لا يقل عن", K.AT_LEAST),
        ("لا يقل عن", K.AT_LEAST),
        ("على الأقل", K.AT_LEAST),
        ("أكثر من", K.MORE_THAN),
        ("أزيد من", K.MORE_THAN),
        ("ما يزيد عن", K.MORE_THAN),
        ("ما يزيد على", K.MORE_THAN),
        ("يزيد عن", K.MORE_THAN),
        ("يزيد على", K.MORE_THAN),
        ("ما يربو على", K.MORE_THAN),
        ("يربو على", K.MORE_THAN),
        ("ما يفوق", K.MORE_THAN),
        ("يفوق", K.MORE_THAN),
        ("فاق", K.MORE_THAN),
        ("تجاوز", K.MORE_THAN),
        ("يتجاوز", K.MORE_THAN),
        ("ما لا يزيد عن", K.AT_MOST),
        ("ما لا يزيد على", K.AT_MOST),
        ("لا يزيد عن", K.AT_MOST),
        ("لا يزيد على", K.AT_MOST),
        ("ما يصل إلى", K.AT_MOST),
        ("يصل إلى", K.AT_MOST),
        ("على الأكثر", K.AT_MOST),
        ("أقل من", K.FEWER_THAN),
        ("ما دون", K.FEWER_THAN),
        ("نحو", K.ABOUT),
        ("حوالي", K.ABOUT),
        ("قرابة", K.ABOUT),
        ("زهاء", K.ABOUT),
        ("ما يقارب", K.ABOUT),
        ("ما يقرب من", K.ABOUT),
        ("تقريبا", K.ABOUT),
        ("ما يناهز", K.NEARLY),
        ("يناهز", K.NEARLY),
    ),
    suffixes=(
        ("+", K.AT_LEAST),
        ("على الأقل", K.AT_LEAST),
        ("فأكثر", K.AT_LEAST),
        ("أو أكثر", K.AT_LEAST),
        ("فما فوق", K.AT_LEAST),
        ("على الأكثر", K.AT_MOST),
        ("تقريبا", K.ABOUT),
    ),
    ranges=(
        "بين {a} و {b}",
        "ما بين {a} و {b}",
        "من {a} إلى {b}",
        "{a}-{b}",
        "{a} إلى {b}",
        "{a} أو {b}",
    ),
    nouns=(
        "مدنيا مدني مدنيين مدنيون المدنيين شخصا شخص أشخاص الأشخاص قتيلا قتيل قتلى طفلا طفل "
        "أطفال الأطفال امرأة نساء سيدة سيدات جريحا جريح جرحى عنصرا عنصر عناصر مقاتلا مقاتل "
        "مقاتلين شهيدا شهيد شهداء ضحية ضحايا معتقلا معتقل معتقلين نازحا نازح نازحين لاجئا "
        "لاجئ لاجئين جنديا جندي جنود مواطنا مواطن مواطنين حالة حالات وفاة وفيات"
    ).split(),
    noun_links=("من",),
    renderings={
        K.EXACT: "{n}",
        K.AT_LEAST: "ما لا يقل عن {n}",
        K.MORE_THAN: "أكثر من {n}",
        K.AT_MOST: "ما لا يزيد عن {n}",
        K.FEWER_THAN: "أقل من {n}",
        K.ABOUT: "نحو {n}",
        K.NEARLY: "ما يناهز {n}",
        K.RANGE: "بين {low} و{high}",
        K.ESTIMATE: "{best} ({low}-{high})",
        K.UNKNOWN: "غير معروف",
    },
    examples=(
        "311",
        "ما لا يقل عن 1864",
        "أكثر من 12 ألفا",
        "نحو 300",
        "بين 120 و150",
        "34 ألفا و473",
        "عشرات",
        "غير معروف",
    ),
)
