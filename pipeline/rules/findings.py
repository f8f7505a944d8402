"""Findings: the long frame of (file, line, field, code, value, limit) every rule produces.

A rule is a ``Rule``: the mask of the rows it flags and the finding it makes of each. ``run_rules``
evaluates the masks of many rules in one pass and builds findings from the flagged rows only, so
a clean chunk costs its masks and nothing more; the findings are those of ``finding`` per rule,
concatenated in rule order.

A finding becomes a row of ``errors.csv``; its message is the catalogue template filled with the
finding's own field, value and limit, as one vectorised string operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from contracts_schema.errors import OWN_VALUES, SLOTS, localized, variants
from contracts_schema.words import DEFAULT_LANGUAGE

SCHEMA = pl.Schema({
    "file_idx": pl.Int32,
    "line_no": pl.Int64,
    "field": pl.String,
    "error_code": pl.String,
    "severity": pl.String,
    "value": pl.String,
    "limit": pl.String,
})


MAX_QUOTED = 60


def quoted(value: pl.Expr | str | None) -> pl.Expr:
    """A value as a message quotes it: text, and never longer than MAX_QUOTED characters."""
    if value is None:
        return pl.lit("", dtype=pl.String)
    if isinstance(value, str):
        return pl.lit(value, dtype=pl.String)
    text = value.cast(pl.String).fill_null("")
    return pl.when(text.str.len_chars() > MAX_QUOTED).then(text.str.slice(0, MAX_QUOTED) + "…").otherwise(text)


def finding(rows: pl.LazyFrame, code: str, field: str, value: pl.Expr | str | None = None,
            limit: pl.Expr | str | None = None, severity: str | pl.Expr = "ERROR") -> pl.LazyFrame:
    """Findings of one rule for the rows it flags (rows carry file_idx and line_no)."""
    sev = pl.lit(severity) if isinstance(severity, str) else severity
    return rows.select(
        pl.col("file_idx").cast(pl.Int32),
        pl.col("line_no").cast(pl.Int64),
        pl.lit(field, dtype=pl.String).alias("field"),
        pl.lit(code, dtype=pl.String).alias("error_code"),
        sev.cast(pl.String).alias("severity"),
        quoted(value).alias("value"),
        quoted(limit).alias("limit"),
    )


@dataclass(frozen=True)
class Rule:
    """One rule as it reads: the rows it flags (``mask``; a null flags nothing) and the finding it
    makes of each of them."""

    mask: pl.Expr
    code: str
    field: str
    value: pl.Expr | str | None = None
    limit: pl.Expr | str | None = None
    severity: str | pl.Expr = "ERROR"

    def on(self, rows: pl.LazyFrame) -> pl.LazyFrame:
        """This rule's findings of ``rows``: the rule run on its own."""
        return finding(rows.filter(self.mask), self.code, self.field, self.value, self.limit, self.severity)


_MASK = "__rule_"


def run_rules(frame: pl.DataFrame, rules: Sequence[Rule]) -> pl.DataFrame:
    """The findings of ``rules`` on ``frame``: the same rows in the same order as
    ``collect([r.on(frame.lazy()) for r in rules])``.

    Every mask is evaluated in one select (shared parts once); a frame no rule flags, as a clean
    chunk, costs that select alone. Only the rules that flag a row build findings, and only from
    the flagged rows: a row's finding depends on that row alone.
    """
    if not rules or frame.height == 0:
        return empty()
    masks = frame.lazy().select(r.mask.alias(f"{_MASK}{i}") for i, r in enumerate(rules)).collect()
    hits = masks.select(pl.all().any()).row(0)
    fired = [(f"{_MASK}{i}", r) for i, (r, hit) in enumerate(zip(rules, hits, strict=True)) if hit]
    if not fired:
        return empty()
    names = [name for name, _ in fired]
    rows = pl.concat([frame, masks.select(names)], how="horizontal").filter(pl.any_horizontal(names)).lazy()
    return collect([finding(rows.filter(pl.col(name)), r.code, r.field, r.value, r.limit, r.severity)
                    for name, r in fired])


def one_per_cell(found: pl.DataFrame) -> pl.DataFrame:
    """An unreadable cell is INVALID_TYPE only, never also MISSING_FIELD (its typed value is empty)."""
    invalid = found.filter(pl.col("error_code") == "INVALID_TYPE").select("file_idx", "line_no", "field")
    missing = pl.col("error_code") == "MISSING_FIELD"
    return pl.concat([found.filter(~missing),
                      found.filter(missing).join(invalid, on=["file_idx", "line_no", "field"], how="anti")])


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def collect(parts: list[pl.LazyFrame]) -> pl.DataFrame:
    if not parts:
        return empty()
    return pl.concat(parts, how="vertical").collect().cast(SCHEMA)


def with_messages(findings: pl.DataFrame, language: str = DEFAULT_LANGUAGE) -> pl.DataFrame:
    """Add ``message``: the code's template in ``language`` for the parts the finding has (a part
    left empty takes no words), with {field}, {limit} and {value} filled in; the delivered value
    goes in last, so a brace in it stays text."""
    keys = ["error_code", *(f"has_{s}" for s in SLOTS)]
    rows = findings.with_columns(pl.col(s).fill_null("").alias(f"_{s}") for s in SLOTS)
    rows = _in_language(rows.with_columns((pl.col(f"_{s}") != "").alias(f"has_{s}") for s in SLOTS), language)
    msg = (pl.col("template")
           .str.replace_all("{field}", pl.col("_field"), literal=True)
           .str.replace_all("{limit}", pl.col("_limit"), literal=True)
           .str.replace_all("{value}", pl.col("_value"), literal=True))
    return (rows.join(variants(language), on=keys, how="left", maintain_order="left")
            .with_columns(msg.alias("message")).drop("template", *keys[1:], *(f"_{s}" for s in SLOTS)))


def _in_language(rows: pl.DataFrame, language: str) -> pl.DataFrame:
    """The limit, and a value in our own words, in ``language``: each distinct text said once
    (nothing to say, no patterns compiled: a night of clean files paid 2.5 s for them)."""
    if language == "en" or rows.height == 0:
        return rows
    own = pl.when(pl.col("error_code").is_in(OWN_VALUES)).then(pl.col("_value")).otherwise(pl.lit(""))
    rows = rows.with_columns(own.alias("_own"))
    said = rows.select("_limit", "_own").unique().with_columns(
        localized(pl.col("_limit"), language).alias("_limit_said"),
        localized(pl.col("_own"), language).alias("_own_said"))
    rows = rows.join(said, on=["_limit", "_own"], how="left", maintain_order="left")
    value = pl.when(pl.col("_own") != "").then(pl.col("_own_said")).otherwise(pl.col("_value"))
    return rows.with_columns(pl.col("_limit_said").alias("_limit"), value.alias("_value")).drop(
        "_own", "_limit_said", "_own_said")
