"""``cki export DIR [--as-of DATE]``: one committed version of the register as plain Parquet.

The register's own files are parts minus dead rows (``pipeline.register.store``): read as plain Parquet
they count superseded rows. The export writes each table's live rows (``snapshot``), Hive-
partitioned by participant where a table has one, so DuckDB, Spark or Trino read it as it is.
It reads under the readers' shared lock (a night's clean waits for it), writes into a temporary
folder beside DIR, fsyncs, and renames it into place: DIR is whole or absent (decision 73).
The export holds personal data: its folders are 0700, its files 0600.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from pipeline import fsio
from pipeline.config import Config
from pipeline.errors import CkiError, DiskFull
from pipeline.ops import snapshot
from pipeline.register.store import Register, reading

MANIFEST = "_export.json"
FORMAT = "parquet, hive-partitioned by participant_code where a table has one"
EMPTY_PARTITION = "__HIVE_DEFAULT_PARTITION__"     # Hive's name for a null key: where an empty table's file goes


class ExportRefused(CkiError):
    """The export cannot be written where it was asked (exit 2); nothing was written."""


class ExportDiskFull(CkiError):
    """The disk filled while the export was written; the temporary folder is removed again."""

    exit_code = 4


@dataclass
class Exported:
    """What was written: the folder, its manifest and the tables' row counts."""

    folder: Path
    manifest: dict

    def as_text(self) -> str:
        m = self.manifest
        when = f"as of {m['as_of']}" if m["as_of"] else "current state"
        lines = [f"cki export: register version {m['register_version']} (run {m['run_id']}), {when}"]
        for name, info in m["tables"].items():
            by = f"   by {', '.join(info['partitioned_by'])}" if info["partitioned_by"] else ""
            lines.append(f"  {name:<17} {info['rows']:>12,} row{'s' * (info['rows'] != 1)}{by}")
        lines += [f"written to {self.folder}: personal data, for the register's own analysts and engines only",
                  f"read it with DuckDB: SELECT count(*) FROM read_parquet('{self.folder}/contracts/**/*.parquet', "
                  "hive_partitioning = true)"]
        return "\n".join(lines) + "\n"


def export(config: Config, target: Path, as_of: date | None, today: date) -> Exported:
    """Write the committed register (as of ``as_of``, else now) to ``target`` atomically."""
    target = target.absolute()
    _check(config.register, target, as_of, today)
    with reading(config.register) as reg:
        with _staging(target) as tmp:
            manifest = _write(reg, tmp, as_of)
            _seal(tmp)
            _place(tmp, target)
    return Exported(target, manifest)


def _check(root: Path, target: Path, as_of: date | None, today: date) -> None:
    """Refuse, before anything is written, what the export cannot do."""
    if not (root / "CURRENT").exists():
        raise ExportRefused(f"no register at {root}: no night has committed yet, there is nothing to export")
    if as_of is not None and as_of > today:
        raise ExportRefused(f"--as-of {as_of} lies after today ({today}): the register cannot know it yet")
    if target.resolve().is_relative_to(root.resolve()):
        raise ExportRefused(f"{target} lies inside the register folder {root}: export somewhere else")
    if not target.parent.is_dir():
        raise ExportRefused(f"{target.parent} is not an existing folder: make it first")
    if target.is_symlink() or (target.exists() and not (target.is_dir() and not any(target.iterdir()))):
        raise ExportRefused(f"{target} exists and is not an empty folder: cki export never overwrites; "
                            "give a new folder (e.g. one named by the date)")


@contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """A private (0700) temporary folder beside the target, removed again unless it was renamed
    into place; a full disk on the way is one line, exit 4."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".export-tmp", dir=target.parent))
        try:
            yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)       # gone already when renamed into place
    except (OSError, pl.exceptions.PolarsError, DiskFull) as exc:
        if isinstance(exc, DiskFull) or fsio.disk_full(exc):
            raise ExportDiskFull(f"the disk is full: cannot write the export beside {target}; "
                                 "nothing was written and the register is unchanged") from exc
        raise


def _write(reg: Register, tmp: Path, as_of: date | None) -> dict:
    """Every exported table into ``tmp``, then the manifest that describes them."""
    tables = {}
    for name in snapshot.EXPORTED:
        frame = snapshot.table(reg, name) if as_of is None else snapshot.table_on(reg, name, as_of)
        tables[name] = _write_table(frame, tmp / name, name in snapshot.PARTITIONED)
    manifest = {"as_of": as_of.isoformat() if as_of else None, "register_version": reg.version,
                "run_id": reg.manifest.run_id, "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "format": FORMAT, "tables": tables}
    fsio.write_json(tmp / MANIFEST, manifest)
    return manifest


def _write_table(frame: pl.LazyFrame, folder: Path, partitioned: bool) -> dict:
    """One table as Parquet in ``folder``, one folder per participant when ``partitioned``."""
    folder.mkdir(mode=0o700)
    key = [snapshot.PARTITION_KEY] if partitioned else []
    if partitioned:
        frame.sink_parquet(pl.PartitionBy(folder, key=key[0], include_key=False), mkdir=True)
    else:
        frame.sink_parquet(folder / "part-0.parquet")
    files = sorted(folder.rglob("*.parquet"))
    if not files:
        files = [_write_empty(frame, folder, key)]
    rows = pl.scan_parquet(files).select(pl.len()).collect().item()
    return {"rows": rows, "files": len(files), "partitioned_by": key}


def _write_empty(frame: pl.LazyFrame, folder: Path, key: list[str]) -> Path:
    """An empty table as one empty file, so a glob still finds its columns; in Hive's folder for
    a null key when partitioned, so every export of a table has the same layout."""
    if key:
        folder = folder / f"{key[0]}={EMPTY_PARTITION}"
        folder.mkdir(mode=0o700)
    path = folder / "00000000.parquet"
    pl.DataFrame(schema=frame.collect_schema()).drop(key).write_parquet(path)
    return path


def _seal(tmp: Path) -> None:
    """Owner-only modes, then every file and folder synced, deepest first."""
    for folder, dirs, files in os.walk(tmp, topdown=False):
        for name in files:
            path = Path(folder, name)
            os.chmod(path, 0o600)
            fsio.fsync_file(path)
        for name in dirs:
            os.chmod(Path(folder, name), 0o700)
        fsio.fsync_dir(Path(folder))


def _place(tmp: Path, target: Path) -> None:
    """Rename the finished export into place (over an empty folder, which ``rename`` allows)."""
    try:
        os.rename(tmp, target)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise ExportRefused(f"{target} appeared while the export was written and is not empty: "
                                "nothing was written") from None
        raise
    fsio.fsync_dir(target.parent)

