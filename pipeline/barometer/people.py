"""The persons counted on a reference date, per gemeente and age band (SPEC 7).

Person ids are integers the register gives out one after another (decision 36), so what a
reference date needs per person is held in arrays indexed by person id (decision 78): each
borrower link or-s its contract's flags into its person's, each address row competes for its
person's place, and each person's row reads both back. These scatters and gathers cost a
fraction of joining or grouping seven million persons by id. A place is a position in the pc4
table, so no postcode string is kept per person.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from contracts_schema.barometer import AGE_BANDS, UNKNOWN_GEMEENTE
from pipeline.barometer.asof import FINGERPRINT, FLAGS, RegisterTables, age_band_index, age_band_name, fingerprinted
from pipeline.register.state import CONTRACT_ID, CONTRACT_KEY

DAY_OFFSET = 1 << 20          # days since 1970 made positive for any date a register holds
ROW_SPAN = 1 << 32            # more rows than an addresses table holds
NO_PLACE = -1                 # no postcode (an address row without one, or no address by the date)
FLAG_VALUES = 1 << len(FLAGS)  # the values a person's flags can take


def _ids(column: pl.Series) -> np.ndarray:
    return column.to_numpy().astype(np.int64, copy=False)


def _at(per_id: np.ndarray, ids: np.ndarray, missing: int) -> np.ndarray:
    """``per_id`` at ``ids``; ``missing`` for an id beyond it (a person nothing was set for)."""
    size = int(ids.max()) + 1 if len(ids) else 0
    if size > len(per_id):
        per_id = np.concatenate([per_id, np.full(size - len(per_id), missing, dtype=per_id.dtype)])
    return per_id[ids]


def person_flags(contracts: pl.DataFrame, borrowers: pl.LazyFrame, on: date) -> np.ndarray:
    """Per person id, the FLAGS of the running ``contracts`` they are a borrower of on ``on``
    (both borrowers of a joint contract), or-ed; 0 for anybody else.

    With contract ids (``contracts_on`` gives them when the register has them) there is no join:
    the flags are held per contract id, and each link reads its contract's back by index
    (decision 112). Else see ``_flags_by_fingerprint``."""
    if CONTRACT_ID in contracts.columns:
        return _flags_by_id(contracts, borrowers, on)
    return _flags_by_fingerprint(contracts, borrowers, on)


def _flags_by_id(contracts: pl.DataFrame, borrowers: pl.LazyFrame, on: date) -> np.ndarray:
    """``person_flags`` as two scatters and a gather: the contracts' flags into an array indexed
    by contract id, read back at each link's contract id (0 for a contract not running) and or-ed
    into its person's. At scale 1 0.66 CPU s, where the fingerprint join took 2.57."""
    ids = _ids(contracts[CONTRACT_ID])
    per_contract = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=np.uint8)
    per_contract[ids] = contracts["flags"].to_numpy()
    links = borrowers.filter(pl.col("valid_from") <= on).select(CONTRACT_ID, "person_id").collect()
    persons = _ids(links["person_id"])
    flags = np.zeros(int(persons.max()) + 1 if len(persons) else 0, dtype=np.uint8)
    np.bitwise_or.at(flags, persons, _at(per_contract, _ids(links[CONTRACT_ID]), 0))
    return flags


def _flags_by_fingerprint(contracts: pl.DataFrame, borrowers: pl.LazyFrame, on: date) -> np.ndarray:
    """``person_flags`` of tables without contract ids (a register not numbered yet).

    The join is on the fingerprint's first half, the contracts held as its hash table and the
    links streamed past it; a link whose second half differs adds nothing, so the pair decides
    as before. One integer key costs about 30 % less CPU and memory than two (a filter on the
    second half would be folded into the join's keys)."""
    first, second = FINGERPRINT
    links = fingerprinted(borrowers.filter(pl.col("valid_from") <= on).select(*CONTRACT_KEY, "person_id"))
    same = pl.col(second) == pl.col(f"{second}_contract")
    linked = (links.join(contracts.lazy().filter(pl.col("flags") > 0).select(*FINGERPRINT, "flags"),
                         on=first, suffix="_contract", build_side="force_right")
              .select("person_id", pl.when(same).then(pl.col("flags")).otherwise(pl.lit(0, pl.UInt8)).alias("flags"))
              .collect())
    ids = _ids(linked["person_id"])
    flags = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=np.uint8)
    np.bitwise_or.at(flags, ids, linked["flags"].to_numpy())
    return flags


def pc4_places(pc4: pl.DataFrame) -> pl.DataFrame:
    """The pc4 table's first row of each pc4: a place is a position in it, and the position after
    the last is a pc4 it does not hold (ONBEKEND)."""
    return (pc4.filter(pl.col("pc4").is_not_null()).select("pc4", "gemeente_code")
            .unique("pc4", keep="first", maintain_order=True))


