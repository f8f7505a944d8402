"""The register as tonight's chunks leave it, stored as the register is: segments minus dead rows.

A night is applied in chunks (a file, or a contract-hash bucket of a big file) so memory follows
the chunk, not the night. A ``StoredTable`` is one keyed table as tonight sees it, in the one way
the register stores a table (``register.segments``): its segments are the committed parts, the
parts the transaction holds for tonight (rows spilled when memory is full: a load's spills grow
one part, closed once a chunk reads from it), and tonight's rows in memory (a ``KeyedTable``);
a row is live unless a dead row says otherwise. A chunk moves the live rows of its keys from the
parts into memory, superseding them there, and gives back those of keys it did not change; so
a key's live rows are always in one place, and a night neither holds nor rewrites the whole
register. Rows are found through a u64 hash of the key; the hash
only narrows, every match is confirmed on the key itself, so a collision never mixes contracts.
The rows a chunk moves from the parts were confirmed on its key frame as they were read: their
segment remembers that frame, and the chunk's lookups with it take the segment's live rows as
they are, without a second join.

A contract's key names its participant (``SCOPE``), and a participant delivers its contracts in
its own files: so each part tonight wrote, each spill and each in-memory segment remembers the
participants of its keys, and a chunk of other participants (nearly every chunk of an initial
load) skips it without a lookup. The sets only ever grow (a dropped row leaves its participant
in), so a skip is always exact: it skips only where no key of the chunk can be.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import polars as pl

from pipeline.register.plan import Patch, no_rows
from pipeline.register.segments import IN_MEMORY
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import PART, ROW, TABLE_SCHEMAS, Register
from pipeline.register.transaction import GrowingPart, Holding

KEY_HASH = "key_hash"
ALIVE = "_alive"
SCOPE = CONTRACT_KEY[0]     # participant_code: the participant that delivers a contract

Scope = frozenset[str | None]       # the participants of some keys; None: not known, any
_last_asked: tuple[weakref.ref[pl.DataFrame], Scope | None] | None = None


def key_hash(columns: list[str] = CONTRACT_KEY) -> pl.Expr:
    return pl.struct(columns).hash(seed=20261123).alias(KEY_HASH)


def hashed_keys(frame: pl.DataFrame, key: list[str] = CONTRACT_KEY) -> pl.DataFrame:
    """The distinct keys of ``frame`` with their hash."""
    return frame.select(key).unique().with_columns(key_hash(key))


def scope_of(frame: pl.DataFrame) -> Scope | None:
    """The participants of ``frame``'s keys (a null one too); None when it has no ``SCOPE`` column.

    A chunk asks several tables about the same keys: the last frame's answer is kept (by identity,
    through a weak reference, so a new frame never gets an old answer)."""
    global _last_asked
    if _last_asked is not None and _last_asked[0]() is frame:
        return _last_asked[1]
    scope = participants(frame) if SCOPE in frame.columns else None
    _last_asked = (weakref.ref(frame), scope)
    return scope


def participants(frame: pl.DataFrame) -> Scope:
    """The participants of ``frame``'s keys (a null one too)."""
    return frozenset(frame[SCOPE].unique().to_list())


def may_meet(held: Scope | None, asked: Scope | None) -> bool:
    """Whether keys of the participants ``asked`` may be among keys of the participants ``held``."""
    return held is None or asked is None or not held.isdisjoint(asked)


@dataclass(frozen=True)
class Segment:
    """A contiguous frame of a ``KeyedTable``'s rows (its columns, KEY_HASH and ALIVE), the
    participants of its keys (None: not known, any), and, for rows a chunk read for a key frame
    and confirmed on the key there, that frame (by weak reference: a new frame never matches)."""

    rows: pl.DataFrame
    scope: Scope | None
    of_keys: weakref.ref[pl.DataFrame] | None = None

    def all_of(self, keys: pl.DataFrame) -> bool:
        """Whether every row is a row of a key in ``keys`` (the frame itself)."""
        return self.of_keys is not None and self.of_keys() is keys

    def live(self) -> int:
        return int(self.rows[ALIVE].sum())


