"""Contract ids (decision 112): every live row of contracts, borrowers and codes carries the id
of its contract's row; a contract keeps its id for its whole life, a contract created tonight
(also a NEW under a deleted contract's number) gets one never given before; a register written
before ids is numbered once by its next night, and reads the same until then.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from pipeline.apply.contractids import contract_ids, join_columns
from pipeline.apply.contractids import with_ids as with_contract_ids
from pipeline.apply.keyedtable import KEY_HASH, hashed_keys
from pipeline.barometer.asof import RegisterTables
from pipeline.barometer.tables import compute
from pipeline.cli import main
from pipeline.register.state import CONTRACT_ID, CONTRACT_KEY, NUMBERED_TABLES
from pipeline.register.store import DATA, Register
from tests.conftest import Workspace, new, record
from tests.test_barometer import PC4, ak, code, end, person, workspace
from tests.test_barometer_people import PC4 as TINY_PC4
from tests.test_barometer_people import _tiny_register

NIGHT1, NIGHT2, NIGHT3 = date(2026, 9, 1), date(2026, 9, 20), date(2026, 10, 2)


def ids_of(ws: Workspace) -> dict[str, int]:
    """Contract number → its id, after checking what every live row must hold: an id on every
    contract, no two alike, and each borrower link and code carrying its contract's."""
    contracts = ws.table("contracts")
    assert contracts[CONTRACT_ID].null_count() == 0
    assert contracts[CONTRACT_ID].n_unique() == contracts.height
    mine = contracts.select(*CONTRACT_KEY, pl.col(CONTRACT_ID).alias("_own"))
    for name in NUMBERED_TABLES[1:]:
        rows = ws.table(name).join(mine, on=CONTRACT_KEY, how="left")
        assert rows["_own"].null_count() == 0, f"a {name} row without its contract"
        assert (rows[CONTRACT_ID] == rows["_own"]).all(), f"a {name} row with another contract's id"
    given = json.loads((ws.root / "register" / "CURRENT").read_text())["next_contract_id"]
    assert given > max(contracts[CONTRACT_ID], default=0)
    return dict(zip(contracts["contract_number"], contracts[CONTRACT_ID], strict=True))


def life(ws: Workspace) -> list[dict[str, int]]:
    """Three nights of a register's life; the contract ids after each.

    1. An INIT: a joint contract J (two borrowers), K1, K2 in arrears, K3, DEL1, and OLD, ended
       2021-09-10, whose five years end before night 2.
    2. K1 changes, K2's arrears are recovered, K3 ends, DEL1 is deleted, K4 is new, OLD is purged.
    3. DEL1 is registered again (a new contract under the deleted number), K5 is new and joint,
       K1 gets a code; the night produces the 2026-09-30 barometers."""
    init = [ak("J", 0, borrower_no="1"), ak("J", 1, borrower_no="2"), ak("K1", 2),
            new("K2", event_date="2026-01-05", contract_type="HY", amount="", theoretical_end_date="",
                code="A", arrears_since="2025-09-01", **person(3)),
            ak("K3", 4), ak("DEL1", 5),
            new("OLD", event_date="2018-01-02", theoretical_end_date="2023-01-02", **person(6)),
            end("OLD", "2021-09-10")]
    ws.deliver(init, kind="INIT")
    assert ws.run(NIGHT1) == 0
    after = [ids_of(ws)]
    ws.deliver([record("K1", "CHANGE", event_date="2026-09-15", amount="16000"),
                code("K2", "H", "2026-09-15"), end("K3", "2026-09-15"),
                record("DEL1", "DELETE", event_date="2026-09-15"), ak("K4", 7, start="2026-09-15")])
    assert ws.run(NIGHT2) == 0
    after.append(ids_of(ws))
    ws.deliver([ak("DEL1", 8, start="2026-10-01"), ak("K5", 9, start="2026-10-01", borrower_no="1"),
                ak("K5", 10, start="2026-10-01", borrower_no="2"), code("K1", "2", "2026-10-01")])
    assert ws.run(NIGHT3) == 0
    after.append(ids_of(ws))
    return after


