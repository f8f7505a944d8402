"""Disclosure control of the gemeente and age tables (SPEC 7; docs/barometer-disclosure.md).

Primary suppression hides every count below ``min_cell_size``. Secondary suppression then hides
more cells, smallest first, until an exact audit shows that no primary cell can be narrowed down
from what the same date publishes: the national total of its column (every table's column adds up
to it), the other cells, and the row's other count where one is a subset of the other (persons in
arrears are persons with a credit). For each primary cell the audit solves two linear programs
(its least and its greatest value consistent with all of that) and asks for the interval
[0, min(min_cell_size, total)]: the published figures then say no more about the cell than that
it is small, not even that it is not zero.

The tables are small (a few hundred gemeenten, seven age bands), so this works on numpy arrays
of the cells; a loop over cells is a loop over a bounded table, not over records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from contracts_schema.barometer import SUBSETS, BarometerTable

Cell = tuple[int, int]          # (row, column) of a count


@dataclass
class Grid:
    """One table of one date: its counts, which are hidden, and which column is a subset of which."""

    values: np.ndarray          # rows × count columns, int64
    hidden: np.ndarray          # bool, same shape
    primary: np.ndarray         # bool: below min_cell_size
    links: list[tuple[int, int]]  # (subset column, superset column)
    min_cell_size: int

    def required(self, column: int) -> int:
        """How high a primary cell of ``column`` must be able to go: the threshold, or the
        column's total where that is smaller (nothing can hide more than the national figure)."""
        return int(min(self.min_cell_size, self.values[:, column].sum()))

    def linked(self, column: int) -> list[int]:
        return [b if a == column else a for a, b in self.links if column in (a, b)]


def grid_of(frame: pl.DataFrame, table: BarometerTable, min_cell_size: int) -> Grid:
    values = frame.select(table.counts).to_numpy().astype(np.int64).reshape(frame.height, len(table.counts))
    primary = values < min_cell_size
    links = [(table.counts.index(a), table.counts.index(b)) for a, b in SUBSETS.items()
             if a in table.counts and b in table.counts]
    return Grid(values, primary.copy(), primary, links, min_cell_size)


def protect(frame: pl.DataFrame, table: BarometerTable, min_cell_size: int) -> pl.DataFrame:
    """The table of one date with its unsafe cells emptied and ``suppressed`` per row."""
    grid = grid_of(frame, table, min_cell_size)
    for column in range(grid.values.shape[1]):
        _complete_column(grid, column)
    _until_audited(grid)
    return frame.with_columns(
        *[pl.when(pl.Series(grid.hidden[:, j])).then(None).otherwise(pl.col(c)).alias(c)
          for j, c in enumerate(table.counts)],
        pl.Series("suppressed", grid.hidden.any(axis=1), dtype=pl.Boolean))


def _complete_column(grid: Grid, column: int) -> None:
    """Hide the column's smallest visible cells until its hidden cells are at least two and add up
    to at least what ``required`` asks (so none equals the total minus what is published)."""
    hidden, values = grid.hidden[:, column], grid.values[:, column]
    while hidden.any() and not hidden.all():
        if hidden.sum() >= 2 and values[hidden].sum() >= grid.required(column):
            return
        hidden[_smallest_visible(values, hidden)] = True


def _smallest_visible(values: np.ndarray, hidden: np.ndarray) -> int:
    """The row of the smallest visible count (the first such row on a tie)."""
    return int(np.argmin(np.where(hidden, np.iinfo(np.int64).max, values)))


def _until_audited(grid: Grid) -> None:
    """Hide one more cell for the first unprotected primary cell, until the audit passes."""
    while (weak := next(unprotected(grid), None)) is not None:
        cell = _next_to_hide(grid, weak[1])
        if cell is None:
            return                          # everything is hidden: the national figure is all there is
        grid.hidden[cell] = True


def _next_to_hide(grid: Grid, column: int) -> Cell | None:
    """The smallest visible cell of the column, else of a linked column, else of any column."""
    for columns in ([column], grid.linked(column), range(grid.values.shape[1])):
        candidates = [(int(grid.values[i, j]), j, i) for j in columns
                      for i in np.flatnonzero(~grid.hidden[:, j])]
        if candidates:
            _, j, i = min(candidates)
            return int(i), j
    return None


def unprotected(grid: Grid):
    """Primary cells whose feasible interval is narrower than [0, required(column)]."""
    for cell in zip(*np.nonzero(grid.primary), strict=True):
        low, high = interval(grid, (int(cell[0]), int(cell[1])))
        if low > 0 or high < grid.required(int(cell[1])):
            yield cell


def interval(grid: Grid, cell: Cell) -> tuple[float, float]:
    """The least and the greatest value ``cell`` can have, given every visible cell, each
    column's total and the subset relations: two linear programs (HiGHS). SciPy is imported here,
    when a date is counted: its 0.8 s import is no cost of a night that owes no date."""
    from scipy.optimize import linprog

    variables = list(zip(*np.nonzero(grid.hidden), strict=True))
    index = {(int(i), int(j)): k for k, (i, j) in enumerate(variables)}
    a_eq, b_eq = _totals(grid, index)
    a_ub, b_ub, bounds = _subsets(grid, index)
    aim = np.zeros(len(variables))
    aim[index[cell]] = 1.0
    low = linprog(aim, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-aim, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return round(low.fun), round(-high.fun)


def _totals(grid: Grid, index: dict[Cell, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per column with hidden cells: they add up to its total minus its visible cells."""
    rows, rhs = [], []
    for j in range(grid.values.shape[1]):
        hidden = grid.hidden[:, j]
        if hidden.any():
            row = np.zeros(len(index))
            row[[index[(int(i), j)] for i in np.flatnonzero(hidden)]] = 1.0
            rows.append(row)
            rhs.append(float(grid.values[hidden, j].sum()))     # the total less what is published
    return np.array(rows), np.array(rhs)


def _subsets(grid: Grid, index: dict[Cell, int]) -> tuple[np.ndarray | None, np.ndarray | None, list]:
    """A subset cell is at most its row's superset cell: a constraint when both are hidden, a
    bound when one of them is published."""
    low = np.zeros(len(index))
    high = np.full(len(index), np.inf)
    rows, rhs = [], []
    for sub, sup in grid.links:
        for i in range(grid.values.shape[0]):
            a, b = index.get((i, sub)), index.get((i, sup))
            if a is not None and b is not None:
                row = np.zeros(len(index))
                row[a], row[b] = 1.0, -1.0
                rows.append(row)
                rhs.append(0.0)
            elif a is not None:
                high[a] = min(high[a], grid.values[i, sup])
            elif b is not None:
                low[b] = max(low[b], grid.values[i, sub])
    bounds = [(lo, None if np.isinf(hi) else hi) for lo, hi in zip(low, high, strict=True)]
    return (np.array(rows), np.array(rhs), bounds) if rows else (None, None, bounds)
