"""The register as tonight's chunks leave it, stored as the register is: segments minus dead rows.

A night is applied in chunks (a file, or a contract-hash bucket of a big file) so memory follows
the chunk, not the night. A ``StoredTable`` is one keyed table as tonight sees it, in the one way
the register stores a table (``register.segments``): its segments are the committed parts, the
parts the transaction holds for tonight (rows spilled when memory is full: a load's spills grow
one part, closed once a chunk reads from it), and tonight's rows in memory (a ``KeyedTable``);
a row is live unless a dead row says otherwise. A chunk moves the live rows of its keys from the
parts into memory, superseding them there, and gives back those of keys it did not change; so
a key's live rows are always in one place, and a night neither holds nor rewrites the whole
register. Rows are found through the u64 hash of their key (``keyedtable``), and each part
tonight wrote and each spill remembers the participants of its keys, so a chunk of other
participants (nearly every chunk of an initial load) skips it without a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.apply.keyedtable import KEY_HASH, KeyedTable, Scope, key_hash, may_meet, scope_of, union_of
from pipeline.register.plan import Patch, no_rows
from pipeline.register.store import PART, ROW, TABLE_SCHEMAS, Register
from pipeline.register.transaction import GrowingPart, Holding


@dataclass(frozen=True)
class Part:
    """A part of a table on disk; for a part tonight wrote, the sorted hashes of its keys and their
    participants, so only a key among them is looked for there (a committed part may hold any key)."""

    name: str
    hashes: pl.Series | None = None
    scope: Scope | None = None

    def may_hold(self, keys: pl.DataFrame, asked: Scope | None = None) -> pl.DataFrame:
        """The keys of ``keys`` (a ``hashed_keys`` frame, best sorted by hash; of the participants
        ``asked``, if known) this part may hold."""
        if self.hashes is None:
            return keys
        if not may_meet(self.scope, asked):
            return keys.clear()
        wanted = keys[KEY_HASH]
        at = self.hashes.search_sorted(wanted).clip(upper_bound=self.hashes.len() - 1)
        return keys.filter(self.hashes.gather(at) == wanted)


class StoredTable:
    """A keyed register table as tonight sees it: its parts on disk minus the rows tonight
    superseded, and tonight's rows in memory."""

    def __init__(self, reg: Register, name: str, key: list[str]) -> None:
        self.reg, self.name, self.key = reg, name, key
        self.parts = [Part(p) for p in reg.manifest.tables.get(name, [])]
        self.tonight = KeyedTable(pl.DataFrame(schema=TABLE_SCHEMAS[name]), key)
        self.superseded: list[pl.DataFrame] = []       # (PART, ROW) of part rows tonight replaced
        self.moved: list[pl.DataFrame] = []            # this chunk's rows moved from the parts
        self.growing: GrowingPart | None = None        # the part tonight's spills go to, not readable yet
        self.spilled: list[Part] = []                  # the growing part's key hashes: sorted runs

    def _read(self, keys: pl.DataFrame) -> pl.LazyFrame | None:
        """The query that reads the live rows of ``keys`` from the parts (None: no part can hold one)."""
        if not self.parts or keys.height == 0:
            return None
        gone = self.gone()
        committed = [p.name for p in self.parts if p.hashes is None]
        queries = [self.reg.locate(self.name, keys, self.key, gone, committed)] if committed else []
        asked = scope_of(keys)
        held = [p for p in self.parts if p.hashes is not None and may_meet(p.scope, asked)]
        if held:
            keys = keys.sort(KEY_HASH)      # sorted queries: search_sorted runs 4-5x faster
        for part in held:
            near = part.may_hold(keys, asked)
            if near.height:
                queries.append(self.reg.locate(self.name, near, self.key, gone, [part.name]))
        if not queries:
            return None
        return pl.concat(queries, how="vertical") if len(queries) > 1 else queries[0]

    def _take(self, found: pl.DataFrame, keys: pl.DataFrame) -> None:
        """Move the rows read for ``keys`` into memory (a segment known to hold only rows of
        ``keys``); they count as superseded once the chunk ``settle``s."""
        if found.height:
            found = found.with_columns(key_hash(self.key))      # once, for both
            self.tonight.add(found.drop(PART, ROW), of_keys=keys)
            self.moved.append(found.select(*self.key, PART, ROW, KEY_HASH))

    def settle(self, changed: pl.DataFrame) -> None:
        """End a chunk: the rows it moved of keys it did not change (``changed``: a ``KEY_HASH``
        column of the keys it did) go back, live where they were, so nothing of theirs is
        written; the others are superseded. On the hash: a collision only keeps a key as changed."""
        if not self.moved:
            return
        moved, self.moved = pl.concat(self.moved), []
        stays = pl.col(KEY_HASH).is_in(changed[KEY_HASH].implode())
        back = moved.filter(~stays)
        if back.height:
            self.tonight.drop(back.select(*self.key, KEY_HASH).unique())
        self.superseded.append(moved.filter(stays).select(PART, ROW))

    # rows_of, drop and add work on the keys a chunk has read with ``touch_all``
    def rows_of(self, keys: pl.DataFrame) -> pl.DataFrame:
        return self.tonight.rows_of(keys)

    def drop(self, keys: pl.DataFrame, where: pl.Expr | None = None) -> None:
        self.tonight.drop(keys, where)

    def add(self, rows: pl.DataFrame) -> None:
        self.tonight.add(rows)

    def gone(self) -> pl.DataFrame:
        """The part rows tonight superseded, as (PART, ROW)."""
        if not self.superseded:
            return no_rows()
        if len(self.superseded) > 1:
            self.superseded = [pl.concat(self.superseded)]
        return self.superseded[0]

    def held(self) -> int:
        return self.tonight.height

    def spill(self, holding: Holding) -> None:
        """Hand tonight's rows to the transaction, and read them back only when a chunk has their
        key again: the night's memory then follows its chunk, not its size (an initial load).
        The spills go into one growing part until a chunk wants a row of it back
        (``before_reading``), so the commit finds a few parts it can keep, not one per spill that
        it would have to merge into one again. Each spill's key hashes stay in memory, sorted,
        so a key a part does not hold is never looked for there (``with_run``)."""
        if self.held() == 0:
            return
        rows = self.tonight.where(pl.lit(True))
        if self.growing is None:
            self.growing = holding.growing_part(self.name)
        self.growing.add(rows)
        run = Part(self.growing.name, rows[KEY_HASH].unique().sort(), self.tonight.scope())
        self.spilled = with_run(self.spilled, run)
        self.tonight = self.tonight.cleared()

    def before_reading(self, keys: pl.DataFrame) -> None:
        """Before a chunk reads the rows of ``keys`` (a ``hashed_keys`` frame): the growing part
        is closed and becomes a part like the others if it may hold one of them (in an initial
        load, seldom: only a contract delivered again in a later file)."""
        if self.growing is None or keys.height == 0:
            return
        asked = scope_of(keys)
        runs = [run for run in self.spilled if may_meet(run.scope, asked)]
        if not runs:
            return
        keys = keys.sort(KEY_HASH)
        if any(run.may_hold(keys, asked).height for run in runs):
            self._close_growing(hashed=True)

    def _close_growing(self, hashed: bool) -> None:
        """The growing part, whole, among the parts, with its spills' key hashes (as one sorted
        run when a chunk still reads it)."""
        if self.growing is None:
            return
        hashes = pl.concat([run.hashes for run in self.spilled if run.hashes is not None])
        scope = union_of([run.scope for run in self.spilled])
        self.parts.append(Part(self.growing.close(), hashes.sort() if hashed else hashes, scope))
        self.growing, self.spilled = None, []

    def release(self) -> Patch:
        """Tonight's change of the table: the superseded rows, tonight's rows in the table's
        schema and the parts the transaction holds for it; memory is empty after, so the night
        does not hold its rows twice."""
        self._close_growing(hashed=False)
        schema = TABLE_SCHEMAS[self.name]
        rows = self.tonight.table()
        self.tonight = self.tonight.cleared()
        held = tuple(p.name for p in self.parts if p.hashes is not None)
        return Patch(self.gone(), rows.select(list(schema)).cast(schema), held)


