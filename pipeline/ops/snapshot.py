"""Which rows each exported table holds: the register now, or as it stood on a date (decision 74).

An export holds a table's columns but ``contract_id`` (the register's own number for a contract,
decision 112: an engine joins on the key, as the export's users always have).

As of D, a row counts from the date it speaks of (valid time, as the barometers count, decision
39): contracts started on or before D in the version valid on D, with the dated facts (end,
codes, arrears) read as the barometers read them; the links, codes, events, addresses and
consultations dated on or before D; the persons linked by then, at their address on D.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from contracts_schema.mutation import COLUMNS
from pipeline.barometer.asof import open_arrears
from pipeline.register.state import CONTRACT_ID, CONTRACT_KEY, KEYED_STATE_SCHEMA
from pipeline.register.store import TABLE_SCHEMAS, Register

# the tables an analyst or engine gets; not the ledger (files, runs), the purge manifest (keyed
# hashes, useless without the secret) or the barometer history (published in outbox/barometer)
EXPORTED = ("contracts", "contract_history", "borrowers", "codes", "persons", "addresses", "events",
            "consultations")
PARTITIONED = {"contracts", "contract_history", "borrowers", "codes", "events", "consultations"}
PARTITION_KEY = "participant_code"
ADDRESS = ["postcode_key", "house_number", "house_number_suffix"]
KINDS = {"str": pl.String(), "int": pl.Int64(), "date": pl.Date(), "bool": pl.Boolean()}
EVENTS_SCHEMA = {"run_id": pl.String(), "file": pl.String(), "line_no": pl.Int64(),     # as a night writes them
                 **{c.name: KINDS[c.kind] for c in COLUMNS}}
CODE_FLAGS = {"code1": "1", "code2": "2", "code3": "3", "code4": "4", "ever_arrears": "A"}
# the columns of each exported table but events: the register's, without the contract id
EXPORTED_SCHEMAS = {name: {c: t for c, t in TABLE_SCHEMAS[name].items() if c != CONTRACT_ID}
                    for name in EXPORTED if name != "events"}


def table(reg: Register, name: str) -> pl.LazyFrame:
    """The live rows of a table as the register holds them now (its exported columns)."""
    if name != "events":
        return reg.scan(name).select(list(EXPORTED_SCHEMAS[name]))
    events = reg.scan_events()
    return events if events is not None else pl.LazyFrame(schema=EVENTS_SCHEMA)


def table_on(reg: Register, name: str, on: date) -> pl.LazyFrame:
    """A table's rows as the register stood on ``on``."""
    dated = {"borrowers": "valid_from", "codes": "code_date", "events": "event_date",
             "consultations": "consulted_on"}
    if name in dated:
        return table(reg, name).filter(pl.col(dated[name]) <= on)
    if name == "contract_history":
        return reg.scan(name).filter(pl.col("valid_to") <= on)
    if name == "contracts":
        return contracts_on(reg, on)
    persons = persons_on(reg, on)
    if name == "persons":
        return persons
    return (reg.scan("addresses").filter(pl.col("valid_from") <= on)
            .join(persons.select("person_id"), on="person_id", how="semi"))


def contracts_on(reg: Register, on: date) -> pl.LazyFrame:
    """Each contract started on or before ``on``, in the version valid on ``on`` (decision 12's
    intervals), its end and code flags from the dates they carry (as the barometers read them)."""
    current = reg.scan("contracts").select(list(KEYED_STATE_SCHEMA))
    versions = pl.concat([current.with_columns(pl.lit(None, pl.Date).alias("valid_to")),
                          reg.scan("contract_history")], how="vertical")
    held = versions.filter((pl.col("start_date") <= on) & (pl.col("valid_from") <= on)
                           & (pl.col("valid_to").is_null() | (pl.col("valid_to") > on)))
    ends = current.select(*CONTRACT_KEY, pl.col("actual_end_date").alias("_end"))
    since = open_arrears(reg.scan("codes"), on).rename({"arrears_since": "_since"})
    return (held.drop("actual_end_date", "arrears_open", "arrears_since", *CODE_FLAGS)
            .join(ends, on=CONTRACT_KEY, how="left")
            .join(_code_flags(reg, on), on=CONTRACT_KEY, how="left")
            .join(since, on=CONTRACT_KEY, how="left")
            .with_columns(pl.when(pl.col("_end") <= on).then(pl.col("_end")).alias("actual_end_date"),
                          pl.col("_since").is_not_null().alias("arrears_open"),
                          pl.col("_since").alias("arrears_since"),
                          pl.col(list(CODE_FLAGS)).fill_null(False))
            .select(list(KEYED_STATE_SCHEMA)))


def _code_flags(reg: Register, on: date) -> pl.LazyFrame:
    """Per contract with a code dated on or before ``on``: whether it had each of codes 1-4 and A."""
    codes = reg.scan("codes").filter(pl.col("code_date") <= on)
    return codes.group_by(CONTRACT_KEY).agg((pl.col("code") == c).any().alias(f) for f, c in CODE_FLAGS.items())


def persons_on(reg: Register, on: date) -> pl.LazyFrame:
    """The persons a link dated on or before ``on`` names; their address the one reported last on
    or before ``on`` (the current one when that is the same), no death dated after ``on``."""
    linked = reg.scan("borrowers").filter(pl.col("valid_from") <= on).select("person_id")
    where = (reg.scan("addresses").filter(pl.col("valid_from") <= on).group_by("person_id")
             .agg(pl.col(ADDRESS).sort_by("valid_from").last().name.suffix("_on")))
    moved = ~pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}_on")) for c in ADDRESS)
    moved = pl.col("postcode_key_on").is_not_null() & moved
    return (reg.scan("persons").join(linked, on="person_id", how="semi")
            .join(where, on="person_id", how="left")
            .with_columns(*(pl.when(moved).then(pl.col(f"{c}_on")).otherwise(pl.col(c)).alias(c) for c in ADDRESS),
                          pl.when(moved).then(pl.col("postcode_key_on")).otherwise(pl.col("postcode")).alias("postcode"),
                          pl.when(pl.col("deceased_date") <= on).then(pl.col("deceased_date")).alias("deceased_date"))
            .select(list(TABLE_SCHEMAS["persons"])))
