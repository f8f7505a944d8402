"""``cki schedule``: one scheduler per register, with a persistent job store for catch-up."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.conftest import Workspace


def test_second_scheduler_is_refused_and_the_job_is_stored(ws: Workspace) -> None:
    first = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "schedule", "--config", str(ws.config)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        store = ws.root / "register" / "schedule.sqlite"
        deadline = time.time() + 60
        while not store.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert store.exists(), "the scheduler keeps its jobs in the register folder"
        time.sleep(1)
        second = ws.cki("schedule", "--config", str(ws.config))
        assert second.returncode == 2
        assert "another cki schedule is already running" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    import sqlite3
    with sqlite3.connect(store) as db:
        jobs = [row[0] for row in db.execute("select id from apscheduler_jobs")]
    assert jobs == ["nightly"]


def test_bad_cron_names_the_key(ws: Workspace) -> None:
    ws.config.write_text(ws.config.read_text() + "schedule: {cron: \"every night\"}\n")
    proc = ws.cki("schedule", "--config", str(ws.config))
    assert proc.returncode == 2 and "schedule.cron" in proc.stderr
