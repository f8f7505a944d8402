"""Return files show in a spreadsheet exactly what was delivered (issue 15; decisions 84–86).

Return CSVs start with a UTF-8 BOM; beside every errors.csv an errors.xlsx holds the same rows with
every delivered value a text cell, never a formula. Through real deliveries and the ``cki``
command; the workbooks are read back with openpyxl. docs/check_spreadsheet.sh shows the same files
in LibreOffice in a Dutch locale.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import polars as pl

from contracts_schema.returns import ERASED_MESSAGE
from pipeline.cli import main
from pipeline.fsio import formula_safe, unquoted
from pipeline.outbox import spreadsheet
from tests.conftest import RUN_DATE, Workspace, _stem, new, record
from tests.test_consultation import ask, person

BOM = b"\xef\xbb\xbf"
# The values a Dutch spreadsheet would turn into numbers, dates or formulas, and an accented name.
HOSTILE = {"C1": {"amount": "7.500", "birth_date": "28-02-1990", "house_number": "0012",
                  "birth_surname": "Brühl-Noël", "initials": "=1+2", "surname_prefix": "@SUM(A1)",
                  "house_number_suffix": "+31"},
           "C2": {"amount": "x", "initials": "-5", "house_number_suffix": "'=x", "postcode": "1011 AB"}}


def read_book(path: Path) -> tuple[list[str], list[list], list[list[str]]]:
    """The errors sheet's header, its rows of values, and each cell's openpyxl type ('s' text,
    'n' number or blank, 'f' formula); the workbook's sheet names must be ``errors`` alone."""
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["errors"]
    rows = list(book["errors"].iter_rows())
    return ([c.value for c in rows[0]], [[c.value for c in row] for row in rows[1:]],
            [[c.data_type for c in row] for row in rows])


def csv_rows(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator=";", infer_schema=False)


def test_every_delivered_value_is_a_text_cell_as_delivered(ws: Workspace) -> None:
    name = ws.deliver([new(contract, **values) for contract, values in HOSTILE.items()])
    assert ws.run() == 0
    folder = ws.root / "outbox" / "BANK1"
    header, rows, types = read_book(folder / f"{_stem(name)}.errors.xlsx")
    errors = csv_rows(folder / f"{_stem(name)}.errors.csv")
    assert header == errors.columns and len(rows) == errors.height > 2
    assert all(t == "s" for t in types[0])                                 # the header: text
    for row, kinds in zip(rows, types[1:], strict=True):
        cells = dict(zip(header, row, strict=True))
        assert isinstance(cells["line_no"], int) and kinds[0] == "n"
        assert all(kind == "s" or value is None for value, kind in zip(row[1:], kinds[1:], strict=True))
        delivered = new(cells["contract_number"], **HOSTILE[cells["contract_number"]])
        assert {c: cells[c] for c in delivered} == {c: v or None for c, v in delivered.items()}
    assert not [kind for kinds in types for kind in kinds if kind == "f"]
    book = openpyxl.load_workbook(folder / f"{_stem(name)}.errors.xlsx")["errors"]
    assert book.freeze_panes == "A2" and book.auto_filter.ref == f"A1:AA{len(rows) + 1}"


def test_the_workbook_holds_the_rows_of_the_csv_without_its_quotes(ws: Workspace) -> None:
    """errors.csv quotes formula-like values (SPEC 4); the workbook needs no quote: the same rows."""
    name = ws.deliver([new(contract, **values) for contract, values in HOSTILE.items()])
    assert ws.run() == 0
    folder = ws.root / "outbox" / "BANK1"
    errors = csv_rows(folder / f"{_stem(name)}.errors.csv")
    assert {"'=1+2", "'@SUM(A1)", "'+31", "'-5", "''=x"} <= set(errors.select(pl.all()).unpivot()["value"])
    _, rows, _ = read_book(folder / f"{_stem(name)}.errors.xlsx")
    as_delivered = errors.select(unquoted(pl.col(c)) for c in errors.columns)
    assert [tuple(None if v is None else str(v) for v in row) for row in rows] == as_delivered.rows()


