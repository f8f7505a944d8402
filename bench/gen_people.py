"""The synthetic population: the pc4 → gemeente table and persons with NAW + birth date.

Persons are generated as one pool keyed 0..n-1, made unique on the register's person key
(normalised surname, birth date, initials) so that the generated person counts are the counts
the register must end up with.
"""

from __future__ import annotations

import gen_names as names
import polars as pl
from gen_rng import Rng, pick

MIN_AGE_DAYS = 6605  # 18 years (at most 6575 days) + 30 days, at the load date
MAX_AGE_DAYS = 32800  # just under 90 years at the load date, so at every start date too


def pc4_table(rng: Rng, n_pc4: int = 4000, n_gemeenten: int = 340) -> pl.DataFrame:
    """pc4 (1000–9999) → gemeente in contiguous ranges, with a population weight per pc4."""
    key = pl.col("pc4")
    pc4 = (
        pl.DataFrame({"pc4": pl.int_range(1000, 10000, eager=True)})
        .filter(rng.uniform(key, "pc4.keep") < n_pc4 / 9000)
        .with_columns(
            width=0.2 + 3 * rng.uniform(key, "pc4.width") ** 2,
            weight=0.1 + rng.uniform(key, "pc4.pop") ** 2,
        )
    )
    groups = (pc4["width"].cum_sum() - pc4["width"]) / pc4["width"].sum() * n_gemeenten
    gemeenten = gemeente_list(rng, n_gemeenten)
    return (
        pc4.with_columns(g=groups.floor().cast(pl.UInt32))
        .join(gemeenten, on="g", how="left", maintain_order="left")
        .select("pc4", "gemeente_code", "gemeente_name", "weight")
    )


def gemeente_list(rng: Rng, n: int) -> pl.DataFrame:
    """n municipalities (real ones first, then composed names), shuffled over the groups."""
    real_codes = {code for code, _ in names.REAL_GEMEENTEN}
    composed = names.composed_gemeenten()
    free_codes = [f"GM{i:04d}" for i in range(1, 2000) if f"GM{i:04d}" not in real_codes]
    rows = list(names.REAL_GEMEENTEN) + list(zip(free_codes[::5], composed, strict=False))
    table = pl.DataFrame(rows[:n], schema=["gemeente_code", "gemeente_name"], orient="row")
    order = rng.uniform(pl.int_range(pl.len()), "gemeente.shuffle")
    return table.sort(order).with_row_index("g")


def person_pool(rng: Rng, n: int, load_day: int, pc4: pl.DataFrame) -> pl.DataFrame:
    """n candidate persons keyed pid 0..n-1 (before de-duplication)."""
    key = pl.col("pid")
    frame = pl.DataFrame({"pid": pl.int_range(n, dtype=pl.UInt64, eager=True)})
    frame = frame.with_columns(
        _surname(rng, key).alias("birth_surname"),
        _prefix(rng, key).alias("surname_prefix"),
        initials(rng, key, "person").alias("initials"),
        pick("MVX", rng.choice(key, "gender", [0.495, 0.495, 0.01])).alias("gender"),
        birth_day(rng, key, load_day).alias("birth_date"),
    )
    return frame.with_columns(address(rng, key, "person", pc4))


def unique_persons(pool: pl.DataFrame) -> pl.DataFrame:
    """Keep the first of persons sharing the register's key; number them 0..m-1 as `person`."""
    return (
        pool.with_columns(person_key(pool))
        .unique(subset=["skey", "birth_date", "ikey"], keep="first", maintain_order=True)
        .sort("pid")
        .with_row_index("person")
    )


def person_key(frame: pl.DataFrame) -> list[pl.Expr]:
    """Normalised surname (prefix included) and initials, as SPEC section 5.1 compares them."""
    full = pl.concat_str([pl.col("surname_prefix").fill_null(""), pl.col("birth_surname")], separator="")
    return [letters_only(full).alias("skey"), letters_only(pl.col("initials")).alias("ikey")]


def letters_only(text: pl.Expr) -> pl.Expr:
    """NFKD, diacritics dropped, lower case, only ASCII letters kept."""
    return text.str.normalize("NFKD").str.to_lowercase().str.replace_all(r"[^a-z]", "")


