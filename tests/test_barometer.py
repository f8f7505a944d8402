"""Barometers through real deliveries and the ``cki`` command (SPEC 7), every count worked out by hand.

The reference date in most tests is 2026-09-30 (quarterly). The register's first night is
2026-09-01, a night on 2026-09-30 delivers what happened on 09-29 and 09-30, and the night of
2026-10-02 delivers what happened on 10-01 and produces 2026-09-30: the boundaries are the day
before, the day of and the day after the reference date.
"""

from __future__ import annotations

import os
from datetime import date

import polars as pl
import pytest

from contracts_schema.barometer import TABLES
from pipeline.cli import main
from tests.barometer_audit import audit_date
from tests.conftest import Workspace, new, record

D = date(2026, 9, 30)
NIGHT1, NIGHT2, NIGHT3 = date(2026, 9, 1), date(2026, 9, 30), date(2026, 10, 2)
PC4 = "pc4;gemeente_code;gemeente_name\n1011;GM0363;Amsterdam\n3011;GM0599;Rotterdam\n"
SURNAMES = ["Aalbers", "Bakker", "Claassen", "Dekker", "Evers", "Franken", "Gerritsen", "Hoekstra",
            "Ismail", "Jacobs", "Kok", "Lammers", "Mulder", "Nijhuis", "Oosting", "Postma", "Quint",
            "Roos", "Smit", "Tromp", "Uiterwijk", "Visser", "Wouters", "Yilmaz", "Zwart"]


def person(i: int, **fields: object) -> dict:
    """Person ``i`` of the tests: a surname of their own, born 1980-05-17, living in Amsterdam."""
    return {"birth_surname": SURNAMES[i], "initials": "A.", "birth_date": "1980-05-17",
            "postcode": "1011AB", "house_number": str(i + 1), **fields}


def ak(contract: str, i: int, start: str = "2026-01-05", **fields: object) -> dict:
    return new(contract, event_date=start, theoretical_end_date="2031-01-05", **{**person(i), **fields})


def code(contract: str, letter: str, on: str, **fields: object) -> dict:
    extra = {"arrears_since": fields.pop("arrears_since", "2026-06-01")} if letter == "A" else {}
    return record(contract, "CODE", event_date=on, code=letter, **extra, **fields)


def end(contract: str, on: str) -> dict:
    return record(contract, "END", event_date=on, actual_end_date=on)


def workspace(make_ws, **settings: object) -> Workspace:
    ws = make_ws(**settings)
    (ws.root / "pc4.csv").write_text(PC4)
    return ws


def night(ws: Workspace, on: date, *deliveries: tuple[list[dict], str]) -> None:
    for rows, kind in deliveries:
        ws.deliver(rows, kind=kind)
    assert ws.run(on) == 0


def history(ws: Workspace, name: str) -> list[dict]:
    """A published table as the analyst reads the CSV: every cell as text, empty = None."""
    path = ws.root / "outbox" / "barometer" / f"{name}.csv"
    return pl.read_csv(path, separator=";", infer_schema=False).to_dicts()


def at(rows: list[dict], key: str, value: str) -> dict:
    return next(r for r in rows if r[key] == value)


def boundary_nights(ws: Workspace) -> None:
    """Fourteen consumer credits, a joint one, an RK, two mortgages, a residual debt and a debt
    arrangement; then reports dated the day before, on and after 2026-09-30."""
    init = [ak(c, i) for i, c in enumerate(["B1", "E29", "E30", "E01", "A29", "A30", "A01", "H29", "H30", "H01"])]
    init += [ak("J", 10, borrower_no="1"), ak("J", 11, borrower_no="2"),
             new("RK1", event_date="2026-01-05", contract_type="RK", amount="5000", theoretical_end_date="",
                 **person(12)),
             new("HY1", event_date="2026-01-05", contract_type="HY", amount="", theoretical_end_date="", code="A",
                 arrears_since="2025-09-01", **person(13)),
             new("HY2", event_date="2026-01-05", contract_type="HY", amount="", theoretical_end_date="", code="A",
                 arrears_since="2025-09-01", **person(14)),
             new("RH1", event_date="2026-01-05", contract_type="RH", amount="20000", theoretical_end_date="",
                 **person(15)),
             new("RN1", event_date="2026-01-05", contract_type="RN", amount="20000", theoretical_end_date="",
                 **person(16)),
             new("SR1", event_date="2026-01-05", contract_type="SR", amount="3000",
                 theoretical_end_date="2029-01-05", **person(17))]
    arrears = [code(c, "A", "2026-08-15") for c in ("H29", "H30", "H01")] + [code("HY2", "H", "2026-08-20")]
    night(ws, NIGHT1, (init, "INIT"), (arrears, "MUT"))
    night(ws, NIGHT2, ([ak("N29", 18, start="2026-09-29"), ak("N30", 19, start="2026-09-30"),
                        end("E29", "2026-09-29"), end("E30", "2026-09-30"), end("RN1", "2026-09-29"),
                        code("A29", "A", "2026-09-29", arrears_since="2026-07-01"),
                        code("A30", "A", "2026-09-30", arrears_since="2026-07-01"),
                        code("H29", "H", "2026-09-29"), code("H30", "H", "2026-09-30")], "MUT"))
    night(ws, NIGHT3, ([ak("N01", 20, start="2026-10-01"), end("E01", "2026-10-01"),
                        code("A01", "A", "2026-10-01", arrears_since="2026-07-01"),
                        code("H01", "H", "2026-10-01")], "MUT"))


