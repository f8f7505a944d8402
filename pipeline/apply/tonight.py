"""The register as tonight's earlier chunks left it: committed parts on disk, tonight's rows in memory.

A night is applied in chunks (a file, or a contract-hash bucket of a big file) so memory follows
the chunk, not the night. A ``StoredTable`` reads from the committed parts only the rows of the
keys a chunk touches and keeps them, changed, in memory (a ``KeyedTable``); at the end those rows
become a new part and their committed versions are marked dead, so a night neither holds nor
rewrites the whole register. A ``KeyedTable`` finds rows through a u64 hash of the key; the hash
only narrows, every match is confirmed on the key itself, so a collision never mixes contracts.
"""

from __future__ import annotations

import polars as pl

from pipeline.register.plan import Patch
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import PART, ROW, TABLE_SCHEMAS, Holding, Register

KEY_HASH = "key_hash"
ALIVE = "_alive"
_MAX_SEGMENTS = 32
_MAX_DEAD_SHARE = 0.25


def key_hash(columns: list[str] = CONTRACT_KEY) -> pl.Expr:
    return pl.struct(columns).hash(seed=20261123).alias(KEY_HASH)


def hashed_keys(frame: pl.DataFrame, key: list[str] = CONTRACT_KEY) -> pl.DataFrame:
    """The distinct keys of ``frame`` with their hash."""
    return frame.select(key).unique().with_columns(key_hash(key))


