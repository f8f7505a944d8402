"""``cki run`` as an operator meets it: exit codes, the lock, re-runs, config mistakes."""

from __future__ import annotations

import fcntl
import json
import os
from datetime import timedelta
from pathlib import Path

import polars as pl

from tests.conftest import RUN_DATE, Workspace, _stem, new, record


def test_second_run_while_locked_stops_with_a_clear_message(ws: Workspace) -> None:
    """A run that finds the lock held exits non-zero, says why, and changes nothing."""
    ws.deliver([new("C1")])
    (ws.root / "register").mkdir()
    fd = os.open(ws.root / "register" / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat())
    finally:
        os.close(fd)
    assert proc.returncode == 3
    assert "another cki run holds the register lock" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (ws.root / "register" / "CURRENT").exists()


def test_rerun_with_nothing_new_changes_nothing(ws: Workspace) -> None:
    """Running the same night again leaves every register byte as it was."""
    ws.deliver([new("C1")])
    assert ws.run() == 0
    register = ws.root / "register"
    before = {p: p.read_bytes() for p in register.rglob("*") if p.is_file() and p.name != ".lock"}
    assert ws.run() == 0
    after = {p: p.read_bytes() for p in register.rglob("*") if p.is_file() and p.name != ".lock"}
    assert before == after


def test_run_exits_zero_when_files_are_rejected(ws: Workspace) -> None:
    ws.deliver([record("NOPE", "END", actual_end_date="2026-11-15")])
    ws.deliver([new("X")], name="rubbish.csv")
    assert ws.run() == 0


def test_run_summary_names_files_and_counts_only(ws: Workspace) -> None:
    """The operator's output carries counts and file names, never names or birth dates."""
    ws.deliver([new("C1", birth_surname="Zwanenburg", birth_date="1961-02-03")])
    proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat())
    assert proc.returncode == 0
    out = proc.stdout + proc.stderr
    assert "BANK1_MUT_20261123_000001.csv" in out and "ACCEPTED" in out
    assert "Zwanenburg" not in out and "1961-02-03" not in out


def test_unknown_config_key_names_the_key(ws: Workspace) -> None:
    ws.config.write_text(ws.config.read_text() + "late_record: accept\n")
    proc = ws.cki("run", "--config", str(ws.config))
    assert proc.returncode == 2
    assert proc.stderr.strip() == "cki: config.yaml: late_record: unknown key"


def test_bad_config_value_names_the_key(ws: Workspace) -> None:
    ws.config.write_text(ws.config.read_text().replace("late_records: reject", "late_records: maybe"))
    proc = ws.cki("run", "--config", str(ws.config))
    assert proc.returncode == 2
    assert "late_records" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bad_participant_code_in_config(ws: Workspace) -> None:
    ws.config.write_text(ws.config.read_text().replace("code: BANK1", "code: bank-1"))
    proc = ws.cki("run", "--config", str(ws.config))
    assert proc.returncode == 2 and "participants.0.code" in proc.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    proc = ws.cki("run", "--config", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2 and "config file not found" in proc.stderr


def test_same_person_in_two_files_of_one_night_is_one_person(ws: Workspace) -> None:
    """Two contracts of one borrower, delivered by two participants the same night."""
    ws.deliver([new("C1")])
    ws.deliver([new("V1", participant_code="SHOP1", contract_type="VK", amount="800",
                    theoretical_end_date=None)], participant="SHOP1")
    assert ws.run() == 0
    assert ws.table("persons").height == 1
    assert ws.table("borrowers")["person_id"].n_unique() == 1


def test_validate_is_a_dry_run(ws: Workspace) -> None:
    """cki validate writes the errors file and applies nothing; exit 1 when not valid. A file in the
    inbox needs --out: its errors file beside it would be taken for a delivery by the next night."""
    good = ws.deliver([new("C1")])
    bad = ws.deliver([new("C2", amount="999999")])
    folder, out = ws.root / "inbox" / "BANK1", ws.root / "checked"
    out.mkdir()
    args = ("--config", str(ws.config), "--date", RUN_DATE.isoformat())
    proc = ws.cki("validate", str(folder / good), "--out", str(out), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = ws.cki("validate", str(folder / bad), "--out", str(out), *args)
    assert proc.returncode == 1
    errors = pl.read_csv(out / f"{_stem(bad)}.errors.csv", separator=";", infer_schema=False)
    assert errors["error_code"].to_list() == ["OUT_OF_RANGE"]
    assert not (ws.root / "register" / "CURRENT").exists()
    refused = ws.cki("validate", str(folder / bad), *args)
    assert refused.returncode == 2 and "--out" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted([good, bad])     # nothing written in the inbox


def test_inzage_shows_registrations_and_who_consulted(ws: Workspace) -> None:
    """A person's right of access: every registration, and the participants that consulted them."""
    ws.deliver([new("C1", birth_surname="Berg", surname_prefix="van der", initials="H.")])
    ws.deliver([{"request_id": "R1", "purpose": "ACCEPTATIE", "birth_surname": "Van der Berg",
                 "initials": "H", "birth_date": "1980-05-17"}], kind="RAAD")
    assert ws.run() == 0
    args = ["inzage", "--surname", "van der berg", "--initials", "H.", "--birth-date", "1980-05-17",
            "--config", str(ws.config), "--date", RUN_DATE.isoformat(), "--language", "nl"]
    proc = ws.cki(*args)
    assert proc.returncode == 0, proc.stderr
    assert "1. Aflopend krediet (AK)\n   Geregistreerd door:  Voorbeeldbank (bank)\n" in proc.stdout
    assert "  23 november 2026  Voorbeeldbank (bank): beoordeling van een nieuwe kredietaanvraag\n" in proc.stdout
    report = json.loads(ws.cki(*args, "--json").stdout)
    assert [r["contract_number"] for r in report["registrations"]] == ["C1"]
    assert ws.cki("inzage", "--surname", "Niemand", "--initials", "X", "--birth-date", "1970-01-01",
                  "--config", str(ws.config), "--language", "en").stdout.count("No registration found") == 1


def test_an_erased_persons_id_is_never_given_again(ws: Workspace) -> None:
    """Who consulted an erased person must not appear in the access report of a new person."""
    ws.deliver([new("C1", birth_surname="Berg", initials="H.")])
    ws.deliver([{"request_id": "R1", "purpose": "ACCEPTATIE", "birth_surname": "Berg",
                 "initials": "H", "birth_date": "1980-05-17"}], kind="RAAD")
    assert ws.run(RUN_DATE - timedelta(days=2)) == 0
    ws.deliver([record("C1", "DELETE")])
    assert ws.run(RUN_DATE - timedelta(days=1)) == 0
    assert ws.table("persons").height == 0
    ws.deliver([new("C2", birth_surname="Smit", initials="K.")])
    assert ws.run() == 0
    report = ws.cki("inzage", "--surname", "Smit", "--initials", "K.", "--birth-date", "1980-05-17",
                    "--config", str(ws.config), "--date", RUN_DATE.isoformat(), "--json")
    assert report.returncode == 0, report.stderr
    seen = json.loads(report.stdout)
    assert [r["contract_number"] for r in seen["registrations"]] == ["C2"]
    assert seen["consulted_by"] == []
