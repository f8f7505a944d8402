"""The errors sheet's ``<row>`` XML, built by Polars for all rows at once, as XlsxWriter writes it.

XlsxWriter takes cells one at a time in Python: 20 to 29 s per 100,000 rows (decision 86, issue
17). In its constant-memory mode a row's XML follows from the row's values by fixed rules, so
Polars string expressions build the same text for every row together and ``spreadsheet`` hands it
to the sheet's row file where XlsxWriter would have written it. The rules, as XlsxWriter 3.3 has
them (``Worksheet._write_token_as_string``, ``_write_string``, ``_write_cell``; ``XMLwriter``):

- a row is ``<row r="N">`` (no ``spans`` in constant-memory mode), its cells, ``</row>``; a row
  without a cell is not written;
- each cell is ``<c r="B7" s="X"…`` with ``X`` the XF index of the cell's format;
- a null or empty string is a blank cell ``<c r="B7" s="X"/>``;
- a string over 32,767 UTF-16 units is cut there, never inside a character above U+FFFF, and
  the cells right of it in its row are not written (``write_row`` stops at the cut's error code);
- a literal ``_xHHHH_`` gets its underscore escaped (``_x005F_xHHHH_``), then the control
  characters but tab and newline become ``_xHHHH_``, as do U+FFFE and U+FFFF;
- a string that starts with ``<r>`` and ends with ``</r>`` XlsxWriter writes as it is, taking it
  for rich text it built itself; here it is escaped like any other string, since a delivered
  value must never become the sheet's XML (a formula, a link; decision 106);
- a string has ``& < >`` escaped (quotes are not) and gets ``xml:space="preserve"`` when
  it starts or ends with whitespace: ``t="inlineStr"><is><t>…</t></is>``;
- a number is ``<v>`` with Python's ``{n:.16G}``; a null number is no cell in the first column
  (``line_no``, written by ``write_number`` only when present) and a blank cell elsewhere.

tests/test_spreadsheet_fast.py builds workbooks through XlsxWriter cell by cell and through this
module and compares their bytes, so an XlsxWriter that writes otherwise fails there first.
"""

from __future__ import annotations

from typing import BinaryIO

import polars as pl
from xlsxwriter.utility import xl_col_to_name

LIMIT = 32_767                          # UTF-16 units a cell holds (XlsxWriter's xls_strmax)
EXACT = 2**53                           # integers a float holds exactly: {n:.16G} prints them as digits
CONTROLS = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))] + ["\ufffe", "\uffff"]
CONTROL = r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]"    # any of CONTROLS
# Whitespace as Python's ``\s`` sees it (XlsxWriter's ``_preserve_whitespace``), less the control
# characters escaped before the test; a test compares it with ``re`` over every code point.
SPACE = "[\t\n \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
ESCAPE = r"_x[0-9a-fA-F]{4}_"              # Excel's escape, written literally: escaped in turn
INLINE = ' t="inlineStr"><is>'
BATCH = 5_000                           # rows built and written at a time: a few MB of XML in hand


def write(target: BinaryIO, frame: pl.DataFrame, first_row: int, styles: list[int], number_first: bool) -> None:
    """``rows`` of the frame written to ``target`` as UTF-8, ``BATCH`` rows at a time."""
    for start in range(0, frame.height, BATCH):
        xml = rows(frame.slice(start, BATCH), first_row + start, styles, number_first)
        target.write(xml.str.join("").cast(pl.Binary).item())


def rows(frame: pl.DataFrame, first_row: int, styles: list[int], number_first: bool) -> pl.Series:
    """Per row of ``frame`` (sheet rows from ``first_row``, zero-based) its ``<row>`` XML, or ""
    for a row without a cell. ``styles`` is each column's XF index; ``number_first``: the first
    column is ``line_no``, whose null is no cell at all."""
    cut = {c: _over_limit(frame[c]) for c in frame.columns if frame[c].dtype == pl.String}
    frame = frame.with_columns(_within_limit(frame[c], over) for c, over in cut.items() if over.any())
    ref = pl.int_range(first_row + 1, first_row + 1 + frame.height).cast(pl.String)
    cells = [_cell(frame[name], xl_col_to_name(col), ref, style, number_first and col == 0)
             for col, (name, style) in enumerate(zip(frame.columns, styles, strict=True))]
    cells = _after_a_cut(cells, [cut.get(c) for c in frame.columns], int(number_first))
    row = pl.concat_str([pl.lit('<row r="'), ref, pl.lit('">'), *(p for cell in cells for p in cell), pl.lit("</row>")])
    if frame.width == int(number_first):        # line_no alone: a row whose line_no is null has no cell
        row = pl.when(pl.col(frame.columns[0]).is_null()).then(pl.lit("")).otherwise(row)
    return frame.select(row.alias("xml"))["xml"]


