"""`cki contract PARTICIPANT NUMBER [--as-of DATE] [--json]`: a contract's state on a date and its
history for a dispute (SPEC 6, 8; decisions 76, 77), through real deliveries and the command."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipeline.cli import main
from tests.conftest import Workspace, new, record

MUT = "BANK1_MUT_20261123_{:06d}.csv"          # the names conftest's ``deliver`` gives, by sequence
RUNS = ["20261110-000001", "20261201-000002", "20270215-000003", "20270310-000004", "20270401-000005"]


@pytest.fixture(scope="module")
def life(tmp_path_factory) -> Workspace:
    """C1 over five nights: NEW (AK 15000, 2026-11-10); a CHANGE of amount to 20000 and a move
    (2026-11-30) beside a rejected H (no A yet); an A (arrears since 2026-12-10) on 2027-02-15; an
    H on 2027-03-10; an END on 2027-04-01. C2, of the same borrower, stays out of C1's history.
    ``outbox_days`` 400 keeps every night's errors.csv."""
    ws = Workspace(tmp_path_factory.mktemp("life"), outbox_days=400)
    nights = [
        (date(2026, 11, 10), [new("C1", event_date="2026-11-10"), new("C2", event_date="2026-11-10")]),
        (date(2026, 12, 1), [record("C1", "CHANGE", event_date="2026-11-30", amount=20000),
                             record("C1", "CODE", event_date="2026-11-30", code="H"),
                             record("C1", "CHANGE", event_date="2026-11-30", postcode="1012CD", house_number=5)]),
        (date(2027, 2, 15), [record("C1", "CODE", event_date="2027-02-15", code="A", arrears_since="2026-12-10")]),
        (date(2027, 3, 10), [record("C1", "CODE", event_date="2027-03-10", code="H")]),
        (date(2027, 4, 1), [record("C1", "END", event_date="2027-04-01", actual_end_date="2027-04-01")]),
    ]
    for on, rows in nights:
        ws.deliver(rows)
        assert ws.run(on) == 0
    return ws


def contract(ws: Workspace, capsys, *args: str) -> tuple[int, str]:
    """``cki contract`` in this process: its exit code and stdout."""
    capsys.readouterr()
    code = main(["contract", "--config", str(ws.config), *args])
    return code, capsys.readouterr().out


def state(out: str) -> dict[str, list[str]]:
    """The indented label/value lines under the first line, as label → values."""
    found: dict[str, list[str]] = {}
    label = ""
    for line in out.splitlines()[1:]:
        if not line.startswith("  "):
            break
        label = line[2:19].strip() or label
        found.setdefault(label, []).append(line[19:])
    return found


