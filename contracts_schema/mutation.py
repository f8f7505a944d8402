"""The mutation file (``MUT``, ``INIT``; SPEC 3.2): columns, when each is used, and its Pandera model.

``FIELD_USE`` says per mutation type which fields are required and which may be present; every
other non-empty field is ``FIELD_NOT_ALLOWED``. Rules that depend on the contract type or on
the register's state are in ``pipeline.rules.staterules`` and read the code tables in ``codes``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts_schema.codes import CODES, CONTRACT_TYPE_CODES, GENDERS, MUTATION_TYPES
from contracts_schema.columns import PERSON_COLUMNS, PERSON_FIELDS, Column

CONTRACT_NUMBER_PATTERN = r"^[A-Za-z0-9/._-]{1,30}$"
POSTCODE_PATTERN = r"^[1-9][0-9]{3} ?[A-Za-z]{2}$"

COLUMNS: tuple[Column, ...] = (
    Column("participant_code", "str", "Your participant code; must equal the file's participant."),
    Column("contract_number", "str", "Your contract number: 1-30 of A-Z a-z 0-9 / . _ -."),
    Column("mutation_type", "str", "NEW, CHANGE, CODE, CODE_END, END, DELETE or DECEASED."),
    Column("event_date", "date", "Start date (NEW), or the date of the change, code, end or death."),
    Column("contract_type", "str", "Contract type (NEW): " + ", ".join(CONTRACT_TYPE_CODES) + "."),
    Column("amount", "int", "Amount or limit in whole euros (NEW, CHANGE), per contract type."),
    Column("theoretical_end_date", "date", "Theoretical end date, per contract type (NEW, CHANGE)."),
    Column("borrower_no", "int", "1 or 2 (default 1); a joint contract's NEW is two rows."),
    *PERSON_COLUMNS,
    Column("code", "str", "Code A, H, 1-5 (CODE), 5 (CODE_END), or the first code of a NEW."),
    Column("arrears_since", "date", "The day the arrears arose (code A)."),
    Column("arrears_amount", "int", "Arrears amount in euros (code A; required for RK and RO)."),
    Column("written_off_amount", "int", "Amount written off, at least 250 (code 3)."),
    Column("final_discharge", "bool", "Final discharge, true or false (code 3)."),
    Column("actual_end_date", "date", "Actual end date (END: equals event_date; code 3 with final "
           "discharge)."),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED_HEADER = ("participant_code", "contract_number", "mutation_type", "event_date")

# Per mutation type: the fields it requires and the further fields it may carry. Code-specific
# fields (arrears_since, ...) are governed by CODE_FIELDS; actual_end_date by the END/code 3 rules.
_ALWAYS = ("participant_code", "contract_number", "mutation_type", "event_date", "borrower_no")
FIELD_USE: dict[str, dict[str, tuple[str, ...]]] = {
    "NEW": {
        "required": ("contract_type", "birth_surname", "initials", "gender", "birth_date",
                     "postcode", "house_number"),
        "allowed": ("amount", "theoretical_end_date", "surname_prefix", "house_number_suffix", "code"),
    },
    "CHANGE": {"required": (), "allowed": ("amount", "theoretical_end_date", *PERSON_FIELDS)},
    "CODE": {"required": ("code",), "allowed": ()},
    "CODE_END": {"required": ("code",), "allowed": ()},
    "END": {"required": ("actual_end_date",), "allowed": ()},
    "DELETE": {"required": (), "allowed": ()},
    "DECEASED": {"required": (), "allowed": ()},
}
# Fields that belong to a code: required (R) or allowed (O) with that code, forbidden otherwise.
CODE_FIELDS: dict[str, dict[str, str]] = {
    "arrears_since": {"A": "R"},
    "arrears_amount": {"A": "O"},
    "written_off_amount": {"3": "R"},
    "final_discharge": {"3": "O"},
}


class MutationRecord(pa.DataFrameModel):
    """A mutation record after its text has been read into types: the per-field checks."""

    participant_code: str = pa.Field(nullable=False, description=COLUMNS[0].description)
    contract_number: str = pa.Field(nullable=False, str_matches=CONTRACT_NUMBER_PATTERN)
    mutation_type: str = pa.Field(nullable=False, isin=list(MUTATION_TYPES))
    event_date: pl.Date = pa.Field(nullable=False)
    contract_type: str | None = pa.Field(nullable=True, isin=list(CONTRACT_TYPE_CODES))
    amount: pl.Int64 | None = pa.Field(nullable=True, ge=0)
    theoretical_end_date: pl.Date | None = pa.Field(nullable=True)
    borrower_no: pl.Int64 | None = pa.Field(nullable=True, isin=[1, 2])
    birth_surname: str | None = pa.Field(nullable=True, str_length={"max_value": 100})
    surname_prefix: str | None = pa.Field(nullable=True, str_length={"max_value": 20})
    initials: str | None = pa.Field(nullable=True, str_length={"max_value": 20})   # letters: plausibility
    gender: str | None = pa.Field(nullable=True, isin=list(GENDERS))
    birth_date: pl.Date | None = pa.Field(nullable=True)
    postcode: str | None = pa.Field(nullable=True, str_matches=POSTCODE_PATTERN)
    house_number: pl.Int64 | None = pa.Field(nullable=True, ge=1, le=99_999)
    house_number_suffix: str | None = pa.Field(nullable=True, str_length={"max_value": 10})
    code: str | None = pa.Field(nullable=True, isin=list(CODES))
    arrears_since: pl.Date | None = pa.Field(nullable=True)
    arrears_amount: pl.Int64 | None = pa.Field(nullable=True, ge=1)
    written_off_amount: pl.Int64 | None = pa.Field(nullable=True, ge=0)
    final_discharge: pl.Boolean | None = pa.Field(nullable=True)
    actual_end_date: pl.Date | None = pa.Field(nullable=True)

    class Config:
        strict = False
