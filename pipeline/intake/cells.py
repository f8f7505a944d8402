"""Text cells as the checks read them: trimmed, empty as null, and never longer than the cell limit.

Trimming is Polars' ``strip_chars``. In a frame of VIEWS_ROWS rows or more it runs only on the
columns that have a cell whose first or last byte could be part of whitespace (a control byte,
a space, or a byte of a non-ASCII character): a cell that starts and ends with printable ASCII
is its own trim. ``views`` reads those bytes from the Arrow string views, so a column of a good
file costs a few vector operations instead of a new column (a quarter of the reader's CPU went
to trimming cells that had nothing to trim). Empty-to-null and cutting are skipped likewise.

A cell over ``max_cell_chars`` keeps its first ``max_cell_chars`` characters followed by ``…``.
That text is longer than any column of the file format allows (``Limits.max_cell_chars`` is at
least ``MIN_CELL_CHARS``), so the record is always rejected by the column's own check, and its
errors.csv row echoes the truncated text, not the delivered megabytes.
"""

from __future__ import annotations

import polars as pl

ELLIPSIS = "…"
MIN_CELL_CHARS = 200     # above every column's own length limit (the longest is 100)
VIEWS_ROWS = 20_000      # from this many rows a frame's views are read (NumPy and PyArrow imported)


def cleaned(frame: pl.DataFrame, max_cell_chars: int) -> pl.DataFrame:
    """Trim every cell; an empty cell is null (SPEC 3.2); a cell over the limit is cut. Eager on
    purpose: a lazy collect runs on the streaming engine, about 4 ms a file more for a small file."""
    named = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})
    if named.height < VIEWS_ROWS:
        return _cleaned_whole(named, max_cell_chars)
    return _cleaned_by_views(named, max_cell_chars)


def _cleaned_whole(named: pl.DataFrame, max_cell_chars: int) -> pl.DataFrame:
    """Every step on every column (the general path): a small frame costs little either way.
    Only the columns whose longest cell has more bytes than the limit are cut (a cell's byte
    length is known without reading it)."""
    trimmed = named.with_columns(pl.all().str.strip_chars().replace("", None))
    if trimmed.height == 0:
        return trimmed
    longest = trimmed.select(pl.all().str.len_bytes().max()).row(0)
    long = [c for c, n in zip(trimmed.columns, longest, strict=True) if (n or 0) > max_cell_chars]
    return trimmed.with_columns(_cut(c, max_cell_chars) for c in long) if long else trimmed


def _cleaned_by_views(named: pl.DataFrame, max_cell_chars: int) -> pl.DataFrame:
    """Each step only on the columns it can change, as their string views tell (``views``): a
    good file's columns mostly need none. Same cells as ``_cleaned_whole``: each step changes
    nothing on the columns it skips."""
    from pipeline.intake import views

    shapes = {c: views.shape(named[c]) for c in named.columns}
    trimmed = named.with_columns(pl.col(c).str.strip_chars() for c, s in shapes.items() if s.edged)
    trimmed = trimmed.with_columns(pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).alias(c)
                                   for c, s in shapes.items() if s.edged or s.empty)
    if trimmed.height == 0:
        return trimmed
    return trimmed.with_columns(_cut(c, max_cell_chars) for c, s in shapes.items() if s.longest > max_cell_chars)


def _cut(name: str, max_chars: int) -> pl.Expr:
    text = pl.col(name)
    return pl.when(text.str.len_chars() > max_chars).then(text.str.slice(0, max_chars) + ELLIPSIS).otherwise(text)


def text_bytes(frame: pl.DataFrame) -> int:
    """Bytes of text the cells hold (nulls hold none)."""
    if frame.width == 0:
        return 0
    return int(frame.select(pl.sum_horizontal(pl.all().str.len_bytes().sum())).item() or 0)
