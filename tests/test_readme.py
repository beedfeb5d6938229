"""The README's Python samples run, so the front door cannot drift from the library."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_readme_has_python_samples() -> None:
    assert SAMPLES


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"sample-{i}" for i in range(len(SAMPLES))])
def test_a_readme_sample_runs(sample: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # samples may create files, e.g. newsroom.db
    exec(compile(sample, str(README), "exec"), {"__name__": "readme"})  # noqa: S102