class KeyedTable:
    """Rows per key (a contract, or a person), held in memory.

    A dropped row is only marked dead (ALIVE false) and new rows are appended as a segment, so a
    chunk that changes a few rows of a big table (the borrowers of an initial load) costs what
    it changes, not a copy of the table. Each segment is one contiguous frame: a mask column
    with other chunk bounds than its frame makes every filter gather slowly. Segments are kept
    compact as the register's parts are (``register.segments``, ``IN_MEMORY``).
    """

    def __init__(self, frame: pl.DataFrame, key: list[str] = CONTRACT_KEY) -> None:
        self.key = key
        self.columns = [c for c in frame.columns if c not in (KEY_HASH, ALIVE)]
        self.empty = self._prepared(frame.clear())
        self.segments: list[Segment] = []
        self._last: tuple[pl.DataFrame, list[Segment], list[pl.Series]] | None = None   # see _found
        self.add(frame)

    def _prepared(self, rows: pl.DataFrame) -> pl.DataFrame:
        """``rows`` as a segment: the table's columns, the key hash (kept when ``rows`` has it
        already, so rows read through their hash are not hashed again) and ALIVE."""
        hashed = pl.col(KEY_HASH) if KEY_HASH in rows.columns else key_hash(self.key)
        return rows.select(*self.columns, hashed, pl.lit(True).alias(ALIVE)).rechunk()

    @property
    def height(self) -> int:
        """Live rows."""
        return sum(seg.live() for seg in self.segments)

    def scope(self) -> Scope | None:
        """The participants of all its keys (None: not known, any)."""
        return _union([seg.scope for seg in self.segments])

    def where(self, near: pl.Expr, asked: Scope | None = None) -> pl.DataFrame:
        """Live rows matching ``near``, with the key hash (only in segments that may hold keys of
        the participants ``asked``)."""
        hits = [self.segments[i].rows.filter(near & pl.col(ALIVE)) for i in self._may_hold(asked)]
        if not hits:
            return self.empty.drop(ALIVE)
        return pl.concat(hits, how="vertical").drop(ALIVE)

    def _may_hold(self, asked: Scope | None) -> list[int]:
        """The segments that may hold keys of the participants ``asked``."""
        return [i for i, seg in enumerate(self.segments) if may_meet(seg.scope, asked)]

    def _hits(self, keys: pl.DataFrame) -> pl.Expr:
        return pl.col(KEY_HASH).is_in(keys[KEY_HASH].implode())

    def _found(self, keys: pl.DataFrame, where: pl.Expr | None = None) -> list[pl.Series]:
        """Per segment, the positions of the live rows of ``keys`` (matching ``where``): the hash
        narrows, the key decides, so a hash collision stays. Without ``where`` they are kept for
        the same key frame while the segments stay the same: a chunk lists its contracts' rows
        and then drops them, and the second time costs no join. A segment that holds no key of
        the frame's participants is not searched, and one whose rows were all read for this very
        key frame (``Segment.all_of``) is not joined again: all its live rows are the frame's."""
        last = self._last
        if (where is None and last is not None and last[0] is keys and len(last[1]) == len(self.segments)
                and all(a is b for a, b in zip(last[1], self.segments, strict=True))):
            return last[2]
        near = self._hits(keys) & pl.col(ALIVE)
        narrow = [*self.key, KEY_HASH, ALIVE] if where is None else pl.all()
        if where is not None:
            near = near & where
        searched = self._may_hold(self._asked(keys))
        known = {i for i in searched if where is None and self.segments[i].all_of(keys)}
        candidates = [self.segments[i].rows.select(narrow).with_row_index("_at").filter(near)
                      .select(*self.key, "_at", pl.lit(i, pl.UInt32).alias("_seg"))
                      for i in searched if i not in known]
        hits = {(i,): self.segments[i].rows.select(pl.col(ALIVE).arg_true().alias("_at")) for i in known}
        if candidates:      # one join for all segments: a chunk of two records costs no join per segment
            exact = pl.concat(candidates).join(keys.select(self.key), on=self.key, how="semi").sort("_seg", "_at")
            hits.update(exact.partition_by("_seg", as_dict=True))
        nowhere = pl.Series("_at", [], dtype=pl.get_index_type())
        found = [hits[(i,)]["_at"] if (i,) in hits else nowhere for i in range(len(self.segments))]
        if where is None:
            self._last = (keys, list(self.segments), found)
        return found

    def rows_of(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The rows of the keys in ``keys`` (a ``hashed_keys`` frame), without the hash."""
        if not self.segments or keys.height == 0:
            return self.empty.select(self.columns)
        found = self._found(keys)
        return pl.concat([seg.rows.select(self.columns).gather(at)
                          for seg, at in zip(self.segments, found, strict=True)], how="vertical")

    def drop(self, keys: pl.DataFrame, where: pl.Expr | None = None) -> None:
        """Remove the rows of the keys in ``keys`` (optionally only those matching ``where``)."""
        if keys.height == 0:
            return
        found = self._found(keys, where)
        self._last = None
        for i, (seg, exact) in enumerate(zip(self.segments, found, strict=True)):
            if exact.len() == 0:
                continue
            rows = seg.rows.with_columns(seg.rows[ALIVE].scatter(exact, False))
            if IN_MEMORY.mostly_dead(rows.height - int(rows[ALIVE].sum()), rows.height):
                rows = rows.filter(pl.col(ALIVE))
            self.segments[i] = replace(seg, rows=rows)     # its scope stays: a superset is still exact

    def _asked(self, keys: pl.DataFrame) -> Scope | None:
        return scope_of(keys) if SCOPE in self.key else None

    def add(self, rows: pl.DataFrame, of_keys: pl.DataFrame | None = None) -> None:
        """Append ``rows`` as a segment; ``of_keys``: a key frame that holds the key of every one
        of them (rows read for it and confirmed on the key), so ``_found`` need not join them."""
        if rows.height == 0:
            return
        self._last = None          # held positions would hold the segments a merge replaces
        self.segments.append(Segment(self._prepared(rows).cast(self.empty.schema),
                                     participants(rows) if SCOPE in self.key else None,
                                     None if of_keys is None else weakref.ref(of_keys)))
        start = IN_MEMORY.merge_from([seg.rows.height for seg in self.segments])
        if start is not None:       # merged rows have several origins: no key frame of their own
            merged = self.segments[start:]
            newer = pl.concat([seg.rows for seg in merged], how="vertical").filter(pl.col(ALIVE)).rechunk()
            self.segments = [*self.segments[:start], Segment(newer, _union([seg.scope for seg in merged]))]

    def table(self) -> pl.DataFrame:
        return self.where(pl.lit(True)).select(self.columns)

    def cleared(self) -> KeyedTable:
        return KeyedTable(self.empty, self.key)


def _union(scopes: list[Scope | None]) -> Scope | None:
    """The participants of several key sets (None, any, if one is not known)."""
    if any(scope is None for scope in scopes):
        return None
    return frozenset().union(*scopes)      # type: ignore[arg-type]


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
        self.spilled: list[Part] = []                  # per spill into it: its sorted key hashes

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
        so a key a part does not hold is never looked for there."""
        if self.held() == 0:
            return
        rows = self.tonight.where(pl.lit(True))
        if self.growing is None:
            self.growing = holding.growing_part(self.name)
        self.growing.add(rows)
        self.spilled.append(Part(self.growing.name, rows[KEY_HASH].unique().sort(), self.tonight.scope()))
        self.tonight = self.tonight.cleared()

    def before_reading(self, keys: pl.DataFrame) -> None:
        """Before a chunk reads the rows of ``keys`` (a ``hashed_keys`` frame): the growing part
        is closed and becomes a part like the others if it may hold one of them (in an initial
        load, seldom: only a contract delivered again in a later file)."""
        if self.growing is None or keys.height == 0:
            return
        asked = scope_of(keys)
        spills = [spill for spill in self.spilled if may_meet(spill.scope, asked)]
        if not spills:
            return
        keys = keys.sort(KEY_HASH)
        if any(spill.may_hold(keys, asked).height for spill in spills):
            self._close_growing(hashed=True)

    def _close_growing(self, hashed: bool) -> None:
        """The growing part, whole, among the parts (with its key hashes when it is still read)."""
        if self.growing is None:
            return
        hashes = pl.concat([spill.hashes for spill in self.spilled if spill.hashes is not None])
        scope = _union([spill.scope for spill in self.spilled])
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


def touch_all(tables: list[StoredTable], keys: pl.DataFrame) -> None:
    """Move the stored rows of ``keys`` into memory in several tables, reading their parts at once."""
    reads = [(table, table._read(keys)) for table in tables]
    queries = [query for _, query in reads if query is not None]
    found = iter(pl.collect_all(queries) if queries else [])
    for table, query in reads:
        if query is not None:
            table._take(next(found), keys)
