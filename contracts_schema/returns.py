"""The return files of a delivery (SPEC 4), how they are named, and how long they are kept.

Every delivery keeps its own answer: its return files are named after the delivered file without
its extension, and a later delivery whose names would collide with an answer given before, or
with an earlier delivery of the same night, gets the first free number from 2 up
(``NAME.2.result.json``). The processor chooses the names; this module declares the rule.
"""

from __future__ import annotations

from collections.abc import Iterator

DELIVERY_EXTENSIONS = (".csv", ".parquet")
ERRORS_XLSX_MAX_ROWS = 100_000    # errors.xlsx holds the first rows (decision 86); errors.csv all of them
RETURN_FILES = {       # suffix after the answer's name → when it is written and what it holds
    ".result.json": "always: the delivery's `status` and counts; `file` names the delivered file",
    ".errors.csv": "always: one row per rejected record and rule, and per warning; for a file rejected "
                   "whole, one row with its file error (only the header when there is none)",
    ".errors.xlsx": "beside every `errors.csv` (unless the operator set `outputs.errors_xlsx: false`): the "
                    "same rows as a workbook in which every value is a text cell, exactly as delivered; "
                    f"`line_no` is a number. It holds at most the first {ERRORS_XLSX_MAX_ROWS:,} rows (a "
                    "second sheet `note` says so when there are more)",
    ".answer.csv": "`RAAD`: one row per valid request",
    ".answer_contracts.csv": "`RAAD`: one row per registration of a found person",
}
RETURN_SUFFIXES = tuple(RETURN_FILES)
ERRORS_REASON_COLUMNS = ("line_no", "error_code", "severity", "field")   # what erasure leaves of a row
ERASED_MESSAGE = {     # the message of an errors.csv row whose registration was erased since (decision 95)
    "nl": "De registratie waar dit record over ging is sindsdien verwijderd (DELETE of bewaartermijn); "
          "de gegevens van het record worden niet meer bewaard. De code zegt waarom het werd afgewezen.",
    "en": "The registration this record was about has since been erased (DELETE or retention); the "
          "record's data are no longer kept. The code says why it was rejected.",
}
FIRST_REPEAT = 2            # the second answer of a name is NAME.2
OUTBOX_DAYS_DEFAULT = 90    # config.yaml `outbox_days`: the operator may set it (at least 1)


def base_name(file: str) -> str:
    """``NAME.csv`` and ``NAME.parquet`` → ``NAME``; any other file name stays whole."""
    for ext in DELIVERY_EXTENSIONS:
        if file.endswith(ext) and len(file) > len(ext):
            return file[: -len(ext)]
    return file


def candidates(file: str) -> Iterator[str]:
    """The names an answer to ``file`` may get, in the order they are tried: NAME, NAME.2, NAME.3, …"""
    base = base_name(file)
    yield base
    n = FIRST_REPEAT
    while True:
        yield f"{base}.{n}"
        n += 1