def history(out: str) -> list[list[str]]:
    """The history table's rows, cut at two or more spaces (the result column keeps its spaces)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("history ("))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("  "):
            break
        cells = line.split()
        rows.append([*cells[:6], " ".join(cells[6:])])
    return rows


FULL_HISTORY = [
    ["2026-11-10", RUNS[0], MUT.format(1), "1", "NEW", "2026-11-10",
     "applied: AK, amount 15000, theoretical end 2031-11-10, borrower 1"],
    ["2026-12-01", RUNS[1], MUT.format(2), "1", "CHANGE", "2026-11-30", "applied: amount 20000"],
    ["2026-12-01", RUNS[1], MUT.format(2), "2", "CODE", "2026-11-30", "rejected: H_WITHOUT_A (code)"],
    ["2026-12-01", RUNS[1], MUT.format(2), "3", "CHANGE", "2026-11-30", "applied: person data"],
    ["2027-02-15", RUNS[2], MUT.format(3), "1", "CODE", "2027-02-15", "applied: code A, arrears since 2026-12-10"],
    ["2027-03-10", RUNS[3], MUT.format(4), "1", "CODE", "2027-03-10", "applied: code H"],
    ["2027-04-01", RUNS[4], MUT.format(5), "1", "END", "2027-04-01", "applied: end 2027-04-01"],
]


def test_the_default_date_is_the_last_run_and_the_history_is_every_record_in_order(life, capsys) -> None:
    code, out = contract(life, capsys, "BANK1", "C1")
    assert code == 0
    assert out.splitlines()[0] == f"BANK1 C1 on 2027-04-01: ended (register version 5, last run {RUNS[4]})"
    assert state(out) == {
        "contract type": ["AK"], "amount": ["20000"], "start date": ["2026-11-10"],
        "theoretical end": ["2031-11-10"], "actual end date": ["2027-04-01"], "arrears": ["none open"],
        "terms valid": ["from 2027-04-01"],
        "codes": ["A 2027-02-15 (arrears since 2026-12-10)", "H 2027-03-10"],
        "borrowers": ["1: person 1 from 2026-11-10"]}
    assert "history (6 applied, 1 rejected):" in out
    assert history(out) == FULL_HISTORY


@pytest.mark.parametrize(("as_of", "status", "amount", "arrears", "terms", "codes"), [
    ("2026-11-29", "running", "15000", "none open", "from 2026-11-10 until 2026-11-30", ["-"]),
    ("2026-11-30", "running", "20000", "none open", "from 2026-11-30 until 2027-02-15", ["-"]),
    ("2027-02-14", "running", "20000", "none open", "from 2026-11-30 until 2027-02-15", ["-"]),
    ("2027-02-15", "running", "20000", "open since 2026-12-10", "from 2027-02-15 until 2027-03-10",
     ["A 2027-02-15 (arrears since 2026-12-10)"]),
    ("2027-03-09", "running", "20000", "open since 2026-12-10", "from 2027-02-15 until 2027-03-10",
     ["A 2027-02-15 (arrears since 2026-12-10)"]),
    ("2027-03-10", "running", "20000", "none open", "from 2027-03-10 until 2027-04-01",
     ["A 2027-02-15 (arrears since 2026-12-10)", "H 2027-03-10"]),
    ("2027-03-31", "running", "20000", "none open", "from 2027-03-10 until 2027-04-01",
     ["A 2027-02-15 (arrears since 2026-12-10)", "H 2027-03-10"]),
    ("2030-01-01", "ended", "20000", "none open", "from 2027-04-01",
     ["A 2027-02-15 (arrears since 2026-12-10)", "H 2027-03-10"]),
])
def test_the_state_before_and_after_each_change(life, capsys, as_of, status, amount, arrears, terms, codes) -> None:
    """A version holds from its valid_from up to (not including) the next one's; an A counts from
    its date, an H closes it from its date; the END's date is the first day it no longer runs."""
    code, out = contract(life, capsys, "BANK1", "C1", "--as-of", as_of)
    assert code == 0
    assert out.splitlines()[0] == f"BANK1 C1 on {as_of}: {status} (register version 5, last run {RUNS[4]})"
    seen = state(out)
    assert (seen["amount"], seen["arrears"], seen["terms valid"], seen["codes"]) == ([amount], [arrears], [terms],
                                                                                     codes)
    assert seen["actual end date"] == (["2027-04-01"] if status == "ended" else ["-"])
    assert history(out) == FULL_HISTORY           # the history is the whole one, whatever the date


def test_before_its_start_the_contract_is_not_started(life, capsys) -> None:
    code, out = contract(life, capsys, "BANK1", "C1", "--as-of", "2026-11-09")
    assert code == 0
    assert out.splitlines()[0] == f"BANK1 C1 on 2026-11-09: not started (register version 5, last run {RUNS[4]})"
    assert state(out) == {"start date": ["2026-11-10"]}


def test_code_5_is_active_from_its_date_until_its_code_end(make_ws, capsys) -> None:
    """A mortgage registered with a code 5 on 2026-10-01 whose arrangement ended on 2026-11-20:
    the CODE_END removes the code from the registration (SPEC 1), the history keeps both."""
    ws = make_ws()
    ws.deliver([new("H1", event_date="2026-10-01", contract_type="HY", amount=None, theoretical_end_date=None,
                    code="5")], kind="INIT")
    assert ws.run(date(2026, 11, 1)) == 0
    ws.deliver([record("H1", "CODE_END", event_date="2026-11-20", code="5")])
    assert ws.run(date(2026, 11, 23)) == 0
    _, during = contract(ws, capsys, "BANK1", "H1", "--as-of", "2026-11-19")
    _, after = contract(ws, capsys, "BANK1", "H1")
    assert state(during)["code 5"] == ["active (preventive arrangement)"]
    assert state(during)["amount"] == ["-"] and state(during)["terms valid"] == ["from 2026-10-01 until 2026-11-20"]
    assert "code 5" not in state(after) and state(after)["codes"] == ["-"]
    assert [row[4:] for row in history(after)] == [["NEW", "2026-10-01", "applied: HY, code 5, borrower 1"],
                                                   ["CODE_END", "2026-11-20", "applied: code 5"]]


