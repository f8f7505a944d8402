"""Attaching NEW registrations to persons (SPEC 5.1): moves, namesakes and PERSON_AMBIGUOUS."""

from __future__ import annotations

from datetime import date

import polars as pl

from tests.conftest import Workspace, new, record


def test_new_at_another_address_is_a_move_not_a_new_person(ws: Workspace) -> None:
    ws.deliver([new("C1", postcode="1011AB", house_number="12")])
    assert ws.run(date(2026, 11, 20)) == 0
    ws.deliver([new("C2", event_date="2026-11-21", postcode="3511 cd", house_number="4")])
    assert ws.run() == 0
    persons = ws.table("persons")
    assert persons.height == 1
    assert persons["postcode"].to_list() == ["3511 cd"] and persons["postcode_key"].to_list() == ["3511CD"]
    assert sorted(ws.table("addresses")["postcode_key"].to_list()) == ["1011AB", "3511CD"]


def test_namesakes_are_told_apart_by_address_and_an_unknown_address_is_ambiguous(ws: Workspace) -> None:
    """Two persons share name, birth date and initials; a NEW at neither address makes a third."""
    ws.deliver([new("C1", initials="J.P.", postcode="1011AB", house_number="12"),
                new("C2", initials="J.K.", postcode="2511EF", house_number="7")])
    assert ws.run(date(2026, 11, 18)) == 0
    ws.deliver([record("C2", "CHANGE", event_date="2026-11-19", initials="J.P.")])
    assert ws.run(date(2026, 11, 19)) == 0
    assert ws.table("persons")["initials"].to_list() == ["J.P.", "J.P."]
    name = ws.deliver([new("C3", event_date="2026-11-20", initials="J.P.", postcode="2511EF", house_number="7"),
                       new("C4", event_date="2026-11-20", initials="JP", postcode="9711LM", house_number="1")])
    assert ws.run(date(2026, 11, 20)) == 0
    assert ws.findings(name) == {(2, "birth_surname", "PERSON_AMBIGUOUS")}
    result = ws.result(name)
    assert (result["accepted"], result["warnings"], result["status"]) == (2, 1, "ACCEPTED")
    links = ws.table("borrowers").sort("contract_number")
    person = dict(zip(links["contract_number"], links["person_id"], strict=True))
    assert person["C3"] == person["C2"]
    assert person["C4"] not in (person["C1"], person["C2"])
    assert ws.table("persons").height == 3


def test_deceased_marks_the_person(ws: Workspace) -> None:
    ws.deliver([new("C1")])
    assert ws.run(date(2026, 11, 20)) == 0
    ws.deliver([record("C1", "DECEASED", event_date="2026-11-21")])
    assert ws.run() == 0
    assert ws.table("persons")["deceased_date"].to_list() == [date(2026, 11, 21)]
    assert ws.table("contracts").filter(pl.col("contract_number") == "C1").height == 1
