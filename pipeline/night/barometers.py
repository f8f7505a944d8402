"""The barometers in a run: the reference dates a night owes, counted on the register as tonight
leaves it, and ``cki barometer``'s restatement of one date in a commit of its own (SPEC 7).

A night counts its dates on a thread of their own while it answers the requests and writes
(decisions 118, 119): the count reads the tables as tonight's plan leaves them, so it starts as
soon as the plan is final and need not wait for the answers or the writes, and it shares the two
cores with them (the writes are mostly fsync waits, on one core). The thread only computes: the
staged files are written on the night's thread, in a fixed order.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
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
from pipeline.register.plan import Plan
from pipeline.register.store import Register, locked
from pipeline.register.transaction import Transaction

log = logging.getLogger("cki")


@dataclass
class BarometerUpdate:
    """Reference dates produced tonight: their rows, the whole history they go into, and the
    report drawn from it."""

    dates: list[date]
    rows: dict[str, pl.DataFrame]
    history: dict[str, pl.DataFrame]
    html: str


class Counting:
    """The reference dates tonight owes (``reg``: the register before tonight), counted on a
    thread while the night answers and writes: ``count`` starts it on the tables as the night's
    final plan leaves them, ``result`` waits for it. The thread imports what the count needs
    first, while the night reads its first file. Leaving the block waits for the thread too, so a
    night that fails while it counts stops only once the count has let go of the register's files."""

    def __init__(self, config: Config, reg: Register, run_date: date) -> None:
        self.config, self.reg = config, reg
        self.history = {t.name: reg.read(t.name) for t in BAROMETER_TABLES}
        self.dates = produce.due(reg.read("runs"), self.history, run_date, config.settings.barometer.frequency)
        self._pool: ThreadPoolExecutor | None = None
        self._counted: Future[BarometerUpdate] | None = None
        if self.dates:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cki-barometers")
            self._pool.submit(_imported)

    def __enter__(self) -> Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def count(self, plan: Plan) -> None:
        """Start counting the dates owed on the tables as ``plan`` leaves them."""
        if self._pool is None:
            return
        log.info("barometers: producing %s", ", ".join(map(str, self.dates)),
                 extra=fields("barometers", count=len(self.dates)))
        tables = produce.tables_of(partial(self.reg.planned, plan))     # built here: the thread only collects
        self._counted = self._pool.submit(_produced, self.config, tables, self.history, self.dates)

    def result(self) -> BarometerUpdate | None:
        """The dates counted (None: tonight owes none); raises what the count raised."""
        if self._counted is None:
            return None
        progress.note(", ".join(map(str, self.dates)))
        return self._counted.result()


def _imported() -> None:
    """What the count imports on its way (SciPy's solver for the disclosure audit, plotly for the
    report): about half a second on one core, taken while the night waits for its first file."""
    import scipy.optimize  # noqa: F401

    import pipeline.barometer.report  # noqa: F401


def _produced(config: Config, tables: RegisterTables, history: dict[str, pl.DataFrame],
              dates: list[date]) -> BarometerUpdate:
    from pipeline.barometer.report import render_html

    settings = config.settings
    rows = produce.produce(tables, load_pc4(config), dates, settings.barometer, settings.min_cell_size)
    merged = produce.merged(history, rows)
    return BarometerUpdate(dates, rows, merged, render_html(merged, settings.min_cell_size))


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
    return [(staged, config.outbox / rel) for staged, rel in stage_barometer(staging, update.history, update.html)]
