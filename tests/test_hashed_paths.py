"""The chunk's hashed paths give what the text keys give (issue 17).

``versions.closed_versions`` chains and orders a chunk's versions through a u64 hash of the key,
and ``tonight.hashed_keys`` makes a chunk's keys distinct through it. Here a hash that collides
for every contract number of one length sends both down their path by the text key: the closed
versions (row order included: the history's rows follow it) and the distinct keys must be the
same. The tiny frames hold a version closing a registered row, a contract with a gap between its
steps, a DELETE in the night, a contract that closes nothing beside one that does, and null keys.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from pipeline.apply import tonight, versions
from pipeline.apply.ranks import Applied
from pipeline.register.state import CONTRACT_KEY, CONTRACTS_SCHEMA, LINE, STATE_COLUMNS

DAY = date(2026, 11, 1)
VERSION_SCHEMA = {**CONTRACTS_SCHEMA, "step": pl.Int32, "file_idx": pl.Int32, "line_no": pl.Int64}


def state(contract: str, day: int, amount: int, **more: object) -> dict:
    """A contract's state (as the register and the rank loop's versions hold it) valid from ``day``."""
    return {"participant_code": "BANK1", "contract_number": contract, "contract_type": "OA", "amount": amount,
            "start_date": DAY, "valid_from": DAY + timedelta(days=day), "arrears_open": False,
            "ever_arrears": False, "code5_active": False, "code1": False, "code2": False, "code3": False,
            "code4": False} | more


def version(contract: str, step: int, day: int, amount: int) -> dict:
    return state(contract, day, amount, step=step, file_idx=0, line_no=100 + 10 * step + len(contract))


CURRENT = pl.DataFrame([state("OLD-1", 0, 1000), state("OLD-2", 0, 2000), state("IDLE", 0, 3000)],
                       schema=CONTRACTS_SCHEMA)
VERSIONS = pl.DataFrame([
    version("OLD-1", 0, 5, 1100),                                          # closes its registered row
    version("NEW-A", 0, 1, 10), version("NEW-A", 2, 3, 20), version("NEW-A", 3, 4, 30),   # a gap at step 1
    version("NEW-B", 0, 2, 40),                                            # one version: closes nothing
    version("ERAS-1", 0, 1, 50), version("ERAS-1", 2, 6, 60), version("ERAS-1", 3, 7, 70),   # DELETE at 1
    version("OLD-2", 1, 8, 2100), version("OLD-2", 2, 9, 2200),
], schema=VERSION_SCHEMA)
ERASE = pl.DataFrame({"participant_code": ["BANK1"], "contract_number": ["ERAS-1"], "erase_step": [1]},
                     schema={"participant_code": pl.String, "contract_number": pl.String, "erase_step": pl.Int32})
NO_ERASE = ERASE.clear()


def closed(current: pl.DataFrame, versions_: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame | None:
    applied = Applied(pl.DataFrame(), versions_.select(*CONTRACT_KEY, *STATE_COLUMNS, "step", *LINE),
                      pl.DataFrame(), pl.DataFrame())
    return versions.closed_versions(applied, current, erase)


def by_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every contract number of one length shares a hash: the paths by the text key are taken."""
    monkeypatch.setattr(versions, "_hashed", lambda frame: frame.with_columns(
        pl.col("contract_number").str.len_bytes().cast(pl.UInt64).fill_null(0).alias(versions._H)))
    monkeypatch.setattr(tonight, "key_hash", lambda columns=CONTRACT_KEY: pl.col(columns[-1]).cast(pl.String)
                        .str.len_bytes().cast(pl.UInt64).fill_null(0).alias(tonight.KEY_HASH))


@pytest.mark.parametrize("erase", [ERASE, NO_ERASE], ids=["delete", "no-delete"])
@pytest.mark.parametrize("current", [CURRENT, CURRENT.clear()], ids=["registered", "initial-load"])
def test_closed_versions_by_hash_equal_those_by_key(monkeypatch: pytest.MonkeyPatch, current: pl.DataFrame,
                                                    erase: pl.DataFrame) -> None:
    hashed = closed(current, VERSIONS, erase)
    by_length(monkeypatch)
    by_key = closed(current, VERSIONS, erase)
    assert hashed is not None and by_key is not None
    assert hashed.schema == by_key.schema
    assert hashed.equals(by_key)
    assert hashed.select(CONTRACT_KEY).rows() == sorted(hashed.select(CONTRACT_KEY).rows())


def test_closed_versions_say_which_state_ended_when() -> None:
    got = closed(CURRENT, VERSIONS, ERASE)
    assert got is not None
    ends = {(r["contract_number"], r["amount"]): r["valid_to"] for r in got.iter_rows(named=True)}
    assert ends == {("ERAS-1", 60): DAY + timedelta(days=7),      # nothing before the DELETE is kept
                    ("NEW-A", 10): DAY + timedelta(days=3), ("NEW-A", 20): DAY + timedelta(days=4),
                    ("OLD-1", 1000): DAY + timedelta(days=5),
                    ("OLD-2", 2000): DAY + timedelta(days=8), ("OLD-2", 2100): DAY + timedelta(days=9)}
    assert got.columns == [*CONTRACTS_SCHEMA, "valid_to"]


def test_no_closed_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Single versions of new contracts close nothing, also when one shares a hash with another."""
    singles = VERSIONS.filter(pl.col("contract_number") == "NEW-B")
    assert closed(CURRENT.clear(), singles, NO_ERASE) is None
    assert closed(CURRENT.clear(), VERSIONS.clear(), NO_ERASE) is None
    by_length(monkeypatch)      # NEW-A's hash is NEW-B's: NEW-B comes along and closes nothing
    got = closed(CURRENT.clear(), VERSIONS.filter(pl.col("contract_number").str.starts_with("NEW")), NO_ERASE)
    assert got is not None and set(got["contract_number"]) == {"NEW-A"}


KEYS = pl.DataFrame({"participant_code": ["B1", "B1", "B2", None, None, "B1", "B1", "B2"],
                     "contract_number": ["10", "10", "10", None, None, "20", "3", "10"]})


@pytest.mark.parametrize("frame", [KEYS, KEYS.clear(), KEYS.head(1)], ids=["keys", "none", "one"])
def test_hashed_keys_are_the_distinct_keys(monkeypatch: pytest.MonkeyPatch, frame: pl.DataFrame) -> None:
    """Distinct keys, null keys too, with their hash, sorted by it; a collision is told apart by text."""
    want = sorted(frame.unique().rows(), key=str)
    for collide in (False, True):
        if collide:
            by_length(monkeypatch)
        got = tonight.hashed_keys(frame)
        assert sorted(got.select(CONTRACT_KEY).rows(), key=str) == want
        assert got[tonight.KEY_HASH].is_sorted()
        assert got[tonight.KEY_HASH].equals(got.select(tonight.key_hash())[tonight.KEY_HASH])
