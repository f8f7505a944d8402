"""The rules evaluated in one pass (issue 17), on tiny frames: every fast path of
``pipeline/rules`` gives what the rule-by-rule path gives, the edge cases met on the way included.

A clean chunk costs only the rules' masks; a chunk with findings must still get every finding,
with the same field, code, value, limit and severity, in the same order.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import polars.selectors as cs

from contracts_schema import mutation
from pipeline.apply.ranks import LOOP_SCHEMA, contract_type_table
from pipeline.register.state import MT
from pipeline.rules.findings import SCHEMA, Rule, collect, run_rules
from pipeline.rules.parse import BAD_PREFIX, bad_flag, to_typed, type_findings
from pipeline.rules.plausibility import plausibility_rules
from pipeline.rules.staterules import state_findings, state_rules
from pipeline.rules.validate import RunRules, _duplicates, age_on, reached, record_rules

RUN = date(2026, 11, 20)
RULES = RunRules(RUN, "ERROR", {"BANK1": ("AK", "RK"), "SHOP1": ("VK",)})
KEEP = ("file_idx", "line_no", "participant", "kind")

CLEAN = {"participant_code": "BANK1", "contract_number": "C1", "mutation_type": "NEW",
         "event_date": "2026-11-15", "contract_type": "AK", "amount": "5000",
         "theoretical_end_date": "2030-01-01", "birth_surname": "Jansen", "initials": "J.P.",
         "gender": "M", "birth_date": "1980-05-17", "postcode": "1011AB", "house_number": "12"}


def _raw(*rows: dict) -> pl.DataFrame:
    """Delivered text rows (an omitted cell is empty: null), lines 2, 3, ... of file 0 of BANK1,
    unless a row says its own ``file_idx``, ``participant`` or ``kind``."""
    n = len(rows)
    text = {c: [r.get(c) for r in rows] for c in mutation.COLUMN_NAMES}
    return pl.DataFrame({
        "line_no": list(range(2, n + 2)), **text,
        "file_idx": [r.get("file_idx", 0) for r in rows],
        "participant": [r.get("participant", "BANK1") for r in rows],
        "kind": [r.get("kind", "MUT") for r in rows],
    }, schema={"line_no": pl.Int64, **dict.fromkeys(mutation.COLUMN_NAMES, pl.String), "file_idx": pl.Int32,
               "participant": pl.String, "kind": pl.String})


def _typed(*rows: dict) -> pl.DataFrame:
    return to_typed(_raw(*rows), mutation.COLUMNS, KEEP)


def _rule_by_rule(frame: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """The general path: each rule filters the whole frame and makes its findings."""
    return collect([r.on(frame.lazy()) for r in rules])


DIRTY = [
    CLEAN,
    {**CLEAN, "contract_number": "C2", "initials": None, "amount": "12a", "birth_date": "2010-01-01"},
    {**CLEAN, "contract_number": "C3", "contract_type": "VK", "birth_surname": "=1+2", "initials": "J.1"},
    {**CLEAN, "contract_number": "C4", "birth_date": "2008-02-29", "event_date": "2026-02-28"},   # 17: not yet 18
    {**CLEAN, "contract_number": "C5", "birth_date": "2008-02-29", "event_date": "2026-03-01"},   # 18 on 1 March
    {"participant_code": "BANK1", "contract_number": "C6", "mutation_type": "CODE", "event_date": "2026-11-16",
     "code": "A", "birth_surname": "Jansen"},
    {"participant_code": "BANK1", "contract_number": "C7", "mutation_type": "END", "event_date": "2026-12-01",
     "actual_end_date": "2026-11-30", "kind": "MUT"},
    {"participant_code": "BANK1", "contract_number": "C8", "mutation_type": "CHANGE", "event_date": "2026-10-01"},
    {"participant_code": "BANK1", "contract_number": "C9", "mutation_type": "CODE", "event_date": "2026-11-01",
     "code": "3", "written_off_amount": "10", "final_discharge": "yes", "actual_end_date": "2026-11-01"},
]


def test_record_rules_in_one_pass_find_what_each_rule_finds() -> None:
    typed = _typed(*DIRTY)
    for rules in (record_rules(RULES), plausibility_rules(typed.columns)):
        fast = run_rules(typed, rules)
        assert fast.equals(_rule_by_rule(typed, rules))
        assert fast.height > 0
    codes = set(run_rules(typed, record_rules(RULES))["error_code"])
    assert {"MISSING_FIELD", "FIELD_NOT_ALLOWED", "OUT_OF_RANGE", "TYPE_NOT_ALLOWED", "FUTURE_DATE",
            "INVALID_VALUE", "WRITE_OFF_TOO_SMALL", "LATE"} <= codes


def test_a_clean_frame_finds_nothing_with_the_findings_schema() -> None:
    typed = _typed(CLEAN, {**CLEAN, "contract_number": "C2"})
    found = run_rules(typed, record_rules(RULES))
    assert found.height == 0 and found.schema == SCHEMA
    assert run_rules(typed.clear(), record_rules(RULES)).schema == SCHEMA


def test_age_mask_is_age_on_around_29_february() -> None:
    """``reached`` compares with the day ``years`` earlier: 28 February stands for a missing 29th."""
    births = [date(2008, 2, 29), date(2008, 2, 28), date(2008, 3, 1), date(1906, 2, 28), date(1905, 3, 1)]
    ons = [date(2026, 2, 28), date(2026, 3, 1), date(2028, 2, 29), date(2027, 2, 28), date(2025, 12, 31)]
    grid = pl.DataFrame({"b": births}).join(pl.DataFrame({"on": ons}), how="cross")
    b, on = pl.col("b"), pl.col("on")
    got = grid.select(*[(reached(b, on, n) == (age_on(b, on) >= n)).all().alias(str(n)) for n in (18, 121)]).row(0)
    assert got == (True, True)
    assert grid.filter((b == date(2008, 2, 29)) & (on == date(2026, 2, 28))).select(reached(b, on, 18)).item() is False
    assert grid.filter((b == date(2008, 2, 29)) & (on == date(2026, 3, 1))).select(reached(b, on, 18)).item() is True


def test_only_unreadable_cells_are_flagged_and_quoted() -> None:
    cells = ["12", "abc", "99999999999999999", "1e3", "+5", None]
    raw = _raw(*[{**CLEAN, "contract_number": f"C{i}", "amount": v} for i, v in enumerate(cells)])
    typed = to_typed(raw, mutation.COLUMNS, KEEP)
    assert typed[bad_flag("amount")].to_list() == [False, True, True, True, True, False]
    found = collect(type_findings(typed, mutation.COLUMNS, raw, ["file_idx", "line_no"]))
    assert found.select("line_no", "value").rows() == [(3, "abc"), (4, "99999999999999999"), (5, "1e3"), (6, "+5")]
    assert type_findings(_typed(CLEAN), mutation.COLUMNS, _raw(CLEAN), ["file_idx", "line_no"]) == []


def test_a_duplicate_is_equal_in_every_column_of_one_file() -> None:
    """Rows sharing contract, type, date, borrower and code are no duplicate while another cell
    differs (the cheap key collides, the whole row does not); a copy in another file is none."""
    near = {**CLEAN, "house_number_suffix": "A"}
    raw = _raw(CLEAN, CLEAN, near, {**CLEAN, "file_idx": 1})
    found = _duplicates(raw)
    assert found.select("line_no", "error_code", "limit").rows() == [(3, "DUPLICATE_RECORD", "2")]
    assert _duplicates(_raw(CLEAN, near, {**CLEAN, "file_idx": 1})).height == 0
    assert _duplicates(_raw(CLEAN, {**CLEAN, "contract_number": "C2"})).schema == SCHEMA


# --- state rules: one apply step's records beside their contract's state ----------------------

def _step(*rows: dict) -> pl.DataFrame:
    """A step frame as the rank loop builds it: the typed record, the contract's state before it
    (``s_<field>`` of a row, else none: not registered) and its type's table row (``ct_*``)."""
    records = _typed(*rows).drop(cs.starts_with(BAD_PREFIX))
    flags = {name for name, dtype in LOOP_SCHEMA.items() if dtype == pl.Boolean}
    state = pl.DataFrame([{f"s_{k}": r.get(f"s_{k}", False if k in flags else None) for k in LOOP_SCHEMA}
                          for r in rows], schema={f"s_{k}": t for k, t in LOOP_SCHEMA.items()})
    frame = pl.concat([records, state], how="horizontal").with_columns(pl.coalesce(
        pl.when((MT == "NEW") & ~pl.col("s_exists")).then(pl.col("contract_type")),
        pl.col("s_contract_type"), pl.col("contract_type")).alias("ctype"))
    return frame.join(contract_type_table(), left_on="ctype", right_on="ct_code", how="left", maintain_order="left")


