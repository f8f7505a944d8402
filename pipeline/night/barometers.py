"""The barometers in a run: the reference dates a night owes, counted on the register as tonight
leaves it, and ``cki barometer``'s restatement of one date in a commit of its own (SPEC 7)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from contracts_schema.barometer import TABLES as BAROMETER_TABLES
from pipeline.barometer import produce
from pipeline.barometer.asof import RegisterTables
from pipeline.barometer.calendar import check_restatable
from pipeline.config import Config, load_pc4
from pipeline.night.recovery import after_the_commit, recover
from pipeline.ops import progress
from pipeline.ops.logs import fields
from pipeline.ops.report import Stopwatch
from pipeline.outbox import publish
from pipeline.outbox.returns import (
    STAGING,
    stage_barometer,
)
from pipeline.register.manifest import PublishPlan
from pipeline.register.store import Register, locked
from pipeline.register.transaction import Transaction

log = logging.getLogger("cki")


@dataclass
class BarometerUpdate:
    """Reference dates produced tonight: their rows, and the whole history they go into."""

    dates: list[date]
    rows: dict[str, pl.DataFrame]
    history: dict[str, pl.DataFrame]


def owed(config: Config, reg: Register, tonight: Register, run_date: date) -> BarometerUpdate | None:
    """The reference dates tonight owes (``reg``: the register before tonight), counted on the
    register as tonight leaves it (``tonight``: the transaction's tables, written, not committed)."""
    history = {t.name: reg.read(t.name) for t in BAROMETER_TABLES}
    dates = produce.due(reg.read("runs"), history, run_date, config.settings.barometer.frequency)
    if not dates:
        return None
    log.info("barometers: producing %s", ", ".join(map(str, dates)), extra=fields("barometers", count=len(dates)))
    progress.note(", ".join(map(str, dates)))
    return _produced(config, produce.tables_of(tonight.scan), history, dates)


def _produced(config: Config, tables: RegisterTables, history: dict[str, pl.DataFrame],
              dates: list[date]) -> BarometerUpdate:
    settings = config.settings
    rows = produce.produce(tables, load_pc4(config), dates, settings.barometer, settings.min_cell_size)
    return BarometerUpdate(dates, rows, produce.merged(history, rows))


def restate_barometer(config: Config, peildatum: date, today: date) -> BarometerUpdate:
    """``cki barometer``: (re)produce one reference date on the committed register and replace
    its rows in the history, in a commit of its own."""
    clock = Stopwatch()
    with locked(config.register), progress.shown():
        reg = recover(config)
        check_restatable(peildatum, produce.first_run(reg.read("runs")), today,
                                          config.settings.barometer.frequency)
        history = {t.name: reg.read(t.name) for t in BAROMETER_TABLES}
        with clock.stage("barometers"):
            progress.note(str(peildatum))
            update = _produced(config, produce.tables_of(reg.scan), history, [peildatum])
        with clock.stage("commit"):
            tx = Transaction(reg, f"B{peildatum:%Y%m%d}-{reg.version + 1:06d}")
            for name, frame in update.history.items():
                tx.replace(name, frame)
            staging = config.outbox / STAGING / tx.run_id
            plan = barometer_plan(config, staging, update)
            manifest = tx.commit(PublishPlan(outbox=plan, staging=staging))
        with clock.stage("publish"), after_the_commit():
            publish.carry_out(config.register, manifest)
            Register(config.register).clean()
        return update


def barometer_plan(config: Config, staging: Path, update: BarometerUpdate) -> list[tuple[Path, Path]]:
    """Stage the history files and the report; the publication plan that moves them."""
    from pipeline.barometer.report import render_html

    html = render_html(update.history, config.settings.min_cell_size)
    return [(staged, config.outbox / rel) for staged, rel in stage_barometer(staging, update.history, html)]