def test_return_csvs_start_with_a_bom_and_read_back_cleanly(ws: Workspace) -> None:
    mut = ws.deliver([new("C1", amount="1", birth_surname="Brühl-Noël")])
    raad = ws.deliver([ask("R1", person("Brühl-Noël"))], kind="RAAD")
    assert ws.run() == 0
    folder = ws.root / "outbox" / "BANK1"
    files = [f"{_stem(mut)}.errors.csv", f"{_stem(raad)}.errors.csv", f"{_stem(raad)}.answer.csv",
             f"{_stem(raad)}.answer_contracts.csv"]
    for file in files:
        data = (folder / file).read_bytes()
        assert data.startswith(BOM) and not data[3:].startswith(BOM), file
        assert csv_rows(folder / file).columns[0] in ("line_no", "request_id"), file
    assert csv_rows(folder / files[0])["birth_surname"].to_list() == ["Brühl-Noël"]
    assert ws.findings(mut) == {(1, "amount", "OUT_OF_RANGE")}


def test_the_switch_off_writes_no_workbook(make_ws) -> None:
    ws = make_ws(outputs={"errors_xlsx": False})
    name = ws.deliver([new("C1", amount="1")])
    assert ws.run() == 0
    assert sorted(p.name for p in (ws.root / "outbox" / "BANK1").iterdir()) == [
        f"{_stem(name)}.errors.csv", f"{_stem(name)}.result.json"]


def test_validate_writes_the_workbook_beside_the_errors_file(ws: Workspace, tmp_path: Path) -> None:
    name = ws.deliver([new("C1", **HOSTILE["C1"])])
    out = tmp_path / "checked"
    out.mkdir()
    stdout = io.StringIO()
    with redirect_stdout(stdout):
        assert main(["validate", str(ws.root / "inbox" / "BANK1" / name), "--config", str(ws.config),
                     "--date", RUN_DATE.isoformat(), "--out", str(out)]) == 1
    csv, xlsx = out / f"{_stem(name)}.errors.csv", out / f"{_stem(name)}.errors.xlsx"
    assert f"errors file: {csv} and {xlsx}" in stdout.getvalue()
    _, rows, _ = read_book(xlsx)
    assert len(rows) == csv_rows(csv).height and {row[0] for row in rows} == {1}


def test_the_same_night_twice_gives_the_same_workbook(tmp_path: Path) -> None:
    books = []
    for copy in ("a", "b"):
        ws = Workspace(tmp_path / copy)
        name = ws.deliver([new("C1", **HOSTILE["C1"])])
        assert ws.run() == 0
        books.append((ws.root / "outbox" / "BANK1" / f"{_stem(name)}.errors.xlsx").read_bytes())
    assert books[0] == books[1]


def test_a_later_answer_gets_its_own_workbook_and_outbox_days_ends_them_all(make_ws) -> None:
    """NAME.2.errors.xlsx for a re-upload; the night outbox_days ends them deletes the workbooks too."""
    ws = make_ws(outbox_days=2)
    name = ws.deliver([new("C1", amount="1")])
    assert ws.run(RUN_DATE) == 0
    ws.deliver([new("C1", amount="2")], name=name)
    assert ws.run(RUN_DATE + timedelta(days=1)) == 0
    folder, stem = ws.root / "outbox" / "BANK1", _stem(name)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{stem}{n}{suffix}" for n in ("", ".2") for suffix in (".errors.csv", ".errors.xlsx", ".result.json"))
    assert ws.run(RUN_DATE + timedelta(days=2)) == 0
    assert sorted(p.name for p in folder.iterdir()) == [f"{stem}.2.errors.csv", f"{stem}.2.errors.xlsx",
                                                         f"{stem}.2.result.json"]


