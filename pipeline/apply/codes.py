"""The codes a chunk's accepted records give their contracts, with their dates and source.

A NEW or CODE record with a code adds it; CODE_END removes the contract's code 5 (SPEC 1), also
one added earlier the same night.
"""

from __future__ import annotations

import polars as pl

from pipeline.register.state import CONTRACT_KEY, MT


def code_rows(accepted: pl.DataFrame, file_of: pl.Expr, run_id: str) -> pl.DataFrame:
    """The codes ``accepted`` adds, each with the ``step`` of its record (``file_of``: the
    delivered file's name of a record)."""
    coded = accepted.filter(MT.is_in(["NEW", "CODE"]) & pl.col("code").is_not_null())
    return coded.select(*CONTRACT_KEY, "code", pl.col("event_date").alias("code_date"), "arrears_since",
                        "arrears_amount", "written_off_amount", "final_discharge",
                        pl.lit(run_id).alias("run_id"), file_of.alias("file"), "line_no", "step")


def code_ends(accepted: pl.DataFrame) -> pl.DataFrame:
    """Per contract with a CODE_END, the step of its last one."""
    return (accepted.filter(MT == "CODE_END").group_by(CONTRACT_KEY)
            .agg(pl.col("step").max().alias("end_step")))


def kept_codes(new: pl.DataFrame, ends: pl.DataFrame) -> pl.DataFrame:
    """The new codes a later CODE_END of the same chunk has not removed already."""
    removed = (pl.col("code") == "5") & (pl.col("step") < pl.col("end_step")).fill_null(False)
    return new.join(ends, on=CONTRACT_KEY, how="left").filter(~removed)
