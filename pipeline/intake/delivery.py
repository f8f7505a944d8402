"""A delivery as intake learns about it, and what earlier nights processed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contracts_schema.errors import message
from pipeline.intake.limits import Refusal

MAX_QUOTED = 60        # a delivered value in a file_error message is quoted, never echoed whole


@dataclass
class Delivery:
    """One entry found in the inbox, and what intake learnt about it."""

    path: Path
    folder: str
    name: str
    kind: str | None = None
    seq: int | None = None
    sha256: str | None = None
    file_error: tuple[str, str] | None = None
    file_error_line: int = 0  # the record the file error names (errors.csv's line_no); 0: the file or its header
    file_error_parts: dict[str, str] = field(default_factory=dict)   # its value and limit, to say in a language
    frame: pl.DataFrame | None = None
    records: int = 0          # data rows read, also when the file is then rejected whole

    @property
    def ok(self) -> bool:
        return self.file_error is None

    def reject(self, code: str, value: object = "", limit: object = "") -> None:
        """Reject the whole file with ``code``; its message quotes at most MAX_QUOTED characters
        of the value, so a hostile value never fills result.json."""
        text = str(value)
        quoted = text[:MAX_QUOTED] + "…" if len(text) > MAX_QUOTED else value
        self.file_error = (code, message(code, value=quoted, limit=limit))
        self.file_error_parts = {"value": str(quoted), "limit": str(limit)}
        self.frame = None

    def refuse(self, refusal: Refusal) -> None:
        """Reject the whole file with a refusal, whose value is our own sentence (numbers and
        words, never a delivered value) and so is kept whole: a clerk reads it to the end."""
        self.file_error = (refusal.code, message(refusal.code, value=refusal.value, limit=refusal.limit))
        self.file_error_parts = {"value": refusal.value, "limit": refusal.limit}
        self.file_error_line = refusal.line_no
        self.frame = None

    def file_error_in(self, language: str) -> tuple[str, str] | None:
        """The file error (code, message) with its message in ``language`` (config ``language``)."""
        if self.file_error is None:
            return None
        return self.file_error[0], message(self.file_error[0], **self.file_error_parts, language=language)


@dataclass
class Ledger:
    """What earlier nights processed: content hashes and the last sequence per participant and kind."""

    hashes: dict[str, str]
    last_seq: dict[tuple[str, str], int]
