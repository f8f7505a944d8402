"""Attach persons to accepted NEW records and apply person changes (SPEC 5.1).

A NEW attaches to the registered person with the same surname, birth date and full initials; a
different address is a move. Several such persons: the one whose current or earlier address
matches, else a new person and a ``PERSON_AMBIGUOUS`` warning. Rows of one night describing
the same new person become one person.

A night matches its NEW rows against the register as it stood before the night, chunk by
chunk; rows that match nobody become new persons, one per key (``nightpersons``). After the
last chunk the night folds every report into its person (``fold``): so a chunk never needs
the persons the night itself creates, and memory follows the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from contracts_schema.columns import PERSON_FIELDS
from pipeline.register.state import ADDRESSES_SCHEMA, PERSONS_SCHEMA
from pipeline.rules.findings import finding
from pipeline.rules.normalize import postcode_key, with_match_keys

MATCH = ["surname_key", "birth_date", "initials_key"]
KEY_COLUMNS = ["surname_key", "initials_key", "first_initial", "postcode_key"]    # match_keys() makes these
KEY_INPUTS = ["birth_surname", "surname_prefix", "initials", "postcode"]
GROUP_KEY = [*MATCH, "group_extra"]     # NEW rows of one night with the same key are one new person
FINE_BUCKETS = 256                      # a person's reports are resolved together, in buckets



def _candidates(new: pl.DataFrame, persons: pl.DataFrame, addresses: pl.DataFrame) -> pl.DataFrame:
    """Per NEW row, in the order of ``new``: the person it attaches to, or null, and whether it
    was ambiguous."""
    cands = new.select("file_idx", "line_no", *MATCH, "postcode_key", "house_number").join(
        persons.select("person_id", *MATCH), on=MATCH, how="inner")
    if cands.height == 0:        # nobody registered has these keys (an initial load): no joins needed
        return nobody(new, persons.schema["person_id"])
    return matched(new, cands, addresses)


def nobody(new: pl.DataFrame, id_type: pl.DataType) -> pl.DataFrame:
    """``_candidates`` when no row has a candidate."""
    return new.select("file_idx", "line_no", pl.lit(None, dtype=id_type).alias("person_id"),
                      pl.lit(False).alias("ambiguous"))


def matched(new: pl.DataFrame, cands: pl.DataFrame, addresses: pl.DataFrame) -> pl.DataFrame:
    """``_candidates`` from the (row, registered person) pairs with the same match key."""
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


@dataclass
class PersonResult:
    rows: pl.DataFrame            # per NEW row, in its order: line, GROUP_KEY and the registered person (or null)
    warnings: pl.LazyFrame


def id_bucket(person_id: pl.Expr) -> pl.Expr:
    """The bucket a person's reports are resolved in."""
    return (person_id.hash(seed=17) % FINE_BUCKETS).cast(pl.Int64).alias("bucket")


def attach(new: pl.DataFrame, persons: pl.DataFrame, addresses: pl.DataFrame) -> PersonResult:
    """The registered person of each accepted NEW row (``with_match_keys``), or null.

    ``persons`` holds at least every registered person with a match key of ``new``;
    ``addresses`` at least their addresses. A row matching nobody carries the key its new person
    is grouped on (GROUP_KEY: the match key, and the address where the key was ambiguous).
    """
    rows = new.select("file_idx", "line_no", *MATCH, "postcode_key", "house_number")
    found = _candidates(rows, persons, addresses)
    extra = pl.when(pl.col("ambiguous")).then(
        pl.concat_str(pl.col("postcode_key"), pl.col("house_number").cast(pl.String))).otherwise(pl.lit(""))
    rows = rows.with_columns(found["person_id"], found["ambiguous"]).with_columns(extra.alias("group_extra"))
    ambiguous = new.filter(found["ambiguous"]).lazy()
    warnings = finding(ambiguous, "PERSON_AMBIGUOUS", "birth_surname", None, None, "WARNING")
    return PersonResult(rows.select("file_idx", "line_no", *GROUP_KEY, "person_id"), warnings)


def order_key() -> pl.Expr:
    """(event_date, file_idx, line_no) as one sortable Int64: 21 + 14 + 28 bits."""
    days = pl.col("event_date").cast(pl.Int32).cast(pl.Int64) + (1 << 20)
    return (days * (1 << 42) + pl.col("file_idx").cast(pl.Int64) * (1 << 28) + pl.col("line_no")).alias("order_key")


def in_report_order(updates: pl.DataFrame) -> pl.DataFrame:
    """``updates`` (person reports) sorted by person, then by (event_date, file, line)
    (``order_key``): the order ``fold_in_order`` and ``addresses_in_order`` read, made once,
    with only the columns they read."""
    return updates.select("person_id", "event_date", *PERSON_FIELDS, order_key()).sort("person_id", "order_key")


