"""A full disk says so: which folder, that the register is unchanged (or committed and waiting for
its publication), and that the next run finishes the work; the next run then converges."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import RUN_DATE, Workspace, new, record

TABLES = ["contracts", "codes", "persons", "files", "runs"]


def _prepare(root: Path) -> tuple[Workspace, str]:
    ws = Workspace(root)
    ws.deliver([new("C1"), new("C2", contract_type="RK", theoretical_end_date=None)], kind="INIT")
    assert ws.run() == 0
    return ws, ws.deliver([record("C1", "CODE", code="2"), new("C3", birth_surname="Visser", initials="A")])


def _tables(ws: Workspace) -> dict[str, pl.DataFrame]:
    return {t: ws.table(t).drop("run_id", strict=False).sort(pl.all()) for t in TABLES}


def _full(ws: Workspace, at: str) -> subprocess.CompletedProcess:
    return ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat(),
                  env={**os.environ, "CKI_FULL_AT": at})


def _said(proc: subprocess.CompletedProcess) -> str:
    """The one line cki says to the operator (log lines go to stderr too, before it)."""
    said = [line for line in proc.stderr.splitlines() if line.startswith("cki: ")]
    assert len(said) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return said[0]


def test_a_full_disk_before_the_commit_leaves_the_register_unchanged(tmp_path: Path) -> None:
    ws, name = _prepare(tmp_path / "full")
    clean, _ = _prepare(tmp_path / "clean")
    current = (ws.root / "register" / "CURRENT").read_bytes()
    proc = _full(ws, "write:2")
    assert proc.returncode == 4
    said = _said(proc)
    assert said.startswith("cki: the disk is full: cannot write in ")
    assert "The register is unchanged. Free space and run cki again: the next run does the whole night." \
        in proc.stderr
    assert (ws.root / "register" / "CURRENT").read_bytes() == current
    assert (ws.root / "inbox" / "BANK1" / name).exists()
    assert ws.run() == 0 and clean.run() == 0
    assert all(_tables(ws)[t].equals(_tables(clean)[t]) for t in TABLES)
    assert ws.result(name)["accepted"] == 2


def test_a_full_disk_after_the_commit_is_finished_by_the_next_run(tmp_path: Path) -> None:
    ws, name = _prepare(tmp_path)
    proc = _full(ws, "PUBLISHED")        # the marker written after the outbox files went out
    assert proc.returncode == 4
    assert "The night was committed; its return files and archive moves wait." in _said(proc)
    assert str(ws.root / "register") in proc.stderr
    assert ws.run() == 0
    assert ws.result(name)["accepted"] == 2
    assert not (ws.root / "inbox" / "BANK1" / name).exists()
    assert ws.table("files").filter(pl.col("file") == name).height == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_real_full_tmpfs_then_room_again_converges(tmp_path: Path) -> None:
    """The workspace on a tmpfs with 40 KiB to spare beside a delivery of 4,000 contracts; then 64 MiB."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)]).returncode:
        pytest.skip("this machine does not let the tests mount a tmpfs")
    try:
        ws = Workspace(disk / "ws")
        ws.deliver([new(f"T{i}", birth_surname="Visser", birth_date=f"19{50 + i % 40}-01-{1 + i % 28:02d}",
                        initials="ABCDEFGHIJ"[i % 10]) for i in range(4000)], kind="INIT")
        used = os.statvfs(disk)
        spare = (used.f_blocks - used.f_bfree) * used.f_frsize + 40 * 1024
        subprocess.run(["mount", "-o", f"remount,size={spare}", str(disk)], check=True)
        proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat())
        assert proc.returncode == 4, proc.stderr
        assert _said(proc).startswith("cki: the disk is full: cannot write in ")
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        assert ws.run() == 0
        assert ws.table("contracts").height == 4000
        assert not list((disk / "ws").rglob("*.tmp"))
    finally:
        subprocess.run(["umount", "-l", str(disk)])
