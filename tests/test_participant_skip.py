"""A chunk skips the spills, parts and in-memory rows of participants it has no key of (issue 17).

A contract's key names its participant, and in an initial load a participant's contracts come in
its own files, so most chunks need not look in most of what the load has held so far. What a
user would notice if the skip were wrong: a contract delivered again in a participant's second
file not found (a second NEW accepted, or its update lost), or two participants with the same
contract number mixed up. Each scenario is run with the skip and with the general path (every
part and segment looked in) and must give the same rows.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.apply import keyedtable, tonight
from pipeline.apply.keyedtable import KeyedTable, hashed_keys
from pipeline.apply.tonight import StoredTable, touch_all
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import DATA, TABLE_SCHEMAS, Register
from pipeline.register.transaction import Transaction


def _contracts(participant: str, numbers: list[str], amount: int = 0) -> pl.DataFrame:
    rows = pl.DataFrame({"participant_code": [participant] * len(numbers), "contract_number": numbers})
    return rows.with_columns(pl.lit(None).cast(t).alias(c) for c, t in TABLE_SCHEMAS["contracts"].items()
                             if c not in rows.columns).select(list(TABLE_SCHEMAS["contracts"]))


def _chunk(table: StoredTable, rows: pl.DataFrame) -> pl.DataFrame:
    """One chunk as ``MutationNight`` runs it: read the keys' rows, replace them, settle."""
    keys = hashed_keys(rows)
    table.before_reading(keys)
    touch_all([table], keys)
    current = table.rows_of(keys)
    table.drop(keys)
    table.add(rows)
    table.settle(keys)
    return current.sort(CONTRACT_KEY)


def _load(tmp_path: Path) -> tuple[list[pl.DataFrame], pl.DataFrame, pl.DataFrame]:
    """BANK1 and BANK2 share contract number A; BANK1's second file delivers A again."""
    (tmp_path / "register").mkdir(parents=True)
    reg = Register(tmp_path / "register")
    tx = Transaction(reg, "20261102-000001")
    table = StoredTable(reg, "contracts", CONTRACT_KEY)
    seen = [_chunk(table, _contracts("BANK1", ["A", "B"]))]
    table.spill(tx.holding)
    seen.append(_chunk(table, _contracts("BANK2", ["A", "C"])))      # BANK1's A is no row of BANK2
    table.spill(tx.holding)
    seen.append(_chunk(table, _contracts("BANK3", ["A"])))            # in memory: BANK3 only
    seen.append(_chunk(table, _contracts("BANK1", ["A", "D"])))       # BANK1's second file: A again
    seen.append(_chunk(table, _contracts("BANK3", ["A", "E"])))       # memory holds BANK1 and BANK3 now
    change = table.release()
    held = pl.concat([pl.read_parquet(reg.root / DATA / p) for p in change.held])
    return seen, held.sort(CONTRACT_KEY), change.rows.sort(CONTRACT_KEY)


def _general(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every part, spill and segment is looked in, whoever's keys it holds."""
    for module in (keyedtable, tonight):     # the in-memory segments', and the parts' and spills'
        monkeypatch.setattr(module, "may_meet", lambda held, asked: True)


def test_skipping_other_participants_finds_what_looking_everywhere_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    skipped = _load(tmp_path / "skip")
    _general(monkeypatch)
    general = _load(tmp_path / "general")
    for fast, slow in zip(skipped[0], general[0], strict=True):
        assert fast.equals(slow)
    assert skipped[1].equals(general[1]) and skipped[2].equals(general[2])
    found = [f.select(CONTRACT_KEY).rows() for f in skipped[0]]
    assert found == [[], [], [], [("BANK1", "A")], [("BANK3", "A")]]


def test_a_participant_delivering_a_contract_again_closes_the_growing_part_only_then(tmp_path: Path) -> None:
    """Another participant's chunk, even with the same contract number, leaves the part growing."""
    (tmp_path / "register").mkdir()
    reg = Register(tmp_path / "register")
    tx = Transaction(reg, "20261102-000001")
    table = StoredTable(reg, "contracts", CONTRACT_KEY)
    table.add(_contracts("BANK1", ["A", "B"]))
    table.spill(tx.holding)
    table.before_reading(hashed_keys(_contracts("BANK2", ["A", "B"])))
    assert table.growing is not None
    table.before_reading(hashed_keys(_contracts("BANK1", ["B"])))
    assert table.growing is None and len(table.parts) == 1
    read = table._read(hashed_keys(_contracts("BANK2", ["A"])))
    assert read is None                                   # the part holds no key of BANK2


@pytest.mark.parametrize("general", [False, True])
def test_in_memory_rows_of_and_drop_keep_participants_apart(general: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if general:
        _general(monkeypatch)
    table = KeyedTable(pl.DataFrame(schema=TABLE_SCHEMAS["contracts"]), CONTRACT_KEY)
    table.add(_contracts("BANK1", ["A", "B"]))
    table.add(_contracts("BANK2", ["A"]))
    assert table.rows_of(hashed_keys(_contracts("BANK3", ["A"]))).height == 0
    table.drop(hashed_keys(_contracts("BANK2", ["A"])))
    assert table.table().select(CONTRACT_KEY).rows() == [("BANK1", "A"), ("BANK1", "B")]
    assert table.rows_of(hashed_keys(_contracts("BANK1", ["A"]))).select(CONTRACT_KEY).rows() == [("BANK1", "A")]
