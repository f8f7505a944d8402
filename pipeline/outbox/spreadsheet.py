"""``NAME.errors.xlsx``: the errors file as a workbook that shows exactly what was delivered.

A spreadsheet opening ``errors.csv`` guesses each cell's type in its own locale: in a Dutch one
``7.500`` becomes the number 7500, ``28-02-1990`` a date and ``0012`` the number 12, while the
message beside it says the value could not be read. A workbook states each cell's type itself:
every value (header, codes, message, the record as delivered) is a string cell in text format
(``@``), written by XlsxWriter with its guessing of formulas, numbers and links switched off, so
``=1+2`` is text that nothing executes and needs no quote (decisions 85, 86). Only ``line_no``,
the processor's own number, is a number, so the rows sort as the file's lines.

XlsxWriter writes the workbook around the rows; the rows themselves, but the last, are XML that
``sheetxml`` builds with Polars exactly as XlsxWriter would write them cell by cell (which took
15 CPU seconds per 100,000 rows; issue 17), handed to the sheet's row file in its place. One
thing differs from XlsxWriter's own writing: a value shaped like ``<r>…</r>``, which XlsxWriter
takes for rich text of its own and puts into the sheet as XML, is text like any other, escaped
(``TextSheet``; decision 106): a delivered value never becomes a formula or a link.
"""

from __future__ import annotations

import functools
import tempfile
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.utility import _preserve_whitespace
from xlsxwriter.worksheet import Worksheet

from contracts_schema.returns import ERRORS_XLSX_MAX_ROWS
from pipeline import fsio
from pipeline.outbox import sheetxml

SHEET = "errors"
MAX_ROWS = ERRORS_XLSX_MAX_ROWS     # rows a workbook holds; errors.csv always holds them all (decision 86)
OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
           "constant_memory": True}     # rows stream to disk: memory stays flat whatever the rows
CREATED = datetime(2000, 1, 1)          # a fixed date: the same night twice gives the same bytes (SPEC 4)
WIDTH = (6, 90)                         # column width in characters: at least, at most (a message)
NUMBER = "line_no"


class TextSheet(Worksheet):
    """A worksheet whose every string is text: XlsxWriter writes a string that starts with
    ``<r>`` and ends with ``</r>`` into the sheet unescaped, as rich text it built itself, so a
    delivered value could add a formula or a link to the sheet (decision 106)."""

    def _xml_rich_inline_string(self, string: str, attributes: list | None = None) -> None:
        self._xml_inline_string(string, _preserve_whitespace(string), attributes or [])


def xlsx_path(errors_csv: Path) -> Path:
    """``NAME.errors.csv`` → ``NAME.errors.xlsx`` (any other name: ``.xlsx`` added)."""
    name = errors_csv.name.removesuffix(".csv") if errors_csv.name.endswith(".csv") else errors_csv.name
    return errors_csv.with_name(name + ".xlsx")


def write_errors(target: Path, errors: pl.DataFrame) -> None:
    """Write the errors frame (as staged, or as read back from errors.csv) as a workbook, atomically."""
    if errors.height == 0:
        fsio.write_bytes(target, _without_rows(tuple(errors.columns)))
        return
    fsio.write_with(target, lambda tmp: _workbook(tmp, _as_text(errors), errors.height))


