"""How a night stores its changes: only the touched rows are written, the register stays compact,
and what a night erases is physically gone.

A national register holds millions of contracts while a night changes a few per cent of them; an
operator sees this as nights whose time and disk writes follow the night, not the register.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl

from pipeline.register.store import MAX_PARTS
from tests.conftest import PERSON, new, record

SETUP = date(2026, 11, 2)


def manifest(ws) -> dict:
    return json.loads((ws.root / "register" / "CURRENT").read_text())


def load(ws, contracts: int) -> None:
    rows = [new(f"C{i}", event_date="2025-01-02", theoretical_end_date="2030-01-02",
                birth_date=f"1980-{i // 28 + 1:02d}-{i % 28 + 1:02d}", postcode="1011AB",
                house_number=str(i + 1)) for i in range(contracts)]
    name = ws.deliver(rows, kind="INIT")
    assert ws.run(SETUP) == 0
    assert ws.result(name)["accepted"] == contracts


def test_a_night_writes_only_the_contracts_it_changes(ws):
    """After a night that changes one of 50 contracts, the loaded part is the same file, byte for
    byte, and the night's new part holds just that contract; the register shows the change. No
    person changed, so the persons table is not written at all."""
    load(ws, 50)
    before = manifest(ws)["tables"]["contracts"]
    persons_before = manifest(ws)["tables"]["persons"]
    assert len(before) == 1
    loaded = (ws.root / "register" / "data" / before[0]).read_bytes()
    ws.deliver([record("C7", "CHANGE", event_date="2026-11-02", amount="9000")])
    assert ws.run(SETUP + timedelta(days=1)) == 0
    parts = manifest(ws)["tables"]["contracts"]
    assert parts[0] == before[0]
    assert (ws.root / "register" / "data" / parts[0]).read_bytes() == loaded
    written = pl.read_parquet(ws.root / "register" / "data" / parts[-1])
    assert written["contract_number"].to_list() == ["C7"]
    contracts = ws.table("contracts")
    assert contracts.height == 50
    assert contracts.filter(pl.col("contract_number") == "C7")["amount"].to_list() == [9000]
    assert contracts.filter(pl.col("contract_number") == "C8")["amount"].to_list() == [15000]
    assert manifest(ws)["tables"]["persons"] == persons_before


def test_many_nights_keep_the_register_compact_and_right(ws):
    """Night after night of changes: the tables never grow past MAX_PARTS parts, and every
    contract shows its latest amount and every person their latest surname."""
    load(ws, 20)
    expected = {f"C{i}": 15000 for i in range(20)}
    for night in range(MAX_PARTS + 3):
        on = SETUP + timedelta(days=night + 1)
        changed = [f"C{(night * 3 + k) % 20}" for k in range(3)]
        rows = [record(c, "CHANGE", event_date=on.isoformat(), amount=str(1000 + night)) for c in changed]
        rows.append(record(changed[0], "CHANGE", event_date=on.isoformat(), borrower_no="1",
                           birth_surname=f"Later{night}"))
        ws.deliver(rows)
        assert ws.run(on) == 0
        expected.update(dict.fromkeys(changed, 1000 + night))
        for name, parts in manifest(ws)["tables"].items():
            assert len(parts) <= MAX_PARTS, (name, night)
    contracts = ws.table("contracts")
    assert dict(zip(contracts["contract_number"], contracts["amount"], strict=True)) == expected
    assert ws.table("persons").height == 20
    assert ws.table("borrowers").height == 20
    assert f"Later{MAX_PARTS + 2}" in ws.table("persons")["birth_surname"].to_list()


def test_a_delete_after_changes_leaves_no_copy_on_disk(ws):
    """A contract changed on one night (its old row kept, marked dead) and DELETEd on the next is
    in no register file afterwards, and neither is the person only it referred to."""
    load(ws, 5)
    ws.deliver([new("X1", event_date="2025-01-02", theoretical_end_date="2030-01-02",
                    **{**PERSON, "birth_surname": "Weg", "house_number": "99"})], kind="INIT")
    assert ws.run(SETUP + timedelta(days=1)) == 0
    ws.deliver([record("X1", "CHANGE", event_date="2026-11-03", amount="900")])
    assert ws.run(SETUP + timedelta(days=2)) == 0
    assert "X1" in ws.on_disk("contract_number")
    ws.deliver([record("X1", "DELETE", event_date="2026-11-04")])
    assert ws.run(SETUP + timedelta(days=3)) == 0
    assert "X1" not in ws.on_disk("contract_number")
    assert "Weg" not in ws.on_disk("birth_surname", events=True)
    assert ws.table("contracts").height == 5


def test_rows_changed_in_every_chunk_keep_only_their_latest_version() -> None:
    """Tonight's rows in memory: a person changed in chunk after chunk (an initial load re-touches
    a borrower in every chunk that holds one of their contracts) has one live row, the latest,
    however many dead rows, compactions and segment merges lie behind it."""
    from pipeline.apply.keyedtable import KeyedTable, hashed_keys

    table = KeyedTable(pl.DataFrame({"person_id": [1, 2, 3], "v": [0, 0, 0]}), ["person_id"])
    for chunk in range(1, 120):
        ids = [chunk % 3 + 1, 1000 + chunk]                    # one known person, one new one
        table.drop(hashed_keys(pl.DataFrame({"person_id": ids}), ["person_id"]))
        table.add(pl.DataFrame({"person_id": ids, "v": [chunk, chunk]}))
    rows = dict(table.table().sort("person_id").iter_rows())
    assert {k: rows[k] for k in (1, 2, 3)} == {1: 117, 2: 118, 3: 119}
    assert len(rows) == 3 + 119 and rows[1119] == 119
    assert table.height == len(rows)
    assert table.rows_of(hashed_keys(pl.DataFrame({"person_id": [2]}), ["person_id"]))["v"].to_list() == [118]


def test_a_rejected_record_leaves_its_contract_untouched(ws):
    """A night whose only records about C7 are rejected by the register's state (a second NEW, a
    CODE_END of a code it never had) writes nothing of C7: the contract, borrower and code parts
    are the same files as before, no row of them is marked dead, and the register is unchanged."""
    load(ws, 50)
    tables = ("contracts", "borrowers", "codes")
    before = manifest(ws)
    contracts_before = ws.table("contracts")
    name = ws.deliver([new("C7", event_date="2026-11-02", theoretical_end_date="2030-01-02"),
                       record("C7", "CODE_END", event_date="2026-11-02", code="5")])
    assert ws.run(SETUP + timedelta(days=1)) == 0
    errors = ws.errors(name)
    assert sorted(errors["error_code"]) == ["CODE_NOT_ACTIVE", "DUPLICATE_CONTRACT"]
    after = manifest(ws)
    for name in tables:
        assert after["tables"].get(name) == before["tables"].get(name), name
    assert after["dead"] == before["dead"]
    assert ws.table("contracts").equals(contracts_before)
