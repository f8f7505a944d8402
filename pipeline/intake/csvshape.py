"""Where a CSV that Polars could not read breaks, said so that a clerk can mend it (in the worker).

Polars only says that a parse failed, and its messages quote cells, so they are never passed on.
On that failure path the bytes are read once more, in steps that end at a newline, and the first
problem in file order is located: a byte that is not UTF-8, a ``"`` inside a value that does not
start with one, a quoted value whose closing ``"`` is followed by more text, a record with more
fields than the header, and at the end a quoted value that never closes (the ones Polars refuses,
measured). A step's quotes, separators and newlines are classified at once with NumPy; between
steps only a few numbers are carried, so memory follows the step, not the file.

A problem is placed by record (errors.csv's ``line_no``: 0 is the header, 1 the first data row,
counted as Polars counts rows: an empty line is a record, a newline inside quotes is not) and by
the line of the file a text editor shows (1 is the header's line).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from pipeline.intake.limits import Refusal

STEP = 1 << 22
QUOTE, SEP, NL, CR = 34, 59, 10, 13
BOM = b"\xef\xbb\xbf"
BEFORE_OPENING = np.array([SEP, NL, QUOTE], dtype=np.uint8)        # a quote after a quote: "" inside
AFTER_CLOSING = np.array([SEP, NL, QUOTE], dtype=np.uint8)
AFTER_CR = np.array([SEP, NL], dtype=np.uint8)          # "a"\r ends a value only before ; or a newline
EOF = 256
QUOTE_RULE = 'put the whole value in double quotes and write a " inside it as ""'


@dataclass(frozen=True)
class Spot:
    """A place in the file: its byte offset (to order problems), record and line."""

    offset: int
    record: int
    line: int

    def said(self) -> str:
        return f"the header (line {self.line} of the file)" if self.record == 0 else \
            f"record {self.record} (line {self.line} of the file)"


@dataclass(frozen=True)
class Problem:
    """A located problem: its file-error code, where it is, and what to do there."""

    code: str
    spot: Spot
    text: str           # what is wrong there and what to do, after the place

    def refusal(self) -> Refusal:
        limit = "CSV" if self.code == "FILE_UNREADABLE" else ""
        return Refusal(self.code, f"{self.spot.said()} {self.text}", limit, self.spot.record)


def locate(path: str) -> Refusal | None:
    """The first problem of the CSV at ``path`` as a refusal; None when none of the kinds is found."""
    walk = _Walk()
    for piece in _pieces(path):
        found = walk.feed(piece)
        if found is not None:
            return found.refusal()
    found = walk.end()
    return found.refusal() if found is not None else None


def _pieces(path: str) -> Iterator[bytes]:
    """The file's bytes (a BOM dropped) in steps that end just after a newline, the last excepted.
    The night has measured the lines before the worker reads, so none is longer than its limit."""
    with open(path, "rb") as fh:
        carry = fh.read(len(BOM)).removeprefix(BOM)
        while chunk := fh.read(STEP):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            piece, carry = data[:cut], data[cut:]
            if piece:
                yield piece
        if carry:
            yield carry


class _Walk:
    """The state between steps: quote parity, lines and records so far, the open record."""

    def __init__(self) -> None:
        self.offset = self.lines = self.record = 0
        self.inside = 0                       # 1 while a quoted value is open
        self.seps = 0                         # separators of the open record so far
        self.pending = 0                      # bytes of the open record so far
        self.header_fields: int | None = None
        self.record_at = Spot(0, 0, 1)        # where the open record starts
        self.open_at: Spot | None = None      # where the open quoted value starts
        self.prev = NL                        # the byte before the step (the file's start acts as a line's)

    def feed(self, piece: bytes) -> Problem | None:
        """The first problem that shows in this step (or began before it), else None."""
        step = _Step(self, piece)
        found = [p for p in (step.encoding(), step.stray_quote(), step.bad_closing(), step.too_many_fields())
                 if p is not None]
        step.carry_over()
        return min(found, key=lambda p: p.spot.offset) if found else None

    def end(self) -> Problem | None:
        """At the end of the file: a quoted value still open, or a last record (without a newline)
        with too many fields."""
        if self.inside and self.open_at is not None:
            return Problem("FILE_UNREADABLE", self.open_at, 'opens a quoted value with " that is never closed: '
                           'end the value with ", and write a " inside a value as ""')
        if self.pending and self.header_fields is not None and self.seps + 1 > self.header_fields:
            return _too_many(self.record_at, self.seps + 1, self.header_fields)
        return None


class _Step:
    """One step's bytes classified at once: the positions of its quotes and newlines, and of the
    record ends and separators that lie outside quoted values (a running XOR of the quotes)."""

    def __init__(self, walk: _Walk, piece: bytes) -> None:
        self.walk, self.piece = walk, piece
        self.b = np.frombuffer(piece, dtype=np.uint8)
        quote = self.b == QUOTE
        quoted = np.bitwise_xor.accumulate(quote) != bool(walk.inside)     # inside a value after each byte
        self.quotes = np.flatnonzero(quote)
        self.opens = ((walk.inside + np.arange(self.quotes.size)) & 1) == 0     # which quotes open a value
        self.newlines = np.flatnonzero(self.b == NL)
        self.ends = np.flatnonzero((self.b == NL) & ~quoted)                    # record ends
        self.seps = np.flatnonzero((self.b == SEP) & ~quoted)

    def spot(self, pos: int) -> Spot:
        w = self.walk
        return Spot(w.offset + pos, w.record + int(np.searchsorted(self.ends, pos)),
                    w.lines + int(np.searchsorted(self.newlines, pos)) + 1)

    def encoding(self) -> Problem | None:
        try:
            self.piece.decode("utf-8")
        except UnicodeDecodeError as bad:
            return Problem("FILE_ENCODING", self.spot(bad.start), f"holds byte 0x{self.piece[bad.start]:02X}; the "
                           "file looks saved as Windows-1252 or Latin-1 (ANSI)")
        return None

    def stray_quote(self) -> Problem | None:
        """An opening quote that does not start a value: ``ab"c``."""
        opening = self.quotes[self.opens]
        prev = np.where(opening > 0, self.b[np.maximum(opening - 1, 0)], self.walk.prev)
        bad = opening[~np.isin(prev, BEFORE_OPENING)]
        if not bad.size:
            return None
        return Problem("FILE_UNREADABLE", self.spot(int(bad[0])), f'has a " inside a value that does not start '
                       f"with one: {QUOTE_RULE}")

    def bad_closing(self) -> Problem | None:
        """A closing quote followed by more of the value (``"ab"c``), placed at its opening quote:
        where a value was opened by mistake, the rest of the file is read as quoted until a later
        quote closes it, and the opening is what the clerk must find."""
        j = np.flatnonzero(~self.opens)                                 # indexes of closing quotes
        closing = self.quotes[j]
        after, then = self._byte(closing + 1), self._byte(closing + 2)
        ends = (after == EOF) | np.isin(after, AFTER_CLOSING)
        bad = j[~(ends | ((after == CR) & ((then == EOF) | np.isin(then, AFTER_CR))))]
        if not bad.size:
            return None
        k = int(bad[0])
        start = self.spot(int(self.quotes[k - 1])) if k > 0 else self.walk.open_at or self.spot(int(self.quotes[k]))
        return Problem("FILE_UNREADABLE", start, f"has a quoted value whose closing \" is followed by more text: "
                       f"{QUOTE_RULE}")

    def _byte(self, pos: np.ndarray) -> np.ndarray:
        """The bytes at ``pos``, EOF past the step (a step other than the last ends in a newline)."""
        inside = pos < len(self.b)
        return np.where(inside, self.b[np.minimum(pos, len(self.b) - 1)].astype(np.int16), EOF)

    def too_many_fields(self) -> Problem | None:
        if not self.ends.size:
            return None
        fields = self._fields()
        if self.walk.header_fields is None:
            self.walk.header_fields = int(fields[0])
        over = np.flatnonzero(fields > self.walk.header_fields)
        if not over.size:
            return None
        k = int(over[0])
        start = self.spot(int(self.ends[k - 1]) + 1) if k > 0 else self.walk.record_at
        return _too_many(start, int(fields[k]), self.walk.header_fields)

    def _fields(self) -> np.ndarray:
        """The number of fields of every record that ends in this step."""
        at_end = np.searchsorted(self.seps, self.ends)                  # separators before each end
        seps = np.diff(at_end, prepend=0)
        seps[0] += self.walk.seps
        return seps + 1

    def carry_over(self) -> None:
        w, n = self.walk, len(self.b)
        inside = (w.inside + self.quotes.size) & 1
        if inside and self.quotes.size:
            w.open_at = self.spot(int(self.quotes[-1]))
        if self.ends.size:
            last = int(self.ends[-1])
            w.record_at = self.spot(last + 1)
            w.seps = int(self.seps.size - np.searchsorted(self.seps, last))
            w.pending = n - last - 1
        else:
            w.seps += int(self.seps.size)
            w.pending += n
        w.inside, w.offset = inside, w.offset + n
        w.record += int(self.ends.size)
        w.lines += int(self.newlines.size)
        w.prev = int(self.b[-1]) if n else w.prev


def _too_many(start: Spot, fields: int, header: int) -> Problem:
    return Problem("FILE_UNREADABLE", start, f"has {fields} fields where the header has {header}: put a value "
                   'that holds ; in double quotes ("a;b"), or remove the extra ;')