def _ak(start: str, end: str, n: int) -> dict:
    return {**CLEAN, "contract_number": f"D{n}", "event_date": start, "theoretical_end_date": end}


# AK runs at least 3 months: start + 3 months, a missing day taken as the month's end
DURATIONS = [("2025-11-30", "2026-02-27", True), ("2025-11-30", "2026-02-28", False),
             ("2025-11-30", "2026-03-01", False), ("2025-01-31", "2025-04-29", True),
             ("2025-01-31", "2025-04-30", False), ("2024-11-29", "2025-02-27", True),
             ("2024-11-29", "2025-02-28", False), ("2025-01-31", "2025-05-01", False),  # 90 days: just out of reach
             ("2025-01-31", "2030-01-01", False), ("2025-01-31", "2025-01-31", False)]


def test_minimum_duration_is_the_calendar_month_offset() -> None:
    """Only rows whose end lies within 31 days a month of the start get their offset computed;
    the rule still flags exactly the ends before ``start.dt.offset_by('3mo')``."""
    step = _step(*[_ak(s, e, i) for i, (s, e, _) in enumerate(DURATIONS)])
    found = collect(state_findings(step.lazy(), RUN)).filter(pl.col("limit").str.starts_with("a duration"))
    start, end = pl.col("event_date"), pl.col("theoretical_end_date")
    reference = step.filter((end > start) & (end < start.dt.offset_by("3mo")))
    assert found["line_no"].to_list() == reference["line_no"].to_list()
    assert found["line_no"].to_list() == [i + 2 for i, (_, _, short) in enumerate(DURATIONS) if short]


