"""The night after the load: mutations (MUT) and consultation requests (RAAD).

Each load contract gets at most one mutation, chosen by disjoint probability intervals of one
uniform per contract, so the kinds never conflict (no END and CODE on one contract).
"""

from __future__ import annotations

import gen_contracts as gc
import polars as pl
from gen_config import POSITIVE
from gen_people import address
from gen_rng import Rng, pick
from gen_rows import PERSON_COLUMNS, with_person

KEY = gc.KEY
WINDOW_DAYS = 20
# Share of the night's rows per kind (NEW counts rows, a joint contract has two).
NIGHT_MIX = {"NEW": 0.20, "CHANGE": 0.31, "END": 0.17, "CODE_A": 0.12, "CODE_H": 0.08, "CODE_2": 0.08, "DECEASED": 0.04}
CODE_OF_KIND = {"CODE_A": "A", "CODE_H": "H", "CODE_2": "2"}


def night_counts(n_rows: int) -> dict[str, int]:
    """Target rows per kind; NEW as a number of contracts (10 % joint → 1.1 rows each)."""
    counts = {kind: round(n_rows * share) for kind, share in NIGHT_MIX.items()}
    counts["NEW"] = round(counts["NEW"] / 1.1)
    return counts


def new_contracts_core(rng: Rng, first_id: int, n: int, parts: pl.DataFrame, n_load_persons: int) -> pl.DataFrame:
    """The night's new contracts; half of them for a person of the load, half for a new person."""
    frame = gc.contract_core(rng, first_id, n, parts)
    existing = rng.uniform(KEY, "night.existing") < 0.5
    frame = frame.with_columns(new_person=~existing).with_columns(
        b1=pl.when(existing)
        .then(rng.integers(KEY, "night.b1", 0, n_load_persons - 1))
        .otherwise(n_load_persons + pl.col("new_person").cast(pl.Int64).cum_sum() - 1)
    )
    return frame.with_columns(b2=gc.second_borrower(rng, pl.col("b1"), n_load_persons))


def finish_new_contracts(rng: Rng, frame: pl.DataFrame, night_day: int) -> pl.DataFrame:
    """Start within the window, amounts, end dates and the code A of negative-only types."""
    start = night_day - rng.integers(KEY, "night.start", 0, WINDOW_DAYS - 1)
    frame = frame.with_columns(start=start.cast(pl.Int32)).with_columns(amount=gc.amount(rng))
    frame = frame.with_columns(ted=gc.theoretical_end(rng)).with_columns(gc.load_arrears(rng, night_day))
    return frame.with_columns(h_date=pl.lit(None, dtype=pl.Int32), end_date=pl.lit(None, dtype=pl.Int32))


def choose_mutations(rng: Rng, state: pl.DataFrame, counts: dict[str, int], night_day: int) -> pl.DataFrame:
    """Pick the contracts that get a mutation tonight, with kind and event day."""
    state = state.with_columns(_flags(night_day))
    n_running = max(state["running"].sum(), 1)
    n_open = max(state["open_a"].sum(), 1)
    n_eligible = max(state["eligible_a"].sum(), 1)
    u, v = rng.uniform(KEY, "night.kind"), rng.uniform(KEY, "night.h")
    bounds, acc = {}, 0.0
    for kind in ("CHANGE", "END", "CODE_2", "DECEASED"):
        acc += counts[kind] / n_running
        bounds[kind] = acc
    kind = (
        pl.when(pl.col("open_a") & (v < counts["CODE_H"] / n_open))
        .then(pl.lit("CODE_H"))
        .when(pl.col("running") & (u < bounds["CHANGE"]))
        .then(pl.lit("CHANGE"))
        .when(pl.col("running") & (u < bounds["END"]))
        .then(pl.lit("END"))
        .when(pl.col("running") & (u < bounds["CODE_2"]))
        .then(pl.lit("CODE_2"))
        .when(pl.col("running") & (u < bounds["DECEASED"]))
        .then(pl.lit("DECEASED"))
        .when(pl.col("eligible_a") & (u >= acc) & (u < acc + counts["CODE_A"] / n_eligible))
        .then(pl.lit("CODE_A"))
    )
    chosen = state.with_columns(kind=kind).filter(pl.col("kind").is_not_null())
    event = pl.col("lower") + rng.integers(KEY, "night.event", 0, night_day - pl.col("lower"))
    return chosen.with_columns(event=event.cast(pl.Int32))


