"""Per-record checks that need nothing but the record: types, values, required and forbidden fields,
dates, lateness, duplicates and the participant's contract types.

Each check is a ``Rule`` (a mask and the finding it makes), all run in one pass by
``run_rules``; the duplicates check needs the whole chunk and has its own cheap pre-check.

Checks that depend on the contract type or the register's state run in ``apply``, where the
contract's type and state are known for every record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from contracts_schema import mutation
from contracts_schema.codes import CONTRACT_TYPE_CODES, MAX_AGE, MIN_AGE, MIN_WRITE_OFF, REPORTING_DEADLINE_DAYS
from pipeline.register.state import LINE, MT
from pipeline.rules.fieldchecks import field_findings
from pipeline.rules.findings import Rule, collect, empty, finding, run_rules
from pipeline.rules.parse import bad_flag, type_findings
from pipeline.rules.plausibility import plausibility_rules


@dataclass(frozen=True)
class RunRules:
    """What the record checks need from the run: its date, the late policy, allowed types."""

    run_date: date
    late_severity: str                           # ERROR or WARNING
    allowed_types: dict[str, tuple[str, ...]]    # participant → contract types it may register


def present(name: str) -> pl.Expr:
    """The cell was delivered (typed or not): a bad cell is INVALID_TYPE, never also missing."""
    expr = pl.col(name).is_not_null()
    if name in _TYPED:
        expr = expr | pl.col(bad_flag(name))
    return expr


_TYPED = {c.name for c in mutation.COLUMNS if c.kind != "str"}


def _missing() -> list[Rule]:
    out = []
    for mtype, use in mutation.FIELD_USE.items():
        for name in use["required"]:
            out.append(Rule((MT == mtype) & ~present(name), "MISSING_FIELD", name, None, f"for {mtype}"))
    for name, codes in mutation.CODE_FIELDS.items():
        for code, need in codes.items():
            if need == "R":
                mask = MT.is_in(["NEW", "CODE"]) & (pl.col("code") == code) & ~present(name)
                out.append(Rule(mask, "MISSING_FIELD", name, None, f"with code {code}"))
    changeable = mutation.FIELD_USE["CHANGE"]["allowed"]
    nothing = pl.all_horizontal([~present(c) for c in changeable])
    out.append(Rule((MT == "CHANGE") & nothing, "MISSING_FIELD", "amount", None,
                    "for CHANGE (a CHANGE must carry at least one field to change)"))
    for a, b in (("postcode", "house_number"), ("house_number", "postcode")):
        mask = (MT == "CHANGE") & present(a) & ~present(b)
        out.append(Rule(mask, "MISSING_FIELD", b, None, f"when {a} is reported (a move)"))
    return out


def _forbidden() -> list[Rule]:
    out = []
    special = set(mutation.CODE_FIELDS) | {"actual_end_date", "borrower_no"}
    always = {"participant_code", "contract_number", "mutation_type", "event_date"}
    for mtype, use in mutation.FIELD_USE.items():
        allowed = always | special | set(use["required"]) | set(use["allowed"])
        for name in mutation.COLUMN_NAMES:
            if name not in allowed:
                out.append(Rule((MT == mtype) & present(name), "FIELD_NOT_ALLOWED", name, pl.col(name),
                                f"for {mtype}"))
    for name, codes in mutation.CODE_FIELDS.items():
        ok = MT.is_in(["NEW", "CODE"]) & pl.col("code").is_in(list(codes))
        limit = "without code " + " or ".join(codes)
        out.append(Rule(present(name) & ~ok.fill_null(False), "FIELD_NOT_ALLOWED", name, pl.col(name), limit))
    return out


def _end_dates() -> list[Rule]:
    code3 = MT.is_in(["NEW", "CODE"]) & (pl.col("code") == "3")
    discharge = pl.col("final_discharge").fill_null(False)
    end = pl.col("actual_end_date")
    return [
        Rule(present("actual_end_date") & ~(MT == "END") & ~(code3 & discharge),
             "END_DATE_NOT_ALLOWED", "actual_end_date", end,
             pl.when(code3).then(pl.lit("with code 3 without final discharge"))
             .otherwise(pl.concat_str(pl.lit("with "), MT))),
        Rule(code3 & discharge & ~present("actual_end_date"), "DISCHARGE_WITHOUT_END_DATE", "actual_end_date"),
        Rule((MT == "END") & (end != pl.col("event_date")), "INVALID_VALUE",
             "actual_end_date", end, "for END it must equal event_date"),
        Rule((MT == "CODE_END") & (pl.col("code") != "5"), "INVALID_VALUE", "code",
             pl.col("code"), "only code 5 can be ended with CODE_END"),
        Rule(code3 & (pl.col("written_off_amount") < MIN_WRITE_OFF),
             "WRITE_OFF_TOO_SMALL", "written_off_amount", pl.col("written_off_amount"), f"EUR {MIN_WRITE_OFF}"),
    ]


def _dates(rules: RunRules) -> list[Rule]:
    out = []
    for name in ("event_date", "arrears_since", "actual_end_date", "birth_date"):
        out.append(Rule(pl.col(name) > rules.run_date, "FUTURE_DATE", name, pl.col(name),
                        rules.run_date.isoformat()))
    deadline = rules.run_date - timedelta(days=REPORTING_DEADLINE_DAYS)
    out.append(Rule((pl.col("kind") != "INIT") & (pl.col("event_date") < deadline), "LATE", "event_date",
                    pl.col("event_date"), pl.col("event_date").dt.offset_by(f"{REPORTING_DEADLINE_DAYS}d"),
                    rules.late_severity))
    birth, on = pl.col("birth_date"), pl.col("event_date")
    out_of_range = ~reached(birth, on, MIN_AGE) | reached(birth, on, MAX_AGE + 1)     # age_on outside the range
    out.append(Rule(out_of_range, "OUT_OF_RANGE", "birth_date", birth,
                    pl.concat_str(pl.lit(f"age {MIN_AGE} to {MAX_AGE} on event_date, not "),
                                  age_on(birth, on).cast(pl.String))))
    return out


def age_on(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Age in whole years on a date (birthday reached or not)."""
    years = on.dt.year() - birth.dt.year()
    before = (on.dt.month() < birth.dt.month()) | (
        (on.dt.month() == birth.dt.month()) & (on.dt.day() < birth.dt.day()))
    return years - before.cast(pl.Int32)


