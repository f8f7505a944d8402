"""``cki schedule``: the configured cron, one scheduler per register, each run date once.

The scheduler's clock is injected: the nights of a DST weekend pass in a second, and the nights
that run are real ``cki run`` nights on a workspace, decided by the register's ledger.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline import cron, schedule
from pipeline.config import load_config
from pipeline.outbox import publish
from pipeline.register.store import Register
from tests.conftest import Workspace, new

AMS = ZoneInfo("Europe/Amsterdam")
HANG_SECONDS = 900          # a subprocess that has not ended by then hangs


class FakeClock:
    """Time that passes only when the scheduler waits, as instants (never wall-clock arithmetic)."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.t, self.end = start.astimezone(UTC), end.astimezone(UTC)

    def now(self) -> datetime:
        return self.t.astimezone(AMS)

    def wait(self, seconds: float) -> bool:
        self.t += timedelta(seconds=seconds)
        return self.t >= self.end


def serve(ws: Workspace, start: datetime, end: datetime) -> list[tuple[datetime, date]]:
    """Run the scheduler from start to end on a fake clock; the nights it ran (when, which date)."""
    clock, ran = FakeClock(start, end), []

    def night(run_date: date) -> None:
        ran.append((clock.now(), run_date))
        schedule.nightly(ws.config, run_date)

    schedule.serve(load_config(ws.config), ws.config, clock=clock, night=night)
    return ran


def run_dates(ws: Workspace) -> list[date]:
    return ws.table("runs")["run_date"].sort().to_list()


def at(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=AMS, fold=fold)


# --- the trigger and the decision, with explicit moments ---------------------------------------

def test_the_doubled_and_the_missing_two_oclock() -> None:
    """APScheduler 3 fires 02:00 twice on the last Sunday of October (CEST, then CET) and, on the
    last Sunday of March, at the instant the clock jumps (01:00 UTC = 03:00 CEST)."""
    trig = cron.trigger("0 2 * * *", "Europe/Amsterdam")
    october = [f.astimezone(UTC) for f in cron.fires(trig, at(2026, 10, 24, 12), at(2026, 10, 26, 12))]
    assert october == [datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
                       datetime(2026, 10, 26, 1, tzinfo=UTC)]
    march = [f.astimezone(UTC) for f in cron.fires(trig, at(2026, 3, 28, 12), at(2026, 3, 30, 12))]
    assert march == [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 30, 0, tzinfo=UTC)]
    second = at(2026, 10, 25, 2, 0, fold=1)
    assert cron.due(trig, second, last_run=date(2026, 10, 25)).run_date is None
    assert cron.due(trig, second, last_run=date(2026, 10, 24)).run_date == date(2026, 10, 25)
    assert cron.due(trig, at(2026, 3, 29, 3, 0), last_run=date(2026, 3, 28)).run_date == date(2026, 3, 29)


def test_a_due_night_is_the_latest_fire_within_the_grace_and_after_the_last_run() -> None:
    trig = cron.trigger("0 2 * * *", "Europe/Amsterdam")
    three_days_down = cron.due(trig, at(2026, 11, 27, 10), last_run=date(2026, 11, 23))
    assert three_days_down.run_date == date(2026, 11, 27), "coalesced: only the latest missed night"
    assert cron.due(trig, at(2026, 11, 27, 23), last_run=date(2026, 11, 23)).run_date is None, \
        "21 hours after its fire a night is left to the next one (GRACE)"
    assert cron.due(trig, at(2026, 11, 27, 10), last_run=date(2026, 11, 28)).run_date is None, \
        "never a date before the last one the register ran"
    assert cron.due(trig, at(2026, 11, 27, 10), last_run=None).run_date == date(2026, 11, 27)


# --- the scheduler on a fake clock, running real nights ----------------------------------------

