"""errors.xlsx built from Polars' row XML has the bytes XlsxWriter gives cell by cell (issue 17).

The rows of an errors workbook are built by ``pipeline/outbox/sheetxml.py`` instead of handed to
XlsxWriter one cell at a time; a clerk must not see one byte of difference. Each test writes the
same frame both ways, through ``spreadsheet.write_errors`` with the loop it replaced as the
reference, and compares the files: nasty values (XML specials, every control character, Excel's
own ``_xHHHH_`` escapes, whitespace a cell must preserve, characters above U+FFFF, a string over
Excel's cell limit), 0, 1, thousands and more than ``MAX_ROWS`` rows, with and without ``line_no``
first. Both ways write through ``spreadsheet.TextSheet``, XlsxWriter with the one difference of decision
106: a value shaped like ``<r>…</r>`` is text, not XML.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from xlsxwriter.utility import _preserve_whitespace
from xlsxwriter.xmlwriter import XMLwriter

from pipeline.outbox import sheetxml, spreadsheet

NASTY = ["plain", "a & b < c > d", 'say "hi" \'there\'', " leading", "trailing ", "\tTab", "new\nline",
         "cr\rlf\r\n", "_x0041_", "_x004g_", "__x0041__x0042_", "_X0041_", "<r>rich</r>", "<r>a</r", "<r>\x01</r>",
         "😀 emoji 👍🏽", "e\u0301 combining", "\u3000ideographic", "nbsp\xa0", "\x0bvt", "\x1cfs", "\x1f",
         "\x7fdel", "\ufffe\uffff", "\x85next", "=1+2", "@SUM(A1)", "+31", "-5", "0012", "7.500", "",
         "x" * 40_000, "é" * 32_766 + "😀tail", "a" * 32_766 + "😀", "b" * 32_767 + "😀", "😀" * 17_000,
         "".join(map(chr, range(0x20))) + "\x7f", "ünïcödé Brühl-Noël", "  ", "\n"]
HEADER = ["line_no", "contract_number", "error_code", "message", "birth_surname"]


def cell_by_cell(sheet, shown: pl.DataFrame, formats: dict) -> None:
    """The rows as written before issue 17: every cell handed to XlsxWriter."""
    first = 1 if shown.columns[:1] == [spreadsheet.NUMBER] else 0
    for r, row in enumerate(shown.iter_rows(), start=1):
        if first and row[0] is not None:
            sheet.write_number(r, 0, row[0], formats["number"])
        sheet.write_row(r, first, row[first:], formats["text"])


def both_ways(folder: Path, frame: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes]:
    """The workbook of ``frame`` as written now, and as the cell-by-cell loop writes it."""
    fast, slow = folder / "fast.xlsx", folder / "slow.xlsx"
    spreadsheet._without_rows.cache_clear()
    spreadsheet.write_errors(fast, frame)
    with monkeypatch.context() as patch:
        patch.setattr(spreadsheet, "_rows", cell_by_cell)
        spreadsheet._without_rows.cache_clear()
        spreadsheet.write_errors(slow, frame)
    spreadsheet._without_rows.cache_clear()
    return fast.read_bytes(), slow.read_bytes()


def assert_same(folder: Path, frame: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = both_ways(folder, frame, monkeypatch)
    if fast != slow:            # name the part that differs before failing on the bytes
        parts = [zipfile.ZipFile(folder / f"{way}.xlsx") for way in ("fast", "slow")]
        assert parts[0].namelist() == parts[1].namelist()
        for name in parts[0].namelist():
            assert parts[0].read(name).decode() == parts[1].read(name).decode(), name
    assert fast == slow


def errors(values: list[str | None], line_no: list[str | None] | None = None) -> pl.DataFrame:
    """An errors frame as errors.csv reads back: every column text, the values in the message and
    birth_surname columns."""
    n = len(values)
    numbers = line_no if line_no is not None else [str(i + 1) for i in range(n)]
    return pl.DataFrame({"line_no": numbers, "contract_number": [f"C{i}" for i in range(n)],
                         "error_code": ["INVALID_TYPE"] * n, "message": values,
                         "birth_surname": list(reversed(values))}, schema=dict.fromkeys(HEADER, pl.String))


def test_nasty_values_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values = [*NASTY, None]
    assert_same(tmp_path, errors(values), monkeypatch)


def test_line_numbers_null_text_and_huge_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A null or non-numeric line_no is no cell; the first row without one numbers the text format
    first; numbers beyond 2**53 print as Python's float does."""
    line_no = [None, "abc", "3", " 4", "-7", "9007199254740993", "12345678901234567890", "-9007199254740993",
               "9223372036854775807", "-9223372036854775808", "1e3", ""]
    assert_same(tmp_path, errors(["v"] * len(line_no), line_no), monkeypatch)