def place_of(places: pl.DataFrame) -> pl.Expr:
    """The place of ``postcode_key`` (by its first four characters); NO_PLACE without a postcode.
    The pc4s as an Enum: one lookup per row, and no string is kept."""
    known = pl.col("postcode_key").str.slice(0, 4).cast(pl.Enum(places["pc4"]), strict=False).to_physical()
    return (pl.when(pl.col("postcode_key").is_null()).then(NO_PLACE)
            .otherwise(known.cast(pl.Int32).fill_null(places.height)).alias("place"))


def places_lived(addresses: pl.LazyFrame, on: date, places: pl.DataFrame) -> np.ndarray:
    """Per person id, the place of the postcode they were reported at last on or before ``on``
    (NO_PLACE: none). Of two reports of one day the one the register received later wins: a
    row's number is (day, position), and the greatest wins."""
    days = pl.col("valid_from").cast(pl.Int64) + DAY_OFFSET
    number = days * ROW_SPAN + pl.int_range(pl.len(), dtype=pl.Int64)
    rows = (addresses.filter(pl.col("valid_from") <= on)
            .select("person_id", place_of(places), number.alias("_k")).collect())
    ids = _ids(rows["person_id"])
    latest = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=np.int64)    # 0: no row (a number is above)
    np.maximum.at(latest, ids, rows["_k"].to_numpy())
    lived = rows["place"].to_numpy()[latest & (ROW_SPAN - 1)]
    lived[latest == 0] = NO_PLACE
    return lived


def persons_on(tables: RegisterTables, flags: np.ndarray, pc4: pl.DataFrame, on: date) -> pl.DataFrame:
    """The persons with a flag on ``on`` per gemeente and age band: a row per cell, a count per flag."""
    places = pc4_places(pc4)
    place, band, mine = _counted(tables.persons, flags, places_lived(tables.addresses, on, places), places, on)
    return _per_gemeente(_cells(place, band, mine, places.height + 1), places)


def _counted(persons: pl.LazyFrame, flags: np.ndarray, lived: np.ndarray, places: pl.DataFrame,
             on: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place, age band and flags of every person with a flag. A person lives at the address
    reported last on or before ``on`` (a person counted on ``on`` has one: the NEW of a contract
    running then reported it); else their current postcode counts; else ONBEKEND."""
    band = age_band_index(pl.col("birth_date"), on).alias("band")
    rows = persons.select("person_id", band).collect()
    ids = _ids(rows["person_id"])
    mine = _at(flags, ids, 0)
    counted = mine > 0
    ids = ids[counted]
    place = _at(lived, ids, NO_PLACE)
    homeless = place == NO_PLACE
    if homeless.any():
        place[homeless] = _current_places(persons, ids[homeless], places)
    return np.where(place != NO_PLACE, place, places.height), rows["band"].to_numpy()[counted], mine[counted]


def _current_places(persons: pl.LazyFrame, ids: np.ndarray, places: pl.DataFrame) -> np.ndarray:
    """The place of each of ``ids``' current postcode (NO_PLACE: none): read for the few persons
    counted without an address by the date, not for all seven million."""
    asked = pl.DataFrame({"person_id": ids})
    rows = persons.filter(pl.col("person_id").is_in(asked["person_id"].implode())).select("person_id", place_of(places))
    return (asked.lazy().join(rows, on="person_id", how="left", maintain_order="left").collect()["place"]
            .fill_null(NO_PLACE).to_numpy())


def _cells(place: np.ndarray, band: np.ndarray, flags: np.ndarray, n_places: int) -> np.ndarray:
    """How many persons fall in each cell (place, age band, flags), cells numbered in that order."""
    cell = (place.astype(np.int64) * len(AGE_BANDS) + band) * FLAG_VALUES + flags
    return np.bincount(cell, minlength=n_places * len(AGE_BANDS) * FLAG_VALUES)


def _per_gemeente(counts: np.ndarray, places: pl.DataFrame) -> pl.DataFrame:
    """Per gemeente and age band the persons of each flag, from the persons per cell."""
    gemeente = pl.Series([*places["gemeente_code"], UNKNOWN_GEMEENTE])
    band = pl.col("cell") // FLAG_VALUES
    return (pl.DataFrame({"n": counts}).with_row_index("cell").filter(pl.col("n") > 0)
            .select(pl.lit(gemeente).gather(band // len(AGE_BANDS)).alias("gemeente_code"),
                    age_band_name(band % len(AGE_BANDS)).alias("age_band"),
                    (pl.col("cell") % FLAG_VALUES).alias("flags"), "n")
            .group_by("gemeente_code", "age_band")
            .agg((pl.col("n") * ((pl.col("flags") & bit) > 0)).sum().alias(flag) for flag, bit in FLAGS.items()))
