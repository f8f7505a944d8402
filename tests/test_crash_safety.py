"""A crash anywhere leaves the register as before or as after, and the next run converges."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import RUN_DATE, Workspace, _stem, new, record

TABLES = ["contracts", "contract_history", "borrowers", "codes", "persons", "addresses", "files"]


def _snapshot(ws: Workspace) -> dict[str, pl.DataFrame]:
    return {t: ws.table(t).sort(pl.all()) for t in TABLES}


def _prepare(root: Path) -> tuple[Workspace, str]:
    ws = Workspace(root)
    ws.deliver([new("C1"), new("C2", contract_type="RK", theoretical_end_date=None)], kind="INIT")
    assert ws.run() == 0
    name = ws.deliver([record("C1", "CODE", code="2"), record("C2", "END", actual_end_date="2026-11-15"),
                       new("C3", birth_surname="Visser", initials="A")])
    return ws, name


def _crash(ws: Workspace, point: str) -> None:
    env = {**os.environ, "CKI_CRASH_AT": point}
    proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat(), env=env)
    assert proc.returncode == -9, proc.stderr


@pytest.mark.parametrize("point", ["table_written", "before_rename", "before_commit"])
def test_crash_before_commit_leaves_register_as_before(tmp_path: Path, point: str) -> None:
    """Killed while staging: the register, inbox and outbox are as if the run never started."""
    ws, name = _prepare(tmp_path)
    before = _snapshot(ws)
    current = (tmp_path / "register" / "CURRENT").read_bytes()
    _crash(ws, point)
    assert (tmp_path / "register" / "CURRENT").read_bytes() == current
    assert all(_snapshot(ws)[t].equals(before[t]) for t in TABLES)
    assert (tmp_path / "inbox" / "BANK1" / name).exists()
    assert not (tmp_path / "outbox" / "BANK1" / f"{_stem(name)}.result.json").exists()


@pytest.mark.parametrize("point", ["table_written", "before_commit", "after_commit", "publish_file"])
def test_next_run_converges_to_an_uninterrupted_run(tmp_path: Path, point: str) -> None:
    """After a crash at any point, one more run gives the register and outbox a clean run gives."""
    crashed, name = _prepare(tmp_path / "crashed")
    clean, _ = _prepare(tmp_path / "clean")
    _crash(crashed, point)
    assert crashed.run() == 0
    assert clean.run() == 0
    for table in TABLES:
        assert _snapshot(crashed)[table].equals(_snapshot(clean)[table]), table
    assert crashed.findings(name) == clean.findings(name)
    assert crashed.result(name)["accepted"] == clean.result(name)["accepted"] == 3
    assert not (tmp_path / "crashed" / "inbox" / "BANK1" / name).exists()
    leftovers = [p for p in (tmp_path / "crashed").rglob("*.tmp")]
    assert leftovers == []


def test_crash_after_commit_is_published_by_next_run_without_reprocessing(tmp_path: Path) -> None:
    """The commit recorded the publication; the next run finishes it and applies nothing twice."""
    ws, name = _prepare(tmp_path)
    _crash(ws, "after_commit")
    assert ws.run() == 0
    result = ws.result(name)
    assert result["status"] == "ACCEPTED" and result["accepted"] == 3
    assert ws.table("contracts").height == 3
    assert ws.table("files").filter(pl.col("file") == name).height == 1


def test_orphan_files_of_a_crashed_run_are_deleted(tmp_path: Path) -> None:
    """Table files the manifest does not name are removed by the next run."""
    ws, _ = _prepare(tmp_path)
    _crash(ws, "before_commit")
    data = tmp_path / "register" / "data"
    assert ws.run() == 0
    from pipeline.register.store import Register
    named = Register(tmp_path / "register").named_files()
    assert {p.name for p in data.iterdir()} == named
    shutil.rmtree(tmp_path / "outbox" / ".staging", ignore_errors=True)
