"""The rank loop's single-record path gives what ranking every contract gives (issue 17).

Most contracts have one record in a night; ``apply_records`` does not rank those. Here the same
tiny chunks go through ``apply_records`` and through the general path that ranks every contract
(``ranks._apply(rank_all=True)``): accepted records, versions, final state and findings must be
equal, row order included (the person numbering, the codes and the register's rows follow it).
The chunks hold what changes a state between steps: a record rejected between two accepted ones,
a rejected NEW, a DELETE followed by a NEW, records whose event dates run against their lines,
and a hash collision between contracts.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipeline.apply import ranks
from pipeline.register.state import CONTRACT_KEY, CONTRACTS_SCHEMA
from pipeline.register.store import TABLE_SCHEMAS

RUN = date(2026, 11, 20)
RECORD_SCHEMA = {
    "file_idx": pl.Int32, "line_no": pl.Int64, "participant": pl.String, "kind": pl.String,
    "participant_code": pl.String, "contract_number": pl.String, "mutation_type": pl.String,
    "event_date": pl.Date, "contract_type": pl.String, "amount": pl.Int64, "theoretical_end_date": pl.Date,
    "borrower_no": pl.Int64, "birth_surname": pl.String, "initials": pl.String, "birth_date": pl.Date,
    "code": pl.String, "arrears_since": pl.Date, "arrears_amount": pl.Int64, "written_off_amount": pl.Int64,
    "final_discharge": pl.Boolean, "actual_end_date": pl.Date,
}


def rec(line: int, contract: str, mt: str, on: str, file: int = 0, **fields: object) -> dict:
    """A valid record as a chunk hands it to the rank loop."""
    values = {"file_idx": file, "line_no": line, "participant": "BANK1", "kind": "MUT",
              "participant_code": "BANK1", "contract_number": contract, "mutation_type": mt,
              "event_date": date.fromisoformat(on), "borrower_no": 1}
    if mt == "NEW":
        values |= {"contract_type": "OA", "amount": 5000, "birth_surname": "Jansen", "initials": "J.",
                   "birth_date": date(1980, 5, 17)}
    return values | {k: date.fromisoformat(v) if k.endswith(("_date", "_since")) and isinstance(v, str) else v
                     for k, v in fields.items()}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RECORD_SCHEMA)


def code_a(line: int, contract: str, on: str, file: int = 0) -> dict:
    return rec(line, contract, "CODE", on, file, code="A", arrears_since="2026-08-01")


SINGLES = [
    rec(2, "S-1", "NEW", "2026-11-01"),
    rec(3, "S-2", "NEW", "2026-11-01", amount=100),                    # out of range: a rejected NEW
    rec(4, "S-3", "NEW", "2026-11-01", contract_type="HY", amount=None),   # HY without a negative code
    code_a(5, "U-1", "2026-11-10"),                                    # no such contract
]
SEVERAL = [
    code_a(6, "M-1", "2026-11-10"),                                    # step 2: dated after its NEWs
    rec(7, "M-1", "NEW", "2026-11-02"),                                # step 0
    rec(8, "M-1", "NEW", "2026-11-02", borrower_no=2),                 # step 1
    rec(9, "M-2", "NEW", "2026-11-01"),
    rec(10, "M-2", "CODE", "2026-11-05", code="H"),                    # rejected: no open arrears
    code_a(11, "M-2", "2026-11-10"),                                   # accepted on the state before the H
    rec(12, "D-1", "NEW", "2026-11-01"),
    rec(13, "D-1", "DELETE", "2026-11-03"),
    rec(14, "D-1", "NEW", "2026-11-04", amount=7000),                  # registered again after its DELETE
    rec(15, "B-1", "NEW", "2026-11-01", amount=100),                   # rejected NEW ...
    rec(16, "B-1", "NEW", "2026-11-01", borrower_no=2, amount=100),    # ... the first rejected line stays
    rec(2, "M-2", "END", "2026-11-15", file=1, actual_end_date="2026-11-15"),   # a later file: last step
]
REGISTERED = [
    rec(3, "OLD-1", "CHANGE", "2026-11-02", file=1, amount=12000),
    rec(4, "OLD-2", "NEW", "2026-11-02", file=1),                      # already registered
    rec(5, "OLD-1", "END", "2026-11-16", file=1, actual_end_date="2026-11-16"),
    rec(6, "R-1", "CODE", "2026-11-05", file=1, code="2"),             # its NEW was rejected by a check
]


def register(numbers: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Registered contracts (type OA, since 2025) and their first borrowers."""
    contracts = pl.DataFrame([{"participant_code": "BANK1", "contract_number": n, "contract_type": "OA",
                               "amount": 10000, "start_date": date(2025, 1, 2), "arrears_open": False,
                               "ever_arrears": False, "code5_active": False, "code1": False, "code2": False,
                               "code3": False, "code4": False, "valid_from": date(2025, 1, 2)} for n in numbers],
                             schema=CONTRACTS_SCHEMA)
    borrowers = contracts.select(*CONTRACT_KEY, pl.lit(1, dtype=pl.Int64).alias("borrower_no"),
                                 pl.lit(7, dtype=pl.Int64).alias("person_id"), "valid_from", "contract_id")
    return contracts, borrowers.cast(dict(TABLE_SCHEMAS["borrowers"]))


