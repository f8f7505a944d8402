"""One delivery file → its text frame and column names, or the refusal that ends it (in the worker)."""

from __future__ import annotations

import polars as pl

from pipeline.intake.limits import ReadLimits, Refusal, Refused, out_of_memory

UNEXPECTED = Refusal("FILE_UNREADABLE", "the reader failed on it")
MAX_COLUMNS = 100      # the file format has 22; a header of thousands of columns is refused unread
MAX_NAME = 200         # a column name is only ever quoted in a FILE_HEADER message


def read_delivery(path: str, ext: str, size: int, limits: ReadLimits,
                  allowed: tuple[str, ...]) -> tuple[pl.DataFrame, list[str]] | Refusal:
    """Read ``path`` (a CSV or Parquet delivery of ``size`` bytes) within ``limits``; for Parquet
    only the ``allowed`` columns are decoded, but every column's name is returned."""
    try:                                # each reader is imported on first use: a night without
        if ext == "csv":                # Parquet deliveries never loads pyarrow.parquet
            from pipeline.intake import csvtext

            frame = csvtext.read(path, size, limits, MAX_COLUMNS)
            return frame, [c[:MAX_NAME] for c in frame.columns]
        from pipeline.intake import parquettext

        frame, names = parquettext.read(path, limits, allowed, MAX_COLUMNS)
        return frame, [c[:MAX_NAME] for c in names]
    except Refused as refused:
        return refused.refusal
    except MemoryError:                 # pyarrow's and Python's answer to the memory rlimit
        return out_of_memory(limits)
    except Exception:                   # a library's message may quote cells: say only where
        return Refusal(UNEXPECTED.code, UNEXPECTED.value, "CSV" if ext == "csv" else "Parquet")
