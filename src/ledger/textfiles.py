"""Reading text files line by line, as UTF-8, naming the line and column of a bad byte.

Python's own decoding fails with a `UnicodeDecodeError` that names a byte offset in a buffer,
not a line a person can open; a file saved as Latin-1 or Windows-1252 is a common mistake at a
data desk, and the error must say where it is and what is wrong.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator

from ledger.errors import LineError


def utf8_lines(binary: Iterable[bytes]) -> Iterator[str]:
    """The lines of a binary file as text; a byte-order mark at its start is dropped.

    A line that is not UTF-8 raises `LineError` naming it from 1, with the first bad byte
    and its column, counted in characters from 1: `line 2: not UTF-8 (byte 0xe8 at column
    145)`.
    """
    for number, raw in enumerate(binary, start=1):
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
