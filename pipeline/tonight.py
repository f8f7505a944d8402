"""The register as tonight's earlier chunks left it, held in memory for the chunks that follow.

A night is applied in chunks (a file, or a contract-hash bucket of a big file) so memory follows
the chunk, not the night. Each chunk needs the current rows of the contracts it touches; a
``KeyedTable`` finds and replaces them through a u64 hash of the contract key, so a chunk costs
a hash probe of the table instead of a string join or a rewrite of the whole table. The hash
only narrows: every match is confirmed on the key itself, so a collision never mixes contracts.
"""

from __future__ import annotations

import polars as pl

from pipeline.state import CONTRACT_KEY

KEY_HASH = "key_hash"
_MAX_CHUNKS = 32


def key_hash(columns: list[str] = CONTRACT_KEY) -> pl.Expr:
    return pl.struct(columns).hash(seed=20261123).alias(KEY_HASH)


def hashed_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """The distinct contract keys of ``frame`` with their hash."""
    return frame.select(CONTRACT_KEY).unique().with_columns(key_hash())


class KeyedTable:
    """A table with rows per contract (contracts, borrowers, codes, history)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame.with_columns(key_hash())

    def _hits(self, keys: pl.DataFrame) -> pl.Expr:
        return pl.col(KEY_HASH).is_in(keys[KEY_HASH].implode())

    def rows_of(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The rows of the contracts in ``keys`` (a ``hashed_keys`` frame), without the hash."""
        if self.frame.height == 0 or keys.height == 0:
            return self.frame.clear().drop(KEY_HASH)
        near = self.frame.filter(self._hits(keys))
        return near.join(keys.select(CONTRACT_KEY), on=CONTRACT_KEY, how="semi").drop(KEY_HASH)

    def drop(self, keys: pl.DataFrame, where: pl.Expr | None = None) -> None:
        """Remove the rows of the contracts in ``keys`` (optionally only those matching ``where``)."""
        if self.frame.height == 0 or keys.height == 0:
            return
        near = self._hits(keys) if where is None else self._hits(keys) & where
        candidates = self.frame.filter(near)
        if candidates.height == 0:
            return
        exact = candidates.join(keys.select(CONTRACT_KEY), on=CONTRACT_KEY, how="semi")
        if exact.height == candidates.height:
            self.frame = self.frame.filter(~near)
        else:  # a hash collision: fall back to the exact anti-join
            wrong = candidates.join(keys.select(CONTRACT_KEY), on=CONTRACT_KEY, how="anti")
            self.frame = pl.concat([self.frame.filter(~near), wrong])

    def add(self, rows: pl.DataFrame) -> None:
        if rows.height == 0:
            return
        rows = rows.select([c for c in self.frame.columns if c != KEY_HASH]).with_columns(key_hash())
        self.frame = pl.concat([self.frame, rows.cast(self.frame.schema)], how="vertical")  # type: ignore[arg-type]
        if self.frame.n_chunks() > _MAX_CHUNKS:
            self.frame = self.frame.rechunk()

    def table(self) -> pl.DataFrame:
        return self.frame.drop(KEY_HASH)
