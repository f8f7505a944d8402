"""Persons the fast way on tiny frames (issue 17): tonight's new persons found through a sorted
hash of their key, match keys computed once per distinct name, and the fold and addresses made
from one sort. Each fast path must give what the plain way gives, also when two keys share a
hash, a key has an empty part, or a name needs Unicode folding. Runs in about a second."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from contracts_schema.columns import PERSON_FIELDS
from pipeline.apply import nightpersons
from pipeline.apply.keyedtable import KEY_HASH, key_hash
from pipeline.apply.keyindex import KeyIndex
from pipeline.apply.nightpersons import NUMBERED, NightPersons, distinct_keys, text_keys
from pipeline.apply.persons import (
    GROUP_KEY,
    KEY_COLUMNS,
    KEY_INPUTS,
    fold,
    matched,
    nobody,
    order_key,
    reported_addresses,
    unrecorded,
)
from pipeline.register.state import ADDRESSES_SCHEMA, PERSONS_SCHEMA
from pipeline.rules.normalize import match_keys, with_match_keys

BIRTH = date(1980, 5, 17)


def _rows(file_idx: int, rows: list[tuple]) -> pl.DataFrame:
    """NEW rows as ``attach`` hands them on: (line, surname key, initials key, extra, registered id)."""
    return pl.DataFrame({"file_idx": [file_idx] * len(rows), "line_no": [r[0] for r in rows],
                         "surname_key": [r[1] for r in rows], "birth_date": [BIRTH] * len(rows),
                         "initials_key": [r[2] for r in rows], "group_extra": [r[3] for r in rows],
                         "person_id": [r[4] for r in rows]},
                        schema={"file_idx": pl.Int32, "line_no": pl.Int64, **NUMBERED, "person_id": pl.Int64})


CHUNKS = [
    _rows(0, [(9, "jansen", "jp", "", None), (3, "bakker", "a", "", None), (5, "jansen", "jp", "", None),
              (4, "smit", "k", "", 7), (6, "devries", "e", None, None), (8, "devries", "e", None, None)]),
    _rows(1, [(1, "jansen", "jp", "", None), (2, "pietersen", "jp", "", None), (3, "devries", "e", None, None),
              (4, "bakker", "a", "1011AB12", None)]),
    _rows(0, [(12, "pietersen", "jp", "", None), (2, "visser", "m", "", None), (7, "bakker", "a", "", None)]),
    _rows(2, [(1, "visser", "m", "", None), (2, "smit", "k", "", 8)]),
    _rows(2, [(5, "smit", "k", "", 9)]),
]


def _numbered(chunks: list[pl.DataFrame]) -> list[list[int]]:
    persons = NightPersons(None, 10, 100)
    return [persons.person_ids(chunk).to_list() for chunk in chunks]


def test_new_persons_are_numbered_by_first_line_and_found_again_in_later_chunks() -> None:
    assert _numbered(CHUNKS) == _numbered_plain(CHUNKS) == [
        [101, 100, 101, 7, 102, 102],     # bakker (line 3), then jansen (line 5 before 9), then devries
        [101, 103, 104, 105],             # a key with an empty part is new in every chunk (as in a join);
        [103, 106, 100],                  # bakker at an address (ambiguous) is another key
        [106, 8], [9]]                    # nobody new; nobody to number


@pytest.mark.parametrize("collide", [
    lambda key: pl.lit(7, dtype=pl.UInt64).alias(KEY_HASH),                              # every key one hash
    lambda key: pl.col("surname_key").str.len_bytes().cast(pl.UInt64).alias(KEY_HASH)])  # some keys share one
def test_keys_that_share_a_hash_stay_apart(monkeypatch: pytest.MonkeyPatch, collide) -> None:
    monkeypatch.setattr(nightpersons, "key_hash", collide)
    assert _numbered(CHUNKS) == _numbered_plain(CHUNKS)


def _numbered_plain(chunks: list[pl.DataFrame]) -> list[list[int]]:
    """The numbering done by joins on the key text (the way before the index)."""
    numbered = pl.DataFrame(schema={**NUMBERED, "person_id": pl.Int64})
    out, next_id = [], 100
    for rows in chunks:
        unmatched = rows.filter(pl.col("person_id").is_null())
        seen = numbered.join(unmatched.select(GROUP_KEY).unique(), on=GROUP_KEY, how="semi")
        fresh = (unmatched.join(seen, on=GROUP_KEY, how="anti", nulls_equal=True).group_by(GROUP_KEY)
                 .agg((pl.col("file_idx").cast(pl.Int64) * (1 << 32) + pl.col("line_no")).min().alias("first"))
                 .sort("first").select(*GROUP_KEY, (pl.int_range(pl.len(), dtype=pl.Int64) + next_id)
                                       .alias("person_id")))
        numbered, next_id = pl.concat([numbered, fresh]), next_id + fresh.height
        ids = pl.concat([seen, fresh]).rename({"person_id": "new_id"})
        out.append(rows.join(ids, on=GROUP_KEY, how="left", maintain_order="left", nulls_equal=True)
                   .select(pl.coalesce("person_id", "new_id"))[:, 0].to_list())
    return out


def test_distinct_keys_by_hash_equal_those_grouped_on_the_text() -> None:
    asked = pl.concat(CHUNKS[:2]).select(*GROUP_KEY, key_hash(GROUP_KEY), pl.col("line_no").alias("first_line"))
    by_hash, by_text = distinct_keys(asked), text_keys(asked)
    assert by_hash[0][KEY_HASH].is_sorted() and by_text[0][KEY_HASH].is_sorted()     # as ``find`` wants them
    def per_row(keys: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
        return keys.select(pl.all().gather(rows.sort("row")["key"]))
    assert per_row(*by_hash).equals(per_row(*by_text).select(by_hash[0].columns))
    assert by_hash[0].sort(KEY_HASH).equals(by_text[0].sort(KEY_HASH).select(by_hash[0].columns))


def test_the_index_compares_the_text_of_every_hash_match() -> None:
    def keys(*rows: tuple) -> pl.DataFrame:
        return pl.DataFrame({"surname_key": [r[0] for r in rows], "birth_date": [BIRTH] * len(rows),
                             "initials_key": [r[1] for r in rows], "group_extra": [r[2] for r in rows]},
                            schema=NUMBERED).with_columns(pl.lit(1, dtype=pl.UInt64).alias(KEY_HASH))
    index = KeyIndex(NUMBERED)
    index.add(keys(("jansen", "jp", ""), ("bakker", "a", ""), ("devries", "e", None)))     # numbers 0, 1, 2
    index.add(keys(("pietersen", "jp", ""), ("bakker", "a", "1011AB12")))                 # 3, 4
    asked = keys(("jansen", "jp", ""), ("visser", "m", ""), ("devries", "e", None), ("bakker", "a", "1011AB12"))
    assert index.find(asked).to_list() == [0, None, None, 4]
    assert index.find(asked.with_columns(key_hash(GROUP_KEY))).to_list() == [None] * 4   # no hash there


NAMES = pl.DataFrame({
    "surname_prefix": [None, "van der", "", None, "Ö", None, "'t", "van der"],
    "birth_surname": ["Van der Berg", "Berg", None, None, "Ñandú", "ΟΔΟΣ", "Hart", "Berg"],
    "initials": ["J.P.", None, "", "é.", "ǅ", "Σ", "JP", None],
    "postcode": ["1011AB", None, "1011AB", "2000ZZ", "", "2000ZZ", "3511CD", "1011AB"]})


@pytest.mark.parametrize("postcodes", [["1011AB", None, "1011AB", "2000ZZ", "", "2000ZZ", "3511CD", "1011AB"],
                                       ["1011 ab", None, "1011AB", "ß", " ", "2000zz", "3511CD", "1011AB"]])
def test_match_keys_once_per_distinct_name_equal_the_keys_of_each_row(postcodes: list) -> None:
    frame = NAMES.with_columns(pl.Series("postcode", postcodes))
    assert with_match_keys(frame).equals(frame.with_columns(match_keys()))
    assert with_match_keys(frame.clear()).equals(frame.clear().with_columns(match_keys()))


def _reports() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Two registered persons and a new one, with reports in no particular order."""
    registered = pl.DataFrame([
        {"person_id": 1, "birth_surname": "Jansen", "surname_prefix": None, "initials": "J.P.", "gender": "M",
         "birth_date": BIRTH, "postcode": "1011AB", "house_number": 12, "house_number_suffix": None},
        {"person_id": 2, "birth_surname": "Bakker", "surname_prefix": None, "initials": "A.", "gender": "V",
         "birth_date": BIRTH, "postcode": "2511CV", "house_number": 8, "house_number_suffix": "a"}],
        schema={c: PERSONS_SCHEMA[c] for c in ["person_id", *PERSON_FIELDS]})
    base = pl.concat([with_match_keys(registered), pl.DataFrame({"person_id": [5]})], how="diagonal_relaxed")
    base = base.with_columns(pl.lit(None, dtype=pl.Date).alias("deceased_date")).select(list(PERSONS_SCHEMA))
    base = base.cast(PERSONS_SCHEMA)

    def report(pid: int, day: int, file_idx: int, line: int, **fields: object) -> dict:
        return {"person_id": pid, "event_date": date(2026, 11, day), "file_idx": file_idx, "line_no": line,
                **{f: fields.get(f) for f in PERSON_FIELDS}}
    updates = pl.DataFrame([
        report(1, 12, 0, 4, postcode="3011AA", house_number=40),
        report(1, 12, 1, 2, postcode="3011 aa", house_number=41),               # a later file, the same day
        report(1, 10, 0, 9, initials="J.", postcode="9999ZZ", house_number=1),  # earlier day: loses the postcode
        report(2, 11, 0, 5, birth_surname="Berg", surname_prefix="van der"),
        report(5, 3, 0, 7, birth_surname="Visser", initials="M.", gender="V", birth_date=BIRTH,
               postcode="1234AB", house_number=3),
        report(5, 4, 0, 1, gender="M")], schema={"person_id": pl.Int64, "event_date": pl.Date,
                                                  "file_idx": pl.Int32, "line_no": pl.Int64,
                                                  **{f: PERSONS_SCHEMA[f] for f in PERSON_FIELDS}})
    deaths = pl.DataFrame({"person_id": [2, 2], "event_date": [date(2026, 11, 14), date(2026, 11, 13)]})
    return base, updates, deaths


