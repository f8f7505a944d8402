"""The night's mutation text in chunks: memory follows the chunk, not the night or the file.

Files are gathered in delivery order until a chunk's worth of records has come, then split by a
hash of the contract number, so all records of a contract fall in one chunk and chunks applied
in order give the same result as the whole text at once.
"""

from __future__ import annotations

import os

import polars as pl

from pipeline.intake import Delivery

CHUNK_RECORDS = 500_000
SPILL_ROWS = 1_000_000        # tonight's contract rows held before the transaction holds them on disk


def chunk_records() -> int:
    """Records per chunk: memory follows this, not the night (``CKI_CHUNK_RECORDS`` for tests)."""
    return max(1, int(os.environ.get("CKI_CHUNK_RECORDS", CHUNK_RECORDS)))


def spill_rows() -> int:
    """Contract rows a night holds before it hands them to the transaction (``CKI_SPILL_ROWS`` for tests)."""
    return max(1, int(os.environ.get("CKI_SPILL_ROWS", SPILL_ROWS)))


def tagged(i: int, frame: pl.DataFrame, d: Delivery) -> pl.DataFrame:
    """A file's text frame with the file_idx, participant and kind every rule reads."""
    return frame.with_columns(pl.lit(i, dtype=pl.Int32).alias("file_idx"),
                              pl.lit(d.folder).alias("participant"), pl.lit(d.kind).alias("kind"))


def combine(files: list[tuple[int, Delivery]]) -> pl.DataFrame:
    """Several files of the night as one tagged text frame."""
    return pl.concat([tagged(i, d.frame, d) for i, d in files if d.frame is not None], how="vertical")


def chunks(raw: pl.DataFrame) -> list[pl.DataFrame]:
    """Records in chunks by a hash of the contract number (a chunk holds 0.5 to 1.5 chunk_records)."""
    n = max(1, round(raw.height / chunk_records()))
    if n <= 1:
        return [raw]
    bucket = (pl.col("contract_number").hash(seed=11) % n).alias("chunk")
    parts = raw.with_columns(bucket).partition_by("chunk", include_key=False, as_dict=True)
    return [parts[(b,)] for b in range(n) if (b,) in parts]
