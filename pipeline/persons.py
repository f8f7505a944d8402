"""Attach persons to accepted NEW records and apply person changes (SPEC 5.1).

A NEW attaches to the registered person with the same surname, birth date and full initials; a
different address is a move. Several such persons: the one whose current or earlier address
matches, else a new person and a ``PERSON_AMBIGUOUS`` warning. Rows of one night describing
the same new person become one person.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.findings import finding
from pipeline.normalize import match_keys, postcode_key, with_match_keys_of_distinct

PERSON_FIELDS = ["birth_surname", "surname_prefix", "initials", "gender", "birth_date",
                 "postcode", "house_number", "house_number_suffix"]
MATCH = ["surname_key", "birth_date", "initials_key"]
MATCH_HASH = "match_hash"
KEY_COLUMNS = ["surname_key", "initials_key", "first_initial", "postcode_key"]    # match_keys() makes these
KEY_INPUTS = ["birth_surname", "surname_prefix", "initials", "postcode"]
ORDER = ["event_date", "file_idx", "line_no"]

PERSONS_SCHEMA = {"person_id": pl.Int64(), **{f: pl.String() for f in PERSON_FIELDS},
                  "surname_key": pl.String(), "initials_key": pl.String(), "first_initial": pl.String(),
                  "postcode_key": pl.String(), "deceased_date": pl.Date()}
PERSONS_SCHEMA.update({"birth_date": pl.Date(), "house_number": pl.Int64()})
ADDRESSES_SCHEMA = {"person_id": pl.Int64(), "postcode_key": pl.String(), "house_number": pl.Int64(),
                    "house_number_suffix": pl.String(), "valid_from": pl.Date()}


@dataclass
class PersonResult:
    created: pl.DataFrame         # tonight's new persons, as ``working_persons`` rows
    attached: pl.DataFrame        # (file_idx, line_no, person_id) of every accepted NEW, in its order
    warnings: pl.LazyFrame


def match_hash() -> pl.Expr:
    """A u64 of the match key: narrows the persons table before the exact join on the key."""
    return pl.struct(MATCH).hash(seed=5).alias(MATCH_HASH)


def with_match_keys(new: pl.DataFrame) -> pl.DataFrame:
    """NEW rows with the keys a person is matched on (SPEC 5.1)."""
    return with_match_keys_of_distinct(new).with_columns(match_hash())


def _candidates(new: pl.DataFrame, persons: pl.DataFrame, addresses: pl.DataFrame) -> pl.DataFrame:
    """Per NEW row, in the order of ``new``: the person it attaches to, or null, and whether it
    was ambiguous."""
    cands = new.select("file_idx", "line_no", *MATCH, "postcode_key", "house_number").join(
        persons.select("person_id", *MATCH), on=MATCH, how="inner")
    n = cands.group_by("file_idx", "line_no").agg(pl.len().alias("n"), pl.col("person_id").first())
    single = n.filter(pl.col("n") == 1).select("file_idx", "line_no", "person_id")
    multi = cands.join(n.filter(pl.col("n") > 1).select("file_idx", "line_no"), on=["file_idx", "line_no"])
    known = addresses.filter(pl.col("person_id").is_in(multi["person_id"].implode()))
    at_address = multi.join(known.select("person_id", "postcode_key", "house_number").unique(),
                            on=["person_id", "postcode_key", "house_number"], how="semi")
    by_address = (at_address.group_by("file_idx", "line_no")
                  .agg(pl.len().alias("n"), pl.col("person_id").min())
                  .filter(pl.col("n") == 1).select("file_idx", "line_no", "person_id"))
    ambiguous = (multi.select("file_idx", "line_no").unique()
                 .join(by_address, on=["file_idx", "line_no"], how="anti")
                 .with_columns(pl.lit(True).alias("ambiguous")))
    return (new.select("file_idx", "line_no")
            .join(pl.concat([single, by_address]), on=["file_idx", "line_no"], how="left", maintain_order="left")
            .join(ambiguous, on=["file_idx", "line_no"], how="left", maintain_order="left")
            .with_columns(pl.col("ambiguous").fill_null(False)))


def _new_persons(unmatched: pl.DataFrame, next_id: int) -> pl.Series:
    """Per unmatched row, in its order: its new person, one per group of rows that describe the
    same person; ids in delivery order."""
    group = pl.when(pl.col("ambiguous")).then(
        pl.concat_str(pl.col("postcode_key"), pl.col("house_number").cast(pl.String))).otherwise(pl.lit(""))
    rows = unmatched.select(*MATCH, "file_idx", "line_no", group.alias("group_extra"))
    keys = [*MATCH, "group_extra"]
    line = pl.col("file_idx").cast(pl.Int64) * (1 << 32) + pl.col("line_no")   # a struct's min is null in Polars 2
    ids = (rows.group_by(keys).agg(line.min().alias("first"))
           .sort("first").with_columns(
               (pl.int_range(pl.len(), dtype=pl.Int64) + next_id).alias("person_id")).drop("first"))
    return rows.join(ids, on=keys, how="left", maintain_order="left")["person_id"]


def attach(new: pl.DataFrame, persons: pl.DataFrame, addresses: pl.DataFrame, next_id: int) -> PersonResult:
    """Person ids for accepted NEW rows (``with_match_keys``) and the new persons they make.

    ``persons`` holds at least every person with a match key of ``new``; ``addresses`` at least
    their addresses. New persons get ids from ``next_id`` on. Only the person columns of ``new``
    are carried, and row order stands in for joins on the line: a NEW row is wide.
    """
    columns = dict.fromkeys(["file_idx", "line_no", "event_date", *PERSON_FIELDS, *KEY_COLUMNS, MATCH_HASH])
    rows = new.select(list(columns))
    found = _candidates(rows, persons, addresses)
    rows = rows.with_columns(found["person_id"], found["ambiguous"])
    unmatched = rows.filter(pl.col("person_id").is_null())
    made = unmatched.with_columns(_new_persons(unmatched, next_id))
    person_id = (rows.select("file_idx", "line_no")
                 .join(made.select("file_idx", "line_no", pl.col("person_id").alias("made")),
                       on=["file_idx", "line_no"], how="left", maintain_order="left")["made"])
    attached = rows.select("file_idx", "line_no", pl.coalesce(pl.col("person_id"), person_id).alias("person_id"))
    created = (made.sort(ORDER).group_by("person_id", maintain_order=True).first()
               .select("person_id", *PERSON_FIELDS, *KEY_COLUMNS, MATCH_HASH))
    warnings = finding(rows.filter("ambiguous").lazy(), "PERSON_AMBIGUOUS", "birth_surname", None, None, "WARNING")
    return PersonResult(_working_created(created), attached, warnings)


def _working_created(created: pl.DataFrame) -> pl.DataFrame:
    """Tonight's new persons as working rows, their keys as the NEW rows already computed them."""
    schema = {**PERSONS_SCHEMA, MATCH_HASH: pl.UInt64(), **{f"o_{f}": pl.Int64() for f in PERSON_FIELDS},
              "deceased_tonight": pl.Boolean()}
    created = created.with_columns(
        pl.lit(None, dtype=pl.Date).alias("deceased_date"),
        *[pl.lit(None, dtype=pl.Int64).alias(f"o_{f}") for f in PERSON_FIELDS],
        pl.lit(False).alias("deceased_tonight"))
    return created.select(list(schema)).cast(schema)  # type: ignore[arg-type]


