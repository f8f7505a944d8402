"""Column declarations shared by the input files: name, type and a description for the docs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One input column. ``kind`` is how the text is read: str, int, date or bool."""

    name: str
    kind: str
    description: str


TYPE_NAMES = {"str": "text", "int": "a whole number", "date": "a date YYYY-MM-DD", "bool": "true or false"}

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("birth_surname", "str", "Birth surname without prefix (a prefix inside it is accepted)."),
    Column("surname_prefix", "str", "Surname prefix such as 'van der'."),
    Column("initials", "str", "Initials, e.g. 'J.P.'."),
    Column("gender", "str", "M, V or X."),
    Column("birth_date", "date", "Birth date; age 18 to 120 at event_date."),
    Column("postcode", "str", "Dutch postcode '1234AB' (a space is allowed)."),
    Column("house_number", "int", "House number."),
    Column("house_number_suffix", "str", "House number suffix, e.g. 'A' or 'bis'."),
)
PERSON_FIELDS = tuple(c.name for c in PERSON_COLUMNS)     # a person's data: names, birth, address
