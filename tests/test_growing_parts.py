"""A national load's spills of a table go into one growing part, written on a thread of its own,
so the commit keeps the part instead of merging one part per spill again.

What a user would notice if this were wrong: rows lost or read back wrong when a later file of
the load delivers a contract again (the growing part is closed and read like any other), or a
half-written file left in the register when the disk fills.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import fsio
from pipeline.apply.keyedtable import hashed_keys
from pipeline.apply.tonight import StoredTable
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import DATA, TABLE_SCHEMAS, Register
from pipeline.register.transaction import Transaction

SCHEMA = {"n": pl.Int64(), "s": pl.String()}


def _frame(lo: int, hi: int) -> pl.DataFrame:
    return pl.DataFrame({"n": range(lo, hi), "s": [f"row {i}" for i in range(lo, hi)]}, schema=SCHEMA)


def test_frames_appended_one_at_a_time_read_back_as_written(tmp_path: Path) -> None:
    frames = [_frame(0, 3), _frame(3, 6), _frame(6, 6), _frame(10, 13)]      # an empty frame among them
    for beside in (True, False):
        out = fsio.ParquetAppender(tmp_path / f"{beside}.parquet", SCHEMA, beside)
        for frame in frames:
            out.add(frame)
        out.close()
        assert pl.read_parquet(tmp_path / f"{beside}.parquet").equals(pl.concat(frames))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["False.parquet", "True.parquet"]   # no temporary left


def test_a_failed_write_names_no_file_and_says_why(tmp_path: Path) -> None:
    out = fsio.ParquetAppender(tmp_path / "t.parquet", SCHEMA)
    out.add(pl.DataFrame({"n": ["not a number"], "s": ["x"]}))
    with pytest.raises(pl.exceptions.InvalidOperationError):
        out.close()
    assert list(tmp_path.iterdir()) == []


def test_frames_whose_maker_fails_leave_no_file(tmp_path: Path) -> None:
    def frames():
        yield _frame(0, 2)
        raise RuntimeError("resolving failed")
    with pytest.raises(RuntimeError):
        fsio.write_parquet_frames(tmp_path / "t.parquet", frames(), SCHEMA)
    assert list(tmp_path.iterdir()) == []


def _contracts(numbers: list[str], participant: str = "BANK1") -> pl.DataFrame:
    rows = pl.DataFrame({"participant_code": [participant] * len(numbers), "contract_number": numbers})
    return rows.with_columns(pl.lit(None).cast(t).alias(c) for c, t in TABLE_SCHEMAS["contracts"].items()
                             if c not in rows.columns).select(list(TABLE_SCHEMAS["contracts"]))


def test_spills_grow_one_part_that_is_closed_when_a_chunk_wants_a_row_back(tmp_path: Path) -> None:
    """Two spills, one part; a chunk with a key of it closes the part and reads that row back
    (the general path), after which spills grow a new part; the rows read back are those spilled."""
    (tmp_path / "register").mkdir()
    reg = Register(tmp_path / "register")
    tx = Transaction(reg, "20261102-000001")
    table = StoredTable(reg, "contracts", CONTRACT_KEY)
    for numbers in (["A", "B"], ["C"]):
        table.add(_contracts(numbers))
        table.spill(tx.holding)
    assert table.growing is not None and table.parts == []          # nothing readable yet
    table.before_reading(hashed_keys(_contracts(["D"])))              # no key of it: still growing
    assert table.growing is not None
    again = hashed_keys(_contracts(["C", "D"]))
    table.before_reading(again)
    assert table.growing is None and len(table.parts) == 1
    found = table._read(again)
    assert found is not None
    assert found.collect()["contract_number"].to_list() == ["C"]
    table.add(_contracts(["E"]))
    table.spill(tx.holding)
    change = table.release()
    assert len(change.held) == 2
    held = pl.concat([pl.read_parquet(reg.root / DATA / p) for p in change.held])
    assert held["contract_number"].to_list() == ["A", "B", "C", "E"]


def test_many_spills_keep_few_key_runs_and_every_key(tmp_path: Path) -> None:
    """A night that spills after every chunk (``CKI_SPILL_ROWS=1``) keeps its spills' key hashes
    in a few sorted runs per participant, so a later chunk asks a few runs, not one per spill
    (decision 125): 100 spills of BANK1 leave 3 runs (64 + 32 + 4 keys, a binary counter's
    digits), and BANK2's one spill is not merged into them; a key of any spill is still found."""
    (tmp_path / "register").mkdir()
    reg = Register(tmp_path / "register")
    table = StoredTable(reg, "contracts", CONTRACT_KEY)
    holding = Transaction(reg, "20261102-000001").holding
    for i in range(100):
        table.add(_contracts([f"{i:04d}"]))
        table.spill(holding)
    table.add(_contracts(["0007"], participant="BANK2"))
    table.spill(holding)
    runs = [(sorted(run.scope or []), run.hashes) for run in table.spilled]
    assert sorted((scope, hashes.len()) for scope, hashes in runs if hashes is not None) == [
        (["BANK1"], 4), (["BANK1"], 32), (["BANK1"], 64), (["BANK2"], 1)]
    assert all(hashes is not None and hashes.is_sorted() for _, hashes in runs)
    table.before_reading(hashed_keys(_contracts(["0100", "0101"])))         # no key of it: still growing
    assert table.growing is not None
    table.before_reading(hashed_keys(_contracts(["0099"])))                  # the last spill's key
    assert table.growing is None and len(table.parts) == 1
