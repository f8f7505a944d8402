"""A CSV delivery as text cells, within the limits (runs in the reading worker).

The night has measured the lines before it asks (``scan``): every line is within
``max_line_bytes`` and there are no more than ``max_rows`` of them, so the parse is bounded by
the file's own bytes, and the text it yields is never more than those bytes. A file Polars cannot
parse is read once more by ``csvshape``, which says where it breaks; a header without ``;`` but
with commas or tabs is told the separator before anything is parsed.
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
        raise Refused(Refusal("FILE_ENCODING", "it starts with a UTF-16 byte order mark (the file is saved as "
                              "UTF-16)"))
    if not _utf8(header):                 # Polars reads a header's bytes lossily: say where and why
        raise Refused(_located(path) or _unlocated("utf-8"))
    if (separator := _other_separator(header)) is not None:
        raise Refused(Refusal("FILE_HEADER", f"its column names are separated by {separator}, but the separator "
                              "must be ';' (semicolon): save the file again with ; between the values"))
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
    except MemoryError:
        raise
    except Exception as exc:
        raise Refused(_located(path) or _unlocated(str(exc).lower())) from None


def _utf8(header: bytes) -> bool:
    try:
        header.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _other_separator(header: bytes) -> str | None:
    """A header that names its columns with commas or tabs between them and no ``;``, said in words."""
    if b";" in header:
        return None
    if b"," in header:
        return "',' (commas)"
    return "tabs" if b"\t" in header else None


def _located(path: str) -> Refusal | None:
    """Where the file breaks, when ``csvshape`` finds it (its own failure leaves Polars' word)."""
    from pipeline.intake import csvshape

    try:
        return csvshape.locate(path)
    except MemoryError:
        raise
    except Exception:
        return None


def _unlocated(polars_said: str) -> Refusal:
    """Polars' kind of failure, where ``csvshape`` found no place: never its words (they quote cells)."""
    if "utf-8" in polars_said or "utf8" in polars_said:
        return Refusal("FILE_ENCODING", "its bytes cannot be read as UTF-8 text")
    return Refusal("FILE_UNREADABLE", 'the CSV structure is broken: a value that holds ; or " must be in double '
                   'quotes, with a " inside it written as "", and no row may have more fields than the header', "CSV")
