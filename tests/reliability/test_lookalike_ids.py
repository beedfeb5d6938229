"""Look-alike identifiers (issue 17, finding 6): an id, a term or a hash is matched whole.

A pattern anchored with `$` also matches before a final newline, so `"snhr\\n"` passed as a
source id and showed up as a second `snhr` row in a tally. No identifier the ledger keeps may
hold a control character (or any other character outside its alphabet), wherever it enters.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import Digest, Ledger, LedgerError, ValidationError
from ledger._fields import check_id
from ledger.codec import EVENTS
from ledger.log import GENESIS_HASH
from ledger.taxonomy import check_term

from .scale import count, pick

EXAMPLES = pick(200, 2_000)

#: Control characters, and the other characters that render as nothing or as a line break.
controls = st.characters(categories=["Cc", "Cf", "Zl", "Zp"])


@st.composite
def spoiled(draw: st.DrawFn, valid: st.SearchStrategy[str]) -> str:
    """A valid identifier with at least one control character put somewhere in it; the end,
    where `$` let a line break through, is drawn as often as anywhere else together."""
    text = draw(valid)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.just(len(text)) | st.integers(0, len(text)))
        text = text[:at] + draw(st.just("\n") | controls) + text[at:]
    return text


ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True)
terms = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,20}", fullmatch=True)
hashes = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)


@pytest.mark.parametrize("suffix", ["\n", "\r", "\r\n", "\t", "\x00"])
def test_a_final_line_break_does_not_make_a_second_id(suffix: str) -> None:
    with Ledger.in_memory(actor="editor") as ledger:
        ledger.register_source("snhr", name="SNHR", kind="monitor")
        with pytest.raises(ValidationError, match="source"):
            ledger.register_source("snhr" + suffix, name="SNHR again", kind="monitor")
        with pytest.raises(ValidationError, match="term"):
            ledger.extend_taxonomy("group", "elders" + suffix)
        hash_ = "a" * 64
        with pytest.raises(ValidationError, match="hash"):
            Digest(position=1, hash=hash_ + suffix)
        assert [e.event.source for e in ledger.events()] == ["snhr"]  # type: ignore[attr-defined]


@settings(max_examples=EXAMPLES)
@given(value=spoiled(ids))
def test_no_id_with_a_control_character_is_accepted(value: str) -> None:
    with pytest.raises(ValidationError):
        check_id("report_id", value)
    with Ledger.in_memory(actor="editor") as ledger, pytest.raises(LedgerError):
        ledger.register_source(value, name="A source", kind="media")
    count("look-alike ids: ids with control characters refused")


@settings(max_examples=EXAMPLES)
@given(value=spoiled(terms))
def test_no_term_with_a_control_character_is_accepted(value: str) -> None:
    with pytest.raises(ValidationError):
        check_term("term", value)
    with Ledger.in_memory(actor="editor") as ledger, pytest.raises(LedgerError):
        ledger.extend_taxonomy("place", value)
    count("look-alike ids: terms with control characters refused")


@settings(max_examples=EXAMPLES)
@given(value=spoiled(hashes), position=st.integers(1, 10**6))
def test_no_hash_with_a_control_character_is_accepted(value: str, position: int) -> None:
    with pytest.raises(ValidationError):
        Digest(position=position, hash=value)
    if value.strip() == value or any(c in value.strip() for c in value if not c.isalnum()):
        # `parse` strips white space around the digest (it is read from files and
        # terminals), so only control characters inside it are left to refuse.
        with pytest.raises(ValidationError):
            Digest.parse(f"{position}:{value}")
    count("look-alike ids: hashes with control characters refused")


def test_a_stored_body_with_a_look_alike_id_does_not_decode() -> None:
    body = EVENTS.encode(
        EVENTS.decode(
            b'{"id":"e1","type":"source.registered","v":1,"actor":"a","reason":null,'
            b'"data":{"source":"snhr","name":"SNHR","kind":"monitor"}}'
        ).event,
        event_id="e1",
        actor="a",
        reason=None,
    )
    with pytest.raises(LedgerError, match="source"):
        EVENTS.decode(body.replace(b'"snhr"', b'"snhr\\n"'))


def test_the_genesis_digest_still_parses() -> None:
    assert Digest.parse(f"0:{GENESIS_HASH}\n") == Digest(position=0, hash=GENESIS_HASH)
