"""The nightly cron (``schedule.cron`` in ``timezone``) and which night is due at a given moment.

Pure functions of the moment they are asked about, so the tests drive them with explicit
datetimes. APScheduler's ``CronTrigger`` does the calendar and daylight-saving arithmetic; the
decision what to run is ours and rests on the register's ledger of nights (decision 65):

- a fire is *due* when it lies less than ``GRACE`` before now (APScheduler's misfire grace time);
- of several due fires only the latest counts (APScheduler's ``coalesce``);
- its run date is the fire's calendar date in the timezone, and it runs only when that date lies
  after the last date the register has run. So the 02:00 that happens twice on the last Sunday
  of October runs its date once, and a date never runs twice or out of order.

Moments are compared and subtracted as UTC instants: Python compares two datetimes of the same
``ZoneInfo`` by their wall time, which makes 02:00+02:00 and 02:00+01:00 equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

GRACE = timedelta(hours=20)       # a night missed by more than this is left to the next fire
MAX_FIRES = 100_000               # fires looked at in one window (a cron every minute: 1,200 in 20 h)
FIELDS = ("minute", "hour", "day", "month", "day_of_week")
NUMBERED_WEEKDAY = re.compile(r"\d")


def check(cron: str) -> None:
    """Raise ValueError saying what is wrong with a crontab line (five fields, as cron has them)."""
    fields = cron.split()
    if len(fields) == 5 and NUMBERED_WEEKDAY.search(fields[4]):
        raise ValueError(f"write the day of the week as a name (mon-fri, sun), not '{fields[4]}': "
                         "numbered days differ between cron (0 is Sunday) and cki's scheduler (0 is Monday)")
    try:
        CronTrigger.from_crontab(cron, timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"'{cron}' is not a cron line of five fields ({exc})") from None


def trigger(cron: str, timezone: str) -> CronTrigger:
    """The trigger of a checked ``schedule.cron`` in a checked ``timezone``."""
    return CronTrigger.from_crontab(cron, timezone=ZoneInfo(timezone))


def cron_text(trig: CronTrigger) -> str:
    """The five crontab fields of a trigger, as an operator wrote them."""
    by_name = {f.name: str(f) for f in trig.fields}
    return " ".join(by_name[name] for name in FIELDS)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def fires(trig: CronTrigger, after: datetime, until: datetime) -> Iterator[datetime]:
    """The fire times in (after, until], in order, in the trigger's timezone."""
    fire = trig.get_next_fire_time(None, after)
    for _ in range(MAX_FIRES):
        if fire is None or utc(fire) > utc(until):
            return
        if utc(fire) > utc(after):
            yield fire
        following = trig.get_next_fire_time(fire, fire)
        if following is not None and utc(following) <= utc(fire):   # a trigger stuck on a fold
            following = trig.get_next_fire_time(None, utc(fire) + timedelta(seconds=1))
        fire = following


def next_fire(trig: CronTrigger, now: datetime) -> datetime | None:
    """The first fire time after now."""
    return next(fires(trig, now, utc(now) + timedelta(days=366 * 5)), None)


@dataclass(frozen=True)
class Decision:
    """What to do at a moment: run ``run_date``, or nothing (``run_date`` None) and why."""

    fire: datetime | None
    run_date: date | None
    reason: str


def due(trig: CronTrigger, now: datetime, last_run: date | None, grace: timedelta = GRACE) -> Decision:
    """The night to run now, given the last date the register ran (None: it never ran)."""
    latest = max(fires(trig, utc(now) - grace, now), key=utc, default=None)     # coalesce
    if latest is None:
        return Decision(None, None, f"no fire of the schedule in the last {_hours(grace)}")
    run_date = utc(latest).astimezone(trig.timezone).date()
    if last_run is not None and run_date <= last_run:
        return Decision(latest, None, f"the register has run {last_run}" + (
            "" if run_date == last_run else f", after the night of {run_date}"))
    return Decision(latest, run_date, "due")


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} hours"
