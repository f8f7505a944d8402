"""Discover the night's deliveries and run every whole-file check of SPEC 4.1.

A delivery that fails a check gets a ``file_error`` and is never read further; one that passes
carries its records as text with ``line_no`` (1 = first data row). Symlinks are never followed.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from contracts_schema import mutation, request
from contracts_schema.codes import FILE_KINDS
from contracts_schema.errors import message
from pipeline.config import Config

NAME_PATTERN = re.compile(
    r"^(?P<participant>[A-Z0-9]{3,12})_(?P<kind>MUT|INIT|RAAD)_(?P<date>\d{8})_(?P<seq>\d{6})"
    r"\.(?P<ext>csv|parquet)$")
NAME_RULE = "<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ of 6 digits>.<csv|parquet>"
KIND_ORDER = {kind: i for i, kind in enumerate(FILE_KINDS)}   # INIT before MUT before RAAD
MAX_PARQUET_EXPANSION = 50


@dataclass
class Delivery:
    """One file found in a participant's inbox, and what intake learnt about it."""

    path: Path
    folder: str
    name: str
    kind: str | None = None
    seq: int | None = None
    sha256: str | None = None
    file_error: tuple[str, str] | None = None
    frame: pl.DataFrame | None = None
    records: int = 0          # data rows read, also when the file is then rejected whole

    @property
    def ok(self) -> bool:
        return self.file_error is None

    def reject(self, code: str, **parts: object) -> None:
        value = str(parts.get("value", ""))
        if len(value) > 60:  # a delivered value is quoted, never echoed whole
            parts["value"] = value[:60] + "…"
        self.file_error = (code, message(code, **parts))  # type: ignore[arg-type]
        self.frame = None


@dataclass
class Ledger:
    """What earlier nights processed: content hashes and the last sequence per participant and kind."""

    hashes: dict[str, str]
    last_seq: dict[tuple[str, str], int]


def discover(inbox: Path) -> list[Delivery]:
    """Every file of every participant folder, except names ending in .part or starting with '.'."""
    found: list[Delivery] = []
    if not inbox.is_dir():
        return found
    for folder in sorted(os.scandir(inbox), key=lambda e: e.name):
        if folder.name.startswith(".") or not folder.is_dir(follow_symlinks=False):
            continue
        for entry in sorted(os.scandir(folder.path), key=lambda e: e.name):
            if entry.name.startswith(".") or entry.name.endswith(".part"):
                continue
            found.append(Delivery(Path(entry.path), folder.name, entry.name))
    return sorted(found, key=_order)


def _order(d: Delivery) -> tuple:
    m = NAME_PATTERN.match(d.name)
    if not m:
        return (d.folder, 9, 0, d.name)
    return (d.folder, KIND_ORDER[m["kind"]], int(m["seq"]), d.name)


def checked(deliveries: list[Delivery], config: Config, ledger: Ledger) -> Iterator[tuple[int, Delivery]]:
    """Run the whole-file checks in delivery order, yielding each delivery once it is checked, so
    its records can be used (and released) before the next file is read. Sequences and hashes
    count within the night."""
    hashes = dict(ledger.hashes)
    last_seq = dict(ledger.last_seq)
    for i, d in enumerate(deliveries):
        check_one(d, config, hashes, last_seq)
        if d.ok:
            hashes[d.sha256 or ""] = d.name
            last_seq[(d.folder, d.kind or "")] = d.seq or 0
        yield i, d


def check_one(d: Delivery, config: Config, hashes: dict[str, str],
              last_seq: dict[tuple[str, str], int]) -> None:
    st = os.lstat(d.path)
    if not stat.S_ISREG(st.st_mode):
        kind = "a link" if stat.S_ISLNK(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode) else "special"
        return d.reject("FILE_NOT_REGULAR", value=d.name, limit=kind)
    m = NAME_PATTERN.match(d.name)
    if not m or not _valid_date(m["date"]):
        return d.reject("FILE_NAME_INVALID", value=d.name, limit=NAME_RULE)
    participant = config.participants.get(d.folder)
    if participant is None:
        return d.reject("PARTICIPANT_UNKNOWN", value=d.folder)
    d.kind, d.seq = m["kind"], int(m["seq"])
    if m["participant"] != d.folder:
        return d.reject("FILE_PARTICIPANT_MISMATCH", value=m["participant"], limit=d.folder)
    if d.kind != "RAAD" and not participant.may_register:
        return d.reject("PARTICIPANT_NOT_AUTHORIZED", value=d.folder, limit="registrations")
    if d.kind == "RAAD" and not participant.may_consult:
        return d.reject("PARTICIPANT_NOT_AUTHORIZED", value=d.folder, limit="consultation requests")
    if d.kind == "RAAD" and not participant.may_register:
        return d.reject("PARTICIPANT_NOT_AUTHORIZED", value=d.folder, limit="consultation requests: only "
                        "participants that register may consult (reciprocity)")
    if st.st_size > config.settings.max_file_bytes:
        return d.reject("FILE_TOO_LARGE", value=st.st_size, limit=config.settings.max_file_bytes)
    if st.st_size == 0:
        return d.reject("FILE_EMPTY")
    data = _read_nofollow(d.path)
    d.sha256 = hashlib.sha256(data).hexdigest()
    if d.sha256 in hashes:
        return d.reject("FILE_DUPLICATE", value=hashes[d.sha256])
    previous = last_seq.get((d.folder, d.kind), 0)
    if d.seq <= previous:
        return d.reject("FILE_SEQUENCE", value=f"{d.seq:06d}", limit=f"{previous:06d}")
    _read_records(d, data, m["ext"])


