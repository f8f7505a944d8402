"""The seven barometer tables of one reference date, before disclosure control (SPEC 7).

Every table lists all its keys (every consumer-credit type, every gemeente of the pc4 table and
ONBEKEND, every age band), with zero where nobody counts: which rows exist never depends on the
data, so a row's presence tells nothing about anybody.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from contracts_schema.barometer import AGE_BANDS, BY_NAME
from pipeline.barometer.asof import FLAGS, RegisterTables, contracts_on, gemeenten
from pipeline.barometer.people import person_flags, persons_on

PERSON_COUNTS = {"persons_with_credit": "credit", "persons_in_arrears": "arrears",
                 "persons_mortgage_arrears_3m": "mortgage_arrears_3m", "persons_residual_debt": "residual_debt"}
CONTRACT_COUNTS = {"contracts": "contracts", "contracts_in_arrears": "contracts_in_arrears"}


def _count(count_of: dict[str, str], names: tuple[str, ...]) -> list[pl.Expr]:
    return [pl.col(count_of[n]).sum().cast(pl.Int64).alias(n) for n in names]


def _by(frame: pl.LazyFrame, grid: pl.DataFrame, key: list[str], counts: tuple[str, ...],
        count_of: dict[str, str]) -> pl.LazyFrame:
    """Counts per key, on the full grid of keys, zero where nobody counts."""
    found = frame.group_by(key).agg(_count(count_of, counts))
    return (grid.lazy().join(found, on=key, how="left", maintain_order="left")
            .with_columns(pl.col(c).fill_null(0) for c in counts))


def _shaped(name: str, frame: pl.LazyFrame, on: date) -> pl.LazyFrame:
    """The table's own columns and order, ``peildatum`` first."""
    table = BY_NAME[name]
    columns = [c for c in table.schema if c != "suppressed"]
    return frame.with_columns(pl.lit(on).alias("peildatum")).select(columns)


def compute(tables: RegisterTables, pc4: pl.DataFrame, on: date, consumer_types: list[str]) -> dict[str, pl.DataFrame]:
    """The seven tables of reference date ``on``, exact counts (nothing suppressed yet)."""
    kinds, flags = _contracts(tables, on, consumer_types)
    people = persons_on(tables, flags, pc4, on).lazy()
    plans = {**_national(people, kinds), **_by_key(people, kinds, pc4, consumer_types)}
    names = list(plans)
    frames = pl.collect_all([_shaped(n, plans[n], on) for n in names])
    return dict(zip(names, frames, strict=True))


def _contracts(tables: RegisterTables, on: date, consumer_types: list[str]) -> tuple[pl.LazyFrame, np.ndarray]:
    """The running consumer credits per type, and per person id the flags of the running
    contracts; the contracts themselves are let go before the persons are read."""
    contracts = contracts_on(tables, on, consumer_types).collect()
    return _per_kind(contracts, consumer_types), person_flags(contracts, tables.borrowers, on)


def _per_kind(contracts: pl.DataFrame, consumer_types: list[str]) -> pl.LazyFrame:
    """Per consumer-credit type the running contracts and those in arrears."""
    types = list(dict.fromkeys(consumer_types))
    in_arrears = (pl.col("flags") & FLAGS["arrears"]) > 0
    name = pl.col("kind").replace_strict(list(range(1, len(types) + 1)), types, return_dtype=pl.String)
    return (contracts.lazy().filter(pl.col("kind") > 0).group_by("kind")
            .agg(pl.len().alias("contracts"), in_arrears.sum().alias("contracts_in_arrears"))
            .select(name.alias("contract_type"), *CONTRACT_COUNTS).collect().lazy())


def _national(people: pl.LazyFrame, kinds: pl.LazyFrame) -> dict[str, pl.LazyFrame]:
    credit = people.select(_count(PERSON_COUNTS, ("persons_with_credit", "persons_in_arrears")))
    contracts = kinds.select(pl.col("contracts").sum().cast(pl.Int64))
    mortgages = people.select(_count(PERSON_COUNTS, BY_NAME["hypotheekbarometer_nationaal"].counts))
    return {"kredietbarometer_nationaal": credit.join(contracts, how="cross"),
            "hypotheekbarometer_nationaal": mortgages}


def _by_key(people: pl.LazyFrame, kinds: pl.LazyFrame, pc4: pl.DataFrame,
            consumer_types: list[str]) -> dict[str, pl.LazyFrame]:
    places, bands = gemeenten(pc4), pl.DataFrame({"age_band": list(AGE_BANDS)})
    types = pl.DataFrame({"contract_type": consumer_types})
    plans = {"kredietbarometer_soort": _by(kinds, types, ["contract_type"],
                                           BY_NAME["kredietbarometer_soort"].counts, CONTRACT_COUNTS)}
    for name, grid, key in (("kredietbarometer_gemeente", places, ["gemeente_code"]),
                            ("kredietbarometer_leeftijd", bands, ["age_band"]),
                            ("hypotheekbarometer_gemeente", places, ["gemeente_code"]),
                            ("hypotheekbarometer_leeftijd", bands, ["age_band"])):
        plans[name] = _by(people, grid, key, BY_NAME[name].counts, PERSON_COUNTS)
    return plans
