"""Reading a dataset's CSV at the edge: every failure names its line and column.

The `csv` module raises `csv.Error` with no line of the file, and a text-mode file raises
`UnicodeDecodeError` with none either; a short row quietly comes back short. Each of those
becomes a `LineError` here, numbered as an editor numbers the file's lines (a quoted value
may span several: a row is named by the line it starts on), with the offending column by
its header name. A file whose name ends in `.gz` is read through gzip, so a release can be
kept compressed.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import attrs

from ledger._lines import utf8_lines
from ledger.errors import LineError

#: Where a file is given by its path, or already open (binary) by the caller.
Input = str | os.PathLike[str] | BinaryIO | Iterable[bytes]


@attrs.frozen(kw_only=True, slots=True)
class Row:
    """One row of a CSV file: the line it starts on, and its values by column name."""

    line: int
    values: Mapping[str, str]
    #: The header's names, in order, to name a column by its position too.
    columns: Sequence[str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def get(self, column: str) -> str | None:
        """The column's value, stripped; None where the file has no such column or it is empty."""
        value = self.values.get(column)
        if value is None:
            return None
        return value.strip() or None

    def error(self, column: str | None, message: str) -> LineError:
        """An error about this row, naming the column by its name and its number (from 1)."""
        if column is None or column not in self.columns:
            return LineError(self.line, column, message)
        return LineError(self.line, column, f"{message} (column {self.columns.index(column) + 1})")


@contextlib.contextmanager
def opened(source: Input) -> Iterator[Iterable[bytes]]:
    """The file's lines as bytes: a path is opened (through gzip if it ends in `.gz`)."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as file:
                yield file
        else:
            with path.open("rb") as file:
                yield file
    else:
        yield source


def rows(
    lines: Iterable[bytes],
    *,
    required: Sequence[str] = (),
) -> Iterator[Row]:
    """The rows of a UTF-8 CSV file, checked against its header.

    `required` columns must all be in the header. A blank line is skipped; a row whose field
    count differs from the header's is refused.
    """
    text = utf8_lines(lines)
    physical = _Counted(text)
    reader = csv.reader(physical, strict=True)
    header = _next(reader, physical)
    if header is None:
        raise LineError(1, None, "the file is empty: a CSV file starts with its header")
    columns = [name.strip() for name in header]
    _check_header(columns, required)
    while True:
        start = physical.count + 1
        fields = _next(reader, physical)
        if fields is None:
            return
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        if len(fields) != len(columns):
            raise LineError(
                start,
                None,
                f"has {len(fields)} fields, the header has {len(columns)}: a value with a "
                "comma in it must be quoted",
            )
        yield Row(line=start, values=dict(zip(columns, fields, strict=True)), columns=columns)


def _check_header(columns: Sequence[str], required: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(columns, start=1):
        if name in seen and name:
            raise LineError(1, name, f"appears twice in the header (again in column {index})")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        raise LineError(
            1,
            missing[0],
            f"the header lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; is this the right file?",
        )


class _Counted:
    """Lines passed on to `csv`, counted, so a row is named by the line it starts on."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


def _next(reader: Iterator[list[str]], physical: _Counted) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        what = str(exc)
        if what == "unexpected end of data":
            what = "a quoted value is never closed"
        raise LineError(max(physical.count, 1), None, f"not valid CSV ({what})") from None
