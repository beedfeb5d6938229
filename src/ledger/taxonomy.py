"""Taxonomies: the vocabularies a report's metric, victim group, perpetrator and place come from.

Groups, perpetrators and places are trees rooted at "all"; metrics are a flat list. A ledger
starts from `DEFAULT_TAXONOMY` and grows it only through `TaxonomyExtended` events, so a replay
always sees the vocabulary each event was written against.
"""

from __future__ import annotations

import enum
import itertools
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

import attrs

from ledger.errors import AlreadyExistsError, UnknownTermError, ValidationError

ROOT: Final = "all"
_TERM_RE: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class Dimension(enum.Enum):
    """Which vocabulary a term belongs to; the values are the report field names."""

    METRIC = "metric"
    GROUP = "group"
    BY = "by"
    PLACE = "place"


def check_term(field: str, term: object) -> str:
    """A term is a short lowercase slug, so that it reads the same in files, URLs and SQL."""
    if not isinstance(term, str) or not _TERM_RE.fullmatch(term):
        raise ValidationError(
            field,
            "must be a lowercase slug of letters, digits, '_', '.' or '-' (at most 64)",
            value=term,
        )
    return term


class _Store:
    """The terms of one dimension in the order they were added, shared by the taxonomies
    derived from one another: each sees the first `size` of them."""

    __slots__ = ("index", "lock", "order")

    def __init__(self, terms: Iterable[tuple[str, str | None]]) -> None:
        self.order: list[str] = []
        self.index: dict[str, tuple[int, str | None]] = {}
        self.lock = threading.Lock()
        for term, parent in terms:
            if term not in self.index:
                self.index[term] = (len(self.order), parent)
                self.order.append(term)


class _Terms(Mapping[str, str | None]):
    """One dimension's terms, immutable: a view of the first `size` terms of a store.

    Adding a term to the newest taxonomy appends to the store it shares with its
    ancestors, which still see only their own terms: a release of UCDP's GED adds tens of
    thousands of places, and a copy of every term for each new one made that quadratic.
    Adding to an older taxonomy the term that follows it in the store shares that too;
    adding another copies what it sees once, and the copy is the newest from then on.
    """

    __slots__ = ("_size", "_store")

    def __init__(self, store: _Store, size: int) -> None:
        self._store = store
        self._size = size

    def __getitem__(self, term: str) -> str | None:
        found = self._store.index.get(term)
        if found is None or found[0] >= self._size:
            raise KeyError(term)
        return found[1]

    def __contains__(self, term: object) -> bool:
        found = self._store.index.get(term)  # type: ignore[call-overload]
        return found is not None and found[0] < self._size

    def __iter__(self) -> Iterator[str]:
        return itertools.islice(self._store.order, self._size)

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def with_term(self, term: str, parent: str | None) -> _Terms:
        with self._store.lock:
            store = self._store
            if self._size != len(store.order):
                if store.index.get(term) == (self._size, parent):
                    # Another taxonomy derived from this one added the same term next (a
                    # check before the apply, a scratch state before the ledger's): share it.
                    return _Terms(store, self._size + 1)
                store = _Store(self.items())
            store.index[term] = (len(store.order), parent)
            store.order.append(term)
            return _Terms(store, self._size + 1)


def _frozen_map(value: Mapping[str, str | None]) -> Mapping[str, str | None]:
    if isinstance(value, _Terms):
        return value  # immutable already: shared, never copied
    terms = dict(value)
    return _Terms(_Store(terms.items()), len(terms))


