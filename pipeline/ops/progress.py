"""Progress of long work: a live display on a terminal, plain log lines elsewhere (decision 71).

``cki run``, ``cki schedule`` and ``cki barometer`` on a terminal show, below the log lines, one
row per stage of the night (a spinner, then a tick and its time) and, under intake, the files
read (of all the night's) and the records applied (of those read so far). Where stderr is not a
terminal (cron, systemd, CI), the same moments are log lines: one a file read, one a chunk
applied, one a stage done. Either way they are log records of the day's JSON file too (with
their counts and seconds); the display itself never is.

The call sites are per file, per chunk and per stage, never per record. Without a display (the
tests, ``cki demo``, a pipe) every call costs a log record at most.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pipeline.ops.logs import fields

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

log = logging.getLogger("cki")


class _State:
    console: Console | None = None        # a terminal's, when this command may show a display
    shown: _Display | None = None         # the display of the work going on


def console_handler(long_work: bool) -> tuple[logging.Handler, bool]:
    """The terminal's log handler, and whether a display may show progress: lines go through
    rich's console on a terminal (they scroll above the display), to stderr as they are elsewhere."""
    if long_work and sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True)
        if console.is_terminal and not console.is_dumb_terminal:
            _State.console = console
            return _Lines(console), True
    return logging.StreamHandler(sys.stderr), False


def close() -> None:
    _State.console, _State.shown = None, None


@contextmanager
def shown() -> Iterator[None]:
    """Show the display while the block runs (when there is a terminal); gone when it ends."""
    if _State.console is None or _State.shown is not None:
        yield
        return
    _State.shown = _Display(_State.console)
    try:
        yield
    finally:
        _State.shown.stop()
        _State.shown = None


@contextmanager
def stage(key: str, label: str) -> Iterator[None]:
    """A stage of the work: a row while it runs, a line with its seconds when it is done."""
    if _State.shown is not None:
        _State.shown.begin(key, label)
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    if _State.shown is not None:
        _State.shown.end(key)
    log.info("%s done in %.1f s", label, seconds,
             extra=fields("stage_done", show="plain", stage=key, seconds=round(seconds, 3)))


def note(text: str) -> None:
    """A few words of what the running stage does (``412 requests``), shown beside its row."""
    if _State.shown is not None:
        _State.shown.note(text)


def reading(files: int) -> None:
    """The night's deliveries are about to be read."""
    log.info("reading %d deliveries", files, extra=fields("reading", show="plain", files=files))
    if _State.shown is not None:
        _State.shown.reading(files)


def read(participant: str, file: str, records: int, code: str | None) -> None:
    """One delivery was read: its records, or the code that rejected it whole."""
    said = f"rejected whole ({code})" if code else f"{records} records read"
    log.info("%s/%s: %s", participant, file, said, extra=fields(
        "file_read", show="plain", participant=participant, file=file, records=records, code=code))
    if _State.shown is not None:
        _State.shown.read(records)


def queued(records: int) -> None:
    """Records of an accepted file are waiting for the apply."""
    if _State.shown is not None:
        _State.shown.queued(records)


def applying(chunk: int) -> None:
    """Chunk ``chunk`` of the night (1, 2, ...) is being validated and applied."""
    if _State.shown is not None:
        _State.shown.applying(chunk)


def applied(records: int, chunk: int, seconds: float) -> None:
    """One chunk of records was validated and applied."""
    log.info("chunk %d applied: %d records in %.1f s", chunk, records, seconds, extra=fields(
        "chunk_applied", show="plain", count=chunk, records=records, seconds=round(seconds, 3)))
    if _State.shown is not None:
        _State.shown.applied(records)


class _Lines(logging.Handler):
    """Log lines on a terminal, written through the display's console so they scroll above it."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.out(self.format(record), highlight=False)
        except Exception:
            self.handleError(record)


class _Display:
    """rich's Progress as rows: stages, and under intake the files read and records applied."""

    def __init__(self, console: Console) -> None:
        self.bars = _progress(console)
        self.rows: dict[str, TaskID] = {}
        self.counts = {"read": 0, "queued": 0, "chunks": 0}
        self.current: str | None = None
        self.bars.start()

    def stop(self) -> None:
        self.bars.stop()

    def begin(self, key: str, label: str) -> None:
        if key in self.rows:            # a stage entered again (the commit, around the barometers)
            self.bars.update(self.rows[key], visible=False)
        self.rows[key] = self.bars.add_task(label, total=None, note="", bar=False)
        self.current = key

    def end(self, key: str) -> None:
        self.bars.update(self.rows[key], total=1, completed=1, note="")
        self.current = None

    def note(self, text: str) -> None:
        if self.current is not None:
            self.bars.update(self.rows[self.current], note=text)

    def reading(self, files: int) -> None:
        self.rows["read"] = self.bars.add_task("  files read", total=files, note="0 records", bar=True)

    def read(self, records: int) -> None:
        self.counts["read"] += records
        if "read" in self.rows:
            self.bars.update(self.rows["read"], advance=1, note=f"{self.counts['read']:,} records")

    def queued(self, records: int) -> None:
        self.counts["queued"] += records
        if "apply" not in self.rows:
            self.rows["apply"] = self.bars.add_task("  records applied", total=records, note="", bar=True)
        self.bars.update(self.rows["apply"], total=self.counts["queued"])

    def applying(self, chunk: int) -> None:
        if "apply" in self.rows:
            self.bars.update(self.rows["apply"], note=f"applying chunk {chunk}")

    def applied(self, records: int) -> None:
        self.counts["chunks"] += 1
        chunks = self.counts["chunks"]
        if "apply" in self.rows:
            self.bars.update(self.rows["apply"], advance=records, note=f"{chunks} chunk{'s' * (chunks > 1)}")


def _progress(console: Console) -> Progress:
    """The columns: a spinner (a tick once done), the label, a bar and count where a row has a
    total, a note, the time; wide enough that growing counts do not shift them. Refreshed four
    times a second by rich's own thread."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Column
    from rich.text import Text

    class Bar(BarColumn):
        def render(self, task):
            return super().render(task) if task.fields.get("bar") else Text("")

    class Count(TextColumn):
        def render(self, task):
            if not task.fields.get("bar"):
                return Text("")
            return Text(f"{int(task.completed):,}/{int(task.total or 0):,}", style="progress.download")

    return Progress(SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("{task.description}", markup=False),
                    Bar(bar_width=30), Count("", table_column=Column(min_width=19, justify="right")),
                    TextColumn("{task.fields[note]}", markup=False, table_column=Column(min_width=24)),
                    TimeElapsedColumn(), console=console, transient=True, redirect_stdout=False,
                    refresh_per_second=4)