def _after_a_cut(cells: list[list[pl.Expr]], cut: list[pl.Series | None], first: int) -> list[list[pl.Expr]]:
    """The cells a row keeps: XlsxWriter's ``write_row`` stops at a string it had to cut (it
    returns the cut's error code), so the cells right of it in that row are not written."""
    if not any(over is not None and over.any() for over in cut):
        return cells
    kept, stopped = cells[:first], None
    for cell, over in zip(cells[first:], cut[first:], strict=True):
        if stopped is not None:
            cell = [pl.when(pl.lit(stopped)).then(pl.lit("")).otherwise(pl.concat_str(cell))]
        kept.append(cell)
        if over is not None and over.any():
            stopped = over if stopped is None else stopped | over
    return kept


def _cell(values: pl.Series, column: str, ref: pl.Expr, style: int, absent_when_null: bool) -> list[pl.Expr]:
    """One column's cells, as pieces of the row's text: strings for a text column, numbers for an
    integer one."""
    head = [pl.lit(f'<c r="{column}'), ref, pl.lit(f'" s="{style}"')]
    if values.dtype == pl.String:
        return head + _text(values)
    if values.dtype == pl.Int64:
        number = pl.concat_str([*head, pl.lit("><v>"), pl.lit(_number_text(values)), pl.lit("</v></c>")])
        blank = pl.lit("") if absent_when_null else pl.concat_str([*head, pl.lit("/>")])
        return [pl.when(pl.col(values.name).is_null()).then(blank).otherwise(number)]
    raise TypeError(f"column {values.name!r}: {values.dtype} is neither text nor a whole number")


def _text(values: pl.Series) -> list[pl.Expr]:
    """A string cell after its ``<c r=".." s=".."``: blank, or an inline string, escaped. A step
    no value of the column needs is left out. Whether a value needs preserving reads the same
    before the control escapes: they touch no character of ``SPACE``."""
    value = pl.col(values.name)
    blank = value.is_null() | (value == "")
    escaped = _escape_controls(value, values)
    plain = _escape_xml(escaped) if _holds(values, "[&<>]") else escaped
    preserve = value.str.contains(f"^{SPACE}|{SPACE}$")
    return [pl.when(blank).then(pl.lit("/>"))
            .when(preserve).then(pl.lit(INLINE + '<t xml:space="preserve">')).otherwise(pl.lit(INLINE + "<t>")),
            plain.fill_null(""),
            pl.when(blank).then(pl.lit("")).otherwise(pl.lit("</t></is></c>"))]


def _escape_xml(value: pl.Expr) -> pl.Expr:
    """``& < >`` as entities; quotes stay, as XlsxWriter leaves them in text."""
    return value.str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])


def _holds(values: pl.Series, pattern: str) -> bool:
    """Whether any value of the column matches: a step that changes no value is skipped."""
    return bool(values.str.contains(pattern).any())


def _escape_controls(value: pl.Expr, values: pl.Series) -> pl.Expr:
    """Excel's ``_xHHHH_`` escapes: a literal one first gets its underscore escaped, so it reads
    back as written; then each control character (not tab, not newline) and U+FFFE/U+FFFF."""
    if _holds(values, ESCAPE):
        value = value.str.replace_all(ESCAPE, "_x005F${0}")
    if _holds(values, CONTROL):
        value = value.str.replace_many(CONTROLS, [f"_x{ord(c):04X}_" for c in CONTROLS])
    return value


def _number_text(values: pl.Series) -> pl.Series:
    """``{n:.16G}`` of each integer: its digits up to 2**53; beyond, the float Python formats
    (rare: a line number is small), formatted by Python for those values only."""
    text = values.cast(pl.String)
    wide = (values > EXACT) | (values < -EXACT)
    if wide.any():
        at = wide.arg_true()
        text = text.scatter(at, [f"{n:.16G}" for n in values.gather(at).to_list()])
    return text


def _over_limit(values: pl.Series) -> pl.Series:
    """Whether each value is over 32,767 UTF-16 units (a character above U+FFFF counts two). Only
    a value over half the limit in characters can be, so only those are measured."""
    over = (values.str.len_chars() > LIMIT // 2).fill_null(False)
    if not over.any():
        return over
    supplementary = values.str.count_matches(r"[\x{10000}-\x{10FFFF}]")
    return (over & (values.str.len_chars() + supplementary > LIMIT)).fill_null(False)


def _within_limit(values: pl.Series, over: pl.Series) -> pl.Series:
    """The values ``over`` the limit cut there, as XlsxWriter cuts them: one encode each, and at
    most one such value per 16,384 characters of data."""
    at = over.arg_true()
    return values.scatter(at, [_cut(v) for v in values.gather(at).to_list()])


def _cut(value: str) -> str:
    """The longest prefix of whole characters within ``LIMIT`` UTF-16 units."""
    head = value.encode("utf-16-le")[:2 * LIMIT]
    if 0xD800 <= int.from_bytes(head[-2:], "little") <= 0xDBFF:   # half a surrogate pair: drop it
        head = head[:-2]
    return head.decode("utf-16-le")
