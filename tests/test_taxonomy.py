from __future__ import annotations

import pytest

from ledger import (
    DEFAULT_TAXONOMY,
    AlreadyExistsError,
    Dimension,
    UnknownTermError,
    ValidationError,
)


def test_the_default_casualty_taxonomy() -> None:
    t = DEFAULT_TAXONOMY
    assert t.is_part_of(Dimension.GROUP, "children", "civilians")
    assert t.is_part_of(Dimension.GROUP, "children", "all")
    assert t.is_part_of(Dimension.GROUP, "security_forces", "combatants")
    assert not t.is_part_of(Dimension.GROUP, "civilians", "children")
    assert set(t.children(Dimension.GROUP, "civilians")) == {"children", "women", "men"}
    assert list(t.ancestors(Dimension.GROUP, "women")) == ["civilians", "all"]
    assert (Dimension.METRIC, "killed") in t
    assert (Dimension.BY, "all") in t


def test_extending_returns_a_new_taxonomy() -> None:
    t = DEFAULT_TAXONOMY.extended(Dimension.BY, "loyalists", "all")
    assert (Dimension.BY, "loyalists") in t
    assert (Dimension.BY, "loyalists") not in DEFAULT_TAXONOMY
    t = t.extended(Dimension.PLACE, "latakia", "all").extended(Dimension.PLACE, "jableh", "latakia")
    assert t.is_part_of(Dimension.PLACE, "jableh", "latakia")


@pytest.mark.parametrize(
    ("dimension", "term", "parent", "error", "field"),
    [
        (Dimension.GROUP, "children", "civilians", AlreadyExistsError, "term"),
        (Dimension.GROUP, "elderly", "nobody", UnknownTermError, "parent"),
        (Dimension.GROUP, "elderly", None, ValidationError, "parent"),
        (Dimension.METRIC, "wounded", "killed", ValidationError, "parent"),
        (Dimension.PLACE, "Not A Slug", "all", ValidationError, "term"),
    ],
)
def test_bad_extensions_name_the_field(
    dimension: Dimension, term: str, parent: str | None, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as info:
        DEFAULT_TAXONOMY.extended(dimension, term, parent)
    assert info.value.field == field  # type: ignore[attr-defined]
