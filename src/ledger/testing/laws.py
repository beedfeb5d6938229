"""`check_projection_laws`: the promises every projection keeps, checked over generated logs.

For each generated history the checker builds a ledger, runs the projection every way the
ledger runs projections, and holds it to these laws:

- *runs*: `apply`, `dump` and `load` raise nothing on a valid log;
- *determinism*: the same log gives the same dump bytes, replayed twice or in two ledgers;
- *round trip*: `dump(load(dump(state)))` is `dump(state)`, so checkpoints lose nothing;
- *incremental == replay*: a projection watched while events were appended ends where a
  replay from scratch ends, bit for bit;
- *resume == replay*: from a checkpoint taken after every prefix of the log, a resume ends
  where the replay ends, bit for bit;
- *as of*: the state after the events recorded by an instant K equals the state of a fresh
  ledger holding only those events; with `answer_known_at`, the answer the full state gives
  for K equals the answer of that cut state;
- *reference*: with `reference`, after every prefix of the log the projection's answer
  equals the user's own naive fold over that prefix. This is the law that catches
  semantic bugs: a projection that ignores retractions is still deterministic.

A broken law raises `LawViolation` (an `AssertionError`) naming the law and the position,
with the history hypothesis shrank it to, one readable line per event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import pprint
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import hypothesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.events import StoredEvent
from ledger.ledger import Ledger
from ledger.log import Store
from ledger.projections.protocol import Projection
from ledger.stores.memory import MemoryStore
from ledger.stores.sqlite import SQLiteStore
from ledger.testing._format import Step, format_history
from ledger.testing.histories import START, ManualClock, append_steps, build_ledger
from ledger.testing.histories import histories as _histories

S = TypeVar("S")
StoreKind = Literal["memory", "sqlite"]


class LawViolation(LedgerError, AssertionError):  # noqa: N818 - a test failure, named as one
    """A projection broke a law; `history` is the (shrunk) history that shows it."""

    def __init__(
        self,
        law: str,
        detail: str,
        *,
        projection: str,
        history: Sequence[Step],
        position: int | None = None,
    ) -> None:
        self.law = law
        self.detail = detail
        self.projection = projection
        self.history = list(history)
        self.position = position
        where = "" if position is None else f" after #{position}"
        super().__init__(
            f"projection {projection!r} breaks the law {law!r}{where}:"
            f"{'' if detail.startswith(chr(10)) else ' '}{detail}\n"
            f"history ({len(self.history)} events):\n{format_history(self.history)}"
        )


class _ApplyFailedError(Exception):
    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__(f"apply failed at position {position}")


class _Guarded(Generic[S]):
    """The user's projection, with the position of any failure of `apply` kept."""

    def __init__(self, inner: Projection[S]) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = inner.version

    def initial(self) -> S:
        return self.inner.initial()

    def apply(self, state: S, event: StoredEvent) -> S:
        try:
            return self.inner.apply(state, event)
        except Exception as exc:
            raise _ApplyFailedError(event.position) from exc

    def dump(self, state: S) -> bytes:
        return self.inner.dump(state)

    def load(self, data: bytes) -> S:
        return self.inner.load(data)


def _bytes_diff(a: bytes, b: bytes) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    lo = max(0, at - 40)
    return f"they first differ at byte {at}: {a[lo : at + 80]!r} vs {b[lo : at + 80]!r}"


def _shown(value: object) -> str:
    return pprint.pformat(value, width=96, compact=True)


@contextlib.contextmanager
def _stores(kind: StoreKind) -> Iterator[Callable[[], Store]]:
    if kind == "memory":
        yield MemoryStore
        return
    made: list[Store] = []
    with tempfile.TemporaryDirectory(prefix="ledger-laws-") as tmp:
        counter = iter(range(1_000_000))

        def make() -> Store:
            made.append(SQLiteStore(Path(tmp) / f"laws-{next(counter)}.db", durable=False))
            return made[-1]

        try:
            yield make
        finally:
            for store in made:
                store.close()


