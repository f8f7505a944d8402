"""A consultation finds the same person whether or not the register is narrowed first (issue 17).

``requests._matched`` reads only the persons whose surname and birth date hash like a request's
(``store.narrowing_on``) and the addresses only of namesakes a request with an address must
choose between. These tests hold it to the plain SPEC 5.1 match (every person joined, every
candidate's addresses read) on tiny registers with the cases the shortcuts could get wrong.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipeline.consult.requests import DECEASED, RegisterView, _matched
from pipeline.register.state import LINE
from pipeline.register.store import narrowing_on
from pipeline.rules.normalize import match_keys

D1, D2 = date(1970, 1, 1), date(1980, 2, 2)


def _persons(rows: list[tuple[int, str, str, date, date | None]]) -> pl.LazyFrame:
    """(person_id, surname, initials, birth date, deceased date) with their match keys."""
    frame = pl.DataFrame(rows, schema={"person_id": pl.Int64, "birth_surname": pl.String, "initials": pl.String,
                                       "birth_date": pl.Date, "deceased_date": pl.Date}, orient="row")
    return frame.with_columns(pl.lit(None, pl.String).alias("surname_prefix"), pl.lit(None, pl.String)
                              .alias("postcode")).with_columns(match_keys()).lazy()


def _addresses(rows: list[tuple[int, str, int]]) -> pl.LazyFrame:
    return pl.DataFrame(rows, schema={"person_id": pl.Int64, "postcode_key": pl.String, "house_number": pl.Int64},
                        orient="row").lazy()


def _requests(rows: list[tuple[str, str, date, str | None, int | None]]) -> pl.DataFrame:
    """(surname, initials, birth date, postcode, house number), one request a line."""
    frame = pl.DataFrame(rows, schema={"birth_surname": pl.String, "initials": pl.String, "birth_date": pl.Date,
                                       "postcode": pl.String, "house_number": pl.Int64}, orient="row")
    return frame.with_row_index("line_no", 1).with_columns(
        pl.lit(0, pl.Int32).alias("file_idx"), pl.col("line_no").cast(pl.Int64),
        pl.format("R{}", pl.col("line_no")).alias("request_id"), pl.lit("ACCEPTATIE").alias("purpose"),
        pl.lit("BANK1").alias("participant"), pl.lit(None, pl.String).alias("surname_prefix"))


def _plain(requests: pl.DataFrame, view: RegisterView) -> pl.DataFrame:
    """SPEC 5.1 without shortcuts: every person joined, the addresses of every candidate read."""
    req = requests.select(*LINE, *match_keys(), "birth_date", "house_number")
    people = view.persons.select("person_id", "surname_key", "birth_date", "first_initial",
                                 pl.col("initials_key").alias("p_initials"), "deceased_date").collect()
    cands = req.join(people, on=["surname_key", "birth_date", "first_initial"])
    seen = view.addresses.collect().select("person_id", "postcode_key", "house_number").unique().with_columns(
        pl.lit(True).alias("addr_hit"))
    cands = cands.join(seen, on=["person_id", "postcode_key", "house_number"], how="left").with_columns(
        pl.col("addr_hit").fill_null(False))
    has_address = pl.col("postcode_key").is_not_null() & pl.col("house_number").is_not_null()
    cands = cands.filter(~has_address | (pl.col("addr_hit").sum().over(LINE) == 0) | pl.col("addr_hit"))
    same = pl.col("initials_key") == pl.col("p_initials")
    cands = cands.filter((same.sum().over(LINE) == 0) | same)
    counted = cands.group_by(LINE).agg(pl.len().alias("n"), pl.col("person_id").first(),
                                       pl.col("deceased_date").first())
    status = (pl.when(pl.col("n").is_null()).then(pl.lit("NOT_FOUND"))
              .when(pl.col("n") == 1).then(pl.lit("FOUND")).otherwise(pl.lit("NOT_UNIQUE")))
    return (requests.select(*LINE, "request_id", "purpose", "participant").join(counted, on=LINE, how="left")
            .with_columns(status.alias("match_status"),
                          pl.when(pl.col("n") == 1).then(pl.col("person_id")).alias("person_id"),
                          ((pl.col("n") == 1) & pl.col("deceased_date").is_not_null()).fill_null(False)
                          .alias(DECEASED))
            .drop("n", "deceased_date"))


PERSONS = [(1, "Jansen", "J.P.", D1, None), (2, "Jansen", "J.K.", D1, None),    # twins: one name, one day
           (3, "Bakker", "A.", D1, D2),                                          # deceased
           (4, "Bakker", "A.", D2, None),                                        # the same name, another day
           (5, "Smit", "B.", D2, None),                                          # Smit + D2 ...
           (6, "Visser", "B.", D1, None)]                                        # ... Visser + D1: no Smit + D1
ADDRESSES = [(1, "1011AB", 1), (2, "2022CD", 2), (3, "3033EF", 3), (4, "4044GH", 4), (5, "5055KL", 5),
             (1, "9099ZZ", 9)]                                                  # person 1 moved
REQUESTS = [("Jansen", "J.", D1, "1011AB", 1),       # twins told apart by the address
            ("Jansen", "J.", D1, "9099ZZ", 9),       # ... by an earlier address
            ("Jansen", "J.", D1, None, None),        # no address: NOT_UNIQUE
            ("Jansen", "J.K.", D1, None, None),      # ... but the initials tell
            ("Jansen", "J.", D1, "7077XX", 7),       # an address neither lived at: skipped
            ("Jansen", "J.P.", D1, "2022CD", 2),     # the address comes before the initials
            ("Jansen", "J.", D1, "1011AB", None),    # half an address is none
            ("Bakker", "A.", D1, "8088YY", 8),       # a lone candidate elsewhere is still found (deceased)
            ("Bakker", "A.", D2, None, None),
            ("Smit", "B.", D1, None, None),          # each column alone names somebody: NOT_FOUND
            ("Visser", "B.", D2, None, None),
            ("Nobody", "X.", D1, "1011AB", 1)]


def test_the_narrowed_match_gives_the_plain_match() -> None:
    view = RegisterView(_persons(PERSONS), _addresses(ADDRESSES), pl.LazyFrame(), pl.LazyFrame(), pl.LazyFrame())
    requests = _requests(REQUESTS)
    got = _matched(requests, view)
    assert got.equals(_plain(requests, view))
    assert got["match_status"].to_list() == ["FOUND", "FOUND", "NOT_UNIQUE", "FOUND", "NOT_UNIQUE", "FOUND",
                                             "NOT_UNIQUE", "FOUND", "FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]
    assert got["person_id"].to_list() == [1, 1, None, 2, None, 2, None, 3, 4, None, None, None]
    assert got[DECEASED].to_list() == [False] * 7 + [True] + [False] * 4


def test_without_namesakes_no_address_is_read() -> None:
    """Lone candidates only: the addresses are not read at all (a frame that cannot be read)."""
    broken = pl.LazyFrame({"person_id": [1]}).select(pl.col("no_such_column"))
    view = RegisterView(_persons(PERSONS[2:]), broken, pl.LazyFrame(), pl.LazyFrame(), pl.LazyFrame())
    got = _matched(_requests([("Bakker", "A.", D1, "8088YY", 8), ("Smit", "B.", D2, "5055KL", 5)]), view)
    assert got["person_id"].to_list() == [3, 5]


def test_narrowing_on_keeps_the_rows_equal_on_every_column() -> None:
    keys = pl.DataFrame({"s": ["a", "b", None], "d": [1, 2, 3]})
    frame = pl.DataFrame({"s": ["a", "a", "b", "b", "c", None], "d": [1, 2, 2, 1, 1, 3]})
    kept = frame.filter(narrowing_on(keys, ["s", "d"]))
    assert kept.rows() == [("a", 1), ("b", 2), (None, 3)]
