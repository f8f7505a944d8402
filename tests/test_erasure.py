"""What a DELETE or retention ends is gone from every file the project keeps (SPEC 1, 6; issue 13).

Each test plants canary values (a surname, a birth date and a postcode nobody else has) in one
registration, erases it through real deliveries, then decodes every file of the workspace —
Parquet values and metadata, workbook cells, CSV, JSON, anything else as text — and finds none of them.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pyarrow.parquet as pq
import pytest

from tests.conftest import Workspace, new, record

CANARY = {"birth_surname": "Kanarievogel", "initials": "Q.", "birth_date": "1961-04-27", "postcode": "9999KN",
          "house_number": "77"}
VALUES = ("Kanarievogel", "1961-04-27", "9999KN", "9999 KN")


def decoded(path: Path) -> str:
    """Everything a file holds, as text: a Parquet file's values, schema and metadata."""
    if path.suffix == ".parquet":
        meta = pq.ParquetFile(path).metadata
        stats = [str(meta.row_group(i).column(j).statistics) for i in range(meta.num_row_groups)
                 for j in range(meta.num_columns)]
        frame = pl.read_parquet(path)
        return "\n".join([str(meta.metadata), *stats, *(str(v) for c in frame.columns for v in frame[c].to_list())])
    if path.suffix == ".xlsx":                 # a zip: its cells, not its compressed bytes
        book = openpyxl.load_workbook(path)
        return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
    return path.read_bytes().decode("utf-8", errors="replace")


def holders(ws: Workspace, values=VALUES) -> list[str]:
    """Files of the workspace (config and inbox aside) that still hold a canary value."""
    found = []
    for path in ws.root.rglob("*"):
        if path.is_file() and path.name not in ("config.yaml", "pc4.csv") and "inbox" not in path.parts:
            text = decoded(path)
            found += [f"{path.relative_to(ws.root)}: {v}" for v in values if v in text]
    return found


def test_a_delete_leaves_nothing_readable_in_the_register_archive_or_outbox(ws: Workspace) -> None:
    ws.deliver([new("KEEP", event_date="2026-11-02"),
                new("GONE", event_date="2026-11-02", **CANARY)], kind="INIT")
    assert ws.run(date(2026, 11, 3)) == 0
    bad = ws.deliver([record("GONE", "CHANGE", event_date="2026-11-04", birth_date="1961-13-45",
                             birth_surname="Kanarievogel")])
    assert ws.run(date(2026, 11, 5)) == 0
    assert ws.findings(bad) == {(1, "birth_date", "INVALID_TYPE")}
    assert holders(ws)                       # registered, archived and echoed in errors.csv
    ws.deliver([record("GONE", "DELETE", event_date="2026-11-06")])
    assert ws.run(date(2026, 11, 7)) == 0
    assert holders(ws) == []
    assert ws.table("contracts")["contract_number"].to_list() == ["KEEP"]
    assert ws.findings(bad) == {(1, "birth_date", "INVALID_TYPE")}    # the clerk still reads why line 1 failed
    kept = ws.errors(bad).row(0, named=True)
    assert kept["contract_number"] is None and kept["birth_surname"] is None   # but nothing of the record
    assert ws.result(bad)["rejected"] == 1
    notes = list((ws.root / "archive").rglob("*.erased.json"))
    assert {n.name for n in notes} == {"BANK1_INIT_20261123_000001.csv.erased.json",
                                        "BANK1_MUT_20261123_000001.csv.erased.json",
                                        "BANK1_MUT_20261123_000002.csv.erased.json"}
    init_note = json.loads(next(n for n in notes if "INIT" in n.name).read_text())
    assert init_note[0]["data_lines_removed"] == [2]
    archived = next((ws.root / "archive").rglob("BANK1_INIT_*.csv"))
    assert pl.read_csv(archived, separator=";", infer_schema=False)["contract_number"].to_list() == ["KEEP"]


def test_a_registration_expired_on_delivery_is_gone_the_same_night(ws: Workspace) -> None:
    """An INIT of a credit of 2014 discharged in 2019: its retention ended in 2024, so the night that
    receives it purges it; no event, archived row or table keeps its person."""
    ws.deliver([new("OLD", event_date="2014-01-02", theoretical_end_date="2019-01-02", **CANARY),
                record("OLD", "CODE", event_date="2019-03-01", code="3", written_off_amount="900",
                       final_discharge="true", actual_end_date="2019-03-01"),
                new("KEEP", event_date="2026-11-02")], kind="INIT")
    assert ws.run(date(2026, 11, 3)) == 0
    assert ws.table("contracts")["contract_number"].to_list() == ["KEEP"]
    assert holders(ws) == []
    purges = ws.table("purges")
    assert purges.select("reason", "purged_on").rows() == [("RETENTION", date(2026, 11, 3))]
    assert purges["key_hash"].str.len_chars().to_list() == [64]
    assert all("OLD" not in decoded(p) for p in (ws.root / "register" / "data").glob("purges-*"))


def test_a_report_about_a_purged_contract_is_retention_expired(ws: Workspace) -> None:
    ws.deliver([new("OLD", event_date="2014-01-02", theoretical_end_date="2019-01-02", **CANARY),
                record("OLD", "END", event_date="2019-03-01", actual_end_date="2019-03-01")], kind="INIT")
    assert ws.run(date(2024, 2, 20)) == 0
    assert ws.table("contracts").height == 1
    assert ws.run(date(2024, 3, 1)) == 0                   # kept until 2024-03-01; purged that night
    assert ws.table("contracts").height == 0
    late = ws.deliver([record("OLD", "CODE", event_date="2024-03-05", code="4"),
                       record("NEVER", "CODE", event_date="2024-03-05", code="4")])
    assert ws.run(date(2024, 3, 6)) == 0
    assert ws.findings(late) == {(1, "contract_number", "RETENTION_EXPIRED"),
                                 (2, "contract_number", "UNKNOWN_CONTRACT")}
    message = ws.errors(late).filter(pl.col("line_no") == "1")["message"].item()
    assert message == ("The contract ended on or before 2019-03-01; its retention of 5 years ended on or "
                       "before 2024-03-01.")


def _delete_night_ready(root: Path) -> Workspace:
    ws = Workspace(root)
    ws.deliver([new("KEEP", event_date="2026-11-02"), new("GONE", event_date="2026-11-02", **CANARY)], kind="INIT")
    assert ws.run(date(2026, 11, 3)) == 0
    ws.deliver([record("GONE", "DELETE", event_date="2026-11-04")])
    return ws


@pytest.mark.parametrize("point", ["part_erased", "before_commit", "after_commit", "scrub_file"])
def test_a_crash_while_erasing_converges_and_leaves_nothing(tmp_path: Path, point: str) -> None:
    crashed, clean = _delete_night_ready(tmp_path / "crashed"), _delete_night_ready(tmp_path / "clean")
    proc = crashed.cki("run", "--config", str(crashed.config), "--date", "2026-11-05",
                       env={**os.environ, "CKI_CRASH_AT": point})
    assert proc.returncode == -9, proc.stderr
    assert crashed.run(date(2026, 11, 5)) == 0 and clean.run(date(2026, 11, 5)) == 0
    assert holders(crashed) == [] and holders(clean) == []
    for table in ("contracts", "borrowers", "persons", "addresses", "purges"):
        # each register keys its purge hashes with a secret of its own
        mine, theirs = (ws.table(table).drop("run_id", "key_hash", strict=False) for ws in (crashed, clean))
        assert mine.equals(theirs), table
