"""The rules on tiny frames, without files or a register (issue 16: a fast layer beside the
golden real-file tables, which stay). Each case is a value and what the rule must say of it,
worked out by hand; the whole module runs in well under a second."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipeline.barometer.asof import open_arrears
from pipeline.rules.plausibility import plausibility_findings
from pipeline.rules.validate import age_on


def _names(field: str, values: list[str]) -> pl.LazyFrame:
    return pl.LazyFrame({"file_idx": [0] * len(values), "line_no": list(range(1, len(values) + 1)),
                         field: values})


SURNAMES = {"Jansen": True, "'t Hart": True, "Brühl-Noël": True, "d'Ancona": True, "Çelik": True,
            "van der Berg": True, "=1+2": False, "@SUM(A1)": False, "-2+3": False, "+31612345678": False,
            "123": False, "--": False, "\tJansen": False, "Jansen=1": True}
INITIALS = {"J.P.": True, "J. P.": True, "É.": True, "j": True, "J.1": False, "1.": False, ".": False,
            "J-P": False}


@pytest.mark.parametrize(("field", "cases"), [("birth_surname", SURNAMES), ("surname_prefix", SURNAMES),
                                              ("initials", INITIALS)])
def test_plausible_names(field: str, cases: dict[str, bool]) -> None:
    values = list(cases)
    found = pl.concat(plausibility_findings(_names(field, values))).collect()
    refused = {values[n - 1] for n in found["line_no"]}
    assert refused == {v for v, ok in cases.items() if not ok}
    assert set(found["error_code"]) <= {"IMPLAUSIBLE_NAME"} and set(found["field"]) <= {field}


@pytest.mark.parametrize(("birth", "on", "age"), [
    ("2000-05-17", "2018-05-16", 17), ("2000-05-17", "2018-05-17", 18),      # the birthday itself counts
    ("2000-02-29", "2018-02-28", 17), ("2000-02-29", "2018-03-01", 18),      # 29 February: from 1 March
    ("2000-02-29", "2020-02-29", 20), ("1999-12-31", "2000-01-01", 0)])
def test_age_on_a_date(birth: str, on: str, age: int) -> None:
    frame = pl.DataFrame({"b": [date.fromisoformat(birth)], "d": [date.fromisoformat(on)]})
    assert frame.select(age_on(pl.col("b"), pl.col("d")))[0, 0] == age


def _codes(*rows: tuple[str, str, str | None]) -> pl.LazyFrame:
    """One contract's A and H codes as reported, each (code, code_date, arrears_since)."""
    n = len(rows)
    return pl.LazyFrame({"participant_code": ["P"] * n, "contract_number": ["C"] * n,
                         "code": [r[0] for r in rows], "code_date": [date.fromisoformat(r[1]) for r in rows],
                         "run_id": [f"r{i}" for i in range(n)], "file": ["f"] * n, "line_no": list(range(n)),
                         "arrears_since": [date.fromisoformat(r[2]) if r[2] else None for r in rows]})


@pytest.mark.parametrize(("rows", "on", "since"), [
    ((("A", "2026-03-01", "2026-01-01"),), "2026-02-28", None),                     # not yet reported
    ((("A", "2026-03-01", "2026-01-01"),), "2026-03-01", "2026-01-01"),             # on its date
    ((("A", "2026-03-01", "2026-01-01"), ("H", "2026-06-01", None)), "2026-05-31", "2026-01-01"),
    ((("A", "2026-03-01", "2026-01-01"), ("H", "2026-06-01", None)), "2026-06-01", None),   # recovered
    ((("A", "2026-03-01", "2026-01-01"), ("A", "2026-04-01", "2026-02-01")), "2026-12-31", "2026-01-01"),
    ((("A", "2026-03-01", "2026-01-01"), ("H", "2026-06-01", None), ("A", "2026-09-01", "2026-07-15")),
     "2026-12-31", "2026-07-15"),                                                       # arrears again
])
def test_open_arrears_on_a_date(rows: tuple, on: str, since: str | None) -> None:
    found = open_arrears(_codes(*rows), date.fromisoformat(on)).collect()
    assert found["arrears_since"].to_list() == ([date.fromisoformat(since)] if since else [])
