"""Which reference dates (``peildatum``) a night or ``cki barometer`` produces (SPEC 7).

A reference date is the last day of a month or of a quarter (``barometer.frequency``). A night
produces every reference date that has passed (it lies before the run date) and was not produced
yet, from the first period end on or after the register's first run, and no further back than
retention keeps every contract that ran on it (decision 40).
"""

from __future__ import annotations

from datetime import date, timedelta

from contracts_schema.codes import RETENTION_YEARS
from pipeline.errors import CkiError

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3}


def period_end(day: date, frequency: str) -> date:
    """The last day of the period (month or quarter) that holds ``day``."""
    step = MONTHS_PER_PERIOD[frequency]
    month = ((day.month - 1) // step + 1) * step          # the period's last month
    first_of_next = date(day.year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def is_period_end(day: date, frequency: str) -> bool:
    return period_end(day, frequency) == day


def period_ends(first: date, last: date, frequency: str) -> list[date]:
    """Every period end from the one holding ``first`` up to and including ``last``."""
    ends, day = [], period_end(first, frequency)
    while day <= last:
        ends.append(day)
        day = period_end(day + timedelta(days=1), frequency)
    return ends


def earliest(first_run: date, run_date: date) -> date:
    """The first day a reference date may lie on: the register's first run, and no earlier
    than retention keeps every contract that was running on it."""
    try:
        horizon = run_date.replace(year=run_date.year - RETENTION_YEARS)
    except ValueError:                                  # 29 February
        horizon = run_date.replace(year=run_date.year - RETENTION_YEARS, day=28)
    return max(first_run, horizon)


def due(first_run: date, run_date: date, produced: set[date], frequency: str) -> list[date]:
    """The reference dates a night on ``run_date`` produces: passed, and not produced yet."""
    passed = period_ends(earliest(first_run, run_date), run_date - timedelta(days=1), frequency)
    return [day for day in passed if day not in produced]


class BarometerDateError(CkiError):
    """A reference date ``cki barometer`` cannot produce (one line for the operator)."""

    exit_code = 2


def check_restatable(peildatum: date, first_run: date | None, today: date, frequency: str) -> None:
    """Refuse a date that is no period end, has not passed, or lies before the register began."""
    if not is_period_end(peildatum, frequency):
        kind = "month" if frequency == "monthly" else "quarter"
        raise BarometerDateError(
            f"{peildatum} is not the last day of a {kind} (barometer.frequency: {frequency}); "
            f"the nearest reference date is {period_end(peildatum, frequency)}")
    if peildatum >= today:
        raise BarometerDateError(f"{peildatum} has not passed yet (today is {today}); "
                                 "a reference date is produced the night after it")
    if first_run is None:
        raise BarometerDateError("the register has not run a night yet, so it holds nothing to count")
    if peildatum < earliest(first_run, today):
        raise BarometerDateError(
            f"{peildatum} lies before {earliest(first_run, today)}, the earliest reference date the "
            "register can answer (its first run, or the oldest date retention keeps complete)")
