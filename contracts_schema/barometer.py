"""The barometer tables analysts read (SPEC 7): names, key columns, counts, age bands.

The one definition of the seven tables: the register's history tables, the outbox files, the
report and the docs all take their columns from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
AGE_BAND_LOWER = (18, 25, 35, 45, 55, 65, 75)     # the first age of each band
UNKNOWN_GEMEENTE = "ONBEKEND"                     # a postcode the pc4 table does not hold
MORTGAGE_ARREARS_TYPES = ("HY",)                  # SPEC 7: a running mortgage registration (HY)
RESIDUAL_DEBT_TYPES = ("RH", "RN")
MORTGAGE_ARREARS_MONTHS = 3

KEY_TYPES: dict[str, pl.DataType] = {"peildatum": pl.Date(), "contract_type": pl.String(),
                                     "gemeente_code": pl.String(), "gemeente_name": pl.String(),
                                     "age_band": pl.String()}


@dataclass(frozen=True)
class BarometerTable:
    """One published table: its key columns, its counts, and whether small counts are suppressed."""

    name: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    suppressed: bool                 # the gemeente and age tables (SPEC 7); national tables never

    @property
    def schema(self) -> dict[str, pl.DataType]:
        """Column types of the table as stored and published: counts are integers, and the
        suppressed tables end with a boolean ``suppressed``."""
        columns: dict[str, pl.DataType] = {k: KEY_TYPES[k] for k in self.keys}
        columns.update({c: pl.Int64() for c in self.counts})
        if self.suppressed:
            columns["suppressed"] = pl.Boolean()
        return columns


TABLES: tuple[BarometerTable, ...] = (
    BarometerTable("kredietbarometer_nationaal", ("peildatum",),
                   ("persons_with_credit", "persons_in_arrears", "contracts"), False),
    BarometerTable("kredietbarometer_soort", ("peildatum", "contract_type"),
                   ("contracts", "contracts_in_arrears"), False),
    BarometerTable("kredietbarometer_gemeente", ("peildatum", "gemeente_code", "gemeente_name"),
                   ("persons_with_credit", "persons_in_arrears"), True),
    BarometerTable("kredietbarometer_leeftijd", ("peildatum", "age_band"),
                   ("persons_with_credit", "persons_in_arrears"), True),
    BarometerTable("hypotheekbarometer_nationaal", ("peildatum",),
                   ("persons_mortgage_arrears_3m", "persons_residual_debt"), False),
    BarometerTable("hypotheekbarometer_gemeente", ("peildatum", "gemeente_code", "gemeente_name"),
                   ("persons_mortgage_arrears_3m", "persons_residual_debt"), True),
    BarometerTable("hypotheekbarometer_leeftijd", ("peildatum", "age_band"),
                   ("persons_mortgage_arrears_3m",), True),
)
BY_NAME = {t.name: t for t in TABLES}

# A person counted in a cell of the first column is counted in the same row of the second:
# persons in arrears are persons with a credit. The disclosure audit uses this relation too.
SUBSETS = {"persons_in_arrears": "persons_with_credit"}