@pytest.fixture(params=["chunks", "tiny chunks"])
def chunked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The night as configured, and in chunks of two records with every row spilled."""
    if request.param == "tiny chunks":
        monkeypatch.setenv("CKI_CHUNK_RECORDS", "2")
        monkeypatch.setenv("CKI_SPILL_ROWS", "1")


@pytest.mark.usefixtures("chunked")
def test_a_contract_keeps_its_id_and_a_new_one_gets_one_never_given(make_ws) -> None:
    ws = workspace(make_ws)
    first, second, third = life(ws)
    assert set(first) == {"J", "K1", "K2", "K3", "DEL1", "OLD"}
    assert set(second) == {"J", "K1", "K2", "K3", "K4"}, "DEL1 deleted, OLD purged"
    assert all(second[k] == first[k] for k in ("J", "K1", "K2", "K3")), "changed, recovered, ended: same id"
    assert second["K4"] > max(first.values())
    assert all(third[k] == second[k] for k in second)
    assert min(third["DEL1"], third["K5"]) > max(second["K4"], *first.values()), "DEL1 again: a new contract"
    assert ws.table("borrowers").filter(pl.col("contract_number") == "K5")[CONTRACT_ID].to_list() == [third["K5"]] * 2


def strip_ids(ws: Workspace) -> None:
    """Make ``ws``'s register one written before contract ids: its parts without the column, its
    manifest without ``next_contract_id``, of format version 2."""
    root = ws.root / "register"
    current = json.loads((root / "CURRENT").read_text())
    for name in NUMBERED_TABLES:
        for part in current["tables"].get(name, []):
            path = root / DATA / part
            table = pq.read_table(path)
            pq.write_table(table.drop_columns([CONTRACT_ID]), path)
    del current["next_contract_id"]
    (root / "CURRENT").write_text(json.dumps({**current, "format_version": 2}))


def published(ws: Workspace) -> dict[str, str]:
    folder = ws.root / "outbox" / "barometer"
    return {p.name: p.read_text() for p in sorted(folder.glob("*.csv"))}


def without_ids(ws: Workspace, name: str) -> pl.DataFrame:
    frame = ws.table(name)
    return frame.drop(CONTRACT_ID, strict=False).sort(pl.all())


def test_a_register_from_before_ids_reads_the_same_and_its_next_night_numbers_it(make_ws, tmp_path: Path) -> None:
    """Two copies of one register, one stripped of its ids: ``cki barometer``, ``cki validate``
    and ``cki export`` give the same on both; the stripped one's next night numbers every
    contract (the invariants hold after it) and writes the same as the other's."""
    ws = workspace(make_ws)
    life(ws)
    shutil.copytree(ws.root, tmp_path / "old", symlinks=True)
    old = Workspace(tmp_path / "old")
    (old.root / "pc4.csv").write_text(PC4)
    old.seq = dict(ws.seq)
    strip_ids(old)
    assert CONTRACT_ID not in old.table("borrowers").columns
    for w in (ws, old):
        assert main(["barometer", "--peildatum", "2026-09-30", "--config", str(w.config)]) == 0
    assert published(old) == published(ws)
    check = [record("K1", "CODE", event_date="2026-10-05", code="A", arrears_since="2026-08-01"),
             ak("K6", 11, start="2026-10-05"), record("NONE", "END", event_date="2026-10-05",
                                                      actual_end_date="2026-10-05")]
    answered = []
    for w in (ws, old):
        name = w.deliver(check)
        proc = w.cki("validate", str(w.root / "inbox" / "BANK1" / name), "--date", "2026-10-06",
                     "--out", str(w.root), "--config", str(w.config))
        answered.append(proc.returncode)
        assert w.cki("export", str(w.root / "snap"), "--config", str(w.config)).returncode == 0
    assert answered == [1, 1], "NONE is not registered: the file is answered with a rejected record"
    assert (old.root / f"{name[:-4]}.errors.csv").read_text() == (ws.root / f"{name[:-4]}.errors.csv").read_text()
    for table in ("contracts", "borrowers", "codes"):
        assert pl.read_parquet(old.root / "snap" / table / "**" / "*.parquet", hive_partitioning=True).sort(
            pl.all()).equals(pl.read_parquet(ws.root / "snap" / table / "**" / "*.parquet",
                                             hive_partitioning=True).sort(pl.all())), table
    for w in (ws, old):
        assert w.run(date(2026, 10, 6)) == 0
    ids = ids_of(old)
    assert sorted(ids.values()) == list(range(1, len(ids) + 1)), "numbered once, by row order"
    for table in ("contracts", "contract_history", "borrowers", "codes", "persons", "addresses"):
        assert without_ids(old, table).equals(without_ids(ws, table)), table
    assert json.loads((old.root / "register" / "CURRENT").read_text())["format_version"] == 3
    assert main(["barometer", "--peildatum", "2026-09-30", "--config", str(old.config)]) == 0
    assert published(old) == published(ws)
    assert Register(old.root / "register").next_contract_id() == len(ids) + 1


