"""Person data that is no name (``contracts_schema.plausibility``) → ``IMPLAUSIBLE_NAME`` findings.

Each rule is one vectorised test per field: its patterns through ``str.contains``. The message
quotes the value with control and direction characters escaped as ``intake.printable`` escapes
them (``\\t``, ``\\x1b``, ``\\u202e``), so what a clerk reads shows what was delivered.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from contracts_schema.plausibility import CODE, RULES, TextRule
from pipeline.rules.findings import Rule

_INVISIBLE = [*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xA0)), "\u200e", "\u200f",
              *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
ESCAPES = {"\\": "\\\\", **{c: repr(c)[1:-1] for c in _INVISIBLE}}


def shown(value: pl.Expr) -> pl.Expr:
    """A delivered text as a message may quote it: invisible characters spelt as escapes."""
    return value.str.replace_many(ESCAPES)


def plausible(value: pl.Expr, rule: TextRule) -> pl.Expr:
    """True where ``value`` meets the rule (a null is not judged here: MISSING_FIELD is)."""
    tests = [value.str.contains(p) for p in rule.must_match] + [~value.str.contains(p) for p in rule.must_not_match]
    return pl.all_horizontal(tests)


def plausibility_rules(names: Collection[str]) -> list[Rule]:
    """One rule per field of ``names`` that a plausibility rule holds for: a value it refuses."""
    return [Rule(_text(f).is_not_null() & ~plausible(_text(f), rule), CODE, f, shown(_text(f)), rule.rule)
            for rule in RULES for f in rule.fields if f in names]


def plausibility_findings(typed: pl.LazyFrame) -> list[pl.LazyFrame]:
    """One finding per field of a record that holds a value the field's rule refuses."""
    return [r.on(typed) for r in plausibility_rules(set(typed.collect_schema().names()))]


def _text(field: str) -> pl.Expr:
    return pl.col(field).cast(pl.String)
