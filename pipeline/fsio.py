"""Durable, atomic file writes: temporary name in the same folder, fsync, rename, fsync the folder.

Every file cki writes goes through here (DESIGN 3). An fsync error is fatal for the run: it is
never retried (PostgreSQL's fsyncgate).

Register parts (``write_part``, ``ParquetAppender``), which only cki reads, are written by
PyArrow's writer on Polars' string views and without a dictionary on nearly distinct columns: a
quarter less CPU than Polars' writer. Files given out (``write_parquet``) keep Polars' writer, and
so do the events' parts a night writes chunk by chunk while it waits (decision 122).
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import faults
from pipeline.errors import DiskFull

# integers the register gives out one after another (a contract's id, decision 112): a part holds
# them in runs, so their differences take a few bits where plain values take 8 bytes; at scale 1
# the id column of contracts reads in 0.018 s instead of 0.056, of borrowers in 0.031 instead of 0.078
DELTA_COLUMNS = ("contract_id",)


def disk_full(exc: BaseException) -> bool:
    """Whether an error is a full disk: an OSError's errno, or the text Polars and Arrow wrap it in."""
    text = str(exc)
    return getattr(exc, "errno", None) == errno.ENOSPC or "os error 28" in text or "No space left" in text


@contextmanager
def full_disk_said(folder: Path) -> Iterator[None]:
    """Turn a full disk, however a library reports it, into one DiskFull naming the folder."""
    try:
        yield
    except DiskFull:
        raise
    except (OSError, pl.exceptions.PolarsError) as exc:
        if disk_full(exc):
            raise DiskFull(folder) from exc
        raise


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary(target: Path) -> Path:
    """An empty temporary file beside ``target``, under a name no register reads."""
    with full_disk_said(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    return Path(tmp_name)


def _named(tmp: Path, target: Path, mode: int) -> None:
    """A written temporary file made durable and given its name (the rename is the commit)."""
    with full_disk_said(target.parent):
        os.chmod(tmp, mode)             # mkstemp's 0600 would hide return files from their reader
        fsync_file(tmp)
    faults.point("before_rename")
    os.replace(tmp, target)


def _atomic(target: Path, write: Callable[[Path], object], mode: int = 0o644) -> None:
    tmp = _temporary(target)
    try:
        with full_disk_said(target.parent):
            faults.disk("write")
            faults.disk(target.name)
            write(tmp)
        _named(tmp, target, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(target: Path, data: bytes) -> None:
    _atomic(target, lambda tmp: tmp.write_bytes(data))


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def write_secret(target: Path, text: str) -> None:
    """A text only its owner may read, from the moment it has its name."""
    _atomic(target, lambda tmp: tmp.write_bytes(text.encode("utf-8")), mode=0o600)


def write_json(target: Path, obj: object) -> None:
    write_text(target, json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def write_parquet(target: Path, frame: pl.DataFrame | pl.LazyFrame) -> None:
    """A frame, or a query streamed to the file without holding its result (a compaction).
    Polars' own writer: the files given out (a return file) keep the bytes they always had."""
    if isinstance(frame, pl.LazyFrame):
        _atomic(target, lambda tmp: frame.sink_parquet(tmp, compression="zstd", statistics=False))
    else:
        _atomic(target, lambda tmp: frame.write_parquet(tmp, compression="zstd", statistics=False))


def write_part(target: Path, frame: pl.DataFrame | pl.LazyFrame) -> None:
    """A register part (only cki reads it): a frame with the writer ``ParquetAppender`` uses,
    about a quarter less CPU than Polars' on a load's events; a query as ``write_parquet``."""
    if isinstance(frame, pl.LazyFrame):
        write_parquet(target, frame)
        return
    _atomic(target, lambda tmp: _write_table(tmp, frame))


def _write_table(path: Path, frame: pl.DataFrame) -> None:
    """One frame as one Parquet file, by PyArrow's writer on Polars' string views."""
    pq.write_table(_arrow(frame), path, **part_options(frame))
    pa.default_memory_pool().release_unused()     # the pool would keep a frame's worth per thread


def part_options(frame: pl.DataFrame) -> dict:
    """The writer settings of a register part: zstd at PyArrow's level (1), no statistics, a
    dictionary only on the columns that repeat their values (``dictionary_columns``), and the
    ids given out in order stored as differences (``DELTA_COLUMNS``)."""
    dictionary = dictionary_columns(frame)
    delta = {c: "DELTA_BINARY_PACKED" for c in DELTA_COLUMNS if c in frame.columns and c not in dictionary}
    return {"compression": "zstd", "write_statistics": False, "use_dictionary": dictionary, "column_encoding": delta}


def dictionary_columns(frame: pl.DataFrame, sample: int = 10_000) -> list[str]:
    """Every column but the text and integer ones whose first ``sample`` rows are mostly
    distinct (a contract number, a person id, a postcode): PyArrow would hash each of their
    values into a dictionary it then drops as too large, for nothing. Only the encoding
    changes: a column reads back the same either way."""
    head = frame.head(sample)
    return [c for c, t in frame.schema.items()
            if not ((t == pl.String or t.is_integer()) and 2 * head[c].n_unique() > head.height)]


def _arrow(frame: pl.DataFrame) -> pa.Table:
    """Polars' own string layout (views): the default conversion copies every string, and
    that copy made PyArrow's write cost twice Polars' (Polars reads either back the same)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def write_parquet_frames(target: Path, frames: Iterable[pl.DataFrame], schema: dict) -> None:
    """Frames of one schema written one after another into one file, so they are never held
    together (a night's persons, resolved a range of buckets at a time); the writing runs
    beside the making of the next frame (``ParquetAppender``)."""
    out = ParquetAppender(target, schema)
    try:
        for frame in frames:
            out.add(frame)
    except BaseException:
        out.abandon()
        raise
    out.close()


class ParquetAppender:
    """One Parquet file of one schema written a frame at a time as the frames come (a load's
    spills of a table, a night's persons), then made durable and named at ``close`` like every
    other file. PyArrow's writer compresses on the thread that calls it, so ``beside`` writes
    each frame on a thread of its own while the caller makes the next one. One frame at most is
    being written: a frame may share the buffers of a much larger one (a text's strings), so a
    queue of them would hold memory the caller has let go."""

    def __init__(self, target: Path, schema: dict, beside: bool = True) -> None:
        self.target, self.schema, self.beside = target, schema, beside
        self.tmp = _temporary(target)
        try:
            with full_disk_said(target.parent):
                faults.disk("write")           # counted here, in call order, as every other write
                faults.disk(target.name)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        self.writer: pq.ParquetWriter | None = None     # opened on the first frame, which picks the dictionaries
        self.error: BaseException | None = None
        self.writing: threading.Thread | None = None

    def _open(self, frame: pl.DataFrame) -> pq.ParquetWriter:
        """The file's writer, with ``part_options`` chosen on ``frame`` (the first, or none)."""
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, _arrow(frame.clear()).schema, **part_options(frame))
        return self.writer

    def _put(self, frame: pl.DataFrame) -> None:
        try:
            frame = frame.select(list(self.schema)).cast(self.schema)
            self._open(frame).write_table(_arrow(frame))
        except BaseException as exc:
            self.error = exc
        pa.default_memory_pool().release_unused()     # the pool would keep a frame's worth per thread

    def _written(self) -> None:
        """Wait for the frame being written; its error, if any, is the caller's now."""
        if self.writing is not None:
            self.writing.join()
            self.writing = None
        if self.error is not None:
            error, self.error = self.error, None
            self.abandon()
            with full_disk_said(self.target.parent):
                raise error

    def add(self, frame: pl.DataFrame) -> None:
        """Write a frame once the one before it is written (``beside``: return meanwhile)."""
        self._written()
        if self.beside:
            self.writing = threading.Thread(target=self._put, args=(frame,), name=f"write {self.target.name}")
            self.writing.start()
        else:
            self._put(frame)
            self._written()

    def close(self) -> None:
        """Wait for the last frame, then make the file durable and give it its name."""
        self._written()
        try:
            with full_disk_said(self.target.parent):
                self._open(pl.DataFrame(schema=self.schema)).close()
            _named(self.tmp, self.target, 0o644)
        except BaseException:
            self._let_go()
            self.tmp.unlink(missing_ok=True)
            raise
        fsync_dir(self.target.parent)

    def abandon(self) -> None:
        """Stop writing and remove the unfinished file (the caller failed)."""
        if self.writing is not None:
            self.writing.join()
            self.writing = None
        self._let_go()
        self.tmp.unlink(missing_ok=True)

    def _let_go(self) -> None:
        """Close the writer if it can be, and mark it closed either way: PyArrow's writer retries a
        failed close when it is collected and prints the error (a full disk) as a traceback."""
        if self.writer is None:
            return
        try:
            self.writer.close()
        except Exception:             # noqa: S110 - the file goes anyway; the caller's error is what counts
            pass
        finally:
            self.writer.is_open = False


def write_scratch_parquet(target: Path, frame: pl.DataFrame) -> None:
    """A file only this run reads back (not named by the register, so the next run deletes it
    should this one crash): fast compression, and statistics so a range filter skips row groups."""
    with full_disk_said(target.parent):
            frame.write_parquet(target, compression="lz4", statistics=True, row_group_size=64 * 1024)


def write_with(target: Path, write: Callable[[Path], None]) -> None:
    """Any other file format: ``write`` fills the temporary path, then it is made durable and named."""
    _atomic(target, write)


def write_csv(target: Path, frame: pl.DataFrame) -> None:
    """Write a CSV a spreadsheet cannot execute (OWASP CSV injection) in SPEC 4's conventions, with
    a UTF-8 BOM so Excel reads it as UTF-8 and accents survive (decision 84)."""
    safe = frame.with_columns(formula_safe(pl.col(c)).alias(c) for c, t in frame.schema.items() if t == pl.String)
    _atomic(target, lambda tmp: safe.write_csv(tmp, separator=";", quote_style="necessary", include_bom=True,
                                              date_format="%Y-%m-%d", null_value=""))


def write_csv_as_delivered(target: Path, frame: pl.DataFrame) -> None:
    """Write text columns back as a participant delivered them (an archived delivery)."""
    _atomic(target, lambda tmp: frame.write_csv(tmp, separator=";", quote_style="necessary", null_value=""))


FORMULA_START = r"^[=+\-@\t\r\n\x00]"
QUOTED_FORMULA = r"^'*[=+\-@\t\r\n\x00]"     # a formula start behind any quotes: one more quote


def formula_safe(cell: pl.Expr) -> pl.Expr:
    """Prefix a cell that a spreadsheet would read as a formula with a single quote; a delivered
    ``'=x`` gets one too (``''=x``), so ``unquoted`` gives back exactly what was delivered."""
    return pl.when(cell.str.contains(QUOTED_FORMULA)).then(pl.lit("'") + cell).otherwise(cell)


def unquoted(cell: pl.Expr) -> pl.Expr:
    """``formula_safe`` undone: a cell read back from a written CSV, as it was delivered."""
    return pl.when(cell.str.contains(r"^'+[=+\-@\t\r\n\x00]")).then(cell.str.slice(1)).otherwise(cell)


def move(source: Path, target: Path) -> None:
    """Move a file durably; across file systems copy, fsync, then unlink."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _atomic(target, lambda tmp: tmp.write_bytes(source.read_bytes()))
        source.unlink()
    fsync_dir(target.parent)
    fsync_dir(source.parent)
