"""The whole-file checks of SPEC 4.1, in delivery order, each file read by the reading worker.

A delivery that fails a check gets a ``file_error`` and is not read further; one that passes
carries its records as text with ``line_no`` (1 = first data row). Links are never followed: the
night opens the file itself with ``O_NOFOLLOW`` and hands the worker that open file, so what
is hashed, read and archived is the same file whatever is renamed in the inbox meanwhile.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.config import Config
from pipeline.intake import records
from pipeline.intake.delivery import Delivery, Ledger
from pipeline.intake.isolation import ReadingWorker, Ticket
from pipeline.intake.limits import ReadLimits, Refusal, file_too_large, line_too_long, too_many_rows
from pipeline.intake.listing import STRAY
from pipeline.intake.names import NAME_RULE, DeliveryName, escaped, parse
from pipeline.intake.scan import Scan, scan


def read_limits(config: Config) -> ReadLimits:
    """The worker's copy of ``limits`` in config.yaml."""
    return ReadLimits(**config.settings.limits.model_dump())


def checked(deliveries: list[Delivery], config: Config, ledger: Ledger) -> Iterator[tuple[int, Delivery]]:
    """Run the whole-file checks in delivery order, yielding each delivery once it is checked, so
    its records are used (and released) before the file after the next is read: the worker reads
    the next file while the night uses this one. Sequences and hashes count within the night."""
    seen = _Seen(dict(ledger.hashes), dict(ledger.last_seq))
    with ReadingWorker(read_limits(config)) as reader:
        asked = _ask(deliveries[0], config, seen, reader) if deliveries else None
        try:
            for i, d in enumerate(deliveries):
                _answer(d, asked, reader)
                seen.record(d)
                asked = _ask(deliveries[i + 1], config, seen, reader) if i + 1 < len(deliveries) else None
                yield i, d
        finally:
            if asked is not None:
                os.close(asked.fd)


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
    """A delivery whose read the worker was asked for: its open file and the ticket."""

    fd: int
    ticket: Ticket


def _ask(d: Delivery, config: Config, seen: _Seen, reader: ReadingWorker) -> _Asked | None:
    """The checks of one delivery, cheapest first, up to asking the worker to read it; None when
    one fails (the delivery then has its file error)."""
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
    return _ask_content(d, name, seen, reader)


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


def _ask_content(d: Delivery, name: DeliveryName, seen: _Seen, reader: ReadingWorker) -> _Asked | None:
    """Hash the file (and measure a CSV's lines), check it is new, in sequence and within the
    line limits, then ask the worker to read it; the file stays open until the answer is taken."""
    fd = _open_regular(d)
    if fd is None:
        d.reject("FILE_NOT_REGULAR", value=escaped(d.name), limit="it changed while being read")
        return None
    asked = None
    try:
        if _new_and_within_lines(d, name, scan(fd, reader.limits.max_line_bytes if name.ext == "csv" else None),
                                 seen, reader.limits):
            ticket = reader.submit(fd, d.name, name.ext, os.fstat(fd).st_size, records.allowed(name.kind))
            asked = _Asked(fd, ticket)
    finally:
        if asked is None:
            os.close(fd)
    return asked


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


def _answer(d: Delivery, asked: _Asked | None, reader: ReadingWorker) -> None:
    """Take the worker's answer for ``d``: its records, or the refusal that ends it."""
    if asked is None:
        return
    try:
        received = reader.collect(asked.ticket)
    finally:
        os.close(asked.fd)
    if isinstance(received, Refusal):
        _refuse(d, received)
        return None
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