class KeyedTable:
    """Rows per key (a contract, or a person), held in memory.

    A dropped row is only marked dead (ALIVE false) and new rows are appended as a segment, so a
    chunk that changes a few rows of a big table (the borrowers of an initial load) costs what
    it changes, not a copy of the table. Each segment is one contiguous frame: a mask column
    with other chunk bounds than its frame makes every filter gather slowly. A segment is
    compacted once a quarter of it is dead, and the newer half of the segments is merged when
    there are many.
    """

    def __init__(self, frame: pl.DataFrame, key: list[str] = CONTRACT_KEY) -> None:
        self.key = key
        self.columns = [c for c in frame.columns if c not in (KEY_HASH, ALIVE)]
        self.empty = self._prepared(frame.clear())
        self.segments: list[pl.DataFrame] = []
        self.add(frame)

    def _prepared(self, rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(self.columns).with_columns(key_hash(self.key), pl.lit(True).alias(ALIVE)).rechunk()

    @property
    def height(self) -> int:
        """Live rows."""
        return sum(int(seg[ALIVE].sum()) for seg in self.segments)

    def where(self, near: pl.Expr) -> pl.DataFrame:
        """Live rows matching ``near``, with the key hash."""
        if not self.segments:
            return self.empty.drop(ALIVE)
        hits = [seg.filter(near & pl.col(ALIVE)) for seg in self.segments]
        return pl.concat(hits, how="vertical").drop(ALIVE)

    def _hits(self, keys: pl.DataFrame) -> pl.Expr:
        return pl.col(KEY_HASH).is_in(keys[KEY_HASH].implode())

    def rows_of(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The rows of the keys in ``keys`` (a ``hashed_keys`` frame), without the hash."""
        if not self.segments or keys.height == 0:
            return self.empty.select(self.columns)
        near = self.where(self._hits(keys))
        return near.join(keys.select(self.key), on=self.key, how="semi").select(self.columns)

    def missing(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The keys of ``keys`` that have no row here."""
        if not self.segments:
            return keys
        near = self.where(self._hits(keys))
        if near.height == 0:
            return keys
        return keys.join(near.select(self.key), on=self.key, how="anti")

    def drop(self, keys: pl.DataFrame, where: pl.Expr | None = None) -> None:
        """Remove the rows of the keys in ``keys`` (optionally only those matching ``where``)."""
        if keys.height == 0:
            return
        near = self._hits(keys) & pl.col(ALIVE)
        if where is not None:
            near = near & where
        for i, seg in enumerate(self.segments):
            at = seg.with_row_index("_at").filter(near)
            if at.height == 0:
                continue
            exact = at.join(keys.select(self.key), on=self.key, how="semi")["_at"]   # a hash collision stays
            if exact.len() == 0:
                continue
            seg = seg.with_columns(seg[ALIVE].scatter(exact, False))
            if seg.height - int(seg[ALIVE].sum()) > _MAX_DEAD_SHARE * seg.height:
                seg = seg.filter(pl.col(ALIVE))
            self.segments[i] = seg

    def add(self, rows: pl.DataFrame) -> None:
        if rows.height == 0:
            return
        self.segments.append(self._prepared(rows).cast(self.empty.schema))
        if len(self.segments) > _MAX_SEGMENTS:
            keep = len(self.segments) // 2
            newer = pl.concat(self.segments[keep:], how="vertical").filter(pl.col(ALIVE)).rechunk()
            self.segments = [*self.segments[:keep], newer]

    def table(self) -> pl.DataFrame:
        return self.where(pl.lit(True)).select(self.columns)

    def cleared(self) -> KeyedTable:
        return KeyedTable(self.empty, self.key)


class StoredTable:
    """A keyed register table as tonight sees it: the committed parts, and in memory every row
    of the keys tonight has touched. The committed rows of a touched key are superseded."""

    def __init__(self, reg: Register, name: str, key: list[str]) -> None:
        self.reg, self.name, self.key = reg, name, key
        self.committed = bool(reg.manifest.tables.get(name))
        empty = pl.DataFrame(schema=TABLE_SCHEMAS[name])
        self.tonight = KeyedTable(empty, key)
        self.touched = KeyedTable(empty.select(key), key)
        self.superseded: list[pl.DataFrame] = []
        self.borrowed: list[tuple[pl.DataFrame, pl.DataFrame | None]] = []   # this chunk's reads
        self.written: list[str] = []          # tonight's rows already written as parts (``spill``)
        self.spilled: list[pl.Series] = []    # the key hashes of those rows: only they are looked up there

    @property
    def has_base(self) -> bool:
        """Rows of this table exist outside memory (committed, or spilled tonight)."""
        return self.committed or bool(self.written)

    def _to_read(self, keys: pl.DataFrame) -> tuple[pl.DataFrame, pl.LazyFrame | None] | None:
        """The keys not touched yet and the query that reads their stored rows (None: none can be)."""
        if not self.has_base or keys.height == 0:
            return None
        fresh = self.touched.missing(keys)
        if fresh.height == 0:
            return None
        queries = []
        if self.committed:
            queries.append(self.reg.locate(self.name, fresh, self.key, self.gone()))
        if self.written:
            wanted = fresh[KEY_HASH].implode()      # the small side is the set; the spilled hashes are scanned
            seen = pl.concat([hashes.filter(hashes.is_in(wanted)) for hashes in self.spilled])
            again = fresh.filter(pl.col(KEY_HASH).is_in(seen.implode()))
            if again.height:
                queries.append(self.reg.locate(self.name, again, self.key, self.gone(), self.written,
                                               committed=False))
        if not queries:
            return fresh, None
        return fresh, pl.concat(queries, how="vertical") if len(queries) > 1 else queries[0]

    def _take(self, fresh: pl.DataFrame, found: pl.DataFrame | None) -> None:
        if found is not None and found.height:
            self.tonight.add(found.drop(PART, ROW))
        self.touched.add(fresh.select(self.key))
        self.borrowed.append((fresh, found))

    def settle(self, changed: pl.DataFrame) -> None:
        """End a chunk: the keys it read and did not change (``changed``: the keys it did) are
        let go, so their stored rows stay as they are and nothing of theirs is written; the
        stored rows of the others are superseded by tonight's."""
        for fresh, found in self.borrowed:      # on the hash: a collision only keeps a key as changed
            kept = fresh.filter(~pl.col(KEY_HASH).is_in(changed[KEY_HASH].implode()))
            if kept.height:
                self.tonight.drop(kept)
                self.touched.drop(kept)
                found = found.join(kept.select(self.key), on=self.key, how="anti") if found is not None else None
            if found is not None and found.height:
                self.superseded.append(found.select(PART, ROW))
        self.borrowed = []

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
        return self.tonight.height

    def spill(self, holding: Holding) -> None:
        """Write tonight's rows as a part (not committed yet) and read them back only when touched
        again: a night's memory then follows its chunk, not its whole size (an initial load).
        The spilled keys' hashes stay in memory, so a key that was never spilled is never looked
        up in the spilled parts."""
        if self.held() == 0:
            return
        rows = self.tonight.where(pl.lit(True))
        self.written.append(holding.part(self.name, rows))
        self.spilled.append(rows[KEY_HASH].unique())
        self.tonight = self.tonight.cleared()
        self.touched = self.touched.cleared()

    def release(self) -> Patch:
        """Tonight's change of the table: the superseded rows, tonight's rows in the table's
        schema and the parts it holds already; the table is empty after, so the night does not
        hold its rows twice."""
        schema = TABLE_SCHEMAS[self.name]
        rows = self.tonight.table()
        self.tonight = self.tonight.cleared()
        return Patch(self.gone(), rows.select(list(schema)).cast(schema), tuple(self.written))


def touch_all(tables: list[StoredTable], keys: pl.DataFrame) -> None:
    """``touch`` several tables with the same keys, reading their parts at once."""
    reads = [(table, read) for table in tables if (read := table._to_read(keys)) is not None]
    queries = [query for _, (_, query) in reads if query is not None]
    found = iter(pl.collect_all(queries) if queries else [])
    for table, (fresh, query) in reads:
        table._take(fresh, next(found) if query is not None else None)