def test_state_rules_in_one_pass_find_what_each_rule_finds() -> None:
    registered = {"s_exists": True, "s_has_b1": True, "s_contract_type": "RK", "s_amount": 10_000,
                  "s_start_date": date(2025, 1, 2)}
    step = _step(
        _ak("2026-11-15", "2026-12-01", 1),                                                  # too short
        {**CLEAN, "contract_number": "D2", "contract_type": "HY", "amount": "10"},          # no amount, no code
        {"participant_code": "BANK1", "contract_number": "D3", "mutation_type": "CODE", "event_date": "2026-11-15",
         "code": "A", "arrears_since": "2026-10-01", "arrears_amount": "100", **registered},   # too early, too small
        {"participant_code": "BANK1", "contract_number": "D4", "mutation_type": "CODE", "event_date": "2026-11-15",
         "code": "H", **registered},                                                          # H without A
        {"participant_code": "BANK1", "contract_number": "D5", "mutation_type": "END", "event_date": "2026-11-15",
         "actual_end_date": "2026-11-15"},                                                    # unknown contract
        {"participant_code": "BANK1", "contract_number": "D6", "mutation_type": "CHANGE", "event_date": "2026-11-15",
         "amount": "10", **registered, "s_actual_end_date": date(2020, 1, 1)},              # retention expired
    )
    fast = collect(state_findings(step.lazy(), RUN))
    assert fast.equals(_rule_by_rule(step, state_rules(RUN)))
    assert {"OUT_OF_RANGE", "FIELD_NOT_ALLOWED", "NEGATIVE_ONLY_WITHOUT_CODE", "ARREARS_TOO_EARLY",
            "ARREARS_TOO_SMALL", "H_WITHOUT_A", "UNKNOWN_CONTRACT", "RETENTION_EXPIRED"} <= set(fast["error_code"])
    arrears = fast.filter(pl.col("error_code") == "ARREARS_TOO_EARLY")
    assert arrears.select("value", "limit").rows() == [("2026-10-01", "2026-11-30")]     # since + 60 days
    clean = collect(state_findings(_step(CLEAN).lazy(), RUN))
    assert clean.height == 0 and clean.schema == SCHEMA
