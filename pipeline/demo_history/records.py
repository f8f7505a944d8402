"""The delivery rows of the history's events: the NEW of each borrower, CODE A and H, END and CHANGE."""

from __future__ import annotations

import polars as pl

from pipeline.demo_history.contracts import HY

IDENTITY_FIELDS = ["birth_surname", "surname_prefix", "initials", "gender", "birth_date"]   # a person but the address
ADDRESS_FIELDS = ["postcode", "house_number", "house_number_suffix"]
CONTRACT_FIELDS = ["participant", "contract_number", "contract_type", "amount", "theoretical_end_date"]


def new_rows(frame: pl.DataFrame, people: pl.DataFrame, moved: pl.DataFrame) -> pl.DataFrame:
    """NEW of the first borrower; a mortgage carries its code A here (the only way it may be
    registered)."""
    rows = at_home(frame.join(people.drop("birth_date"), on="person", how="left", maintain_order="left"), moved)
    return rows.select(*CONTRACT_FIELDS, *IDENTITY_FIELDS, *ADDRESS_FIELDS, "partner",
                       pl.col("ks").alias("night"), pl.col("start").alias("event_date"),
                       pl.lit("NEW").alias("mutation_type"), pl.lit(1).alias("borrower_no"),
                       pl.when(HY).then(pl.lit("A")).alias("code"), pl.when(HY).then("since").alias("arrears_since"),
                       pl.when(HY).then("arrears_amount").alias("arrears_amount"))


def at_home(rows: pl.DataFrame, moved: pl.DataFrame) -> pl.DataFrame:
    """Each row at the address its person has on the contract's night: after a move, the new one
    (a NEW with the old address would report a move back)."""
    later = moved.select("person", pl.col("night").alias("km"), *[pl.col(c).alias(f"new_{c}") for c in ADDRESS_FIELDS])
    moved_first = pl.col("km").is_not_null() & (pl.col("ks") >= pl.col("km"))
    return rows.join(later, on="person", how="left", maintain_order="left").with_columns(
        pl.when(moved_first).then(f"new_{c}").otherwise(c).alias(c) for c in ADDRESS_FIELDS)


def partner_rows(first: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """NEW of the second borrower of a joint contract: the contract's data, the partner's own
    person data, the first borrower's address (they live together); no code (one A per contract)."""
    joint = first.filter(pl.col("partner").is_not_null()).drop(*IDENTITY_FIELDS)
    partners = people.select(pl.col("person").alias("partner"), *IDENTITY_FIELDS)
    rows = joint.join(partners, on="partner", how="left", maintain_order="left")
    return rows.with_columns(pl.lit(2).alias("borrower_no"),
                             *[pl.lit(None).alias(c) for c in ("code", "arrears_since", "arrears_amount")])


def code_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """CODE A (except a mortgage's, which is on its NEW) and CODE H rows."""
    a = frame.filter(pl.col("ka").is_not_null() & (pl.col("contract_type") != "HY")).select(
        "participant", "contract_number", pl.col("ka").alias("night"), pl.col("e_a").alias("event_date"),
        pl.lit("A").alias("code"), pl.col("since").alias("arrears_since"), "arrears_amount")
    h = frame.filter(pl.col("kh").is_not_null()).select(
        "participant", "contract_number", pl.col("kh").alias("night"), pl.col("e_h").alias("event_date"),
        pl.lit("H").alias("code"))
    return pl.concat([a, h], how="diagonal").with_columns(pl.lit("CODE").alias("mutation_type"))


def end_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("ke").is_not_null()).select(
        "participant", "contract_number", pl.col("ke").alias("night"), pl.col("e_end").alias("event_date"),
        pl.lit("END").alias("mutation_type"), pl.col("e_end").alias("actual_end_date"))


def move_rows(moved: pl.DataFrame) -> pl.DataFrame:
    return moved.select("participant", "contract_number", "night", "event_date", *ADDRESS_FIELDS,
                        pl.lit("CHANGE").alias("mutation_type"), pl.lit(1).alias("borrower_no"))
