"""A bound on the recorded clock (issue 17, finding 5).

A batch was recorded at `max(now, head)` with no bound: after one record dated 9999-12-31,
every later append was recorded then too, and `tally(known_at=now)` stopped showing anything
new. A writer whose clock is more than `CLOCK_TOLERANCE` behind the head is now refused with
`ClockSkewError` (the head was recorded by a clock far ahead, or this one is far behind:
either way, silently taking the head's time would skew everyone after it), and a restore
refuses records from the future.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import ClockSkewError, Ledger, LineError, export_log, restore_log
from ledger.cli import main
from ledger.clock import CLOCK_TOLERANCE
from ledger.codec import parse_time
from ledger.log import chain_hash

from . import tamper
from .sample import T0, populate
from .scale import count, pick

EXAMPLES = pick(50, 500)


def _clock_at(when: list[dt.datetime]) -> Ledger:
    return Ledger.in_memory(actor="editor", clock=lambda: when[0])


def test_a_writer_far_behind_the_head_is_refused_and_writes_nothing() -> None:
    now = [T0]
    ledger = _clock_at(now)
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    before = ledger.digest()
    now[0] = T0 - CLOCK_TOLERANCE - dt.timedelta(seconds=1)
    with pytest.raises(ClockSkewError) as caught:
        ledger.register_source("moi", name="MoI", kind="government")
    assert (caught.value.now, caught.value.head) == (now[0], T0)
    assert "clock" in str(caught.value)
    assert ledger.digest() == before


@settings(max_examples=EXAMPLES)
@given(behind=st.timedeltas(min_value=dt.timedelta(0), max_value=CLOCK_TOLERANCE))
def test_a_writer_within_the_tolerance_is_recorded_at_the_head(behind: dt.timedelta) -> None:
    now = [T0]
    ledger = _clock_at(now)
    ledger.register_source("snhr", name="SNHR", kind="monitor")
    now[0] = T0 - behind
    stored = ledger.register_source("moi", name="MoI", kind="government")
    assert stored.recorded_at == T0  # the recorded clock never runs backwards
    count("clock bound: writers within the tolerance recorded in order")


def test_one_future_record_no_longer_poisons_every_later_append(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, actor="editor") as ledger:
        populate(ledger, rounds=1)
    with tamper.raw(path) as conn:
        n = tamper.count(conn)
        conn.execute(
            "UPDATE events SET recorded_at = '9999-12-31T00:00:00.000000Z' WHERE position = ?",
            (n,),
        )
    with Ledger.open(path, actor="editor") as ledger, pytest.raises(ClockSkewError):
        ledger.register_source("late", name="Late", kind="media")
    out, err = io.StringIO(), io.StringIO()
    status = main(
        ["--db", str(path), "source", "add", "late", "--name", "Late", "--kind", "media"],
        stdout=out,
        stderr=err,
    )
    assert status == 1
    assert "9999-12-31" in err.getvalue()
    assert "clock" in err.getvalue()


def _export_with_last_record_at(when: str) -> tuple[list[str], int]:
    """An export whose last record is recorded at `when`, its chain and head recomputed,
    as anyone can: the chain is unkeyed."""
    ledger = Ledger.in_memory(actor="editor")
    populate(ledger, rounds=1)
    out = io.StringIO()
    export_log(ledger, out)
    lines = out.getvalue().splitlines()
    last = json.loads(lines[-1])
    previous = json.loads(lines[-2])["hash"]
    last["recorded_at"] = when
    last["hash"] = chain_hash(
        previous,
        position=last["position"],
        stream=last["stream"],
        version=last["version"],
        event_id=last["event_id"],
        recorded_at=parse_time(when),
        body=last["body"].encode(),
    )
    header = json.loads(lines[0])
    header["head"] = f"{last['position']}:{last['hash']}"
    return [json.dumps(header), *lines[1:-1], json.dumps(last)], len(lines)


@pytest.mark.parametrize("when", ["9999-12-31T00:00:00+00:00", "2100-01-01T00:00:00+00:00"])
def test_restore_refuses_records_from_the_future(when: str) -> None:
    lines, last_line = _export_with_last_record_at(when)
    target = Ledger.in_memory()
    with pytest.raises(LineError) as caught:
        restore_log(target, lines)
    assert (caught.value.line, caught.value.field) == (last_line, "recorded_at")
    assert "future" in str(caught.value)
    assert target.digest().position == 0
    count("clock bound: crafted exports from the future refused")


def test_restore_still_takes_a_record_just_recorded() -> None:
    soon = dt.datetime.now(dt.UTC) + CLOCK_TOLERANCE / 2
    lines, _ = _export_with_last_record_at(soon.isoformat())
    target = Ledger.in_memory()
    assert restore_log(target, lines).position == len(lines) - 1
