"""Register parts are written by PyArrow's writer, without a dictionary on the columns whose
values are nearly all distinct (issue 17: the load's writes cost less CPU); the return files
keep Polars' writer and their bytes.

What a user would notice if this were wrong: a value, a null, a type or a row of the register
read back differently from what the night wrote, so a report or an export differs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from pipeline import fsio

SCHEMA = {"number": pl.String(), "participant": pl.String(), "amount": pl.Int64(), "since": pl.Date(),
          "open": pl.Boolean(), "row": pl.UInt32()}


def _rows(n: int, distinct_from: int = 0) -> pl.DataFrame:
    """Contract-like rows: ``number`` distinct (its strings too long to sit inside a view) in
    the first ``distinct_from`` rows, then one value over and over; a column of nulls."""
    return pl.DataFrame({
        "number": [f"contract number {i:012d}" if i < distinct_from or not distinct_from else "the same one"
                   for i in range(n)],
        "participant": [f"BANK{i % 3}" for i in range(n)],
        "amount": [None if i % 7 == 0 else i * 1000 for i in range(n)],
        "since": [date(2020, 1, 1 + i % 28) for i in range(n)],
        "open": [None] * n,
        "row": range(n),
    }, schema=SCHEMA)


def _encodings(path: Path, column: str) -> set[str]:
    meta = pq.ParquetFile(path).metadata
    names = meta.schema.names
    return {e for g in range(meta.num_row_groups) for e in meta.row_group(g).column(names.index(column)).encodings}


def test_a_part_reads_back_as_polars_own_writer_would(tmp_path: Path) -> None:
    frames = {"empty": _rows(0), "one": _rows(1), "many": _rows(30_000),
              "distinct only at first": _rows(30_000, distinct_from=10_000)}   # the sample's edge
    for name, frame in frames.items():
        fsio.write_part(tmp_path / f"{name}.parquet", frame)
        fsio.write_parquet(tmp_path / f"{name} polars.parquet", frame)
        part = pl.read_parquet(tmp_path / f"{name}.parquet")
        polars = pl.read_parquet(tmp_path / f"{name} polars.parquet")
        assert part.schema == polars.schema == frame.schema, name
        assert part.equals(polars) and part.equals(frame), name


def test_nearly_distinct_columns_get_no_dictionary(tmp_path: Path) -> None:
    fsio.write_part(tmp_path / "p.parquet", _rows(30_000))
    assert "RLE_DICTIONARY" not in _encodings(tmp_path / "p.parquet", "number")
    assert "RLE_DICTIONARY" not in _encodings(tmp_path / "p.parquet", "row")
    assert "RLE_DICTIONARY" in _encodings(tmp_path / "p.parquet", "participant")
    assert fsio.dictionary_columns(_rows(0)) == list(SCHEMA)        # nothing to judge: PyArrow's default


def test_ids_given_out_in_order_are_stored_as_differences(tmp_path: Path) -> None:
    """A contract id column (a run of ids, and a null) reads back the same."""
    frame = _rows(30_000).with_columns(pl.Series("contract_id", [None, *range(29_999, 0, -1)][::-1], pl.Int64))
    fsio.write_part(tmp_path / "ids.parquet", frame)
    assert "DELTA_BINARY_PACKED" in _encodings(tmp_path / "ids.parquet", "contract_id")
    assert pl.read_parquet(tmp_path / "ids.parquet").equals(frame)


def test_an_appended_part_whose_first_frame_chose_reads_back_every_frame(tmp_path: Path) -> None:
    frames = [_rows(20_000), _rows(20_000, distinct_from=1), _rows(0), _rows(5)]
    for first in (frames, [_rows(0), *frames]):          # an empty first frame leaves the dictionaries on
        out = fsio.ParquetAppender(tmp_path / "a.parquet", SCHEMA)
        for frame in first:
            out.add(frame)
        out.close()
        assert pl.read_parquet(tmp_path / "a.parquet").equals(pl.concat(first))


def test_a_query_is_streamed_to_its_part(tmp_path: Path) -> None:
    fsio.write_part(tmp_path / "q.parquet", _rows(100).lazy().filter(pl.col("row") < 10))
    assert pl.read_parquet(tmp_path / "q.parquet").equals(_rows(10))
