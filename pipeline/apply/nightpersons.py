"""Tonight's persons: new ones numbered chunk by chunk, every report folded in once at the end.

A chunk matches its NEW rows against the register as it stood before the night; a row matching
nobody gets the new person of its key (GROUP_KEY), numbered the first time the night sees that
key. Only that narrow index of new persons stays in memory, found through a sorted hash of the
key (``keyindex``), so a chunk costs what its own keys cost, not what the night numbered before
it; it is let go when the chunks are done. The reports (NEW rows, CHANGE rows with person
fields, deaths) are kept, written out as scratch files sorted by the bucket of their person once
there are many; after the last chunk each range of buckets is sorted once by person and report
order, folded into its persons and written, so memory follows the chunk and the bucket, not the
night (decision 38).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contracts_schema.columns import PERSON_FIELDS
from pipeline.apply.keyedtable import KEY_HASH, key_hash
from pipeline.apply.keyindex import IDX, KeyIndex
from pipeline.apply.persons import (
    FINE_BUCKETS,
    GROUP_KEY,
    MATCH,
    addresses_in_order,
    fold_in_order,
    in_report_order,
    new_persons,
    unrecorded,
)
from pipeline.register.state import ADDRESSES_SCHEMA, PERSONS_SCHEMA
from pipeline.register.store import PART, ROW, Register
from pipeline.register.transaction import Holding

NO_REPORTS = {"person_id": pl.Int64(), "event_date": pl.Date(), "file_idx": pl.Int32(), "line_no": pl.Int64(),
              **{f: PERSONS_SCHEMA[f] for f in PERSON_FIELDS}}
NUMBERED = {**{c: PERSONS_SCHEMA[c] for c in MATCH}, "group_extra": pl.String()}
FIRST = "first_line"        # (file_idx, line_no) as one Int64: where a key first appears tonight


class Scratch:
    """Frames of one kind with a ``bucket`` column; written out sorted by bucket when many.

    The frames held are written out when another frame comes to join them at or above the
    limit, not as soon as they reach it: the last frames of a night are never written only to be
    read straight back (a small load's reports all went through a file). Held rows stay below
    the limit plus one frame.
    """

    def __init__(self, name: str, sink: Holding | None, limit: int) -> None:
        self.name, self.sink, self.limit = name, sink, limit
        self.frames: list[pl.DataFrame] = []
        self.paths: list[Path] = []
        self.held = 0
        self.rows = 0

    def add(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        if self.sink is not None and self.held >= self.limit:
            self.paths.append(self.sink.write_scratch(self.name, pl.concat(self.frames).sort("bucket")))
            self.frames, self.held = [], 0
        self.frames.append(frame)
        self.held += frame.height
        self.rows += frame.height

    def of_buckets(self, lo: int, hi: int) -> pl.DataFrame:
        """The rows of buckets ``lo`` to ``hi`` (exclusive). The last range (``hi`` the last
        bucket) lets go of the frames held: no range reads them again."""
        mine = (pl.col("bucket") >= lo) & (pl.col("bucket") < hi)
        every = lo == 0 and hi >= FINE_BUCKETS          # nothing to filter
        written = [self.sink.scan_scratch(p) for p in self.paths] if self.sink is not None else []
        parts = [part if every else part.filter(mine) for part in [*written, *(f.lazy() for f in self.frames)]]
        if hi >= FINE_BUCKETS:
            self.frames, self.held = [], 0
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

    def __init__(self, sink: Holding | None, limit: int, next_id: int) -> None:
        self.resolve_rows = limit * 3 // 2          # reports resolved at once, about
        self.updates = Scratch("person-reports", sink, limit)
        self.deaths = Scratch("person-deaths", sink, limit)
        self.numbered = KeyIndex(NUMBERED)         # the night's new persons: the key of id first_id + i at i
        self.first_id = self.next_id = next_id

    @property
    def reported(self) -> bool:
        return bool(self.updates.rows or self.deaths.rows)

    def person_ids(self, rows: pl.DataFrame) -> pl.Series:
        """Per NEW row of ``attach`` (in its order): its registered person, else the new person of
        its key, numbered here the first time the night sees the key (in delivery order)."""
        todo = rows.select(pl.arg_where(pl.col("person_id").is_null())).to_series()
        if todo.len() == 0:
            return rows["person_id"]
        whole = todo.len() == rows.height                 # an initial load: nobody is registered yet
        asked = (rows if whole else rows.select(pl.all().gather(todo))).select(
            *GROUP_KEY, key_hash(GROUP_KEY), (pl.col("file_idx").cast(pl.Int64) * (1 << 32) + pl.col("line_no"))
            .alias(FIRST))
        keys, of_row = distinct_keys(asked)
        ids = self._numbers(keys).gather(of_row["key"]) + self.first_id
        return rows["person_id"].clone().scatter(of_row["row"] if whole else todo.gather(of_row["row"]), ids)

    def _numbers(self, keys: pl.DataFrame) -> pl.Series:
        """Per key of ``distinct_keys``: its number in the index; a key not there yet is added,
        in the order of the first line of each."""
        numbers = self.numbered.find(keys)
        fresh = numbers.is_null().arg_true()
        fresh = fresh.gather(keys[FIRST].gather(fresh).arg_sort())
        start = self.numbered.height
        self.numbered.add(keys.select(pl.all().gather(fresh)))
        self.next_id = self.first_id + self.numbered.height
        return numbers.scatter(fresh, pl.int_range(start, self.numbered.height, dtype=pl.Int64, eager=True))

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
        self.numbered = KeyIndex(NUMBERED)       # no chunk asks any more: let go of the night's keys
        return out, self._persons(reg, out, FINE_BUCKETS // ranges)

    def _persons(self, reg: Register, out: Resolved, width: int) -> Iterator[pl.DataFrame]:
        committed = bool(reg.manifest.tables.get("persons"))
        for lo in range(0, FINE_BUCKETS, width):
            updates = self.updates.of_buckets(lo, lo + width)
            deaths = self.deaths.of_buckets(lo, lo + width)
            if updates.height == 0 and deaths.height == 0:
                continue
            ordered = in_report_order(updates)
            del updates
            named = pl.concat([ordered["person_id"], deaths["person_id"]]).unique().sort()
            reported = addresses_in_order(ordered)
            found, known = self._committed(reg, named, reported, committed)
            yield fold_in_order(self._base(out, found, named), ordered, deaths)
            out.addresses.append(unrecorded(known, reported))
        for scratch in (self.updates, self.deaths):
            scratch.remove()

    def _committed(self, reg: Register, named: pl.Series, reported: pl.DataFrame,
                   committed: bool) -> tuple[pl.DataFrame | None, pl.DataFrame]:
        """The committed rows the reports need, read at once (``pl.collect_all``): the registered
        persons of the ``named`` ids, with PART and ROW (None: none), and the addresses the register
        holds for the persons of the ``reported`` addresses (only registered persons can have any)."""
        known = named.filter(named < self.first_id).to_frame()
        lived = reported["person_id"].unique()
        lived = lived.filter(lived < self.first_id)
        queries = {}
        if committed and known.height:
            queries["persons"] = reg.locate("persons", known, ["person_id"])
        if committed and lived.len():
            queries["addresses"] = reg.scan("addresses").filter(pl.col("person_id").is_in(lived.implode()))
        read = dict(zip(queries, pl.collect_all(list(queries.values())), strict=True)) if queries else {}
        return read.get("persons"), read.get("addresses", pl.DataFrame(schema=ADDRESSES_SCHEMA))

    def _base(self, out: Resolved, found: pl.DataFrame | None, named: pl.Series) -> pl.DataFrame:
        """The persons the reports name (``named``, sorted ids) as they stand before tonight,
        sorted by id: the registered ones as committed (``found``, their rows superseded), the new
        ones empty."""
        base = []
        if found is not None:
            out.superseded.append(found.select(PART, ROW))
            base.append(found.drop(PART, ROW).sort("person_id"))
        base.append(new_persons(named.filter(named >= self.first_id)))
        # registered ids lie below first_id and the new ones from it on: each part sorted, so the whole
        return pl.concat(base, how="vertical_relaxed").with_columns(pl.col("person_id").set_sorted())


def distinct_keys(asked: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The distinct GROUP_KEYs of ``asked`` (GROUP_KEY, KEY_HASH, FIRST per row), sorted by hash,
    with the first line of each; and per row of ``asked`` ("row") the row of its key ("key").

    Sorted by (hash, line): a key's rows follow each other, its first line first, and each row's
    text is compared with the row before it when their hashes are the same. Only if two keys of
    the chunk share a hash is the text itself grouped (``text_keys``).
    """
    rows = asked.with_row_index("row").sort(KEY_HASH, FIRST)
    start = rows.select(pl.col(KEY_HASH).ne_missing(pl.col(KEY_HASH).shift(1))).to_series()
    same = rows.select(pl.all_horizontal([pl.col(c).eq_missing(pl.col(c).shift(1)) for c in GROUP_KEY])).to_series()
    if not (start | same).all():
        return text_keys(asked)
    keys = rows.filter(start).select(*GROUP_KEY, KEY_HASH, FIRST)
    return keys, rows.select("row", (start.cum_sum() - 1).cast(IDX).alias("key"))


def text_keys(asked: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``distinct_keys`` grouped on the text (nulls equal, as the rows of one key)."""
    keys = asked.group_by(GROUP_KEY).agg(pl.col(KEY_HASH).first(), pl.col(FIRST).min()).sort(KEY_HASH)
    rows = asked.with_row_index("row").join(keys.select(*GROUP_KEY, pl.int_range(pl.len(), dtype=IDX).alias("key")),
                                            on=GROUP_KEY, how="left", nulls_equal=True)
    return keys, rows.select("row", "key")
