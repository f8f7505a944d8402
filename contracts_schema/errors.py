"""The error catalogue (SPEC 4.1): every code with its scope and, in English and Dutch, a title, a
description and a message template (frictionless' ``errors``: code, title, description, template).

Templates name ``{field}``, ``{value}`` and ``{limit}``, which a rule fills per record, so the
sentence a clerk reads quotes the value and the rule it broke. A part may be empty, so the words
around it are an optional section ``[ ... {limit} ...]``, left out when a placeholder in it is
empty, or ``[ ... {limit} ...|other words]``, which says ``other words`` then: no message ever
holds a stray gap or a dangling word. The English texts are here, the Dutch ones (and the Dutch of
the parts the rules fill in) in ``errors_nl``; ``message`` renders one in either language and
``pipeline.rules.findings`` renders a whole frame of findings the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import product

import polars as pl

from contracts_schema.codes import MIN_WRITE_OFF, REPORTING_DEADLINE_DAYS, RETENTION_YEARS
from contracts_schema.errors_nl import NL, PARTS
from contracts_schema.words import DEFAULT_LANGUAGE, LANGUAGES

SLOTS = ("field", "value", "limit")
_SECTION = re.compile(r"\[([^\[\]|]*)(?:\|([^\[\]|]*))?\]")
_SLOT = re.compile(r"\{(field|value|limit)\}")


@dataclass(frozen=True)
class Text:
    """A code in one language: a short title, what it means and what to do, the message template."""

    title: str
    description: str
    template: str


@dataclass(frozen=True)
class ErrorCode:
    """One entry of the catalogue."""

    code: str
    scope: str        # file | record | request
    en: Text
    nl: Text

    def text(self, language: str) -> Text:
        return self.nl if language == "nl" else self.en


_D = REPORTING_DEADLINE_DAYS
_Y = RETENTION_YEARS
# code: (scope, title, description, template). The Dutch of each is errors_nl.NL[code].
EN: dict[str, tuple[str, str, str, str]] = {
    "FILE_NAME_INVALID": ("file", "file name not valid",
        "The name must say the participant, the kind of file, the date and the sequence number. Rename the "
        "file and deliver it again.",
        "The file name[ '{value}'] does not follow the rule[ {limit}]."),
    "FILE_PARTICIPANT_MISMATCH": ("file", "file of another participant",
        "The participant in the file name, or in the column participant_code, is not the participant whose "
        "inbox the file was delivered in.",
        "The file belongs to[ participant '{value}'| another participant] but was delivered in the inbox of"
        "[ {limit}| another participant]."),
    "PARTICIPANT_UNKNOWN": ("file", "participant unknown",
        "The inbox folder is not the code of a participant of the register.",
        "[Participant '{value}'|The participant] is not known to the register[{limit}]."),
    "PARTICIPANT_NOT_AUTHORIZED": ("file", "participant not authorised",
        "The participant may not deliver this kind of file: registrations need the right to register, "
        "consultation requests the right to consult, and only participants that register may consult "
        "(reciprocity).",
        "[Participant '{value}'|This participant] may not deliver[ {limit}| this kind of file]."),
    "FILE_DUPLICATE": ("file", "file already processed",
        "A file with exactly the same content was processed before; nothing of this one is applied.",
        "This file has the same content as[ '{value}',| a file] which was already processed."),
    "FILE_SEQUENCE": ("file", "sequence number not higher",
        "Per participant and kind of file the sequence numbers must go up; deliver the file again with a "
        "higher one.",
        "Sequence number[ {value}] is not higher than[ {limit}, the last one processed| the last one "
        "processed] for this participant and kind of file."),
    "FILE_EMPTY": ("file", "file empty",
        "The file holds no records, or not even a header.",
        "The file holds no records."),
    "FILE_ENCODING": ("file", "not UTF-8",
        "Every file is UTF-8 text; save it as UTF-8 (in Excel: CSV UTF-8) and deliver it again.",
        "The file is not valid UTF-8[: {value}]. Save it as UTF-8 and deliver it again."),
    "FILE_HEADER": ("file", "header not valid",
        "The first line must name the columns, separated by ';': the required ones, no unknown ones and "
        "none twice.",
        "The header (the file's first line) is not valid[: {value}]."),
    "FILE_UNREADABLE": ("file", "file unreadable",
        "The file could not be read as CSV or Parquet; the message says where it breaks and how to mend it.",
        "The file could not be read[ as {limit}][: {value}]."),
    "FILE_TOO_LARGE": ("file", "file too large",
        "The file is larger than the register reads in one delivery; deliver it in smaller files.",
        "The file is too large to read[: {value}][, more than {limit}]. Deliver it in smaller files, or "
        "correct what is too long."),
    "FILE_NOT_REGULAR": ("file", "not a regular file",
        "A link, a folder or another special entry in an inbox is never read; deliver plain files only.",
        "['{value}'|This entry] is not a regular file[ ({limit})]; only plain files are read."),
    "MISSING_FIELD": ("record", "field missing",
        "The field is required for this kind of record, code or contract type, but is empty.",
        "[{field}|A field] is required[ {limit}] but is empty."),
    "INVALID_TYPE": ("record", "value of the wrong type",
        "The text in the field cannot be read as a number, a date YYYY-MM-DD or true/false as the column asks.",
        "[{field}|The value][ '{value}'] cannot be read[ as {limit}]."),
    "INVALID_VALUE": ("record", "value not allowed",
        "The value is not one of those allowed, does not have the required form, or is too long.",
        "[{field}|The value][ '{value}'] is not allowed[: {limit}]."),
    "IMPLAUSIBLE_NAME": ("record", "name not plausible",
        "A surname, prefix or initials that cannot be a name (a formula, digits, no letter at all).",
        "[{field}|The value][ '{value}'] is not a plausible name[: {limit}]. Correct it as it is written on "
        "the person's identity document."),
    "OUT_OF_RANGE": ("record", "value out of range",
        "A number or date outside what the field or the contract type allows.",
        "[{field}|The value][ {value}] is outside the allowed range[: {limit}]."),
    "FIELD_NOT_ALLOWED": ("record", "field not allowed",
        "The field must be empty for this kind of record, code or contract type.",
        "[{field}|A field][ '{value}'] must be empty[ {limit}]."),
    "FUTURE_DATE": ("record", "date in the future",
        "A date after the day the file is processed.",
        "[{field}|The date][ {value}] is after the processing date[ {limit}]."),
    "LATE": ("record", "reported too late",
        f"Events must be reported within {_D} days; a later one is rejected, or accepted with a warning "
        "where the register's operator chose so.",
        f"[{{field}}|The event][ {{value}}] was reported more than {_D} days after it happened"
        "[ (deadline {limit})]."),
    "RETENTION_EXPIRED": ("record", "retention expired",
        f"The contract ended more than {_Y} years ago: the register no longer holds it.",
        f"The contract ended[ on {{value}}][; its retention of {_Y} years ended on {{limit}}| more than {_Y} "
        "years ago]."),
    "UNKNOWN_CONTRACT": ("record", "contract unknown",
        "No contract (or no such borrower) with this number is registered for the participant.",
        "Contract[ '{value}'] is not registered for this participant."),
    "DUPLICATE_CONTRACT": ("record", "contract already registered",
        "A NEW for a contract (and borrower) that is registered already.",
        "Contract[ '{value}'] is already registered; report a change with CHANGE or CODE, not NEW."),
    "DUPLICATE_RECORD": ("record", "record delivered twice",
        "The record equals an earlier record of the same file in every column.",
        "This record is an exact copy of[ line {limit}| an earlier line]."),
    "TYPE_NOT_ALLOWED": ("record", "contract type not allowed",
        "The participant may not register contracts of this type (config.yaml, contract_types).",
        "Contract type[ '{value}'] may not be registered by this participant[ (allowed: {limit})]."),
    "NEGATIVE_ONLY_WITHOUT_CODE": ("record", "code required",
        "A contract of this type (or below this amount) is registered only with a code.",
        "[A contract of type {value}|A contract of this type] is registered only with a code[ ({limit})], but "
        "the record has none."),
    "ARREARS_TOO_EARLY": ("record", "arrears reported too early",
        "Arrears may be reported only when they have lasted the days the contract type sets.",
        "[Arrears since {value}|These arrears] may be reported[ from {limit}| only after the days the "
        "contract type sets]."),
    "ARREARS_TOO_SMALL": ("record", "arrears amount too small",
        "The arrears amount is below the minimum of the contract type.",
        "Arrears amount[ {value}] is below the minimum[ of {limit}]."),
    "H_WITHOUT_A": ("record", "recovery without arrears",
        "Code H (recovery) needs open arrears (code A) on the contract.",
        "Code H (recovery) needs open arrears (code A) on the contract[; {limit}]."),
    "CODE1_WITHOUT_A": ("record", "code 1 without arrears",
        "Code 1 needs an earlier code A on the contract.",
        "Code 1 needs an earlier code A on the contract[; {limit}]."),
    "CODE5_NOT_MORTGAGE": ("record", "code 5 not for this type",
        "Code 5 (preventive payment arrangement) is only for mortgages, HY and HO.",
        "Code 5 is only for mortgages (HY, HO)[, not for type {value}]."),
    "WRITE_OFF_TOO_SMALL": ("record", "written-off amount too small",
        f"Code 3 is a write-off of EUR {MIN_WRITE_OFF} or more.",
        "Written-off amount[ {value}] is below the minimum[ of {limit}] for code 3."),
    "DISCHARGE_WITHOUT_END_DATE": ("record", "end date missing",
        "Code 3 with final discharge ends the contract: the record carries its actual end date.",
        "Code 3 with final discharge needs the actual end date on the same record."),
    "END_DATE_NOT_ALLOWED": ("record", "end date not allowed",
        "Only END and code 3 with final discharge report an actual end date.",
        "actual_end_date[ {value}] may not be reported[ {limit}]."),
    "CONTRACT_ENDED": ("record", "contract ended",
        "The contract has ended; after its end only a DELETE, a death or a code 2, 3 or 4 may follow.",
        "The contract ended[ on {value}][; {limit}]."),
    "CODE_NOT_ACTIVE": ("record", "code not active",
        "CODE_END ends a code 5 that is active on the contract.",
        "Code[ {value}] is not active on this contract, so it cannot be ended."),
    "DEPENDS_ON_REJECTED": ("record", "depends on a rejected record",
        "The record needs an earlier record of the night (such as the NEW of its contract) that was "
        "rejected; correct that one and deliver both again.",
        "This record depends on the record on[ line {limit}| an earlier line], which was rejected."),
    "DUPLICATE_REQUEST_ID": ("request", "request_id used twice",
        "Every request of a file has its own request_id.",
        "request_id[ '{value}'] occurs more than once in the file[ (first on line {limit})]."),
    "NO_CONTRACT_FOR_BEHEER": ("request", "no contract for BEHEER",
        "A consultation for BEHEER is for a person you hold a running contract with.",
        "A BEHEER consultation needs a running contract of your own with this person."),
    "PERSON_AMBIGUOUS": ("record", "person ambiguous (warning)",
        "The record was applied; the register could not tell which registered person it is about, so it "
        "registered a new one. Deliver the address with every NEW.",
        "Several registered persons share this name and birth date and none has this address; a new person "
        "was registered (warning)."),
}


def _catalogue() -> tuple[ErrorCode, ...]:
    return tuple(ErrorCode(code, scope, Text(title, description, template), Text(*NL[code]))
                 for code, (scope, title, description, template) in EN.items())


CATALOGUE: tuple[ErrorCode, ...] = _catalogue()
BY_CODE: dict[str, ErrorCode] = {e.code: e for e in CATALOGUE}
FILE_ERROR_CODES = tuple(e.code for e in CATALOGUE if e.scope == "file")
RECORD_ERROR_CODES = tuple(e.code for e in CATALOGUE if e.scope != "file")
# Codes whose {value} is our own words (a sentence, "… borrower 2"), never only what was delivered:
# those words are put in the message's language as the {limit} always is.
OWN_VALUES = ("FILE_ENCODING", "FILE_HEADER", "FILE_UNREADABLE", "FILE_TOO_LARGE", "UNKNOWN_CONTRACT",
              "DUPLICATE_CONTRACT", "NEGATIVE_ONLY_WITHOUT_CODE", "RETENTION_EXPIRED")


def resolve(template: str, present: frozenset[str]) -> str:
    """The template with its optional sections decided: a section stays when every placeholder in
    it is ``present``, else its alternative (or nothing) takes its place."""
    def pick(section: re.Match) -> str:
        return section[1] if set(_SLOT.findall(section[1])) <= present else section[2] or ""
    return _SECTION.sub(pick, template)


@cache
def variants(language: str) -> pl.DataFrame:
    """Every code's template for each combination of present parts, for a join on the findings."""
    rows = []
    for e, mask in product(CATALOGUE, product((False, True), repeat=3)):
        has = dict(zip(SLOTS, mask, strict=True))
        present = frozenset(s for s in SLOTS if has[s])
        rows.append({"error_code": e.code, **{f"has_{s}": has[s] for s in SLOTS},
                     "template": resolve(e.text(language).template, present)})
    return pl.DataFrame(rows)


def localized(text: pl.Expr, language: str) -> pl.Expr:
    """The parts a rule wrote in English (a limit, our own value) in ``language``."""
    if language == "en":
        return text
    for pattern, replacement in PARTS:
        text = text.str.replace_all(pattern, replacement)
    return text


def message(code: str, field: str = "", value: object = "", limit: object = "",
            language: str = DEFAULT_LANGUAGE) -> str:
    """One message in Python (whole-file errors; records use ``pipeline.rules.findings``, the same way)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    parts = {"field": field, "value": str(value), "limit": str(limit)}
    present = frozenset(s for s, text in parts.items() if text)
    own = ["limit", "value"] if code in OWN_VALUES else ["limit"]
    said = pl.select(localized(pl.lit(parts[s], dtype=pl.String), language).alias(s) for s in own).row(0, named=True)
    parts.update(said)
    return _SLOT.sub(lambda slot: parts[slot[1]], resolve(BY_CODE[code].text(language).template, present))