def test_counts_are_as_the_register_stood_on_the_reference_date(make_ws, capsys) -> None:
    """Running on 09-30: B1, E01 (ended after), A29, A30, A01 (A after), H29, H30, H01, J, N29,
    N30 (AK: 11) and RK1; not E29, E30 (ended on or before) nor N01 (started after).
    In arrears: A29, A30 and H01 (its H is dated after). Persons: one each, J two: 13."""
    ws = workspace(make_ws)
    boundary_nights(ws)
    assert "barometers produced for 2026-09-30" in capsys.readouterr().out
    assert history(ws, "kredietbarometer_nationaal") == [
        {"peildatum": "2026-09-30", "persons_with_credit": "13", "persons_in_arrears": "3", "contracts": "12"}]
    assert history(ws, "kredietbarometer_soort") == [
        {"peildatum": "2026-09-30", "contract_type": t, "contracts": n, "contracts_in_arrears": a}
        for t, n, a in (("AK", "11", "3"), ("OA", "0", "0"), ("RK", "1", "0"), ("VK", "0", "0"))]
    # HY1's A is open; HY2's was recovered on 08-20; RH1 runs, RN1 ended on 09-29; SR1 counts nowhere.
    assert history(ws, "hypotheekbarometer_nationaal") == [
        {"peildatum": "2026-09-30", "persons_mortgage_arrears_3m": "1", "persons_residual_debt": "1"}]


def test_the_parquet_history_is_typed(make_ws) -> None:
    ws = workspace(make_ws)
    boundary_nights(ws)
    frame = pl.read_parquet(ws.root / "outbox" / "barometer" / "kredietbarometer_gemeente.parquet")
    assert frame.schema == {"peildatum": pl.Date, "gemeente_code": pl.String, "gemeente_name": pl.String,
                            "persons_with_credit": pl.Int64, "persons_in_arrears": pl.Int64,
                            "suppressed": pl.Boolean}
    assert frame["gemeente_code"].to_list() == ["GM0363", "GM0599", "ONBEKEND"]


def test_gemeente_and_age_band_are_those_of_the_reference_date(make_ws) -> None:
    """P0 turns 35 on 09-30, P1 turns 35 on 10-01; P2 moves to Rotterdam on 10-01 (after), P3 on
    09-15 (before); P4 lives at a postcode the pc4 table lacks; P1 is in arrears.
    With min_cell_size 1 only zeros are primary."""
    ws = workspace(make_ws, min_cell_size=1)
    night(ws, NIGHT1, ([ak("G0", 0, birth_date="1991-09-30"), ak("G1", 1, birth_date="1991-10-01"),
                        ak("G2", 2, birth_date="1980-01-01"), ak("G3", 3, birth_date="1980-06-01"),
                        ak("G4", 4, birth_date="1950-01-01", postcode="9999ZZ")], "INIT"))
    night(ws, NIGHT2, ([record("G3", "CHANGE", event_date="2026-09-15", postcode="3011AA", house_number="9"),
                        code("G1", "A", "2026-09-20", arrears_since="2026-07-01")], "MUT"))
    night(ws, NIGHT3, ([record("G2", "CHANGE", event_date="2026-10-01", postcode="3011BB", house_number="3")],
                       "MUT"))
    gemeente = history(ws, "kredietbarometer_gemeente")
    # persons: Amsterdam P0 P1 P2, Rotterdam P3, ONBEKEND P4 (all >= 1, published). In arrears:
    # Amsterdam 1, Rotterdam 0, ONBEKEND 0: the zeros are primary, and Amsterdam's 1 is hidden too,
    # or it would equal the national 1 and give the zeros away.
    assert [(r["gemeente_code"], r["persons_with_credit"], r["persons_in_arrears"], r["suppressed"])
            for r in gemeente] == [("GM0363", "3", None, "true"), ("GM0599", "1", None, "true"),
                                   ("ONBEKEND", "1", None, "true")]
    assert at(gemeente, "gemeente_code", "ONBEKEND")["gemeente_name"] == "Onbekend"
    # ages on 09-30: P0 35, P1 34, P2 46, P3 46, P4 76. Zeros (18-24, 55-64, 65-74) are primary and
    # add up to 0, so the smallest published band goes too: 25-34 (1; first of the ties).
    age = {r["age_band"]: r["persons_with_credit"] for r in history(ws, "kredietbarometer_leeftijd")}
    assert age == {"18-24": None, "25-34": None, "35-44": "1", "45-54": "2", "55-64": None, "65-74": None,
                   "75+": "1"}


