"""What each ``cki`` subcommand does, as plain functions the CLI and the tests call."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from pipeline.config import load_config, today_in
from pipeline.night import run_night
from pipeline.ops.preflight import ready
from pipeline.outbox.returns import BAROMETER


def run(config_path: Path, run_date: date | None) -> int:
    config = ready(config_path, night=True)
    run_date = run_date or today_in(config.settings.timezone)
    result = run_night(config, run_date)
    sys.stdout.write(result.summary(config.outbox, config.settings.language))
    return 0


def barometer(peildatum: date, config_path: Path) -> int:
    from pipeline.night import restate_barometer

    config = ready(config_path, pc4=True)
    update = restate_barometer(config, peildatum, today_in(config.settings.timezone))
    rows = update.rows["kredietbarometer_nationaal"].row(0, named=True)
    print(f"barometers for {peildatum} (re)produced: {rows['persons_with_credit']} persons with a consumer "
          f"credit, {rows['persons_in_arrears']} in arrears, {rows['contracts']} running contracts")
    print(f"the history holds {len(update.history['kredietbarometer_nationaal'])} reference dates: "
          f"{config.outbox / BAROMETER}/barometer.html and the tables beside it")
    return 0


def validate(file: Path, config_path: Path, run_date: date | None, out: Path | None) -> int:
    from pipeline.dryrun import dry_run, said

    config = ready(config_path)
    run_date = run_date or today_in(config.settings.timezone)
    result, written = dry_run(config, file, run_date, out)
    sys.stdout.write(said(file, result, written, config.settings.language))
    return 0 if result.status == "ACCEPTED" else 1


def status(config_path: Path) -> int:
    """``cki status``: exit 0 when the register is healthy, 1 with one line per problem when not."""
    from pipeline.ops.status import status as look

    report = look(ready(config_path, night=True))     # a setup mistake a night would stop at: exit 2
    sys.stdout.write(report.as_text())
    return 0 if report.healthy else 1


def export(folder: Path, as_of: date | None, config_path: Path) -> int:
    """``cki export``: the register (as of a date) as plain Parquet in a new folder."""
    from pipeline.ops.export import export as write

    config = ready(config_path)
    sys.stdout.write(write(config, folder, as_of, today_in(config.settings.timezone)).as_text())
    return 0


def schedule(config_path: Path) -> int:
    from pipeline.schedule import serve

    config = ready(config_path, night=True)
    serve(config, config_path)
    return 0


def demo(folder: Path, run_date: date | None) -> int:
    from pipeline.demo_data import draft_path, write_demo_workspace
    from pipeline.demo_history import held_back, history, night_line
    from pipeline.ops.logs import quiet

    run_date = run_date or today_in("Europe/Amsterdam")
    config_path = write_demo_workspace(folder, run_date)
    print(f"demo workspace: {folder.resolve()}")
    config, past = load_config(config_path), history(run_date)
    print(f"first the {len(past.nights)} nights before {run_date}, one a month (BANK2, KREDIET2, LEASE2):")
    with held_back(config.inbox), quiet():
        for night in past.nights:
            past.deliver(config.inbox, night)
            print(night_line(run_night(config, night)))
    print(f"then the night of {run_date}:")
    code = run(config_path, run_date)
    draft = draft_path(folder, run_date)
    print(f"\nThe barometers, one reference date per quarter: {folder}/outbox/barometer/barometer.html\n"
          f"  (the tables: {folder}/outbox/barometer/*.csv)\n"
          f"Every rejected record and why: {folder}/outbox/<participant>/*.errors.csv\n"
          f"  (in a spreadsheet, exactly as delivered: *.errors.xlsx)\n"
          f"A participant's dry run of a draft delivery (nothing is applied):\n"
          f"  .venv/bin/cki validate {draft} --config {config_path} --date {run_date}")
    return code


def file_format(language: str = "en") -> int:
    """``cki file-format``: the participants' reference in English or Dutch."""
    from contracts_schema.reference import render

    sys.stdout.write(render(language))
    return 0


def inzage(args) -> int:
    """``cki inzage``: the access report for the person in plain words (``--language``, else
    config.yaml's ``language``), as JSON for a machine, or as a printable letter (``--html``)."""
    import json

    from pipeline.consult.inzage import Person, inspect
    from pipeline.consult.inzage_text import as_text, letter

    config = ready(args.config)
    person = Person(args.surname, args.initials, args.birth_date, args.prefix, args.postcode, args.house_number)
    report = inspect(config, person, args.date or today_in(config.settings.timezone))
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return 0
    doc = letter(report, args.language or config.settings.language)
    if args.html:
        from pipeline.consult.inzage_html import write_letter

        sys.stdout.write(write_letter(doc, args.html))
        return 0
    sys.stdout.write(as_text(doc))
    return 0


def contract(args) -> int:
    """``cki contract``: exit 0 when the register holds the contract, 1 when it does not (never
    registered, or erased: the first line says which)."""
    import json

    from pipeline.ops.contract import look_up, render

    report = look_up(ready(args.config), args.participant, args.number, args.as_of)
    sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n" if args.json else render(report))
    return 0 if report["registered"] else 1
