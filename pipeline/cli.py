"""The ``cki`` command. Each subcommand parses its arguments and calls one function."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from pipeline.errors import CkiError, DiskFull


class _Stamped(logging.Formatter):
    """Log lines start with the moment as ISO 8601 with its offset, in the configured timezone
    once a command has read config.yaml (``log_timezone``), in the machine's until then."""

    zone: tzinfo | None = None      # set by ``log_timezone``

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).astimezone(self.zone).isoformat(timespec="seconds")


def log_timezone(name: str) -> None:
    """Stamp log lines in this timezone from now on (the handlers' formatters: ``python -m
    pipeline.cli`` runs this module as ``__main__``, a second copy of the class)."""
    from zoneinfo import ZoneInfo

    for handler in logging.getLogger().handlers:
        if hasattr(handler.formatter, "zone"):
            handler.formatter.zone = ZoneInfo(name)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cki", description="Nightly batch processor of the credit register.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="one nightly run")
    run.add_argument("--config", type=Path, default=Path("config.yaml"))
    run.add_argument("--date", type=_date, help="run date (default: today, in the configured timezone)")
    val = sub.add_parser("validate", help="dry run of one delivery file: same checks, nothing applied")
    val.add_argument("file", type=Path)
    val.add_argument("--config", type=Path, default=Path("config.yaml"))
    val.add_argument("--date", type=_date)
    val.add_argument("--out", type=Path, help="where to write the errors file (default: beside the file)")
    sta = sub.add_parser("status", help="the last nights and the register's health; exit 1 when unhealthy")
    sta.add_argument("--config", type=Path, default=Path("config.yaml"))
    sch = sub.add_parser("schedule", help="run every night on the configured cron")
    sch.add_argument("--config", type=Path, default=Path("config.yaml"))
    demo = sub.add_parser("demo", help="make a small realistic workspace and run 16 months of nights, then one more")
    demo.add_argument("--dir", type=Path, default=Path("cki-demo"))
    demo.add_argument("--date", type=_date)
    baro = sub.add_parser("barometer", help="(re)produce the barometers of one reference date")
    baro.add_argument("--peildatum", required=True, type=_date,
                      help="the reference date: the last day of a month or quarter (barometer.frequency)")
    baro.add_argument("--config", type=Path, default=Path("config.yaml"))
    sub.add_parser("file-format", help="print the file-format reference for participants")
    inz = sub.add_parser("inzage", help="a person's right of access: registrations and who consulted them")
    inz.add_argument("--surname", required=True, help="birth surname (a prefix may be written in it)")
    inz.add_argument("--prefix", help="surname prefix, e.g. 'van der'")
    inz.add_argument("--initials", required=True)
    inz.add_argument("--birth-date", required=True, type=_date)
    inz.add_argument("--postcode")
    inz.add_argument("--house-number", type=int)
    inz.add_argument("--config", type=Path, default=Path("config.yaml"))
    inz.add_argument("--date", type=_date, help="the day of the request (default today)")
    inz.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Stamped("%(asctime)s cki %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("apscheduler").setLevel(logging.WARNING)      # its chatter stays below the operator's
    try:
        return _dispatch(args)
    except CkiError as exc:
        print(f"cki: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cki: interrupted; the register is unchanged unless the run had committed", file=sys.stderr)
        return 130
    except Exception as exc:  # the program itself failed: say so without leaking data
        from pipeline.fsio import disk_full

        if disk_full(exc):          # a full disk the write helpers did not see first
            print("cki: the disk is full. A run leaves the register as before it or as after it; free space "
                  "and run cki again: the next run finishes the work.", file=sys.stderr)
            return DiskFull.exit_code
        if args.debug:
            traceback.print_exc()
        print(f"cki: the run could not complete ({type(exc).__name__}); rerun with --debug for details",
              file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from pipeline import commands

    if args.command == "run":
        return commands.run(args.config, args.date)
    if args.command == "validate":
        return commands.validate(args.file, args.config, args.date, args.out)
    if args.command == "status":
        return commands.status(args.config)
    if args.command == "schedule":
        return commands.schedule(args.config)
    if args.command == "demo":
        return commands.demo(args.dir, args.date)
    if args.command == "inzage":
        return commands.inzage(args)
    if args.command == "barometer":
        return commands.barometer(args.peildatum, args.config)
    if args.command == "file-format":
        return commands.file_format()
    return 2


if __name__ == "__main__":
    sys.exit(main())
