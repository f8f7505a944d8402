"""Normalised match keys of SPEC 5.1, as expressions: names, initials and postcodes."""

from __future__ import annotations

import polars as pl


def letters_only(text: pl.Expr) -> pl.Expr:
    """NFKD, diacritics removed, case folded, only letters kept."""
    return (text.fill_null("").str.normalize("NFKD").str.replace_all(r"\p{M}", "")
            .str.to_lowercase().str.replace_all(r"[^\p{L}]", ""))


def surname_key(prefix: pl.Expr, surname: pl.Expr) -> pl.Expr:
    """'van der' + 'Berg' and '' + 'Van der Berg' give the same key."""
    return letters_only(pl.concat_str(prefix.fill_null(""), surname.fill_null("")))


def initials_key(initials: pl.Expr) -> pl.Expr:
    return letters_only(initials)


def postcode_key(postcode: pl.Expr) -> pl.Expr:
    return postcode.str.replace_all(" ", "", literal=True).str.to_uppercase()


def match_keys(prefix: str = "") -> list[pl.Expr]:
    """The key columns of a frame holding the person columns (optionally prefixed)."""
    c = lambda name: pl.col(prefix + name)  # noqa: E731
    ini = initials_key(c("initials"))
    return [
        surname_key(c("surname_prefix"), c("birth_surname")).alias("surname_key"),
        ini.alias("initials_key"),
        ini.str.slice(0, 1).alias("first_initial"),
        postcode_key(c("postcode")).alias("postcode_key"),
    ]


def with_match_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (person columns) with the ``match_keys`` columns (SPEC 5.1), the name keys
    computed once per distinct name: a national load repeats each surname and initials
    thousands of times, and Unicode normalisation is the costly part."""
    keys = {e.meta.output_name(): e for e in match_keys()}
    names = ["surname_prefix", "birth_surname"]
    surnames = frame.select(names).unique().with_columns(keys["surname_key"])
    initials = frame.select("initials").unique().with_columns(keys["initials_key"], keys["first_initial"])
    return (frame.join(surnames, on=names, how="left", maintain_order="left", nulls_equal=True)
            .join(initials, on="initials", how="left", maintain_order="left", nulls_equal=True)
            .with_columns(keys["postcode_key"]))
