"""The whole-file checks of SPEC 4.1, in delivery order, each file read by the reading worker.

The night waits for the reader as little as memory allows: the files after the one in use are
hashed (a big one on a thread) and handed to the worker ahead (``_Window``), within bounds, and
only when no file still in flight can change their outcome, so every file ends as if read one
at a time.

A delivery that fails a check gets a ``file_error`` and is not read further; one that passes
carries its records as text with ``line_no`` (1 = first data row). Links are never followed: the
night opens the file itself with ``O_NOFOLLOW`` and hands the worker that open file, so what
is hashed, read and archived is the same file whatever is renamed in the inbox meanwhile.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

from pipeline.config import Config
from pipeline.intake import records
from pipeline.intake.delivery import Delivery, Ledger
from pipeline.intake.isolation import ReadingWorker, Received, Ticket
from pipeline.intake.limits import ReadLimits, Refusal, file_too_large, line_too_long, too_many_rows
from pipeline.intake.listing import STRAY
from pipeline.intake.names import NAME_RULE, DeliveryName, escaped, parse
from pipeline.intake.scan import Scan, scan

AHEAD_FILES = 8               # deliveries checked and hashed ahead of the one in use
AHEAD_BYTES = 64 << 20        # the answers that may be in flight beyond the next file, at most
SCAN_INLINE_BYTES = 4 << 20   # a file up to this size is scanned at once, a larger one on the scan thread
ANSWER_PER_BYTE = 17          # a CSV's answer, per byte of it: a cell's text and its 16-byte view,
                              # and each cell takes at least one byte (its separator or line end)


def read_limits(config: Config) -> ReadLimits:
    """The worker's copy of ``limits`` in config.yaml."""
    return ReadLimits(**config.settings.limits.model_dump())


def checked(deliveries: list[Delivery], config: Config, ledger: Ledger) -> Iterator[tuple[int, Delivery]]:
    """Run the whole-file checks in delivery order, yielding each delivery once it is checked, so
    its records are used (and released) while the worker reads the files after it. Sequences and
    hashes count within the night."""
    seen = _Seen(dict(ledger.hashes), dict(ledger.last_seq))
    with ReadingWorker(read_limits(config)) as reader, _Window(deliveries, config, seen, reader) as window:
        window.fill(0)
        for i, d in enumerate(deliveries):
            window.answer(i)
            seen.record(d)
            window.fill(i + 1)
            yield i, d


@dataclass
class _Seen:
    """The content hashes and the last sequence per participant and kind, tonight's files included."""

    hashes: dict[str, str]
    last_seq: dict[tuple[str, str], int]

    def record(self, d: Delivery) -> None:
        if d.ok:
            self.hashes[d.sha256 or ""] = d.name
            self.last_seq[(d.folder, d.kind or "")] = d.seq or 0


@dataclass
class _Asked:
    """A delivery past its name and size checks: its open file, its scan (a big file's runs on
    the scan thread), and, once its content checks pass, the worker's ticket."""

    i: int
    d: Delivery
    name: DeliveryName
    fd: int
    size: int
    scanning: Future[Scan]
    ticket: Ticket | None = None

    @property
    def answer_bound(self) -> float:
        """The most the worker's answer can take: a Parquet file's text is bounded only by
        ``max_decoded_bytes``, so one never goes beside another file."""
        return self.size * ANSWER_PER_BYTE if self.name.ext == "csv" else float("inf")

    def depends_on(self, other: _Asked) -> bool:
        """Whether this delivery's duplicate or sequence check could change with the outcome of
        ``other`` (an earlier delivery whose answer is not taken yet): the same content, or the
        same participant and kind with a sequence not above ``other``'s."""
        same_kind = (other.d.folder, other.name.kind) == (self.d.folder, self.name.kind)
        return other.scanning.result().sha256 == self.scanning.result().sha256 \
            or (same_kind and self.name.seq <= other.name.seq)


