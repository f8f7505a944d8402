"""A contract's closed versions: its state before each accepted change, with the day it ended.

The history holds every state a contract had, with its validity interval, so a reference date
in the past reads the contract as it then stood (barometers, ``cki contract --as-of``).

A chunk's versions are told apart and ordered through a u64 hash of the key (issue 17): a semi
join or a sort on the text key costs several times more, and most of an initial load's contracts
close nothing. The hash only narrows: should two contracts of the chunk share it, the versions
are ordered by the key itself. The closed versions come in the order they always had, by key
and step.
"""

from __future__ import annotations

import polars as pl

from pipeline.apply.ranks import Applied, same_contract_as
from pipeline.register.state import CONTRACT_KEY, STATE_COLUMNS

_H = "_vh"      # the key's hash, while the versions are chained


def _hashed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.struct(CONTRACT_KEY).hash(seed=5).alias(_H))


def closed_versions(applied: Applied, current: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame | None:
    """The versions a chunk closes (``current``: the stored rows before it; ``erase``: keys a
    DELETE erased, with its ``erase_step``), or None. Only a contract that existed before the
    chunk or changed twice in it closes one; nothing before a DELETE of tonight is kept."""
    versions = applied.versions
    if versions.height == 0:
        return None
    versions = _chained(_hashed(versions), current)
    if versions.height == 0:
        return None
    if erase.height:
        versions = versions.join(erase, on=CONTRACT_KEY, how="left").filter(
            pl.col("erase_step").is_null() | (pl.col("step") > pl.col("erase_step")))
    chain = versions.select(*CONTRACT_KEY, *STATE_COLUMNS, "step", _H)
    if current.height:
        before = (current.join(versions.select(CONTRACT_KEY), on=CONTRACT_KEY, how="semi")
                  .join(erase, on=CONTRACT_KEY, how="anti").with_columns(pl.lit(-1, dtype=pl.Int32).alias("step")))
        chain = pl.concat([_hashed(before), chain], how="vertical_relaxed")
    return _closed(chain)


def _chained(versions: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """The versions of contracts that existed before the chunk or changed twice in it, narrowed
    on the hash: a contract that only shares a hash with one of those comes along, and closes
    nothing (a version closes only where its contract has a next one)."""
    twice = versions.filter(pl.col("step") > 0)[_H]
    chained = pl.concat([_hashed(current.select(CONTRACT_KEY))[_H], twice]) if current.height else twice
    return versions.filter(pl.col(_H).is_in(chained.implode()))


def _closed(chain: pl.DataFrame) -> pl.DataFrame:
    """Each version of ``chain`` (the states of its contracts by step, before-chunk rows as step
    -1) ended by its contract's next one, in key and step order (without ``step``)."""
    ordered = chain.sort(_H, "step")
    collision = (pl.col(_H) == pl.col(_H).shift(1)) & ~same_contract_as(1)
    by_key = bool(ordered.select(collision.any()).item())
    if by_key:          # two contracts share a hash: their versions could interleave
        ordered = chain.sort([*CONTRACT_KEY, "step"])
    closed = ordered.with_columns(
        pl.when(same_contract_as(-1)).then(pl.col("valid_from").shift(-1)).alias("valid_to")
    ).filter(pl.col("valid_to").is_not_null())
    if not by_key:
        closed = closed.sort([*CONTRACT_KEY, "step"])
    return closed.drop("step", _H)
