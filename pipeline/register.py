"""The register: Parquet tables named by one manifest, ``register/CURRENT`` (DESIGN 3).

A night writes only new files, then swaps CURRENT atomically: that swap is the commit. Files
CURRENT does not name are leftovers of a crashed run or superseded versions, and are deleted
under the lock. One writer at a time: an exclusive ``flock`` on ``register/.lock``.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from pipeline import faults, fsio
from pipeline.errors import RunLocked
from pipeline.persons import ADDRESSES_SCHEMA, PERSONS_SCHEMA
from pipeline.state import BORROWERS_SCHEMA, CODES_SCHEMA, CONTRACTS_SCHEMA, HISTORY_SCHEMA

FILES_SCHEMA = {"run_id": pl.String(), "participant": pl.String(), "file": pl.String(),
                "kind": pl.String(), "seq": pl.Int64(), "sha256": pl.String(), "status": pl.String(),
                "records": pl.Int64(), "accepted": pl.Int64(), "rejected": pl.Int64(),
                "file_error": pl.String()}
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
}
DATA = "data"


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the register's exclusive lock; a second run stops with a clear message."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"another cki run holds the register lock ({root / '.lock'}); "
                            "it was not disturbed — try again when it has finished") from None
        yield
    finally:
        os.close(fd)


class Register:
    """A read view of one committed version of the register."""

    def __init__(self, root: Path) -> None:
        self.root = root
        current = root / "CURRENT"
        self.manifest: dict = json.loads(current.read_text()) if current.exists() else {
            "version": 0, "run_id": None, "tables": {}, "events": []}

    @property
    def version(self) -> int:
        return int(self.manifest["version"])

    def files_of(self, name: str) -> list[Path]:
        names = self.manifest["events"] if name == "events" else self.manifest["tables"].get(name, [])
        return [self.root / DATA / n for n in names]

    def read(self, name: str) -> pl.DataFrame:
        """A whole table (empty with its schema when the register has none yet)."""
        paths = self.files_of(name)
        if not paths:
            return pl.DataFrame(schema=TABLE_SCHEMAS[name])
        return pl.read_parquet(paths)

    def scan_events(self) -> pl.LazyFrame | None:
        paths = self.files_of("events")
        return pl.scan_parquet(paths) if paths else None

    def named_files(self) -> set[str]:
        names = set(self.manifest["events"])
        for parts in self.manifest["tables"].values():
            names.update(parts)
        return names

    def clean(self) -> None:
        """Delete data files that CURRENT does not name (crashed or superseded). Lock held."""
        folder = self.root / DATA
        if not folder.is_dir():
            return
        keep = self.named_files()
        for entry in os.scandir(folder):
            if entry.name not in keep:
                os.unlink(entry.path)


class Transaction:
    """The new files of one night; ``commit`` makes them the register in one atomic swap."""

    def __init__(self, register: Register, run_id: str) -> None:
        self.register = register
        self.run_id = run_id
        self.tables = {k: list(v) for k, v in register.manifest["tables"].items()}
        self.events = list(register.manifest["events"])
        (register.root / DATA).mkdir(parents=True, exist_ok=True)

    def _write(self, name: str, frame: pl.DataFrame, part: int = 0) -> str:
        file_name = f"{name}-{self.run_id}-{part}.parquet"
        fsio.write_parquet(self.register.root / DATA / file_name, frame)
        faults.point("table_written")
        return file_name

    def replace(self, name: str, frame: pl.DataFrame) -> None:
        frame = frame.select(list(TABLE_SCHEMAS[name])).cast(TABLE_SCHEMAS[name])  # type: ignore[arg-type]
        self.tables[name] = [self._write(name, frame)]

    def append(self, name: str, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        frame = frame.select(list(TABLE_SCHEMAS[name])).cast(TABLE_SCHEMAS[name])  # type: ignore[arg-type]
        parts = self.tables.setdefault(name, [])
        parts.append(self._write(name, frame, len(parts)))

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

    def replace_events(self, kept: list[str], frame: pl.DataFrame | None) -> None:
        """Events after an erasure: the untouched earlier parts, one rewritten part, tonight's parts."""
        tonight = [n for n in self.events if n not in set(self.register.manifest["events"])]
        self.events = list(kept)
        if frame is not None and frame.height:
            self.events.append(self._write("events-rewritten", frame, len(self.events) + len(tonight)))
        self.events.extend(tonight)

    def commit(self, publish: dict) -> dict:
        """Swap CURRENT: the commit point of the night."""
        manifest = {"version": self.register.version + 1, "run_id": self.run_id,
                    "tables": self.tables, "events": self.events, "publish": publish}
        faults.point("before_commit")
        fsio.write_json(self.register.root / "CURRENT", manifest)
        faults.point("after_commit")
        return manifest
