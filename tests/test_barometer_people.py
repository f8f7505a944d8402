"""The barometer's per-person arrays (decision 78) on tiny frames, every count worked out by hand.

Persons are counted through arrays indexed by person id instead of joins on it; these tests pin
what the arrays must keep from the joins: the whole fingerprint decides a link, flags of several
contracts add up per person, the later of two reports of one day wins, an address row without a
postcode falls back to the person's postcode, and a person nothing was set for counts nowhere.
The end-to-end tests (test_barometer.py) and the DuckDB differential test cover the rest.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from pipeline.barometer.asof import FINGERPRINT, FLAGS, RegisterTables, fingerprinted
from pipeline.barometer.people import NO_PLACE, pc4_places, person_flags, places_lived
from pipeline.barometer.tables import compute

ON = date(2026, 9, 30)
PC4 = pl.DataFrame({"pc4": ["1011", "3011"], "gemeente_code": ["GM0363", "GM0599"],
                    "gemeente_name": ["Amsterdam", "Rotterdam"]})


def _links(*rows: tuple[str, int, date]) -> pl.LazyFrame:
    """(contract, person, valid_from) borrower links of participant B."""
    return pl.LazyFrame([{"participant_code": "B", "contract_number": c, "person_id": p, "valid_from": d}
                         for c, p, d in rows])


def _contracts(flags: dict[str, int]) -> pl.DataFrame:
    keys = pl.LazyFrame({"participant_code": ["B"] * len(flags), "contract_number": list(flags)})
    return fingerprinted(keys).with_columns(pl.Series("flags", list(flags.values()), dtype=pl.UInt8)).collect()


def _of(per_id: np.ndarray, ids: range) -> list[int]:
    return [int(per_id[i]) if i < len(per_id) else 0 for i in ids]


def test_a_persons_flags_are_those_of_all_their_running_contracts() -> None:
    """Person 1 holds K1 (credit, arrears) and K2 (residual debt), jointly with person 2 on K1;
    person 3's link starts after the date; person 4's contract is not running."""
    contracts = _contracts({"K1": FLAGS["credit"] | FLAGS["arrears"], "K2": FLAGS["residual_debt"]})
    links = _links(("K1", 1, date(2026, 1, 1)), ("K2", 1, date(2026, 1, 1)), ("K1", 2, date(2026, 1, 1)),
                   ("K2", 3, date(2026, 10, 1)), ("K9", 4, date(2026, 1, 1)))
    assert _of(person_flags(contracts, links, ON), range(1, 5)) == [11, 3, 0, 0]


def test_a_link_counts_only_when_the_whole_fingerprint_matches() -> None:
    """A running contract that shares K9's first half but not its second gives K9's borrower nothing."""
    k9 = fingerprinted(pl.LazyFrame({"participant_code": ["B"], "contract_number": ["K9"]})).collect()
    twin = k9.with_columns(pl.col(FINGERPRINT[1]) + 1, pl.lit(FLAGS["credit"], pl.UInt8).alias("flags"))
    assert _of(person_flags(twin, _links(("K9", 1, date(2026, 1, 1))), ON), range(1, 2)) == [0]


def test_the_last_report_on_or_before_the_date_gives_the_place() -> None:
    """Person 1: two reports on 05-01, the later row (3011) wins over the earlier (1011) and the
    one of 01-01; person 2 was only reported after the date; person 3's last report has no
    postcode, so they have no place from the addresses (their own postcode counts then)."""
    rows = [(1, "1011AA", date(2026, 1, 1)), (1, "1011BB", date(2026, 5, 1)), (1, "3011CC", date(2026, 5, 1)),
            (2, "1011AA", date(2026, 10, 1)), (3, "3011CC", date(2026, 1, 1)), (3, None, date(2026, 2, 1))]
    addresses = pl.LazyFrame(rows, schema={"person_id": pl.Int64, "postcode_key": pl.String, "valid_from": pl.Date},
                             orient="row")
    assert _of(places_lived(addresses, ON, pc4_places(PC4)), range(1, 4)) == [1, NO_PLACE, NO_PLACE]
    assert _of(places_lived(addresses, date(2026, 4, 30), pc4_places(PC4)), range(1, 2)) == [0]


def test_seven_tables_of_a_tiny_register() -> None:
    """K1 (AK, joint: persons 1 and 2) is in arrears, K2 (HY, person 2) since 01-01, K3 (RH,
    person 3) runs, K4 (AK, person 4) ended and K5 (AK, person 4) starts after the date.
    Person 1 moved to Rotterdam on 08-01; person 3's pc4 is not in the table. A consumer-credit
    type listed twice gets two equal rows."""
    tables = _tiny_register()
    got = compute(tables, PC4, ON, ["AK", "AK"])
    assert got["kredietbarometer_nationaal"].row(0)[1:] == (2, 2, 1)
    assert got["kredietbarometer_soort"].rows() == [(ON, "AK", 1, 1), (ON, "AK", 1, 1)]
    assert got["hypotheekbarometer_nationaal"].row(0)[1:] == (1, 1)
    assert got["kredietbarometer_gemeente"].rows() == [
        (ON, "GM0363", "Amsterdam", 0, 0), (ON, "GM0599", "Rotterdam", 2, 2), (ON, "ONBEKEND", "Onbekend", 0, 0)]
    assert got["hypotheekbarometer_gemeente"].rows() == [
        (ON, "GM0363", "Amsterdam", 0, 0), (ON, "GM0599", "Rotterdam", 1, 0), (ON, "ONBEKEND", "Onbekend", 0, 1)]
    credit = {r[1]: r[2:] for r in got["kredietbarometer_leeftijd"].rows()}
    assert credit["45-54"] == (1, 1) and credit["25-34"] == (1, 1) and credit["75+"] == (0, 0)
    mortgage = {r[1]: r[2] for r in got["hypotheekbarometer_leeftijd"].rows()}
    assert mortgage["25-34"] == 1 and sum(mortgage.values()) == 1


def _tiny_register() -> RegisterTables:
    def contract(number: str, kind: str, start: date, end: date | None = None) -> dict:
        return {"participant_code": "B", "contract_number": number, "contract_type": kind,
                "start_date": start, "actual_end_date": end}

    contracts = pl.LazyFrame([contract("K1", "AK", date(2026, 1, 5)), contract("K2", "HY", date(2020, 1, 5)),
                              contract("K3", "RH", date(2025, 1, 5)),
                              contract("K4", "AK", date(2025, 1, 5), date(2026, 9, 30)),
                              contract("K5", "AK", date(2026, 10, 1))])
    codes = pl.LazyFrame([{"participant_code": "B", "contract_number": c, "code": "A", "code_date": d,
                           "arrears_since": d, "run_id": "r", "file": "f", "line_no": i}
                          for i, (c, d) in enumerate([("K1", date(2026, 9, 1)), ("K2", date(2026, 1, 1))])])
    links = _links(("K1", 1, date(2026, 1, 5)), ("K1", 2, date(2026, 1, 5)), ("K2", 2, date(2020, 1, 5)),
                   ("K3", 3, date(2025, 1, 5)), ("K4", 4, date(2025, 1, 5)), ("K5", 4, date(2026, 10, 1)))
    persons = pl.LazyFrame({"person_id": [1, 2, 3, 4], "postcode_key": ["1011AB", "3011AB", "9999ZZ", "1011AB"],
                            "birth_date": [date(1980, 5, 17), date(2000, 1, 1), date(1950, 1, 1), date(1990, 1, 1)]})
    addresses = pl.LazyFrame({"person_id": [1, 1], "postcode_key": ["1011AB", "3011XY"],
                              "valid_from": [date(2026, 1, 5), date(2026, 8, 1)]})
    return RegisterTables(contracts, links, codes, persons, addresses)
