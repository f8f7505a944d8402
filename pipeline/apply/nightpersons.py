"""Tonight's persons: new ones numbered chunk by chunk, every report folded in once at the end.

A chunk matches its NEW rows against the register as it stood before the night; a row matching
nobody gets the new person of its key (GROUP_KEY), numbered the first time the night sees that
key. Only that narrow index of new persons stays in memory. The reports (NEW rows, CHANGE rows
with person fields, deaths) are kept, written out as scratch files sorted by the bucket of their
person once there are many; after the last chunk each range of buckets is folded into its
persons and written, so memory follows the chunk and the bucket, not the night (decision 38).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from contracts_schema.columns import PERSON_FIELDS
from pipeline.apply.persons import (
    FINE_BUCKETS,
    GROUP_KEY,
    MATCH,
    fold,
    new_persons,
    reported_addresses,
    unrecorded,
)
from pipeline.apply.tonight import KeyedTable, hashed_keys
from pipeline.register.state import ADDRESSES_SCHEMA, PERSONS_SCHEMA
from pipeline.register.store import PART, ROW, Register

NO_REPORTS = {"person_id": pl.Int64(), "event_date": pl.Date(), "file_idx": pl.Int32(), "line_no": pl.Int64(),
              **{f: PERSONS_SCHEMA[f] for f in PERSON_FIELDS}}
NUMBERED = {**{c: PERSONS_SCHEMA[c] for c in MATCH}, "group_extra": pl.String(), "person_id": pl.Int64()}


class ScratchSink(Protocol):
    def write_scratch(self, name: str, frame: pl.DataFrame) -> Path: ...


class Scratch:
    """Frames of one kind with a ``bucket`` column; written out sorted by bucket when many."""

    def __init__(self, name: str, sink: ScratchSink | None, limit: int) -> None:
        self.name, self.sink, self.limit = name, sink, limit
        self.frames: list[pl.DataFrame] = []
        self.paths: list[Path] = []
        self.held = 0
        self.rows = 0

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        self.frames.append(frame)
        self.held += frame.height
        self.rows += frame.height
        if self.sink is not None and self.held >= self.limit:
            self.paths.append(self.sink.write_scratch(self.name, pl.concat(self.frames).sort("bucket")))
            self.frames, self.held = [], 0

    def of_buckets(self, lo: int, hi: int) -> pl.DataFrame:
        """The rows of buckets ``lo`` to ``hi`` (exclusive)."""
        mine = (pl.col("bucket") >= lo) & (pl.col("bucket") < hi)
        parts = [pl.scan_parquet(p).filter(mine) for p in self.paths] + [f.lazy().filter(mine) for f in self.frames]
        return pl.concat(parts, how="vertical").collect() if parts else pl.DataFrame(schema=NO_REPORTS)

    def remove(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


@dataclass
class Resolved:
    """What the persons tables get besides the persons themselves."""

    superseded: list[pl.DataFrame] = field(default_factory=list)   # committed (PART, ROW) replaced
    addresses: list[pl.DataFrame] = field(default_factory=list)    # addresses new to the register


class NightPersons:
    """The persons a night creates (numbered as the chunks come) and its person reports."""

    def __init__(self, sink: ScratchSink | None, limit: int, next_id: int) -> None:
        self.resolve_rows = limit * 3 // 2          # reports resolved at once, about
        self.updates = Scratch("person-reports", sink, limit)
        self.deaths = Scratch("person-deaths", sink, limit)
        self.numbered = KeyedTable(pl.DataFrame(schema=NUMBERED), GROUP_KEY)
        self.first_id = self.next_id = next_id

    @property
    def reported(self) -> bool:
        return bool(self.updates.rows or self.deaths.rows)

    def person_ids(self, rows: pl.DataFrame) -> pl.Series:
        """Per NEW row of ``attach`` (in its order): its registered person, else the new person of
        its key, numbered here the first time the night sees the key (in delivery order)."""
        unmatched = rows.filter(pl.col("person_id").is_null())
        if unmatched.height == 0:
            return rows["person_id"]
        seen = self.numbered.rows_of(hashed_keys(unmatched, GROUP_KEY))
        fresh = (unmatched.join(seen, on=GROUP_KEY, how="anti", nulls_equal=True)
                 .group_by(GROUP_KEY).agg((pl.col("file_idx").cast(pl.Int64) * (1 << 32) + pl.col("line_no"))
                                          .min().alias("first"))
                 .sort("first").select(*GROUP_KEY, (pl.int_range(pl.len(), dtype=pl.Int64) + self.next_id)
                                       .alias("person_id")))
        self.numbered.add(fresh)
        self.next_id += fresh.height
        ids = pl.concat([seen, fresh]).rename({"person_id": "new_id"})
        return (rows.join(ids, on=GROUP_KEY, how="left", maintain_order="left", nulls_equal=True)
                .select(pl.coalesce("person_id", "new_id").alias("person_id"))["person_id"])

    def add(self, updates: pl.DataFrame, deaths: pl.DataFrame) -> None:
        self.updates.add(updates)
        self.deaths.add(deaths)

    def resolve(self, reg: Register) -> tuple[Resolved, Iterator[pl.DataFrame]]:
        """The night's changed and new persons, a range of buckets at a time (the iterator fills
        ``Resolved`` as it goes: consume it before reading that)."""
        ranges = 1
        while ranges < FINE_BUCKETS and self.updates.rows / ranges > self.resolve_rows:
            ranges *= 2
        out = Resolved()
        return out, self._persons(reg, out, FINE_BUCKETS // ranges)

    def _persons(self, reg: Register, out: Resolved, width: int) -> Iterator[pl.DataFrame]:
        committed = bool(reg.manifest.tables.get("persons"))
        for lo in range(0, FINE_BUCKETS, width):
            updates = self.updates.of_buckets(lo, lo + width)
            deaths = self.deaths.of_buckets(lo, lo + width)
            if updates.height == 0 and deaths.height == 0:
                continue
            named = pl.concat([updates["person_id"], deaths["person_id"]]).unique()
            base = [new_persons(named.filter(named >= self.first_id))]
            known = named.filter(named < self.first_id).to_frame()
            if committed and known.height:
                found = reg.locate("persons", known, ["person_id"]).collect()
                out.superseded.append(found.select(PART, ROW))
                base.append(found.drop(PART, ROW))
            yield fold(pl.concat(base, how="vertical_relaxed"), updates, deaths)
            out.addresses.append(_fresh(reg, reported_addresses(updates), committed))
        for scratch in (self.updates, self.deaths):
            scratch.remove()


def _fresh(reg: Register, reported: pl.DataFrame, committed: bool) -> pl.DataFrame:
    """Reported addresses, one a person and day (decision 39), that the register lacks."""
    known = pl.DataFrame(schema=ADDRESSES_SCHEMA)
    if committed and reported.height:
        known = (reg.scan("addresses").filter(pl.col("person_id").is_in(reported["person_id"].unique().implode()))
                 .collect())
    return unrecorded(known, reported)