def test_json_holds_the_same_facts(life, capsys) -> None:
    code, out = contract(life, capsys, "BANK1", "C1", "--as-of", "2027-02-20", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["as_of"], report["registered"], report["register_version"], report["last_run"]) == (
        "2027-02-20", True, 5, RUNS[4])
    assert report["state"] == {
        "status": "running", "contract_type": "AK", "amount": 20000, "start_date": "2026-11-10",
        "theoretical_end_date": "2031-11-10", "actual_end_date": None, "arrears_open": True,
        "arrears_since": "2026-12-10", "code5_active": False,
        "terms_valid_from": "2027-02-15", "terms_valid_to": "2027-03-10"}
    assert [(c["code"], c["code_date"], c["arrears_since"], c["run_id"], c["file"], c["line_no"])
            for c in report["codes"]] == [("A", "2027-02-15", "2026-12-10", RUNS[2], MUT.format(3), 1)]
    assert report["borrowers"] == [{"borrower_no": 1, "person_id": 1, "valid_from": "2026-11-10"}]
    assert [[e["run_date"], e["run_id"], e["file"], str(e["line_no"]), e["mutation_type"], e["event_date"]]
            for e in report["events"]] == [row[:6] for row in FULL_HISTORY]
    assert [(e["result"], e["findings"]) for e in report["events"]][1:3] == [
        ("applied", []), ("rejected", [{"error_code": "H_WITHOUT_A", "field": "code"}])]
    assert report["purges"] == []


def test_no_name_address_or_birth_date_is_printed(life, capsys) -> None:
    """Borrowers are person ids; a move is 'person data', never the address (decision 77)."""
    for args in (("BANK1", "C1"), ("BANK1", "C1", "--json")):
        _, out = contract(life, capsys, *args)
        for personal in ("Jansen", "J.P.", "1980-05-17", "1011AB", "1012CD"):
            assert personal not in out


def test_an_unknown_contract_is_one_line_and_exit_1_with_its_rejected_records(life, capsys) -> None:
    code, out = contract(life, capsys, "BANK1", "NOPE")
    assert code == 1
    assert out.splitlines()[0] == "BANK1 NOPE: no such contract in the register (version 5)"
    assert "history" not in out
    code, out = contract(life, capsys, "BANK9", "C1")
    assert code == 1
    assert out.splitlines()[0] == ("BANK9 C1: no such contract in the register (version 5); "
                                   "BANK9 is not a participant in config.yaml")


def test_a_never_registered_contract_shows_its_rejected_new(make_ws, capsys) -> None:
    """A NEW of 100 euros (under the AK minimum of 500) left no registration, but the operator
    sees that it came, and why it was refused."""
    ws = make_ws()
    name = ws.deliver([new("X1", amount=100)])
    assert ws.run(date(2026, 11, 23)) == 0
    code, out = contract(ws, capsys, "BANK1", "X1")
    assert code == 1
    assert out.splitlines()[0] == "BANK1 X1: no such contract in the register (version 1)"
    assert history(out) == [["2026-11-23", "20261123-000001", name, "1", "NEW", "2026-11-10",
                             "rejected: OUT_OF_RANGE (amount)"]]


def test_a_number_a_spreadsheet_would_read_as_a_formula(make_ws, capsys) -> None:
    """errors.csv writes '-X1 with a quote before it (OWASP CSV injection); the command finds
    the record under the number as delivered (given after ``--``, as it starts with a dash)."""
    ws = make_ws()
    name = ws.deliver([new("-X1", amount=100)])
    assert ws.run(date(2026, 11, 23)) == 0
    code, out = contract(ws, capsys, "BANK1", "--", "-X1")
    assert code == 1
    assert history(out) == [["2026-11-23", "20261123-000001", name, "1", "NEW", "2026-11-10",
                             "rejected: OUT_OF_RANGE (amount)"]]


