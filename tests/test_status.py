"""`cki status`: the last nights, the register's size and health, the next run; exit 1 when
unhealthy, with one line per problem (decisions 63, 64)."""

from __future__ import annotations

import fcntl
import json
import os
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import load_config
from pipeline.ops.status import next_run
from pipeline.register.store import MAX_PARTS
from tests.conftest import RUN_DATE, Workspace, new, record
from tests.test_run_report import deliver_the_night


def status(ws: Workspace, env: dict | None = None):
    return ws.cki("status", "--config", str(ws.config), env=env)


def problems(proc) -> list[str]:
    """The indented lines under the first: one per problem."""
    found = []
    for line in proc.stdout.splitlines()[1:]:
        if not line.startswith("  "):
            break
        found.append(line.strip())
    return found


def two_nights(ws: Workspace) -> str:
    """An INIT night, then a MUT night; returns the MUT file's name."""
    ws.deliver([new("C1"), new("C2", contract_type="RK", theoretical_end_date=None)], kind="INIT")
    assert ws.run(date(2026, 11, 22)) == 0
    return ws.deliver([record("C1", "CODE", code="2"), new("C3", birth_surname="Visser", initials="A")])


def test_status_after_a_night_of_accepted_rejected_and_warned_records(make_ws) -> None:
    """The nights come from the register (date, files, records, accepted, rejected) and the
    duration from each night's report; the size counts the live rows."""
    ws = make_ws(late_records="accept")
    ws.deliver([new("C0")], kind="INIT")
    assert ws.run(date(2026, 11, 20)) == 0
    deliver_the_night(ws)
    assert ws.run() == 0
    proc = status(ws)
    assert proc.returncode == 0, proc.stdout
    out = proc.stdout.splitlines()
    assert out[0] == "cki status: healthy"
    nights = [line.split() for line in out if line.startswith("  2026-")]
    report = json.loads((ws.root / "reports" / "2026-11-23_20261123-000002.json").read_text())
    assert nights == [
        ["2026-11-23", "20261123-000002", "4", "11", "7", "4", f"{report['duration_seconds']:.1f}", "s"],
        ["2026-11-20", "20261120-000001", "1", "1", "1", "0", nights[1][6], "s"]]
    # contracts C0, C1, C2, V1, V2; persons: Jansen, the canary, two Dubbelmans; events: 1 + 4
    # accepted records; consultations: the 3 answered requests
    assert "size: 5 contracts, 4 persons, 5 events, 3 consultations;" in proc.stdout
    parts = re.search(r"parts per table: .*\bcontracts (\d+)", proc.stdout)
    assert parts is not None, proc.stdout
    # the load's part and the night's; tiny spills (CKI_SPILL_ROWS) make more, within MAX_PARTS
    assert int(parts[1]) == 2 or ("CKI_SPILL_ROWS" in os.environ and 1 <= int(parts[1]) <= MAX_PARTS)
    assert "next scheduled run: " in proc.stdout and '(cron "0 2 * * *", Europe/Amsterdam)' in proc.stdout


def test_a_missing_part_file_is_unhealthy(ws: Workspace) -> None:
    two_nights(ws)
    assert ws.run() == 0
    current = json.loads((ws.root / "register" / "CURRENT").read_text())
    part = current["tables"]["contracts"][0]
    (ws.root / "register" / "data" / part).unlink()
    proc = status(ws)
    assert proc.returncode == 1
    assert proc.stdout.startswith("cki status: UNHEALTHY, 1 problem\n")
    assert problems(proc) == [f"missing: register/data/{part} is named by CURRENT but not on disk"]
    assert "? contracts" in proc.stdout and "Traceback" not in proc.stderr


def test_a_crash_before_the_commit_leaves_leftovers_until_the_next_run(ws: Workspace) -> None:
    """A night killed before its commit leaves parts and staged return files: unhealthy until
    the next run deletes them."""
    two_nights(ws)
    crashed = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat(),
                     env={**os.environ, "CKI_CRASH_AT": "before_commit"})
    assert crashed.returncode == -9
    proc = status(ws)
    assert proc.returncode == 1
    found = problems(proc)
    assert len(found) == 2, found
    assert found[0].startswith("leftovers of a crashed run: ") and " in register/data (" in found[0]
    assert found[1] == ("leftovers of a crashed run: 1 in outbox/.staging (20261123-000002); "
                        "the next cki run deletes them")
    assert ws.run() == 0
    assert status(ws).returncode == 0


def test_an_unnamed_file_in_the_register_is_a_leftover(ws: Workspace) -> None:
    two_nights(ws)
    (ws.root / "register" / "data" / "contracts-stray.parquet").write_bytes(b"PAR1")
    proc = status(ws)
    assert proc.returncode == 1
    assert problems(proc) == ["leftovers of a crashed run: 1 in register/data (contracts-stray.parquet); "
                              "the next cki run deletes them"]


def test_a_pending_publication_is_unhealthy(ws: Workspace) -> None:
    two_nights(ws)
    crashed = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat(),
                     env={**os.environ, "CKI_CRASH_AT": "after_commit"})
    assert crashed.returncode == -9
    proc = status(ws)
    assert proc.returncode == 1
    assert ("the publication of run 20261123-000002 is pending (the run stopped after its commit): "
            "the next cki run finishes it") in problems(proc)
    assert not [p for p in problems(proc) if ".staging" in p]     # staged for the pending publication
    assert ws.run() == 0
    assert status(ws).returncode == 0


def test_an_unreadable_manifest_is_unhealthy(ws: Workspace) -> None:
    two_nights(ws)
    (ws.root / "register" / "CURRENT").write_text('{"version": 1, "tab')
    proc = status(ws)
    assert proc.returncode == 1
    assert problems(proc) == ["register/CURRENT is unreadable (JSONDecodeError): restore it from a backup"]


def test_a_running_night_is_not_a_crash(ws: Workspace) -> None:
    """While a night holds the run lock its new parts are not leftovers: status says it runs,
    and never takes the lock itself."""
    two_nights(ws)
    (ws.root / "register" / "data" / "contracts-tonight.parquet").write_bytes(b"PAR1")
    fd = os.open(ws.root / "register" / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = status(ws)
    finally:
        os.close(fd)
    assert proc.returncode == 0, proc.stdout
    assert "a night is running now" in proc.stdout
    assert status(ws).returncode == 1


def test_before_the_first_night(ws: Workspace) -> None:
    proc = status(ws)
    assert proc.returncode == 0, proc.stdout
    assert "no night has run yet" in proc.stdout
    assert not (ws.root / "register").exists()


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 11, 23, 12, 0), "2026-11-24 02:00 CET"),
    (datetime(2026, 11, 24, 1, 59), "2026-11-24 02:00 CET"),
    (datetime(2026, 7, 1, 3, 0), "2026-07-02 02:00 CEST"),
])
def test_next_scheduled_run(ws: Workspace, now: datetime, expected: str) -> None:
    line, parses = next_run(load_config(ws.config), now.replace(tzinfo=ZoneInfo("Europe/Amsterdam")))
    assert parses
    assert line == (f'next scheduled run: {expected} (cron "0 2 * * *", Europe/Amsterdam); '
                    "cki schedule is not running")


def test_a_cron_that_does_not_parse_is_not_healthy(make_ws) -> None:
    """Refused with the key named, by the config check or by status itself."""
    ws = make_ws(schedule={"cron": "0 25 * * *"})
    proc = status(ws)
    assert proc.returncode != 0
    assert "schedule.cron" in proc.stdout + proc.stderr
