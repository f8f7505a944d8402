"""The register as it stood on a reference date: the running contracts and what they count in (SPEC 7).

A contract counts on date D when it had started (``start_date`` ≤ D) and had not ended
(no ``actual_end_date``, or one after D): the bounds of its validity intervals. Its arrears on D
are the A and H codes dated on or before D: open when an A is not followed by an H. A borrower
counts from the ``valid_from`` of its link; a person lives at the address they were reported at
last on or before D, and has the age they had on D (``people.py``). Decision 39 says why the
dated facts of the current rows are read instead of every closed version. Contracts are told
apart by their stored ``contract_id`` (decision 112); tables without it (a register written
before contract ids, until a night numbers it) by a fingerprint of their key.
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
from contracts_schema.codes import CONTRACT_TYPE_CODES
from pipeline.register.state import CONTRACT_ID, CONTRACT_KEY

UNKNOWN_NAME = "Onbekend"
FINGERPRINT = ["_key1", "_key2"]
REPORT_ORDER = ["code_date", "run_id", "file", "line_no"]     # the order codes were reported in
# what a running contract makes its borrowers count in: one bit each, or-ed per person (decision 78)
FLAGS = {"credit": 1, "arrears": 2, "mortgage_arrears_3m": 4, "residual_debt": 8}


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


def open_arrears(codes: pl.LazyFrame, on: date, key: list[str] = CONTRACT_KEY) -> pl.LazyFrame:
    """Per contract (``key``: its key, its id, or FINGERPRINT) with arrears open on ``on``: the
    ``arrears_since`` of the first A after its last H (a second A while arrears are open keeps the
    first one's date, decision 11).

    The A and H codes sorted by contract, then as reported: a row lies after its contract's last
    H when the count of H rows so far equals that count at the contract's last row. A sort and
    running counts cost a third of windows per contract."""
    starts = pl.any_horizontal(pl.col(k) != pl.col(k).shift(1) for k in key).fill_null(True)
    dated = (codes.filter(pl.col("code").is_in(["A", "H"]) & (pl.col("code_date") <= on))
             .select(*key, "code", *REPORT_ORDER, "arrears_since")
             .sort([*key, *REPORT_ORDER], maintain_order=True)
             .with_columns(starts.alias("_first"), (pl.col("code") == "H").cum_sum().alias("_h")))
    last_h = pl.when(pl.col("_first").shift(-1, fill_value=True)).then(pl.col("_h")).backward_fill()
    return (dated.filter((pl.col("_h") == last_h) & (pl.col("code") == "A"))
            .filter(starts).select(*key, "arrears_since"))


def fingerprinted(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The contract key as a 128-bit fingerprint (two seeded 64-bit hashes), so ten million
    contracts join their borrowers on integers instead of two strings (about twice as fast).
    Two contracts of a national register share a fingerprint with a chance far below 10^-20."""
    key = pl.struct(CONTRACT_KEY)
    return frame.with_columns(key.hash(seed=11).alias(FINGERPRINT[0]),
                              key.hash(seed=29).alias(FINGERPRINT[1])).drop(CONTRACT_KEY)


def type_index() -> pl.Expr:
    """``contract_type`` as its position among the contract type codes (one past the last for
    any other): one Enum lookup per contract, after which no type string is compared."""
    return (pl.col("contract_type").cast(pl.Enum(CONTRACT_TYPE_CODES), strict=False).to_physical()
            .cast(pl.UInt8).fill_null(len(CONTRACT_TYPE_CODES)).alias("type"))


def _per_type(value: dict[str, int]) -> pl.Expr:
    """``value`` of the contract's ``type`` (``type_index``); 0 for a type it does not name."""
    table = [value.get(code, 0) for code in CONTRACT_TYPE_CODES] + [0]
    return pl.lit(pl.Series(table, dtype=pl.UInt8)).gather(pl.col("type"))


def contract_flags(on: date, consumer_types: list[str]) -> pl.Expr:
    """The FLAGS of a running contract (``type``, ``in_arrears``, ``arrears_since``): those its
    type may set (a consumer credit: credit and arrears; HY: mortgage arrears; RH and RN:
    residual debt), less the arrears it is not in (a mortgage's count from 3 calendar months
    after ``arrears_since``)."""
    may = {t: sum(bit for flag, bit in FLAGS.items() if t in _types_of(flag, consumer_types))
           for t in CONTRACT_TYPE_CODES}
    long_ago = (pl.col("arrears_since").dt.offset_by(f"{MORTGAGE_ARREARS_MONTHS}mo") <= on).fill_null(False)
    arrears = pl.when(long_ago).then(FLAGS["arrears"] | FLAGS["mortgage_arrears_3m"]).otherwise(FLAGS["arrears"])
    state = FLAGS["credit"] | FLAGS["residual_debt"] | pl.when(pl.col("in_arrears")).then(arrears).otherwise(0)
    return (_per_type(may) & state).cast(pl.UInt8).alias("flags")


def _types_of(flag: str, consumer_types: list[str]) -> tuple[str, ...]:
    """The contract types that may set ``flag``."""
    return {"mortgage_arrears_3m": MORTGAGE_ARREARS_TYPES, "residual_debt": RESIDUAL_DEBT_TYPES}.get(
        flag, tuple(consumer_types))


def consumer_kind(consumer_types: list[str]) -> pl.Expr:
    """1 + the position of the contract's ``type`` among the consumer-credit types; 0 for others."""
    types = list(dict.fromkeys(consumer_types))
    return _per_type({t: i for i, t in enumerate(types, start=1)}).alias("kind")


def numbered(tables: RegisterTables) -> bool:
    """Whether contracts, their links and codes carry ``contract_id`` (a register not numbered
    yet does not: its contracts are told apart by the fingerprint of their key)."""
    return all(CONTRACT_ID in frame.collect_schema() for frame in (tables.contracts, tables.borrowers, tables.codes))


def contracts_on(tables: RegisterTables, on: date, consumer_types: list[str]) -> pl.LazyFrame:
    """The contracts running on ``on``: ``contract_id`` (the FINGERPRINT where the tables have
    no id), consumer kind and flags (one byte each)."""
    running = tables.contracts.filter(running_on(on))
    if numbered(tables):
        key, codes, running = [CONTRACT_ID], tables.codes, running.select(CONTRACT_ID, type_index())
    else:
        key, codes = FINGERPRINT, fingerprinted(tables.codes)
        running = fingerprinted(running.select(*CONTRACT_KEY, type_index()))
    arrears = (open_arrears(codes, on, key)     # a sort: in memory, half the CPU
               .with_columns(pl.lit(True).alias("in_arrears")).collect(engine="in-memory"))
    return (running.join(arrears.lazy(), on=key, how="left")
            .with_columns(pl.col("in_arrears").fill_null(False))
            .select(*key, consumer_kind(consumer_types), contract_flags(on, consumer_types)))


def age_band_index(birth_date: pl.Expr, on: date) -> pl.Expr:
    """The position in AGE_BANDS of the age on ``on`` (SPEC 7): a band's first age is reached by
    those born on or before that many years before ``on`` (a 29 February birthday counts from
    1 March). No birth date, or under 18 (only a correction can make one), is the first band."""
    reached = [(birth_date <= _years_before(on, lower)).fill_null(False) for lower in AGE_BAND_LOWER[1:]]
    return pl.sum_horizontal(reached).cast(pl.UInt8)


def age_band_name(index: pl.Expr) -> pl.Expr:
    return index.replace_strict(list(range(len(AGE_BANDS))), list(AGE_BANDS), return_dtype=pl.String)


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
