"""Text keys numbered in the order they come, found again through a sorted u64 hash (issue 17).

A night numbers its new persons chunk by chunk and must find, in every later chunk, the keys it
numbered before (``nightpersons``). A scan of every key held makes each chunk cost what the
night has numbered so far. Here the keys' hashes are kept sorted, in a few runs that are merged
as they grow (like the digits of a binary counter, so each key is merged about log2(chunks)
times), and a chunk's keys, sorted by hash too, are joined to each run: both sides sorted, so
Polars merges them instead of building a hash table of the run. A hash only narrows: the text
of every hash match is compared, so a collision never joins two keys. A key with a null never
matches (as in a join).
"""

from __future__ import annotations

import operator
from functools import reduce

import polars as pl

from pipeline.apply.keyedtable import KEY_HASH  # the hash every keyed table of tonight narrows by

IDX = pl.get_index_type()
_AT = "_at"           # a key's number: its row in ``KeyIndex.texts``
_ASKED = "_asked"     # a row of the frame asked about


class KeyIndex:
    """Keys numbered 0, 1, 2, ... in the order ``add`` gets them; ``find`` gives a key's number."""

    def __init__(self, schema: dict[str, pl.DataType]) -> None:
        self.key = list(schema)
        self.texts = pl.DataFrame(schema=schema)       # the key numbered i is row i
        self.runs: list[pl.DataFrame] = []             # (KEY_HASH, _AT), each sorted by KEY_HASH

    @property
    def height(self) -> int:
        return self.texts.height

    def find(self, keys: pl.DataFrame) -> pl.Series:
        """Per row of ``keys`` (the key columns and KEY_HASH; sorted by it costs no sort): the number
        of the same key, or null."""
        found = pl.repeat(None, keys.height, dtype=pl.Int64, eager=True).alias(_AT)     # no Python list
        if not self.runs or keys.height == 0:
            return found
        asked = keys.select(KEY_HASH, pl.int_range(pl.len(), dtype=IDX).alias(_ASKED)).sort(KEY_HASH)
        near = pl.concat([asked.join(run, on=KEY_HASH, how="inner") for run in self.runs], how="vertical")
        same = [keys[c].gather(near[_ASKED]) == self.texts[c].gather(near[_AT]) for c in self.key]
        hits = near.filter(reduce(operator.and_, same))      # a null is no match
        return found.scatter(hits[_ASKED], hits[_AT])

    def add(self, keys: pl.DataFrame) -> None:
        """Number ``keys`` (the key columns and KEY_HASH) from ``height`` on, in their order."""
        if keys.height == 0:
            return
        at = pl.int_range(self.height, self.height + keys.height, dtype=pl.Int64).alias(_AT)
        self.runs.append(keys.select(KEY_HASH, at).sort(KEY_HASH))
        self.texts = pl.concat([self.texts, keys.select(self.key)], how="vertical", rechunk=False)
        while len(self.runs) > 1 and self.runs[-2].height <= self.runs[-1].height:
            newer = self.runs.pop()
            merged = self.runs[-1].merge_sorted(newer, KEY_HASH)      # two sorted runs make a sorted one
            self.runs[-1] = merged.with_columns(pl.col(KEY_HASH).set_sorted())