def fold(base: pl.DataFrame, updates: pl.DataFrame, deaths: pl.DataFrame) -> pl.DataFrame:
    """The persons of ``base`` (PERSONS_SCHEMA rows; a new person: only its id) after the night's
    reports: per field the last non-empty value of the night wins (by event_date, file, line);
    a death keeps the earliest date, and a date the register holds already."""
    return fold_in_order(base, in_report_order(updates), deaths)


def fold_in_order(base: pl.DataFrame, ordered: pl.DataFrame, deaths: pl.DataFrame) -> pl.DataFrame:
    """``fold`` of reports already ``in_report_order``. ``base`` sorted by person_id (and
    flagged so) costs no sort, and its join to the reports is a merge of two sorted frames."""
    died = deaths.group_by("person_id").agg(pl.col("event_date").min().alias("u_deceased"))
    rows = (base.sort("person_id").join(last_reported(ordered), on="person_id", how="left")
            .join(died, on="person_id", how="left"))
    rekey = pl.col("surname_key").is_null() | pl.any_horizontal(
        [pl.col(f"u_{f}").is_not_null() & pl.col(f"u_{f}").ne_missing(pl.col(f)) for f in KEY_INPUTS])
    rows = rows.with_columns(rekey.alias("rekey"), *[pl.coalesce(f"u_{f}", f).alias(f) for f in PERSON_FIELDS],
                             pl.coalesce("deceased_date", "u_deceased").alias("deceased_date"))
    columns = list(PERSONS_SCHEMA)
    moved = with_match_keys(rows.filter("rekey").drop(KEY_COLUMNS))
    return pl.concat([rows.filter(~pl.col("rekey")).select(columns), moved.select(columns)]).cast(PERSONS_SCHEMA)


def last_reported(ordered: pl.DataFrame) -> pl.DataFrame:
    """Per person of ``ordered`` (``in_report_order``), sorted by person: per field ("u_" + name)
    its last non-empty value. A field's value filled forward is the person's own where the
    person id filled forward with it is; no group-by."""
    person = pl.col("person_id")
    def last(f: str) -> pl.Expr:
        owner = pl.when(pl.col(f).is_not_null()).then(person).forward_fill()
        return pl.when(owner == person).then(pl.col(f).forward_fill()).alias(f"u_{f}")
    is_last = person.ne_missing(person.shift(-1)).alias("_last")
    return ordered.select(person, *[last(f) for f in PERSON_FIELDS], is_last).filter("_last").drop("_last")


def new_persons(ids: pl.Series) -> pl.DataFrame:
    """Empty persons rows for ``fold`` to fill."""
    return pl.DataFrame({"person_id": ids}).with_columns(
        *[pl.lit(None, dtype=t).alias(c) for c, t in PERSONS_SCHEMA.items() if c != "person_id"]).select(
        list(PERSONS_SCHEMA))


def reported_addresses(updates: pl.DataFrame) -> pl.DataFrame:
    """The address each person was reported at, per day they were reported (the last report of a
    day wins, by file and line)."""
    return addresses_in_order(in_report_order(updates.filter(pl.col("postcode").is_not_null())))


def addresses_in_order(ordered: pl.DataFrame) -> pl.DataFrame:
    """``reported_addresses`` of reports already ``in_report_order``: a day's last report is the
    row before another person or day."""
    person, day = pl.col("person_id"), pl.col("event_date")
    last = person.ne_missing(person.shift(-1)) | day.ne_missing(day.shift(-1))
    return (ordered.filter(pl.col("postcode").is_not_null()).filter(last)
            .select(person, postcode_key(pl.col("postcode")).alias("postcode_key"), "house_number",
                    "house_number_suffix", day.alias("valid_from")).cast(ADDRESSES_SCHEMA))


def unrecorded(known: pl.DataFrame, reported: pl.DataFrame) -> pl.DataFrame:
    """The ``reported`` addresses the register does not hold yet for that person and day. Every
    day stays, also a report of the address already in force: a report dated earlier that
    arrives later (another lender's, a late one) may fall before it, and the address on a past
    date is the last one reported on or before it (decision 39)."""
    if known.height == 0:        # nothing recorded for these persons (an initial load): all are new
        return reported.select(list(ADDRESSES_SCHEMA))
    on = ["person_id", "valid_from", "postcode_key", "house_number", "house_number_suffix"]
    return reported.join(known.select(on), on=on, how="anti", nulls_equal=True).select(list(ADDRESSES_SCHEMA))
