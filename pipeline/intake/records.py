"""The text frame a worker handed back → the delivery's records, or its header or participant error."""

from __future__ import annotations

import polars as pl

from contracts_schema import mutation, request
from pipeline.intake.delivery import Delivery
from pipeline.intake.limits import Refusal
from pipeline.intake.names import escaped

NAME_SHOWN = 40        # a delivered column name is quoted up to this many characters
NAMES_SHOWN = 5        # and at most this many of them, so the sentence stays whole and short


def contract(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns a file of ``kind`` may hold, and those its header must hold."""
    if kind == "RAAD":
        return request.COLUMN_NAMES, request.REQUIRED_HEADER
    return mutation.COLUMN_NAMES, mutation.REQUIRED_HEADER


def allowed(kind: str) -> tuple[str, ...]:
    return contract(kind)[0]


def take(d: Delivery, frame: pl.DataFrame, columns: list[str]) -> None:
    """Check the header and the participant column, then keep the records with ``line_no``."""
    names, required = contract(d.kind or "")
    d.records = frame.height
    problem = header_problem(columns, names, required)
    if problem:
        return d.refuse(Refusal("FILE_HEADER", problem))
    if frame.height == 0:
        return d.reject("FILE_EMPTY")
    if "participant_code" in frame.columns:
        others = frame.with_row_index("line_no", 1).filter(
            pl.col("participant_code").is_not_null() & (pl.col("participant_code") != d.folder))
        if others.height:
            d.reject("FILE_PARTICIPANT_MISMATCH", value=escaped(others["participant_code"][0]), limit=d.folder)
            d.file_error_line = int(others["line_no"][0])
            return None
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in names if c not in frame.columns]
    d.frame = frame.with_columns(missing).select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line_no"), *names)


def header_problem(found: list[str], allowed: tuple[str, ...], required: tuple[str, ...]) -> str:
    """What is wrong with the column names, in words; empty when nothing is."""
    dupes = sorted({c.removesuffix("_duplicated_0") for c in found if "_duplicated_" in c})
    missing = [c for c in required if c not in found]
    unknown = [c for c in found if c not in allowed and "_duplicated_" not in c]
    parts = []
    if missing:
        parts.append("missing required columns " + ", ".join(missing))
    if unknown:
        parts.append("unknown columns " + _listed(unknown))
    if dupes:
        parts.append("columns named twice " + _listed(dupes))
    return "; ".join(parts)


def _listed(delivered: list[str]) -> str:
    """Delivered column names as a message quotes them: escaped, each cut, and a few of them."""
    shown = [escaped(c[:NAME_SHOWN]) + ("…" if len(c) > NAME_SHOWN else "") for c in delivered[:NAMES_SHOWN]]
    more = len(delivered) - NAMES_SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
