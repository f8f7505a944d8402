"""Text cells as the checks read them: trimmed, empty as null, and never longer than the cell limit.

Trimming is Polars' ``strip_chars``, run only on the columns that have a cell whose first or
last byte could be part of whitespace (a control byte, a space, or a byte of a non-ASCII
character): a cell that starts and ends with printable ASCII is its own trim. Those bytes are
read straight from the Arrow string views (a view holds a cell's first four bytes, and a short
cell whole), so a column of a good file costs a few vector operations instead of a new column.

A cell over ``max_cell_chars`` keeps its first ``max_cell_chars`` characters followed by ``…``.
That text is longer than any column of the file format allows (``Limits.max_cell_chars`` is at
least ``MIN_CELL_CHARS``), so the record is always rejected by the column's own check, and its
errors.csv row echoes the truncated text, not the delivered megabytes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

ELLIPSIS = "…"
MIN_CELL_CHARS = 200     # above every column's own length limit (the longest is 100)
INLINE = 12              # a string view holds a cell of up to 12 bytes itself
PRINTABLE = (0x21, 0x7F)  # bytes that are never part of whitespace: printable ASCII but space


def cleaned(frame: pl.DataFrame, max_cell_chars: int) -> pl.DataFrame:
    """Trim every cell; an empty cell is null (SPEC 3.2); a cell over the limit is cut.

    Each step runs only on the columns it can change, as their string views tell (``_shape``):
    a good file's columns mostly need none of them. Eager on purpose: a lazy collect runs on
    the streaming engine, about 4 ms a file more for a small file."""
    named = frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})
    shapes = {c: _shape(named[c]) for c in named.columns}
    trimmed = named.with_columns(pl.col(c).str.strip_chars() for c, s in shapes.items() if s.edged)
    trimmed = trimmed.with_columns(pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).alias(c)
                                   for c, s in shapes.items() if s.edged or s.empty)
    if trimmed.height == 0:
        return trimmed
    return trimmed.with_columns(_cut(c, max_cell_chars) for c, s in shapes.items() if s.longest > max_cell_chars)


@dataclass(frozen=True)
class _Shape:
    """What a column's string views tell without reading its text: whether trimming may change
    a cell, whether a cell is empty, and a bound on its cells' bytes (cutting below it changes
    nothing). Each errs only towards running a step that then changes nothing."""

    edged: bool
    empty: bool
    longest: int


def _shape(column: pl.Series) -> _Shape:
    edged = empty = False
    longest = 0
    for views in _views(column):
        if views is None:
            return _Shape(True, True, sys.maxsize)
        length = _lengths(views)
        if views.null_count:
            length = length[_valid(views)]
        edged = edged or bool(_edged(views).any())
        empty = empty or bool((length == 0).any())
        longest = max(longest, int(length.max(initial=0)))
    return _Shape(edged, empty, longest)


def _views(column: pl.Series) -> Iterator[pa.Array | None]:
    """The column's chunks as Arrow string-view arrays (Polars' own layout: no copy; a whole
    column would be rechunked, a copy), None for one that is not that layout (then every step
    runs)."""
    for chunk in column.get_chunks():
        views = chunk.to_arrow(compat_level=pl.CompatLevel.newest())
        yield views if pa.types.is_string_view(views.type) else None


def _lengths(views: pa.Array) -> np.ndarray:
    """Each cell's bytes, the first word of its 16-byte view (a null's may be anything)."""
    words = np.frombuffer(views.buffers()[1], dtype=np.int32)
    return words[views.offset * 4:(views.offset + len(views)) * 4:4]


def _valid(views: pa.Array) -> np.ndarray:
    """Which cells are not null, from the validity bitmap."""
    bits = np.frombuffer(views.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, count=views.offset + len(views), bitorder="little")[views.offset:].astype(bool)


def may_need_trim(column: pl.Series) -> np.ndarray:
    """Per cell, whether trimming could change it: its first or last byte lies outside
    PRINTABLE (empty and null cells never change). A superset of the cells ``strip_chars``
    changes, whatever its idea of whitespace, since whitespace is never printable ASCII."""
    masks = [np.ones(len(chunk), dtype=bool) if views is None else _edged(views)
             for chunk, views in zip(column.get_chunks(), _views(column), strict=True)]
    return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)


def _edged(views: pa.Array) -> np.ndarray:
    """``may_need_trim`` of one chunk: a view holds a cell's first four bytes, and a cell of up
    to INLINE bytes whole; a longer cell's last byte is in its data buffer."""
    n = len(views)
    buffers = views.buffers()
    words = np.frombuffer(buffers[1], dtype=np.int32)[views.offset * 4:(views.offset + n) * 4].reshape(n, 4)
    length = words[:, 0]
    inline = np.frombuffer(buffers[1], dtype=np.uint8)[views.offset * 16:(views.offset + n) * 16]
    at = np.minimum(length, INLINE)             # an empty cell reads a byte of its length: unused
    at += np.arange(3, 16 * n, 16, dtype=np.int32)
    last = inline[at]
    _last_of_long(views, buffers, words, last)
    return (length > 0) & (_outside(inline[4::16]) | _outside(last))


def _last_of_long(views: pa.Array, buffers: list, words: np.ndarray, last: np.ndarray) -> None:
    """Fill in the last byte of each cell too long to be inline, from its data buffer; a null's
    view may point anywhere, so nulls are skipped."""
    long = np.flatnonzero(words[:, 0] > INLINE)
    if views.null_count:
        long = long[_valid(views)[long]]
    if long.size == 0:
        return
    buffer, end = words[long, 2], words[long, 3].astype(np.int64) + words[long, 0] - 1
    for b in np.unique(buffer):            # a few data buffers per column
        on = buffer == b
        last[long[on]] = np.frombuffer(buffers[2 + b], dtype=np.uint8)[end[on]]


def _outside(byte: np.ndarray) -> np.ndarray:
    """Outside PRINTABLE, as one unsigned comparison."""
    return (byte - np.uint8(PRINTABLE[0])) >= np.uint8(PRINTABLE[1] - PRINTABLE[0])


def _cut(name: str, max_chars: int) -> pl.Expr:
    text = pl.col(name)
    return pl.when(text.str.len_chars() > max_chars).then(text.str.slice(0, max_chars) + ELLIPSIS).otherwise(text)


def text_bytes(frame: pl.DataFrame) -> int:
    """Bytes of text the cells hold (nulls hold none)."""
    if frame.width == 0:
        return 0
    return int(frame.select(pl.sum_horizontal(pl.all().str.len_bytes().sum())).item() or 0)
