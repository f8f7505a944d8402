"""``cki schedule``: the nightly run on ``schedule.cron``, never two at once, a missed night caught up once.

The trigger is made from config.yaml at every start, so a changed cron or timezone takes effect
then (the log says what it was and what it is). What runs is decided by ``pipeline.cron.due`` on
the register's ledger of nights (``runs``), at start (a night missed while the scheduler was down)
and at every fire; a night is ``cki run --date D`` in this process (decisions 65–67).

SIGTERM or Ctrl-C lets a running night finish, then the scheduler exits 0; a second Ctrl-C
interrupts the night, which leaves the register as before it or as after it (its commit is one
atomic swap).
"""

from __future__ import annotations

import json
import logging
import pickle
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from pipeline import cron, fsio
from pipeline.config import Config, Settings, load_config
from pipeline.errors import CkiError, RunLocked
from pipeline.ops.logs import fields
from pipeline.register.locks import flocked
from pipeline.register.store import reading

log = logging.getLogger("cki")
LOCK = ".schedule.lock"
REMEMBERED = "schedule.json"          # the schedule of the last start, to log a change
LEGACY_STORE = "schedule.sqlite"      # APScheduler's job store of earlier versions (decision 66)
MAX_WAIT = 60.0                       # seconds between looks at the clock (a suspend or a clock step)
LATE = timedelta(minutes=5)           # a night started later than this after its fire is a catch-up


class Clock(Protocol):
    def now(self) -> datetime: ...

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the scheduler is asked to stop."""
        ...


class Stop:
    """SIGTERM and Ctrl-C ask the scheduler to stop once the running night has finished."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.night: date | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.event.set()
        if self.night is None:
            log.info("%s: stopping", name)
            return
        again = " (a second Ctrl-C interrupts it)" if signum == signal.SIGINT else ""
        log.info("%s: stopping once the night of %s has finished%s", name, self.night, again)


class SystemClock:
    def __init__(self, stop: Stop, zone: ZoneInfo) -> None:
        self.stop, self.zone = stop, zone

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def wait(self, seconds: float) -> bool:
        return self.stop.event.wait(max(0.0, seconds))


def nightly(config_path: Path, run_date: date) -> None:
    """One scheduled night: exactly ``cki run --date``, its summary included. A night that cannot
    run is logged in one line; the scheduler goes on to the next fire."""
    from pipeline import commands

    log.info("the night of %s starts", run_date, extra=fields("night_starts"))
    try:
        commands.run(config_path, run_date)
    except RunLocked:
        log.warning("the night of %s was skipped: another run holds the register lock", run_date,
                    extra=fields("night_skipped", code="RunLocked"))
    except CkiError as exc:     # our own one-line message (a setup mistake, a full disk)
        log.error("the night of %s did not run: %s", run_date, exc,
                  extra=fields("night_failed", code=type(exc).__name__))
    except Exception as exc:    # the scheduler outlives a failed night; its message may quote data
        log.error("the night of %s could not complete (%s); the register is as before it or as after it, "
                  "and the next night finishes the work (cki run --date %s --debug shows why)",
                  run_date, type(exc).__name__, run_date, extra=fields("night_failed", code=type(exc).__name__))
    finally:
        sys.stdout.flush()


def last_run(register: Path) -> date | None:
    """The latest date the register has run (None before its first night)."""
    with reading(register) as reg:
        last = reg.read("runs")["run_date"].max()
    return last if isinstance(last, date) else None


def moment(fire: datetime, zone: ZoneInfo) -> str:
    """A fire time as the real moment (02:00 of a spring-forward night is 03:00+02:00)."""
    return fire.astimezone(UTC).astimezone(zone).isoformat(timespec="minutes")


def run_due(trig: CronTrigger, now: datetime, register: Path, night: Callable[[date], None], stop: Stop) -> None:
    decision = cron.due(trig, now, last_run(register))
    fire, run_date = decision.fire, decision.run_date        # a run date always has its fire
    if fire is None or run_date is None:
        if fire is not None:
            log.info("the fire of %s is not run: %s", moment(fire, trig.timezone), decision.reason)
        return
    if cron.utc(now) - cron.utc(fire) > LATE:
        log.info("catching up the night of %s (its fire at %s was missed)", run_date, moment(fire, trig.timezone))
    stop.night = run_date
    try:
        night(run_date)
    finally:
        stop.night = None


