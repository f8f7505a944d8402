"""A contract's closed versions: its state before each accepted change, with the day it ended.

The history holds every state a contract had, with its validity interval, so a reference date
in the past reads the contract as it then stood (barometers, ``cki contract --as-of``).
"""

from __future__ import annotations

import polars as pl

from pipeline.apply.ranks import Applied, same_contract_as
from pipeline.register.state import CONTRACT_KEY, STATE_COLUMNS


def closed_versions(applied: Applied, current: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame | None:
    """The versions a chunk closes (``current``: the stored rows before it; ``erase``: keys a
    DELETE erased, with its ``erase_step``), or None. Only a contract that existed before the
    chunk or changed twice in it closes one; nothing before a DELETE of tonight is kept."""
    versions = applied.versions
    if versions.height == 0:
        return None
    # semi joins: a key twice on the right changes nothing, so neither side is made distinct
    chained = pl.concat([current.select(CONTRACT_KEY), versions.filter(pl.col("step") > 0).select(CONTRACT_KEY)])
    versions = versions.join(chained, on=CONTRACT_KEY, how="semi")
    if versions.height == 0:
        return None
    versions = versions.join(erase, on=CONTRACT_KEY, how="left").filter(
        pl.col("erase_step").is_null() | (pl.col("step") > pl.col("erase_step")))
    before = (current.select(*CONTRACT_KEY, *STATE_COLUMNS)            # the history keeps no contract id
              .join(versions.select(CONTRACT_KEY), on=CONTRACT_KEY, how="semi")
              .join(erase, on=CONTRACT_KEY, how="anti").with_columns(pl.lit(-1, dtype=pl.Int32).alias("step")))
    chain = pl.concat([before, versions.select(*CONTRACT_KEY, *STATE_COLUMNS, "step")], how="vertical_relaxed")
    chain = chain.sort([*CONTRACT_KEY, "step"]).with_columns(
        pl.when(same_contract_as(-1)).then(pl.col("valid_from").shift(-1)).alias("valid_to"))
    return chain.filter(pl.col("valid_to").is_not_null()).drop("step")
