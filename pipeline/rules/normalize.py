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
    thousands of times, and Unicode normalisation is the costly part. Each row finds its
    name's key by position (an Enum of the distinct names), not by a join."""
    whole = pl.concat_str(pl.col("surname_prefix").fill_null(""), pl.col("birth_surname").fill_null(""))
    (surname,) = per_distinct(frame.select(whole).to_series(),               # surname_key: letters of this
                              letters_only(pl.col("text")).alias("surname_key"))
    ini = initials_key(pl.col("text"))
    initials, first = per_distinct(frame["initials"].fill_null(""), ini.alias("initials_key"),
                                   ini.str.slice(0, 1).alias("first_initial"))
    return frame.with_columns(surname, initials, first, _postcode_keys(frame["postcode"]))


def per_distinct(text: pl.Series, *keys: pl.Expr) -> list[pl.Series]:
    """``keys`` (expressions of the column "text") for every row of ``text`` (no nulls),
    computed once per distinct text."""
    distinct = text.unique()
    at = text.cast(pl.Enum(distinct)).to_physical()
    return [key.gather(at) for key in distinct.to_frame("text").select(*keys).get_columns()]


def _postcode_keys(postcode: pl.Series) -> pl.Series:
    """``postcode_key`` of each row; a column already in that form (digits and capitals only,
    as delivered almost always) is its own key."""
    if postcode.str.contains(r"[^0-9A-Z]").any():
        return postcode.to_frame().select(postcode_key(pl.col("postcode")).alias("postcode_key")).to_series()
    return postcode.alias("postcode_key")