def with_run(runs: list[Part], run: Part) -> list[Part]:
    """The sorted key-hash runs of a growing part after a spill's ``run``: merged into the last run
    of the same participants while that one is no larger (a binary counter, as ``KeyIndex`` keeps
    its runs). A chunk then asks, of each set of participants it meets, about log2(spills) runs,
    each hash is merged as often, and spills of other participants (nearly every spill of an
    initial load) are never merged at all: merging every spill into one run cost a scale-1 load
    1.5 s of its own thread (decision 125)."""
    same = [r for r in runs if r.scope == run.scope]
    while same and _size(same[-1]) <= _size(run):
        last = same.pop()
        merged = pl.DataFrame({KEY_HASH: last.hashes}).merge_sorted(pl.DataFrame({KEY_HASH: run.hashes}), KEY_HASH)
        run = Part(run.name, merged.to_series().set_sorted(), run.scope)
    return [*(r for r in runs if r.scope != run.scope), *same, run]


def _size(run: Part) -> int:
    return 0 if run.hashes is None else run.hashes.len()


def touch_all(tables: list[StoredTable], keys: pl.DataFrame) -> None:
    """Move the stored rows of ``keys`` into memory in several tables, reading their parts at once."""
    reads = [(table, table._read(keys)) for table in tables]
    queries = [query for _, query in reads if query is not None]
    found = iter(pl.collect_all(queries) if queries else [])
    for table, query in reads:
        if query is not None:
            table._take(next(found), keys)