class _Window:
    """The deliveries ahead of the one the night uses: up to AHEAD_FILES are checked (and their
    files hashed, a big one on a thread) ahead, and their reads are handed to the worker while
    the answers in flight can take at most AHEAD_BYTES (the next file always goes, as one file
    ahead always did). The worker holds no answer back (it writes each into a memory file and
    goes on), so these bounds are what bound the memory beyond the file in use: as before, one
    file ahead, and now small files beside it. A delivery is handed on only when its duplicate
    and sequence checks cannot depend on the files still in flight, and always in delivery
    order."""

    def __init__(self, deliveries: list[Delivery], config: Config, seen: _Seen, reader: ReadingWorker) -> None:
        self.deliveries, self.config, self.seen, self.reader = deliveries, config, seen, reader
        self.ahead: deque[_Asked] = deque()
        self.started = 0                                    # the deliveries begun so far
        self.scanner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cki-scan")

    def __enter__(self) -> _Window:
        return self

    def __exit__(self, *exc: object) -> None:
        self.scanner.shutdown(wait=True, cancel_futures=True)   # no scan reads a file closed below
        for asked in self.ahead:
            os.close(asked.fd)
        self.ahead.clear()

    def fill(self, first: int) -> None:
        """Begin the deliveries up to AHEAD_FILES past ``first`` and hand on what may go."""
        while self.started < len(self.deliveries) and self.started - first < AHEAD_FILES:
            asked = _ask(self.started, self.deliveries[self.started], self.config, self.reader, self.scanner)
            if asked is not None:
                self.ahead.append(asked)
            self.started += 1
        self._hand_on(wait=False)

    def answer(self, i: int) -> None:
        """Delivery ``i`` checked to its end: its records, or the file error that ends it."""
        if self._first_is(i):
            self._hand_on(wait=True)
        if not self._first_is(i):
            return                                          # rejected before it was read
        asked = self.ahead.popleft()
        try:
            if asked.ticket is not None:
                _answer(asked.d, self.reader.collect(asked.ticket))
        finally:
            os.close(asked.fd)

    def _first_is(self, i: int) -> bool:
        return bool(self.ahead) and self.ahead[0].i == i

    def _hand_on(self, wait: bool) -> None:
        """Run the content checks of the waiting deliveries in order and hand the passing ones to
        the worker, up to the first that may not go yet (``_may_go``); with ``wait``, the first
        waiting delivery goes whatever (its turn has come: every file before it is answered)."""
        for k, asked in enumerate(list(self.ahead)):
            if asked.ticket is not None:
                continue
            if not (wait and k == 0) and not self._may_go(asked):
                return
            if not _new_and_within_lines(asked.d, asked.name, asked.scanning.result(), self.seen, self.reader.limits):
                self._drop(asked)
                continue
            asked.ticket = self.reader.submit(asked.fd, asked.d.name, asked.name.ext, asked.size,
                                              records.allowed(asked.name.kind))

    def _may_go(self, asked: _Asked) -> bool:
        """Whether ``asked`` may be checked and handed on before its turn: its scan is done (one
        that failed waits for its turn to fail), no file in flight can change its checks, and
        the answers in flight stay within AHEAD_BYTES (nothing in flight: the next file goes)."""
        if not asked.scanning.done() or asked.scanning.exception() is not None:
            return False
        in_flight = [a for a in self.ahead if a.ticket is not None]
        if any(asked.depends_on(a) for a in in_flight):
            return False
        return not in_flight or sum(a.answer_bound for a in in_flight) + asked.answer_bound <= AHEAD_BYTES

    def _drop(self, asked: _Asked) -> None:
        """A delivery its content checks rejected: nothing more to read."""
        self.ahead.remove(asked)
        os.close(asked.fd)


def _ask(i: int, d: Delivery, config: Config, reader: ReadingWorker, scanner: Executor) -> _Asked | None:
    """The checks of one delivery, cheapest first, up to opening it and starting its scan; None
    when one fails (the delivery then has its file error)."""
    try:
        st = os.lstat(d.path)
    except FileNotFoundError:
        d.reject("FILE_UNREADABLE", value="it was removed from the inbox before it was read",
                 limit="a delivery")
        return None
    if not stat.S_ISREG(st.st_mode):
        d.reject("FILE_NOT_REGULAR", value=escaped(d.name), limit=_kind_of(st.st_mode, d, config))
        return None
    if d.folder == STRAY:
        d.reject("PARTICIPANT_UNKNOWN", value=STRAY, limit=": the file lies in inbox/ itself, outside "
                 "any participant folder (deliveries go in inbox/<PARTICIPANT>/)")
        return None
    name = _entitled(d, config)
    if name is None:
        return None
    if st.st_size > config.settings.max_file_bytes:
        _refuse(d, file_too_large(st.st_size, config.settings.max_file_bytes))
        return None
    if st.st_size == 0:
        d.reject("FILE_EMPTY")
        return None
    fd = _open_regular(d)
    if fd is None:
        d.reject("FILE_NOT_REGULAR", value=escaped(d.name), limit="it changed while being read")
        return None
    line_limit = reader.limits.max_line_bytes if name.ext == "csv" else None
    size = os.fstat(fd).st_size
    return _Asked(i, d, name, fd, size, _scanning(fd, line_limit, size, scanner))


