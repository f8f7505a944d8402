"""The error catalogue (SPEC 4.1): every code with its scope and a message template.

Templates name ``{field}``, ``{value}`` and ``{limit}``; ``pipeline`` fills them per record as
Polars expressions, so the sentence a clerk reads quotes the value and the rule it broke.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    """One entry of the catalogue."""

    code: str
    scope: str        # file | record | request
    title: str
    template: str


def _f(code: str, template: str) -> ErrorCode:
    return ErrorCode(code, "file", code.replace("_", " ").lower(), template)


def _r(code: str, template: str, scope: str = "record") -> ErrorCode:
    return ErrorCode(code, scope, code.replace("_", " ").lower(), template)


CATALOGUE: tuple[ErrorCode, ...] = (
    _f("FILE_NAME_INVALID", "The file name '{value}' does not follow {limit}."),
    _f("FILE_PARTICIPANT_MISMATCH", "The file belongs to participant '{value}' but was delivered in "
       "the inbox of {limit}."),
    _f("PARTICIPANT_UNKNOWN", "Participant '{value}' is not known to the register{limit}."),
    _f("PARTICIPANT_NOT_AUTHORIZED", "Participant '{value}' may not deliver {limit}."),
    _f("FILE_DUPLICATE", "This file has the same content as '{value}', which was already processed."),
    _f("FILE_SEQUENCE", "Sequence number {value} is not higher than {limit}, the last one processed "
       "for this participant and kind."),
    _f("FILE_EMPTY", "The file holds no records."),
    _f("FILE_ENCODING", "The file is not valid UTF-8 ({value})."),
    _f("FILE_HEADER", "The header is not valid: {value}."),
    _f("FILE_UNREADABLE", "The file could not be read as {limit}: {value}."),
    _f("FILE_TOO_LARGE", "The file is too large to read: {value}, more than {limit}. Deliver it in smaller "
       "files, or correct what is too long."),
    _f("FILE_NOT_REGULAR", "'{value}' is not a regular file ({limit}); only plain files are read."),
    _r("MISSING_FIELD", "{field} is required {limit} but is empty."),
    _r("INVALID_TYPE", "{field} '{value}' cannot be read as {limit}."),
    _r("INVALID_VALUE", "{field} '{value}' is not allowed: {limit}."),
    _r("OUT_OF_RANGE", "{field} {value} is outside the allowed range: {limit}."),
    _r("FIELD_NOT_ALLOWED", "{field} '{value}' must be empty {limit}."),
    _r("FUTURE_DATE", "{field} {value} is after the processing date {limit}."),
    _r("LATE", "{field} {value} was reported more than 28 days after it happened (deadline {limit})."),
    _r("RETENTION_EXPIRED", "The contract ended on {value}; its retention of 5 years ended on {limit}."),
    _r("UNKNOWN_CONTRACT", "Contract '{value}' is not registered for this participant."),
    _r("DUPLICATE_CONTRACT", "Contract '{value}' is already registered {limit}."),
    _r("DUPLICATE_RECORD", "This record is an exact copy of line {limit}."),
    _r("TYPE_NOT_ALLOWED", "Contract type '{value}' may not be registered by this participant "
       "(allowed: {limit})."),
    _r("NEGATIVE_ONLY_WITHOUT_CODE", "A {value} is registered only with a code ({limit}), "
       "but the record has none."),
    _r("ARREARS_TOO_EARLY", "Arrears since {value} may be reported from {limit} on."),
    _r("ARREARS_TOO_SMALL", "Arrears amount {value} is below the minimum of {limit}."),
    _r("H_WITHOUT_A", "Code H (recovery) needs open arrears (code A) on the contract; {limit}."),
    _r("CODE1_WITHOUT_A", "Code 1 needs an earlier code A on the contract; {limit}."),
    _r("CODE5_NOT_MORTGAGE", "Code 5 is only for mortgages (HY, HO), not for type {value}."),
    _r("WRITE_OFF_TOO_SMALL", "Written-off amount {value} is below the minimum of {limit} for code 3."),
    _r("DISCHARGE_WITHOUT_END_DATE", "Code 3 with final discharge needs the actual end date "
       "on the same record."),
    _r("END_DATE_NOT_ALLOWED", "actual_end_date {value} may not be reported {limit}."),
    _r("CONTRACT_ENDED", "The contract ended on {value}; {limit}."),
    _r("CODE_NOT_ACTIVE", "Code {value} is not active on this contract, so it cannot be ended."),
    _r("DEPENDS_ON_REJECTED", "This record depends on the record on line {limit}, which was rejected."),
    _r("DUPLICATE_REQUEST_ID", "request_id '{value}' occurs more than once in the file (first on "
       "line {limit}).", "request"),
    _r("NO_CONTRACT_FOR_BEHEER", "A BEHEER consultation needs a running contract of your own with "
       "this person.", "request"),
    _r("PERSON_AMBIGUOUS", "Several registered persons share this name and birth date and none has "
       "this address; a new person was registered (warning)."),
)

BY_CODE: dict[str, ErrorCode] = {e.code: e for e in CATALOGUE}
FILE_ERROR_CODES = tuple(e.code for e in CATALOGUE if e.scope == "file")
RECORD_ERROR_CODES = tuple(e.code for e in CATALOGUE if e.scope != "file")


def message(code: str, field: str = "", value: object = "", limit: object = "") -> str:
    """Fill one template in Python (whole-file errors; records use the Polars version)."""
    return BY_CODE[code].template.format(field=field, value=value, limit=limit)