def _fold_plain(base: pl.DataFrame, updates: pl.DataFrame, deaths: pl.DataFrame) -> pl.DataFrame:
    """The fold by a group-by over the reports sorted by date, file and line (the way before)."""
    latest = (updates.with_columns(order_key()).sort("order_key").group_by("person_id")
              .agg(*[pl.col(f).drop_nulls().last().alias(f"u_{f}") for f in PERSON_FIELDS]))
    died = deaths.group_by("person_id").agg(pl.col("event_date").min().alias("u_deceased"))
    rows = base.join(latest, on="person_id", how="left").join(died, on="person_id", how="left")
    rekey = pl.col("surname_key").is_null() | pl.any_horizontal(
        [pl.col(f"u_{f}").is_not_null() & pl.col(f"u_{f}").ne_missing(pl.col(f)) for f in KEY_INPUTS])
    rows = rows.with_columns(rekey.alias("rekey"), *[pl.coalesce(f"u_{f}", f).alias(f) for f in PERSON_FIELDS],
                             pl.coalesce("deceased_date", "u_deceased").alias("deceased_date"))
    moved = with_match_keys(rows.filter("rekey").drop(KEY_COLUMNS))
    columns = list(PERSONS_SCHEMA)
    return pl.concat([rows.filter(~pl.col("rekey")).select(columns), moved.select(columns)]).cast(PERSONS_SCHEMA)


