"""``cki schedule``: the nightly run on the configured cron, never two at once, a missed run caught up.

APScheduler 3 catches up a missed fire exactly once only with a persistent job store,
``coalesce`` and a long ``misfire_grace_time``, and only if the job is not re-added at start-up
(research/library_facts.md 5.2). Runs are idempotent per date, so the doubled 02:00 of the
autumn DST night is a no-op the second time.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from pipeline.config import Config, load_config, today_in
from pipeline.errors import CkiError, RunLocked

log = logging.getLogger("cki")
JOB_ID = "nightly"
GRACE_SECONDS = 20 * 3600


def nightly(config_path: str) -> None:
    """The scheduled job: one run for today; a held lock means a run is already going."""
    from pipeline.night import run_night

    config = load_config(Path(config_path))
    try:
        result = run_night(config, today_in(config.settings.timezone))
    except RunLocked:
        log.warning("skipped: another run holds the register lock")
        return
    log.info("scheduled run for %s done: %d files", result.run_date, len(result.results))


def serve(config: Config, config_path: Path) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    config.register.mkdir(parents=True, exist_ok=True)
    fd = os.open(config.register / ".schedule.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise CkiError("another cki schedule is already running for this register") from None
    tz = config.settings.timezone
    try:
        trigger = CronTrigger.from_crontab(config.settings.schedule.cron, timezone=tz)
    except ValueError as exc:
        raise CkiError(f"config.yaml: schedule.cron: {exc}") from None
    store = SQLAlchemyJobStore(url=f"sqlite:///{config.register / 'schedule.sqlite'}")
    scheduler = BlockingScheduler(timezone=tz, jobstores={"default": store}, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": GRACE_SECONDS})
    store.start(scheduler, "default")
    if store.lookup_job(JOB_ID) is None:
        scheduler.add_job(nightly, trigger, id=JOB_ID, args=[str(config_path.resolve())])
    log.info("scheduled on '%s' (%s); Ctrl-C stops", config.settings.schedule.cron, tz)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
