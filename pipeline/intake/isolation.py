"""The night's side of the reading worker (``worker.py``): hand it a file, take back a frame.

One worker serves the whole night, so its start-up (about 0.2 s, mostly importing Polars) is
paid once, while the night hashes its first file. When it dies on a file (a
panic, an abort, its memory limit) or takes longer than ``read_seconds``, that file gets
``FILE_UNREADABLE``, a line in the log, and the next file a fresh worker. What comes back is
our own Arrow stream of text cells, the only thing the night's process decodes.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow.ipc as ipc

from pipeline.intake.limits import ReadLimits, Refusal
from pipeline.intake.names import printable
from pipeline.ops.logs import fields

log = logging.getLogger("cki")
START_SECONDS = 120
PIPE_BYTES = 1 << 20
MAX_HEADER = 1 << 20              # the answer's JSON line: at most MAX_COLUMNS names of MAX_NAME
Received = tuple[pl.DataFrame, list[str]] | Refusal


class WorkerLost(Exception):
    """The worker ended or stalled before it answered; ``reason`` says how, for the file error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Ticket:
    """A read asked of the worker: where its answer comes (None when the asking failed)."""

    answer: BinaryIO | None
    name: str
    ext: str
    lost: str = ""


class ReadingWorker:
    """A worker process for one night's deliveries, restarted after a file that ends it."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self._process: subprocess.Popen | None = None
        self._channel: socket.socket | None = None
        self._ready = False

    def __enter__(self) -> ReadingWorker:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def submit(self, fd: int, name: str, ext: str, size: int, allowed: tuple[str, ...]) -> Ticket:
        """Ask for the text frame of the open delivery ``fd``; the worker reads it while the night
        goes on, and ``collect`` takes the answer. One ticket is out at a time."""
        request = json.dumps({"name": name, "ext": ext, "size": size, "allowed": list(allowed),
                              "limits": self.limits.as_dict()}).encode()
        out, into = os.pipe()
        _widen(into)
        try:
            self._send(request, fd, into)
        except WorkerLost as lost:
            os.close(out)
            return Ticket(None, name, ext, lost.reason)
        finally:
            os.close(into)              # the worker holds the only write end: its end is our EOF
        return Ticket(os.fdopen(out, "rb"), name, ext)

    def _send(self, request: bytes, fd: int, into: int) -> None:
        """Hand the request to the worker; a worker found gone before it took the request (it
        read nothing of this file) is replaced once."""
        for attempt in (1, 2):
            if self._process is None:
                self._start()
            channel = self._await_ready()
            try:
                socket.send_fds(channel, [request], [fd, into])
                return
            except OSError:
                if attempt == 2:
                    raise WorkerLost(self._ending()) from None
                self._stop(kill=True)

    def collect(self, ticket: Ticket) -> Received:
        """The frame and column names ``submit`` asked for, or why the file was not read."""
        try:
            if ticket.answer is None:
                raise WorkerLost(ticket.lost)
            with ticket.answer:
                return self._receive(ticket.answer)
        except WorkerLost as lost:
            log.warning("%s: the reader %s; the file is rejected and a fresh reader started",
                        printable(ticket.name), lost.reason,
                        extra=fields("reader_lost", file=printable(ticket.name), code="FILE_UNREADABLE"))
            self._stop(kill=True)
            return Refusal("FILE_UNREADABLE", f"the reader {lost.reason}", "CSV" if ticket.ext == "csv" else "Parquet")

    def read(self, fd: int, name: str, ext: str, size: int, allowed: tuple[str, ...]) -> Received:
        return self.collect(self.submit(fd, name, ext, size, allowed))

    def _receive(self, answer) -> Received:
        ready, _, _ = select.select([answer], [], [], self.limits.read_seconds)
        if not ready:
            raise WorkerLost(f"took longer than {self.limits.read_seconds} seconds (limits.read_seconds)")
        header = answer.readline(MAX_HEADER)
        if not header.endswith(b"\n"):
            raise WorkerLost(self._ending())
        body = json.loads(header)
        if "refusal" in body:
            return Refusal(*body["refusal"])
        try:
            table = ipc.open_stream(answer).read_all()
        except Exception:
            raise WorkerLost(self._ending()) from None
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame, body["columns"]

    def _ending(self) -> str:
        """How the worker ended, once it has."""
        try:
            code = self._process.wait(timeout=10) if self._process else None
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
            raise RuntimeError(f"the reading worker did not start ({self._ending()})")
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
