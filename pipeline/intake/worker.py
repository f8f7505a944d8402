"""The reading worker: the process that runs the reading libraries on the participants' files.

``python -P -m pipeline.intake.worker CHANNEL_FD MEMORY_BYTES``. A Polars or Rayon panic aborts the
whole process and cannot be caught (pola-rs/polars#19158, #15342), and a hostile file can make a
library allocate without end; here that ends this process, which the night replaces, and not
the night. Its data segment is limited with RLIMIT_DATA (measured: RLIMIT_AS counts the
gigabytes of address space the allocators and thread stacks reserve but never touch, so a small
read already aborted under a 1 GB RLIMIT_AS, while RLIMIT_DATA tracks resident memory closely).

Protocol, requests served in the order sent (the night may send several before it takes the
first answer): the night sends a JSON request with three descriptors over the channel (a Unix
SEQPACKET socket): the delivery, opened by the night without following links, the write end of a
fresh pipe, and a fresh memory file (memfd). When the file was read, the worker writes the text
frame as an Arrow IPC stream into the memory file; then it writes one JSON line to the pipe (the
refusal, or the column names) and closes both, so a worker that dies mid-frame leaves the night
an empty pipe, never half a frame. It never waits for the night to take an answer. The
channel's end is the end of the night. Nothing is written to stderr after start-up: a panic message can quote a
cell. ``CKI_READER_FAULT=abort:NAME`` (or ``hang:NAME``) makes the worker abort (or hang) on the
delivery NAME, for the tests.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import time

from pipeline.intake.limits import ReadLimits, Refusal
from pipeline.intake.reader import read_delivery

READY = b"ready"
PYARROW_ROWS = 20_000
MAX_REQUEST = 1 << 16


def main(argv: list[str]) -> int:
    """Serve the night's requests until it closes the channel. READY is said once the imports are
    done, so a worker that cannot start fails the night at start, not a participant's file."""
    channel = socket.socket(fileno=int(argv[0]))
    _limit_memory(int(argv[1]))
    try:
        channel.send(READY)
    except OSError:                     # the night needed no reading after all
        return 0
    _silence_stderr()
    while True:
        message, fds, _, _ = socket.recv_fds(channel, MAX_REQUEST, 3)
        if not message:
            return 0
        _serve(json.loads(message), *fds)


def _limit_memory(limit: int) -> None:
    """Hard too, so nothing the worker runs can raise it again."""
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _silence_stderr() -> None:
    """A library's panic message can quote a cell; the night logs the worker's end instead."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _serve(request: dict, file_fd: int, out_fd: int, frame_fd: int) -> None:
    """Read one delivery, write its frame into the memory file and the answer line to its pipe."""
    _fault(request["name"])
    try:
        outcome = read_delivery(f"/proc/self/fd/{file_fd}", request["ext"], request["size"],
                                ReadLimits(**request["limits"]), tuple(request["allowed"]))
    finally:
        os.close(file_fd)
    with os.fdopen(frame_fd, "wb") as into:
        if not isinstance(outcome, Refusal):
            _write_frame(into, outcome[0])
    with os.fdopen(out_fd, "wb") as out:
        if isinstance(outcome, Refusal):
            out.write(_line({"refusal": [outcome.code, outcome.value, outcome.limit, outcome.line_no]}))
        else:
            out.write(_line({"columns": outcome[1], "rows": outcome[0].height}))


def _write_frame(out, frame) -> None:
    """The frame as an Arrow IPC stream. PyArrow writes a big frame about eight times faster than
    Polars, but importing it costs the night's first file 0.13 s, so a small frame (a night's
    usual delivery) is written by Polars."""
    import polars as pl

    if frame.height < PYARROW_ROWS:
        frame.write_ipc_stream(out, compat_level=pl.CompatLevel.newest())
        return
    import pyarrow.ipc as ipc

    table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    with ipc.new_stream(out, table.schema) as writer:
        writer.write_table(table)


def _line(body: dict) -> bytes:
    return json.dumps(body).encode() + b"\n"


def _fault(name: str) -> None:
    """The test hook: abort or hang on one named delivery."""
    action, _, target = os.environ.get("CKI_READER_FAULT", "").partition(":")
    if target and target == name:
        if action == "abort":
            os.abort()
        if action == "hang":
            time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
