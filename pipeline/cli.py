"""The ``cki`` command. Each subcommand parses its arguments and calls one function."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from datetime import date
from pathlib import Path

from pipeline.errors import CkiError, DiskFull
from pipeline.ops import logs, progress

LONG_WORK = ("run", "schedule", "barometer")   # a progress display on a terminal, and the day's log file
CONFIG_HELP = "the configuration file (default: config.yaml)"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date YYYY-MM-DD") from None


def _version() -> str:
    """The installed package's version (pyproject.toml), as pip knows it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cki")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked: ``importlib.metadata`` is a fifth of the imports of
    ``cki --help`` (argparse's own version action needs the text when the parser is built)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"cki {_version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cki", description="Nightly batch processor of the credit register.")
    parser.add_argument("--version", action=_VersionAction, help="show program's version number and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="one nightly run")
    run.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    run.add_argument("--date", type=_date, help="run date (default: today, in the configured timezone)")
    val = sub.add_parser("validate", help="dry run of one delivery file: same checks, nothing applied")
    val.add_argument("file", type=Path, help="the delivery file to check, named as a delivery")
    val.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    val.add_argument("--date", type=_date, help="the processing date to check against (default: today)")
    val.add_argument("--out", type=Path,
                     help="where to write the errors file, errors.xlsx beside it (default: beside the file; "
                          "required for a file in the inbox)")
    sta = sub.add_parser("status", help="the last nights and the register's health; exit 1 when unhealthy")
    sta.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    sch = sub.add_parser("schedule", help="run every night on the configured cron")
    sch.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    demo = sub.add_parser("demo", help="make a small realistic workspace and run 16 months of nights, then one more")
    demo.add_argument("--dir", type=Path, default=Path("cki-demo"),
                      help="the folder to make the demo workspace in (default: cki-demo)")
    demo.add_argument("--date", type=_date, help="the demo night's date (default: today)")
    baro = sub.add_parser("barometer", help="(re)produce the barometers of one reference date")
    baro.add_argument("--peildatum", required=True, type=_date,
                      help="the reference date: the last day of a month or quarter (barometer.frequency)")
    baro.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    ff = sub.add_parser("file-format", help="print the file-format reference for participants")
    ff.add_argument("--language", choices=["nl", "en"], default="en",
                    help="en (default): docs/file-format.md; nl: docs/bestandsformaat.md")
    inz = sub.add_parser("inzage", help="a person's right of access: registrations and who consulted them")
    inz.add_argument("--surname", required=True, help="birth surname (a prefix may be written in it)")
    inz.add_argument("--prefix", help="surname prefix, e.g. 'van der'")
    inz.add_argument("--initials", required=True, help="initials, e.g. 'J.P.'")
    inz.add_argument("--birth-date", required=True, type=_date, help="birth date YYYY-MM-DD")
    inz.add_argument("--postcode", help="postcode, e.g. 1011AB: with --house-number, tells apart namesakes")
    inz.add_argument("--house-number", type=int, help="house number, with --postcode")
    inz.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    inz.add_argument("--date", type=_date, help="the day of the request (default today)")
    inz.add_argument("--language", choices=["nl", "en"], help="the language of the text and the letter "
                                                              "(default: language in config.yaml)")
    form = inz.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="machine-readable output")
    form.add_argument("--html", type=Path, metavar="PATH", help="write a printable letter (HTML, A4) to PATH")
    exp = sub.add_parser("export", help="a consistent snapshot of the register as plain Parquet for the "
                                        "register's own analysts and engines (it holds personal data)",
                         description="Write one committed version of the register as plain, Hive-partitioned "
                                     "Parquet that DuckDB, Spark or Trino read as it is (the files in register/data "
                                     "are never to be read directly). The export holds personal data: it is for "
                                     "the register's own analysts and engines only, and is written owner-only.")
    exp.add_argument("dir", type=Path, metavar="DIR", help="a new (or empty) folder; written whole, owner-only (0700)")
    exp.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                     help="the register as it stood on this date (default: now)")
    exp.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    con = sub.add_parser("contract", help="a contract's state on a date and its history (file, line, run), "
                                          "for a dispute; exit 1 when the register holds no such contract")
    con.add_argument("participant", help="participant code, e.g. BANK1")
    con.add_argument("number", help="the participant's contract number (one starting with '-' after '--')")
    con.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD",
                     help="the date of the state (default: the last run's date)")
    con.add_argument("--json", action="store_true", help="the same as one JSON document")
    con.add_argument("--config", type=Path, default=Path("config.yaml"), help=CONFIG_HELP)
    return parser


def main(argv: list[str] | None = None) -> int:
    _no_huge_pages()
    args = _parser().parse_args(argv)
    long_work = args.command in LONG_WORK
    logs.setup(long_work, *progress.console_handler(long_work))     # the file once config.yaml is read
    logging.getLogger("apscheduler").setLevel(logging.WARNING)      # its chatter stays below the operator's
    try:
        return _handled(args)
    finally:
        logs.close()
        progress.close()


def _no_huge_pages() -> None:
    """NumPy asks the kernel for transparent huge pages for every array of 4 MB or more, and where
    the kernel then compacts memory to find one at the array's first touch (``defrag`` = madvise,
    Debian's default) the barometers' arrays cost more faulting than computing (decision 115).
    Off for cki's processes, before NumPy loads (the reading worker inherits the environment);
    an operator's own ``NUMPY_MADVISE_HUGEPAGE`` wins."""
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def _handled(args: argparse.Namespace) -> int:
    """The command, and its one handler of errors: a line on stderr (and a record of its type and
    exit code in the day's log file, decision 72)."""
    try:
        return _dispatch(args)
    except CkiError as exc:
        _failed(type(exc).__name__, exc.exit_code)
        print(f"cki: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        _failed("KeyboardInterrupt", 130)
        print("cki: interrupted; the register is unchanged unless the run had committed", file=sys.stderr)
        return 130
    except Exception as exc:  # the program itself failed: say so without leaking data
        from pipeline.fsio import disk_full

        if disk_full(exc):          # a full disk the write helpers did not see first
            print("cki: the disk is full. A run leaves the register as before it or as after it; free space "
                  "and run cki again: the next run finishes the work.", file=sys.stderr)
            return DiskFull.exit_code
        _failed(type(exc).__name__, 1)
        if args.debug:
            traceback.print_exc()
        print(f"cki: the run could not complete ({type(exc).__name__}); rerun with --debug for details",
              file=sys.stderr)
        return 1


def _failed(kind: str, exit_code: int) -> None:
    """The day's log file records how a command ended, by the error's type (its text can quote data)."""
    logging.getLogger("cki").error("cki ended with exit code %d (%s)", exit_code, kind,
                                   extra=logs.fields("ended", show="file", code=kind, count=exit_code))


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
    if args.command == "export":
        return commands.export(args.dir, args.as_of, args.config)
    if args.command == "contract":
        return commands.contract(args)
    if args.command == "barometer":
        return commands.barometer(args.peildatum, args.config)
    if args.command == "file-format":
        return commands.file_format(args.language)
    return 2


if __name__ == "__main__":
    sys.exit(main())