class _Laws(Generic[S]):
    def __init__(
        self,
        projection: Projection[S],
        *,
        reference: Callable[[Sequence[StoredEvent]], object] | None,
        answer: Callable[[S], object] | None,
        answer_known_at: Callable[[S, dt.datetime], object] | None,
        store: StoreKind,
    ) -> None:
        self.projection = _Guarded(projection)
        self.reference = reference
        self.answer: Callable[[S], object] = (lambda s: s) if answer is None else answer
        self.answer_known_at = answer_known_at
        self.store = store

    def check(self, steps: list[Step], cuts: tuple[int, int]) -> None:
        try:
            with _stores(self.store) as make_store:
                self._check(steps, cuts, make_store)
        except LawViolation:
            raise
        except _ApplyFailedError as exc:
            cause = exc.__cause__
            raise self._fail(
                "runs", f"apply raised {cause!r}", steps, position=exc.position
            ) from cause
        except Exception as exc:
            raise self._fail("runs", f"running the projection raised {exc!r}", steps) from exc

    def _fail(
        self, law: str, detail: str, steps: Sequence[Step], *, position: int | None = None
    ) -> LawViolation:
        return LawViolation(
            law, detail, projection=self.projection.name, history=steps, position=position
        )

    def _replay(self, ledger: Ledger) -> bytes:
        runner = ledger.runner(self.projection)
        runner.replay()
        return self.projection.dump(runner.state)

    def _check(  # noqa: C901, PLR0912 - one block per law, in the order the docstring lists them
        self, steps: list[Step], cuts: tuple[int, int], make_store: Callable[[], Store]
    ) -> None:
        p = self.projection
        cut_for_resume, cut_for_as_of = cuts
        clock = ManualClock()
        ledger = build_ledger([], store=make_store(), clock=clock)
        live = ledger.watch(p, resume=False)
        append_steps(ledger, steps, clock)
        log = list(ledger.events())

        replayed = ledger.runner(p)
        replayed.replay()
        final = p.dump(replayed.state)
        if (again := self._replay(ledger)) != final:
            raise self._fail(
                "determinism", f"two replays of one log differ; {_bytes_diff(final, again)}", steps
            )
        if (round_trip := p.dump(p.load(final))) != final:
            raise self._fail(
                "round trip", f"dump(load(dump(s))) != dump(s); {_bytes_diff(final, round_trip)}",
                steps,
            )  # fmt: skip
        if (incremental := p.dump(live.state)) != final:
            raise self._fail(
                "incremental == replay",
                f"watched: {_bytes_diff(incremental, final)}",
                steps,
            )

        # Every prefix: resume from a checkpoint there, and compare answers with the reference.
        # The runner's own resume (through the store) runs at one drawn cut; at the others a
        # load-and-feed does what it does, without decoding the log again each time.
        partial = ledger.runner(p)
        prefix_dumps: list[bytes] = []
        answers: list[object] = []
        for cut in range(len(log) + 1):
            partial.catch_up(until=cut)
            prefix_dumps.append(dumped := p.dump(partial.state))
            got = self.answer(partial.state)
            answers.append(got)
            if self.reference is not None and got != (expected := self.reference(log[:cut])):
                raise self._fail(
                    "reference",
                    f"\n  the projection answers {_shown(got)}"
                    f"\n  the reference answers  {_shown(expected)}",
                    steps,
                    position=cut,
                )
            if cut == cut_for_resume % (len(log) + 1):
                partial.checkpoint()
                runner = ledger.runner(p)
                runner.resume()
                position, resumed = runner.position, runner.state
            else:
                position, resumed = cut, p.load(dumped)
                for stored in log[cut:]:
                    resumed = p.apply(resumed, stored)
                    position = stored.position
            if position != len(log) or (after := p.dump(resumed)) != final:
                raise self._fail(
                    "resume == replay",
                    f"resumed from a checkpoint at #{cut}: {_bytes_diff(after, final)}",
                    steps,
                    position=cut,
                )

        # As of: the answer for an instant K from the full state, against the log cut at K.
        instants = [START, *(e.recorded_at for e in log)]
        if self.answer_known_at is not None:
            for known_at in dict.fromkeys(instants):
                n = sum(1 for e in log if e.recorded_at <= known_at)
                got = self.answer_known_at(replayed.state, known_at)
                if got != answers[n]:
                    raise self._fail(
                        "as of",
                        f"known_at {known_at.isoformat()}:"
                        f"\n  the full state answers {_shown(got)}"
                        f"\n  the log cut there answers {_shown(answers[n])}",
                        steps,
                        position=n,
                    )
        known_at = instants[cut_for_as_of % len(instants)]
        n = sum(1 for e in log if e.recorded_at <= known_at)
        fresh = self._replay(build_ledger(steps[:n], store=make_store()))
        if fresh != prefix_dumps[n]:
            raise self._fail(
                "as of",
                f"the state after the events recorded by {known_at.isoformat()} differs from "
                f"a fresh ledger holding only them; {_bytes_diff(prefix_dumps[n], fresh)}",
                steps,
                position=n,
            )


def check_projection_laws(
    projection: Projection[S],
    *,
    reference: Callable[[Sequence[StoredEvent]], object] | None = None,
    answer: Callable[[S], object] | None = None,
    answer_known_at: Callable[[S, dt.datetime], object] | None = None,
    histories: st.SearchStrategy[Sequence[Step]] | None = None,
    store: StoreKind = "memory",
    max_examples: int | None = None,
    settings: hypothesis.settings | None = None,
) -> None:
    """Check `projection` against the laws above over generated histories.

    `reference(events)` is your own naive fold over a list of stored events; it is compared,
    after every prefix of the log, with `answer(state)` (the state itself by default).
    `answer_known_at(state, known_at)` is how your projection answers "as the ledger knew it
    at `known_at`", if it can. `histories` defaults to `ledger.testing.histories()`; `store`
    is "memory" or "sqlite". `max_examples` and `settings` tune hypothesis (by default, the
    current profile's settings). Call it from a plain test, not from inside `@given`.
    """
    laws = _Laws(
        projection, reference=reference, answer=answer, answer_known_at=answer_known_at,
        store=store,
    )  # fmt: skip
    base = hypothesis.settings() if settings is None else settings
    overrides: dict[str, Any] = {
        "deadline": None,
        # One law at a time: the report should be one shrunk history, not a group of them.
        "report_multiple_bugs": False,
        "suppress_health_check": [*base.suppress_health_check, HealthCheck.too_slow],
        # The shrunk history says what matters; the explain phase would rerun it many times
        # over to say the same.
        "phases": [phase for phase in base.phases if phase is not Phase.explain],
    }
    if max_examples is not None:
        overrides["max_examples"] = max_examples
    strategy = _histories() if histories is None else histories

    @hypothesis.settings(base, **overrides)
    @given(steps=strategy, cuts=st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)))
    def projection_laws(steps: Sequence[Step], cuts: tuple[int, int]) -> None:
        laws.check(list(steps), cuts)

    projection_laws()