def loop(trig: CronTrigger, clock: Clock, register: Path, night: Callable[[date], None], stop: Stop) -> None:
    """Look back once (a night missed while down), then wake at every fire until asked to stop."""
    now = clock.now()
    if not stop.event.is_set():
        run_due(trig, now, register, night, stop)
    while not stop.event.is_set():
        fire = cron.next_fire(trig, now)
        if fire is None:
            log.info("the schedule fires no more")
            return
        log.info("next night at %s", moment(fire, trig.timezone))
        while cron.utc(now := clock.now()) < cron.utc(fire):
            seconds = (cron.utc(fire) - cron.utc(now)).total_seconds()
            if clock.wait(min(MAX_WAIT, seconds)):
                return
        if stop.event.is_set():
            return
        run_due(trig, now, register, night, stop)


def remember(register: Path, cron_line: str, timezone: str) -> None:
    """Log the schedule, and what it was if it changed since the last start."""
    path, legacy = register / REMEMBERED, register / LEGACY_STORE
    now = {"cron": cron_line, "timezone": timezone}
    before = _read_json(path) if path.exists() else _legacy(legacy)
    if before is not None and before != now:
        log.info("schedule changed in config.yaml: was \"%s\" in %s, now \"%s\" in %s",
                 before.get("cron"), before.get("timezone"), cron_line, timezone)
    else:
        log.info("schedule \"%s\" in %s", cron_line, timezone)
    if before != now:
        fsio.write_json(path, now)
    if legacy.exists():
        legacy.unlink()
        log.info("removed %s, the job store of an earlier cki schedule: the register's nights decide now", legacy)


def _read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _legacy(store: Path) -> dict | None:
    """The trigger an earlier version kept in APScheduler's SQLAlchemy job store (a pickled job
    state, our own file), as cron text and timezone."""
    if not store.exists():
        return None
    try:
        with sqlite3.connect(store) as db:
            row = db.execute("select job_state from apscheduler_jobs where id = 'nightly'").fetchone()
        trig = pickle.loads(row[0])["trigger"]
        return {"cron": cron.cron_text(trig), "timezone": str(trig.timezone)}
    except Exception:       # unreadable: nothing to compare with
        return None


@contextmanager
def _single(register: Path) -> Iterator[None]:
    """One scheduler per register: a lock held for the scheduler's life."""
    register.mkdir(parents=True, exist_ok=True)
    with flocked(register / LOCK, wait=False) as held:
        if not held:
            raise CkiError("another cki schedule is already running for this register")
        yield


@contextmanager
def _signals(stop: Stop) -> Iterator[None]:
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def serve(config: Config, config_path: Path, clock: Clock | None = None,
          night: Callable[[date], None] | None = None) -> None:
    """Run nights on the configured schedule until SIGTERM or Ctrl-C."""
    settings = config.settings
    trig = cron.trigger(settings.schedule.cron, settings.timezone)
    stop = Stop()
    with _single(config.register), _signals(stop):
        remember(config.register, settings.schedule.cron, settings.timezone)
        clock = clock or SystemClock(stop, ZoneInfo(settings.timezone))
        night = night or (lambda run_date: nightly(config_path.resolve(), run_date))
        loop(trig, clock, config.register, _following(config_path, settings, night), stop)
    log.info("the scheduler stopped")


def _following(config_path: Path, settings: Settings, night: Callable[[date], None]) -> Callable[[date], None]:
    """The night, with a warning when config.yaml's schedule changed since the start."""
    def run(run_date: date) -> None:
        try:
            now = load_config(config_path).settings
        except CkiError:
            now = settings          # the night itself says what is wrong
        if (now.schedule.cron, now.timezone) != (settings.schedule.cron, settings.timezone):
            log.warning("schedule.cron or timezone changed in config.yaml: it takes effect when cki schedule "
                        "restarts; until then \"%s\" in %s", settings.schedule.cron, settings.timezone)
        night(run_date)
    return run