def _flags(night_day: int) -> list[pl.Expr]:
    """running, open A, lower bound of the event day, and eligibility for a new code A."""
    running = pl.col("end_date").is_null()
    open_a = running & pl.col("a_date").is_not_null() & pl.col("h_date").is_null()
    last = pl.coalesce("h_date", "a_date", "start").cast(pl.Int64)
    lower = pl.max_horizontal(last + 1, pl.lit(night_day - WINDOW_DAYS + 1, dtype=pl.Int64))
    eligible = (
        running
        & ~open_a
        & pl.col("contract_type").is_in(POSITIVE)
        & (pl.col("start").cast(pl.Int64) + gc.period() <= lower)
    )
    return [running.alias("running"), open_a.alias("open_a"), lower.alias("lower"), eligible.alias("eligible_a")]


ROW_KEYS = ("cid", "contract_number", "mutation_type", "event_date")


def mutation_rows(rng: Rng, chosen: pl.DataFrame, persons: pl.DataFrame, pc4: pl.DataFrame) -> pl.DataFrame:
    """The rows of the chosen mutations (one participant or all), before column selection."""
    kind = pl.col("kind")
    base = chosen.with_columns(event_date=pl.col("event"), borrower_no=_borrower(rng))
    simple = base.filter(kind != "CHANGE").select(
        *ROW_KEYS[:2],
        mutation_type=kind.replace({"CODE_A": "CODE", "CODE_H": "CODE", "CODE_2": "CODE"}),
        event_date=pl.col("event"),
        borrower_no=pl.when(kind == "DECEASED").then(pl.col("borrower_no")),
        code=kind.replace_strict(CODE_OF_KIND, default=None, return_dtype=pl.String),
        actual_end_date=pl.when(kind == "END").then(pl.col("event")),
        **_new_arrears(rng),
    )
    return pl.concat([simple, *_changes(rng, base.filter(kind == "CHANGE"), persons, pc4)], how="diagonal_relaxed")


def _borrower(rng: Rng) -> pl.Expr:
    """1, or for a joint contract 1 or 2 at random."""
    second = pl.col("b2").is_not_null() & (rng.uniform(KEY, "night.borrower") < 0.5)
    return pl.when(second).then(pl.lit(2, dtype=pl.Int64)).otherwise(pl.lit(1, dtype=pl.Int64))


def _new_arrears(rng: Rng) -> dict[str, pl.Expr]:
    """arrears_since at least the type's period before the event, not before the start; RK amount."""
    is_a = pl.col("kind") == "CODE_A"
    latest = pl.col("event").cast(pl.Int64) - gc.period()
    room = pl.min_horizontal(latest - pl.col("start").cast(pl.Int64), pl.lit(90, dtype=pl.Int64)).clip(lower_bound=0)
    since = latest - rng.integers(KEY, "night.a.since", 0, room)
    rk_amount = gc.rk_arrears(rng, "night.a.amount")
    return {
        "arrears_since": pl.when(is_a).then(since.cast(pl.Int32)),
        "arrears_amount": pl.when(is_a & (pl.col("contract_type") == "RK")).then(rk_amount),
    }