def test_a_cell_only_secondary_suppression_protects(make_ws) -> None:
    """Amsterdam 5, Rotterdam 1, ONBEKEND 3 persons with a credit, min_cell_size 3. Primary
    suppression alone would hide Rotterdam only, and 9 - 5 - 3 = 1 would give it away; so ONBEKEND
    (the smallest published cell) is hidden too, and Rotterdam can be anything from 0 to 4."""
    ws = workspace(make_ws, min_cell_size=3)
    places = ["1011AB"] * 5 + ["3011AA"] + ["9999ZZ"] * 3
    night(ws, NIGHT1, ([ak(f"S{i}", i, postcode=p) for i, p in enumerate(places)], "INIT"))
    night(ws, NIGHT3)
    assert history(ws, "kredietbarometer_nationaal")[0]["persons_with_credit"] == "9"
    gemeente = history(ws, "kredietbarometer_gemeente")
    assert [(r["gemeente_code"], r["persons_with_credit"]) for r in gemeente] == [
        ("GM0363", "5"), ("GM0599", None), ("ONBEKEND", None)]
    intervals = audit_date(ws.root / "outbox" / "barometer", "2026-09-30")
    assert intervals[("kredietbarometer_gemeente", "GM0599", "persons_with_credit")] == (0, 4)
    assert all(low == 0 and high >= min(3, total) for low, high, total in intervals.values_with_totals())


def test_monthly_frequency_catches_up_every_month_once(make_ws, capsys) -> None:
    """First run 08-15: the night of 10-02 owes 08-31 and 09-30; a second run that night, and the
    next night, owe nothing."""
    ws = workspace(make_ws, barometer={"frequency": "monthly", "consumer_credit_types": ["AK", "RK", "VK", "OA"]})
    night(ws, date(2026, 8, 15), ([ak("M1", 0, start="2026-08-01")], "INIT"))
    night(ws, NIGHT3, ([ak("M2", 1, start="2026-09-10")], "MUT"))
    assert "barometers produced for 2026-08-31, 2026-09-30" in capsys.readouterr().out
    night(ws, NIGHT3, ([ak("M3", 2, start="2026-09-20")], "MUT"))
    night(ws, date(2026, 10, 3))
    assert "barometers produced" not in capsys.readouterr().out
    rows = history(ws, "kredietbarometer_nationaal")
    assert [(r["peildatum"], r["contracts"]) for r in rows] == [("2026-08-31", "1"), ("2026-09-30", "2")]


def test_quarterly_frequency_skips_month_ends(make_ws) -> None:
    ws = workspace(make_ws)
    night(ws, date(2026, 8, 15), ([ak("M1", 0, start="2026-08-01")], "INIT"))
    night(ws, NIGHT3)
    assert [r["peildatum"] for r in history(ws, "kredietbarometer_nationaal")] == ["2026-09-30"]


def test_a_late_report_changes_a_produced_date_only_when_restated(make_ws, capsys) -> None:
    """An A dated 09-20 arrives on 10-10, after 09-30 was produced: the history keeps what the
    register knew then, until ``cki barometer --peildatum 2026-09-30`` restates it."""
    ws = workspace(make_ws)
    night(ws, NIGHT1, ([ak("L1", 0), ak("L2", 1)], "INIT"))
    night(ws, NIGHT3)
    night(ws, date(2026, 10, 10), ([code("L1", "A", "2026-09-20", arrears_since="2026-07-01")], "MUT"))
    assert history(ws, "kredietbarometer_nationaal")[0]["persons_in_arrears"] == "0"
    capsys.readouterr()
    assert main(["barometer", "--peildatum", "2026-09-30", "--config", str(ws.config)]) == 0
    assert "2 persons with a consumer credit, 1 in arrears" in capsys.readouterr().out
    assert history(ws, "kredietbarometer_nationaal") == [
        {"peildatum": "2026-09-30", "persons_with_credit": "2", "persons_in_arrears": "1", "contracts": "2"}]
    assert ws.table("kredietbarometer_nationaal").height == 1


