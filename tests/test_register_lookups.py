"""A night finds the committed rows of its contracts by key (``Register.locate``): the reader
narrows a text key by its hash, and the join on the whole key decides. An operator would notice a
wrong lookup as a contract of another lender changed, or a change that went missing; these tests
hold the lookup to the plain join on the key text, on tiny registers with the cases that narrowing
alone would get wrong.
"""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.register.manifest import PublishPlan
from pipeline.register.state import CODES_SCHEMA, CONTRACT_KEY
from pipeline.register.store import PART, ROW, Register, live_rows, narrowing
from pipeline.register.transaction import Transaction

CODES = {"participant_code": ["BANK1", "BANK2", "BANK1", "BANK1", None, "BANK2"],
         "contract_number": ["C1", "C1", "C2", "C2", "C3", None],
         "code": ["A", "A", "A", "H", "A", "A"]}


def committed(tmp_path, frames: list[dict]) -> Register:
    """A register whose codes table has one part per frame."""
    tx = Transaction(Register(tmp_path), "20261103-000001")
    for frame in frames:
        rows = pl.DataFrame(frame)
        tx.append("codes", rows.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in CODES_SCHEMA.items()
                                             if c not in rows.columns))
    tx.commit(PublishPlan())
    return Register(tmp_path)


def by_text(reg: Register, keys: pl.DataFrame, on: list[str], superseded: pl.DataFrame | None = None) -> pl.DataFrame:
    """The general path: every live row of every part joined to the keys on the text itself."""
    frames = [live_rows(reg.root / "data" / part, reg._dead_of(part, superseded), keep_row=True)
              .join(keys.lazy(), on=on, how="semi").with_columns(pl.lit(part).alias(PART))
              for part in reg.manifest.tables["codes"]]
    return pl.concat(frames).collect()


def same_rows(found: pl.DataFrame, expected: pl.DataFrame) -> None:
    """The same rows, whatever their order (a lookup promises no order)."""
    columns = [*CONTRACT_KEY, "code", PART, ROW]
    assert found.select(columns).sort(PART, ROW).equals(expected.select(columns).sort(PART, ROW))


KEY_CASES = {
    "one lender's contract, the same number at another lender": {"participant_code": ["BANK1"],
                                                                  "contract_number": ["C1"]},
    "a key asked twice": {"participant_code": ["BANK1", "BANK1"], "contract_number": ["C2", "C2"]},
    "a key the register lacks": {"participant_code": ["BANK3"], "contract_number": ["C9"]},
    "null halves match nothing": {"participant_code": [None, "BANK2"], "contract_number": ["C3", None]},
}


@pytest.mark.parametrize("keys", KEY_CASES.values(), ids=KEY_CASES.keys())
def test_locate_finds_the_rows_the_join_on_the_key_finds(tmp_path, keys):
    reg = committed(tmp_path, [CODES, CODES])
    wanted = pl.DataFrame(keys, schema=dict.fromkeys(CONTRACT_KEY, pl.String))
    same_rows(reg.locate("codes", wanted, CONTRACT_KEY).collect(), by_text(reg, wanted, CONTRACT_KEY))


def test_locate_leaves_out_rows_tonight_superseded(tmp_path):
    reg = committed(tmp_path, [CODES])
    part = reg.manifest.tables["codes"][0]
    gone = pl.DataFrame({PART: [part], ROW: [2]}, schema={PART: pl.String, ROW: pl.get_index_type()})
    wanted = pl.DataFrame({"participant_code": ["BANK1"], "contract_number": ["C2"]})
    found = reg.locate("codes", wanted, CONTRACT_KEY, gone).collect()
    assert found["code"].to_list() == ["H"]
    same_rows(found, by_text(reg, wanted, CONTRACT_KEY, gone))


def test_a_single_text_key_is_decided_by_its_text(tmp_path):
    """Narrowed by a hash only, a text key alone would let a hash collision through: the join on
    the text still decides, so both lenders' C1 come back and nothing else."""
    reg = committed(tmp_path, [CODES])
    wanted = pl.DataFrame({"contract_number": ["C1"]})
    found = reg.locate("codes", wanted, ["contract_number"]).collect()
    assert sorted(found["participant_code"].to_list()) == ["BANK1", "BANK2"]


def test_narrowing_keeps_the_values_asked_for():
    frame = pl.DataFrame({"t": ["a", "b", None, "c"], "i": [1, 2, None, 3]})
    assert frame.filter(narrowing(pl.Series("t", ["c", "a", "a"])))["t"].to_list() == ["a", "c"]
    assert frame.filter(narrowing(pl.Series("i", [3, 3])))["i"].to_list() == [3]


def test_key_frames_located_after_each_other_each_find_their_own_rows(tmp_path):
    """The reader's hash set is made once per key frame and reused for the next table of the
    same chunk: the next chunk's keys (another frame, other keys) must not find the last ones'."""
    reg = committed(tmp_path, [CODES])
    first = pl.DataFrame({"participant_code": ["BANK1"], "contract_number": ["C1"]})
    second = pl.DataFrame({"participant_code": ["BANK1"], "contract_number": ["C2"]})
    for wanted in (first, first, second, first):
        same_rows(reg.locate("codes", wanted, CONTRACT_KEY).collect(), by_text(reg, wanted, CONTRACT_KEY))
    by_number = pl.DataFrame({"contract_number": ["C1"]})       # the same frame, asked on another column
    assert sorted(reg.locate("codes", by_number, ["contract_number"]).collect()["participant_code"]) == [
        "BANK1", "BANK2"]
