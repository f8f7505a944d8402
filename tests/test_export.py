"""`cki export DIR [--as-of DATE]`: one committed version of the register as plain Parquet that
DuckDB reads as it is, where the register's own parts overcount (decisions 73-75).

One register for the module, built through three nights of real deliveries:

- 2026-09-01, INIT dated 2026-06-01: BANK1 C01..C20 (AK; C01..C19 for Jansen, C20 for Visser,
  who has nothing else), SHOP1 V1 and V2 (VK, for Bakker at 1011AB 12).
- 2026-10-01, dated 2026-09-20: DELETE C20; CHANGE C01's amount to 20000; END C02; CODE A on C05.
- 2026-11-01, dated 2026-10-20: CODE 2 on C03; END C04; CODE H on C05; Bakker moves to 1011EF 7.

Every changed contract closes a version (contract_history); the move closes none. The DELETE
erases C20, its link, its NEW event and Visser (its own DELETE event stays).
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.ops.snapshot import EVENTS_SCHEMA, EXPORTED_SCHEMAS
from pipeline.register.store import Register
from tests.conftest import Workspace, new, record

TABLES = ("contracts", "contract_history", "borrowers", "codes", "persons", "addresses", "events",
          "consultations")
NIGHTS = (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
JANSEN = {"birth_surname": "Jansen", "initials": "J.P."}
BAKKER = {"birth_surname": "Bakker", "initials": "K.", "birth_date": "1975-02-03", "gender": "V"}


def _deliver(ws: Workspace, rows: list[dict], night: date, participant: str = "BANK1", kind: str = "MUT") -> None:
    ws.seq[(participant, "all")] = seq = ws.seq.get((participant, "all"), 0) + 1
    ws.deliver(rows, participant=participant, kind=kind, name=f"{participant}_{kind}_{night:%Y%m%d}_{seq:06d}.csv")


def _build(ws: Workspace) -> None:
    start = {"event_date": "2026-06-01", "theoretical_end_date": "2031-06-01"}
    bank = [new(f"C{i:02d}", **start, **JANSEN) for i in range(1, 20)]
    bank.append(new("C20", **start, birth_surname="Visser", initials="A.", postcode="1011CD", house_number=3))
    shop = [new(f"V{i}", participant_code="SHOP1", contract_type="VK", amount=900, event_date="2026-06-01",
                theoretical_end_date=None, **BAKKER) for i in (1, 2)]
    _deliver(ws, bank, NIGHTS[0], kind="INIT")
    _deliver(ws, shop, NIGHTS[0], "SHOP1", kind="INIT")
    assert ws.run(NIGHTS[0]) == 0
    on = "2026-09-20"
    _deliver(ws, [record("C20", "DELETE", event_date=on), record("C01", "CHANGE", event_date=on, amount=20000),
                  record("C02", "END", event_date=on, actual_end_date=on),
                  record("C05", "CODE", event_date=on, code="A", arrears_since="2026-07-15")], NIGHTS[1])
    assert ws.run(NIGHTS[1]) == 0
    on = "2026-10-20"
    _deliver(ws, [record("C03", "CODE", event_date=on, code="2"),
                  record("C04", "END", event_date=on, actual_end_date=on),
                  record("C05", "CODE", event_date=on, code="H")], NIGHTS[2])
    _deliver(ws, [record("V1", "CHANGE", participant_code="SHOP1", event_date=on, postcode="1011EF",
                         house_number=7)], NIGHTS[2], "SHOP1")
    assert ws.run(NIGHTS[2]) == 0


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("export"))
    _build(ws)
    assert ws.table("files")["status"].to_list() == ["ACCEPTED"] * 5
    return ws


def export(ws: Workspace, target: Path, *extra: str):
    return ws.cki("export", str(target), "--config", str(ws.config), *extra)


def counted(folder: Path) -> dict[str, int]:
    """Rows per table, counted by DuckDB over the export as an engine reads it."""
    con = duckdb.connect()
    return {t: con.sql(f"SELECT count(*) FROM read_parquet('{folder}/{t}/**/*.parquet', hive_partitioning = true)")
            .fetchall()[0][0] for t in TABLES}


def read(folder: Path, table: str) -> pl.DataFrame:
    """A table of the export through DuckDB, in the register's column order."""
    frame = duckdb.connect().sql(f"SELECT * FROM read_parquet('{folder}/{table}/**/*.parquet', "
                                 "hive_partitioning = true)").pl()
    return frame.select(list(EXPORTED_SCHEMAS.get(table, EVENTS_SCHEMA)))