def _surname(rng: Rng, key: pl.Expr) -> pl.Expr:
    """45 % a common surname (Zipf weights), else composed from a stem and an ending."""
    common = [s for s, _ in names.COMMON_SURNAMES]
    zipf = [1 / (rank + 1) ** 0.9 for rank in range(len(common))]
    composed = pl.concat_str(
        pick(names.SURNAME_STEMS, rng.integers(key, "surname.stem", 0, len(names.SURNAME_STEMS) - 1)),
        pick(names.SURNAME_ENDINGS, rng.integers(key, "surname.end", 0, len(names.SURNAME_ENDINGS) - 1)),
    )
    return (
        pl.when(rng.uniform(key, "surname.common") < 0.45)
        .then(pick(common, rng.choice(key, "surname.idx", zipf)))
        .otherwise(composed)
    )


def _prefix(rng: Rng, key: pl.Expr) -> pl.Expr:
    """The prefix belonging to a common surname; 12 % of composed surnames get one too."""
    common_prefix = [p for _, p in names.COMMON_SURNAMES]
    zipf = [1 / (rank + 1) ** 0.9 for rank in range(len(common_prefix))]
    composed = pl.when(rng.uniform(key, "prefix.has") < 0.12).then(
        pick(names.PREFIXES, rng.choice(key, "prefix.idx", [8, 10, 4, 3, 2, 1, 1, 1, 0.5, 0.5]))
    )
    return (
        pl.when(rng.uniform(key, "surname.common") < 0.45)
        .then(pick(common_prefix, rng.choice(key, "surname.idx", zipf), dtype=pl.String))
        .otherwise(composed)
    )


def initials(rng: Rng, key: pl.Expr, stream: str) -> pl.Expr:
    """One to three initials written as `J.P.`."""
    count = rng.choice(key, f"{stream}.n_init", [0.3, 0.5, 0.2])
    letters = [
        pick(names.INITIAL_LETTERS, rng.choice(key, f"{stream}.init{i}", names.INITIAL_WEIGHTS)) + "." for i in range(3)
    ]
    return pl.concat_str(
        [letters[0], pl.when(count >= 1).then(letters[1]), pl.when(count >= 2).then(letters[2])],
        ignore_nulls=True,
    )


def birth_day(rng: Rng, key: pl.Expr, load_day: int) -> pl.Expr:
    """Birth date as a day number: ages 18–90 at the load date, peaking around 50."""
    spread = (rng.uniform(key, "age.a") + rng.uniform(key, "age.b")) / 2
    age = MIN_AGE_DAYS + (spread * (MAX_AGE_DAYS - MIN_AGE_DAYS)).floor().cast(pl.Int64)
    return (pl.lit(load_day, dtype=pl.Int64) - age).cast(pl.Int32)


def address(rng: Rng, key: pl.Expr, stream: str, pc4: pl.DataFrame) -> list[pl.Expr]:
    """postcode `1234AB` (pc4 weighted by population), house number, occasional suffix."""
    pc4_idx = rng.choice(key, f"{stream}.pc4", pc4["weight"].to_list())
    pc4_text = pick(pc4["pc4"].cast(pl.String).to_list(), pc4_idx)
    first = pick(names.POSTCODE_LETTERS, rng.choice(key, f"{stream}.pcl1", [1] * 20))
    second = pick(names.POSTCODE_LETTERS, rng.choice(key, f"{stream}.pcl2", [1] * 20))
    second = pl.when((first == "S") & second.is_in(["A", "D", "S"])).then(pl.lit("T")).otherwise(second)
    house = (pl.lit(350.0) ** rng.uniform(key, f"{stream}.house")).floor().cast(pl.Int64)
    suffix = pl.when(rng.uniform(key, f"{stream}.has_suffix") < 0.07).then(
        pick(names.HOUSE_SUFFIXES, rng.integers(key, f"{stream}.suffix", 0, len(names.HOUSE_SUFFIXES) - 1))
    )
    return [
        pl.concat_str(pc4_text, first, second).alias("postcode"),
        house.alias("house_number"),
        suffix.alias("house_number_suffix"),
    ]