def working_persons(persons: pl.DataFrame) -> pl.DataFrame:
    """The persons table as a night works on it: with the match hash and, per field, the order
    (``order_key``) of tonight's report that set it (null: set before tonight)."""
    return persons.with_columns(
        match_hash(), *[pl.lit(None, dtype=pl.Int64).alias(f"o_{f}") for f in PERSON_FIELDS],
        pl.lit(False).alias("deceased_tonight"))


def order_key() -> pl.Expr:
    """(event_date, file_idx, line_no) as one sortable Int64: 21 + 14 + 28 bits."""
    days = pl.col("event_date").cast(pl.Int32).cast(pl.Int64) + (1 << 20)
    return (days * (1 << 42) + pl.col("file_idx").cast(pl.Int64) * (1 << 28) + pl.col("line_no")).alias("order_key")


def apply_updates(persons: pl.DataFrame, updates: pl.DataFrame, deaths: pl.DataFrame) -> pl.DataFrame:
    """Fold person reports (NEW and CHANGE rows) and deaths into ``working_persons`` rows (at
    least those of every person ``updates`` and ``deaths`` name; a night passes only those).

    ``updates`` has person_id, the ORDER columns and PERSON_FIELDS; per person and field the
    last non-empty value of the night wins, also across chunks: a field keeps the order of the
    report that set it. A death keeps the earliest date.
    """
    ordered = updates.with_columns(order_key()).sort("order_key")
    latest = ordered.group_by("person_id").agg(
        *[pl.col(f).drop_nulls().last().alias(f"u_{f}") for f in PERSON_FIELDS],
        *[pl.col("order_key").filter(pl.col(f).is_not_null()).last().alias(f"uo_{f}") for f in PERSON_FIELDS])
    died = deaths.group_by("person_id").agg(pl.col("event_date").min().alias("u_deceased"))
    changes = latest.join(died, on="person_id", how="full", coalesce=True)
    if changes.height == 0:
        return persons
    mine = pl.col("person_id").is_in(changes["person_id"].implode())
    take = {f: pl.col(f"u_{f}").is_not_null() & (pl.col(f"o_{f}").is_null() | (pl.col(f"uo_{f}") > pl.col(f"o_{f}")))
            for f in PERSON_FIELDS}
    died_now = pl.col("deceased_date").is_null() & pl.col("u_deceased").is_not_null()
    rekey = pl.any_horizontal([take[f] & pl.col(f"u_{f}").ne_missing(pl.col(f)) for f in KEY_INPUTS])
    touched = (persons.filter(mine).join(changes, on="person_id", how="left")
               .with_columns(rekey.alias("rekey"))
               .with_columns(*[pl.when(take[f]).then(pl.col(f"u_{f}")).otherwise(pl.col(f)).alias(f)
                               for f in PERSON_FIELDS],
                             *[pl.when(take[f]).then(pl.col(f"uo_{f}")).otherwise(pl.col(f"o_{f}")).alias(f"o_{f}")
                               for f in PERSON_FIELDS],
                             pl.when(pl.col("deceased_tonight"))
                             .then(pl.min_horizontal("deceased_date", "u_deceased"))
                             .otherwise(pl.coalesce("deceased_date", "u_deceased")).alias("deceased_date"),
                             (pl.col("deceased_tonight") | died_now).alias("deceased_tonight")))
    moved = touched.filter("rekey").with_columns(match_keys()).with_columns(match_hash())
    touched = pl.concat([touched.filter(~pl.col("rekey")).select(persons.columns), moved.select(persons.columns)])
    result = pl.concat([persons.filter(~mine), touched], how="vertical")
    return result


def reported_addresses(updates: pl.DataFrame) -> pl.DataFrame:
    """Every distinct address a person was reported at, dated by its first report."""
    rows = updates.filter(pl.col("postcode").is_not_null()).with_columns(
        postcode_key(pl.col("postcode")).alias("postcode_key"))
    return (rows.group_by("person_id", "postcode_key", "house_number", "house_number_suffix")
            .agg(pl.col("event_date").min().alias("valid_from"))
            .select(list(ADDRESSES_SCHEMA)).cast(ADDRESSES_SCHEMA))  # type: ignore[arg-type]
