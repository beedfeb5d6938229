"""Checks that a query names things the ledger knows, so a typo is an error, not an empty answer.

A query for an unknown source, actor or term would otherwise return nothing, which reads as
"nothing happened". Each check raises the typed error of what is missing, naming the field and
listing the values the ledger does know.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from ledger.errors import UnknownActorError, UnknownSourceError, ValidationError
from ledger.projections.tally import Key
from ledger.taxonomy import Dimension, Taxonomy
from ledger.times import is_day


def check_key(taxonomy: Taxonomy, key: Key) -> None:
    """Every term of `key` is in `taxonomy` (UnknownTermError names the first that is not)."""
    taxonomy.require(Dimension.METRIC, key.metric)
    for dimension in (Dimension.GROUP, Dimension.BY, Dimension.PLACE):
        taxonomy.require(dimension, key.term(dimension))


def check_source(sources: Mapping[str, object], source: str | None) -> None:
    """`source`, if given, is registered."""
    if source is not None and not isinstance(source, str):
        # A list or a dict is no source; `in` would raise TypeError over one that is unhashable.
        raise UnknownSourceError("source", repr(source), known=tuple(sources))
    if source is not None and source not in sources:
        raise UnknownSourceError("source", source, known=tuple(sources))


def check_actor(actor: str | None, *, found: bool, actors: Callable[[], Iterable[str]]) -> None:
    """`actor`, if given and nothing was `found`, has recorded something: `actors` lists who
    has (called only then, since listing them reads every change)."""
    if actor is None or found:
        return
    known = sorted(set(actors()))
    if actor not in known:
        raise UnknownActorError("actor", actor, known=known)


def check_window(
    since: object,
    until: object,
    since_t: dt.datetime | None,
    until_t: dt.datetime | None,
    *,
    names: tuple[str, str] = ("since", "until"),
) -> None:
    """A window `since < t <= until` (given as `since` and `until`, read as `since_t` and
    `until_t`) whose start is not after its end. Two equal instants make an empty window
    rightly (the changes between two equal cuts); a day after the day it runs to does not.
    `names` are the two bounds' names in the error (the command line's options)."""
    if since_t is None or until_t is None:
        return
    if since_t > until_t or (since_t == until_t and (is_day(since) or is_day(until))):
        first, last = names
        raise ValidationError(
            first,
            f"must not be after {last}: {since} is after {until}, so the window holds nothing",
            value=since,
        )
