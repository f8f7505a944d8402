"""The register as tonight's earlier chunks left it: committed parts on disk, tonight's rows in memory.

A night is applied in chunks (a file, or a contract-hash bucket of a big file) so memory follows
the chunk, not the night. A ``StoredTable`` reads from the committed parts only the rows of the
keys a chunk touches and keeps them, changed, in memory (a ``KeyedTable``); at the end those rows
become a new part and their committed versions are marked dead, so a night neither holds nor
rewrites the whole register. A ``KeyedTable`` finds rows through a u64 hash of the key; the hash
only narrows, every match is confirmed on the key itself, so a collision never mixes contracts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import polars as pl

from pipeline.register import PART, ROW, TABLE_SCHEMAS, Register
from pipeline.state import CONTRACT_KEY

KEY_HASH = "key_hash"
_MAX_CHUNKS = 32


def key_hash(columns: list[str] = CONTRACT_KEY) -> pl.Expr:
    return pl.struct(columns).hash(seed=20261123).alias(KEY_HASH)


def hashed_keys(frame: pl.DataFrame, key: list[str] = CONTRACT_KEY) -> pl.DataFrame:
    """The distinct keys of ``frame`` with their hash."""
    return frame.select(key).unique().with_columns(key_hash(key))


class KeyedTable:
    """Rows per key (a contract, or a person), held in memory."""

    def __init__(self, frame: pl.DataFrame, key: list[str] = CONTRACT_KEY) -> None:
        self.key = key
        self.frame = frame.with_columns(key_hash(key))

    def _hits(self, keys: pl.DataFrame) -> pl.Expr:
        return pl.col(KEY_HASH).is_in(keys[KEY_HASH].implode())

    def rows_of(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The rows of the keys in ``keys`` (a ``hashed_keys`` frame), without the hash."""
        if self.frame.height == 0 or keys.height == 0:
            return self.frame.clear().drop(KEY_HASH)
        near = self.frame.filter(self._hits(keys))
        return near.join(keys.select(self.key), on=self.key, how="semi").drop(KEY_HASH)

    def missing(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The keys of ``keys`` that have no row here."""
        if self.frame.height == 0:
            return keys
        near = keys.filter(pl.col(KEY_HASH).is_in(self.frame[KEY_HASH].implode()))
        if near.height == 0:
            return keys
        present = near.join(self.frame.select(self.key), on=self.key, how="semi")
        return keys.join(present.select(self.key), on=self.key, how="anti")

    def drop(self, keys: pl.DataFrame, where: pl.Expr | None = None) -> None:
        """Remove the rows of the keys in ``keys`` (optionally only those matching ``where``)."""
        if self.frame.height == 0 or keys.height == 0:
            return
        near = self._hits(keys) if where is None else self._hits(keys) & where
        candidates = self.frame.filter(near)
        if candidates.height == 0:
            return
        exact = candidates.join(keys.select(self.key), on=self.key, how="semi")
        if exact.height == candidates.height:
            self.frame = self.frame.filter(~near)
        else:  # a hash collision: fall back to the exact anti-join
            wrong = candidates.join(keys.select(self.key), on=self.key, how="anti")
            self.frame = pl.concat([self.frame.filter(~near), wrong])

    def add(self, rows: pl.DataFrame) -> None:
        if rows.height == 0:
            return
        rows = rows.select([c for c in self.frame.columns if c != KEY_HASH]).with_columns(key_hash(self.key))
        self.frame = pl.concat([self.frame, rows.cast(self.frame.schema)], how="vertical")  # type: ignore[arg-type]
        if self.frame.n_chunks() > _MAX_CHUNKS:
            self.frame = self.frame.rechunk()

    def table(self) -> pl.DataFrame:
        return self.frame.drop(KEY_HASH)


class StoredTable:
    """A keyed register table as tonight sees it: the committed parts, and in memory every row
    of the keys tonight has touched. The committed rows of a touched key are superseded."""

    def __init__(self, reg: Register, name: str, key: list[str],
                 working: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> None:
        self.reg, self.name, self.key = reg, name, key
        self.working = working or (lambda frame: frame)
        self.has_base = bool(reg.manifest["tables"].get(name))
        empty = self.working(pl.DataFrame(schema=TABLE_SCHEMAS[name]))
        self.tonight = KeyedTable(empty, key)
        self.touched = KeyedTable(empty.select(key), key)
        self.superseded: list[pl.DataFrame] = []
        self.written: list[str] = []          # tonight's rows already written as parts (``spill``)

    def touch(self, keys: pl.DataFrame) -> None:
        """Bring the committed rows of ``keys`` (a ``hashed_keys`` frame) into tonight's rows."""
        touch_all([self], keys)

    def _to_read(self, keys: pl.DataFrame) -> tuple[pl.DataFrame, pl.LazyFrame] | None:
        """The keys not touched yet and the query that reads their committed rows."""
        if not self.has_base or keys.height == 0:
            return None
        fresh = self.touched.missing(keys)
        if fresh.height == 0:
            return None
        return fresh, self.reg.locate(self.name, fresh, self.key, self.gone(), self.written)

    def _take(self, fresh: pl.DataFrame, found: pl.DataFrame) -> None:
        self.superseded.append(found.select(PART, ROW))
        self.tonight.add(self.working(found.drop(PART, ROW)))
        self.touched.add(fresh.select(self.key))

    def add_new(self, rows: pl.DataFrame) -> None:
        """Rows of keys the register cannot hold yet (tonight's new persons)."""
        self.tonight.add(rows)
        self.touched.add(rows.select(self.key).unique())

    # rows_of, drop and add work on keys already touched: a chunk touches all its keys first.
    def rows_of(self, keys: pl.DataFrame) -> pl.DataFrame:
        return self.tonight.rows_of(keys)

    def drop(self, keys: pl.DataFrame, where: pl.Expr | None = None) -> None:
        self.tonight.drop(keys, where)

    def add(self, rows: pl.DataFrame) -> None:
        self.tonight.add(rows)

    def gone(self) -> pl.DataFrame:
        """The committed rows tonight superseded, as (PART, ROW)."""
        if not self.superseded:
            return pl.DataFrame(schema={PART: pl.String, ROW: pl.get_index_type()})
        if len(self.superseded) > 1:
            self.superseded = [pl.concat(self.superseded)]
        return self.superseded[0]

    def held(self) -> int:
        return self.tonight.frame.height

    def spill(self, sink: PartSink) -> None:
        """Write tonight's rows as a part (not committed yet) and read them back only when touched
        again: a night's memory then follows its chunk, not its whole size (an initial load)."""
        if self.held() == 0:
            return
        self.written.append(sink.write_part(self.name, self.tonight.table()))
        self.tonight = KeyedTable(self.tonight.frame.clear().drop(KEY_HASH), self.key)
        self.touched = KeyedTable(self.touched.frame.clear().drop(KEY_HASH), self.key)
        self.has_base = True

    def release(self) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
        """(the superseded rows, tonight's rows in the table's schema, tonight's parts written
        already); the table is empty after, so the night does not hold its rows twice."""
        schema = TABLE_SCHEMAS[self.name]
        rows = self.tonight.table()
        self.tonight = KeyedTable(rows.clear(), self.key)
        return self.gone(), rows.select(list(schema)).cast(schema), self.written  # type: ignore[arg-type]


def touch_all(tables: list[StoredTable], keys: pl.DataFrame) -> None:
    """``touch`` several tables with the same keys, reading their parts at once."""
    reads = [(table, read) for table in tables if (read := table._to_read(keys)) is not None]
    found = pl.collect_all([query for _, (_, query) in reads])
    for (table, (fresh, _)), rows in zip(reads, found, strict=True):
        table._take(fresh, rows)


class PartSink(Protocol):
    """Where tonight's rows go when a night spills them (the Transaction)."""

    def write_part(self, name: str, frame: pl.DataFrame) -> str: ...
