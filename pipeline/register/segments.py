"""How a table is stored, on disk and in memory alike: segments minus dead rows.

A segment is a block of rows that is never edited in place: a Parquet part (committed, or held by
the transaction for tonight) or a frame in memory. A row leaves a table by being marked dead (on
disk a position in the part's dead-row file, in memory a cleared bit of the segment's alive mask)
and comes in as part of a new segment. One policy keeps both compact: a segment more than
``max_dead_share`` dead is rewritten without its dead rows, and a table of more than
``max_segments`` segments has its newer ones merged into one, and all of them once that merged
tail has grown as large as the first, so the big old segment is rewritten seldom (as an LSM tree
does). Disk and memory differ only in the numbers: rewriting a part costs a write and an fsync.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Compaction:
    """When a segment is rewritten without its dead rows, and when segments are merged."""

    max_dead_share: float
    max_segments: int

    def mostly_dead(self, dead: int, rows: int) -> bool:
        return dead > self.max_dead_share * rows

    def merge_from(self, sizes: list[int]) -> int | None:
        """The first of the segments (by position) to merge into one, or None while there are few:
        those after the first, or all once their rows outnumber the first's."""
        if len(sizes) <= self.max_segments:
            return None
        return 0 if sum(sizes[1:]) >= sizes[0] else 1


ON_DISK = Compaction(max_dead_share=0.3, max_segments=4)
IN_MEMORY = Compaction(max_dead_share=0.25, max_segments=32)
