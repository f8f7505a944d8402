"""Where cki's log records go: the terminal, and a JSON-lines file a day (decisions 70, 72).

Every command logs to stderr, one line a record: ``<ISO 8601 moment with offset> cki <message>``.
``cki run``, ``cki schedule`` and ``cki barometer`` also append each record as one JSON object to
``paths.logs/cki-<date>.jsonl`` (the date of the moment, in the configured timezone): ts, level,
logger, pid, message, and the structured fields of ``FIELDS`` the call site gave (``fields``).

Privacy by construction (DESIGN 1.5): a message is our own text of counts, codes, file names and
line numbers; a field outside ``FIELDS`` is refused; an exception attached to a record is shown
by its type only, never its text or traceback, since a library's message can quote a cell
(Polars' ``ComputeError``, Pandera, PyArrow); a warning from a library is logged by its category.

Where a record shows (``show``): ``always``; ``plain``, a progress line a terminal's display shows
instead (``pipeline.ops.progress``); ``file``, the JSON file only (a file's outcome, which the
summary on stdout shows as a table).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.errors import ConfigError

FIELDS = frozenset({"event", "run_id", "participant", "file", "kind", "line_no", "code", "status", "stage",
                    "count", "files", "records", "accepted", "rejected", "warnings", "chunks",
                    "errors_by_code", "seconds", "exc_type"})
SHOWS = ("always", "plain", "file")
PREFIX, SUFFIX = "cki-", ".jsonl"
LOGGER = logging.getLogger("cki")


def fields(event: str, show: str = "always", **values: object) -> dict[str, object]:
    """The ``extra`` of a log call: an event name, where it shows, and structured fields."""
    unknown = set(values) - FIELDS
    if unknown or show not in SHOWS:
        raise ValueError(f"not a log field: {sorted(unknown) or show}")
    return {"event": event, "show": show, **values}


class Stamped(logging.Formatter):
    """A terminal line: the moment as ISO 8601 with its offset, in the configured timezone once a
    command has read config.yaml (``zone``), in the machine's until then."""

    zone: tzinfo | None = None

    def __init__(self) -> None:
        super().__init__("%(asctime)s cki %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).astimezone(self.zone).isoformat(timespec="seconds")

    def format(self, record: logging.LogRecord) -> str:
        """The message, and an attached exception's type alone (not a text another handler cached)."""
        bare = logging.makeLogRecord({**vars(record), "exc_info": None, "exc_text": None, "stack_info": None})
        line = super().format(bare)
        return f"{line}\n({record.exc_info[0].__name__})" if record.exc_info and record.exc_info[0] else line


class JsonLines(logging.Formatter):
    """One JSON object a record: our message and fields, an exception by its type only."""

    zone: tzinfo | None = None

    def format(self, record: logging.LogRecord) -> str:
        body = {"ts": self.moment(record).isoformat(timespec="milliseconds"), "level": record.levelname,
                "logger": record.name, "pid": record.process, "message": record.getMessage()}
        body.update((k, v) for k, v in vars(record).items() if k in FIELDS and v is not None)
        if record.exc_info and record.exc_info[0] is not None:
            body["exc_type"] = record.exc_info[0].__name__
        return json.dumps(body, default=str)

    def moment(self, record: logging.LogRecord) -> datetime:
        return datetime.fromtimestamp(record.created, UTC).astimezone(self.zone)


class DailyFile(logging.Handler):
    """Appends each record as one line to the day's file: one ``write`` of the whole line on a
    file opened with O_APPEND, so the records of two processes (a night and ``cki barometer``)
    never mix within a line, and a record is on disk (in the page cache) once logged."""

    def __init__(self, folder: Path, formatter: JsonLines) -> None:
        super().__init__(logging.INFO)
        self.folder, self.fd, self.failed = folder, -1, False
        self.day: date | None = None
        self.lines = formatter          # ``formatter`` as the JsonLines it is: its ``moment`` names the file
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = (self.format(record) + "\n").encode()
            self.open(self.lines.moment(record).date())
            os.write(self.fd, line)
        except Exception:
            self.handleError(record)

    def path(self, day: date) -> Path:
        return self.folder / f"{PREFIX}{day:%Y-%m-%d}{SUFFIX}"

    def open(self, day: date) -> None:
        """The file of ``day`` (the one open unless the day has changed)."""
        if day == self.day:
            return
        self.close_file()
        self.fd = os.open(self.path(day), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self.day = day

    def close_file(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        self.fd, self.day = -1, None

    def close(self) -> None:
        self.close_file()
        super().close()

    def handleError(self, record: logging.LogRecord) -> None:
        """A log that cannot be written does not stop the night (whose own writes find a full
        disk); said once, by the error's type, never with the record's arguments."""
        if not self.failed:
            self.failed = True
            print(f"cki: cannot write the log file in {self.folder} ({type(sys.exception()).__name__}); "
                  "logging to the terminal only", file=sys.stderr)


class Shown(logging.Filter):
    """The terminal leaves out ``file`` records, and ``plain`` ones where a display shows progress."""

    def __init__(self, display: bool) -> None:
        super().__init__()
        self.hidden = {"file", "plain"} if display else {"file"}

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "show", "always") not in self.hidden


class _State:
    """What ``setup`` decided for this command, undone by ``close``."""

    keep_file = False
    console: logging.Handler | None = None
    file: DailyFile | None = None
    level: int = logging.NOTSET
    zone: tzinfo | None = None
    showwarning: Callable[..., None] | None = None


def setup(keep_file: bool, console: logging.Handler, display: bool) -> None:
    """Log to the terminal through ``console`` now (``display``: a progress display shows the
    ``plain`` lines), and to the day's file once config.yaml is read (``keep``) when
    ``keep_file``; library warnings become one line naming their category."""
    console.setFormatter(Stamped())
    console.addFilter(Shown(display))
    logging.basicConfig(level=logging.INFO, handlers=[console])
    _State.keep_file, _State.console, _State.level = keep_file, console, LOGGER.level
    _State.showwarning, warnings.showwarning = warnings.showwarning, _warned


def zone(name: str) -> None:
    """Stamp lines in the configured timezone from now on (every handler that has a zone)."""
    tz = ZoneInfo(name)
    for handler in {*logging.getLogger().handlers, _State.console}:
        if handler is not None and isinstance(handler.formatter, Stamped | JsonLines):
            handler.formatter.zone = tz
    _State.zone = tz


def keep(folder: Path) -> None:
    """Open the day's file in ``folder`` when this command keeps one; called once the setup is
    checked, so a setup mistake creates no folder (decision 68)."""
    if not _State.keep_file or _State.file is not None:
        return
    formatter = JsonLines()
    formatter.zone = _State.zone
    handler = DailyFile(folder, formatter)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler.open(datetime.now(_State.zone).date())
    except OSError as exc:
        raise ConfigError(f"config.yaml: paths.logs: cannot write in {folder} ({type(exc).__name__})") from None
    _State.file = handler
    logging.getLogger().addHandler(handler)
    if LOGGER.getEffectiveLevel() > logging.INFO:      # a caller's logging (pytest's) set no level
        LOGGER.setLevel(logging.INFO)


def close() -> None:
    """Close the day's file and undo ``setup``: a second ``main`` in one process starts afresh."""
    if _State.file is not None:
        logging.getLogger().removeHandler(_State.file)
        _State.file.close()
    if _State.showwarning is not None:
        warnings.showwarning = _State.showwarning
    LOGGER.setLevel(_State.level)
    _State.file, _State.showwarning, _State.keep_file, _State.zone = None, None, False, None


def _warned(message, category, filename, lineno, file=None, line=None) -> None:
    """A library's warning as a log line naming its category and where, never its text."""
    LOGGER.warning("a library warned: %s (%s:%d)", category.__name__, Path(filename).name, lineno,
                   extra=fields("library_warning", code=category.__name__))


def outcomes(run_id: str, results: list) -> None:
    """One ``file`` record per delivery with its outcome and counts (``FileResult``)."""
    from pipeline.intake.names import printable

    for r in results:
        code = r.file_error[0] if r.file_error else None
        LOGGER.info("%s/%s: %s, %d records, %d accepted, %d rejected, %d warnings%s", printable(r.participant),
                    printable(r.file), r.status, r.records, r.accepted, r.rejected, r.warnings,
                    f" ({code})" if code else "",
                    extra=fields("file_outcome", show="file", run_id=run_id, participant=printable(r.participant),
                                 file=printable(r.file), kind=r.kind, status=r.status, records=r.records,
                                 accepted=r.accepted, rejected=r.rejected, warnings=r.warnings, code=code,
                                 errors_by_code=r.errors_by_code))


@contextmanager
def quiet(name: str = "cki") -> Iterator[None]:
    """The night's own log lines held back (below WARNING) while a command that is not a night
    drives its code: a dry run applies nothing, a demo history prints one line a night."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
