"""Tonight's person reports, gathered chunk by chunk and resolved once after the last chunk.

A chunk matches its NEW rows against the register as it stood before the night and hands over
what it learnt about persons: the reports (NEW and CHANGE rows with person fields, by person id
or stand-in), the deaths, and the NEW rows that matched nobody. Held rows are written out as
scratch files once there are many, sorted by bucket, so the resolution reads one range of
buckets at a time and memory follows the bucket, not the night (decision 38).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from pipeline.persons import (
    ADDRESSES_SCHEMA,
    FINE_BUCKETS,
    PERSON_FIELDS,
    PERSONS_SCHEMA,
    fold,
    new_persons,
    number_new,
    reported_addresses,
)
from pipeline.register import PART, ROW, Register

NO_REPORTS = {"person_id": pl.Int64(), "event_date": pl.Date(), "file_idx": pl.Int32(), "line_no": pl.Int64(),
              **{f: PERSONS_SCHEMA[f] for f in PERSON_FIELDS}}


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

    def of_buckets(self, lo: int, hi: int) -> pl.DataFrame | None:
        """The rows of buckets ``lo`` to ``hi`` (exclusive); None when there are none at all."""
        mine = (pl.col("bucket") >= lo) & (pl.col("bucket") < hi)
        parts = [pl.scan_parquet(p).filter(mine) for p in self.paths] + [f.lazy().filter(mine) for f in self.frames]
        return pl.concat(parts, how="vertical").collect() if parts else None

    def remove(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


@dataclass
class Resolved:
    """The night's persons, resolved: stand-in → id, and what the persons tables get."""

    ids: pl.DataFrame                                   # (ref, person_id) of every stand-in
    superseded: list[pl.DataFrame] = field(default_factory=list)   # committed (PART, ROW) replaced
    addresses: list[pl.DataFrame] = field(default_factory=list)    # addresses new to the register
    next_id: int = 1


class NightPersons:
    """What a night's chunks report about persons, until ``resolve``."""

    def __init__(self, sink: ScratchSink | None, limit: int) -> None:
        self.resolve_rows = limit * 3 // 2          # rows resolved at once, about
        self.updates = Scratch("person-reports", sink, limit)
        self.deaths = Scratch("person-deaths", sink, limit)
        self.unmatched = Scratch("person-new", sink, limit)

    @property
    def reported(self) -> bool:
        return bool(self.updates.rows or self.deaths.rows)

    def add(self, updates: pl.DataFrame, deaths: pl.DataFrame, unmatched: pl.DataFrame) -> None:
        self.updates.add(updates)
        self.deaths.add(deaths)
        self.unmatched.add(unmatched)

    def resolve(self, reg: Register, next_id: int) -> tuple[Resolved, Iterator[pl.DataFrame]]:
        """The resolution, and the night's changed and new persons, a range of buckets at a time
        (the iterator fills ``Resolved`` as it goes: consume it before reading that)."""
        out = Resolved(pl.DataFrame(schema={"ref": pl.Int64, "person_id": pl.Int64}), next_id=next_id)
        ranges = 1
        while ranges < FINE_BUCKETS and (self.updates.rows + self.unmatched.rows) / ranges > self.resolve_rows:
            ranges *= 2
        width = FINE_BUCKETS // ranges
        return out, self._persons(reg, out, width)

    def _persons(self, reg: Register, out: Resolved, width: int) -> Iterator[pl.DataFrame]:
        committed = bool(reg.manifest["tables"].get("persons"))
        maps = []
        for lo in range(0, FINE_BUCKETS, width):
            unmatched = self.unmatched.of_buckets(lo, lo + width)
            updates = self.updates.of_buckets(lo, lo + width)
            deaths = self.deaths.of_buckets(lo, lo + width)
            if updates is None and deaths is None:
                continue
            ids = number_new(unmatched, out.next_id) if unmatched is not None else out.ids.clear()
            created = ids["person_id"].unique()
            out.next_id += created.len()
            maps.append(ids)
            updates = with_ids(updates, ids) if updates is not None else None
            deaths = with_ids(deaths, ids) if deaths is not None else None
            known = pl.concat([f.select("person_id") for f in (updates, deaths) if f is not None]).unique()
            known = known.filter((pl.col("person_id") >= 0) & ~pl.col("person_id").is_in(created.implode()))
            base = [new_persons(created)]
            if committed and known.height:
                found = reg.locate("persons", known, ["person_id"]).collect()
                out.superseded.append(found.select(PART, ROW))
                base.append(found.drop(PART, ROW))
            yield fold(pl.concat(base, how="vertical_relaxed"),
                       updates if updates is not None else pl.DataFrame(schema=NO_REPORTS),
                       deaths if deaths is not None else pl.DataFrame(schema=NO_REPORTS))
            if updates is not None:
                out.addresses.append(_fresh(reg, reported_addresses(updates), committed))
        if maps:
            out.ids = pl.concat(maps)
        for scratch in (self.updates, self.deaths, self.unmatched):
            scratch.remove()


def with_ids(frame: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s stand-in person ids replaced by the ids of the new persons they became."""
    return (frame.join(ids.rename({"person_id": "new_id"}), left_on="person_id", right_on="ref", how="left")
            .with_columns(pl.coalesce("new_id", "person_id").alias("person_id")).drop("new_id"))


def _fresh(reg: Register, reported: pl.DataFrame, committed: bool) -> pl.DataFrame:
    """Reported addresses the register does not hold yet for their person."""
    if not committed or reported.height == 0:
        return reported
    place = ["person_id", "postcode_key", "house_number", "house_number_suffix"]
    known = (reg.scan("addresses").filter(pl.col("person_id").is_in(reported["person_id"].unique().implode()))
             .select(place).collect())
    return reported.join(known, on=place, how="anti", nulls_equal=True).select(list(ADDRESSES_SCHEMA))