def _scanning(fd: int, line_limit: int | None, size: int, scanner: Executor) -> Future[Scan]:
    """The file's scan: on the scan thread for a big file, at once for a small one (measured on
    a night of 80 small files: handing each to the thread and taking its result back cost the
    night more than the scans themselves)."""
    if size > SCAN_INLINE_BYTES:
        return scanner.submit(scan, fd, line_limit)
    done: Future[Scan] = Future()
    try:
        done.set_result(scan(fd, line_limit))
    except OSError as failed:
        done.set_exception(failed)
    return done


def _kind_of(mode: int, d: Delivery, config: Config) -> str:
    if stat.S_ISLNK(mode) and d.path.parent == config.inbox and d.folder != STRAY:
        return "a link where the participant's inbox folder should be; links are never followed"
    return "a link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "special"


def _entitled(d: Delivery, config: Config) -> DeliveryName | None:
    """The name's parts when the name, the participant and its rights allow the delivery."""
    name = parse(d.name)
    if name is None:
        d.reject("FILE_NAME_INVALID", value=escaped(d.name), limit=NAME_RULE)
        return None
    participant = config.participants.get(d.folder)
    if participant is None:
        d.reject("PARTICIPANT_UNKNOWN", value=escaped(d.folder))
        return None
    d.kind, d.seq = name.kind, name.seq
    if name.participant != d.folder:
        d.reject("FILE_PARTICIPANT_MISMATCH", value=name.participant, limit=d.folder)
        return None
    if name.kind != "RAAD" and not participant.may_register:
        d.reject("PARTICIPANT_NOT_AUTHORIZED", value=d.folder, limit="registrations")
        return None
    if name.kind == "RAAD" and not participant.may_consult:
        d.reject("PARTICIPANT_NOT_AUTHORIZED", value=d.folder, limit="consultation requests")
        return None
    if name.kind == "RAAD" and not participant.may_register:
        d.reject("PARTICIPANT_NOT_AUTHORIZED", value=d.folder, limit="consultation requests: only "
                 "participants that register may consult (reciprocity)")
        return None
    return name


def _new_and_within_lines(d: Delivery, name: DeliveryName, found: Scan, seen: _Seen, limits: ReadLimits) -> bool:
    """Not a duplicate, a higher sequence, and (a CSV) lines within the limits; else rejected."""
    d.sha256 = found.sha256
    previous = seen.last_seq.get((d.folder, name.kind), 0)
    if d.sha256 in seen.hashes:
        d.reject("FILE_DUPLICATE", value=seen.hashes[d.sha256])
    elif name.seq <= previous:
        d.reject("FILE_SEQUENCE", value=f"{name.seq:06d}", limit=f"{previous:06d}")
    elif (refusal := _over_line_limits(found, limits)) is not None:
        _refuse(d, refusal)
    return d.ok


def _answer(d: Delivery, received: Received) -> None:
    """Take the worker's answer for ``d``: its records, or the refusal that ends it."""
    if isinstance(received, Refusal):
        _refuse(d, received)
        return
    records.take(d, *received)


def _over_line_limits(found: Scan, limits: ReadLimits) -> Refusal | None:
    """A CSV line too long, or too many lines for ``max_rows`` (the header is a line)."""
    if found.first_long is not None:
        return line_too_long(*found.first_long, limits)
    if found.lines - 1 > limits.max_rows:
        return too_many_rows(found.lines - 1, limits, "lines of records")
    return None


def _open_regular(d: Delivery) -> int | None:
    """The delivery opened for reading, never through a link and never blocking on a pipe that
    replaced it since the listing; None when it is no longer a regular file."""
    try:
        fd = os.open(d.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    if stat.S_ISREG(os.fstat(fd).st_mode):
        return fd
    os.close(fd)
    return None


def _refuse(d: Delivery, refusal: Refusal) -> None:
    d.refuse(refusal)
