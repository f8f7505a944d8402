"""A chunk hashes its keys and reads their addresses once. These tests hold each shortcut to the
general path on tiny frames: an operator would notice a difference as a person attached to the
wrong namesake, or a contract's rows lost from tonight's register."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipeline.apply.keyedtable import KEY_HASH, KeyedTable, hashed_keys, key_hash
from pipeline.apply.linking import PersonLinks
from pipeline.apply.persons import attach
from pipeline.register.state import ADDRESSES_SCHEMA, CONTRACT_KEY

BORN = date(1970, 1, 1)


class _Scan:
    """A register stand-in whose addresses are a frame (``_addresses_of`` only scans them)."""

    def __init__(self, addresses: pl.DataFrame) -> None:
        self.addresses = addresses

    def scan(self, name: str) -> pl.LazyFrame:
        assert name == "addresses"
        return self.addresses.lazy()


def _links(addresses: pl.DataFrame) -> PersonLinks:
    links = PersonLinks.__new__(PersonLinks)
    links.reg, links.addresses = _Scan(addresses), []   # type: ignore[assignment]
    return links


PERSONS = pl.DataFrame({"person_id": [1, 2, 3, 4],
                        "surname_key": ["jansen", "jansen", "bakker", "visser"],
                        "birth_date": [BORN, BORN, BORN, None],
                        "initials_key": ["a", "a", "b", "c"]})
ADDRESSES = pl.DataFrame({"person_id": [1, 2, 3, 4], "postcode_key": ["1000AA", "2000BB", "3000CC", "4000DD"],
                          "house_number": [1, 2, 3, 4], "house_number_suffix": [None, None, None, None],
                          "valid_from": [BORN] * 4}, schema=ADDRESSES_SCHEMA)
NEW = pl.DataFrame({"file_idx": [0, 0, 0, 0], "line_no": [1, 2, 3, 4],
                    "surname_key": ["jansen", "jansen", "bakker", "jansen"], "birth_date": [BORN] * 4,
                    "initials_key": ["a", "a", "b", "a"], "postcode_key": ["2000BB", "9999ZZ", "7000XX", "1000AA"],
                    "house_number": [2, 9, 7, 1], "birth_surname": ["Jansen", "Jansen", "Bakker", "Jansen"]},
                   schema_overrides={"file_idx": pl.Int32})


def test_only_namesakes_addresses_are_read_and_attach_decides_the_same():
    """``attach`` asks an address only among namesakes (1 and 2 share a match key); with only
    theirs it attaches every row as with all addresses, the ambiguous one included."""
    read = _links(ADDRESSES)._addresses_of(PERSONS)
    assert sorted(read["person_id"]) == [1, 2]
    fast, full = attach(NEW, PERSONS, read), attach(NEW, PERSONS, ADDRESSES)
    assert fast.rows.equals(full.rows)
    assert fast.rows["person_id"].to_list() == [2, None, 3, 1]
    assert fast.warnings.collect().equals(full.warnings.collect())


def test_without_namesakes_no_address_is_read():
    """A chunk whose persons all have their own match key reads no address, and attaches alike."""
    alone = PERSONS.filter(pl.col("person_id") != 2)
    read = _links(ADDRESSES)._addresses_of(alone)
    assert read.height == 0 and read.schema == pl.Schema(ADDRESSES_SCHEMA)
    assert attach(NEW, alone, read).rows.equals(attach(NEW, alone, ADDRESSES).rows)


def test_rows_added_with_their_hash_are_found_as_rows_hashed_here():
    """Rows read from the parts keep the hash made for them; found, dropped and listed they
    behave as rows the table hashed itself."""
    rows = pl.DataFrame({"participant_code": ["B1", "B1", "B2"], "contract_number": ["C1", "C2", "C1"],
                         "x": [1, 2, 3]})
    plain, hashed = KeyedTable(rows.clear()), KeyedTable(rows.clear())
    plain.add(rows)
    hashed.add(rows.with_columns(key_hash()))
    keys = hashed_keys(rows.head(2).tail(1))
    assert hashed.rows_of(keys).equals(plain.rows_of(keys))
    for table in (plain, hashed):
        table.drop(keys)
    assert hashed.where(pl.lit(True)).equals(plain.where(pl.lit(True)))
    assert hashed.table()[CONTRACT_KEY].rows() == [("B1", "C1"), ("B2", "C1")]
    assert KEY_HASH not in hashed.table().columns


def _hashed(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(CONTRACT_KEY).with_columns(key_hash())


def test_a_key_frame_listed_then_dropped_drops_what_a_fresh_frame_drops():
    """A chunk lists its contracts' rows and then drops them with the same key frame (positions
    kept between): the table ends as with a fresh frame; rows added in between are dropped too,
    a hash collision (faked here: two keys, one hash) keeps the other key's row, and ``where``
    narrows only its own drop."""
    rows = pl.DataFrame({"participant_code": ["B1", "B1", "B2", "B1"], "contract_number": ["C1", "C2", "C1", "C1"],
                         "x": [1, 2, 3, 4]})
    collide = rows.with_columns(pl.lit(7, dtype=pl.UInt64).alias(KEY_HASH))   # every key, one hash
    for frame in (rows, collide):
        kept, fresh = KeyedTable(rows.clear()), KeyedTable(rows.clear())
        for table in (kept, fresh):
            table.add(frame.head(3))
        keys = (collide if frame is collide else _hashed(rows)).filter(pl.col("contract_number") == "C1").head(1)
        listed = kept.rows_of(keys)
        assert listed["x"].to_list() == [1]          # not B2's C1, of the same hash when faked
        assert listed.equals(fresh.rows_of(keys.clone()))
        kept.drop(keys)
        fresh.drop(keys.clone())
        assert kept.table().equals(fresh.table())
        assert kept.rows_of(keys).height == 0
        kept.add(frame.tail(1))
        assert kept.rows_of(keys)["x"].to_list() == [4]
        kept.drop(keys, where=pl.col("x") == 0)
        assert kept.rows_of(keys)["x"].to_list() == [4]
        kept.drop(keys)
        assert kept.table()["x"].to_list() == [2, 3]


def test_rows_read_for_a_key_frame_are_found_as_the_join_finds_them():
    """Rows a chunk moved from the parts for its key frame are not joined on the key again: the
    table lists, drops and ``where``-drops them as one that does not know where they came from,
    also after some were dropped, with rows of other keys beside them, and for another frame of
    the same keys; a merge of segments forgets the shortcut."""
    read = pl.DataFrame({"participant_code": ["B1", "B1", "B2"], "contract_number": ["C1", "C2", "C1"],
                         "x": [1, 2, 3]})
    other = pl.DataFrame({"participant_code": ["B1", "B3"], "contract_number": ["C1", "C9"], "x": [4, 5]})
    keys = _hashed(read)
    known, plain = KeyedTable(read.clear()), KeyedTable(read.clear())
    known.add(read.with_columns(key_hash()), of_keys=keys)
    plain.add(read.with_columns(key_hash()))
    for table in (known, plain):
        table.add(other)
    assert known.rows_of(keys).equals(plain.rows_of(keys))
    assert known.rows_of(keys)["x"].to_list() == [1, 2, 3, 4]
    fewer = keys.filter(pl.col("participant_code") == "B2")
    assert known.rows_of(fewer).equals(plain.rows_of(fewer))
    for table in (known, plain):
        table.drop(fewer)
        table.drop(keys, where=pl.col("x") == 2)
    assert known.rows_of(keys).equals(plain.rows_of(keys))
    assert known.rows_of(keys)["x"].to_list() == [1, 4]
    assert known.rows_of(keys.clone())["x"].to_list() == [1, 4]
    for table in (known, plain):
        table.drop(keys)
    assert known.table().equals(plain.table())
    assert known.table()["x"].to_list() == [5]


def test_a_merge_forgets_which_key_frame_a_segment_was_read_for(monkeypatch):
    """Merged segments hold rows of several origins: the merged one is joined like any other (shown
    with a segment added under a key frame it does not belong to, which only a merge forgives)."""
    from pipeline.apply import keyedtable
    from pipeline.register.segments import Compaction
    monkeypatch.setattr(keyedtable, "IN_MEMORY", Compaction(max_dead_share=0.25, max_segments=1))
    read = pl.DataFrame({"participant_code": ["B1"], "contract_number": ["C1"], "x": [1]})
    keys = _hashed(read)
    table = KeyedTable(read.clear())
    table.add(pl.DataFrame({"participant_code": ["B7"], "contract_number": ["C7"], "x": [7]}))
    table.add(read.with_columns(key_hash()), of_keys=keys)
    table.add(pl.DataFrame({"participant_code": ["B8"], "contract_number": ["C8"], "x": [8]}), of_keys=keys)
    assert table.segments[-1].of_keys is None
    assert table.rows_of(keys)["x"].to_list() == [1]
