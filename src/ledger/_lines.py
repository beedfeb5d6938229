"""Reading JSON Lines files at the edge: every failure names its line.

A text-mode file raises `UnicodeDecodeError` with no line number, and `json.loads` raises
`RecursionError` on deeply nested input; both escaped import and restore untyped. These turn
each into a `LineError` naming the line (and, for bytes, the column and the byte).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ledger.errors import LineError


def utf8_lines(stream: BinaryIO | Iterable[bytes]) -> Iterator[str]:
    """The lines of a binary stream as text, a leading byte order mark dropped.

    Lines end at `\\n` only, so numbers match what `wc -l` and editors count; a byte that
    is not UTF-8 raises `LineError` naming the line and the 1-based column of the byte.
    """
    for number, raw in enumerate(stream, start=1):
        data = (
            raw[len(codecs.BOM_UTF8) :] if number == 1 and raw.startswith(codecs.BOM_UTF8) else raw
        )
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(data[: exc.start].decode("utf-8")) + 1
            raise LineError(
                number,
                None,
                f"not UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); "
                "save the file as UTF-8",
            ) from None


def load_line(number: int, text: str) -> object:
    """The JSON value on line `number`; `LineError` if it is not JSON or nests too deep."""
    try:
        return json.loads(text)
    except RecursionError:
        raise LineError(number, None, "not a JSON object (it nests too deeply)") from None
    except ValueError as exc:
        raise LineError(number, None, f"not a JSON object ({exc})") from None