NO_REJECTED = pl.DataFrame(schema={"participant_code": pl.String, "contract_number": pl.String,
                                   "new_rejected_line": pl.Int64})
REJECTED_R1 = pl.DataFrame({"participant_code": ["BANK1"], "contract_number": ["R-1"], "new_rejected_line": [9]},
                           schema=NO_REJECTED.schema)
EMPTY_REGISTER = register([])


def both_paths(records: pl.DataFrame, contracts: pl.DataFrame, borrowers: pl.DataFrame,
               rejected: pl.DataFrame) -> ranks.Applied:
    """``apply_records``, after checking it against the path that ranks every contract."""
    fast = ranks.apply_records(records, contracts, borrowers, rejected, RUN)
    general = ranks._apply(records, contracts, borrowers, rejected, RUN, rank_all=True)
    for name in ("accepted", "versions", "final", "findings"):
        got, want = getattr(fast, name), getattr(general, name)
        assert got.schema == want.schema, name
        assert got.equals(want), name
    return fast


def final_of(applied: ranks.Applied, contract: str) -> dict:
    return applied.final.filter(pl.col("contract_number") == contract).row(0, named=True)


def errors_of(applied: ranks.Applied) -> set[tuple[int, int, str]]:
    found = applied.findings.filter(pl.col("severity") == "ERROR")
    return set(found.select("file_idx", "line_no", "error_code").iter_rows())


def test_single_records_on_an_empty_register_take_one_step() -> None:
    """An initial load's common case: every contract one record, nothing registered yet."""
    applied = both_paths(frame(SINGLES), *EMPTY_REGISTER, NO_REJECTED)
    assert applied.accepted["contract_number"].to_list() == ["S-1"]
    assert applied.accepted["step"].to_list() == [0]
    assert {c for _, _, c in errors_of(applied)} >= {"OUT_OF_RANGE", "NEGATIVE_ONLY_WITHOUT_CODE", "UNKNOWN_CONTRACT"}
    assert final_of(applied, "S-2")["new_rejected_line"] == 3
    assert final_of(applied, "S-1")["exists"] and not final_of(applied, "S-2")["exists"]


