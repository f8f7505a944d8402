"""Seeded draws and the history nights' dates: the same run date always gives the same draws."""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl

SEED = 1_000_003
MONTHS = 16                       # nights at 16, 15, ..., 1 months before the run date
LAST = MONTHS - 1                 # index of the last history night; night 0 is the INIT
WINDOW = 27                       # a MUT event lies 1 to 27 days before its night (deadline 28)


class Dice:
    """Seeded draws as Polars Series; every call takes the next seed, so the draws are fixed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def ints(self, n: int, low: int, high: int) -> pl.Series:
        """n whole numbers from low to high inclusive."""
        self.seed += 1
        return pl.int_range(low, high + 1, eager=True).sample(n, with_replacement=True, seed=self.seed)

    def choice(self, values: list, n: int, weights: list[int] | None = None) -> pl.Series:
        """n of values, each as often as its whole-number weight says."""
        pool = pl.DataFrame({"i": range(len(values)), "w": weights or [1] * len(values)})
        index = pool.select(pl.col("i").repeat_by("w")).explode("i")["i"]
        self.seed += 1
        picked = index.sample(n, with_replacement=True, seed=self.seed)
        return pl.Series(values).gather(picked)


def draws(dice: Dice, frame: pl.DataFrame, **ranges: tuple[int, int]) -> pl.DataFrame:
    """frame with a column of seeded whole numbers per name, from (low, high) inclusive."""
    return frame.with_columns(dice.ints(frame.height, lo, hi).alias(name) for name, (lo, hi) in ranges.items())


def chance(draw: str, shares: dict[str, float]) -> pl.Expr:
    """True with the contract type's share, from a draw column of 0 to 999."""
    return pl.col(draw) < pl.col("contract_type").replace_strict(shares, default=0.0) * 1000


def days(column: str | pl.Expr) -> pl.Expr:
    return pl.duration(days=pl.col(column) if isinstance(column, str) else column)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier; the 31st becomes the month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def history_nights(run_date: date) -> list[date]:
    """The run dates of the history: one a month, the last a month before the run date."""
    return [months_before(run_date, m) for m in range(MONTHS, 0, -1)]


class Timeline:
    """Dates of the history nights for expressions: night k's date, and a day in its window."""

    def __init__(self, nights: list[date], run_date: date) -> None:
        self.nights, self.run_date = nights, run_date
        self.first = pl.lit(nights[0])

    def night(self, k: pl.Expr) -> pl.Expr:
        return k.replace_strict(dict(enumerate(self.nights)), default=None, return_dtype=pl.Date)

    def window(self, k: str, offset: str) -> pl.Expr:
        """A day `offset` (1 to WINDOW) days before night k: on time for that night's MUT."""
        return self.night(pl.col(k)) - days(offset)
