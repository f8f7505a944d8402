"""One pass over a delivery's bytes in the night's process: its hash and, for a CSV, its lines.

The file is read in steps of a few MB, so its size never decides the night's memory. The line
measurement is vectorised (NumPy finds the newlines of a step at once) and is ours, not a
reading library's, so it runs before the worker is asked to parse anything: a line over
``max_line_bytes`` or more lines than ``max_rows`` ends the file without a parse. Polars needs
memory far beyond the bytes for one giant line (a 300 MB line peaked at 8.3 GB), and a file of
millions of tiny rows costs 16 bytes per cell however short its cells are.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np

STEP = 1 << 22
NEWLINE = 10


@dataclass
class Scan:
    """What one pass learnt: the content hash and, when measured, the lines."""

    sha256: str
    lines: int = 0
    first_long: tuple[int, int] | None = None   # (line number, bytes) of the first line over the limit


def scan(fd: int, max_line_bytes: int | None) -> Scan:
    """Hash the open file; measure its lines too when ``max_line_bytes`` is given."""
    digest, lines = hashlib.sha256(), _Lines(max_line_bytes) if max_line_bytes else None
    while chunk := os.read(fd, STEP):
        digest.update(chunk)
        if lines is not None:
            lines.feed(chunk)
    found = Scan(digest.hexdigest())
    if lines is not None:
        found.lines, found.first_long = lines.result()
    return found


class _Lines:
    """Line lengths over a stream of steps; a line may span steps."""

    def __init__(self, max_line_bytes: int) -> None:
        self.limit = max_line_bytes
        self.lines = self.carried = 0          # carried: the bytes so far of the line still open
        self.first_long: tuple[int, int] | None = None

    def feed(self, chunk: bytes) -> None:
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == NEWLINE)
        if ends.size == 0:
            self.carried += len(chunk)
            return
        lengths = np.diff(ends, prepend=-1) - 1
        lengths[0] += self.carried
        self._note(lengths)
        self.lines += ends.size
        self.carried = len(chunk) - int(ends[-1]) - 1

    def _note(self, lengths: np.ndarray) -> None:
        long = np.flatnonzero(lengths > self.limit)
        if long.size and self.first_long is None:
            self.first_long = (self.lines + int(long[0]) + 1, int(lengths[long[0]]))

    def result(self) -> tuple[int, tuple[int, int] | None]:
        if self.carried:                                   # a last line without a newline
            self._note(np.array([self.carried]))
            self.lines += 1
        return self.lines, self.first_long
