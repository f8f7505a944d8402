"""The day's JSON-lines log file, the terminal's lines, and what neither may carry (decisions 70-72).

Nights run as `cki` processes on real files: with stderr a pipe (cron, CI) they print plain lines;
in a pseudo-terminal they show the progress display instead of the progress lines.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import polars as pl
import pytest
import yaml

from pipeline.ops.logs import JsonLines, Stamped, fields
from tests.conftest import RUN_DATE, Workspace, new, record

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d cki \S")
STAGES = ["recover", "intake_validate_apply", "retention", "consultation", "commit", "barometers", "commit",
          "publish"]
CANARY = {"birth_surname": "Zqxcanary", "surname_prefix": "vqxz", "initials": "X.Q.Z.", "birth_date": "1911-11-11",
          "postcode": "9999ZZ", "house_number": "7777", "house_number_suffix": "qzx"}
CANARY_TEXTS = ("zqxcanary", "vqxz", "x.q.z.", "1911-11-11", "19111111", "11-11-1911", "9999zz", "9999 zz")
HOUSE_NUMBER = re.compile(r"(?<![0-9])7777(?![0-9])")


def run(ws: Workspace, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat(), *extra, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


def log_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("cki-*.jsonl"))


def records(folder: Path) -> list[dict]:
    """Every line of every log file, parsed (a line that is not JSON fails here)."""
    return [json.loads(line) for path in log_files(folder) for line in path.read_text().splitlines()]


def events(lines: list[dict], event: str) -> list[dict]:
    return [r for r in lines if r.get("event") == event]


def set_logs(ws: Workspace, folder: str) -> None:
    settings = yaml.safe_load(ws.config.read_text())
    settings["paths"]["logs"] = folder
    ws.config.write_text(yaml.safe_dump(settings, sort_keys=False))


@pytest.fixture
def night(ws: Workspace) -> tuple[Workspace, subprocess.CompletedProcess]:
    """A MUT file of 3 records (2 accepted; 1 INVALID_TYPE), a RAAD file of 1 request, a file
    rejected whole for its name; logs in ``journal/`` beside config.yaml."""
    set_logs(ws, "journal")
    ws.deliver([new("C1"), new("C2", contract_type="RK", theoretical_end_date=None), new("C3", amount="abc")])
    ws.deliver([{"request_id": "R1", "purpose": "ACCEPTATIE", "birth_surname": "Jansen", "initials": "J.P.",
                 "birth_date": "1980-05-17", "postcode": "1011AB", "house_number": "12"}], kind="RAAD")
    ws.deliver([new("C9")], name="levering.csv")
    # the default chunk size, also when the suite runs with tiny ones: the log's chunk lines are
    # the subject here, and 3 records make one chunk (tiny chunks are test_chunked_night's)
    env = {k: v for k, v in os.environ.items() if k not in ("CKI_CHUNK_RECORDS", "CKI_SPILL_ROWS")}
    return ws, run(ws, env=env)


def test_a_night_writes_json_lines_in_the_configured_folder(night) -> None:
    """One file a day in paths.logs (relative to config.yaml); every line is a JSON object with
    the moment and its offset, the level, the logger and the process; each file's outcome with
    its counts, worked out by hand from the deliveries."""
    ws, _ = night
    (path,) = log_files(ws.root / "journal")
    lines = records(ws.root / "journal")
    assert all({"ts", "level", "logger", "pid", "message", "event"} <= set(r) for r in lines)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00", r["ts"]) for r in lines)
    assert path.name == f"cki-{lines[0]['ts'][:10]}.jsonl"
    outcome = {r["file"]: r for r in events(lines, "file_outcome")}
    drop = ("ts", "pid", "message", "level", "logger", "event", "run_id")
    assert {name: {k: v for k, v in r.items() if k not in drop} for name, r in outcome.items()} == {
        "BANK1_MUT_20261123_000001.csv": {
            "participant": "BANK1", "file": "BANK1_MUT_20261123_000001.csv", "kind": "MUT", "status": "PARTIAL",
            "records": 3, "accepted": 2, "rejected": 1, "warnings": 0, "errors_by_code": {"INVALID_TYPE": 1}},
        "BANK1_RAAD_20261123_000001.csv": {
            "participant": "BANK1", "file": "BANK1_RAAD_20261123_000001.csv", "kind": "RAAD", "status": "ACCEPTED",
            "records": 1, "accepted": 1, "rejected": 0, "warnings": 0, "errors_by_code": {}},
        "levering.csv": {
            "participant": "BANK1", "file": "levering.csv", "status": "REJECTED", "records": 0, "accepted": 0,
            "rejected": 0, "warnings": 0, "code": "FILE_NAME_INVALID", "errors_by_code": {}}}
    assert {r["run_id"] for r in outcome.values()} == {"20261123-000001"}


def test_the_file_carries_stages_reads_and_chunks_with_their_counts_and_seconds(night) -> None:
    ws, _ = night
    lines = records(ws.root / "journal")
    assert [r["stage"] for r in events(lines, "stage_done")] == STAGES
    assert all(r["seconds"] >= 0 for r in events(lines, "stage_done"))
    assert [(r["file"], r["records"], r.get("code")) for r in events(lines, "file_read")] == [
        ("BANK1_MUT_20261123_000001.csv", 3, None), ("BANK1_RAAD_20261123_000001.csv", 1, None),
        ("levering.csv", 0, "FILE_NAME_INVALID")]
    assert [(r["count"], r["records"]) for r in events(lines, "chunk_applied")] == [(1, 3)]
    (done,) = events(lines, "committed")
    assert (done["run_id"], done["files"], done["accepted"], done["rejected"]) == ("20261123-000001", 3, 3, 1)
    assert len({r["pid"] for r in lines}) == 1


def test_without_a_terminal_stderr_has_plain_lines_one_per_file_and_stage(night) -> None:
    """Every line stamped, no ANSI escape; the progress as lines; each file's outcome is left to
    the summary on stdout (and the file)."""
    _, proc = night
    lines = proc.stderr.splitlines()
    assert lines and all(STAMP.match(line) for line in lines), lines
    assert "\x1b" not in proc.stderr + proc.stdout
    assert sum(" done in " in line for line in lines) == len(STAGES)
    assert any(line.endswith("cki BANK1/BANK1_MUT_20261123_000001.csv: 3 records read") for line in lines)
    assert any(line.endswith("cki BANK1/levering.csv: rejected whole (FILE_NAME_INVALID)") for line in lines)
    assert not any("PARTIAL" in line for line in lines)


def test_a_second_night_the_same_day_appends_to_the_days_file(night) -> None:
    ws, _ = night
    ws.deliver([record("C1", "CHANGE", amount="16000")])
    run(ws)
    lines = records(ws.root / "journal")
    assert len(log_files(ws.root / "journal")) == 1
    assert [r["run_id"] for r in events(lines, "committed")] == ["20261123-000001", "20261123-000002"]
    assert len({r["pid"] for r in lines}) == 2


def test_commands_that_change_nothing_keep_no_log_file(ws: Workspace) -> None:
    """`cki status` and `cki validate` log to the terminal only; a setup mistake creates no folder."""
    name = ws.deliver([new("C1")])
    assert ws.cki("status", "--config", str(ws.config)).returncode in (0, 1)
    assert ws.cki("validate", str(ws.root / "inbox" / "BANK1" / name), "--config", str(ws.config),
                  "--out", str(ws.root / "dry")).returncode == 0
    assert not (ws.root / "logs").exists()
    (ws.root / "inbox").rename(ws.root / "elsewhere")
    assert ws.cki("run", "--config", str(ws.config)).returncode == 2
    assert not (ws.root / "logs").exists()


def test_a_log_folder_that_cannot_be_made_is_a_setup_mistake(ws: Workspace) -> None:
    (ws.root / "taken").write_text("a file, not a folder")
    set_logs(ws, "taken/logs")
    proc = ws.cki("run", "--config", str(ws.config))
    assert proc.returncode == 2
    assert proc.stderr.startswith("cki: config.yaml: paths.logs: cannot write in ") and "Traceback" not in proc.stderr


# --- privacy ------------------------------------------------------------------------------------

def canary_night(ws: Workspace) -> None:
    """Deliveries carrying the canary person: a good file, a record failing a rule, a request,
    a broken CSV, a Latin-1 file, a header naming the canary, a Parquet file that is not one, and
    a file the reader dies on."""
    ws.deliver([new("K1", **CANARY), new("K2", **{**CANARY, "amount": "9999999999"}),      # OUT_OF_RANGE
                record("K3", "END", actual_end_date="2026-11-15", **CANARY)])                # UNKNOWN_CONTRACT
    ws.deliver([{"request_id": "R1", "purpose": "ACCEPTATIE", **CANARY}], kind="RAAD")
    inbox = ws.root / "inbox" / "BANK1"
    header = ";".join(new("X")) + "\n"
    line = ";".join(new("K4", **CANARY).values())
    (inbox / "BANK1_MUT_20261123_000002.csv").write_text(header + line.replace("Zqxcanary", '"Zqxcanary') + "\n")
    (inbox / "BANK1_MUT_20261123_000003.csv").write_bytes((header + line.replace("Zqxcanary", "Zqxcanar\u00ff")
                                                           + "\n").encode("latin-1"))
    (inbox / "BANK1_MUT_20261123_000004.csv").write_text(header.replace("birth_surname", "Zqxcanary") + line + "\n")
    (inbox / "BANK1_MUT_20261123_000005.parquet").write_bytes(b"PAR1" + line.encode() + b"PAR1")
    (inbox / "BANK1_MUT_20261123_000006.csv").write_text(header + line + "\n")


def leaks(text: str) -> list[str]:
    text = text.lower()
    return [v for v in CANARY_TEXTS if v in text] + HOUSE_NUMBER.findall(text)


def test_canary_values_reach_no_log_report_stdout_or_stderr(ws: Workspace) -> None:
    canary_night(ws)
    env = {**os.environ, "CKI_READER_FAULT": "abort:BANK1_MUT_20261123_000006.csv"}
    proc = run(ws, env=env)
    status = ws.cki("status", "--config", str(ws.config))
    results = {r["file"]: r for r in json.loads(next((ws.root / "reports").iterdir()).read_text())["files"]}
    assert {n: r["status"] for n, r in results.items()} == {
        "BANK1_MUT_20261123_000001.csv": "PARTIAL", "BANK1_RAAD_20261123_000001.csv": "ACCEPTED",
        **{f"BANK1_MUT_20261123_00000{i}.{ext}": "REJECTED" for i, ext in [(2, "csv"), (3, "csv"), (4, "csv"),
                                                                          (5, "parquet"), (6, "csv")]}}
    assert results["BANK1_MUT_20261123_000006.csv"]["file_error"] == "FILE_UNREADABLE"      # the reader died
    logged = [json.dumps({k: v for k, v in r.items() if k != "pid"}) for r in records(ws.root / "logs")]
    assert len(logged) > 20
    texts = {"stdout": proc.stdout, "stderr": proc.stderr, "status": status.stdout + status.stderr,
             **{p.name: p.read_text() for p in (ws.root / "reports").iterdir()}, "logs": "\n".join(logged)}
    assert {where: leaks(text) for where, text in texts.items() if leaks(text)} == {}
    # the canaries were there to leak: the participant's own return files quote them back
    assert "Zqxcanary" in (ws.root / "outbox" / "BANK1" / "BANK1_MUT_20261123_000001.errors.csv").read_text()
    assert "Zqxcanary" in json.dumps(ws.result("BANK1_MUT_20261123_000004.csv"))


def test_a_library_message_that_quotes_a_cell_is_logged_by_its_type_only() -> None:
    """Polars quotes the value it failed on; the file and the terminal get the type alone."""
    try:
        pl.Series(["Zqxcanary"]).cast(pl.Int64)
    except pl.exceptions.PolarsError:
        record = logging.LogRecord("cki", logging.ERROR, __file__, 1, "a stage failed", (), sys.exc_info())
    record.exc_text = logging.Formatter().formatException(record.exc_info)     # as another handler caches it
    assert "Zqxcanary" in record.exc_text
    line = json.loads(JsonLines().format(record))
    assert line["exc_type"] == "InvalidOperationError" and "zqxcanary" not in json.dumps(line).lower()
    assert Stamped().format(record).endswith("cki a stage failed\n(InvalidOperationError)")


def test_a_field_outside_the_list_is_refused() -> None:
    with pytest.raises(ValueError, match="birth_surname"):
        fields("file_read", birth_surname="Zqxcanary")


# --- a terminal ---------------------------------------------------------------------------------

def in_a_terminal(ws: Workspace) -> tuple[str, str]:
    """`cki run` with stderr a pseudo-terminal of 120 x 30 (stdout a pipe): what each showed."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "CKI_CHUNK_RECORDS": "40"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--config", str(ws.config), "--date",
                             RUN_DATE.isoformat()], stdout=subprocess.PIPE, stderr=side, stdin=subprocess.DEVNULL,
                            cwd=ws.root, env=env)
    os.close(side)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:           # the terminal's other side closed: the process ended
            break
        if not chunk:
            break
        shown += chunk
    out, _ = proc.communicate(timeout=60)
    os.close(main)
    assert proc.returncode == 0, shown
    return out.decode(), shown.decode(errors="replace")


def test_in_a_terminal_the_display_shows_progress_and_the_log_lines_stay(ws: Workspace) -> None:
    """The display draws the stages and the files read; the progress lines give way to it; the
    other log lines still come, and stdout stays the plain summary (the display is on stderr)."""
    ws.deliver([new(f"C{i}") for i in range(100)])
    ws.deliver([new("D1")])
    out, shown = in_a_terminal(ws)
    assert "files read" in shown and "records applied" in shown and "intake+validate+apply" in shown
    assert "records read" not in shown and " done in " not in shown
    assert "cki run 20261123-000001 committed: 2 files, 101 records accepted, 0 rejected" in shown
    assert "\x1b" not in out and out.startswith("run 20261123-000001 for 2026-11-23: 2 files\n")
    lines = records(ws.root / "logs")
    assert [r["stage"] for r in events(lines, "stage_done")] == STAGES, "the file has them all the same"
    assert not any("\x1b" in json.dumps(r) or "━" in json.dumps(r) for r in lines)
