"""Contracts: type, participant, borrowers, dates, amounts and the codes of the initial load.

All days are Int32 day numbers (days since 1970-01-01); they become dates only when written.
Contract ids are global (0..n-1 for the load, then the night's new contracts), so a contract
number built from the id is unique per participant.
"""

from __future__ import annotations

import polars as pl
from gen_config import ARREARS_PERIOD, NEGATIVE_ONLY, POSITIVE, TYPE_SHARE, TYPES
from gen_rng import Rng, pick, weighted_index

KEY = pl.col("cid")
ADULT_DAYS = 6576  # 18 years are at most 6575 days
RETENTION_MARGIN_DAYS = 1700  # ended contracts end well within the 5-year retention
RK_LIMITS = (500, 1000, 1500, 2000, 2500, 3000, 5000, 7500, 10000, 15000, 20000, 25000, 50000, 100000)
RK_LIMIT_WEIGHTS = (3, 8, 6, 8, 10, 6, 14, 8, 10, 6, 5, 4, 2, 1)


def contract_core(rng: Rng, first_id: int, n: int, parts: pl.DataFrame) -> pl.DataFrame:
    """cid, contract_type, participant index p and the joint flag."""
    frame = pl.DataFrame({"cid": pl.int_range(first_id, first_id + n, dtype=pl.UInt64, eager=True)})
    frame = frame.with_columns(
        t=rng.choice(KEY, "type", TYPE_SHARE),
        u_part=rng.uniform(KEY, "participant"),
        joint=rng.uniform(KEY, "joint") < 0.10,
    )
    p = pl.lit(None, dtype=pl.UInt32)
    for i, ctype in enumerate(TYPES):
        p = pl.when(pl.col("t") == i).then(weighted_index(pl.col("u_part"), parts[ctype].to_list())).otherwise(p)
    return frame.with_columns(p=p, contract_type=pick(TYPES, pl.col("t"))).drop("t", "u_part")


def load_borrowers(rng: Rng, n_persons: int) -> list[pl.Expr]:
    """b1 covers every person once (cid < n_persons), the rest and all b2 are random persons."""
    b1 = pl.when(KEY < n_persons).then(KEY.cast(pl.Int64)).otherwise(rng.integers(KEY, "b1", 0, n_persons - 1))
    return [b1.alias("b1"), second_borrower(rng, b1, n_persons).alias("b2")]


def second_borrower(rng: Rng, b1: pl.Expr, n_persons: int) -> pl.Expr:
    """A random person other than b1 for joint contracts, null otherwise."""
    b2 = rng.integers(KEY, "b2", 0, n_persons - 1)
    b2 = pl.when(b2 == b1).then((b2 + 1) % n_persons).otherwise(b2)
    return pl.when(pl.col("joint") & (n_persons > 1)).then(b2)


def start_day(rng: Rng, last_day: int, years: float) -> pl.Expr:
    """Start within `years` before last_day (skewed to recent), never before both borrowers are 18."""
    back = (rng.uniform(KEY, "start") ** 1.6 * years * 365).floor().cast(pl.Int64)
    adult = pl.max_horizontal(pl.col("bd1"), pl.col("bd2").fill_null(pl.col("bd1"))).cast(pl.Int64) + ADULT_DAYS
    return pl.max_horizontal(pl.lit(last_day, dtype=pl.Int64) - back, adult).cast(pl.Int32)


def amount(rng: Rng) -> pl.Expr:
    """Whole euros per SPEC section 1's table; HY/HO empty, VK kept >= 500, SR sometimes empty or 0."""

    def log_amount(low: float, high: float, step: int) -> pl.Expr:
        raw = rng.log_uniform(KEY, "amount", low, high) / step
        return (raw.round() * step).cast(pl.Int64)

    ctype, u = pl.col("contract_type"), rng.uniform(KEY, "amount.kind")
    return (
        pl.when(ctype == "AK")
        .then(log_amount(1000, 75000, 100))
        .when(ctype == "RK")
        .then(pick(RK_LIMITS, rng.choice(KEY, "rk.limit", RK_LIMIT_WEIGHTS), pl.Int64))
        .when(ctype == "VK")
        .then(log_amount(500, 6000, 1))
        .when(ctype == "OA")
        .then(log_amount(5000, 90000, 10))
        .when((ctype == "SR") & (u < 0.2))
        .then(pl.lit(None, dtype=pl.Int64))
        .when((ctype == "SR") & (u < 0.3))
        .then(pl.lit(0, dtype=pl.Int64))
        .when(ctype == "SR")
        .then(log_amount(1000, 60000, 1))
        .when(ctype.is_in(["RH", "RN"]))
        .then(log_amount(2000, 120000, 1))
        .when(ctype == "RO")
        .then(log_amount(500, 60000, 1))
        .otherwise(pl.lit(None, dtype=pl.Int64))
    )