@attrs.frozen(kw_only=True, slots=True)
class Taxonomy:
    """Each dimension maps a term to its parent (None for the root, and for every metric)."""

    metric: Mapping[str, str | None] = attrs.field(converter=_frozen_map)
    group: Mapping[str, str | None] = attrs.field(converter=_frozen_map)
    by: Mapping[str, str | None] = attrs.field(converter=_frozen_map)
    place: Mapping[str, str | None] = attrs.field(converter=_frozen_map)

    def terms(self, dimension: Dimension) -> Mapping[str, str | None]:
        terms: Mapping[str, str | None] = getattr(self, dimension.value)
        return terms

    def __contains__(self, item: tuple[Dimension, str]) -> bool:
        dimension, term = item
        return term in self.terms(dimension)

    def require(self, dimension: Dimension, term: str, *, field: str | None = None) -> str:
        """`term`, if the dimension holds it; else an `UnknownTermError` that lists the
        dimension's terms and says how to add it."""
        try:
            known = term in self.terms(dimension)
        except TypeError:  # an unhashable term names nothing either
            known = False
        if not known:
            raise UnknownTermError(
                field or dimension.value,
                term,
                dimension=dimension.value,
                known=tuple(self.terms(dimension)),
                hint=_how_to_add(dimension, term),
            )
        return term

    def parent(self, dimension: Dimension, term: str) -> str | None:
        return self.terms(dimension)[self.require(dimension, term)]

    def children(self, dimension: Dimension, term: str) -> tuple[str, ...]:
        self.require(dimension, term)
        return tuple(t for t, p in self.terms(dimension).items() if p == term)

    def ancestors(self, dimension: Dimension, term: str) -> Iterator[str]:
        """The term's parent, its parent's parent, and so on up to the root."""
        parent = self.parent(dimension, term)
        while parent is not None:
            yield parent
            parent = self.terms(dimension)[parent]

    def is_part_of(self, dimension: Dimension, part: str, whole: str) -> bool:
        """Whether `part` lies strictly below `whole` in the tree."""
        return whole in self.ancestors(dimension, part)

    def extended(self, dimension: Dimension, term: str, parent: str | None) -> Taxonomy:
        """A new taxonomy with `term` added under `parent` (None only for metrics)."""
        check_term("term", term)
        if term in self.terms(dimension):
            raise AlreadyExistsError("term", term)
        if dimension is Dimension.METRIC:
            if parent is not None:
                raise ValidationError("parent", "metrics are a flat list", value=parent)
        elif parent is None:
            raise ValidationError("parent", f"a {dimension.value} term needs a parent")
        else:
            self.require(dimension, parent, field="parent")
        terms = self.terms(dimension)
        assert isinstance(terms, _Terms)  # noqa: S101 - the converter makes every one
        return attrs.evolve(self, **{dimension.value: terms.with_term(term, parent)})


@attrs.frozen(kw_only=True, slots=True)
class Term:
    """One term of a ledger's vocabulary, as `Ledger.terms()` lists them."""

    dimension: Dimension
    term: str
    #: Its parent term; None for the root "all" and for every metric.
    parent: str | None
    #: Whether it ships in `DEFAULT_TAXONOMY` (False: the ledger added it).
    default: bool


def _how_to_add(dimension: Dimension, term: object) -> str | None:
    if not isinstance(term, str) or not _TERM_RE.match(term):
        return None  # no command could add it: the term itself is malformed
    parent = "" if dimension is Dimension.METRIC else " --parent PARENT"
    return f"to add it: ledger term add {dimension.value} {term}{parent}"


def _tree(*edges: tuple[str, str]) -> dict[str, str | None]:
    tree: dict[str, str | None] = {ROOT: None}
    tree.update(edges)
    return tree


DEFAULT_TAXONOMY: Final = Taxonomy(
    metric=dict.fromkeys(
        ("killed", "injured", "captured", "missing", "detained", "displaced", "abducted"),
    ),
    group=_tree(
        ("civilians", ROOT),
        ("combatants", ROOT),
        ("children", "civilians"),
        ("women", "civilians"),
        ("men", "civilians"),
        ("security_forces", "combatants"),
        ("armed_groups", "combatants"),
    ),
    by=_tree(
        ("unknown", ROOT),
        ("government_forces", ROOT),
        ("armed_groups", ROOT),
    ),
    place=_tree(),
)


def terms_of(taxonomy: Taxonomy, dimension: Dimension | None = None) -> list[Term]:
    """Every term of `taxonomy` (of one dimension, if given), by dimension, then in the order
    the terms were added."""
    return [
        Term(
            dimension=d,
            term=term,
            parent=parent,
            default=term in DEFAULT_TAXONOMY.terms(d),
        )
        for d in (Dimension if dimension is None else (Dimension(dimension),))
        for term, parent in taxonomy.terms(d).items()
    ]
