"""Produce reference dates and fold them into the history (SPEC 7).

``due`` says which dates a night owes, ``produce`` counts and protects them, ``merged`` puts
them into the history in place of any earlier rows of the same dates. None of these writes: the
night's (or ``cki barometer``'s) transaction stores the history and the outbox publishes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from contracts_schema.barometer import TABLES
from pipeline.barometer import calendar
from pipeline.barometer.asof import RegisterTables
from pipeline.barometer.suppress import protect
from pipeline.barometer.tables import compute
from pipeline.config import Barometer

HEADLINE = "kredietbarometer_nationaal"      # every produced date has exactly one row here


def tables_of(scan: Callable[[str], pl.LazyFrame]) -> RegisterTables:
    """The tables a reference date is counted from, as ``scan`` gives them (committed or tonight's)."""
    return RegisterTables(*[scan(name) for name in ("contracts", "borrowers", "codes", "persons", "addresses")])


def first_run(runs: pl.DataFrame) -> date | None:
    return runs["run_date"].min() if runs.height else None  # type: ignore[return-value]


def produced(history: dict[str, pl.DataFrame]) -> set[date]:
    return set(history[HEADLINE]["peildatum"].to_list())


def due(runs: pl.DataFrame, history: dict[str, pl.DataFrame], run_date: date, frequency: str) -> list[date]:
    """The reference dates a night on ``run_date`` owes (a first night owes none)."""
    first = first_run(runs) or run_date
    return calendar.due(first, run_date, produced(history), frequency)


def produce(tables: RegisterTables, pc4: pl.DataFrame, dates: list[date], settings: Barometer,
            min_cell_size: int) -> dict[str, pl.DataFrame]:
    """The seven tables' rows of ``dates``, counted and protected against disclosure."""
    rows: dict[str, list[pl.DataFrame]] = {t.name: [] for t in TABLES}
    for on in dates:                            # a handful of dates: one pass over the register each
        counted = compute(tables, pc4, on, list(settings.consumer_credit_types))
        for table in TABLES:
            frame = counted[table.name]
            rows[table.name].append(protect(frame, table, min_cell_size) if table.suppressed else frame)
    return {name: _typed(name, frames) for name, frames in rows.items()}


def merged(history: dict[str, pl.DataFrame], rows: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The history with ``rows`` in place of any earlier rows of their dates, sorted by
    ``peildatum`` then key."""
    out = {}
    for table in TABLES:
        new = rows[table.name]
        kept = history[table.name].filter(~pl.col("peildatum").is_in(new["peildatum"].unique().implode()))
        out[table.name] = pl.concat([kept, new]).sort(list(table.keys), maintain_order=True)
    return out


def _typed(name: str, frames: list[pl.DataFrame]) -> pl.DataFrame:
    schema = next(t.schema for t in TABLES if t.name == name)
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames).select(list(schema)).cast(schema)  # type: ignore[arg-type]
