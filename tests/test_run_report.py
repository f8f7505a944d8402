"""The run report of a night: a JSON file in ``paths.reports`` and the short text `cki run` prints,
with counts, codes, file names and durations only (decisions 61, 62)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import RUN_DATE, Workspace, new, record

CANARY = {"birth_surname": "Zwqxcanarij", "initials": "Q.X.", "birth_date": "1959-07-13", "postcode": "9418XQ",
          "surname_prefix": "vanqzx"}
CANARY_TEXTS = ("zwqxcanarij", "vanqzx", "1959-07-13", "19590713", "9418xq", "9418 xq")
DOUBLE = {"birth_surname": "Dubbelman", "birth_date": "1970-01-01"}     # two persons: A.B. and A.C.


def ask(request_id: str, **fields: str) -> dict:
    row = {"request_id": request_id, "purpose": "ACCEPTATIE", "birth_surname": CANARY["birth_surname"],
           "surname_prefix": CANARY["surname_prefix"], "initials": CANARY["initials"],
           "birth_date": CANARY["birth_date"], "postcode": CANARY["postcode"], "house_number": "12"}
    return {**row, **fields}


def deliver_the_night(ws: Workspace) -> None:
    """BANK1: a MUT file (2 accepted, one of them LATE, a warning with late_records: accept; 3
    rejected), a RAAD file (4 requests: found, not found, not unique; 1 rejected) and a file
    rejected whole for its name; SHOP1: a MUT file of 2 accepted records."""
    ws.deliver([new("C1", **CANARY),
                new("C2", event_date="2026-10-01", theoretical_end_date="2031-10-01", **CANARY),   # LATE
                new("C3", amount="200000", **CANARY),                                               # OUT_OF_RANGE
                record("C3", "CODE", code="2"),                                              # DEPENDS_ON_REJECTED
                record("NOPE", "END", actual_end_date="2026-11-15")])                          # UNKNOWN_CONTRACT
    shop = {"participant_code": "SHOP1", "contract_type": "VK", "amount": "1200", "theoretical_end_date": None}
    ws.deliver([new("V1", **shop, **DOUBLE, initials="A.B.", postcode="1011AB"),
                new("V2", **shop, **DOUBLE, initials="A.C.", postcode="3011CD")], participant="SHOP1")
    ws.deliver([ask("R1"), ask("R2", birth_surname="Niemandsland"),
                ask("R3", birth_surname=DOUBLE["birth_surname"], birth_date=DOUBLE["birth_date"], initials="A.",
                    surname_prefix="", postcode="", house_number=""),
                ask("R4", birth_date="")], kind="RAAD")                                        # MISSING_FIELD
    ws.deliver([new("C9", **CANARY)], name="levering november.csv")                            # FILE_NAME_INVALID


@pytest.fixture
def night(make_ws) -> tuple[Workspace, object]:
    ws = make_ws(late_records="accept")
    deliver_the_night(ws)
    proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat())
    assert proc.returncode == 0, proc.stderr
    return ws, proc


def the_report(ws: Workspace) -> dict:
    (path,) = (ws.root / "reports").iterdir()
    return json.loads(path.read_text())


def test_report_counts_a_night_of_accepted_rejected_and_warned_records(night) -> None:
    ws, _ = night
    report = the_report(ws)
    assert report["run_id"] == "20261123-000001" and report["run_date"] == "2026-11-23"
    assert report["totals"] == {"files": 4, "records": 11, "accepted": 7, "rejected": 4, "warnings": 1}
    assert report["participants"] == {
        "BANK1": {"files": 3, "records": 9, "accepted": 5, "rejected": 4, "warnings": 1},
        "SHOP1": {"files": 1, "records": 2, "accepted": 2, "rejected": 0, "warnings": 0}}
    assert report["errors_by_code"] == {"DEPENDS_ON_REJECTED": 1, "LATE": 1, "MISSING_FIELD": 1,
                                        "OUT_OF_RANGE": 1, "UNKNOWN_CONTRACT": 1}
    assert report["files_rejected_by_code"] == {"FILE_NAME_INVALID": 1}
    assert report["consultation"] == {"requests": 4, "answered": 3, "found": 1, "not_found": 1, "not_unique": 1}
    assert report["retention"] == {"contracts_purged": 0, "contracts_deleted": 0, "persons_erased": 0,
                                   "consultations_purged": 0, "return_files_expired": 0, "archive_days_purged": 0}
    assert report["barometer_dates"] == []
    assert list(report["stages_seconds"]) == ["recover", "intake_validate_apply", "retention", "consultation",
                                              "barometers", "commit", "publish"]
    assert report["duration_seconds"] >= sum(report["stages_seconds"].values()) > 0
    assert report["peak_memory_bytes"] > 10 * 2**20


def test_report_lists_every_file_with_its_counts(night) -> None:
    ws, _ = night
    files = {(f["participant"], f["file"]): f for f in the_report(ws)["files"]}
    mut = files[("BANK1", "BANK1_MUT_20261123_000001.csv")]
    assert (mut["kind"], mut["status"], mut["records"], mut["accepted"], mut["rejected"], mut["warnings"]) == (
        "MUT", "PARTIAL", 5, 2, 3, 1)
    raad = files[("BANK1", "BANK1_RAAD_20261123_000001.csv")]
    assert (raad["status"], raad["records"], raad["accepted"], raad["rejected"]) == ("PARTIAL", 4, 3, 1)
    whole = next(f for (p, n), f in files.items() if n.startswith("levering"))
    assert (whole["status"], whole["file_error"], whole["records"]) == ("REJECTED", "FILE_NAME_INVALID", 0)
    assert files[("SHOP1", "SHOP1_MUT_20261123_000001.csv")]["status"] == "ACCEPTED"


def test_cki_run_prints_the_short_report(night) -> None:
    ws, proc = night
    out = proc.stdout
    assert "run 20261123-000001 for 2026-11-23: 4 files" in out
    assert "BANK1_MUT_20261123_000001.csv" in out and "PARTIAL" in out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  ")}
    assert lines["total"] == ["4", "11", "7", "4", "1"]
    assert "errors by code: DEPENDS_ON_REJECTED 1, LATE 1, MISSING_FIELD 1, OUT_OF_RANGE 1, UNKNOWN_CONTRACT 1" in out
    assert "files rejected whole: FILE_NAME_INVALID 1" in out
    assert "consultation: 4 requests, 3 answered: 1 found, 1 not found, 1 not unique" in out
    assert "peak memory" in out and "intake+validate+apply" in out
    assert f"run report: {ws.root / 'reports' / '2026-11-23_20261123-000001.json'}" in out


def test_no_personal_value_in_the_report_or_the_output(night) -> None:
    """Canary values of a person registered, consulted, and in rejected records and files reach no
    report, nor the stdout or stderr of `cki run` and `cki status`."""
    ws, proc = night
    status = ws.cki("status", "--config", str(ws.config))
    texts = [proc.stdout, proc.stderr, status.stdout, status.stderr,
             *(p.read_text() for p in (ws.root / "reports").iterdir())]
    for text in texts:
        text = text.lower()
        for value in CANARY_TEXTS:
            assert value not in text, value
    assert "FOUND" in (ws.root / "outbox" / "BANK1" / "BANK1_RAAD_20261123_000001.answer.csv").read_text()


def test_nights_never_share_a_report(ws: Workspace) -> None:
    """One report per committed night, named by date and run id; a night with nothing new
    commits nothing and writes none."""
    ws.deliver([new("C1")])
    assert ws.run(date(2026, 11, 22)) == 0
    ws.deliver([record("C1", "CHANGE", amount="16000")])
    assert ws.run() == 0
    assert ws.run() == 0          # nothing new
    assert sorted(p.name for p in (ws.root / "reports").iterdir()) == [
        "2026-11-22_20261122-000001.json", "2026-11-23_20261123-000002.json"]


def test_retention_counts(make_ws) -> None:
    """A year later the night purges a contract ended over 5 years before (and its person),
    the consultation of a year ago, that night's return files and archive folder."""
    ws = make_ws(archive_days=90, outbox_days=90)
    first = date(2025, 11, 1)
    ws.deliver([new("OLD", event_date="2018-10-01", theoretical_end_date="2021-10-01", **CANARY),
                record("OLD", "END", event_date="2021-10-01", actual_end_date="2021-10-01")], kind="INIT")
    ws.deliver([ask("R1")], kind="RAAD")
    assert ws.run(first) == 0
    assert the_report(ws)["consultation"]["found"] == 1
    assert ws.run() == 0
    (later,) = [p for p in (ws.root / "reports").iterdir() if p.name.startswith("2026-11-23")]
    assert json.loads(later.read_text())["retention"] == {
        "contracts_purged": 1, "contracts_deleted": 0, "persons_erased": 1, "consultations_purged": 1,
        "return_files_expired": 8, "archive_days_purged": 1}
    # INIT: result.json, errors.csv, errors.xlsx; RAAD: those three, answer.csv, answer_contracts.csv
