"""Retention ends on its day (SPEC 1, 8): what the run date purges is gone before anything that
night reads the register."""

from __future__ import annotations

from datetime import date

import polars as pl

from tests.conftest import Workspace
from tests.test_consultation import ask, end, person, reg


def _answer(ws: Workspace, on: date, request_id: str, who: dict) -> dict:
    name = ws.deliver([ask(request_id, who)], "BANK1", "RAAD")
    assert ws.run(on) == 0
    stem = name.rsplit(".", 1)[0]
    return pl.read_csv(ws.root / "outbox" / "BANK1" / f"{stem}.answer.csv", separator=";",
                       infer_schema=False).row(0, named=True)


def test_a_registration_is_shown_on_its_last_day_and_not_the_night_its_retention_ends(ws: Workspace) -> None:
    """Ended 2021-11-20, so kept until 2026-11-20: answered on 11-19, purged before the
    answers of 11-20 (the person has nothing else, so they are not found at all)."""
    who = person("Rietveld", birth_date="1970-02-03")
    ws.deliver([reg("OLD1", who, start="2018-01-02", theoretical_end_date="2023-01-02"),
                end("OLD1", "2021-11-20")], "BANK1", "INIT")
    assert ws.run(date(2026, 11, 1)) == 0
    last_day = _answer(ws, date(2026, 11, 19), "R1", who)
    assert (last_day["match_status"], last_day["contracts_ended"]) == ("FOUND", "1")
    purged = _answer(ws, date(2026, 11, 20), "R2", who)
    assert (purged["match_status"], purged["status_color"], purged["status_reasons"]) == (
        "NOT_FOUND", "GROEN", "NOT_KNOWN")
    assert ws.table("contracts").height == 0 and ws.table("persons").height == 0