@functools.cache
def _without_rows(columns: tuple[str, ...]) -> bytes:
    """The workbook of a file without findings: its bytes follow from its header alone (the
    creation date is fixed), so a night of many clean files builds it once per header."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "empty.xlsx"
        _workbook(path, pl.DataFrame(schema=dict.fromkeys(columns, pl.String)), 0)
        return path.read_bytes()


def _as_text(errors: pl.DataFrame) -> pl.DataFrame:
    """The rows the workbook holds: ``line_no`` a whole number, every other column text."""
    return errors.head(MAX_ROWS).with_columns(
        pl.col(c).cast(pl.Int64, strict=False) if c == NUMBER else pl.col(c).cast(pl.String)
        for c in errors.columns)


def _workbook(path: Path, shown: pl.DataFrame, total: int) -> None:
    book = xlsxwriter.Workbook(str(path), OPTIONS)
    book.set_properties({"created": CREATED})
    formats = {"text": book.add_format({"num_format": "@"}), "number": book.add_format({"align": "left"}),
               "header": book.add_format({"num_format": "@", "bold": True, "bottom": 1})}
    sheet = book.add_worksheet(SHEET, worksheet_class=TextSheet)
    _layout(sheet, shown, formats)
    _rows(sheet, shown, formats)
    if total > shown.height:
        _note(book.add_worksheet("note"), shown.height, total, formats["text"])
    book.close()


def _layout(sheet, shown: pl.DataFrame, formats: dict) -> None:
    """Readable widths, the header row frozen and filterable, text format on every text column."""
    for col, (name, width) in enumerate(_widths(shown).items()):
        sheet.set_column(col, col, width, formats["number" if name == NUMBER else "text"])
    sheet.freeze_panes(1, 0)
    if shown.width:
        sheet.autofilter(0, 0, max(shown.height, 1), shown.width - 1)
    _print_setup(sheet)
    sheet.write_row(0, 0, shown.columns, formats["header"])


def _print_setup(sheet) -> None:
    """Printed: A4 landscape, every column on the page's width, the header row on each page."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _widths(shown: pl.DataFrame) -> dict[str, int]:
    """Per column the longest of its name and its values, within ``WIDTH``."""
    if shown.width == 0:
        return {}
    longest = shown.select(pl.col(c).cast(pl.String).str.len_chars().max().fill_null(0) for c in shown.columns)
    return {c: min(max(len(c), n, WIDTH[0]), WIDTH[1]) + 2 for c, n in zip(shown.columns, longest.row(0), strict=True)}


def _rows(sheet, shown: pl.DataFrame, formats: dict) -> None:
    """The rows, in order: all but the last as XML Polars builds (``sheetxml``), written where
    XlsxWriter's constant-memory mode writes its rows; the last through XlsxWriter cell by cell,
    so the sheet is closed (its dimension, its last row's flush) exactly as before."""
    first = 1 if shown.columns[:1] == [NUMBER] else 0
    holding = _holding(shown, first)
    if holding.len() == 0:
        return
    ahead = shown.head(holding[-1])
    if holding.len() > 1:
        sheet._write_single_row(holding[0] + 1)     # the header row, as the first cell below it does
        index = {name: formats[name]._get_xf_index() for name in _first_used(ahead, first)}
        styles = [index.get("number" if first and col == 0 else "text", -1) for col in range(shown.width)]
        sheet.row_data_fh.flush()                   # the header's text first, then the rows' bytes
        sheetxml.write(sheet.row_data_fh.buffer, ahead, 1, styles, bool(first))
    _row(sheet, holding[-1] + 1, shown.row(holding[-1]), first, formats)


def _holding(shown: pl.DataFrame, first: int) -> pl.Series:
    """The rows that hold a cell: all of them, unless ``line_no`` is the only column (a null
    ``line_no`` is no cell)."""
    if shown.width > first:
        return pl.int_range(0, shown.height, eager=True)
    return shown[NUMBER].is_not_null().arg_true()


def _first_used(ahead: pl.DataFrame, first: int) -> list[str]:
    """The formats the rows use, in order of their first cell (row by row, left to right):
    XlsxWriter numbers formats (their XF index, a cell's ``s``) as cells first use them."""
    at = {}
    if ahead.width > first:
        at["text"] = (0, first)
    if first and (numbers := ahead[NUMBER].is_not_null().arg_true()).len():
        at["number"] = (numbers[0], 0)
    return sorted(at, key=at.__getitem__)


def _row(sheet, r: int, row: tuple, first: int, formats: dict) -> None:
    """One row through XlsxWriter, cell by cell: ``line_no`` a number (none when null), the rest text."""
    if first and row[0] is not None:
        sheet.write_number(r, 0, row[0], formats["number"])
    sheet.write_row(r, first, row[first:], formats["text"])


def _note(sheet, shown: int, total: int, text) -> None:
    """Said on a second sheet, so the errors sheet holds nothing but rows as the CSV has them; in
    Dutch and English, as a clerk of either reads it."""
    sheet.set_column(0, 0, 100, text)
    sheet.write_string(0, 0, f"Dit werkboek toont de eerste {shown} van {total} regels. "
                             "Het errors.csv-bestand ernaast bevat ze allemaal.", text)
    sheet.write_string(1, 0, f"This workbook shows the first {shown} of {total} rows. "
                             "The errors.csv beside it holds them all.", text)
