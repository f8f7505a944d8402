"""The barometer rules on tiny frames: reference dates, arrears on a date, age bands, suppression.

The real-file tests (test_barometer.py) cover the same rules end to end; these pin the edges that
valid deliveries cannot reach cheaply (a mortgage's arrears exactly three months old, a second A)
and check the suppression against an attacker's audit on many random tables (Hypothesis).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts_schema.barometer import BY_NAME, TABLES
from pipeline.barometer.asof import (
    FINGERPRINT,
    FLAGS,
    age_band_index,
    age_band_name,
    contract_flags,
    fingerprinted,
    open_arrears,
    type_index,
)
from pipeline.barometer.calendar import due, period_end
from pipeline.barometer.people import person_flags
from pipeline.barometer.suppress import protect
from pipeline.register.state import CODES_SCHEMA
from tests.barometer_audit import audit_date


def test_period_ends_of_months_and_quarters() -> None:
    assert period_end(date(2026, 2, 3), "monthly") == date(2026, 2, 28)
    assert period_end(date(2028, 2, 3), "monthly") == date(2028, 2, 29)
    assert period_end(date(2026, 11, 28), "quarterly") == date(2026, 12, 31)
    assert period_end(date(2026, 4, 1), "quarterly") == date(2026, 6, 30)


def test_a_night_owes_the_passed_period_ends_since_the_first_run_not_yet_produced() -> None:
    first = date(2026, 2, 15)
    assert due(first, date(2026, 3, 31), set(), "quarterly") == []           # 03-31 has not passed
    assert due(first, date(2026, 4, 1), set(), "quarterly") == [date(2026, 3, 31)]
    assert due(first, date(2026, 10, 1), {date(2026, 3, 31)}, "quarterly") == [date(2026, 6, 30),
                                                                              date(2026, 9, 30)]
    assert due(first, date(2026, 5, 1), set(), "monthly") == [date(2026, 2, 28), date(2026, 3, 31),
                                                             date(2026, 4, 30)]


def test_a_register_older_than_retention_catches_up_five_years_only() -> None:
    assert due(date(2015, 1, 1), date(2026, 10, 1), set(), "quarterly")[0] == date(2021, 12, 31)


def _codes(*rows: tuple[str, str, str, str | None]) -> pl.LazyFrame:
    """(contract, code, code_date, arrears_since) rows of BANK1, one file, in line order."""
    frame = pl.DataFrame([{"participant_code": "BANK1", "contract_number": c, "code": k,
                           "code_date": date.fromisoformat(d), "arrears_since": s and date.fromisoformat(s),
                           "run_id": "r", "file": "f", "line_no": i} for i, (c, k, d, s) in enumerate(rows)])
    return frame.cast({k: v for k, v in CODES_SCHEMA.items() if k in frame.columns}).lazy()


def test_arrears_on_a_date_keep_the_first_a_and_restart_after_an_h() -> None:
    codes = _codes(("K1", "A", "2026-03-01", "2026-01-01"), ("K1", "A", "2026-04-01", "2026-02-01"),
                   ("K2", "A", "2026-03-01", "2026-01-01"), ("K2", "H", "2026-04-01", None),
                   ("K2", "A", "2026-06-01", "2026-05-01"), ("K3", "A", "2026-03-01", "2026-01-01"),
                   ("K3", "H", "2026-04-01", None), ("K4", "1", "2026-03-01", None))
    arrears = open_arrears(codes, date(2026, 6, 30)).collect().sort("contract_number")
    assert arrears.select("contract_number", "arrears_since").rows() == [
        ("K1", date(2026, 1, 1)), ("K2", date(2026, 5, 1))]
    on_may = open_arrears(codes, date(2026, 5, 31)).collect()
    assert on_may["contract_number"].to_list() == ["K1"]


def test_mortgage_arrears_count_from_three_calendar_months() -> None:
    """Arrears since 03-31 are three months old on 06-30 (03-31 + 3 months = 06-30); since 04-01 not;
    HO is no HY."""
    contracts = fingerprinted(pl.LazyFrame({
        "participant_code": ["B"] * 3, "contract_number": ["M1", "M2", "M3"], "contract_type": ["HY", "HY", "HO"],
        "in_arrears": [True] * 3, "arrears_since": [date(2026, 3, 31), date(2026, 4, 1), date(2026, 1, 1)]}))
    contracts = contracts.with_columns(type_index()).select(*FINGERPRINT, contract_flags(date(2026, 6, 30), ["AK"]))
    borrowers = pl.LazyFrame({"participant_code": ["B"] * 3, "contract_number": ["M1", "M2", "M3"],
                              "person_id": [1, 2, 3], "valid_from": [date(2026, 1, 1)] * 3})
    flags = dict(enumerate(person_flags(contracts.collect(), borrowers, date(2026, 6, 30))))   # id -> flags
    assert [bool(flags.get(p, 0) & FLAGS["mortgage_arrears_3m"]) for p in (1, 2, 3)] == [True, False, False]


def test_age_band_turns_on_the_birthday() -> None:
    def bands(births: list[date], on: date) -> list[str]:
        frame = pl.DataFrame({"b": births}, schema={"b": pl.Date})
        return frame.select(age_band_name(age_band_index(pl.col("b"), on)))["b"].to_list()

    assert bands([date(2001, 9, 30), date(2001, 10, 1), date(1951, 9, 30), date(1952, 2, 29), date(2010, 1, 1)],
                 date(2026, 9, 30)) == ["25-34", "18-24", "75+", "65-74", "18-24"]
    assert bands([date(2008, 2, 29)], date(2033, 2, 28)) == ["18-24"]      # 24 until 1 March 2033


def _table(name: str, counts: list[list[int]]) -> pl.DataFrame:
    table = BY_NAME[name]
    key = "age_band" if "age_band" in table.keys else "gemeente_code"
    frame = pl.DataFrame({key: [f"K{i:02d}" for i in range(len(counts))],
                          **{c: [row[j] for row in counts] for j, c in enumerate(table.counts)}})
    if key == "gemeente_code":
        frame = frame.with_columns(pl.col("gemeente_code").alias("gemeente_name"))
    return frame.with_columns(pl.lit("2026-09-30").alias("peildatum"))


def _publish(folder: Path, credit: list[list[int]], mortgage: list[list[int]], n: int) -> None:
    """All seven tables of one date as CSV, the suppressed ones through ``protect``."""
    frames = {"kredietbarometer_gemeente": _table("kredietbarometer_gemeente", credit),
              "kredietbarometer_leeftijd": _table("kredietbarometer_leeftijd", [[sum(r[0] for r in credit),
                                                                               sum(r[1] for r in credit)]]
                                                  + [[0, 0]]),
              "hypotheekbarometer_gemeente": _table("hypotheekbarometer_gemeente", mortgage),
              "hypotheekbarometer_leeftijd": _table("hypotheekbarometer_leeftijd",
                                                    [[sum(r[0] for r in mortgage)], [0]])}
    for table in TABLES:
        if table.name in frames:
            frames[table.name] = protect(frames[table.name], table, n)
    national = {"kredietbarometer_nationaal": {"persons_with_credit": sum(r[0] for r in credit),
                                               "persons_in_arrears": sum(r[1] for r in credit), "contracts": 0},
                "hypotheekbarometer_nationaal": {"persons_mortgage_arrears_3m": sum(r[0] for r in mortgage),
                                                 "persons_residual_debt": sum(r[1] for r in mortgage)}}
    for name, row in national.items():
        frames[name] = pl.DataFrame([{"peildatum": "2026-09-30", **row}])
    for name, frame in frames.items():
        frame.write_csv(folder / f"{name}.csv", separator=";")


rows = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=7)


@settings(max_examples=60, deadline=None)
@given(rows, rows, st.integers(1, 12))
def test_no_published_figure_narrows_a_small_cell(credit_pairs, mortgage, n) -> None:
    """Whatever the counts: every cell below min_cell_size is hidden, and the attacker's audit over
    all tables of the date cannot tell it from 0 nor rule out min(min_cell_size, total)."""
    credit = [[max(a, b), min(a, b)] for a, b in credit_pairs]     # persons in arrears have a credit
    mortgage_rows = [list(r) for r in mortgage]
    with tempfile.TemporaryDirectory() as folder:
        _publish(Path(folder), credit, mortgage_rows, n)
        intervals = audit_date(Path(folder), "2026-09-30")
    truth = {("kredietbarometer_gemeente", f"K{i:02d}", c): r[j] for i, r in enumerate(credit)
             for j, c in enumerate(("persons_with_credit", "persons_in_arrears"))}
    truth.update({("hypotheekbarometer_gemeente", f"K{i:02d}", c): r[j] for i, r in enumerate(mortgage_rows)
                  for j, c in enumerate(("persons_mortgage_arrears_3m", "persons_residual_debt"))})
    small = {cell for cell, value in truth.items() if value < n}
    assert small <= set(intervals)
    for cell in small:
        low, high = intervals[cell]
        assert low == 0 and high >= min(n, intervals.totals[cell]), (cell, truth[cell], low, high)