def test_the_export_holds_what_the_register_holds_and_the_raw_parts_overcount(built: Workspace,
                                                                                tmp_path: Path) -> None:
    proc = export(built, tmp_path / "snap")
    assert proc.returncode == 0, proc.stderr
    found = counted(tmp_path / "snap")
    # 21 contracts (C20 erased); versions closed by C01, C02, C05 (09-20) and C03, C04, C05 (10-20);
    # codes A, H of C05 and 2 of C03; Jansen and Bakker; Jansen 1 address, Bakker 2; events: 22
    # NEWs but C20's, 4 records on 09-20, 4 on 10-20; no consultation
    assert found == {"contracts": 21, "contract_history": 6, "borrowers": 21, "codes": 3, "persons": 2,
                     "addresses": 3, "events": 29, "consultations": 0}
    reg = Register(built.root / "register")
    assert found == {t: (reg.scan_events() if t == "events" else reg.scan(t)).collect().height for t in TABLES}
    for table in ("contracts", "contract_history", "borrowers", "codes", "persons", "addresses"):
        held = reg.read(table).select(list(EXPORTED_SCHEMAS[table]))      # the export has no contract id
        assert read(tmp_path / "snap", table).sort(pl.all()).equals(held.sort(pl.all())), table
    # the same DuckDB query over the register's own files also counts the rows later nights
    # superseded: with the default parts, those of C03, C04 and V1 (its move rewrote the
    # contract's row) in the first part; tiny spills (CKI_SPILL_ROWS) make one-row parts that a
    # compaction rewrites instead
    raw = duckdb.sql(f"SELECT count(*) FROM read_parquet('{built.root}/register/data/contracts-*.parquet')")
    dead = sum(reg.dead_rows(part).len() for part in reg.manifest.tables["contracts"])
    assert raw.fetchall()[0][0] == found["contracts"] + dead
    if "CKI_SPILL_ROWS" not in os.environ:
        assert dead == 3


def test_contracts_are_partitioned_by_participant_and_described_in_the_manifest(built: Workspace,
                                                                                 tmp_path: Path) -> None:
    assert export(built, tmp_path / "snap").returncode == 0
    folders = sorted(p.name for p in (tmp_path / "snap" / "contracts").iterdir())
    assert folders == ["participant_code=BANK1", "participant_code=SHOP1"]
    per = duckdb.sql(f"SELECT participant_code, count(*) FROM read_parquet('{tmp_path}/snap/contracts/**/*.parquet', "
                     "hive_partitioning = true) GROUP BY 1 ORDER BY 1").fetchall()
    assert per == [("BANK1", 19), ("SHOP1", 2)]
    assert [p.name for p in (tmp_path / "snap" / "persons").iterdir()] == ["part-0.parquet"]
    manifest = json.loads((tmp_path / "snap" / "_export.json").read_text())
    assert manifest["as_of"] is None and manifest["register_version"] == 3
    assert manifest["run_id"] == "20261101-000003"
    assert manifest["tables"]["contracts"] == {"rows": 21, "files": 2, "partitioned_by": ["participant_code"]}
    assert manifest["tables"]["persons"] == {"rows": 2, "files": 1, "partitioned_by": []}
    assert manifest["tables"]["consultations"] == {"rows": 0, "files": 1, "partitioned_by": ["participant_code"]}
    empty = [p.relative_to(tmp_path / "snap") for p in (tmp_path / "snap" / "consultations").rglob("*.parquet")]
    assert empty == [Path("consultations/participant_code=__HIVE_DEFAULT_PARTITION__/00000000.parquet")]


