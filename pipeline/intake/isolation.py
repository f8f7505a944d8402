"""The night's side of the reading worker (``worker.py``): hand it files, take back frames.

One worker serves the whole night, so its start-up (about 0.2 s, mostly importing Polars) is
paid once, while the night hashes its first file. Several files may be handed to it before the
first answer is taken (``checks`` bounds how many): it reads them in turn while the night
applies earlier ones. When it dies on a file (a panic, an abort, its memory limit) or takes
longer than ``read_seconds``, that file gets ``FILE_UNREADABLE`` and a line in the log, and the
files handed after it go to a fresh worker, as if they had been handed only then.

What comes back is our own Arrow stream of text cells, the only thing the night's process
decodes. The worker writes it into a memory file (memfd) the night created for that file, then
says so on the file's pipe; the night maps the memory file, so taking the frame copies nothing
(a pipe made the night copy every byte, 5.4 s of a national load's main thread, and kept the
worker holding the frame until the night had drained it).
"""

from __future__ import annotations

import fcntl
import json
import logging
import mmap
import os
import select
import signal
import socket
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc

from pipeline.intake.limits import ReadLimits, Refusal
from pipeline.intake.names import printable
from pipeline.ops.logs import fields

log = logging.getLogger("cki")
START_SECONDS = 120
PIPE_BYTES = 1 << 20
MAX_HEADER = 1 << 20              # the answer's JSON line: at most MAX_COLUMNS names of MAX_NAME
COPY_BYTES = 1 << 20              # a frame up to this size is copied out of its memory file, a larger one mapped
SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW    # not F_SEAL_WRITE: the kernel then waits for the
                                                      # pages the worker just wrote (up to 0.1 s a file)
Received = tuple[pl.DataFrame, list[str]] | Refusal


class WorkerLost(Exception):
    """The worker ended or stalled before it answered; ``reason`` says how, for the file error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Ticket:
    """A read asked of the worker. ``worker`` is the process it was handed to (None while it waits
    to be handed); ``answer`` the pipe its answer comes on and ``frame`` the memory file the frame
    is written to; ``lost`` why the asking failed."""

    fd: int
    request: bytes
    name: str
    ext: str
    worker: subprocess.Popen | None = None
    answer: BinaryIO | None = None
    frame: int | None = None
    lost: str = ""

    def withdraw(self) -> None:
        """Forget the hand-over (its worker is gone): close the answer's pipe and memory file."""
        if self.answer is not None:
            self.answer.close()
        if self.frame is not None:
            os.close(self.frame)
        self.worker, self.answer, self.frame = None, None, None


