"""A chunk's contract ids: the id each contract it leaves live carries in contracts, borrowers
and codes (decision 112).

Ids are the register's own integers, given out one after another as person ids are (decision
36): a contract keeps its stored row's id for its whole life, a contract created tonight takes
the next. The chunk's new rows of borrowers and codes take their contract's id by a join on the
chunk's keys, so every live row of the three tables carries the id of its contract's row.
"""

from __future__ import annotations

import polars as pl

from pipeline.register.state import CONTRACT_ID, CONTRACT_KEY


def contract_ids(live: pl.DataFrame, current: pl.DataFrame, next_id: int) -> tuple[pl.DataFrame, int]:
    """The id of each contract a chunk leaves live (``live``: their final state; ``current``: their
    stored rows before the chunk), row for row, and the next id after the chunk.

    A contract keeps the id of its stored row for its whole life; one created tonight (no stored
    row, or a NEW after a DELETE of the same key: a new registration) gets the next id, in the
    order of ``live``, which the rank loop makes the same on every run (decision 112)."""
    if current.height:
        known = live.join(current.select(*CONTRACT_KEY, CONTRACT_ID), on=CONTRACT_KEY, how="left",
                          maintain_order="left")[CONTRACT_ID]
    else:
        known = pl.repeat(None, live.height, dtype=pl.Int64, eager=True).alias(CONTRACT_ID)
    fresh = known.is_null() | live["erase_step"].is_not_null()
    given = next_id - 1 + fresh.cast(pl.Int64).cum_sum()
    ids = live.select(*CONTRACT_KEY, pl.when(fresh).then(given).otherwise(known).alias(CONTRACT_ID))
    return ids, next_id + int(fresh.sum())


def with_ids(rows: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """``rows`` of a chunk's contracts (links, codes) with their contract's id (``contract_ids``)."""
    if rows.height == 0:
        return rows.with_columns(pl.lit(None, pl.Int64).alias(CONTRACT_ID))
    return rows.join(ids, on=CONTRACT_KEY, how="left", maintain_order="left")
