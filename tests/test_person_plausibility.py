"""Implausible person data is rejected with IMPLAUSIBLE_NAME; Dutch names stay accepted (issue 15.2).

Through real files and the ``cki`` command. The golden table pins [line, field, code]; the rule
lives in ``contracts_schema/plausibility.py`` and the file-format reference shows it.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import RUN_DATE, Workspace, new, record

IMPLAUSIBLE = "IMPLAUSIBLE_NAME"
NAME_RULE = "a name holds a letter and starts with no =, +, - or @"


def test_formula_like_and_letterless_names_are_rejected_and_dutch_names_accepted(ws: Workspace) -> None:
    rows = [
        new("C1", birth_surname="=1+2"),
        new("C2", birth_surname="@SUM(A1)"),
        new("C3", birth_surname="-2+3"),
        new("C4", birth_surname="+31612345678"),
        new("C5", birth_surname="123"),
        new("C6", initials="J.1"),
        new("C7", surname_prefix="=van"),
        new("C8", birth_surname="=HYPERLINK(1)", initials="1"),      # two fields, two findings
        new("C9", birth_surname="'t Hart", initials="É."),
        new("C10", birth_surname="Brühl-Noël", initials="J. P."),
        new("C11", birth_surname="d'Ancona", initials="a.b."),
        new("C12", birth_surname="Hart", surname_prefix="'t"),
        new("C13", birth_surname="Ancona", surname_prefix="d'"),
    ]
    name = ws.deliver(rows)
    assert ws.run() == 0
    assert ws.findings(name) == {
        (1, "birth_surname", IMPLAUSIBLE), (2, "birth_surname", IMPLAUSIBLE), (3, "birth_surname", IMPLAUSIBLE),
        (4, "birth_surname", IMPLAUSIBLE), (5, "birth_surname", IMPLAUSIBLE), (6, "initials", IMPLAUSIBLE),
        (7, "surname_prefix", IMPLAUSIBLE), (8, "birth_surname", IMPLAUSIBLE), (8, "initials", IMPLAUSIBLE),
    }
    result = ws.result(name)
    assert (result["status"], result["accepted"], result["rejected"]) == ("PARTIAL", 5, 8)
    persons = ws.table("persons")
    assert sorted(zip(persons["surname_prefix"].fill_null(""), persons["birth_surname"], strict=True)) == [
        ("", "'t Hart"), ("", "Brühl-Noël"), ("", "d'Ancona"), ("'t", "Hart"), ("d'", "Ancona")]


def test_the_message_quotes_the_value_names_the_rule_and_says_what_to_do(ws: Workspace) -> None:
    name = ws.deliver([new("C1", birth_surname="=1+2"), new("C2", initials="J.1")])
    assert ws.run() == 0
    errors = ws.errors(name)
    assert errors["message"].to_list() == [
        f"birth_surname '=1+2' is not a plausible name: {NAME_RULE}. Correct it as it is written on the "
        "person's identity document.",
        "initials 'J.1' is not a plausible name: initials are letters and dots only (J.P. or J. P.). Correct it "
        "as it is written on the person's identity document."]
    assert errors["birth_surname"][0] == "'=1+2"          # echoed so that a spreadsheet cannot run it


def test_control_characters_are_quoted_escaped(ws: Workspace) -> None:
    name = ws.deliver([new("C1", birth_surname="=\x1b[2J")])
    assert ws.run() == 0
    assert ws.errors(name)["message"][0].startswith("birth_surname '=\\x1b[2J' is not a plausible name")


def test_a_change_to_an_implausible_name_is_rejected(ws: Workspace) -> None:
    ws.deliver([new("C1")])
    assert ws.run(date(2026, 11, 22)) == 0
    name = ws.deliver([record("C1", "CHANGE", birth_surname="+31612345678")])
    assert ws.run() == 0
    assert ws.findings(name) == {(1, "birth_surname", IMPLAUSIBLE)}
    assert ws.table("persons")["birth_surname"].to_list() == ["Jansen"]


def test_a_consultation_request_with_an_implausible_name_is_rejected(ws: Workspace) -> None:
    ask = {"purpose": "ACCEPTATIE", "initials": "J.P.", "birth_date": "1980-05-17"}
    name = ws.deliver([{"request_id": "R1", "birth_surname": "@SUM(A1)", **ask},
                       {"request_id": "R2", "birth_surname": "Jansen", **ask}], kind="RAAD")
    assert ws.run() == 0
    assert ws.findings(name) == {(1, "birth_surname", IMPLAUSIBLE)}
    answered = (ws.root / "outbox" / "BANK1" / name.replace(".csv", ".answer.csv")).read_text()
    assert "R2" in answered and "R1" not in answered


def test_cki_validate_gives_the_same_findings(ws: Workspace) -> None:
    name = ws.deliver([new("C1", birth_surname="-2+3"), new("C2", birth_surname="Brühl-Noël")])
    path = ws.root / "inbox" / "BANK1" / name
    out = ws.root / "dry.errors.csv"
    proc = ws.cki("validate", str(path), "--config", str(ws.config), "--date", RUN_DATE.isoformat(), "--out", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{IMPLAUSIBLE:<28} 1" in proc.stdout
    validated = out.read_text()
    assert ws.run() == 0
    assert (ws.root / "outbox" / "BANK1" / name.replace(".csv", ".errors.csv")).read_text() == validated
    assert ws.findings(name) == {(1, "birth_surname", IMPLAUSIBLE)}


def test_the_file_format_reference_shows_the_rule(ws: Workspace) -> None:
    proc = ws.cki("file-format")
    assert proc.returncode == 0, proc.stderr
    assert f"| `birth_surname` | {NAME_RULE} |" in proc.stdout
    assert "| `initials` | initials are letters and dots only (J.P. or J. P.) |" in proc.stdout
    assert f"| `{IMPLAUSIBLE}` | record |" in proc.stdout