def reached(birth: pl.Expr, on: pl.Expr, years: int) -> pl.Expr:
    """Whether ``age_on(birth, on) >= years``, at a third of its cost (a mask over every record):
    the day ``years`` before ``on`` is on or after the birth date. That day is 28 February for a
    29 February outside a leap year, so a birthday on 29 February is reached on 1 March there,
    as ``age_on`` counts it."""
    return birth <= on.dt.offset_by(f"-{years}y")


def _participant_types(rules: RunRules) -> list[Rule]:
    pairs = [f"{p}:{t}" for p, types in rules.allowed_types.items() for t in types]
    pair = pl.concat_str(pl.col("participant"), pl.lit(":"), pl.col("contract_type"))
    allowed = pl.col("participant").replace_strict(
        {p: ", ".join(t) or "none" for p, t in rules.allowed_types.items()}, default="none")
    known = pl.col("contract_type").is_in(list(CONTRACT_TYPE_CODES))
    return [Rule((MT == "NEW") & known & ~pair.is_in(pairs), "TYPE_NOT_ALLOWED", "contract_type",
                 pl.col("contract_type"), allowed)]


_ROW_KEY = ["contract_number", "mutation_type", "event_date", "borrower_no", "code"]   # nearly a record's key


def _distinct(raw: pl.DataFrame, columns: list[str]) -> bool:
    """Whether no two rows of a file are equal in ``columns``: their combined hashes all differ
    (equal rows hash alike). Column by column, as a select would first copy the delivered
    frame's batches into one."""
    hashed = raw["file_idx"].hash(seed=7)
    for i, name in enumerate(columns):
        hashed = hashed ^ raw[name].hash(seed=11 + i)
    return hashed.n_unique() == raw.height


def _duplicates(raw: pl.DataFrame) -> pl.DataFrame:
    """A row equal in every column to an earlier row of the same file.

    Equal rows agree in every column, so when no two rows of a file agree in the columns of
    ``_ROW_KEY`` (a clean chunk), or else in all columns, by hash, there is no duplicate.
    Otherwise rows are grouped by a hash of all columns; the few candidates are then compared
    column by column with their first row, so a hash collision never rejects.
    """
    cols = list(mutation.COLUMN_NAMES)
    if _distinct(raw, _ROW_KEY) or _distinct(raw, cols):
        return empty()
    hashed = raw.lazy().select("file_idx", "line_no", pl.struct(cols).hash(seed=7).alias("row_hash"))
    first = pl.col("line_no").min().over(["file_idx", "row_hash"])
    pairs = hashed.with_columns(first.alias("first_line")).filter(pl.col("line_no") != pl.col("first_line"))
    later = pairs.join(raw.lazy(), on=["file_idx", "line_no"]).drop("row_hash")
    earlier = raw.lazy().select("file_idx", pl.col("line_no").alias("first_line"),
                                *[pl.col(c).alias(f"f__{c}") for c in cols])
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"f__{c}")) for c in cols])
    rows = later.join(earlier, on=["file_idx", "first_line"]).filter(same)
    return collect([finding(rows, "DUPLICATE_RECORD", "", None, pl.col("first_line"))])


def record_rules(rules: RunRules) -> list[Rule]:
    """The rules that read one typed record alone (duplicates and Pandera's checks aside)."""
    return _missing() + _forbidden() + _end_dates() + _dates(rules) + _participant_types(rules)


def record_findings(typed: pl.DataFrame, raw: pl.DataFrame, rules: RunRules) -> pl.DataFrame:
    """Every finding of the per-record checks for the night's mutation records, in the order the
    checks are listed (field checks, types, record rules, duplicates, plausibility)."""
    return collect([field_findings(typed, mutation.MutationRecord).lazy(),
                    *type_findings(typed, mutation.COLUMNS, raw, LINE),
                    run_rules(typed, record_rules(rules)).lazy(),
                    _duplicates(raw).lazy(),
                    run_rules(typed, plausibility_rules(typed.columns)).lazy()])
