"""Setup mistakes are refused before a night runs: one line naming the key, exit 2, nothing created."""

from __future__ import annotations

import logging
import re

import pytest

from pipeline.cli import main
from tests.conftest import Workspace, new


def no_pc4(ws: Workspace) -> None:
    (ws.root / "pc4.csv").unlink()


def pc4_with_commas(ws: Workspace) -> None:
    (ws.root / "pc4.csv").write_text("pc4,gemeente_code,gemeente_name\n1011,GM0363,Amsterdam\n")


def pc4_is_a_folder(ws: Workspace) -> None:
    no_pc4(ws)
    (ws.root / "pc4.csv").mkdir()


def unknown_timezone(ws: Workspace) -> None:
    ws.set_config(timezone="Europe/Amsterdm")


def cron_that_does_not_parse(ws: Workspace) -> None:
    ws.set_config(schedule={"cron": "0 2 * *"})


def numbered_weekdays(ws: Workspace) -> None:
    ws.set_config(schedule={"cron": "0 2 * * 1-5"})     # Mon-Fri in cron, Tue-Sat in APScheduler


def no_inbox(ws: Workspace) -> None:
    ws.set_config(paths={"inbox": "inbx", "outbox": "outbox", "register": "register", "archive": "archive"})


def command(name: str, ws: Workspace) -> list[str]:
    config = ["--config", str(ws.config)]
    return {"run": ["run", *config, "--date", "2026-11-23"],
            "schedule": ["schedule", *config],
            "validate": ["validate", str(ws.root / "BANK1_MUT_20261123_000001.csv"), *config],
            "barometer": ["barometer", "--peildatum", "2026-09-30", *config],
            "inzage": ["inzage", "--surname", "Jansen", "--initials", "J.P.", "--birth-date", "1980-05-17",
                       *config]}[name]


CASES = [
    (no_pc4, "pc4_gemeente", ["run", "schedule", "barometer"]),
    (pc4_with_commas, "pc4_gemeente", ["run", "schedule", "barometer"]),
    (pc4_is_a_folder, "pc4_gemeente", ["run"]),
    (unknown_timezone, "timezone", ["run", "schedule", "validate", "barometer", "inzage"]),
    (cron_that_does_not_parse, "schedule.cron", ["run", "schedule", "validate", "barometer", "inzage"]),
    (numbered_weekdays, "schedule.cron", ["run", "schedule"]),
    (no_inbox, "paths.inbox", ["run", "schedule"]),
]


@pytest.mark.parametrize(("mistake", "key", "name"), [(m, k, c) for m, k, cs in CASES for c in cs],
                         ids=lambda v: getattr(v, "__name__", v) if callable(v) else None)
def test_a_setup_mistake_is_refused_before_anything_runs(ws: Workspace, capsys: pytest.CaptureFixture,
                                                         mistake, key: str, name: str) -> None:
    ws.deliver([{"participant_code": "BANK1"}])
    mistake(ws)
    assert main(command(name, ws)) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"cki: config.yaml: {key}: ") and len(err.splitlines()) == 1, err
    assert out == ""
    assert not (ws.root / "register").exists() and not (ws.root / "outbox").exists()


def test_the_checks_a_night_needs_do_not_stop_a_dry_run_or_an_access_request(ws: Workspace) -> None:
    """``cki validate`` and ``cki inzage`` need neither the pc4 table nor the inbox."""
    name = ws.deliver([new("C1")])
    no_pc4(ws)
    no_inbox(ws)
    delivery = str(ws.root / "inbox" / "BANK1" / name)
    assert main(["validate", delivery, "--config", str(ws.config), "--date", "2026-11-23"]) == 0
    assert main(command("inzage", ws)) == 0


def test_a_wrong_timezone_was_a_traceback_at_run_time_and_is_one_line_now(ws: Workspace) -> None:
    unknown_timezone(ws)
    proc = ws.cki("run", "--config", str(ws.config))
    assert proc.returncode == 2
    assert proc.stderr == ("cki: config.yaml: timezone: unknown timezone 'Europe/Amsterdm' "
                           "(an IANA name, such as Europe/Amsterdam)\n")


def test_log_lines_carry_the_date_and_the_configured_timezone(ws: Workspace) -> None:
    ws.set_config(timezone="Asia/Kolkata")                 # +05:30 all year: no daylight saving to guess
    proc = ws.cki("run", "--config", str(ws.config), "--date", "2026-11-23")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30 cki ", line) for line in lines), lines


def test_the_scheduler_library_stays_below_the_operators_level(ws: Workspace) -> None:
    main(["file-format"])
    assert logging.getLogger("apscheduler").getEffectiveLevel() >= logging.WARNING
