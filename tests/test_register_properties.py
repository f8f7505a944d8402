"""Properties of the register over random nights (Hypothesis): nothing lost, nothing doubled,
and a crash at any point converges to what an uninterrupted run gives."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import Workspace, new, record

TABLES = ["contracts", "contract_history", "borrowers", "codes", "persons", "addresses"]
CONTRACTS = ["C1", "C2", "C3"]
POINTS = ["table_written", "before_commit", "after_commit", "publish_file"]
FIRST = date(2026, 11, 2)


def _row(draw, night: date) -> dict:
    contract = draw(st.sampled_from(CONTRACTS))
    day = (night - timedelta(days=draw(st.integers(0, 5)))).isoformat()
    kind = draw(st.sampled_from(["NEW", "NEW", "CHANGE", "CODE2", "CODE4", "END", "DELETE", "BAD"]))
    if kind == "NEW":
        return new(contract, event_date=day, initials=draw(st.sampled_from(["A", "B"])))
    if kind == "CHANGE":
        return record(contract, "CHANGE", event_date=day, amount=draw(st.integers(400, 2000)) * 10)
    if kind.startswith("CODE"):
        return record(contract, "CODE", event_date=day, code=kind[-1])
    if kind == "END":
        return record(contract, "END", event_date=day, actual_end_date=day)
    if kind == "DELETE":
        return record(contract, "DELETE", event_date=day)
    return record(contract, "END", event_date=day)  # no actual_end_date: MISSING_FIELD


@st.composite
def nights(draw) -> list[list[dict]]:
    """One to three nights of one to five rows; no two nights deliver the same content (that
    second file would be a FILE_DUPLICATE, rejected whole: test_file_errors covers it)."""
    count = draw(st.integers(1, 3))
    plan = [[_row(draw, FIRST + timedelta(days=n)) for _ in range(draw(st.integers(1, 5)))] for n in range(count)]
    assume(len({repr(rows) for rows in plan}) == len(plan))
    return plan


def _play(root: Path, plan: list[list[dict]], crash: tuple[int, str] | None) -> tuple[Workspace, list[str]]:
    ws, names = Workspace(root), []
    for n, rows in enumerate(plan):
        name = ws.deliver(rows)
        names.append(name)
        night = (FIRST + timedelta(days=n)).isoformat()
        if crash and crash[0] == n:
            env = {**os.environ, "CKI_CRASH_AT": crash[1]}
            proc = ws.cki("run", "--config", str(ws.config), "--date", night, env=env)
            assert proc.returncode == -9, proc.stderr      # the crash really happened
        assert ws.run(FIRST + timedelta(days=n)) == 0
        result = ws.result(name)
        rejected = {int(r["line_no"]) for r in ws.errors(name).to_dicts() if r["severity"] == "ERROR"}
        assert rejected <= set(range(1, len(rows) + 1))      # every errors.csv line is a delivered line
        assert (result["records"], result["rejected"], result["accepted"]) == (
            len(rows), len(rejected), len(rows) - len(rejected))    # the result agrees with errors.csv
    return ws, names


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=nights(), night=st.integers(0, 2), point=st.sampled_from(POINTS))
def test_crash_anywhere_converges(plan: list[list[dict]], night: int, point: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="cki-prop-"))
    try:
        clean, names = _play(root / "clean", plan, None)
        crashed, _ = _play(root / "crashed", plan, (min(night, len(plan) - 1), point))
        for table in TABLES:
            a, b = clean.table(table), crashed.table(table)
            assert a.sort(pl.all()).equals(b.sort(pl.all())), table
        for path in (root / "clean" / "outbox").rglob("*.csv"):
            twin = root / "crashed" / path.relative_to(root / "clean")
            assert twin.read_bytes() == path.read_bytes(), path.name
        files = clean.table("files")
        assert sorted(files["file"]) == sorted(names)        # each delivery in the ledger once
    finally:
        shutil.rmtree(root, ignore_errors=True)
