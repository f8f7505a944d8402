"""The night's mutation text in chunks: memory follows the chunk, not the night or the file.

Files are gathered in delivery order until a chunk's worth of records has come, then split by a
hash of the contract number, so all records of a contract fall in one chunk and chunks applied
in order give the same result as the whole text at once. Only the bucket numbers are computed up
front; each chunk is gathered from the text when it is applied, so the text is never held twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

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


class Chunks:
    """A text frame's chunks by a hash of the contract number (a chunk holds 0.5 to 1.5
    chunk_records), each gathered from the text only when its turn comes.

    Only the rows' bucket numbers are computed up front: splitting the whole text at once would
    copy it, so the night would hold the file twice (the load's largest file is its peak).
    """

    def __init__(self, raw: pl.DataFrame) -> None:
        self.raw = raw
        n = max(1, round(raw.height / chunk_records()))
        self.bucket: pl.Series | None = None
        self.buckets = [0]
        if n > 1:
            self.bucket = raw.select(pl.col("contract_number").hash(seed=11) % n).to_series()
            self.buckets = self.bucket.unique().sort().to_list()     # a bucket without rows is no chunk
        self.records = raw.height

    def __len__(self) -> int:
        return len(self.buckets)

    def __iter__(self) -> Iterator[pl.DataFrame]:
        """The chunks in bucket order, rows in text order; the text is let go after the last."""
        raw, bucket, self.raw, self.bucket = self.raw, self.bucket, pl.DataFrame(), None
        if bucket is None:
            yield raw
            return
        for b in self.buckets:
            yield raw.filter(bucket == b)


def chunks(raw: pl.DataFrame) -> Chunks:
    """Records in chunks by a hash of the contract number, gathered as they are applied."""
    return Chunks(raw)