def test_a_night_missed_while_down_is_caught_up_once(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cki")
    assert ws.run(date(2026, 11, 22)) == 0
    name = ws.deliver([new("C1")])
    ran = serve(ws, at(2026, 11, 23, 9), at(2026, 11, 23, 12))           # down over the 02:00 of the 23rd
    assert ran == [(at(2026, 11, 23, 9), date(2026, 11, 23))], "caught up at the start, once"
    assert ws.result(name)["status"] == "ACCEPTED"
    assert "catching up the night of 2026-11-23" in caplog.text
    ran = serve(ws, at(2026, 11, 23, 13), at(2026, 11, 24, 3))            # a restart: nothing to catch up
    assert ran == [(at(2026, 11, 24, 2), date(2026, 11, 24))]
    ran = serve(ws, at(2026, 11, 27, 10), at(2026, 11, 27, 12))           # down three nights
    assert ran == [(at(2026, 11, 27, 10), date(2026, 11, 27))], "three missed nights coalesce into one"
    assert run_dates(ws) == [date(2026, 11, d) for d in (22, 23, 24, 27)]


def test_each_date_runs_once_on_the_dst_nights(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cki")
    assert ws.run(date(2026, 10, 23)) == 0
    autumn = serve(ws, at(2026, 10, 24, 1), at(2026, 10, 26, 3))
    assert autumn == [(at(2026, 10, 24, 2), date(2026, 10, 24)), (at(2026, 10, 25, 2), date(2026, 10, 25)),
                      (at(2026, 10, 26, 2), date(2026, 10, 26))]
    assert autumn[1][0].utcoffset() == timedelta(hours=2), "the first 02:00 (CEST) runs the 25th"
    assert "the fire of 2026-10-25T02:00+01:00 is not run: the register has run 2026-10-25" in caplog.text

    assert ws.run(date(2027, 3, 27)) == 0
    spring = serve(ws, at(2027, 3, 28, 1), at(2027, 3, 30, 3))
    assert [d for _, d in spring] == [date(2027, 3, 28), date(2027, 3, 29), date(2027, 3, 30)]
    assert spring[0][0].astimezone(UTC) == datetime(2027, 3, 28, 1, tzinfo=UTC), \
        "02:00 does not exist on the 28th: the night runs when the clock jumps to 03:00"
    dates = run_dates(ws)
    assert len(dates) == len(set(dates)) == 8


def test_a_changed_cron_takes_effect_at_the_next_start(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cki")
    assert ws.run(date(2026, 11, 22)) == 0
    assert serve(ws, at(2026, 11, 22, 23), at(2026, 11, 23, 5)) == [(at(2026, 11, 23, 2), date(2026, 11, 23))]
    ws.set_config(schedule={"cron": "30 4 * * *"})
    assert serve(ws, at(2026, 11, 23, 23), at(2026, 11, 24, 5)) == [(at(2026, 11, 24, 4, 30), date(2026, 11, 24))]
    assert ('schedule changed in config.yaml: was "0 2 * * *" in Europe/Amsterdam, '
            'now "30 4 * * *" in Europe/Amsterdam') in caplog.text
    ws.set_config(timezone="UTC")
    assert serve(ws, at(2026, 11, 24, 23), at(2026, 11, 25, 6)) == [(at(2026, 11, 25, 5, 30), date(2026, 11, 25))]
    assert 'now "30 4 * * *" in UTC' in caplog.text


def test_the_job_store_of_an_earlier_version_is_read_for_the_log_and_removed(
        ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    caplog.set_level(logging.INFO, logger="cki")
    store = ws.root / "register" / "schedule.sqlite"
    store.parent.mkdir()
    old = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{store}")}, timezone=AMS)
    old.start(paused=True)
    old.add_job("pipeline.schedule:nightly", CronTrigger.from_crontab("0 3 * * *", timezone=AMS), id="nightly",
                args=["config.yaml", None])
    old.shutdown()
    assert ws.run(date(2026, 11, 22)) == 0
    assert serve(ws, at(2026, 11, 22, 23), at(2026, 11, 23, 4)) == [(at(2026, 11, 23, 2), date(2026, 11, 23))]
    assert 'was "0 3 * * *" in Europe/Amsterdam, now "0 2 * * *" in Europe/Amsterdam' in caplog.text
    assert not store.exists()


# --- the real process ---------------------------------------------------------------------------

def test_sigterm_lets_the_night_finish_and_exits_0(ws: Workspace) -> None:
    """A cron that fires every minute runs today's night at the start; SIGTERM while it runs: the
    night commits and publishes, the scheduler exits 0, and its summary is the one `cki run` prints."""
    ws.set_config(schedule={"cron": "* * * * *"})
    name = ws.deliver([new(f"C{i}") for i in range(2000)])     # a night of a few seconds
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "schedule", "--config", str(ws.config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ws.root)
    # the guard only bounds a hang: with CKI_CHUNK_RECORDS=2 on a busy machine the night's 859
    # chunks took over 240 s, so it is generous
    guard = threading.Timer(HANG_SECONDS, proc.kill)
    guard.start()
    try:
        said = []
        for line in proc.stderr:
            said.append(line)
            if " starts" in line:
                proc.send_signal(signal.SIGTERM)
                break
        out, err = proc.communicate(timeout=HANG_SECONDS)
    finally:
        guard.cancel()
    err = "".join(said) + err
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping once the night of" in err, "the signal came while the night ran"
    assert len(ws.table("runs")) == 1, "the night finished: the register is as after it"
    assert ws.result(name)["status"] == "ACCEPTED"
    register = ws.root / "register"
    assert not publish.pending(register, Register(register).manifest), "and published"
    assert name in out, "a scheduled night prints the per-file summary of a manual run"


def test_second_scheduler_is_refused(ws: Workspace) -> None:
    ws.set_config(schedule={"cron": "0 2 29 feb *"})       # fires in leap years only: no night here
    first = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "schedule", "--config", str(ws.config)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        remembered = ws.root / "register" / "schedule.json"
        deadline = time.time() + 60
        while not remembered.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert remembered.exists(), "the scheduler remembers its schedule in the register folder"
        second = ws.cki("schedule", "--config", str(ws.config))
        assert second.returncode == 2
        assert "another cki schedule is already running" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert first.returncode == 0, "SIGTERM when no night runs: a clean exit"
    assert not (ws.root / "register" / "CURRENT").exists()


def test_bad_cron_names_the_key(ws: Workspace) -> None:
    ws.config.write_text(ws.config.read_text() + "schedule: {cron: \"every night\"}\n")
    proc = ws.cki("schedule", "--config", str(ws.config))
    assert proc.returncode == 2 and "schedule.cron" in proc.stderr
