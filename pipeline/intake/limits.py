"""The reading limits, and the refusals a reader answers with (stdlib only: the worker imports it).

``config.Limits`` holds the operator's values; ``ReadLimits`` is the same set as the worker
receives it. A refusal is a whole-file error of SPEC 4.1 whose parts (value, limit) are our own
sentences, never text from the file or a library message (those can quote cell values).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ReadLimits:
    """What one delivery may decode to; see ``pipeline.config.Limits`` for the meaning of each."""

    max_rows: int
    max_decoded_bytes: int
    max_cell_chars: int
    max_line_bytes: int
    reader_memory_bytes: int
    read_seconds: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Refusal:
    """Why a delivery was not read: a file-error code, the parts of its message, and the record
    it failed on (errors.csv's ``line_no``: 0 when the file as a whole or its header is at fault)."""

    code: str
    value: str
    limit: str = ""
    line_no: int = 0


class Refused(Exception):
    """Unwinds a reader from deep inside its loop; the worker turns it into its reply."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal


def _n(number: int) -> str:
    return str(number)


def too_many_rows(rows: int, limits: ReadLimits, what: str = "records") -> Refusal:
    return Refusal("FILE_TOO_LARGE", f"{_n(rows)} {what}",
                   f"the {_n(limits.max_rows)} records a delivery may hold (limits.max_rows)")


def too_much_text(decoded: int, limits: ReadLimits, exact: bool = False) -> Refusal:
    amount = f"{_n(decoded)} bytes" if exact else f"at least {_n(decoded)} bytes"
    return Refusal("FILE_TOO_LARGE", f"{amount} of text once decoded",
                   f"the {_n(limits.max_decoded_bytes)} bytes of text a delivery may decode to "
                   "(limits.max_decoded_bytes)")


def line_too_long(line_no: int, length: int, limits: ReadLimits) -> Refusal:
    return Refusal("FILE_TOO_LARGE", f"line {_n(line_no)} of {_n(length)} bytes",
                   f"the {_n(limits.max_line_bytes)} bytes a line may hold (limits.max_line_bytes); lines "
                   "must end in LF or CRLF")


def out_of_memory(limits: ReadLimits) -> Refusal:
    return Refusal("FILE_TOO_LARGE", "the memory needed to read it",
                   f"the {_n(limits.reader_memory_bytes)} bytes the reader may use (limits.reader_memory_bytes)")


def too_many_columns(columns: int, most: int) -> Refusal:
    return Refusal("FILE_HEADER", f"it names {columns} columns, and a delivery has at most {most}")


def file_too_large(size: int, max_file_bytes: int) -> Refusal:
    return Refusal("FILE_TOO_LARGE", f"{_n(size)} bytes",
                   f"the {_n(max_file_bytes)} bytes a delivery file may have (max_file_bytes)")
