"""What a text column's Arrow string views tell without reading its text (used by ``cells``).

Polars holds a text column as Arrow string views: 16 bytes a cell, its length first, then, for
a cell of up to 12 bytes, the cell itself, and for a longer one its first four bytes and where
the rest lies in a data buffer. So a cell's length, its first byte and (up to 12 bytes) its last
byte are read with a few NumPy operations on the views, and a longer cell's last byte with one
gather from its buffer: enough to know which columns trimming, empty-to-null or cutting can
change, without a new column. NumPy and PyArrow are imported here only, so a worker that reads
only small files (a night's) never loads them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

INLINE = 12              # a string view holds a cell of up to 12 bytes itself
PRINTABLE = (0x21, 0x7F)  # bytes that are never part of whitespace: printable ASCII but space


@dataclass(frozen=True)
class Shape:
    """What a column's string views tell without reading its text: whether trimming may change
    a cell, whether a cell is empty, and a bound on its cells' bytes (cutting below it changes
    nothing). Each errs only towards running a step that then changes nothing."""

    edged: bool
    empty: bool
    longest: int


def shape(column: pl.Series) -> Shape:
    """The column's ``Shape``, chunk by chunk."""
    edged = empty = False
    longest = 0
    for views in _views(column):
        if views is None:
            return Shape(True, True, sys.maxsize)
        length = _lengths(views)
        if views.null_count:
            length = length[_valid(views)]
        edged = edged or bool(_edged(views).any())
        empty = empty or bool((length == 0).any())
        longest = max(longest, int(length.max(initial=0)))
    return Shape(edged, empty, longest)


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