def test_contracts_with_several_records_beside_single_ones() -> None:
    applied = both_paths(frame(SINGLES + SEVERAL), *EMPTY_REGISTER, NO_REJECTED)
    steps = dict(zip(applied.accepted["line_no"].to_list(), applied.accepted["step"].to_list(), strict=True))
    assert (steps[7], steps[8], steps[6]) == (0, 1, 2)           # by event date, not by line
    assert (0, 10, "H_WITHOUT_A") in errors_of(applied) and 11 in steps and 10 not in steps
    m2 = final_of(applied, "M-2")
    assert m2["arrears_open"] and m2["actual_end_date"] == date(2026, 11, 15)
    d1 = final_of(applied, "D-1")
    assert d1["erase_step"] == 1 and d1["exists"] and d1["amount"] == 7000
    assert final_of(applied, "B-1")["new_rejected_line"] == 15
    assert final_of(applied, "M-1")["has_b2"]


def test_registered_contracts_and_a_rejected_new() -> None:
    contracts, borrowers = register(["OLD-1", "OLD-2"])
    records = frame(SINGLES + SEVERAL + REGISTERED)
    applied = both_paths(records, contracts, borrowers, REJECTED_R1)
    assert {(1, 4, "DUPLICATE_CONTRACT"), (1, 6, "DEPENDS_ON_REJECTED")} <= errors_of(applied)
    old = final_of(applied, "OLD-1")
    assert old["amount"] == 12000 and old["actual_end_date"] == date(2026, 11, 16)
    assert final_of(applied, "OLD-2")["new_rejected_line"] is None    # registered: not a rejected NEW
    assert final_of(applied, "R-1")["new_rejected_line"] == 9


def test_every_contract_single_but_registered() -> None:
    """A night's common case: one record per contract, the contracts registered."""
    contracts, borrowers = register(["OLD-1", "OLD-2"])
    records = frame([REGISTERED[0], REGISTERED[1], SINGLES[0]])
    applied = both_paths(records, contracts, borrowers, NO_REJECTED)
    assert applied.accepted["contract_number"].to_list() == ["OLD-1", "S-1"]


def test_no_records() -> None:
    applied = both_paths(frame([]), *EMPTY_REGISTER, NO_REJECTED)
    assert applied.accepted.height == applied.final.height == applied.findings.height == 0


def key_order(applied: ranks.Applied) -> list[tuple[str, str]]:
    return list(applied.final.select(CONTRACT_KEY).iter_rows())


def test_final_state_in_key_hash_order() -> None:
    """The register's rows of a chunk keep the order they have always had: by the key's hash."""
    applied = both_paths(frame(SINGLES + SEVERAL), *EMPTY_REGISTER, NO_REJECTED)
    hashed = applied.final.select(pl.struct(CONTRACT_KEY).hash(seed=3)).to_series()
    assert hashed.is_sorted()


def test_a_hash_collision_sorts_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Contracts whose key hashes collide (here: by the length of the number) are still told
    apart by key; two single-record contracts then look like one with two records to the hash."""
    records = frame(SINGLES + SEVERAL)
    plain = both_paths(records, *EMPTY_REGISTER, NO_REJECTED)
    monkeypatch.setattr(ranks, "_key_hash", lambda: pl.col("contract_number").str.len_bytes()
                        .cast(pl.UInt64).alias(ranks.HASH))
    collided = both_paths(records, *EMPTY_REGISTER, NO_REJECTED)
    assert key_order(collided) == sorted(key_order(plain))
    for name in ("accepted", "versions", "findings"):
        assert getattr(collided, name).equals(getattr(plain, name))
    assert collided.final.sort(CONTRACT_KEY).equals(plain.final.sort(CONTRACT_KEY))


def test_initial_state_skips_empty_tables() -> None:
    """A table without rows is not joined: the state is what joining tables of other contracts gives."""
    keys = frame(SINGLES).select(CONTRACT_KEY)
    others = register(["ELSE-1"])
    rejected_else = REJECTED_R1.with_columns(pl.lit("ELSE-1").alias("contract_number"))
    skipped = ranks.initial_state(keys, *EMPTY_REGISTER, NO_REJECTED)
    assert skipped.equals(ranks.initial_state(keys, *others, rejected_else))
    assert skipped.schema == ranks.initial_state(keys, *others, rejected_else).schema
