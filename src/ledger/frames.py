"""Answers as data frames: flat rows, Arrow, pandas, polars and Parquet (docs/dataframes.md).

The panel of each source's figure per day is in `ledger.panels`.

A frame's rows are the rows of the answer's CSV (`ledger.cli.output.flat_rows`, the one
definition of them) and its columns take their types from the same row classes, so a
frame, a CSV file and a Parquet file of one answer hold the same cells. pyarrow, pandas and
polars are optional extras, imported when a frame is first turned into one of theirs.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from ledger import _html
from ledger.cli import output
from ledger.errors import MissingDependencyError, ValidationError
from ledger.model import ReportState
from ledger.projections.audit import HistoryEntry
from ledger.projections.tally import Tally
from ledger.projections.timeline import Timeline
from ledger.taxonomy import Dimension, terms_of

if TYPE_CHECKING:
    import os

    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from ledger.ledger import Ledger

#: What `frame` turns into rows by name: the lists the ledger keeps.
LISTS: Final = ("incidents", "sources", "terms", "reports")


@attrs.frozen(kw_only=True, slots=True, repr=False, eq=False)
class Frame:
    """An answer as a table: `rows` are dicts of the CSV's columns, in the CSV's order.

    `schema` names the document the rows come from (`"ledger.tally/2"`, as in the JSON), and
    `title` the incident, where there is one. A frame is an Arrow stream
    (`__arrow_c_stream__`), so `polars.DataFrame(frame)`, `pyarrow.table(frame)` and DuckDB
    read it directly; `to_pandas()`, `to_polars()` and `to_parquet()` do the rest.
    """

    schema: str
    title: str | None
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    #: Each column's Python type, as its row class annotates it.
    types: tuple[Any, ...] = attrs.field(repr=False)

    @classmethod
    def of(cls, *, schema: str, title: str | None, row_type: type, rows: Iterable[object]) -> Frame:
        """The frame of `rows`, instances of the attrs class `row_type`, whose fields are
        the columns and whose annotations their types."""
        hints = typing.get_type_hints(row_type)
        names = tuple(f.name for f in attrs.fields(row_type))
        return cls(
            schema=schema,
            title=title,
            columns=names,
            types=tuple(hints[name] for name in names),
            rows=tuple({name: getattr(row, name) for name in names} for row in rows),
        )

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frame):
            return NotImplemented
        return (self.schema, self.title, self.columns, self.rows) == (
            other.schema,
            other.title,
            other.columns,
            other.rows,
        )

    __hash__ = None  # type: ignore[assignment]  # rows are dicts

    def arrow_schema(self) -> pa.Schema:
        """The columns as Arrow fields: nullable exactly where the row class allows None."""
        pa = _pyarrow()
        fields = [
            pa.field(name, _arrow_type(pa, kind), nullable=_optional(kind) is not None)
            for name, kind in zip(self.columns, self.types, strict=True)
        ]
        return pa.schema(fields, metadata={"ledger.schema": self.schema})

    def to_arrow(self) -> pa.Table:
        """The rows as a pyarrow Table (the `frames` extra)."""
        pa = _pyarrow()
        return pa.Table.from_pylist(list(self.rows), schema=self.arrow_schema())

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream: what pandas, polars and DuckDB ask a table-like for."""
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def to_pandas(self) -> pd.DataFrame:
        """A pandas DataFrame with nullable columns: whole numbers are `Int64` (an open upper
        bound is `<NA>`, never NaN), text is `string`, flags `boolean`, and times stay
        timezone-aware (UTC). Dates are `datetime.date` objects; a list cell is an array."""
        try:
            import pandas as pd  # noqa: PLC0415 - an optional extra
        except ImportError:
            raise MissingDependencyError("pandas", "a pandas DataFrame") from None
        pa = _pyarrow()
        nullable = {
            pa.int64(): pd.Int64Dtype(),
            pa.bool_(): pd.BooleanDtype(),
            pa.string(): pd.StringDtype(na_value=pd.NA),
        }
        return self.to_arrow().to_pandas(types_mapper=nullable.get)

    def to_polars(self) -> pl.DataFrame:
        """A polars DataFrame; its columns are nullable and its times zoned (UTC) as they are."""
        try:
            import polars as pl  # noqa: PLC0415 - an optional extra
        except ImportError:
            raise MissingDependencyError("polars", "a polars DataFrame") from None
        found = pl.from_arrow(self.to_arrow())
        assert isinstance(found, pl.DataFrame)  # noqa: S101 - a table gives a frame
        return found

    def to_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write the rows to a Parquet file at `path`, replacing it only once written whole."""
        _write_parquet(self, path, field="path")

    def __repr__(self) -> str:
        title = "" if self.title is None else f" {self.title!r}"
        shown = 6
        names = ", ".join(self.columns[:shown]) + (", ..." if len(self.columns) > shown else "")
        size = f"{len(self.rows)} rows x {len(self.columns)} columns"
        return f"<Frame {self.schema}{title}: {size} ({names})>"

    def _repr_html_(self) -> str:
        caption = self.schema if self.title is None else f"{self.title} ({self.schema})"
        rows = ([_display(row[c]) for c in self.columns] for row in self.rows)
        return _html.table(caption, self.columns, rows, total=len(self.rows))


def _display(value: object) -> object:
    if isinstance(value, str):
        return _html.clip(value)
    if isinstance(value, list):
        return _html.clip(_html.cell([_display(v) for v in value]))
    if isinstance(value, dict):
        return " ".join(f"{k}={_html.cell(v)}" for k, v in value.items())
    return value


def document_frame(doc: object) -> Frame:
    """The frame of a document of `ledger.cli.output` (a tally's, a timeline's, ...)."""
    columns = output.csv_columns(doc)
    schema = getattr(doc, "schema", "")
    # A list of every incident's reports has no one title.
    title = getattr(doc, "title", None) or None
    return Frame(
        schema=schema,
        title=title,
        columns=tuple(name for name, _ in columns),
        types=tuple(kind for _, kind in columns),
        rows=tuple(output.flat_rows(doc)),
    )


def frame(
    book: Ledger,
    answer: Tally | Timeline | Sequence[HistoryEntry] | ReportState | str,
    *,
    incident: str | None = None,
    dimension: Dimension | str | None = None,
    compared_since: dt.datetime | None = None,
) -> Frame:
    """An answer of `book` as a frame, its rows those of the answer's CSV (docs/cli.md):

    - a `Tally`: one row per entry; `compared_since` as `ledger tally --compare-since`;
    - a `Timeline`: one row per point;
    - a `History` (or any list of `HistoryEntry`): one row per change;
    - a `ReportState`: one row per version;
    - `"incidents"`, `"sources"`, `"terms"` (of one `dimension`, or all) or `"reports"` (of
      one `incident`, or all): the list, as the ledger holds it now.

    Sources are named (`source_name`) and incidents titled as `book` registered them.
    """
    names = {s.source: s.name for s in book.sources()}
    doc: object
    if isinstance(answer, Tally):
        doc = output.tally_doc(
            answer,
            title=book.incident(answer.incident).title,
            names=names,
            compared_since=compared_since,
        )
    elif isinstance(answer, Timeline):
        doc = output.timeline_doc(answer, title=book.incident(answer.incident).title, names=names)
    elif isinstance(answer, ReportState):
        title = book.incident(answer.incident).title
        history = book.history(answer.report_id)
        doc = output.report_doc(answer, title=title, names=names, history=history)
    elif isinstance(answer, str):
        doc = _list(book, answer, incident=incident, dimension=dimension, names=names)
    elif isinstance(answer, Sequence) and all(isinstance(e, HistoryEntry) for e in answer):
        doc = output.changes_doc(
            typing.cast("Sequence[HistoryEntry]", answer),
            clock="recorded",
            since=None,
            until=None,
            incident=None,
            source=None,
            recorded_by=None,
        )
    else:
        raise ValidationError(
            "answer",
            "must be a Tally, a Timeline, a list of HistoryEntry, a ReportState, or one of "
            + ", ".join(repr(n) for n in LISTS),
            value=type(answer).__name__,
        )
    return document_frame(doc)


def _list(
    book: Ledger,
    kind: str,
    *,
    incident: str | None,
    dimension: Dimension | str | None,
    names: Mapping[str, str],
) -> object:
    if kind == "incidents":
        counts = book.store.report_counts()
        return output.incidents_doc((i, counts.get(i.incident, 0)) for i in book.incidents())
    if kind == "sources":
        return output.sources_doc(book.sources())
    if kind == "terms":
        chosen = None if dimension is None else _dimension(dimension)
        return output.terms_doc(terms_of(book.taxonomy, chosen), chosen)
    if kind == "reports":
        if incident is None:
            rows = [output.report_row(r, names=names) for r in book.reports()]
            return output.ReportsDoc(schema="ledger.reports/1", incident="", title="", reports=rows)
        return output.reports_doc(book.incident(incident), book.reports(incident), names=names)
    raise ValidationError("answer", "must name one of " + ", ".join(LISTS), value=kind)


def _dimension(value: Dimension | str) -> Dimension:
    try:
        return Dimension(value)
    except ValueError:
        raise ValidationError(
            "dimension", "must be one of " + ", ".join(d.value for d in Dimension), value=value
        ) from None


# Python types as Arrow types.


def _pyarrow() -> Any:  # noqa: ANN401 - the pyarrow module
    try:
        import pyarrow as pa  # noqa: PLC0415 - an optional extra
    except ImportError:
        raise MissingDependencyError("frames", "Arrow and Parquet export") from None
    return pa


def _optional(kind: Any) -> Any:  # noqa: ANN401 - a type annotation
    """`X` if `kind` is `X | None`, else None."""
    if typing.get_origin(kind) in (types.UnionType, typing.Union):
        rest = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(rest) < len(typing.get_args(kind)):
            (only,) = rest
            return only
    return None


def _arrow_type(pa: Any, kind: Any) -> Any:  # noqa: ANN401 - annotations to Arrow types
    inner = _optional(kind)
    if inner is not None:
        return _arrow_type(pa, inner)
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind)
        return pa.list_(_arrow_type(pa, item))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return pa.string()
    if attrs.has(kind):
        hints = typing.get_type_hints(kind)
        return pa.struct(
            [
                pa.field(
                    f.name,
                    _arrow_type(pa, hints[f.name]),
                    nullable=_optional(hints[f.name]) is not None,
                )
                for f in attrs.fields(kind)
            ]
        )
    simple = {
        bool: pa.bool_(),
        int: pa.int64(),
        str: pa.string(),
        # Every time the ledger holds is an instant in UTC, to the microsecond.
        dt.datetime: pa.timestamp("us", tz="UTC"),
        dt.date: pa.date32(),
    }
    return simple[kind]


def write_parquet(doc: object, path: str) -> None:
    """`--format parquet --output FILE`: a command's document as a Parquet file."""
    _write_parquet(document_frame(doc), path, field="--output")


def _write_parquet(frame: Frame, path: str | os.PathLike[str], *, field: str) -> None:
    from ledger._files import replacing  # noqa: PLC0415 - only writers need it

    pa = _pyarrow()
    import pyarrow.parquet as pq  # noqa: PLC0415 - with pyarrow

    table = frame.to_arrow()
    try:
        with replacing(path, binary=True) as out:
            pq.write_table(table, pa.PythonFile(out, mode="w"))
    except OSError as error:
        reason = error.strerror or str(error)
        raise ValidationError(field, f"cannot be written: {reason}", value=str(path)) from None
