"""Rules that need the contract's type or the register's state, evaluated on one apply step.

Each step's frame holds the record's own fields, the contract's state before the record
(columns ``s_*``, with ``s_exists``) and the contract-type table row (``ct_*``) of the
contract's type. Every rule is a mask plus the finding it makes (``findings.Rule``); a step's
masks are evaluated in one pass (``findings.run_rules``), so a step no rule flags costs that pass.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from contracts_schema.codes import MORTGAGE_TYPES, RETENTION_YEARS
from pipeline.register.state import MT
from pipeline.rules.findings import Rule, run_rules

CODE = pl.col("code")
EXISTS = pl.col("s_exists")
CTYPE = pl.col("ctype")


def _type_limit(what: str) -> pl.Expr:
    return pl.concat_str(pl.lit(f"{what} for type ".lstrip()), CTYPE)


def _amount_range() -> pl.Expr:
    low = pl.col("ct_amount_min").cast(pl.String)
    high = pl.col("ct_amount_max").cast(pl.String).fill_null("no maximum")
    return pl.concat_str(pl.lit("EUR "), low, pl.lit(" to "), high, pl.lit(" for type "), CTYPE)


def _months_after(start: pl.Expr, months: pl.Expr, where: pl.Expr) -> pl.Expr:
    """``start`` plus ``months`` calendar months (a month end where the day is missing), on the rows
    ``where`` holds, null elsewhere: each row's offset is a text to parse, and few rows need one."""
    return start.dt.offset_by(pl.concat_str(pl.when(where).then(months.clip(lower_bound=0)).cast(pl.String),
                                            pl.lit("mo")))


def _contract_fields(scope: pl.Expr, start: pl.Expr) -> list[Rule]:
    """Amount and theoretical end date against the type table (NEW, and CHANGE of a contract)."""
    amount, end = pl.col("amount"), pl.col("theoretical_end_date")
    use_a, use_e = pl.col("ct_amount_use"), pl.col("ct_end_date_use")
    months = pl.col("ct_min_duration_months")
    dated = scope & (use_e != "forbidden") & (months > 0) & (end > start)
    near = end < start + pl.duration(days=31 * months)       # n months are at most 31·n days: only these
    earliest = _months_after(start, months, dated & near)    # can end too early
    is_new = MT == "NEW"
    return [
        Rule(scope & (use_a == "forbidden") & amount.is_not_null(), "FIELD_NOT_ALLOWED",
             "amount", amount, _type_limit("")),
        Rule(scope & is_new & (use_a == "required") & amount.is_null(), "MISSING_FIELD",
             "amount", None, _type_limit("")),
        Rule(scope & (use_a != "forbidden") & ((amount < pl.col("ct_amount_min")) | (amount > pl.col("ct_amount_max"))),
             "OUT_OF_RANGE", "amount", amount, _amount_range()),
        Rule(scope & (use_e == "forbidden") & end.is_not_null(), "FIELD_NOT_ALLOWED",
             "theoretical_end_date", end, _type_limit("")),
        Rule(scope & is_new & (use_e == "required") & end.is_null(), "MISSING_FIELD",
             "theoretical_end_date", None, _type_limit("")),
        Rule(scope & (use_e != "forbidden") & (end <= start), "OUT_OF_RANGE",
             "theoretical_end_date", end, pl.concat_str(pl.lit("after the start date "),
                                                        start.cast(pl.String))),
        Rule(dated & (end < earliest),
             "OUT_OF_RANGE", "theoretical_end_date", end,
             pl.concat_str(pl.lit("a duration of at least "), months.cast(pl.String),
                           pl.lit(" months for type "), CTYPE)),
    ]


def _negative_only() -> list[Rule]:
    below = pl.col("amount") < pl.col("ct_negative_below")
    needs = ~pl.col("ct_registered_without_code") | below.fill_null(False)
    has = pl.col("ct_negative_codes").str.contains(CODE, literal=True).fill_null(False)
    limit = pl.col("ct_negative_codes").str.split("").list.join(", ")
    value = pl.when(below.fill_null(False)).then(pl.concat_str(CTYPE, pl.lit(" under EUR "),
                                                               pl.col("ct_negative_below").cast(pl.String)))
    return [Rule((MT == "NEW") & ~EXISTS & needs & ~has, "NEGATIVE_ONLY_WITHOUT_CODE", "code",
                 value.otherwise(CTYPE), limit)]