def theoretical_end(rng: Rng) -> pl.Expr:
    """Day number: AK 6–120 months (required), SR 18–36 (required), OA/RH/RN/RO sometimes."""
    ctype, u = pl.col("contract_type"), rng.uniform(KEY, "ted.has")

    def months(low: int, high: int) -> pl.Expr:
        return rng.integers(KEY, "ted.months", low, high)

    n_months = (
        pl.when(ctype == "AK")
        .then(months(6, 120))
        .when(ctype == "SR")
        .then(months(18, 36))
        .when((ctype == "OA") & (u < 0.6))
        .then(months(24, 60))
        .when(ctype.is_in(["RH", "RN"]) & (u < 0.5))
        .then(months(60, 180))
        .when((ctype == "RO") & (u < 0.3))
        .then(months(6, 60))
    )
    start = pl.col("start").cast(pl.Date)
    return start.dt.offset_by(pl.format("{}mo", n_months)).cast(pl.Int32)


def period() -> pl.Expr:
    """Arrears period in days of the contract's type."""
    return pl.col("contract_type").replace_strict(ARREARS_PERIOD, return_dtype=pl.Int32)


def rk_min_arrears() -> pl.Expr:
    """max(10 % of the limit, rounded up, and 500)."""
    return pl.max_horizontal((pl.col("amount") + 9) // 10, pl.lit(500, dtype=pl.Int64))


def rk_arrears(rng: Rng, stream: str) -> pl.Expr:
    """RK arrears: the minimum plus up to 15 % of the limit."""
    extra = (rng.uniform(KEY, stream) * pl.col("amount") * 0.15).floor().cast(pl.Int64)
    return rk_min_arrears() + extra


def ro_arrears(rng: Rng) -> pl.Expr:
    """RO arrears: 5–55 % of the amount, at least 500."""
    share = 0.05 + 0.5 * rng.uniform(KEY, "a.amount")
    return pl.max_horizontal(pl.lit(500, dtype=pl.Int64), (pl.col("amount") * share).round().cast(pl.Int64))


def load_arrears(rng: Rng, load_day: int) -> list[pl.Expr]:
    """Code A: on the NEW of negative-only types; for 4.5 % of positive contracts a later CODE row."""
    ctype, start = pl.col("contract_type"), pl.col("start").cast(pl.Int64)
    negative = ctype.is_in(NEGATIVE_ONLY)
    room = load_day - period() - start - 30  # days in which arrears can arise and be reportable
    positive = ctype.is_in(POSITIVE) & (room >= 0) & (rng.uniform(KEY, "a.has") < 0.045)
    since_pos = start + 30 + rng.integers(KEY, "a.since", 0, room.clip(lower_bound=0))
    wait = rng.integers(KEY, "a.wait", 0, pl.min_horizontal(load_day - since_pos - period(), 60).clip(lower_bound=0))
    since_neg = start - 120 - rng.integers(KEY, "a.before", 0, 300)
    a_amount = pl.when(ctype == "RK").then(rk_arrears(rng, "a.amount")).when(ctype == "RO").then(ro_arrears(rng))
    return [
        pl.when(negative).then(since_neg).when(positive).then(since_pos).cast(pl.Int32).alias("a_since"),
        pl.when(negative).then(start).when(positive).then(since_pos + period() + wait).cast(pl.Int32).alias("a_date"),
        pl.when(negative | positive).then(a_amount).alias("a_amount"),
    ]


def load_recovery(rng: Rng, load_day: int) -> pl.Expr:
    """Code H for 30 % of the A's that leave room for it, a day or more after the A."""
    a_date = pl.col("a_date").cast(pl.Int64)
    ok = (a_date < load_day) & (rng.uniform(KEY, "h.has") < 0.30)
    return pl.when(ok).then(a_date + 1 + rng.integers(KEY, "h.after", 0, load_day - a_date - 1)).cast(pl.Int32)


def load_end(rng: Rng, load_day: int) -> pl.Expr:
    """END for 12 % of contracts: after their last event, within the retention window."""
    last = pl.coalesce("h_date", "a_date", "start").cast(pl.Int64)
    lower = pl.max_horizontal(last + 1, pl.lit(load_day - RETENTION_MARGIN_DAYS, dtype=pl.Int64))
    ok = (lower <= load_day) & (rng.uniform(KEY, "end.has") < 0.12)
    return pl.when(ok).then(lower + rng.integers(KEY, "end.day", 0, load_day - lower)).cast(pl.Int32)


def load_contracts(
    rng: Rng, n: int, n_persons: int, parts: pl.DataFrame, birth: pl.Series, load_day: int
) -> pl.DataFrame:
    """The whole initial portfolio with its load events (a_*, h_date, end_date)."""
    frame = contract_core(rng, 0, n, parts).with_columns(load_borrowers(rng, n_persons))
    frame = frame.with_columns(bd1=birth.gather(frame["b1"]), bd2=_gather_nullable(birth, frame["b2"]))
    frame = frame.with_columns(start=start_day(rng, load_day - 1, 12.0))
    frame = frame.with_columns(amount=amount(rng)).with_columns(ted=theoretical_end(rng))
    frame = frame.with_columns(load_arrears(rng, load_day)).with_columns(h_date=load_recovery(rng, load_day))
    return frame.with_columns(end_date=load_end(rng, load_day)).drop("bd1", "bd2")


def _gather_nullable(values: pl.Series, index: pl.Series) -> pl.Series:
    """values[index] with null where index is null."""
    return (
        pl.select(pl.lit(values).gather(index.fill_null(0)).alias("v"), index.alias("i"))
        .select(pl.when(pl.col("i").is_not_null()).then(pl.col("v")))
        .to_series()
    )