def test_an_erasure_rewrites_the_workbook_keeping_the_other_rows_as_delivered(ws: Workspace) -> None:
    """A DELETE scrubs errors.csv of the contract's data, keeping each line's reason (decisions 56,
    95); its workbook follows, and the other rows still show exactly what was delivered."""
    ws.deliver([new("KEEP", event_date="2026-11-02"), new("GONE", event_date="2026-11-02")], kind="INIT")
    assert ws.run(date(2026, 11, 3)) == 0
    bad = ws.deliver([record("GONE", "CHANGE", event_date="2026-11-04", birth_date="1961-13-45"),
                      record("KEEP", "CHANGE", event_date="2026-11-04", birth_date="28-02-1990",
                             house_number_suffix="=1+2")])
    assert ws.run(date(2026, 11, 5)) == 0
    book = ws.root / "outbox" / "BANK1" / f"{_stem(bad)}.errors.xlsx"
    header, rows, _ = read_book(book)
    assert sorted(dict(zip(header, r, strict=True))["contract_number"] for r in rows) == ["GONE", "KEEP"]
    ws.deliver([record("GONE", "DELETE", event_date="2026-11-06")])
    assert ws.run(date(2026, 11, 7)) == 0
    header, rows, types = read_book(book)
    erased, kept = sorted((dict(zip(header, r, strict=True)) for r in rows), key=lambda r: r["line_no"])
    assert erased == {**dict.fromkeys(header), "line_no": 1, "error_code": "INVALID_TYPE", "severity": "ERROR",
                      "field": "birth_date", "message": ERASED_MESSAGE["en"]}     # the reason only (decision 95)
    assert "28-02-1990" in kept.pop("message")                       # in the configured language
    assert kept == {**dict.fromkeys(c for c in header if c != "message"), "line_no": 2, "contract_number": "KEEP",
                    "error_code": "INVALID_TYPE", "severity": "ERROR", "field": "birth_date",
                    "participant_code": "BANK1", "mutation_type": "CHANGE", "event_date": "2026-11-04",
                    "birth_date": "28-02-1990", "house_number_suffix": "=1+2"}
    assert all(kind in ("s", "n") for kinds in types for kind in kinds)
    assert csv_rows(book.with_name(f"{_stem(bad)}.errors.csv"))["house_number_suffix"].to_list() == [None, "'=1+2"]


def test_a_workbook_holds_at_most_max_rows_and_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 2)
    frame = pl.DataFrame({"line_no": [1, 2, 3], "contract_number": ["A", "B", "C"]})
    spreadsheet.write_errors(tmp_path / "x.errors.xlsx", frame)
    book = openpyxl.load_workbook(tmp_path / "x.errors.xlsx")
    assert book.sheetnames == ["errors", "note"]
    assert [[c.value for c in row] for row in book["errors"].iter_rows()] == [
        ["line_no", "contract_number"], [1, "A"], [2, "B"]]
    assert [book["note"]["A1"].value, book["note"]["A2"].value] == [
        "Dit werkboek toont de eerste 2 van 3 regels. Het errors.csv-bestand ernaast bevat ze allemaal.",
        "This workbook shows the first 2 of 3 rows. The errors.csv beside it holds them all."]


def test_the_csv_quote_is_undone_exactly() -> None:
    """formula_safe then unquoted gives back every value, also one delivered with quotes."""
    values = ["=1+2", "'=x", "''+y", "'abc", "abc", "-", "\tX", "", None]
    frame = pl.DataFrame({"v": values}).with_columns(formula_safe(pl.col("v")).alias("safe"))
    assert frame["safe"].to_list() == ["'=1+2", "''=x", "'''+y", "'abc", "abc", "'-", "'\tX", "", None]
    assert frame.select(unquoted(pl.col("safe")))["safe"].to_list() == values
