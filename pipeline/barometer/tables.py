"""The seven barometer tables of one reference date, before disclosure control (SPEC 7).

Every table lists all its keys (every consumer-credit type, every gemeente of the pc4 table and
ONBEKEND, every age band), with zero where nobody counts: which rows exist never depends on the
data, so a row's presence tells nothing about anybody.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from contracts_schema.barometer import AGE_BANDS, BY_NAME
from pipeline.barometer.asof import RegisterTables, contracts_on, gemeenten, person_flags, persons_on

PERSON_COUNTS = {"persons_with_credit": "credit", "persons_in_arrears": "arrears",
                 "persons_mortgage_arrears_3m": "mortgage_arrears_3m", "persons_residual_debt": "residual_debt"}


def _count(flag_of: dict[str, str], names: tuple[str, ...]) -> list[pl.Expr]:
    return [pl.col(flag_of[n]).sum().cast(pl.Int64).alias(n) for n in names]


def _by(frame: pl.LazyFrame, grid: pl.DataFrame, key: list[str], counts: tuple[str, ...],
        flag_of: dict[str, str]) -> pl.LazyFrame:
    """Counts per key, on the full grid of keys, zero where nobody counts."""
    found = frame.group_by(key).agg(_count(flag_of, counts))
    return (grid.lazy().join(found, on=key, how="left", maintain_order="left")
            .with_columns(pl.col(c).fill_null(0) for c in counts))


def _shaped(name: str, frame: pl.LazyFrame, on: date) -> pl.LazyFrame:
    """The table's own columns and order, ``peildatum`` first."""
    table = BY_NAME[name]
    columns = [c for c in table.schema if c != "suppressed"]
    return frame.with_columns(pl.lit(on).alias("peildatum")).select(columns)


def compute(tables: RegisterTables, pc4: pl.DataFrame, on: date, consumer_types: list[str]) -> dict[str, pl.DataFrame]:
    """The seven tables of reference date ``on``, exact counts (nothing suppressed yet)."""
    contracts = contracts_on(tables, on).collect()
    flags = person_flags(contracts.lazy(), tables.borrowers, on, consumer_types)
    people = persons_on(tables, flags, pc4, on).drop("gemeente_name").collect().lazy()
    consumer = contracts.lazy().filter(pl.col("contract_type").is_in(consumer_types)).with_columns(
        pl.lit(True).alias("running"))
    plans = {**_national(people, consumer), **_by_key(people, consumer, pc4, consumer_types)}
    names = list(plans)
    frames = pl.collect_all([_shaped(n, plans[n], on) for n in names])
    return dict(zip(names, frames, strict=True))


def _national(people: pl.LazyFrame, consumer: pl.LazyFrame) -> dict[str, pl.LazyFrame]:
    credit = people.select(_count(PERSON_COUNTS, ("persons_with_credit", "persons_in_arrears")))
    contracts = consumer.select(pl.len().cast(pl.Int64).alias("contracts"))
    mortgages = people.select(_count(PERSON_COUNTS, BY_NAME["hypotheekbarometer_nationaal"].counts))
    return {"kredietbarometer_nationaal": credit.join(contracts, how="cross"),
            "hypotheekbarometer_nationaal": mortgages}


def _by_key(people: pl.LazyFrame, consumer: pl.LazyFrame, pc4: pl.DataFrame,
            consumer_types: list[str]) -> dict[str, pl.LazyFrame]:
    places, bands = gemeenten(pc4), pl.DataFrame({"age_band": list(AGE_BANDS)})
    types = pl.DataFrame({"contract_type": consumer_types})
    contract_flags = {"contracts": "running", "contracts_in_arrears": "in_arrears"}
    plans = {"kredietbarometer_soort": _by(consumer, types, ["contract_type"],
                                           BY_NAME["kredietbarometer_soort"].counts, contract_flags)}
    for name, grid, key in (("kredietbarometer_gemeente", places, ["gemeente_code"]),
                            ("kredietbarometer_leeftijd", bands, ["age_band"]),
                            ("hypotheekbarometer_gemeente", places, ["gemeente_code"]),
                            ("hypotheekbarometer_leeftijd", bands, ["age_band"])):
        plans[name] = _by(people, grid, key, BY_NAME[name].counts, PERSON_COUNTS)
    return plans
