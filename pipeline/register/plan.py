"""A night's changes to the register as data, built by the stages with no side effects.

Each stage returns what it changes, per table, as one of three documented changes, plus what it
erases; the register's ``Transaction.carry_out`` is the one visitor that writes a plan (sqlmesh's
plan stages are dataclasses applied so). A stage never writes a table itself: rows too many to
hold in memory (an initial load) are handed to the transaction's ``Holding``, which writes them
as parts the manifest does not name yet, and the plan names those parts (``held``).

- ``Replace``: the table becomes these rows (a retention purge of the consultation log).
- ``Patch``: these stored rows (part, row) are superseded by these rows (a contract's new state).
- ``Append``: these rows come in beside the stored ones (history, events, addresses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import polars as pl

from pipeline.register.erase import Erasure, no_keys, no_persons

PART, ROW = "_part", "_row"          # where a stored row lives: its part file and row position


def no_rows() -> pl.DataFrame:
    """No stored row superseded."""
    return pl.DataFrame(schema={PART: pl.String, ROW: pl.get_index_type()})


def no_erasure() -> Erasure:
    return Erasure(no_keys(), no_keys(), no_persons())


@dataclass(frozen=True)
class Replace:
    """The table becomes ``rows``."""

    rows: pl.DataFrame


@dataclass(frozen=True)
class Patch:
    """The stored rows at ``superseded`` (PART, ROW) go dead; ``rows`` and the parts the
    transaction holds already for this table (``held``) come in."""

    superseded: pl.DataFrame
    rows: pl.DataFrame
    held: tuple[str, ...] = ()


@dataclass(frozen=True)
class Append:
    """``rows`` and the ``held`` parts come in beside the stored rows."""

    rows: pl.DataFrame
    held: tuple[str, ...] = ()


TableChange = Replace | Patch | Append


def _frozen(changes: Mapping[str, TableChange]) -> Mapping[str, TableChange]:
    return MappingProxyType(dict(changes))


@dataclass(frozen=True)
class Plan:
    """What one night does to the register: a change per table, the erasure, and the ids the next
    new person and the next new contract get. ``consultations_purged`` counts the log rows a
    ``Replace`` leaves out."""

    changes: Mapping[str, TableChange] = field(default_factory=lambda: _frozen({}))
    erasure: Erasure = field(default_factory=no_erasure)
    next_person_id: int | None = None
    consultations_purged: int = 0
    next_contract_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", _frozen(self.changes))

    def with_change(self, name: str, change: TableChange) -> Plan:
        return replace(self, changes={**self.changes, name: change})

    def appended(self, name: str, rows: pl.DataFrame) -> Plan:
        """The plan with ``rows`` added to the table, after whatever change it has already."""
        change = self.changes.get(name)
        if change is None:
            return self.with_change(name, Append(rows))
        both = pl.concat([change.rows, rows], how="vertical_relaxed")
        return self.with_change(name, replace(change, rows=both))

    def with_erasure(self, erasure: Erasure) -> Plan:
        return replace(self, erasure=erasure)

    def released(self) -> Plan:
        """The plan without its rows, once the transaction has written them (the night keeps the
        erasure and the counts for its summary, not the rows)."""
        return replace(self, changes={})