def _valid_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return True


def _read_nofollow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _contract(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if kind == "RAAD":
        return request.COLUMN_NAMES, request.REQUIRED_HEADER
    return mutation.COLUMN_NAMES, mutation.REQUIRED_HEADER


def _read_records(d: Delivery, data: bytes, ext: str) -> None:
    """Read every cell as text, check the header, and add ``line_no``."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return d.reject("FILE_ENCODING", value="UTF-16 byte order mark")
    try:
        frame = _read_csv(data) if ext == "csv" else _read_parquet(data)
    except _Unreadable as exc:
        return d.reject(exc.code, value=exc.reason, limit="CSV" if ext == "csv" else "Parquet")
    names, required = _contract(d.kind or "")
    d.records = frame.height
    problem = _header_problem(frame.columns, names, required)
    if problem:
        return d.reject("FILE_HEADER", value=problem)
    if frame.height == 0:
        return d.reject("FILE_EMPTY")
    if "participant_code" in frame.columns:
        others = frame.filter(pl.col("participant_code").is_not_null()
                              & (pl.col("participant_code") != d.folder))
        if others.height:
            return d.reject("FILE_PARTICIPANT_MISMATCH", value=others["participant_code"][0],
                            limit=d.folder)
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in names if c not in frame.columns]
    d.frame = frame.with_columns(missing).select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line_no"), *names)


class _Unreadable(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _read_csv(data: bytes) -> pl.DataFrame:
    try:
        frame = pl.read_csv(io.BytesIO(data), separator=";", quote_char='"', infer_schema=False,
                            encoding="utf8", has_header=True)
    except pl.exceptions.NoDataError:
        raise _Unreadable("FILE_EMPTY", "no header") from None
    except Exception as exc:  # Polars' messages quote cell values: never pass them on
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise _Unreadable("FILE_ENCODING", "an invalid UTF-8 byte sequence") from None
        raise _Unreadable("FILE_UNREADABLE", "the CSV structure is broken (an unterminated quote, "
                          "or a row with more fields than the header)") from None
    return _clean_text(frame)


def _read_parquet(data: bytes) -> pl.DataFrame:
    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if expanded > MAX_PARQUET_EXPANSION * len(data) + 64 * 1024 * 1024:
            raise _Unreadable("FILE_UNREADABLE", "the data expands far beyond the file size")
        frame = pl.read_parquet(io.BytesIO(data))
        as_text = [_as_text(frame[c]).alias(c) for c in frame.columns]
        return _clean_text(frame.select(as_text))
    except _Unreadable:
        raise
    except Exception:
        raise _Unreadable("FILE_UNREADABLE", "the Parquet file is damaged or holds unsupported "
                          "column types") from None


def _as_text(series: pl.Series) -> pl.Expr:
    col = pl.col(series.name)
    if series.dtype == pl.Date:
        return col.dt.to_string("%Y-%m-%d")
    if series.dtype == pl.Datetime:
        return col.dt.date().dt.to_string("%Y-%m-%d")
    return col.cast(pl.String)


def _clean_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Trim every cell; an empty cell is null (SPEC 3.2)."""
    renamed = {c: c.lstrip("\ufeff") for c in frame.columns}
    return frame.rename(renamed).with_columns(
        pl.all().str.strip_chars().replace("", None))


def _header_problem(found: list[str], allowed: tuple[str, ...], required: tuple[str, ...]) -> str:
    dupes = sorted({c.removesuffix("_duplicated_0") for c in found if "_duplicated_" in c})
    missing = [c for c in required if c not in found]
    unknown = [c for c in found if c not in allowed and "_duplicated_" not in c]
    parts = []
    if missing:
        parts.append("missing required columns " + ", ".join(missing))
    if unknown:
        parts.append("unknown columns " + ", ".join(unknown[:10]))
    if dupes:
        parts.append("columns named twice " + ", ".join(dupes))
    return "; ".join(parts)
