"""Reasons and colour of a consultation answer as expressions over a person's registrations."""

from __future__ import annotations

import polars as pl

from contracts_schema.codes import MORTGAGE_TYPES, POSITIVE_TYPES
from contracts_schema.status import COLOUR, COLOUR_RANK, ORDER

CT = pl.col("contract_type")


def registration_reasons(running: pl.Expr) -> list[tuple[str, pl.Expr]]:
    """(reason, condition) per registration row holding contract state and ``running``."""
    ended = ~running
    ever_a, open_a = pl.col("ever_arrears"), pl.col("arrears_open")
    c5 = pl.col("code5_active")
    any14 = pl.col("code1") | pl.col("code2") | pl.col("code3") | pl.col("code4")
    special = any14 | c5
    positive, mortgage = CT.is_in(list(POSITIVE_TYPES)), CT.is_in(list(MORTGAGE_TYPES))
    clean = ~ever_a & ~special
    return [
        ("UNREACHABLE", ended & pl.col("code4")),
        ("RUNNING_CLEAN", positive & running & clean),
        ("ENDED_CLEAN", positive & ended & clean),
        ("RUNNING_RECOVERED", positive & running & ever_a & ~open_a & ~special),
        ("ENDED_ARREARS", positive & ended & ever_a),
        ("ENDED_SPECIAL", positive & ended & special),
        ("RUNNING_SPECIAL", positive & running & special),
        ("RUNNING_ARREARS", positive & running & open_a),
        ("SR_ENDED", (CT == "SR") & ended),
        ("SR_RUNNING", (CT == "SR") & running),
        ("RO_REGISTERED", CT == "RO"),
        ("HY_ENDED_ARREARS", mortgage & ended & ever_a & ~c5),
        ("HY_PREVENTIVE", mortgage & running & c5),
        ("HY_RUNNING_ARREARS", mortgage & running & open_a & ~c5),
        ("HY_RUNNING_SPECIAL", mortgage & running & any14 & ~c5),
        ("HY_ENDED_SPECIAL", mortgage & ended & any14 & ~c5),
    ]


def reasons_long(registrations: pl.DataFrame, running: pl.Expr) -> pl.DataFrame:
    """One row per (request_id key, reason) that a registration gives."""
    flags = registration_reasons(running)
    wide = registrations.select("file_idx", "request_id", *[cond.fill_null(False).alias(r) for r, cond in flags])
    return (wide.unpivot(index=["file_idx", "request_id"], variable_name="reason", value_name="hit")
            .filter("hit").select("file_idx", "request_id", "reason").unique())


def colour_of(reasons: pl.DataFrame) -> pl.DataFrame:
    """Per request: the reasons in SPEC order, ';'-joined, and the worst colour."""
    ranked = reasons.with_columns(
        pl.col("reason").replace_strict(ORDER, return_dtype=pl.Int32).alias("order"),
        pl.col("reason").replace_strict({r: COLOUR_RANK[c] for r, c in COLOUR.items()},
                                        return_dtype=pl.Int32).alias("rank"))
    names = {v: k for k, v in COLOUR_RANK.items()}
    return (ranked.sort("order").group_by("file_idx", "request_id", maintain_order=True)
            .agg(pl.col("reason").str.join(";").alias("status_reasons"), pl.col("rank").max())
            .with_columns(pl.col("rank").replace_strict(names, return_dtype=pl.String).alias("status_color"))
            .drop("rank"))
