"""Text cells → typed columns with Polars. A present cell that does not read is ``INVALID_TYPE``.

Pandera's own coercion stops at the first failing column and cannot read dates on Polars 2
(measured; DESIGN 5), so the casting is done here and Pandera checks the typed frame.
"""

from __future__ import annotations

import polars as pl

from contracts_schema.columns import TYPE_NAMES, Column
from pipeline.rules.findings import finding

_INT_TEXT = r"^-?\d{1,15}$"
_DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"


def typed_cell(column: Column) -> pl.Expr:
    """The typed value of one column; null where empty or unreadable."""
    text = pl.col(column.name)
    if column.kind == "int":
        return pl.when(text.str.contains(_INT_TEXT)).then(text.cast(pl.Int64, strict=False))
    if column.kind == "date":
        return pl.when(text.str.contains(_DATE_TEXT)).then(text.str.to_date("%Y-%m-%d", strict=False))
    if column.kind == "bool":
        lowered = text.str.to_lowercase()
        return pl.when(lowered == "true").then(True).when(lowered == "false").then(False)
    return text


BAD_PREFIX = "bad__"


def bad_flag(column: str) -> str:
    return f"{BAD_PREFIX}{column}"


def to_typed(raw: pl.DataFrame, columns: tuple[Column, ...], keep: tuple[str, ...]) -> pl.DataFrame:
    """Typed frame: ``keep`` columns, every column typed, and ``bad__<col>`` for unreadable cells."""
    read = [c.name for c in columns if c.kind != "str"]
    delivered = [pl.col(name).is_not_null().alias(bad_flag(name)) for name in read]
    typed = raw.select(*keep, *[typed_cell(c).alias(c.name) for c in columns], *delivered)
    return typed.with_columns(          # each cell is read once: a delivered cell without a value is bad
        (pl.col(bad_flag(name)) & pl.col(name).is_null()).alias(bad_flag(name)) for name in read)


def type_findings(typed: pl.DataFrame, columns: tuple[Column, ...], raw: pl.DataFrame,
                  key: list[str]) -> list[pl.LazyFrame]:
    """One INVALID_TYPE finding per unreadable cell, quoting the delivered text.

    ``typed`` is ``to_typed(raw)``: the same records in the same order, so the text is taken
    by position, not joined. Only the records with an unreadable cell (nearly always none) are
    looked at further."""
    flags = [bad_flag(c.name) for c in columns if c.kind != "str"]
    if not flags:
        return []
    unreadable = typed.select(pl.any_horizontal(flags)).to_series()
    if not unreadable.any():
        return []
    typed, raw = typed.filter(unreadable), raw.filter(unreadable)
    out = []
    for c in columns:
        if c.kind == "str":
            continue
        flag = bad_flag(c.name)
        rows = typed.select(*key, flag).with_columns(raw[c.name].alias("delivered")).lazy()
        out.append(finding(rows.filter(pl.col(flag)), "INVALID_TYPE", c.name, pl.col("delivered"),
                           TYPE_NAMES[c.kind]))
    return out
