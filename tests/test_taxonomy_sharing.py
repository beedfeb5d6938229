"""Taxonomies derived from one another share their terms' storage: each still sees only its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.taxonomy import DEFAULT_TAXONOMY, ROOT, Dimension, Taxonomy

_terms = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), unique=True, max_size=12)


@given(first=_terms, fork_at=st.integers(0, 12), second=_terms)
def test_extending_an_older_taxonomy_never_changes_a_newer_one(
    first: list[str], fork_at: int, second: list[str]
) -> None:
    """Law: a taxonomy is a value. Extending it, or any taxonomy it was derived from or that
    was derived from it, leaves it exactly as it was, as if every one held a copy."""
    chain = [DEFAULT_TAXONOMY]
    for term in first:
        if term not in chain[-1].terms(Dimension.PLACE):
            chain.append(chain[-1].extended(Dimension.PLACE, term, ROOT))
    snapshots = [dict(t.terms(Dimension.PLACE)) for t in chain]
    fork = chain[min(fork_at, len(chain) - 1)]
    forked: list[Taxonomy] = [fork]
    for term in second:
        if term not in forked[-1].terms(Dimension.PLACE):
            forked.append(forked[-1].extended(Dimension.PLACE, term, ROOT))
    # And the newest of the first chain goes on growing after the fork.
    tip = chain[-1].extended(Dimension.PLACE, "zz-after-the-fork", ROOT)
    for taxonomy, seen in zip(chain, snapshots, strict=True):
        assert dict(taxonomy.terms(Dimension.PLACE)) == seen
        assert list(taxonomy.terms(Dimension.PLACE)) == list(seen)
        assert len(taxonomy.terms(Dimension.PLACE)) == len(seen)
    expected = dict(fork.terms(Dimension.PLACE))
    for taxonomy in forked[1:]:
        new = next(t for t in taxonomy.terms(Dimension.PLACE) if t not in expected)
        expected[new] = ROOT
        assert dict(taxonomy.terms(Dimension.PLACE)) == expected
    assert "zz-after-the-fork" in tip.terms(Dimension.PLACE)
    assert all("zz-after-the-fork" not in t.terms(Dimension.PLACE) for t in (*chain, *forked))
    assert tip.terms(Dimension.GROUP) is chain[0].terms(Dimension.GROUP)  # shared, not copied
