"""Code tables of the register: contract types, codes, categories, kinds and periods (SPEC 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import polars as pl

REPORTING_DEADLINE_DAYS = 28
RETENTION_YEARS = 5
CONSULTATION_RETENTION_MONTHS = 12
MIN_AGE, MAX_AGE = 18, 120

Category = Literal[     # a type, so config.yaml's participants are checked against it (pydantic)
    "BANK", "FINANCIERINGSMAATSCHAPPIJ", "THUISWINKEL", "HYPOTHEEKVERSTREKKER",
    "CREDITCARD", "LEASE", "GEMEENTE", "OVERIG",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
FILE_KINDS = ("INIT", "MUT", "RAAD")   # in the order a night takes them
MUTATION_TYPES = ("NEW", "CHANGE", "CODE", "CODE_END", "END", "DELETE", "DECEASED")
CODES = ("A", "H", "1", "2", "3", "4", "5")
CODE_MEANINGS = {
    "A": "arrears (achterstand)",
    "H": "recovery of arrears (herstel)",
    "1": "repayment or debt arrangement after arrears",
    "2": "claim made due and payable (opeisbaar gesteld)",
    "3": "EUR 250 or more written off",
    "4": "borrower unreachable",
    "5": "preventive payment arrangement on a mortgage",
}
GENDERS = ("M", "V", "X")
MORTGAGE_TYPES = ("HY", "HO")
MIN_WRITE_OFF = 250
ARREARS_MIN_ABSOLUTE = 500


@dataclass(frozen=True)
class ContractType:
    """One row of SPEC 1's contract-type table."""

    code: str
    name: str
    amount_min: int | None
    amount_max: int | None
    amount_use: str            # required | optional | forbidden
    end_date_use: str          # required | optional | forbidden
    min_duration_months: int   # 0 = no minimum
    arrears_days: int          # days after arrears_since before an A may be reported
    arrears_min_share: float   # arrears amount >= share * amount (0 = no rule)
    arrears_min_amount: int    # arrears amount >= this (0 = no rule)
    registered_without_code: bool          # SPEC 1 "always": SR too, though not a POSITIVE_TYPE
    negative_codes: tuple[str, ...] = ()   # codes that make a negative-only NEW valid
    negative_below: int | None = None       # amounts below this need a negative code

    @property
    def positive(self) -> bool:
        """The old name of ``registered_without_code``, left for ``reference.py`` until it reads
        the new one (issue 16): "positive" is ``POSITIVE_TYPES``'s word."""
        return self.registered_without_code


CONTRACT_TYPES: tuple[ContractType, ...] = (
    ContractType("AK", "aflopend krediet", 500, 175_000, "required", "required", 3, 60, 0, 0, True),
    ContractType("RK", "doorlopend krediet", 500, 100_000, "required", "forbidden", 0, 60, 0.10,
                 ARREARS_MIN_ABSOLUTE, True),
    ContractType("VK", "verzendhuiskrediet", 250, 175_000, "required", "forbidden", 0, 90, 0, 0,
                 True, ("A", "2", "3", "4"), 500),
    ContractType("OA", "operational auto lease", 500, 175_000, "required", "optional", 0, 60, 0, 0, True),
    ContractType("SR", "schuldregeling", 0, 175_000, "optional", "required", 0, 60, 0, 0, True),
    ContractType("HY", "hypotheek eigen woning", None, None, "forbidden", "forbidden", 0, 120, 0, 0,
                 False, ("A", "2", "3", "4", "5")),
    ContractType("HO", "hypotheek overige onroerende zaken", None, None, "forbidden", "forbidden",
                 0, 120, 0, 0, False, ("A", "2", "3", "4", "5")),
    ContractType("RH", "restschuld hypotheek", 500, 175_000, "required", "optional", 0, 60, 0, 0, True),
    ContractType("RN", "restschuld hypotheek met NHG", 500, 175_000, "required", "optional", 0, 60, 0, 0,
                 True),
    ContractType("RO", "overige financiële verplichting", 500, None, "required", "optional", 0, 120, 0,
                 ARREARS_MIN_ABSOLUTE, False, ("A",)),
)
CONTRACT_TYPE_CODES = tuple(t.code for t in CONTRACT_TYPES)
# SPEC 5.2's "positive contract", whose status reasons are RUNNING_CLEAN ... RUNNING_ARREARS: every
# type registered without a code but SR, a debt arrangement, which has its own (SR_RUNNING, SR_ENDED).
POSITIVE_TYPES = ("AK", "RK", "VK", "OA", "RH", "RN")


def contract_type_table() -> pl.DataFrame:
    """The contract-type table as a frame, to join onto records by ``contract_type``."""
    rows = [
        {
            "ct_code": t.code,
            "ct_amount_min": t.amount_min,
            "ct_amount_max": t.amount_max,
            "ct_amount_use": t.amount_use,
            "ct_end_date_use": t.end_date_use,
            "ct_min_duration_months": t.min_duration_months,
            "ct_arrears_days": t.arrears_days,
            "ct_arrears_min_share": t.arrears_min_share,
            "ct_arrears_min_amount": t.arrears_min_amount,
            "ct_registered_without_code": t.registered_without_code,
            "ct_negative_codes": "".join(t.negative_codes),
            "ct_negative_below": t.negative_below,
        }
        for t in CONTRACT_TYPES
    ]
    return pl.DataFrame(rows, schema_overrides={"ct_amount_min": pl.Int64, "ct_amount_max": pl.Int64,
                                                "ct_negative_below": pl.Int64})