@pytest.mark.parametrize("on", [[KEY_HASH], CONTRACT_KEY], ids=["by hash", "by key"])
def test_a_chunks_contracts_keep_their_stored_ids_and_new_ones_are_numbered_in_order(on: list[str]) -> None:
    """K1 is stored (id 7), K2 new, K3 stored but deleted and registered again in the chunk (a new
    contract): K2 and K3 get 20 and 21, and the next chunk starts at 22. A joint K2's two links
    and K1's code read their contract's id, on the key's hash as on the key itself."""
    live = pl.DataFrame({"participant_code": ["B"] * 3, "contract_number": ["K1", "K2", "K3"],
                         "erase_step": [None, None, 1]}, schema_overrides={"erase_step": pl.Int32})
    current = pl.DataFrame({"participant_code": ["B", "B"], "contract_number": ["K3", "K1"], CONTRACT_ID: [9, 7]})
    ids, after = contract_ids(live, current, on, 20)
    assert ids[CONTRACT_ID].to_list() == [7, 20, 21] and after == 22
    links = pl.DataFrame({"participant_code": ["B"] * 3, "contract_number": ["K2", "K3", "K2"],
                          "borrower_no": [1, 1, 2]})
    assert with_contract_ids(links, ids).rows() == [("B", "K2", 1, 20), ("B", "K3", 1, 21), ("B", "K2", 2, 20)]
    none, same = contract_ids(live.clear(), current.clear(), on, 22)
    assert none.height == 0 and same == 22
    assert with_contract_ids(links.clear(), none).columns == [*links.columns, CONTRACT_ID]


def test_a_chunk_whose_keys_share_a_hash_joins_on_the_key() -> None:
    keys = hashed_keys(pl.DataFrame({"participant_code": ["B", "B"], "contract_number": ["K1", "K2"]}))
    assert join_columns(keys) == [KEY_HASH]
    assert join_columns(keys.with_columns(pl.lit(5, pl.UInt64).alias(KEY_HASH))) == CONTRACT_KEY


def with_ids(tables: RegisterTables) -> RegisterTables:
    """The same tables with contract ids (by row order), as a numbered register holds them."""
    contracts = tables.contracts.with_row_index(CONTRACT_ID, offset=1).with_columns(pl.col(CONTRACT_ID).cast(pl.Int64))
    ids = contracts.select(*CONTRACT_KEY, CONTRACT_ID)
    return RegisterTables(contracts, tables.borrowers.join(ids, on=CONTRACT_KEY, how="left"),
                          tables.codes.join(ids, on=CONTRACT_KEY, how="left"), tables.persons, tables.addresses)


@pytest.mark.parametrize("on", [date(2026, 9, 30), date(2026, 10, 1), date(2026, 1, 4)])
def test_the_seven_tables_are_the_same_counted_by_id_and_by_fingerprint(on: date) -> None:
    """The id path (no join: arrays indexed by contract id) against the fingerprint path, on the
    tiny register of test_barometer_people; the contract starting last has the highest id, so a
    link to it reads beyond the running contracts' array (a contract not running: no flag)."""
    tables = _tiny_register()
    by_fingerprint = compute(tables, TINY_PC4, on, ["AK"])
    by_id = compute(with_ids(tables), TINY_PC4, on, ["AK"])
    assert by_id.keys() == by_fingerprint.keys()
    for name, frame in by_fingerprint.items():
        assert by_id[name].equals(frame), name