def test_a_date_counted_while_the_night_writes_is_what_a_restatement_counts(make_ws, capsys) -> None:
    """The night counts its date on the tables as its plan leaves them, while it writes them
    (decision 118). The producing night brings a NEW dated the day before, an A and an END dated
    before 09-30, and a DELETE: on 09-30 L1 (in arrears), L4 and N29 run, L2 has ended and L3
    never existed. ``cki barometer`` counting again on the register the night committed agrees."""
    ws = workspace(make_ws)
    night(ws, NIGHT1, ([ak(c, i) for i, c in enumerate(["L1", "L2", "L3", "L4"])], "INIT"))
    night(ws, NIGHT3, ([ak("N29", 4, start="2026-09-29"), code("L1", "A", "2026-09-20", arrears_since="2026-07-01"),
                        end("L2", "2026-09-15"), record("L3", "DELETE", event_date="2026-10-01")], "MUT"))
    names = [t.name for t in TABLES]
    produced = {name: history(ws, name) for name in names}
    assert produced["kredietbarometer_nationaal"] == [
        {"peildatum": "2026-09-30", "persons_with_credit": "3", "persons_in_arrears": "1", "contracts": "3"}]
    capsys.readouterr()
    assert main(["barometer", "--peildatum", "2026-09-30", "--config", str(ws.config)]) == 0
    assert {name: history(ws, name) for name in names} == produced


@pytest.mark.parametrize(("peildatum", "message"), [
    ("2026-09-29", "2026-09-29 is not the last day of a quarter"),
    ("2026-08-31", "2026-08-31 is not the last day of a quarter"),
    ("2099-12-31", "2099-12-31 has not passed yet"),
    ("2025-12-31", "2025-12-31 lies before 2026-09-01"),
])
def test_barometer_refuses_a_date_it_cannot_produce(make_ws, peildatum: str, message: str) -> None:
    ws = workspace(make_ws)
    night(ws, NIGHT1, ([ak("R1", 0)], "INIT"))
    done = ws.cki("barometer", "--peildatum", peildatum, "--config", str(ws.config))
    assert done.returncode == 2
    assert done.stderr.startswith(f"cki: {message}") and done.stderr.count("\n") == 1
    assert not (ws.root / "outbox" / "barometer").exists()


def test_a_retention_purge_leaves_the_history_as_it_was(make_ws) -> None:
    """P1's credit ends on 2026-10-01 and is purged five years later; 2026-09-30 still counts it."""
    ws = workspace(make_ws)
    night(ws, NIGHT1, ([ak("P1", 0), ak("P2", 1)], "INIT"))
    night(ws, NIGHT3, ([end("P1", "2026-10-01")], "MUT"))
    before = {name: history(ws, name) for name in ("kredietbarometer_nationaal", "kredietbarometer_gemeente")}
    assert ws.run(date(2031, 10, 2)) == 0
    assert ws.table("contracts")["contract_number"].to_list() == ["P2"]
    after = {name: [r for r in history(ws, name) if r["peildatum"] == "2026-09-30"] for name in before}
    assert after == before
    assert before["kredietbarometer_nationaal"][0]["contracts"] == "2"
    latest = history(ws, "kredietbarometer_nationaal")[-1]
    assert (latest["peildatum"], latest["contracts"]) == ("2031-09-30", "1")


def _before_the_producing_night(ws: Workspace) -> None:
    night(ws, NIGHT1, ([ak("K1", 0), ak("K2", 1, postcode="3011AA")], "INIT"))
    ws.deliver([code("K1", "A", "2026-09-20", arrears_since="2026-07-01")])


@pytest.mark.parametrize("point", ["table_written:3", "before_commit", "after_commit", "publish_file:3",
                                   "publish_file:9"])
def test_a_crash_while_producing_converges_to_an_uninterrupted_night(make_ws, tmp_path, point: str) -> None:
    """Killed anywhere in the night that produces 2026-09-30: the next run leaves the same history
    in the register and byte-identical files in outbox/barometer/ as a night never interrupted."""
    crashed, clean = Workspace(tmp_path / "crashed"), Workspace(tmp_path / "clean")
    for ws in (crashed, clean):
        (ws.root / "pc4.csv").write_text(PC4)
        _before_the_producing_night(ws)
    proc = crashed.cki("run", "--config", str(crashed.config), "--date", NIGHT3.isoformat(),
                       env={**os.environ, "CKI_CRASH_AT": point})
    assert proc.returncode == -9, proc.stderr
    assert crashed.run(NIGHT3) == 0 and clean.run(NIGHT3) == 0
    for table in ("kredietbarometer_nationaal", "kredietbarometer_gemeente", "hypotheekbarometer_leeftijd"):
        assert crashed.table(table).equals(clean.table(table)), table
    files = sorted(p.name for p in (clean.root / "outbox" / "barometer").iterdir())
    assert len(files) == 15
    for name in files:
        assert (crashed.root / "outbox" / "barometer" / name).read_bytes() == \
            (clean.root / "outbox" / "barometer" / name).read_bytes(), name
    assert history(clean, "kredietbarometer_nationaal")[0]["persons_in_arrears"] == "1"
