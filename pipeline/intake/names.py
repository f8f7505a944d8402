"""Delivery names (SPEC 3.1), read strictly, and names made safe to print.

The pattern is anchored with ``\\A`` and ``\\Z`` and spells its digits ``[0-9]``: ``$`` would also
match before a final newline and ``\\d`` any Unicode digit, so ``..._00003٣.csv`` or a name ending
in a newline would pass. ``match`` and ``fullmatch`` give the same answer with this pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from contracts_schema.codes import FILE_KINDS

NAME_PATTERN = re.compile(
    r"\A(?P<participant>[A-Z0-9]{3,12})_(?P<kind>MUT|INIT|RAAD)_(?P<date>[0-9]{8})_(?P<seq>[0-9]{6})"
    r"\.(?P<ext>csv|parquet)\Z", re.ASCII)
NAME_RULE = "<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ of 6 digits>.<csv|parquet>"
PARTICIPANT_FOLDER = re.compile(r"\A[A-Z0-9]{3,12}\Z", re.ASCII)
KIND_ORDER = {kind: i for i, kind in enumerate(FILE_KINDS)}   # INIT before MUT before RAAD


@dataclass(frozen=True)
class DeliveryName:
    """The parts of a name that follows SPEC 3.1."""

    participant: str
    kind: str
    seq: int
    ext: str


def parse(name: str) -> DeliveryName | None:
    """The parts of ``name``, or None when it is not exactly of SPEC 3.1's form (a real date too)."""
    m = NAME_PATTERN.fullmatch(name)
    if m is None or not _valid_date(m["date"]):
        return None
    return DeliveryName(m["participant"], m["kind"], int(m["seq"]), m["ext"])


def _valid_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return True


def looks_like_participant(name: str) -> bool:
    """A folder name of the participant-code form, whether or not config.yaml knows it."""
    return PARTICIPANT_FOLDER.fullmatch(name) is not None


def printable(name: str) -> str:
    """A name as it may reach a terminal or a log: as it is when every character is printable,
    else quoted with escapes (``'A\\x1b[31mB'``), so a participant cannot send control
    characters (ANSI escapes, newlines, bidi overrides) to the operator's screen."""
    return name if _plain(name) else repr(name)


def escaped(name: str) -> str:
    """``printable`` without its quotes, for messages whose template quotes the name already."""
    return name if _plain(name) else repr(name)[1:-1]


def _plain(name: str) -> bool:
    return name.isprintable() and "\\" not in name and "'" not in name
