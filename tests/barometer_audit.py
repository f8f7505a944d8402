"""An attacker's audit of published barometers, written apart from ``pipeline.barometer.suppress``.

It reads only what an analyst can read, the CSV files of ``outbox/barometer/``, and for one
reference date computes every suppressed cell's least and greatest value consistent with all of
it: the national tables' figures, each gemeente or age table's column adding up to its national
figure, the published cells, non-negative counts, and persons in arrears being persons with a
credit. One linear program over the cells of all four suppressed tables at once, so a cell that
one table hides and another would give away is found too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from scipy.optimize import linprog

NATIONAL = {"persons_with_credit": "kredietbarometer_nationaal", "persons_in_arrears": "kredietbarometer_nationaal",
            "persons_mortgage_arrears_3m": "hypotheekbarometer_nationaal",
            "persons_residual_debt": "hypotheekbarometer_nationaal"}
SUPPRESSED = {"kredietbarometer_gemeente": ("gemeente_code", ["persons_with_credit", "persons_in_arrears"]),
              "kredietbarometer_leeftijd": ("age_band", ["persons_with_credit", "persons_in_arrears"]),
              "hypotheekbarometer_gemeente": ("gemeente_code", ["persons_mortgage_arrears_3m",
                                                                "persons_residual_debt"]),
              "hypotheekbarometer_leeftijd": ("age_band", ["persons_mortgage_arrears_3m"])}


class Intervals(dict):
    """(table, key, column) → (least, greatest) of each suppressed cell; ``totals`` its national figure."""

    def __init__(self) -> None:
        super().__init__()
        self.totals: dict[tuple[str, str, str], int] = {}

    def values_with_totals(self):
        return [(low, high, self.totals[cell]) for cell, (low, high) in self.items()]


def _read(folder: Path, name: str, peildatum: str) -> pl.DataFrame:
    frame = pl.read_csv(folder / f"{name}.csv", separator=";", infer_schema=False)
    return frame.filter(pl.col("peildatum") == peildatum)


def audit_date(folder: Path, peildatum: str) -> Intervals:
    cells, equalities, national = [], [], {}
    for column, table in NATIONAL.items():
        national[column] = int(_read(folder, table, peildatum)[column][0])
    published: dict[tuple[str, str, str], int] = {}
    for table, (key, columns) in SUPPRESSED.items():
        frame = _read(folder, table, peildatum)
        for column in columns:
            hidden, shown = [], 0
            for k, v in zip(frame[key], frame[column], strict=True):
                if v is None:
                    hidden.append((table, k, column))
                else:
                    published[(table, k, column)] = int(v)
                    shown += int(v)
            cells += hidden
            equalities.append((hidden, national[column] - shown))
    return _solve(cells, equalities, published, national)


def _solve(cells, equalities, published, national) -> Intervals:
    index = {c: i for i, c in enumerate(cells)}
    a_eq = np.array([[1.0 if c in set(group) else 0.0 for c in cells] for group, _ in equalities if group])
    b_eq = np.array([float(total) for group, total in equalities if group])
    a_ub, b_ub, bounds = [], [], [[0.0, None] for _ in cells]
    for table, (_key, columns) in SUPPRESSED.items():
        if "persons_in_arrears" not in columns:
            continue
        keys = {c[1] for c in [*cells, *published] if c[0] == table}
        for k in keys:
            sub, sup = (table, k, "persons_in_arrears"), (table, k, "persons_with_credit")
            if sub in index and sup in index:
                row = np.zeros(len(cells))
                row[index[sub]], row[index[sup]] = 1.0, -1.0
                a_ub.append(row)
                b_ub.append(0.0)
            elif sub in index:
                bounds[index[sub]][1] = float(published[sup])
            elif sup in index:
                bounds[index[sup]][0] = float(published[sub])
    out = Intervals()
    for cell, i in index.items():
        aim = np.zeros(len(cells))
        aim[i] = 1.0
        args = {"A_ub": np.array(a_ub) if a_ub else None, "b_ub": np.array(b_ub) if b_ub else None,
                "A_eq": a_eq, "b_eq": b_eq, "bounds": bounds, "method": "highs"}
        low, high = linprog(aim, **args), linprog(-aim, **args)
        assert low.status == 0 and high.status == 0, f"the published tables of {cell} are inconsistent"
        out[cell] = (round(low.fun), round(-high.fun))
        out.totals[cell] = national[cell[2]]
    return out
