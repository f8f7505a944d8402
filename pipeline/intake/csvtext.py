"""A CSV delivery as text cells, within the limits (runs in the reading worker).

The night has measured the lines before it asks (``scan``): every line is within
``max_line_bytes`` and there are no more than ``max_rows`` of them, so the parse is bounded by
the file's own bytes, and the text it yields is never more than those bytes.
"""

from __future__ import annotations

import polars as pl

from pipeline.intake import cells
from pipeline.intake.limits import ReadLimits, Refusal, Refused, too_many_columns, too_much_text


def read(path: str, size: int, limits: ReadLimits, max_columns: int) -> pl.DataFrame:
    """Every cell as trimmed text; raise Refused with the file error when it cannot be read."""
    with open(path, "rb") as fh:
        header = fh.readline(limits.max_line_bytes + 1)
    if header[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise Refused(Refusal("FILE_ENCODING", "UTF-16 byte order mark"))
    if header.count(b";") + 1 > max_columns:
        raise Refused(too_many_columns(header.count(b";") + 1, max_columns))
    frame = cells.cleaned(_parse(path), limits.max_cell_chars)
    if size > limits.max_decoded_bytes and cells.text_bytes(frame) > limits.max_decoded_bytes:
        raise Refused(too_much_text(cells.text_bytes(frame), limits, exact=True))
    return frame


def _parse(path: str) -> pl.DataFrame:
    """Polars' parse, every column as text. Its messages quote cell values: never pass them on."""
    try:
        return pl.read_csv(path, separator=";", quote_char='"', infer_schema=False, encoding="utf8",
                           has_header=True)
    except pl.exceptions.NoDataError:
        raise Refused(Refusal("FILE_EMPTY", "no header")) from None
    except Exception as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise Refused(Refusal("FILE_ENCODING", "an invalid UTF-8 byte sequence")) from None
        raise Refused(Refusal("FILE_UNREADABLE", "the CSV structure is broken (an unterminated quote, or a "
                              "row with more fields than the header)", "CSV")) from None
