"""Tonight's events: every accepted record, with its run, file and line (the audit trail).

A chunk's events go to the transaction's holding at once, so a night never keeps them all; a
DELETE in a later chunk of the same night erases the events of earlier chunks of its contract.
"""

from __future__ import annotations

import polars as pl

from contracts_schema import mutation
from pipeline.register.plan import Append
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.transaction import Holding

EVENT_COLUMNS = ["run_id", "file", "line_no", "participant_code", *[c for c in mutation.COLUMN_NAMES
                                                                   if c != "participant_code"]]


class NightEvents:
    """The parts of tonight's events, each with the chunk that wrote it."""

    def __init__(self, holding: Holding | None, run_id: str) -> None:
        self.holding, self.run_id = holding, run_id
        self.parts: list[tuple[str, int]] = []

    def add(self, accepted: pl.DataFrame, file_of: pl.Expr, chunk_no: int) -> None:
        """A chunk's accepted records (those a later DELETE of the chunk erased left out)."""
        if self.holding is None:
            return
        events = accepted.with_columns(file_of.alias("file"), pl.lit(self.run_id).alias("run_id"))
        name = self.holding.events(events.sort(_delivered_order()).select(EVENT_COLUMNS))
        if name is not None:
            self.parts.append((name, chunk_no))

    def change(self, erased: pl.DataFrame) -> Append | None:
        """The events tonight appends: every part, without the contracts a later chunk's DELETE
        erased (``erased``: keys with the ``chunk_no`` that erased them)."""
        if self.holding is None:
            return None
        held = []
        for name, chunk_no in self.parts:
            later = erased.filter(pl.col("chunk_no") > chunk_no).select(CONTRACT_KEY).unique()
            held.append(self.holding.without(name, later, CONTRACT_KEY) if later.height else name)
        return Append(pl.DataFrame(), tuple(held))


def _delivered_order() -> pl.Expr:
    """File, then line, as one integer: a single-key sort is several times cheaper than a sort on
    two columns (a line number stays far below 2**32)."""
    return pl.col("file_idx").cast(pl.Int64) * (1 << 32) + pl.col("line_no")
