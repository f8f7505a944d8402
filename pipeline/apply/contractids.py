"""A chunk's contract ids: the id each contract it leaves live carries in contracts, borrowers
and codes (decision 112).

Ids are the register's own integers, given out one after another as person ids are (decision
36): a contract keeps its stored row's id for its whole life, a contract created tonight takes
the next. The chunk's new rows of borrowers and codes take their contract's id by a join on the
chunk's keys, so every live row of the three tables carries the id of its contract's row.

The joins are on the u64 hash of the key (``keyedtable.key_hash``) when no two of the chunk's keys
share one: every row joined is of one of those keys, so its hash names its key. On a load that
costs about 40 % of joining the two strings; a chunk whose keys do share a hash joins on the
key itself.
"""

from __future__ import annotations

import polars as pl

from pipeline.apply.keyedtable import KEY_HASH, key_hash
from pipeline.register.state import CONTRACT_ID, CONTRACT_KEY


def join_columns(keys: pl.DataFrame) -> list[str]:
    """What a chunk's rows are joined on (``keys``: the chunk's ``hashed_keys``): the key's hash
    when the chunk's keys have distinct hashes, else the key."""
    return [KEY_HASH] if keys[KEY_HASH].n_unique() == keys.height else CONTRACT_KEY


def _on(rows: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """``rows`` with the ``on`` columns (the key's hash computed when it is one of them)."""
    return rows.with_columns(key_hash()) if on == [KEY_HASH] and KEY_HASH not in rows.columns else rows


def contract_ids(live: pl.DataFrame, current: pl.DataFrame, on: list[str], next_id: int) -> tuple[pl.DataFrame, int]:
    """The id of each contract a chunk leaves live (``live``: their final state; ``current``: their
    stored rows before the chunk), row for row with ``live`` beside the ``on`` columns
    (``join_columns``), and the next id after the chunk.

    A contract keeps the id of its stored row for its whole life; one created tonight (no stored
    row, or a NEW after a DELETE of the same key: a new registration) gets the next id, in the
    order of ``live``, which the rank loop makes the same on every run."""
    live = _on(live, on)
    if current.height:
        stored = _on(current, on).select(*on, CONTRACT_ID)
        known = live.join(stored, on=on, how="left", maintain_order="left")[CONTRACT_ID]
    else:
        known = pl.repeat(None, live.height, dtype=pl.Int64, eager=True).alias(CONTRACT_ID)
    fresh = known.is_null() | live["erase_step"].is_not_null()
    given = next_id - 1 + fresh.cast(pl.Int64).cum_sum()
    ids = live.select(*on, pl.when(fresh).then(given).otherwise(known).alias(CONTRACT_ID))
    return ids, next_id + int(fresh.sum())


def with_ids(rows: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """``rows`` of a chunk's live contracts (links, codes) with their contract's id (``ids``, from
    ``contract_ids``), in their order."""
    on = [c for c in ids.columns if c != CONTRACT_ID]
    if rows.height == 0:
        return rows.with_columns(pl.lit(None, pl.Int64).alias(CONTRACT_ID))
    joined = _on(rows, on).join(ids, on=on, how="left", maintain_order="left")
    return joined.drop(KEY_HASH) if KEY_HASH not in rows.columns and on == [KEY_HASH] else joined