def _codes() -> list[Rule]:
    coded = MT.is_in(["NEW", "CODE"])
    a = coded & (CODE == "A")
    since = pl.col("arrears_since")
    from_day = since + pl.duration(days=pl.col("ct_arrears_days"))
    base = pl.coalesce(pl.when(MT == "NEW").then(pl.col("amount")), pl.col("s_amount"))
    share = (base.cast(pl.Float64) * pl.col("ct_arrears_min_share")).ceil().cast(pl.Int64)
    minimum = pl.max_horizontal(share.fill_null(0), pl.col("ct_arrears_min_amount"))
    arrears = pl.col("arrears_amount")
    needs_amount = pl.col("ct_arrears_min_amount") > 0
    return [
        Rule(a & (pl.col("event_date") < from_day), "ARREARS_TOO_EARLY", "arrears_since",
             since, from_day),
        Rule(a & needs_amount & arrears.is_null(), "MISSING_FIELD", "arrears_amount",
             None, _type_limit("with code A")),
        Rule(a & needs_amount & (arrears < minimum), "ARREARS_TOO_SMALL", "arrears_amount",
             arrears, pl.concat_str(pl.lit("EUR "), minimum.cast(pl.String), pl.lit(" for type "), CTYPE)),
        Rule(coded & (CODE == "H") & ~pl.col("s_arrears_open"), "H_WITHOUT_A", "code",
             CODE, pl.lit("there are no open arrears")),
        Rule(coded & (CODE == "1") & ~pl.col("s_ever_arrears"), "CODE1_WITHOUT_A", "code",
             CODE, pl.lit("no code A was ever reported")),
        Rule(coded & (CODE == "5") & ~CTYPE.is_in(list(MORTGAGE_TYPES)),
             "CODE5_NOT_MORTGAGE", "code", CTYPE),
        Rule((MT == "CODE_END") & EXISTS & ~pl.col("s_code5_active"), "CODE_NOT_ACTIVE",
             "code", CODE),
    ]


def _existence(run_date: date) -> list[Rule]:
    rejected_new = pl.col("s_new_rejected_line").is_not_null()
    has_borrower = pl.when(pl.col("borrower_no") == 2).then(pl.col("s_has_b2")).otherwise(pl.col("s_has_b1"))
    with_borrower = pl.concat_str(pl.col("contract_number"), pl.lit(" borrower "),
                                  pl.col("borrower_no").cast(pl.String))
    ended = pl.col("s_actual_end_date")
    expiry = ended.dt.offset_by(f"{RETENTION_YEARS}y")
    end_expiry = pl.col("actual_end_date").dt.offset_by(f"{RETENTION_YEARS}y")
    ending = (MT.is_in(["END", "CODE_END"]) | ((MT == "CHANGE") & (
        pl.col("amount").is_not_null() | pl.col("theoretical_end_date").is_not_null()))
        | ((MT == "CODE") & (CODE.is_in(["A", "H", "1", "5"])
                             | ((CODE == "3") & pl.col("final_discharge").fill_null(False))))
        | (MT == "NEW"))
    # an END, or a code 3 with final discharge, reports the actual end date: never before the start
    ends_record = (MT == "END") | ((CODE == "3") & pl.col("final_discharge").fill_null(False))
    start = pl.when(EXISTS).then(pl.col("s_start_date")).otherwise(pl.col("event_date"))
    return [
        Rule(~EXISTS & rejected_new & ((MT != "NEW") | (pl.col("borrower_no") == 2)),
             "DEPENDS_ON_REJECTED", "", None, pl.col("s_new_rejected_line")),
        Rule(~EXISTS & ~rejected_new & (MT != "NEW"), "UNKNOWN_CONTRACT", "contract_number",
             pl.col("contract_number")),
        Rule(EXISTS & (MT == "NEW") & has_borrower, "DUPLICATE_CONTRACT", "contract_number",
             with_borrower),
        Rule(EXISTS & MT.is_in(["CHANGE", "DECEASED"]) & ~has_borrower, "UNKNOWN_CONTRACT",
             "borrower_no", with_borrower),
        Rule(EXISTS & (MT != "DELETE") & (expiry <= run_date), "RETENTION_EXPIRED",
             "contract_number", ended, expiry),
        Rule((MT == "END") & (end_expiry <= run_date), "RETENTION_EXPIRED", "actual_end_date",
             pl.col("actual_end_date"), end_expiry),
        Rule(EXISTS & ended.is_not_null() & ending & (expiry > run_date), "CONTRACT_ENDED",
             "mutation_type", ended,
             pl.concat_str(pl.lit("a "), MT, pl.lit(" is not possible after the end"))),
        Rule(ends_record & (pl.col("actual_end_date") < start),
             "OUT_OF_RANGE", "actual_end_date", pl.col("actual_end_date"),
             pl.concat_str(pl.lit("not before the start date "), start.cast(pl.String))),
    ]


def state_rules(run_date: date) -> list[Rule]:
    """All state rules for the records of one step, in the order their findings are listed."""
    first_new = (MT == "NEW") & ~EXISTS
    change = (MT == "CHANGE") & EXISTS
    return [*_existence(run_date), *_contract_fields(first_new, pl.col("event_date")),
            *_contract_fields(change, pl.col("s_start_date")), *_negative_only(), *_codes()]


def state_findings(lf: pl.LazyFrame, run_date: date) -> list[pl.LazyFrame]:
    """The findings of every state rule for the records of one step (one frame, its masks
    evaluated in one pass)."""
    return [run_rules(lf.collect(), state_rules(run_date)).lazy()]