class ReadingWorker:
    """A worker process for one night's deliveries, restarted after a file that ends it.

    Tickets are taken (``collect``) in the order they were asked (``submit``)."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self._process: subprocess.Popen | None = None
        self._channel: socket.socket | None = None
        self._ready = False
        self._waiting: deque[Ticket] = deque()       # asked and not yet collected, in order

    def __enter__(self) -> ReadingWorker:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        for ticket in self._waiting:
            ticket.withdraw()
        self._waiting.clear()
        self._stop()

    def submit(self, fd: int, name: str, ext: str, size: int, allowed: tuple[str, ...]) -> Ticket:
        """Ask for the text frame of the open delivery ``fd``; the worker reads it while the night
        goes on, and ``collect`` takes the answer. The caller keeps ``fd`` open until then."""
        request = json.dumps({"name": name, "ext": ext, "size": size, "allowed": list(allowed),
                              "limits": self.limits.as_dict()}).encode()
        ticket = Ticket(fd, request, name, ext)
        unhanded = any(t.worker is None and not t.lost for t in self._waiting)
        self._waiting.append(ticket)
        if not unhanded:                # handed in order: behind one that waits, this one waits too
            self._hand(ticket)
        return ticket

    def _hand(self, ticket: Ticket) -> None:
        """Give the ticket to the worker with a fresh pipe and memory file. A worker found gone
        before it took the request is replaced once, unless it still owes earlier answers: then
        the ticket waits until those are settled (``collect`` hands it on)."""
        for attempt in (1, 2):
            if self._process is None:
                self._start()
            channel = self._await_ready()
            out, into = os.pipe()
            _widen(into)
            frame = os.memfd_create("cki-answer", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
            try:
                socket.send_fds(channel, [ticket.request], [ticket.fd, into, frame])
            except OSError:
                os.close(out)
                os.close(frame)
                if any(t.worker is self._process for t in self._waiting):
                    return
                if attempt == 2:
                    ticket.lost = self._ending(self._process)
                    return
                self._stop(kill=True)
                continue
            finally:
                os.close(into)          # the worker holds the only write end: its end is our EOF
            ticket.worker, ticket.answer, ticket.frame = self._process, os.fdopen(out, "rb"), frame
            return

    def collect(self, ticket: Ticket) -> Received:
        """The frame and column names ``submit`` asked for, or why the file was not read."""
        assert self._waiting and self._waiting[0] is ticket, "tickets are collected in the order asked"
        if ticket.worker is None and not ticket.lost:
            self._hand(ticket)
        try:
            if ticket.answer is None:
                raise WorkerLost(ticket.lost)
            return self._receive(ticket)
        except WorkerLost as lost:
            log.warning("%s: the reader %s; the file is rejected and a fresh reader started",
                        printable(ticket.name), lost.reason,
                        extra=fields("reader_lost", file=printable(ticket.name), code="FILE_UNREADABLE"))
            self._replace(ticket.worker)
            return Refusal("FILE_UNREADABLE", f"the reader {lost.reason}", "CSV" if ticket.ext == "csv" else "Parquet")
        finally:
            self._waiting.popleft()
            ticket.withdraw()

    def read(self, fd: int, name: str, ext: str, size: int, allowed: tuple[str, ...]) -> Received:
        return self.collect(self.submit(fd, name, ext, size, allowed))

    def _replace(self, lost: subprocess.Popen | None) -> None:
        """Stop the worker that was lost (the current one, or the one in place of which a fresh
        one could not start) and hand the files it still owed to a fresh one, in order."""
        stopped = self._process if lost is None or lost is self._process else None
        if lost is None or lost is self._process:
            self._stop(kill=True)
        owed = [t for t in list(self._waiting)[1:] if t.worker is None or t.worker in (lost, stopped)]
        for t in owed:
            t.withdraw()
            t.lost = ""
        for t in owed:
            self._hand(t)

    def _receive(self, ticket: Ticket) -> Received:
        assert ticket.answer is not None and ticket.frame is not None
        ready, _, _ = select.select([ticket.answer], [], [], self.limits.read_seconds)
        if not ready:
            raise WorkerLost(f"took longer than {self.limits.read_seconds} seconds (limits.read_seconds)")
        header = ticket.answer.readline(MAX_HEADER)
        if not header.endswith(b"\n"):
            raise WorkerLost(self._ending(ticket.worker))
        body = json.loads(header)
        if "refusal" in body:
            return Refusal(*body["refusal"])
        try:
            frame = _mapped(ticket.frame)
        except Exception:
            raise WorkerLost(self._ending(ticket.worker)) from None
        return frame, body["columns"]

    def _ending(self, process: subprocess.Popen | None) -> str:
        """How the worker ended, once it has."""
        try:
            code = process.wait(timeout=10) if process else None
        except subprocess.TimeoutExpired:
            return "stopped answering"
        if code is not None and code < 0:
            return f"stopped while reading it ({signal.Signals(-code).name})"
        return f"stopped while reading it (exit code {code})"

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [sys.executable, "-P", "-m", "pipeline.intake.worker", str(theirs.fileno()),
                   str(self.limits.reader_memory_bytes)]
        self._process = subprocess.Popen(command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, env=_environment())
        theirs.close()
        self._channel, self._ready = ours, False

    def _await_ready(self) -> socket.socket:
        """The channel to a worker that is ready. The first request waits for the worker's imports;
        a worker that cannot start is a failure of the program, not of a file."""
        assert self._channel is not None
        if self._ready:
            return self._channel
        self._channel.settimeout(START_SECONDS)
        try:
            said = self._channel.recv(16)
        except (OSError, TimeoutError):
            said = b""
        self._channel.settimeout(None)
        if said != b"ready":
            raise RuntimeError(f"the reading worker did not start ({self._ending(self._process)})")
        self._ready = True
        return self._channel

    def _stop(self, kill: bool = False) -> None:
        """Close the channel (a worker between files then exits) and make sure the worker is gone."""
        if self._channel is not None:
            self._channel.close()
        if self._process is not None:
            try:
                if kill:
                    self._process.kill()
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process, self._channel = None, None


def _mapped(frame_fd: int) -> pl.DataFrame:
    """The Arrow stream the worker wrote into the memory file, as a frame. The worker closed the
    file before it answered, and the night seals it against shrinking, so no page the night maps
    can vanish under it. A big frame is read
    over the mapped pages, so nothing is copied and the pages go with the frame's last column
    (mapped at once: one pass of the kernel, not a fault per 4 kB page as the night first reads
    them); a small one (a night's usual file) is copied, so that no descriptor stays open with it
    (a mapping keeps one)."""
    fcntl.fcntl(frame_fd, fcntl.F_ADD_SEALS, SEALS)
    size = os.fstat(frame_fd).st_size
    if size <= COPY_BYTES:
        data = pa.py_buffer(os.pread(frame_fd, size, 0))     # (pa.OSFile stalled up to 50 ms a file)
    else:
        data = pa.py_buffer(mmap.mmap(frame_fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ))
    frame = pl.from_arrow(ipc.open_stream(pa.BufferReader(data)).read_all())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _widen(pipe: int) -> None:
    """A 1 MB pipe (Linux; 64 kB otherwise): a small answer is written whole, so the worker is
    done with it before the night takes it."""
    try:
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass


def _environment() -> dict[str, str]:
    """The night's environment, with this copy of ``pipeline`` first on the worker's path."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env