def test_one_row_and_no_rows_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for frame in (errors(["only & one"]), errors([None], [None]), errors([])):
        assert_same(tmp_path, frame, monkeypatch)


def test_thousands_of_rows_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    short = [v for v in NASTY if len(v) < 100] + [None]
    values = [short[i % len(short)] for i in range(5_000)]
    assert_same(tmp_path, errors(values), monkeypatch)


def test_more_rows_than_a_workbook_holds_give_the_same_bytes(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The note sheet follows the rows; its text format may be the first use of that format."""
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 7)
    assert_same(tmp_path, errors([f"v{i}" for i in range(20)]), monkeypatch)
    for line_no in ([None] * 6 + ["7", None, "9"], [None, "2", None, "4", None, None, "7", "8", "9"]):
        assert_same(tmp_path, errors(["x"] * 9, line_no).select("line_no"), monkeypatch)
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 1)
    assert_same(tmp_path, errors(["a", "b"]), monkeypatch)


def test_a_first_column_other_than_line_no_gives_the_same_bytes(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Then every cell is text format, a line_no further right too: a number, blank when null."""
    values = [*NASTY, None]
    frame = errors(values, [None, "x", *map(str, range(len(values) - 2))])
    assert_same(tmp_path, frame.select(reversed(frame.columns)), monkeypatch)
    assert_same(tmp_path, frame.select("message", "line_no"), monkeypatch)
    assert_same(tmp_path, frame.select("message"), monkeypatch)


def test_a_workbook_of_line_no_alone_gives_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows whose only cell is a null line_no hold no cell: no row element, and a last such row
    does not count in the sheet's dimension."""
    for line_no in ([None, "2", None, "4", None], [None, None], ["1", None, "3"], [None, "x", "3", "4"]):
        assert_same(tmp_path, errors(["v"] * len(line_no), line_no).select("line_no"), monkeypatch)


def test_the_preserve_whitespace_class_is_pythons_after_escaping() -> None:
    """xml:space="preserve" follows Python's ``\\s`` on the escaped value; ``SPACE`` is its class,
    for every code point."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    escaped = [XMLwriter._escape_control_characters(c) for c in chars]
    python = [bool(_preserve_whitespace(e)) for e in escaped]
    polars = pl.Series(escaped).str.contains(f"^{sheetxml.SPACE}|{sheetxml.SPACE}$").to_list()
    assert [c for c, p, q in zip(chars, python, polars, strict=True) if p != q] == []
    assert re.fullmatch(sheetxml.SPACE, "\u3000") and not re.fullmatch(sheetxml.SPACE, "\x1c")


def test_a_value_over_the_cell_limit_ends_its_row_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """XlsxWriter cuts a value over 32,767 UTF-16 units (😀 counts two) and ``write_row`` then
    stops: the cells right of it in that row stay empty (today's workbook, kept byte for byte)."""
    long = "é" * 32_000 + "😀" * 800
    frame = pl.DataFrame({"line_no": ["1", "2", "3"], "contract_number": ["C0", "C1", "C2"],
                          "message": ["short", long, "a"], "birth_surname": ["x", "right of it", long]})
    assert_same(tmp_path, frame.drop("line_no"), monkeypatch)
    assert_same(tmp_path, frame, monkeypatch)
    book = openpyxl.load_workbook(tmp_path / "fast.xlsx")["errors"]
    assert [[c.value for c in row] for row in book.iter_rows(min_row=2)] == [
        [1, "C0", "short", "x"], [2, "C1", long[:32_383], None], [3, "C2", "a", long[:32_383]]]


def test_a_value_shaped_like_rich_text_stays_the_text_delivered(tmp_path: Path) -> None:
    """A hostile value that XlsxWriter would take for its own rich-text XML: as a cell of the
    workbook it must read back as exactly the delivered text, not a formula or a link (decision
    106). Before, the last row's value (E4) ended its cell and openpyxl read a cell F4 back as
``=HYPERLINK("http://x.example","klik")``."""
    hostile = ('<r><t>x</t></r></is></c><c r="F4" t="str"><f>HYPERLINK("http://x.example","klik")</f></c>'
               '<c r="G4" t="inlineStr"><is><r><t>y</t></r>')
    frame = errors([hostile, "<r>rich</r>", "plain"])
    spreadsheet.write_errors(tmp_path / "e.xlsx", frame)
    sheet = openpyxl.load_workbook(tmp_path / "e.xlsx")["errors"]
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells == [[1, "C0", "INVALID_TYPE", hostile, "plain"],
                     [2, "C1", "INVALID_TYPE", "<r>rich</r>", "<r>rich</r>"],
                     [3, "C2", "INVALID_TYPE", "plain", hostile]]
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2, min_col=2) for c in row)