def test_before_the_first_night_nothing_is_registered(ws, capsys) -> None:
    code, out = contract(ws, capsys, "BANK1", "C1")
    assert code == 1
    assert out.splitlines()[0] == "BANK1 C1: no such contract: no night has run yet, the register is empty"
    assert not (ws.root / "register").exists()          # a look creates nothing


def test_a_record_applied_with_a_warning_shows_it(make_ws, capsys) -> None:
    """Under late_records: accept, a NEW reported 44 days after its date is applied, with LATE."""
    ws = make_ws(late_records="accept")
    name = ws.deliver([new("L1", event_date="2026-10-10")])
    assert ws.run(date(2026, 11, 23)) == 0
    code, out = contract(ws, capsys, "BANK1", "L1")
    assert code == 0
    assert history(out) == [["2026-11-23", "20261123-000001", name, "1", "NEW", "2026-10-10",
                             "applied: AK, amount 15000, theoretical end 2031-11-10, borrower 1"
                             "; warning LATE (event_date)"]]


def test_a_contract_purged_by_retention_is_one_clear_line(make_ws, capsys) -> None:
    """Ended 2021-11-20, so kept until 2026-11-19 and removed by the night of 2026-11-20; the
    purge manifest knows its key only as a keyed hash, which the command recomputes."""
    ws = make_ws()
    ws.deliver([new("OLD1", event_date="2018-01-02", theoretical_end_date="2023-01-02"),
                record("OLD1", "END", event_date="2021-11-20", actual_end_date="2021-11-20")], kind="INIT")
    assert ws.run(date(2026, 11, 1)) == 0
    ws.deliver([new("C5", event_date="2026-11-19")])
    assert ws.run(date(2026, 11, 19)) == 0
    code, out = contract(ws, capsys, "BANK1", "OLD1")
    assert (code, out.splitlines()[0]) == (0, "BANK1 OLD1 on 2026-11-19: ended (register version 2, "
                                              "last run 20261119-000002)")
    ws.deliver([new("C6", event_date="2026-11-20")])
    assert ws.run(date(2026, 11, 20)) == 0
    code, out = contract(ws, capsys, "BANK1", "OLD1")
    assert code == 1
    assert out.splitlines()[0] == ("BANK1 OLD1: removed on 2026-11-20 when its retention ended, 5 years after "
                                   "its end (run 20261120-000003); the register keeps nothing of it but that fact")
    assert "history" not in out
    report = json.loads(contract(ws, capsys, "BANK1", "OLD1", "--json")[1])
    assert (report["registered"], report["state"], report["events"]) == (False, None, [])
    assert report["purges"] == [{"reason": "RETENTION", "purged_on": "2026-11-20", "run_id": "20261120-000003"}]


def test_a_deleted_contract_keeps_only_its_delete(make_ws, capsys) -> None:
    """A DELETE erases the registration and its earlier events; the DELETE event stays (decision 13)."""
    ws = make_ws()
    ws.deliver([new("D1")])
    assert ws.run(date(2026, 11, 22)) == 0
    name = ws.deliver([record("D1", "DELETE", event_date="2026-11-23")])
    assert ws.run(date(2026, 11, 23)) == 0
    code, out = contract(ws, capsys, "BANK1", "D1")
    assert code == 1
    assert out.splitlines()[0] == ("BANK1 D1: erased by a DELETE on 2026-11-23 (run 20261123-000002); "
                                   "only the DELETE itself is kept")
    assert history(out) == [["2026-11-23", "20261123-000002", name, "1", "DELETE", "2026-11-23", "applied"]]


def test_the_installed_command(life) -> None:
    """The console command in its own process: stdout, exit codes, and a wrong date is exit 2."""
    proc = life.cki("contract", "BANK1", "C1", "--as-of", "2027-02-15", "--config", str(life.config))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("BANK1 C1 on 2027-02-15: running")
    assert life.cki("contract", "BANK1", "NOPE", "--config", str(life.config)).returncode == 1
    assert life.cki("contract", "BANK1", "C1", "--as-of", "15-02-2027", "--config", str(life.config)).returncode == 2
