"""Plausible person data: what a surname, its prefix and initials must be beyond their length.

A surname ``=1+2``, ``@SUM(A1)`` or ``+31612345678`` is no name: stored, it is a formula handed to
every spreadsheet that opens a return file and a person no consultation finds. A rule is a few
regular expressions (Rust ``regex`` syntax, as Polars' ``str.contains`` reads them) that a
plausible value matches, or must not match, and the rule in words, which the message of
``IMPLAUSIBLE_NAME`` quotes and the file-format reference lists. Dutch names keep their
apostrophes, hyphens, spaces and accents ('t Hart, Brühl-Noël, d'Ancona): ``\\p{L}`` is a letter
of any script. The rules hold for mutation records and consultation requests alike.
"""

from __future__ import annotations

from dataclasses import dataclass

CODE = "IMPLAUSIBLE_NAME"
FORMULA_START = r"^[=+\-@\t\r\n\x00]"    # what a spreadsheet reads as a formula (OWASP CSV injection)
LETTER = r"\p{L}"


@dataclass(frozen=True)
class TextRule:
    """One plausibility rule: the fields it holds for, its patterns, and the rule in words."""

    fields: tuple[str, ...]
    must_match: tuple[str, ...]          # a plausible value matches every one
    must_not_match: tuple[str, ...]      # and none of these
    rule: str                            # the message's {limit}: at most 60 characters, as a limit is quoted


RULES: tuple[TextRule, ...] = (
    TextRule(("birth_surname", "surname_prefix"), (LETTER,), (FORMULA_START,),
             "a name holds a letter and starts with no =, +, - or @"),
    TextRule(("initials",), (LETTER, r"^[\p{L}. ]+$"), (),
             "initials are letters and dots only (J.P. or J. P.)"),
)


def rows() -> list[tuple[str, str, str]]:
    """(field, rule, patterns) per field, for the file-format reference."""
    out = []
    for r in RULES:
        patterns = [f"matches `{p}`" for p in r.must_match] + [f"does not match `{p}`" for p in r.must_not_match]
        out += [(f, r.rule, "; ".join(patterns)) for f in r.fields]
    return out
