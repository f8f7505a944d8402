"""A Parquet delivery as text cells, within the limits (runs in the reading worker).

A Parquet file says part of what it will cost before it is decoded: the footer gives the row
count (``max_rows``) and each column chunk's uncompressed page size, which bounds what
compression can hide (``max_decoded_bytes``). Dictionary encoding hides the rest: 20 M rows that
repeat one value are a few kB of pages (the issue's 1.3 MB file that took the night past 6 GB).
So the text columns are read as dictionaries, batch by batch, and kept encoded (4 bytes a cell)
while their text is counted from the dictionary's value lengths; only when the whole file is
within ``max_decoded_bytes`` are the batches decoded, a long value cut to the cell limit in its
dictionary first. Only the columns of the file format are read. The worker's memory limit is
the backstop for what nothing tells in advance (a page that decodes to far more than it says).
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.intake import cells
from pipeline.intake.limits import ReadLimits, Refusal, Refused, too_many_columns, too_many_rows, too_much_text

BATCH_ROWS = 65_536
DAMAGED = Refusal("FILE_UNREADABLE", "the Parquet file is damaged or holds unsupported column types", "Parquet")


def read(path: str, limits: ReadLimits, allowed: tuple[str, ...],
         max_columns: int) -> tuple[pl.DataFrame, list[str]]:
    """Every cell of the allowed columns as trimmed text, and the names of all the file's columns."""
    try:
        source = pq.ParquetFile(path)
        names = source.schema_arrow.names
    except Exception:
        raise Refused(DAMAGED) from None
    if len(names) > max_columns:
        raise Refused(too_many_columns(len(names), max_columns))
    if source.metadata.num_rows > limits.max_rows:
        raise Refused(too_many_rows(source.metadata.num_rows, limits))
    wanted = [n for n in names if n in allowed]
    paged = _uncompressed_bytes(source, wanted)
    if paged > limits.max_decoded_bytes:
        raise Refused(too_much_text(paged, limits))
    return _guarded(lambda: _decoded(_counted_batches(path, source, wanted, limits), wanted, limits)), names


def _guarded(read):
    """A library's failure on the file is the file's error; ours and the memory limit pass."""
    try:
        return read()
    except (Refused, MemoryError):
        raise
    except Exception:
        raise Refused(DAMAGED) from None


def _uncompressed_bytes(source: pq.ParquetFile, wanted: list[str]) -> int:
    """What the pages of the wanted columns decompress to, as the footer declares it."""
    meta, total = source.metadata, 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        chunks = (group.column(c) for c in range(group.num_columns))
        total += sum(c.total_uncompressed_size for c in chunks if c.path_in_schema.split(".")[0] in wanted)
    return total


def _counted_batches(path: str, source: pq.ParquetFile, wanted: list[str],
                     limits: ReadLimits) -> list[pa.RecordBatch]:
    """Every batch, text columns still dictionary-encoded, after counting the text they decode to."""
    reader = pq.ParquetFile(path, metadata=source.metadata, read_dictionary=_dictionary_encoded(source, wanted))
    budget, kept = _TextBudget(limits), []
    for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        budget.spend(sum(_text_bytes(column) for column in batch.columns))
        kept.append(batch)
    return kept


def _dictionary_encoded(source: pq.ParquetFile, wanted: list[str]) -> list[str]:
    """The text columns whose every chunk has a dictionary page: read as dictionaries, they are
    counted before they are decoded. (PyArrow cannot read other encodings, such as
    DELTA_BYTE_ARRAY, as a dictionary; those are decoded batch by batch under the memory limit.)"""
    meta = source.metadata
    groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
    chunks = [{group.column(c).path_in_schema: group.column(c) for c in range(group.num_columns)} for group in groups]
    return [n for n in wanted if _is_text(source.schema_arrow.field(n).type)
            and all(n in by_name and by_name[n].has_dictionary_page for by_name in chunks)]


def _decoded(batches: list[pa.RecordBatch], wanted: list[str], limits: ReadLimits) -> pl.DataFrame:
    frames = [_text_of(batch, limits.max_cell_chars) for batch in batches]
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys(wanted, pl.String))
    return pl.concat(frames, how="vertical", rechunk=False)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


class _TextBudget:
    """Counts the text of the batches read so far against ``max_decoded_bytes``."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits, self.spent = limits, 0

    def spend(self, n: int) -> None:
        self.spent += n
        if self.spent > self.limits.max_decoded_bytes:
            raise Refused(too_much_text(self.spent, self.limits))


def _text_bytes(column: pa.Array) -> int:
    """The bytes of text the column's cells hold once decoded, without decoding a dictionary.
    Other columns are read as they are (their pages bound them) and counted as a CSV writes them
    (a date as 10 characters, a number as its digits)."""
    if pa.types.is_dictionary(column.type):
        lengths = pc.binary_length(column.dictionary)
        return int(pc.sum(pc.take(lengths, column.indices)).as_py() or 0)
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        return 10 * (len(column) - column.null_count)
    try:
        return int(pc.sum(pc.binary_length(column.cast(pa.string()))).as_py() or 0)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return 0                             # not text-like: refused when it is decoded


def _text_of(batch: pa.RecordBatch, max_chars: int) -> pl.DataFrame:
    """One batch as trimmed text cells: dictionaries cut, then decoded, then every column as text."""
    columns = {name: _cut_dictionary(column, max_chars).dictionary_decode()
               if pa.types.is_dictionary(column.type) else column
               for name, column in zip(batch.schema.names, batch.columns, strict=True)}
    frame = pl.from_arrow(pa.RecordBatch.from_pydict(columns))
    assert isinstance(frame, pl.DataFrame)
    return cells.cleaned(frame.select(_as_text(name, dtype) for name, dtype in frame.schema.items()), max_chars)


def _cut_dictionary(column: pa.DictionaryArray, max_chars: int) -> pa.DictionaryArray:
    """The column with every dictionary value over ``max_chars`` cut as ``cells`` cuts a cell."""
    values = column.dictionary
    long = pc.greater(pc.utf8_length(values), max_chars)
    if not pc.any(long).as_py():
        return column
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, max_chars), cells.ELLIPSIS, "")
    return pa.DictionaryArray.from_arrays(column.indices, pc.if_else(long, cut, values))


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A typed Parquet column as the text a CSV would hold (dates as YYYY-MM-DD)."""
    col = pl.col(name)
    if dtype == pl.Date:
        return col.dt.to_string("%Y-%m-%d")
    if dtype == pl.Datetime:
        return col.dt.date().dt.to_string("%Y-%m-%d")
    return col.cast(pl.String)
