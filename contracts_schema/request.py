"""The consultation request file (``RAAD``; SPEC 3.3): columns and Pandera model."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts_schema.codes import GENDERS
from contracts_schema.columns import PERSON_COLUMNS, Column
from contracts_schema.mutation import POSTCODE_PATTERN

PURPOSES = ("ACCEPTATIE", "BEHEER")
COLUMNS: tuple[Column, ...] = (
    Column("request_id", "str", "Your id of the request: 1-40 characters, unique in the file."),
    Column("purpose", "str", "ACCEPTATIE (a new credit) or BEHEER (a contract you hold)."),
    *PERSON_COLUMNS,
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED_HEADER = ("request_id", "purpose", "birth_surname", "initials", "birth_date")
REQUIRED_FIELDS = REQUIRED_HEADER


class ConsultationRequest(pa.DataFrameModel):
    """A consultation request after its text has been read into types."""

    request_id: str = pa.Field(nullable=False, str_length={"min_value": 1, "max_value": 40})
    purpose: str = pa.Field(nullable=False, isin=list(PURPOSES))
    birth_surname: str = pa.Field(nullable=False, str_length={"max_value": 100})
    surname_prefix: str | None = pa.Field(nullable=True, str_length={"max_value": 20})
    initials: str = pa.Field(nullable=False, str_length={"max_value": 20})   # letters: plausibility
    gender: str | None = pa.Field(nullable=True, isin=list(GENDERS))
    birth_date: pl.Date = pa.Field(nullable=False)
    postcode: str | None = pa.Field(nullable=True, str_matches=POSTCODE_PATTERN)
    house_number: pl.Int64 | None = pa.Field(nullable=True, ge=1, le=99_999)
    house_number_suffix: str | None = pa.Field(nullable=True, str_length={"max_value": 10})

    class Config:
        strict = False