def test_what_the_command_says(built: Workspace, tmp_path: Path) -> None:
    """Counts and the folder, never a name or an address."""
    proc = export(built, tmp_path / "snap")
    lines = proc.stdout.splitlines()
    assert lines[0] == "cki export: register version 3 (run 20261101-000003), current state"
    assert lines[1].split() == ["contracts", "21", "rows", "by", "participant_code"]
    assert lines[5].split() == ["persons", "2", "rows"]
    assert f"written to {tmp_path / 'snap'}: personal data" in proc.stdout
    assert not any(word in proc.stdout + proc.stderr for word in ("Jansen", "Bakker", "1011"))


def test_the_export_is_for_its_owner_only(built: Workspace, tmp_path: Path) -> None:
    assert export(built, tmp_path / "snap").returncode == 0
    entries = [tmp_path / "snap", *(tmp_path / "snap").rglob("*")]
    modes = {stat.S_IMODE(p.stat().st_mode) for p in entries if p.is_dir()}
    assert modes == {0o700}
    assert {stat.S_IMODE(p.stat().st_mode) for p in entries if p.is_file()} == {0o600}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]     # no temporary folder left beside


def test_as_of_a_date_between_two_nights_shows_the_state_then(built: Workspace, tmp_path: Path) -> None:
    """As of 2026-10-01: the 09-20 facts hold, the 10-20 ones not yet."""
    proc = export(built, tmp_path / "then", "--as-of", "2026-10-01")
    assert proc.returncode == 0, proc.stderr
    assert "as of 2026-10-01" in proc.stdout.splitlines()[0]
    # versions closed by 10-01: C01, C02, C05; codes dated by then: C05's A; Bakker at his first
    # address only; events dated by then: 21 NEWs and the 4 records of 09-20
    assert counted(tmp_path / "then") == {"contracts": 21, "contract_history": 3, "borrowers": 21, "codes": 1,
                                          "persons": 2, "addresses": 2, "events": 25, "consultations": 0}
    contracts = read(tmp_path / "then", "contracts").sort("contract_number")
    state = {r["contract_number"]: r for r in contracts.to_dicts()}
    assert state["C01"]["amount"] == 20000 and state["C02"]["actual_end_date"] == date(2026, 9, 20)
    assert state["C03"]["code2"] is False and state["C04"]["actual_end_date"] is None
    assert state["C05"]["arrears_open"] is True and state["C05"]["arrears_since"] == date(2026, 7, 15)
    assert contracts.filter(pl.col("actual_end_date").is_null()).height == 20     # running on 10-01
    bakker = read(tmp_path / "then", "persons").filter(pl.col("birth_surname") == "Bakker").row(0, named=True)
    assert (bakker["postcode"], bakker["postcode_key"], bakker["house_number"]) == ("1011AB", "1011AB", 12)
    assert json.loads((tmp_path / "then" / "_export.json").read_text())["as_of"] == "2026-10-01"


def test_as_of_a_reference_date_counts_what_its_barometer_counted(built: Workspace, tmp_path: Path) -> None:
    """The night of 2026-10-01 produced 2026-09-30: per consumer-credit type the running contracts
    and those in arrears, counted over the export as of that date, are the barometer's."""
    assert export(built, tmp_path / "q3", "--as-of", "2026-09-30").returncode == 0
    per_type = duckdb.sql(
        f"SELECT contract_type, count(*), count(*) FILTER (arrears_open) FROM read_parquet("
        f"'{tmp_path}/q3/contracts/**/*.parquet', hive_partitioning = true) WHERE actual_end_date IS NULL "
        "GROUP BY 1 ORDER BY 1").fetchall()
    assert per_type == [("AK", 18, 1), ("VK", 2, 0)]     # C02 ended on 09-20; C05 in arrears
    barometer = built.table("kredietbarometer_soort").filter(pl.col("contracts") > 0).sort("contract_type")
    assert barometer.select("contract_type", "contracts", "contracts_in_arrears").rows() == per_type


