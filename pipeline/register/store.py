"""The register: Parquet tables named by one manifest, ``register/CURRENT`` (DESIGN 3).

This module reads: ``Register`` is one committed version, ``reading`` keeps it whole while it
is read, ``locked`` holds the one writer's ``flock`` on ``register/.lock``. The writer is
``transaction.Transaction``: a night writes only new files, then swaps CURRENT atomically (the
commit). Files CURRENT does not name are leftovers of a crashed run or superseded versions, and
``Register.clean`` deletes them under the lock.

A table is a list of parts minus dead rows (``segments``: the one way cki stores a table, on
disk and in memory). A night that changes some contracts writes their new rows as a new part and
marks their old rows dead in a small file per part (the manifest's ``dead``), so its writes
follow the night's work, not the register's size. A part that becomes mostly dead, or a table
with too many parts, is rewritten (compaction, ``segments.ON_DISK``); an erasure rewrites the parts that hold
erased rows (``Transaction.erase_rows``), so erased data is physically gone at the commit. So nobody reads
``data/`` as plain Parquet: ``cki export`` writes a snapshot that can be (``README.txt`` says so).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from contracts_schema.barometer import TABLES as BAROMETER_TABLES
from pipeline.errors import RunLocked
from pipeline.register import manifest
from pipeline.register.erase import PURGES_SCHEMA
from pipeline.register.locks import flocked
from pipeline.register.manifest import Manifest
from pipeline.register.plan import PART, ROW, Patch, Plan, Replace
from pipeline.register.segments import ON_DISK
from pipeline.register.state import (
    ADDRESSES_SCHEMA,
    BORROWERS_SCHEMA,
    CODES_SCHEMA,
    CONTRACT_ID,
    CONTRACTS_SCHEMA,
    HISTORY_SCHEMA,
    NUMBERED_TABLES,
    PERSONS_SCHEMA,
)

FILES_SCHEMA = {"run_id": pl.String(), "participant": pl.String(), "file": pl.String(),
                "kind": pl.String(), "seq": pl.Int64(), "sha256": pl.String(), "status": pl.String(),
                "records": pl.Int64(), "accepted": pl.Int64(), "rejected": pl.Int64(),
                "file_error": pl.String(), "answer": pl.String()}   # answer: its return files' name
RUNS_SCHEMA = {"run_id": pl.String(), "run_date": pl.Date(), "files": pl.Int64(),
               "records": pl.Int64(), "accepted": pl.Int64()}
CONSULTATIONS_SCHEMA = {"run_id": pl.String(), "consulted_on": pl.Date(), "participant_code": pl.String(),
                        "file": pl.String(), "request_id": pl.String(), "purpose": pl.String(),
                        "match_status": pl.String(), "person_id": pl.Int64()}
TABLE_SCHEMAS: dict[str, dict] = {
    "consultations": CONSULTATIONS_SCHEMA,
    "contracts": CONTRACTS_SCHEMA,
    "contract_history": HISTORY_SCHEMA,
    "borrowers": BORROWERS_SCHEMA,
    "codes": CODES_SCHEMA,
    "persons": PERSONS_SCHEMA,
    "addresses": ADDRESSES_SCHEMA,
    "files": FILES_SCHEMA,
    "runs": RUNS_SCHEMA,
    **{t.name: t.schema for t in BAROMETER_TABLES},     # the barometer history, kept for ever
    "purges": PURGES_SCHEMA,                            # keyed hashes of erased contracts
}
PURGE_KEY = "PURGE_KEY"        # the secret of the purge manifest's keyed hashes (never in data/)
DATA = "data"
MAX_PARTS = ON_DISK.max_segments      # a table with more parts than this has its newer parts merged


def live_rows(path: Path, dead: pl.Series, keep_row: bool = False) -> pl.LazyFrame:
    """A part without its ``dead`` row positions, lazily; with ``keep_row`` each row keeps its ROW.

    The reader's own row index, so later filters still reach the Parquet reader.
    """
    if dead.len() == 0 and not keep_row:
        return pl.scan_parquet(path)
    frame = pl.scan_parquet(path, row_index_name=ROW)
    if dead.len():
        frame = frame.filter(~pl.col(ROW).is_in(dead.implode()))
    return frame if keep_row else frame.drop(ROW)


NARROW_SEED = 20261129       # any: the hash never leaves the process that computes it


def narrowing(values: pl.Series) -> pl.Expr:
    """A filter the Parquet reader applies: the column takes one of ``values``. A text column is
    compared through its u64 hash, never stored (probing a set of integers costs about two thirds
    of probing a set of texts: 0.5 M contract numbers over 10.6 M rows, issue 17), so it only
    narrows: the caller joins on the text itself to decide."""
    column = pl.col(values.name)
    if values.dtype == pl.String:
        return column.hash(seed=NARROW_SEED).is_in(values.hash(seed=NARROW_SEED).unique().implode())
    return column.is_in(values.unique().implode())


def narrowing_on(keys: pl.DataFrame, columns: Sequence[str]) -> pl.Expr:
    """``narrowing`` by several columns at once, for a join where no one column narrows (a
    night's 0.1 M requests name nearly every surname and birth date of 7.3 M persons, but few of
    their pairs): the columns' hashes, seeded apart, XOR-ed into one u64. It only narrows: the
    join on the columns themselves decides (a row whose columns equal a key's hashes alike)."""
    combined = pl.col(columns[0]).hash(seed=NARROW_SEED)
    for i, name in enumerate(columns[1:], 1):
        combined = combined ^ pl.col(name).hash(seed=NARROW_SEED + i)
    return combined.is_in(keys.select(combined).to_series().unique().implode())


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the register's exclusive lock; a second run stops with a clear message."""
    root.mkdir(parents=True, exist_ok=True)
    with flocked(root / ".lock", wait=False) as held:
        if not held:
            raise RunLocked(f"another cki run holds the register lock ({root / '.lock'}); "
                            "it was not disturbed — try again when it has finished")
        yield


READERS = ".readers"        # shared-locked by every reader, exclusively by ``clean`` before it deletes


@contextmanager
def reading(root: Path) -> Iterator[Register]:
    """One committed version to read from, kept whole while it is read: a reader holds a shared
    lock that ``clean`` waits for before it deletes a part a commit replaced."""
    root.mkdir(parents=True, exist_ok=True)
    with flocked(root / READERS, shared=True):
        yield Register(root)


class Register:
    """A read view of one committed version of the register."""

    def __init__(self, root: Path, committed: Manifest | None = None) -> None:
        self.root = root
        self.manifest = manifest.read(root) if committed is None else committed
        self._dead: dict[str, pl.Series] = {}
        self._narrowed: tuple[pl.DataFrame, str, pl.Expr] | None = None    # the last keys' ``narrowing``

    @property
    def version(self) -> int:
        return self.manifest.version

    def files_of(self, name: str) -> list[Path]:
        names = self.manifest.events if name == "events" else self.manifest.tables.get(name, [])
        return [self.root / DATA / n for n in names]

    def next_person_id(self) -> int:
        """The id the next new person gets: above every id ever given, also to persons erased
        since (the consultation log still names them, and a reused id would show a new person
        who consulted somebody else). Registers from before the manifest kept it: above every id
        still held."""
        given = self.manifest.next_person_id
        if given is not None:
            return int(given)
        held = [self.scan(name).select(pl.col("person_id").max()).collect().item()
                for name in ("persons", "consultations")]
        return max((int(i) for i in held if i is not None), default=0) + 1

    def next_contract_id(self) -> int | None:
        """The id the next new contract gets (ids are never reused, as person ids); None for a
        register whose contracts are not numbered yet (written before contract ids: its parts
        lack the column until a night numbers them, ``Transaction.number_contracts``)."""
        given = self.manifest.next_contract_id
        if given is not None:
            return int(given)
        return None if any(self.manifest.tables.get(name) for name in NUMBERED_TABLES) else 1

    def purge_secret(self) -> str | None:
        """The secret the purge manifest's hashes are keyed with (none before the first purge)."""
        path = self.root / PURGE_KEY
        return path.read_text().strip() if path.exists() else None

    def read(self, name: str) -> pl.DataFrame:
        """A whole table (empty with its schema when the register has none yet)."""
        return self.scan(name).collect()

    def dead_rows(self, part: str) -> pl.Series:
        """Row positions of ``part`` that later parts superseded (read once per register version)."""
        dead = self.manifest.dead.get(part)
        if dead is None:
            return pl.Series(ROW, [], dtype=pl.get_index_type())
        if dead not in self._dead:
            self._dead[dead] = pl.read_parquet(self.root / DATA / dead)[ROW].cast(pl.get_index_type())
        return self._dead[dead]

    def scan(self, name: str, superseded: pl.DataFrame | None = None, tonight: Sequence[str] = ()) -> pl.LazyFrame:
        """The live rows of a table, lazily; ``superseded`` ((PART, ROW) rows replaced tonight) also go.
        ``tonight``: parts this night wrote already (not committed yet) that belong to the table."""
        frames = [self._live(part, superseded) for part in [*self.manifest.tables.get(name, []), *tonight]]
        if not frames:
            return pl.LazyFrame(schema=TABLE_SCHEMAS[name])
        return pl.concat(frames, how="vertical")

    def _dead_of(self, part: str, superseded: pl.DataFrame | None) -> pl.Series:
        """The part's dead rows, with those of ``superseded`` (PART, ROW) in it."""
        dead = self.dead_rows(part)
        if superseded is None or superseded.height == 0:
            return dead
        return pl.concat([dead, superseded.filter(pl.col(PART) == part)[ROW].cast(dead.dtype)])

    def _live(self, part: str, superseded: pl.DataFrame | None = None) -> pl.LazyFrame:
        return live_rows(self.root / DATA / part, self._dead_of(part, superseded))

    def locate(self, name: str, keys: pl.DataFrame, on: list[str], superseded: pl.DataFrame | None = None,
               parts: Sequence[str] | None = None) -> pl.LazyFrame:
        """The live rows whose ``on`` columns are in ``keys``, with the PART and ROW that hold them
        (``superseded`` as for ``scan``; ``parts``: only these, which may be parts a night holds
        and has not committed yet; by default the committed ones); a query, so several tables
        can be read at once (``pl.collect_all``)."""
        parts = self.manifest.tables.get(name, []) if parts is None else parts
        schema = {**TABLE_SCHEMAS[name], ROW: pl.get_index_type(), PART: pl.String()}
        if not parts or keys.height == 0:
            return pl.LazyFrame(schema=schema)
        unnumbered = name in NUMBERED_TABLES and self.next_contract_id() is None
        wanted = keys.select(on)         # a semi join needs no distinct keys: no sort of the texts
        # the last key column narrows inside the reader; the join on the whole key decides
        near = self._narrowing(keys, on[-1])
        confirm = len(on) > 1 or wanted[on[-1]].dtype == pl.String
        frames = []
        for part in parts:
            frame = live_rows(self.root / DATA / part, self._dead_of(part, superseded), keep_row=True).filter(near)
            if confirm:
                frame = frame.join(wanted.lazy(), on=on, how="semi")
            if unnumbered:         # a register before contract ids (a dry run on it): no id yet
                frame = frame.with_columns(pl.lit(None, pl.Int64).alias(CONTRACT_ID))
            frames.append(frame.with_columns(pl.lit(part).alias(PART)))
        return pl.concat(frames, how="vertical").select(list(schema))

    def _narrowing(self, keys: pl.DataFrame, column: str) -> pl.Expr:
        """``narrowing`` of ``keys[column]``, hashed once when several tables are located by the
        same keys (a chunk reads contracts, borrowers and codes of one key frame). The frame is
        held, so its identity cannot be reused by another."""
        last = self._narrowed
        if last is None or last[0] is not keys or last[1] != column:
            last = self._narrowed = (keys, column, narrowing(keys[column]))
        return last[2]

    def rows_in(self, part: str) -> int:
        return pl.scan_parquet(self.root / DATA / part).select(pl.len()).collect().item()

    def scan_events(self, tonight: Sequence[str] = ()) -> pl.LazyFrame | None:
        """The events, with parts tonight holds already (``tonight``); None when there are none."""
        paths = [*self.files_of("events"), *(self.root / DATA / n for n in tonight)]
        return pl.scan_parquet(paths) if paths else None

    def planned(self, plan: Plan, name: str, erased: bool = True) -> pl.LazyFrame:
        """A table as it stands after ``plan`` (before the commit), lazily; without what the plan
        erases unless ``erased`` is False."""
        change = plan.changes.get(name)
        if isinstance(change, Replace):
            frame = change.rows.lazy()
        elif change is None:
            frame = self.scan(name)
        else:
            gone = change.superseded if isinstance(change, Patch) else None
            # diagonal: the stored rows of a register not numbered yet lack tonight's contract_id (a dry run)
            frame = pl.concat([self.scan(name, gone, change.held), change.rows.lazy()], how="diagonal_relaxed")
        return plan.erasure.kept(name, frame) if erased else frame

    def named_files(self) -> set[str]:
        names = set(self.manifest.events)
        for parts in self.manifest.tables.values():
            names.update(parts)
        names.update(self.manifest.dead.values())
        return names

    def clean(self, wait: bool = True) -> None:
        """Delete data files that CURRENT does not name (crashed or superseded). Lock held; waits
        until no reader holds an older version (readers take a moment, not a night), or, without
        ``wait``, leaves them for the next clean while one does."""
        folder = self.root / DATA
        if not folder.is_dir():
            return
        keep = self.named_files()
        with flocked(self.root / READERS, wait=wait) as alone:     # no reader holds an older version
            if not alone:
                return
            for entry in os.scandir(folder):
                if entry.name not in keep:
                    os.unlink(entry.path)
