"""How hard the campaigns push, and the figures they measure for docs/reliability.md.

`LEDGER_RELIABILITY_SCALE=long` selects the long campaigns; anything else (or nothing) the
short ones that keep the default test run fast.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Final

LONG: Final = os.environ.get("LEDGER_RELIABILITY_SCALE", "").strip().lower() == "long"


def pick(short: int, long: int) -> int:
    """The short setting by default, the long one under LEDGER_RELIABILITY_SCALE=long."""
    return long if LONG else short


#: Figures the campaigns add to as they run; `conftest.py` prints them after the run.
FIGURES: Final[Counter[str]] = Counter()


def count(name: str, n: int = 1) -> None:
    FIGURES[name] += n