def test_as_of_a_date_before_the_changes_shows_the_old_state(built: Workspace, tmp_path: Path) -> None:
    assert export(built, tmp_path / "then", "--as-of", "2026-09-10").returncode == 0
    contracts = read(tmp_path / "then", "contracts")
    state = {r["contract_number"]: r for r in contracts.to_dicts()}
    assert state["C01"]["amount"] == 15000 and state["C02"]["actual_end_date"] is None
    assert state["C05"]["arrears_open"] is False and "C20" not in state        # a DELETE erases the past too
    assert counted(tmp_path / "then")["contract_history"] == 0
    assert counted(tmp_path / "then")["events"] == 21


def test_as_of_a_date_before_any_start_is_an_empty_register_with_its_columns(built: Workspace,
                                                                               tmp_path: Path) -> None:
    assert export(built, tmp_path / "then", "--as-of", "2026-05-31").returncode == 0
    assert set(counted(tmp_path / "then").values()) == {0}
    columns = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path}/then/contracts/**/*.parquet', hive_partitioning "
                         "= true, hive_types = {'participant_code': VARCHAR})").pl().collect_schema()
    assert dict(columns) == {c: t for c, t in EXPORTED_SCHEMAS["contracts"].items() if c != "participant_code"} | {
        "participant_code": pl.String}


def test_the_current_state_equals_an_as_of_today_export(built: Workspace, tmp_path: Path) -> None:
    assert export(built, tmp_path / "now").returncode == 0
    assert export(built, tmp_path / "today", "--as-of", "2026-11-01").returncode == 0
    for table in TABLES:
        now, today = read(tmp_path / "now", table), read(tmp_path / "today", table)
        assert now.sort(pl.all()).equals(today.sort(pl.all())), table


def test_an_empty_folder_is_filled_and_a_non_empty_one_refused(built: Workspace, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert export(built, tmp_path / "empty").returncode == 0
    assert (tmp_path / "empty" / "_export.json").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    proc = export(built, tmp_path / "full")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"cki: {tmp_path / 'full'} exists and is not an empty folder: cki export never overwrites; "
        "give a new folder (e.g. one named by the date)")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "full"]


@pytest.mark.parametrize(("where", "extra", "said"), [
    ("register/snap", (), "lies inside the register folder"),
    ("missing/snap", (), "is not an existing folder: make it first"),
    ("snap", ("--as-of", "2099-01-01"), "--as-of 2099-01-01 lies after today"),
])
def test_what_cannot_be_exported_is_refused_in_one_line(built: Workspace, tmp_path: Path, where: str,
                                                        extra: tuple, said: str) -> None:
    target = built.root / where if where.startswith("register") else tmp_path / where
    proc = export(built, target, *extra)
    assert proc.returncode == 2 and said in proc.stderr and "Traceback" not in proc.stderr
    assert not target.exists()


def test_a_full_disk_leaves_no_export_and_no_temporary_folder(built: Workspace, tmp_path: Path) -> None:
    proc = built.cki("export", str(tmp_path / "snap"), "--config", str(built.config),
                     env={**os.environ, "CKI_FULL_AT": "write:1"})     # the manifest, after the tables
    assert proc.returncode == 4
    assert proc.stderr.strip().splitlines()[-1] == (
        f"cki: the disk is full: cannot write the export beside {tmp_path / 'snap'}; "
        "nothing was written and the register is unchanged")
    assert list(tmp_path.iterdir()) == []


def test_a_workspace_without_a_register_has_nothing_to_export(ws: Workspace, tmp_path: Path) -> None:
    proc = export(ws, tmp_path / "snap")
    assert proc.returncode == 2
    assert "no night has committed yet, there is nothing to export" in proc.stderr
    assert not (ws.root / "register").exists() and not (tmp_path / "snap").exists()


def test_the_register_says_its_parts_are_not_to_be_read_directly(built: Workspace) -> None:
    note = (built.root / "register" / "README.txt").read_text()
    assert note.startswith("This folder is the cki register. Do not read the files in data/ directly.")
    assert "cki export DIR" in note
    assert stat.S_IMODE(os.stat(built.root / "register" / "README.txt").st_mode) == 0o644
