"""The one writer of register files: a night's new parts, dead-row lists and erasures, and the
atomic swap of ``register/CURRENT`` that commits them (DESIGN 3).

``Transaction.carry_out`` writes a night's ``plan.Plan``; ``Holding`` writes, before that, what
a night cannot keep in memory until its plan is done; ``commit`` makes it all the register. How a
table is read (parts minus dead rows) is ``store``'s; when parts are merged, ``segments``'.
A register written before contract ids is numbered once by the first night that writes it
(``number_contracts``), in that night's commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl

from pipeline import faults, fsio
from pipeline.register import erase, manifest
from pipeline.register.erase import Erasure
from pipeline.register.manifest import Manifest, PublishPlan
from pipeline.register.plan import PART, ROW, Patch, Plan, Replace, TableChange
from pipeline.register.segments import ON_DISK
from pipeline.register.state import CONTRACT_ID, CONTRACT_KEY, CONTRACTS_SCHEMA, HISTORY_SCHEMA, NUMBERED_TABLES
from pipeline.register.store import DATA, MAX_PARTS, PURGE_KEY, TABLE_SCHEMAS, Register, live_rows


class Holding:
    """Rows a night cannot keep in memory until its plan is carried out (an initial load): written
    now, by the transaction, as parts the manifest does not name. The plan names them (``held``),
    ``carry_out`` takes them in, and a crash before the commit leaves them to ``clean``. Also the
    scratch files a stage reads back before the commit, which are never part of the register."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.growing: list[GrowingPart] = []

    def growing_part(self, name: str) -> GrowingPart:
        """A part of a table written a batch at a time as a night spills (an initial load), so
        the commit finds one part, not one per spill, and need not merge them again."""
        part = GrowingPart(self.tx, name)
        self.growing.append(part)
        return part

    @contextmanager
    def abandoned_on_failure(self) -> Iterator[None]:
        """A night that fails (a full disk) stops writing the parts still growing and removes
        them, instead of leaving their writers to be closed, and fail again, at exit."""
        try:
            yield
        except BaseException:
            for part in self.growing:
                part.abandon()
            raise

    def events(self, frame: pl.DataFrame) -> str | None:
        """One part of tonight's events (a night holds them chunk by chunk, never all at once),
        by Polars' writer: it compresses on Polars' threads, where PyArrow's (``write_part``)
        compresses on the night's own, and the night waits for each part (decision 122)."""
        if not frame.height:
            return None
        return self.tx._write("events", frame, 0, fsio.write_parquet)

    def part_of_frames(self, name: str, frames: Iterable[pl.DataFrame]) -> str:
        """A table's rows that come a batch at a time, as one part."""
        file_name = self.tx._name(name)
        fsio.write_parquet_frames(self.tx.register.root / DATA / file_name, frames, TABLE_SCHEMAS[name])
        faults.point("table_written")
        return file_name

    def without(self, part: str, keys: pl.DataFrame, on: list[str]) -> str:
        """A held part again without the rows of ``keys`` (a later chunk erased them); the same
        part when it holds none."""
        frame = pl.read_parquet(self.tx.register.root / DATA / part)
        kept = frame.join(keys, on=on, how="anti")
        if kept.height == frame.height:
            return part
        return self.tx._write(part.split("-", 1)[0], kept, 0)

    def write_scratch(self, name: str, frame: pl.DataFrame) -> Path:
        """A file tonight reads back before the commit."""
        path = self.tx.register.root / DATA / self.tx._name(f"scratch-{name}")
        fsio.write_scratch_parquet(path, frame)
        return path

    def scan_scratch(self, path: Path) -> pl.LazyFrame:
        """A scratch file written by ``write_scratch``, read back."""
        return pl.scan_parquet(path)


