"""The register: Parquet tables named by one manifest, ``register/CURRENT`` (DESIGN 3).

A night writes only new files, then swaps CURRENT atomically: that swap is the commit. Files
CURRENT does not name are leftovers of a crashed run or superseded versions, and are deleted
under the lock. One writer at a time: an exclusive ``flock`` on ``register/.lock``.

A table is a list of parts. A night that changes some contracts writes their new rows as a new
part and marks their old rows dead in a small file per part (the manifest's ``dead``), so its
writes follow the night's work, not the register's size. A part that becomes mostly dead, or a
table with too many parts, is rewritten (compaction); an erasure rewrites the parts that hold
erased rows (``erase_rows``), so erased data is physically gone at the commit. So nobody reads
``data/`` as plain Parquet: ``cki export`` writes a snapshot that can be (``README.txt`` says so).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from contracts_schema.barometer import TABLES as BAROMETER_TABLES
from pipeline import faults, fsio
from pipeline.errors import RunLocked
from pipeline.register import manifest
from pipeline.register.erase import PURGES_SCHEMA
from pipeline.register.locks import flocked
from pipeline.register.manifest import Manifest, PublishPlan
from pipeline.register.state import (
    ADDRESSES_SCHEMA,
    BORROWERS_SCHEMA,
    CODES_SCHEMA,
    CONTRACTS_SCHEMA,
    HISTORY_SCHEMA,
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
PART, ROW = "_part", "_row"          # where a located row lives: its part file and row position
MAX_DEAD_SHARE = 0.3                  # a part with more dead rows than this is rewritten
MAX_PARTS = 4                         # a table with more parts than this has its newer parts merged


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
               tonight: Sequence[str] = (), committed: bool = True) -> pl.LazyFrame:
        """The live rows whose ``on`` columns are in ``keys``, with the PART and ROW that hold them
        (``superseded`` and ``tonight`` as for ``scan``; ``committed=False`` looks in ``tonight``
        only); a query, so several tables can be read at once (``pl.collect_all``)."""
        parts = [*(self.manifest.tables.get(name, []) if committed else []), *tonight]
        schema = {**TABLE_SCHEMAS[name], ROW: pl.get_index_type(), PART: pl.String()}
        if not parts or keys.height == 0:
            return pl.LazyFrame(schema=schema)
        wanted = keys.select(on).unique()
        # the last key column narrows inside the reader; the join on the whole key decides
        near = pl.col(on[-1]).is_in(wanted[on[-1]].unique().implode())
        frames = []
        for part in parts:
            frame = live_rows(self.root / DATA / part, self._dead_of(part, superseded), keep_row=True).filter(near)
            if len(on) > 1:
                frame = frame.join(wanted.lazy(), on=on, how="semi")
            frames.append(frame.with_columns(pl.lit(part).alias(PART)))
        return pl.concat(frames, how="vertical").select(list(schema))

    def rows_in(self, part: str) -> int:
        return pl.scan_parquet(self.root / DATA / part).select(pl.len()).collect().item()

    def scan_events(self) -> pl.LazyFrame | None:
        paths = self.files_of("events")
        return pl.scan_parquet(paths) if paths else None

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


class Transaction:
    """The new files of one night; ``commit`` makes them the register in one atomic swap."""

    def __init__(self, register: Register, run_id: str) -> None:
        self.register = register
        self.run_id = run_id
        self.tables = {k: list(v) for k, v in register.manifest.tables.items()}
        self.events = list(register.manifest.events)
        self.dead: dict[str, str] = dict(register.manifest.dead)   # part → its dead-rows file
        self.next_person_id = register.next_person_id()
        self.written = 0
        (register.root / DATA).mkdir(parents=True, exist_ok=True)

    def _name(self, name: str, part: int = 0) -> str:
        self.written += 1      # a unique name even when a table is written more than once tonight
        return f"{name}-{self.run_id}-{part}-{self.written}.parquet"

    def _write(self, name: str, frame: pl.DataFrame | pl.LazyFrame, part: int = 0) -> str:
        file_name = self._name(name, part)
        fsio.write_parquet(self.register.root / DATA / file_name, frame)
        faults.point("table_written")
        return file_name

    def write_frames(self, name: str, frames: Iterable[pl.DataFrame]) -> str:
        """Write a table's rows that come a batch at a time as one part (``update`` takes it)."""
        file_name = self._name(name)
        fsio.write_parquet_frames(self.register.root / DATA / file_name, frames, TABLE_SCHEMAS[name])
        faults.point("table_written")
        return file_name

    def write_scratch(self, name: str, frame: pl.DataFrame) -> Path:
        """A file tonight reads back before the commit; never part of the register."""
        path = self.register.root / DATA / self._name(f"scratch-{name}")
        fsio.write_scratch_parquet(path, frame)
        return path

    def write_part(self, name: str, frame: pl.DataFrame) -> str:
        """Write rows of a table that the night will hand to ``update`` (a night that spills)."""
        frame = frame.select(list(TABLE_SCHEMAS[name])).cast(TABLE_SCHEMAS[name])
        return self._write(name, frame, 0)

    def update(self, name: str, superseded: pl.DataFrame, rows: pl.DataFrame, written: Sequence[str] = ()) -> None:
        """Tonight's ``rows`` (and the parts ``written`` already) replace the ``superseded``
        (PART, ROW) rows of a table.

        Only the new rows and each touched part's list of dead rows are written; a part that
        becomes mostly dead is rewritten without them, and a table of many parts as one.
        """
        self.tables.setdefault(name, []).extend(written)
        for (part,), group in superseded.partition_by(PART, as_dict=True).items():
            rows_dead = pl.concat([self.register.dead_rows(part), group[ROW].cast(pl.get_index_type())]).unique()
            if rows_dead.len() > MAX_DEAD_SHARE * self.register.rows_in(part):
                live = self.register._live(part, group).collect()
                parts = self.tables[name]
                parts[parts.index(part)] = self._write(name, live, parts.index(part))
                self.dead.pop(part, None)
            else:
                self.dead[part] = self._write(f"dead-{part.removesuffix('.parquet')}",
                                              rows_dead.sort().to_frame(ROW))
        self.append(name, rows)
        if len(self.tables[name]) > MAX_PARTS:
            self._compact(name)

    def _compact(self, name: str) -> None:
        """Merge the parts after the first (the big, old one) into one; all of them once the
        merged tail outgrows the first. A night pays for this about once in MAX_PARTS nights."""
        parts = self.tables[name]
        sizes = [self.register.rows_in(p) for p in parts]
        merge = parts if sum(sizes[1:]) >= sizes[0] else parts[1:]
        frames = []
        for part in merge:
            dead_file = self.dead.pop(part, None)    # tonight's list of the part's dead rows, if any
            dead = (pl.read_parquet(self.register.root / DATA / dead_file)[ROW] if dead_file
                    else pl.Series(ROW, [], dtype=pl.get_index_type()))
            frames.append(live_rows(self.register.root / DATA / part, dead))
        kept = [p for p in parts if p not in merge]
        self.tables[name] = [*kept, self._write(name, pl.concat(frames, how="vertical"), len(kept))]

    def replace(self, name: str, frame: pl.DataFrame) -> None:
        frame = frame.select(list(TABLE_SCHEMAS[name])).cast(TABLE_SCHEMAS[name])
        for part in self.tables.get(name, []):
            self.dead.pop(part, None)
        self.tables[name] = [self._write(name, frame)]

    def append(self, name: str, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        frame = frame.select(list(TABLE_SCHEMAS[name])).cast(TABLE_SCHEMAS[name])
        parts = self.tables.setdefault(name, [])
        parts.append(self._write(name, frame, len(parts)))
        if len(parts) > MAX_PARTS:
            self._compact(name)

    def append_events(self, frame: pl.DataFrame) -> str | None:
        """Write one part of tonight's events (a night writes them chunk by chunk)."""
        if frame.height == 0:
            return None
        name = self._write("events", frame, len(self.events))
        self.events.append(name)
        return name

    def rewrite_events(self, name: str, frame: pl.DataFrame) -> None:
        """Replace one of tonight's event parts (a later chunk erased some of its contracts)."""
        i = self.events.index(name)
        self.events[i] = self._write("events-tonight", frame, i)

    def view(self) -> Register:
        """The register as this transaction leaves it so far: its parts written, not committed
        (so a stage after the writes reads files, not the night's rows held in memory)."""
        return Register(self.register.root, Manifest(self.register.version, self.run_id, self.tables, self.events,
                                                     self.dead))

    def purge_secret(self) -> str:
        """The register's secret, made (and kept, readable by its owner only) on the first purge."""
        secret = self.register.purge_secret()
        if secret is None:
            secret = secrets.token_hex(32)
            fsio.write_secret(self.register.root / PURGE_KEY, secret)
        return secret

    def erase_rows(self, name: str, on: list[str], committed: pl.DataFrame, tonight: pl.DataFrame) -> None:
        """Rewrite every part of a table that physically holds a row of the ``committed`` keys
        (live or dead): without its dead rows, and without the live rows of ``committed`` (a part
        of the register before tonight) or of ``tonight`` (a part this night wrote)."""
        if committed.height == 0:
            return
        parts = self.events if name == "events" else self.tables.get(name, [])
        before = self.register.named_files()
        for i, part in enumerate(list(parts)):
            path = self.register.root / DATA / part
            if not _holds(path, committed, on):
                continue
            drop = committed if part in before else tonight
            kept = live_rows(path, self._dead_now(part)).join(drop.lazy(), on=on, how="anti")
            parts[i] = self._write(name, kept, i)
            self.dead.pop(part, None)
            faults.point("part_erased")

    def _dead_now(self, part: str) -> pl.Series:
        """The part's dead rows as tonight leaves them (tonight's list, else the committed one)."""
        dead_file = self.dead.get(part)
        if dead_file is None:
            return pl.Series(ROW, [], dtype=pl.get_index_type())
        return pl.read_parquet(self.register.root / DATA / dead_file)[ROW].cast(pl.get_index_type())

    def commit(self, publish: PublishPlan) -> Manifest:
        """Swap CURRENT: the commit point of the night."""
        named = {p for parts in self.tables.values() for p in parts}
        committed = Manifest(self.register.version + 1, self.run_id, self.tables, self.events,
                             {p: f for p, f in self.dead.items() if p in named}, self.next_person_id, publish)
        write_readme(self.register.root)
        faults.point("before_commit")
        manifest.write(self.register.root, committed)
        faults.point("after_commit")
        return committed


README = "README.txt"
README_TEXT = """\
This folder is the cki register. Do not read the files in data/ directly.

A table here is a list of Parquet parts minus the rows later nights superseded: CURRENT names the
parts and, per part, a file of its dead rows. A change, an end or a code writes the contract's new
row into a new part and leaves the old row in its old part until a compaction rewrites it, so
data/*.parquet read as plain Parquet counts superseded rows beside the live ones, and a part a
night has replaced may be deleted while you read it.

To read the register with DuckDB, Spark, Trino or pandas, export a consistent snapshot:

    cki export DIR [--as-of YYYY-MM-DD] [--config PATH]

and read DIR (cki's README, "Reading the register with other engines"). The register and its
exports hold personal data: they are for the register's own analysts and engines only.
"""


def write_readme(root: Path) -> None:
    """The note that tells a reader of ``register/`` to use ``cki export`` (once; again if changed)."""
    path = root / README
    if not path.exists() or path.read_text() != README_TEXT:
        fsio.write_text(path, README_TEXT)


def _holds(path: Path, keys: pl.DataFrame, on: list[str]) -> bool:
    """Whether a part file holds a row of ``keys`` at all, dead rows included."""
    hits = pl.scan_parquet(path).select(on).join(keys.lazy().select(on), on=on, how="semi").head(1)
    return hits.collect().height > 0
