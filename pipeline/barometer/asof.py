"""The register as it stood on a reference date, as frames of contracts and persons (SPEC 7).

A contract counts on date D when it had started (``start_date`` ≤ D) and had not ended
(no ``actual_end_date``, or one after D): the bounds of its validity intervals. Its arrears on D
are the A and H codes dated on or before D: open when an A is not followed by an H. A borrower
counts from the ``valid_from`` of its link; a person lives at the address they were reported at
last on or before D, and has the age they had on D. Decision 39 says why the dated facts of the
current rows are read instead of every closed version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from contracts_schema.barometer import (
    AGE_BAND_LOWER,
    AGE_BANDS,
    MORTGAGE_ARREARS_MONTHS,
    MORTGAGE_ARREARS_TYPES,
    RESIDUAL_DEBT_TYPES,
    UNKNOWN_GEMEENTE,
)
from pipeline.state import CONTRACT_KEY

UNKNOWN_NAME = "Onbekend"
FINGERPRINT = ["_key1", "_key2"]
DAY_OFFSET = 1 << 20          # days since 1970 made positive for any date a register holds
ROW_SPAN = 1 << 32            # more rows than an addresses table holds


@dataclass(frozen=True)
class RegisterTables:
    """The register tables a reference date is counted from, lazily (committed or tonight's)."""

    contracts: pl.LazyFrame
    borrowers: pl.LazyFrame
    codes: pl.LazyFrame
    persons: pl.LazyFrame
    addresses: pl.LazyFrame


def running_on(on: date) -> pl.Expr:
    """Started on or before ``on`` and not ended by then."""
    ended = pl.col("actual_end_date").is_not_null() & (pl.col("actual_end_date") <= on)
    return (pl.col("start_date") <= on) & ~ended


def open_arrears(codes: pl.LazyFrame, on: date) -> pl.LazyFrame:
    """Per contract with arrears open on ``on``: the ``arrears_since`` of the first A after its
    last H (a second A while arrears are open keeps the first one's date, decision 11)."""
    order = [*CONTRACT_KEY, "code_date", "run_id", "file", "line_no"]
    recovered = (pl.col("code") == "H").cum_sum().over(CONTRACT_KEY, order_by=order[2:])
    dated = codes.filter(pl.col("code").is_in(["A", "H"]) & (pl.col("code_date") <= on))
    last_run = dated.with_columns(recovered.alias("h_seen")).filter(
        (pl.col("h_seen") == pl.col("h_seen").max().over(CONTRACT_KEY)) & (pl.col("code") == "A"))
    return last_run.group_by(CONTRACT_KEY).agg(
        pl.col("arrears_since").sort_by(order[2:]).first())


def fingerprinted(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The contract key as a 128-bit fingerprint (two seeded 64-bit hashes), so ten million
    contracts join their borrowers on two integers instead of two strings (about twice as fast).
    Two contracts of a national register share a fingerprint with a chance far below 10^-20."""
    key = pl.struct(CONTRACT_KEY)
    return frame.with_columns(key.hash(seed=11).alias(FINGERPRINT[0]),
                              key.hash(seed=29).alias(FINGERPRINT[1])).drop(CONTRACT_KEY)


def contracts_on(tables: RegisterTables, on: date) -> pl.LazyFrame:
    """The contracts running on ``on``: fingerprint, type, whether in arrears, and since when."""
    arrears = fingerprinted(open_arrears(tables.codes, on)).with_columns(pl.lit(True).alias("in_arrears"))
    return (fingerprinted(tables.contracts.filter(running_on(on)).select(*CONTRACT_KEY, "contract_type"))
            .join(arrears, on=FINGERPRINT, how="left")
            .with_columns(pl.col("in_arrears").fill_null(False)))


def person_flags(contracts: pl.LazyFrame, borrowers: pl.LazyFrame, on: date,
                 consumer_types: list[str]) -> pl.LazyFrame:
    """Per person with anything to count on ``on``: credit, arrears, mortgage arrears of 3+ months,
    residual debt. Both borrowers of a joint contract count."""
    type_in = pl.col("contract_type").is_in
    long_ago = pl.col("arrears_since").dt.offset_by(f"{MORTGAGE_ARREARS_MONTHS}mo") <= on
    links = fingerprinted(borrowers.filter(pl.col("valid_from") <= on).select(*CONTRACT_KEY, "person_id"))
    return (contracts.join(links, on=FINGERPRINT, how="inner")
            .group_by("person_id").agg(
                type_in(consumer_types).any().alias("credit"),
                (type_in(consumer_types) & pl.col("in_arrears")).any().alias("arrears"),
                (type_in(MORTGAGE_ARREARS_TYPES) & pl.col("in_arrears") & long_ago).any().fill_null(False)
                .alias("mortgage_arrears_3m"),
                type_in(RESIDUAL_DEBT_TYPES).any().alias("residual_debt")))


def address_on(addresses: pl.LazyFrame, on: date) -> pl.LazyFrame:
    """Per person, the postcode reported last on or before ``on`` (a person counted on ``on`` has
    one: the NEW of a contract running then reported it; else their current postcode counts).
    Of two reports of one day the one the register received later wins.

    One pass: a person's latest row is the greatest (day, position) number, whose low bits point
    back at the row (a group-by of integers, then a gather; sorting within groups cost 4x)."""
    days = pl.col("valid_from").cast(pl.Int64) + DAY_OFFSET
    rows = (addresses.filter(pl.col("valid_from") <= on)
            .select("person_id", "postcode_key", (days * ROW_SPAN + pl.int_range(pl.len(), dtype=pl.Int64)).alias("_k"))
            .collect())
    latest = rows.group_by("person_id").agg(pl.col("_k").max())
    at = rows["postcode_key"].gather(latest["_k"] % ROW_SPAN)
    return latest.select("person_id").with_columns(at.alias("postcode_at")).lazy()


def age_band(birth_date: pl.Expr, on: date) -> pl.Expr:
    """The age band of SPEC 7 by age on ``on``: a band's first age is reached by those born on or
    before that many years before ``on`` (a 29 February birthday counts from 1 March)."""
    band = pl.lit(AGE_BANDS[0])          # under 18 cannot be registered; a correction would land here
    for lower, name in zip(AGE_BAND_LOWER[1:], AGE_BANDS[1:], strict=True):
        band = pl.when(birth_date <= _years_before(on, lower)).then(pl.lit(name)).otherwise(band)
    return band


def _years_before(on: date, years: int) -> date:
    """The same day ``years`` earlier; 28 February where that year has no 29 February."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def gemeenten(pc4: pl.DataFrame) -> pl.DataFrame:
    """Every gemeente a row may fall in: the pc4 table's, then ONBEKEND."""
    known = pc4.select("gemeente_code", "gemeente_name").unique("gemeente_code", keep="first",
                                                                maintain_order=True)
    unknown = pl.DataFrame({"gemeente_code": [UNKNOWN_GEMEENTE], "gemeente_name": [UNKNOWN_NAME]})
    return pl.concat([known.sort("gemeente_code"), unknown])


def persons_on(tables: RegisterTables, flags: pl.LazyFrame, pc4: pl.DataFrame, on: date) -> pl.LazyFrame:
    """The counted persons with their gemeente and age band on ``on``."""
    people = flags.join(tables.persons.select("person_id", "birth_date", "postcode_key"), on="person_id")
    where = address_on(tables.addresses, on)
    lookup = pc4.unique("pc4", keep="first", maintain_order=True).lazy()
    return (people.join(where, on="person_id", how="left")
            .with_columns(pl.coalesce("postcode_at", "postcode_key").str.slice(0, 4).alias("pc4"),
                          age_band(pl.col("birth_date"), on).alias("age_band"))
            .join(lookup, on="pc4", how="left")
            .with_columns(pl.col("gemeente_code").fill_null(UNKNOWN_GEMEENTE),
                          pl.col("gemeente_name").fill_null(UNKNOWN_NAME)))