def test_the_fold_from_one_sort_equals_the_fold_by_group() -> None:
    base, updates, deaths = _reports()
    folded = fold(base, updates, deaths).sort("person_id")
    assert folded.equals(_fold_plain(base, updates, deaths).sort("person_id"))
    assert folded["initials"].to_list() == ["J.", "A.", "M."] and folded["gender"].to_list() == ["M", "V", "M"]
    assert folded["surname_key"].to_list() == ["jansen", "vanderberg", "visser"]
    assert folded["deceased_date"].to_list() == [None, date(2026, 11, 13), None]


def test_a_days_last_report_gives_the_address_of_that_day() -> None:
    _, updates, _ = _reports()
    plain = (updates.filter(pl.col("postcode").is_not_null()).with_columns(
        pl.col("postcode").str.replace_all(" ", "").str.to_uppercase().alias("postcode_key"),
        pl.col("event_date").alias("valid_from"))
        .sort(["person_id", "valid_from", "file_idx", "line_no"]).unique(["person_id", "valid_from"], keep="last")
        .select(list(ADDRESSES_SCHEMA)).cast(ADDRESSES_SCHEMA))
    found = reported_addresses(updates)
    assert found.sort(pl.all()).equals(plain.sort(pl.all()))
    assert found.sort("person_id", "valid_from")["house_number"].to_list() == [1, 41, 3]


def test_rows_that_match_nobody_attach_to_nobody_without_the_joins() -> None:
    new = with_match_keys(NAMES.with_columns(pl.Series("house_number", [12, None, 3, 4, 5, 6, 7, 12]),
                                             pl.Series("birth_date", [BIRTH] * 8)))
    new = new.with_columns(pl.lit(0, dtype=pl.Int32).alias("file_idx"), pl.int_range(8, 0, -1).alias("line_no"))
    cands = new.select("file_idx", "line_no", *GROUP_KEY[:3], "postcode_key", "house_number").head(0).with_columns(
        pl.lit(None, dtype=pl.Int64).alias("person_id"))
    assert nobody(new, pl.Int64).equals(matched(new, cands, pl.DataFrame(schema=ADDRESSES_SCHEMA)))


def test_with_no_address_recorded_every_reported_one_is_new() -> None:
    _, updates, _ = _reports()
    reported = reported_addresses(updates)
    on = list(ADDRESSES_SCHEMA)
    plain = reported.join(pl.DataFrame(schema=ADDRESSES_SCHEMA), on=on, how="anti", nulls_equal=True)
    assert unrecorded(pl.DataFrame(schema=ADDRESSES_SCHEMA), reported).equals(plain.select(on))
    assert unrecorded(reported.head(1), reported).sort(on).equals(plain.select(on).slice(1).sort(on))
