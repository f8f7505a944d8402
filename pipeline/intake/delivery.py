"""A delivery as intake learns about it, and what earlier nights processed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts_schema.errors import message

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
    frame: pl.DataFrame | None = None
    records: int = 0          # data rows read, also when the file is then rejected whole

    @property
    def ok(self) -> bool:
        return self.file_error is None

    def reject(self, code: str, **parts: object) -> None:
        """Reject the whole file with ``code``; its message quotes at most MAX_QUOTED characters
        of the value, so a hostile value never fills result.json."""
        value = str(parts.get("value", ""))
        if len(value) > MAX_QUOTED:
            parts["value"] = value[:MAX_QUOTED] + "…"
        self.file_error = (code, message(code, **parts))  # type: ignore[arg-type]
        self.frame = None


@dataclass
class Ledger:
    """What earlier nights processed: content hashes and the last sequence per participant and kind."""

    hashes: dict[str, str]
    last_seq: dict[tuple[str, str], int]
