"""Tonight's rows per key in memory (``KeyedTable``), and what they are found by: the u64 hash of
a key, and the participants of a set of keys.

The hash only narrows: every match is confirmed on the key itself, so a collision never mixes
contracts. A contract's key names its participant (``SCOPE``), and a participant delivers its
contracts in its own files: so each in-memory segment remembers the participants of its keys,
and a chunk of other participants skips it without a lookup. The sets only ever grow (a dropped
row leaves its participant in), so a skip is always exact. Rows a chunk read for a key frame and
confirmed on the key there remember that frame, and the chunk's lookups with it take them as
they are, without a second join.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import polars as pl

from pipeline.register.segments import IN_MEMORY
from pipeline.register.state import CONTRACT_KEY

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
        return union_of([seg.scope for seg in self.segments])

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
            self.segments = [*self.segments[:start], Segment(newer, union_of([seg.scope for seg in merged]))]

    def table(self) -> pl.DataFrame:
        return self.where(pl.lit(True)).select(self.columns)

    def cleared(self) -> KeyedTable:
        return KeyedTable(self.empty, self.key)


def union_of(scopes: list[Scope | None]) -> Scope | None:
    """The participants of several key sets (None, any, if one is not known)."""
    if any(scope is None for scope in scopes):
        return None
    return frozenset().union(*scopes)      # type: ignore[arg-type]