def _changes(rng: Rng, rows: pl.DataFrame, persons: pl.DataFrame, pc4: pl.DataFrame) -> list[pl.DataFrame]:
    """Half of the RK changes report a new limit; all other changes are a borrower's move."""
    limit_change = (pl.col("contract_type") == "RK") & (rng.uniform(KEY, "night.change") < 0.5)
    limits = rows.filter(limit_change).select(*ROW_KEYS[:2], "event_date", amount=_new_limit(rng))
    moves = rows.filter(~limit_change).select(
        *ROW_KEYS[:2],
        "event_date",
        "borrower_no",
        person=pl.when(pl.col("borrower_no") == 2).then(pl.col("b2")).otherwise(pl.col("b1")),
    )
    moves = with_person(moves, persons, "person", PERSON_COLUMNS[:5])
    moves = moves.with_columns(address(rng, KEY, "move", pc4))
    return [frame.with_columns(mutation_type=pl.lit("CHANGE")) for frame in (limits, moves)]


def _new_limit(rng: Rng) -> pl.Expr:
    """A new RK limit different from the current one."""
    new = pick(gc.RK_LIMITS, rng.choice(KEY, "night.limit", gc.RK_LIMIT_WEIGHTS), pl.Int64)
    old = pl.col("amount")
    bumped = pl.when(old < 100000).then(old + 500).otherwise(old - 500)
    return pl.when(new == old).then(bumped).otherwise(new)


def requests(
    rng: Rng, n: int, parts: pl.DataFrame, n_known: int, unknown: pl.DataFrame, known: pl.DataFrame
) -> pl.DataFrame:
    """Consultation requests: 70 % persons of the load (as they were delivered), 30 % unknown."""
    key = pl.col("rid")
    frame = pl.DataFrame({"rid": pl.int_range(n, dtype=pl.UInt64, eager=True)}).with_columns(
        p=rng.choice(key, "req.participant", parts["size"].to_list()),
        is_known=(rng.uniform(key, "req.known") < 0.7) | (unknown.height == 0),
    )
    frame = frame.with_columns(
        person=pl.when(pl.col("is_known"))
        .then(rng.integers(key, "req.person", 0, n_known - 1))
        .otherwise((pl.col("is_known").not_().cast(pl.Int64).cum_sum() - 1) % max(unknown.height, 1))
    )
    found = with_person(frame.filter(pl.col("is_known")), known, "person")
    missing = with_person(frame.filter(~pl.col("is_known")), unknown.select(PERSON_COLUMNS), "person")
    rows = pl.concat([found, missing]).sort("rid")
    return rows.with_columns(_typing_variants(rng, key))


def _typing_variants(rng: Rng, key: pl.Expr) -> list[pl.Expr]:
    """How clerks type: prefix inside the surname, initials without dots, a space in the postcode."""
    u = rng.uniform(key, "req.variant")
    prefix_inside = (u < 0.05) & pl.col("surname_prefix").is_not_null()
    no_address = (u >= 0.20) & (u < 0.30)
    address_or_null = lambda col: pl.when(no_address).then(None).otherwise(col)  # noqa: E731
    return [
        pl.when(prefix_inside)
        .then(pl.concat_str("surname_prefix", pl.lit(" "), "birth_surname"))
        .otherwise("birth_surname")
        .alias("birth_surname"),
        pl.when(prefix_inside).then(None).otherwise("surname_prefix").alias("surname_prefix"),
        pl.when((u >= 0.05) & (u < 0.10))
        .then(pl.col("initials").str.replace_all(".", "", literal=True))
        .otherwise("initials")
        .alias("initials"),
        address_or_null(
            pl.when((u >= 0.10) & (u < 0.20))
            .then(pl.concat_str(pl.col("postcode").str.slice(0, 4), pl.lit(" "), pl.col("postcode").str.slice(4)))
            .otherwise("postcode")
        ).alias("postcode"),
        address_or_null(pl.col("house_number")).alias("house_number"),
        address_or_null(pl.col("house_number_suffix")).alias("house_number_suffix"),
    ]
