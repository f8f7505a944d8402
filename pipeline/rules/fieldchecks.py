"""Run a Pandera model over a typed frame and turn its failure cases into findings.

Pandera reports each failing (row, check); the check's name says which error code it is and its
statistics give the limit a clerk reads (``isin`` → the allowed values, ``ge`` → the minimum).

Pandera runs its checks one after another, collecting each several times. So the model's own
check functions are first evaluated in one Polars pass, and Pandera reports on only the rows
that fail one (nearly always none): the model stays the one definition of the checks.
"""

from __future__ import annotations

import pandera.backends.polars.builtin_checks  # noqa: F401  (registers the checks' Polars functions)
import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from pipeline.rules.findings import SCHEMA, quoted

_CHECK_CODES = {
    "not_nullable": "MISSING_FIELD",
    "isin": "INVALID_VALUE",
    "str_matches": "INVALID_VALUE",
    "str_length": "INVALID_VALUE",
    "greater_than_or_equal_to": "OUT_OF_RANGE",
    "less_than_or_equal_to": "OUT_OF_RANGE",
    "in_range": "OUT_OF_RANGE",
}


def _limit_text(name: str, stats: dict) -> str:
    if name == "not_nullable":
        return "on every record"
    if name == "isin":
        return "allowed are " + ", ".join(str(v) for v in stats["allowed_values"])
    if name == "str_matches":
        return f"it must match {stats['pattern']}"
    if name == "str_length":
        return f"at most {stats.get('max_value')} characters"
    if name == "greater_than_or_equal_to":
        return f"at least {stats['min_value']}"
    if name == "less_than_or_equal_to":
        return f"at most {stats['max_value']}"
    return str(stats)


def _check_table(model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """One row per (column, check): Pandera's check text → our code and limit text."""
    rows = []
    for name, column in model.to_schema().columns.items():
        rows.append({"column": name, "check": "not_nullable", "error_code": "MISSING_FIELD",
                     "limit": _limit_text("not_nullable", {})})
        for check in column.checks:
            rows.append({"column": name, "check": check.error,
                         "error_code": _CHECK_CODES.get(check.name, "INVALID_VALUE"),
                         "limit": _limit_text(check.name, check.statistics)})
    return pl.DataFrame(rows)


def _suspects(typed: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.Series | None:
    """Per row: does it fail a not-null rule or a check of ``model``? Pandera's own check
    functions, evaluated at once; None when a check cannot be evaluated so (then every row goes
    to Pandera). A row flagged here may still pass Pandera, never the other way round."""
    frame = typed.lazy()
    flags: list[pl.LazyFrame] = []
    for name, column in model.to_schema().columns.items():
        if not column.nullable:
            flags.append(frame.select(pl.col(name).is_null()))
        for check in column.checks:
            if check.element_wise or check._check_fn is None:
                return None
            out = check._check_fn(PolarsData(frame, name), **check._check_kwargs)
            if not isinstance(out, pl.LazyFrame):
                return None
            passed = pl.all_horizontal(pl.all().fill_null(bool(check.ignore_na)))
            flags.append(out.select(~passed))
    if not flags:
        return pl.repeat(False, typed.height, eager=True)
    named = [flag.select(pl.all().alias(f"f{i}")) for i, flag in enumerate(flags)]
    try:
        return pl.concat(named, how="horizontal").select(pl.any_horizontal(pl.all()).alias("suspect")).collect()[
            "suspect"]
    except pl.exceptions.PolarsError:
        return None


def field_findings(typed: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """Findings for every per-field check of ``model`` that a row of ``typed`` fails."""
    columns = list(model.to_schema().columns)
    suspect = _suspects(typed.select(columns), model)
    if suspect is not None:
        if not suspect.any():
            return pl.DataFrame(schema=SCHEMA)
        typed = typed.filter(suspect)
    try:
        model.validate(typed.select(columns), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null())
    else:
        return pl.DataFrame(schema=SCHEMA)
    keys = typed.select("file_idx", "line_no").with_row_index("index").with_columns(
        pl.col("index").cast(pl.Int32))
    return (cases.join(_check_table(model), on=["column", "check"], how="left")
            .join(keys, on="index", how="inner")
            .select(pl.col("file_idx").cast(pl.Int32), pl.col("line_no").cast(pl.Int64),
                    pl.col("column").alias("field"), pl.col("error_code").fill_null("INVALID_VALUE"),
                    pl.lit("ERROR").alias("severity"),
                    quoted(pl.col("failure_case")).alias("value"),
                    pl.col("limit").fill_null("")))