class GrowingPart:
    """A held part still being written: rows are added a batch at a time and nothing reads it
    until ``close`` has named it (the file is whole and durable only then)."""

    def __init__(self, tx: Transaction, name: str) -> None:
        self.name = tx._name(name)
        # each batch written on a thread while the night goes on (decision 123): a scale-1 load
        # took 2.5 s less at the same peak; ``close`` waits for the last
        self.out = fsio.ParquetAppender(tx.register.root / DATA / self.name, TABLE_SCHEMAS[name])
        self.closed = False

    def add(self, frame: pl.DataFrame) -> None:
        self.out.add(frame)

    def close(self) -> str:
        """The part, whole: a ``Patch`` or ``Append`` may name it now."""
        self.closed = True
        self.out.close()
        faults.point("table_written")
        return self.name

    def abandon(self) -> None:
        """The night failed: an unfinished part is removed (a closed one is the commit's or
        ``clean``'s to keep or remove)."""
        if not self.closed:
            self.closed = True
            self.out.abandon()


class Transaction:
    """The new files of one night, the one writer of register files: ``carry_out`` writes a
    night's ``Plan``, ``holding`` the rows a stage cannot keep in memory until then, and
    ``commit`` makes them the register in one atomic swap."""

    def __init__(self, register: Register, run_id: str) -> None:
        self.register = register
        self.holding = Holding(self)
        self.run_id = run_id
        self.tables = {k: list(v) for k, v in register.manifest.tables.items()}
        self.events = list(register.manifest.events)
        self.dead: dict[str, str] = dict(register.manifest.dead)   # part → its dead-rows file
        self.next_person_id = register.next_person_id()
        self.next_contract_id = register.next_contract_id()
        self.written = 0
        (register.root / DATA).mkdir(parents=True, exist_ok=True)

    def _name(self, name: str, part: int = 0) -> str:
        self.written += 1      # a unique name even when a table is written more than once tonight
        return f"{name}-{self.run_id}-{part}-{self.written}.parquet"

    def _write(self, name: str, frame: pl.DataFrame | pl.LazyFrame, part: int = 0,
               write: Callable[[Path, pl.DataFrame | pl.LazyFrame], None] = fsio.write_part) -> str:
        """A new file of the register, named uniquely, written atomically (by ``write``)."""
        file_name = self._name(name, part)
        write(self.register.root / DATA / file_name, frame)
        faults.point("table_written")
        return file_name

    def update(self, name: str, superseded: pl.DataFrame, rows: pl.DataFrame, written: Sequence[str] = ()) -> None:
        """Tonight's ``rows`` (and the parts ``written`` already) replace the ``superseded``
        (PART, ROW) rows of a table.

        Only the new rows and each touched part's list of dead rows are written; a part that
        becomes mostly dead is rewritten without them, and a table of many parts as one.
        """
        self.tables.setdefault(name, []).extend(written)
        for (part,), group in superseded.partition_by(PART, as_dict=True).items():
            rows_dead = pl.concat([self.register.dead_rows(part), group[ROW].cast(pl.get_index_type())]).unique()
            if ON_DISK.mostly_dead(rows_dead.len(), self.register.rows_in(part)):
                live = self.register._live(part, group).collect()
                parts = self.tables[name]
                parts[parts.index(part)] = self._write(name, live, parts.index(part))
                self.dead.pop(part, None)
            else:
                self.dead[part] = self._write(f"dead-{part.removesuffix('.parquet')}",
                                              rows_dead.sort().to_frame(ROW))
        self.append(name, rows)
        self._compact(name)

    def _compact(self, name: str) -> None:
        """Merge the newer parts into one (``segments.ON_DISK``): a night pays for this about
        once in MAX_PARTS nights."""
        parts = self.tables[name]
        if len(parts) <= MAX_PARTS:
            return
        start = ON_DISK.merge_from([self.register.rows_in(p) for p in parts])
        if start is None:
            return
        merge = parts[start:]
        frames = []
        for part in merge:
            frames.append(live_rows(self.register.root / DATA / part, self._dead_now(part)))
            self.dead.pop(part, None)
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
        self._compact(name)

    def carry_out(self, plan: Plan, run_date: date) -> None:
        """Write a night's plan: each table's change without what the plan erases, then the
        erasure of the rows that were there before, then the purge manifest."""
        plan = self._with_erased_history(plan)
        for name, change in plan.changes.items():
            self._change(name, change, plan.erasure)
        erase.apply(self, plan.erasure)
        if plan.erasure.contracts.height:
            self.append("purges", erase.manifest(plan.erasure, self.purge_secret(), self.run_id, run_date))
        if plan.next_person_id is not None:
            self.next_person_id = plan.next_person_id
        if plan.next_contract_id is not None:
            self.next_contract_id = plan.next_contract_id

    def _change(self, name: str, change: TableChange, erasure: Erasure) -> None:
        rows = erasure.kept(name, change.rows)
        if isinstance(change, Replace):
            self.replace(name, rows)
        elif isinstance(change, Patch):
            self.update(name, change.superseded, rows, change.held)
        elif name == "events":
            self.events.extend(change.held)
            if rows.height:
                self.events.append(self._write("events", rows, len(self.events)))
        else:
            self.tables.setdefault(name, []).extend(change.held)
            self.append(name, rows)
            self._compact(name)

    def _with_erased_history(self, plan: Plan) -> Plan:
        """The closed versions of erased contracts go dead like their other rows, so no merge of
        history parts carries them into a part of tonight's."""
        gone = plan.erasure.contracts
        if gone.height == 0:
            return plan
        dead = self.register.locate("contract_history", gone, CONTRACT_KEY).select(PART, ROW).collect()
        change = plan.changes.get("contract_history")
        rows = change.rows if change is not None else pl.DataFrame(schema=HISTORY_SCHEMA)
        return plan.with_change("contract_history", Patch(dead, rows))

    def number_contracts(self) -> Register:
        """The register to apply tonight onto: the committed one, its contracts numbered first
        when it was written before contract ids (its manifest has no ``next_contract_id``).

        Every live contract gets an id by its row order (1, 2, ...), and its borrower links and
        codes the id of their contract; each of the three tables becomes one new part, as a
        merge of its parts would, named only by tonight's commit: a crash before it leaves the
        register as it was, and the next night numbers it again. Tonight then reads (and
        supersedes rows of) these parts as the register before it."""
        if self.register.next_contract_id() is not None:
            return self.register
        numbered = (self.register.scan("contracts").drop(CONTRACT_ID, strict=False)
                    .with_row_index(CONTRACT_ID, offset=1).with_columns(pl.col(CONTRACT_ID).cast(pl.Int64))
                    .select(list(CONTRACTS_SCHEMA)))
        ids = pl.DataFrame(schema={**dict.fromkeys(CONTRACT_KEY, pl.String), CONTRACT_ID: pl.Int64})
        for name in NUMBERED_TABLES:
            if not self.tables.get(name):
                continue
            frame = numbered if name == "contracts" else (
                self.register.scan(name).drop(CONTRACT_ID, strict=False)
                .join(ids.lazy(), on=CONTRACT_KEY, how="left", maintain_order="left")
                .select(list(TABLE_SCHEMAS[name])))
            for part in self.tables[name]:
                self.dead.pop(part, None)
            self.tables[name] = [self._write(name, frame)]         # streamed: no table is held whole
            if name == "contracts":
                ids = pl.read_parquet(self.register.root / DATA / self.tables[name][0],
                                      columns=[*CONTRACT_KEY, CONTRACT_ID])
        self.next_contract_id = ids.height + 1
        committed = replace(self.register.manifest, tables={k: list(v) for k, v in self.tables.items()},
                            dead=dict(self.dead), next_contract_id=self.next_contract_id)
        self.register = Register(self.register.root, committed)
        return self.register

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
                             {p: f for p, f in self.dead.items() if p in named}, self.next_person_id, publish,
                             self.next_contract_id)
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
