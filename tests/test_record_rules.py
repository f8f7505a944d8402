"""Per-record rules of SPEC 4.1 for mutation files (MUT, INIT), each pinned at its boundary.

Every case delivers real CSV files and runs real nights: optionally an INIT file on an earlier
night (the register state the rule needs), then the file under test on RUN_DATE. The golden
answer is the whole errors file of the file under test as a set of (line, field, error_code):
an empty set means every record was applied.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from tests.conftest import RUN_DATE, new, record

SETUP_DATE = date(2026, 11, 20)      # the earlier night that builds the register state
EV = date(2026, 11, 15)              # event_date of record(): the day the reported fact happened
NEW_EV = date(2026, 11, 10)          # event_date (start date) of new()
START = "2025-01-02"                 # start date of contracts registered on the earlier night
PERSON2 = {"birth_surname": "Vries", "surname_prefix": "de", "initials": "A.", "gender": "V",
           "birth_date": "1982-02-02", "postcode": "1011AB", "house_number": "12"}


def days_before(days: int, on: date = EV) -> str:
    return (on - timedelta(days=days)).isoformat()


def days_after(days: int, on: date = EV) -> str:
    return (on + timedelta(days=days)).isoformat()


# --- contracts as an earlier night registers them (old start dates, INIT: no deadline) --------

def _with(defaults: dict, fields: dict) -> dict:
    return {**defaults, **fields}


def ak(contract: str, **fields: object) -> dict:
    """A running AK registered long ago."""
    return new(contract, **_with({"event_date": START, "theoretical_end_date": "2030-01-02"}, fields))


def rk(contract: str, limit: int = 10_000, **fields: object) -> dict:
    return new(contract, **_with({"contract_type": "RK", "amount": limit, "theoretical_end_date": "",
                                  "event_date": START}, fields))


def hy(contract: str, code: str = "2", **fields: object) -> dict:
    """A mortgage: registered only with a negative code, no amount, no end date."""
    return new(contract, **_with({"contract_type": "HY", "amount": "", "theoretical_end_date": "",
                                  "code": code, "event_date": START}, fields))


def vk(contract: str, amount: int = 1000, **fields: object) -> dict:
    """A mail-order credit of SHOP1."""
    return new(contract, **_with({"participant_code": "SHOP1", "contract_type": "VK", "amount": amount,
                                  "theoretical_end_date": "", "event_date": START}, fields))


def ro(contract: str, amount: int = 1000, **fields: object) -> dict:
    """An 'other financial obligation': registered only with a code A."""
    return new(contract, **_with({"contract_type": "RO", "amount": amount, "theoretical_end_date": ""},
                                 fields))


def code(contract: str, value: str, **fields: object) -> dict:
    return record(contract, "CODE", code=value, **fields)


def code_a(contract: str, days: int = 60, **fields: object) -> dict:
    """A code A whose arrears arose ``days`` before its event_date."""
    on = date.fromisoformat(str(fields.get("event_date", EV.isoformat())))
    return code(contract, "A", **_with({"arrears_since": days_before(days, on)}, fields))


def end(contract: str, on: str = EV.isoformat(), **fields: object) -> dict:
    return record(contract, "END", **_with({"event_date": on, "actual_end_date": on}, fields))


# --- running the nights ----------------------------------------------------------------------

def deliver_and_run(ws, rows: list[dict], setup: list[dict] = (), kind: str = "MUT") -> tuple[str, str]:
    """Register ``setup`` (INIT, per participant) on an earlier night, then deliver ``rows`` and run
    RUN_DATE. Returns (file name, participant) of the file under test."""
    if setup:
        names = {}
        for participant in dict.fromkeys(r["participant_code"] for r in setup):
            names[participant] = ws.deliver([r for r in setup if r["participant_code"] == participant],
                                            participant, "INIT")
        assert ws.run(SETUP_DATE) == 0
        for participant, name in names.items():
            assert ws.findings(name, participant) == set(), "the earlier night's setup must be accepted"
    participant = rows[0]["participant_code"] or "BANK1"
    name = ws.deliver(rows, participant, kind)
    assert ws.run(RUN_DATE) == 0
    return name, participant


def check(ws, rows, golden, setup=(), kind="MUT") -> dict:
    """Deliver, run, and compare the errors file and the counts with the golden set."""
    name, participant = deliver_and_run(ws, rows, setup, kind)
    assert ws.findings(name, participant) == set(golden)
    result = ws.result(name, participant)
    rejected = len({line for line, _, _ in golden})
    assert (result["records"], result["accepted"], result["rejected"]) == (
        len(rows), len(rows) - rejected, rejected)
    assert result["status"] == ("ACCEPTED" if not rejected else
                                "REJECTED" if rejected == len(rows) else "PARTIAL")
    return result


def case(id: str, rows: list[dict], golden=(), setup: list[dict] = (), kind: str = "MUT", marks=()):
    return pytest.param(rows, set(golden), list(setup), kind, id=id, marks=marks)


# --- the table: one rejecting and one accepting case per rule, at the boundary ---------------

CASES = [
    # MISSING_FIELD: a field the mutation type (or code, or contract type) requires is empty.
    case("MISSING_FIELD-new-without-surname", [new("C1", birth_surname="")],
         {(1, "birth_surname", "MISSING_FIELD")}),
    case("MISSING_FIELD-accept-new-complete", [new("C1")]),
    case("MISSING_FIELD-new-without-contract_number", [new("")], {(1, "contract_number", "MISSING_FIELD")}),
    case("MISSING_FIELD-ak-without-amount", [new("C1", amount="")], {(1, "amount", "MISSING_FIELD")}),
    case("MISSING_FIELD-ak-without-end-date", [new("C1", theoretical_end_date="")],
         {(1, "theoretical_end_date", "MISSING_FIELD")}),
    case("MISSING_FIELD-accept-oa-without-end-date", [new("C1", contract_type="OA", theoretical_end_date="")]),
    case("MISSING_FIELD-code-without-code", [record("C1", "CODE")], {(1, "code", "MISSING_FIELD")},
         setup=[ak("C1")]),
    case("MISSING_FIELD-code-A-without-arrears_since", [code("C1", "A")],
         {(1, "arrears_since", "MISSING_FIELD")}, setup=[ak("C1")]),
    case("MISSING_FIELD-rk-code-A-without-arrears_amount", [code_a("C1")],
         {(1, "arrears_amount", "MISSING_FIELD")}, setup=[rk("C1")]),
    case("MISSING_FIELD-accept-ak-code-A-without-arrears_amount", [code_a("C1")], setup=[ak("C1")]),
    case("MISSING_FIELD-end-without-actual_end_date", [record("C1", "END")],
         {(1, "actual_end_date", "MISSING_FIELD")}, setup=[ak("C1")]),
    case("MISSING_FIELD-without-participant_code", [new("C1", participant_code="")],
         {(1, "participant_code", "MISSING_FIELD")}),
    case("MISSING_FIELD-accept-borrower_no-empty-means-1", [new("C1", borrower_no="")]),
    case("MISSING_FIELD-ro-code-A-without-arrears_amount",
         [ro("R1", code="A", arrears_since=days_before(120, NEW_EV))], {(1, "arrears_amount", "MISSING_FIELD")}),
    case("MISSING_FIELD-accept-hy-code-A-without-arrears_amount", [code_a("H1", 120)], setup=[hy("H1")]),
    case("MISSING_FIELD-move-without-house_number", [record("C1", "CHANGE", postcode="1011AC")],
         {(1, "house_number", "MISSING_FIELD")}, setup=[ak("C1")]),

    # INVALID_TYPE: the cell cannot be read as a number, date or boolean.
    case("INVALID_TYPE-amount-with-thousands-dot", [new("C1", amount="15.000")],
         {(1, "amount", "INVALID_TYPE")}),
    case("INVALID_TYPE-event_date-dutch-order", [new("C1", event_date="10-11-2026")],
         {(1, "event_date", "INVALID_TYPE")}),
    case("INVALID_TYPE-event_date-30-february", [new("C1", event_date="2026-02-30")],
         {(1, "event_date", "INVALID_TYPE")}),
    case("INVALID_TYPE-house_number-text", [new("C1", house_number="twelve")],
         {(1, "house_number", "INVALID_TYPE")}),
    case("INVALID_TYPE-final_discharge-yes",
         [code("C1", "3", written_off_amount=1000, final_discharge="yes")],
         {(1, "final_discharge", "INVALID_TYPE")}, setup=[ak("C1")]),
    case("INVALID_TYPE-accept-final_discharge-false",
         [code("C1", "3", written_off_amount=1000, final_discharge="false")], setup=[ak("C1")]),

    # INVALID_VALUE: readable, but not one of the allowed values.
    case("INVALID_VALUE-gender-Q", [new("C1", gender="Q")], {(1, "gender", "INVALID_VALUE")}),
    case("INVALID_VALUE-accept-gender-X", [new("C1", gender="X")]),
    case("INVALID_VALUE-mutation_type", [record("C1", "MODIFY")], {(1, "mutation_type", "INVALID_VALUE")},
         setup=[ak("C1")]),
    case("INVALID_VALUE-contract_type-XX", [new("C1", contract_type="XX")],
         {(1, "contract_type", "INVALID_VALUE")}),
    case("INVALID_VALUE-code-9", [code("C1", "9")], {(1, "code", "INVALID_VALUE")}, setup=[ak("C1")]),
    case("INVALID_VALUE-postcode-leading-zero", [new("C1", postcode="0123AB")],
         {(1, "postcode", "INVALID_VALUE")}),
    case("INVALID_VALUE-accept-postcode-with-space", [new("C1", postcode="1011 AB")]),
    case("INVALID_VALUE-borrower_no-3", [new("C1", borrower_no=3)], {(1, "borrower_no", "INVALID_VALUE")}),
    case("INVALID_VALUE-contract_number-31-chars", [new("A" * 31)], {(1, "contract_number", "INVALID_VALUE")}),
    case("INVALID_VALUE-contract_number-space", [new("AB 12")], {(1, "contract_number", "INVALID_VALUE")}),
    case("INVALID_VALUE-accept-contract_number-30-chars", [new("Ab1/._-" + "9" * 23)]),
    case("INVALID_VALUE-code_end-of-code-2", [record("C1", "CODE_END", code="2")],
         {(1, "code", "INVALID_VALUE")}, setup=[hy("C1")]),
    case("INVALID_VALUE-end-date-differs-from-event_date", [end("C1", actual_end_date=days_before(1))],
         {(1, "actual_end_date", "INVALID_VALUE")}, setup=[ak("C1")]),

    # OUT_OF_RANGE: amount per contract type, AK duration >= 3 months, age 18 to 120.
    case("OUT_OF_RANGE-accept-ak-175000", [new("C1", amount=175_000)]),
    case("OUT_OF_RANGE-ak-175001", [new("C1", amount=175_001)], {(1, "amount", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-accept-ak-500", [new("C1", amount=500)]),
    case("OUT_OF_RANGE-ak-499", [new("C1", amount=499)], {(1, "amount", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-accept-rk-100000", [rk("C1", 100_000, event_date=NEW_EV)]),
    case("OUT_OF_RANGE-rk-100001", [rk("C1", 100_001, event_date=NEW_EV)], {(1, "amount", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-accept-vk-250-with-code",
         [vk("V1", 250, event_date=NEW_EV, code="2")]),
    case("OUT_OF_RANGE-vk-249-with-code", [vk("V1", 249, event_date=NEW_EV, code="2")],
         {(1, "amount", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-accept-sr-0", [new("C1", contract_type="SR", amount=0)]),
    case("OUT_OF_RANGE-accept-sr-without-amount", [new("C1", contract_type="SR", amount="")]),
    case("OUT_OF_RANGE-ro-499", [ro("R1", 499, code="A", arrears_since=days_before(120, NEW_EV),
                                    arrears_amount=500)], {(1, "amount", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-accept-ro-no-maximum", [ro("R1", 5_000_000, code="A",
                                                  arrears_since=days_before(120, NEW_EV), arrears_amount=500)]),
    case("OUT_OF_RANGE-accept-ak-exactly-3-months", [new("C1", theoretical_end_date="2027-02-10")]),
    case("OUT_OF_RANGE-ak-3-months-less-a-day", [new("C1", theoretical_end_date="2027-02-09")],
         {(1, "theoretical_end_date", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-change-ak-amount-175001", [record("C1", "CHANGE", amount=175_001)],
         {(1, "amount", "OUT_OF_RANGE")}, setup=[ak("C1")]),
    case("OUT_OF_RANGE-accept-age-18-on-the-day", [new("C1", birth_date="2008-11-10")]),
    case("OUT_OF_RANGE-age-17", [new("C1", birth_date="2008-11-11")], {(1, "birth_date", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-accept-age-120", [new("C1", birth_date="1905-11-11")]),
    case("OUT_OF_RANGE-age-121", [new("C1", birth_date="1905-11-10")], {(1, "birth_date", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-end-date-before-start", [new("C1", theoretical_end_date="2026-11-09")],
         {(1, "theoretical_end_date", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-change-rk-limit-100001", [record("C1", "CHANGE", amount=100_001)],
         {(1, "amount", "OUT_OF_RANGE")}, setup=[rk("C1")]),
    case("OUT_OF_RANGE-accept-change-rk-limit-100000", [record("C1", "CHANGE", amount=100_000)], setup=[rk("C1")]),
    case("OUT_OF_RANGE-house_number-0", [new("C1", house_number=0)], {(1, "house_number", "OUT_OF_RANGE")}),
    case("OUT_OF_RANGE-end-before-start", [end("C1", "2024-12-31")],
         {(1, "actual_end_date", "OUT_OF_RANGE")}, setup=[ak("C1")], kind="INIT"),
    case("OUT_OF_RANGE-discharge-end-before-start",
         [code("C1", "3", written_off_amount=300, final_discharge="true", actual_end_date="0001-01-01")],
         {(1, "actual_end_date", "OUT_OF_RANGE")}, setup=[ak("C1")], kind="INIT"),

    # FIELD_NOT_ALLOWED: a field the mutation type, code or contract type does not use.
    case("FIELD_NOT_ALLOWED-end-with-amount", [end("C1", amount=1000)], {(1, "amount", "FIELD_NOT_ALLOWED")},
         setup=[ak("C1")]),
    case("FIELD_NOT_ALLOWED-code-with-contract_type", [code("C1", "2", contract_type="AK")],
         {(1, "contract_type", "FIELD_NOT_ALLOWED")}, setup=[ak("C1")]),
    case("FIELD_NOT_ALLOWED-arrears_since-with-code-2", [code("C1", "2", arrears_since=days_before(90))],
         {(1, "arrears_since", "FIELD_NOT_ALLOWED")}, setup=[ak("C1")]),
    case("FIELD_NOT_ALLOWED-hy-with-amount", [hy("H1", amount=200_000, event_date=NEW_EV)],
         {(1, "amount", "FIELD_NOT_ALLOWED")}),
    case("FIELD_NOT_ALLOWED-vk-with-end-date", [vk("V1", event_date=NEW_EV, theoretical_end_date="2028-01-01")],
         {(1, "theoretical_end_date", "FIELD_NOT_ALLOWED")}),
    case("FIELD_NOT_ALLOWED-rk-with-end-date", [rk("C1", event_date=NEW_EV, theoretical_end_date="2028-01-01")],
         {(1, "theoretical_end_date", "FIELD_NOT_ALLOWED")}),
    case("FIELD_NOT_ALLOWED-accept-rh-with-optional-end-date",
         [new("C1", contract_type="RH", theoretical_end_date="2028-01-01")]),
    case("FIELD_NOT_ALLOWED-accept-hy-without-amount", [hy("H1", event_date=NEW_EV)]),

    # FUTURE_DATE: a date after the processing date.
    case("FUTURE_DATE-event-tomorrow", [new("C1", event_date=days_after(1, RUN_DATE))],
         {(1, "event_date", "FUTURE_DATE")}),
    case("FUTURE_DATE-accept-event-today", [new("C1", event_date=RUN_DATE.isoformat())]),
    case("FUTURE_DATE-arrears_since-tomorrow", [code_a("C1", -9)],
         {(1, "arrears_since", "FUTURE_DATE")}, setup=[ak("C1")]),

    # LATE: reported more than 28 days after event_date.
    case("LATE-29-days", [new("C1", event_date=days_before(29, RUN_DATE))], {(1, "event_date", "LATE")}),
    case("LATE-accept-28-days", [new("C1", event_date=days_before(28, RUN_DATE))]),

    # RETENTION_EXPIRED: the contract ended 5 years ago or more.
    case("RETENTION_EXPIRED-end-exactly-5-years-ago",
         [ak("C1", event_date="2015-01-02", theoretical_end_date="2020-01-02"), end("C1", "2021-11-23")],
         {(2, "actual_end_date", "RETENTION_EXPIRED")}, kind="INIT"),
    case("RETENTION_EXPIRED-accept-end-5-years-less-a-day",
         [ak("C1", event_date="2015-01-02", theoretical_end_date="2020-01-02"), end("C1", "2021-11-24")],
         kind="INIT"),
    case("RETENTION_EXPIRED-record-about-contract-ended-5-years-ago", [code("C1", "4")],
         {(1, "contract_number", "RETENTION_EXPIRED")},
         setup=[ak("C1", event_date="2015-01-02", theoretical_end_date="2020-01-02"), end("C1", "2021-11-23")]),
    case("RETENTION_EXPIRED-accept-record-about-contract-ended-a-day-later", [code("C1", "4")],
         setup=[ak("C1", event_date="2015-01-02", theoretical_end_date="2020-01-02"), end("C1", "2021-11-24")]),

    # UNKNOWN_CONTRACT: a record about a contract this participant never registered.
    case("UNKNOWN_CONTRACT-code-on-unregistered", [code("C9", "2")],
         {(1, "contract_number", "UNKNOWN_CONTRACT")}, setup=[ak("C1")]),
    case("UNKNOWN_CONTRACT-accept-code-on-registered", [code("C1", "2")], setup=[ak("C1")]),
    case("UNKNOWN_CONTRACT-another-participants-contract", [code("V1", "2")],
         {(1, "contract_number", "UNKNOWN_CONTRACT")}, setup=[vk("V1")]),
    case("UNKNOWN_CONTRACT-change-of-missing-borrower-2",
         [record("C1", "CHANGE", borrower_no=2, initials="A.B.")],
         {(1, "borrower_no", "UNKNOWN_CONTRACT")}, setup=[ak("C1")]),

    # DUPLICATE_CONTRACT: a NEW of a contract (borrower) that is already registered.
    case("DUPLICATE_CONTRACT-registered-earlier-night", [new("C1")],
         {(1, "contract_number", "DUPLICATE_CONTRACT")}, setup=[ak("C1")]),
    case("DUPLICATE_CONTRACT-twice-in-one-file", [new("C1"), new("C1", amount=16_000)],
         {(2, "contract_number", "DUPLICATE_CONTRACT")}),
    case("DUPLICATE_CONTRACT-accept-second-borrower", [new("C1"), new("C1", borrower_no=2, **PERSON2)]),
    case("DUPLICATE_CONTRACT-accept-same-number-at-another-participant", [new("V1")], setup=[vk("V1")]),
    case("DUPLICATE_CONTRACT-accept-second-borrower-later-night", [new("C1", borrower_no=2, **PERSON2)],
         setup=[ak("C1")]),

    # DUPLICATE_RECORD: the same row twice in a file.
    case("DUPLICATE_RECORD-same-new-twice", [new("C1"), new("C1")], {(2, "", "DUPLICATE_RECORD")}),
    case("DUPLICATE_RECORD-accept-rows-differing-in-one-field", [code("C1", "2"), code("C1", "4")],
         setup=[ak("C1")]),

    # TYPE_NOT_ALLOWED: a contract type not in the participant's contract_types.
    case("TYPE_NOT_ALLOWED-shop-registers-ak", [new("S1", participant_code="SHOP1")],
         {(1, "contract_type", "TYPE_NOT_ALLOWED")}),
    case("TYPE_NOT_ALLOWED-accept-shop-registers-vk", [vk("V1", event_date=NEW_EV)]),
    case("TYPE_NOT_ALLOWED-bank-registers-vk", [vk("V1", event_date=NEW_EV, participant_code="BANK1")],
         {(1, "contract_type", "TYPE_NOT_ALLOWED")}),

    # NEGATIVE_ONLY_WITHOUT_CODE: HY/HO only with A 2 3 4 5, RO only with A, VK under 500 only with a code.
    case("NEGATIVE_ONLY-hy-without-code", [hy("H1", code="", event_date=NEW_EV)],
         {(1, "code", "NEGATIVE_ONLY_WITHOUT_CODE")}),
    case("NEGATIVE_ONLY-accept-hy-with-code-2", [hy("H1", code="2", event_date=NEW_EV)]),
    case("NEGATIVE_ONLY-ho-without-code", [hy("H1", code="", contract_type="HO", event_date=NEW_EV)],
         {(1, "code", "NEGATIVE_ONLY_WITHOUT_CODE")}),
    case("NEGATIVE_ONLY-ro-without-code", [ro("R1")], {(1, "code", "NEGATIVE_ONLY_WITHOUT_CODE")}),
    case("NEGATIVE_ONLY-ro-with-code-2-not-A", [ro("R1", code="2")], {(1, "code", "NEGATIVE_ONLY_WITHOUT_CODE")}),
    case("NEGATIVE_ONLY-accept-ro-with-code-A",
         [ro("R1", code="A", arrears_since=days_before(120, NEW_EV), arrears_amount=500)]),
    case("NEGATIVE_ONLY-vk-499-without-code", [vk("V1", 499, event_date=NEW_EV)],
         {(1, "code", "NEGATIVE_ONLY_WITHOUT_CODE")}),
    case("NEGATIVE_ONLY-accept-vk-500-without-code", [vk("V1", 500, event_date=NEW_EV)]),
    case("NEGATIVE_ONLY-accept-vk-499-with-code-2", [vk("V1", 499, event_date=NEW_EV, code="2")]),

    # ARREARS_TOO_EARLY: an A only once 60 (AK RK OA SR RH RN), 90 (VK) or 120 (HY HO RO) days have passed.
    case("ARREARS_TOO_EARLY-accept-ak-60-days", [code_a("C1", 60)], setup=[ak("C1")]),
    case("ARREARS_TOO_EARLY-ak-59-days", [code_a("C1", 59)], {(1, "arrears_since", "ARREARS_TOO_EARLY")},
         setup=[ak("C1")]),
    case("ARREARS_TOO_EARLY-accept-vk-90-days", [code_a("V1", 90, participant_code="SHOP1")], setup=[vk("V1")]),
    case("ARREARS_TOO_EARLY-vk-89-days", [code_a("V1", 89, participant_code="SHOP1")],
         {(1, "arrears_since", "ARREARS_TOO_EARLY")}, setup=[vk("V1")]),
    case("ARREARS_TOO_EARLY-accept-hy-120-days", [code_a("H1", 120)], setup=[hy("H1")]),
    case("ARREARS_TOO_EARLY-hy-119-days", [code_a("H1", 119)], {(1, "arrears_since", "ARREARS_TOO_EARLY")},
         setup=[hy("H1")]),
    case("ARREARS_TOO_EARLY-accept-ro-new-120-days",
         [ro("R1", code="A", arrears_since=days_before(120, NEW_EV), arrears_amount=500)]),
    case("ARREARS_TOO_EARLY-ro-new-119-days",
         [ro("R1", code="A", arrears_since=days_before(119, NEW_EV), arrears_amount=500)],
         {(1, "arrears_since", "ARREARS_TOO_EARLY")}),

    # ARREARS_TOO_SMALL: RK at least max(10 % of the limit, 500); RO at least 500.
    case("ARREARS_TOO_SMALL-accept-rk-10-percent", [code_a("C1", arrears_amount=1000)], setup=[rk("C1", 10_000)]),
    case("ARREARS_TOO_SMALL-rk-under-10-percent", [code_a("C1", arrears_amount=999)],
         {(1, "arrears_amount", "ARREARS_TOO_SMALL")}, setup=[rk("C1", 10_000)]),
    case("ARREARS_TOO_SMALL-accept-rk-500-floor", [code_a("C1", arrears_amount=500)], setup=[rk("C1", 3000)]),
    case("ARREARS_TOO_SMALL-rk-under-500-floor", [code_a("C1", arrears_amount=499)],
         {(1, "arrears_amount", "ARREARS_TOO_SMALL")}, setup=[rk("C1", 3000)]),
    case("ARREARS_TOO_SMALL-rk-limit-10001-needs-1001", [code_a("C1", arrears_amount=1000)],
         {(1, "arrears_amount", "ARREARS_TOO_SMALL")}, setup=[rk("C1", 10_001)]),
    case("ARREARS_TOO_SMALL-rk-new-and-A-in-one-init-file",
         [rk("C1", 10_000), code_a("C1", arrears_amount=999)], {(2, "arrears_amount", "ARREARS_TOO_SMALL")},
         kind="INIT"),
    case("ARREARS_TOO_SMALL-accept-ro-500",
         [ro("R1", 100_000, code="A", arrears_since=days_before(120, NEW_EV), arrears_amount=500)]),
    case("ARREARS_TOO_SMALL-ro-499",
         [ro("R1", 100_000, code="A", arrears_since=days_before(120, NEW_EV), arrears_amount=499)],
         {(1, "arrears_amount", "ARREARS_TOO_SMALL")}),

    # H_WITHOUT_A: a recovery needs open arrears.
    case("H_WITHOUT_A-no-arrears", [code("C1", "H")], {(1, "code", "H_WITHOUT_A")}, setup=[ak("C1")]),
    case("H_WITHOUT_A-accept-after-open-A", [code("C1", "H")],
         setup=[ak("C1"), code_a("C1", event_date="2026-06-01")]),
    case("H_WITHOUT_A-arrears-already-recovered", [code("C1", "H")], {(1, "code", "H_WITHOUT_A")},
         setup=[ak("C1"), code_a("C1", event_date="2026-06-01"), code("C1", "H", event_date="2026-07-01")]),

    # CODE1_WITHOUT_A: a code 1 needs an earlier A (recovered or not).
    case("CODE1_WITHOUT_A-no-arrears", [code("C1", "1")], {(1, "code", "CODE1_WITHOUT_A")}, setup=[ak("C1")]),
    case("CODE1_WITHOUT_A-accept-after-recovered-A", [code("C1", "1")],
         setup=[ak("C1"), code_a("C1", event_date="2026-06-01"), code("C1", "H", event_date="2026-07-01")]),

    # CODE5_NOT_MORTGAGE: a code 5 only on HY or HO.
    case("CODE5_NOT_MORTGAGE-on-ak", [code("C1", "5")], {(1, "code", "CODE5_NOT_MORTGAGE")}, setup=[ak("C1")]),
    case("CODE5_NOT_MORTGAGE-accept-on-hy", [code("H1", "5")], setup=[hy("H1")]),
    case("CODE5_NOT_MORTGAGE-accept-new-ho-with-5", [hy("H1", code="5", contract_type="HO", event_date=NEW_EV)]),

    # WRITE_OFF_TOO_SMALL: a code 3 needs at least EUR 250 written off.
    case("WRITE_OFF_TOO_SMALL-249", [code("C1", "3", written_off_amount=249)],
         {(1, "written_off_amount", "WRITE_OFF_TOO_SMALL")}, setup=[ak("C1")]),
    case("WRITE_OFF_TOO_SMALL-accept-250", [code("C1", "3", written_off_amount=250)], setup=[ak("C1")]),
    case("MISSING_FIELD-code-3-without-written_off_amount", [code("C1", "3")],
         {(1, "written_off_amount", "MISSING_FIELD")}, setup=[ak("C1")]),

    # DISCHARGE_WITHOUT_END_DATE: a code 3 with final discharge carries the actual end date.
    case("DISCHARGE_WITHOUT_END_DATE", [code("C1", "3", written_off_amount=1000, final_discharge="true")],
         {(1, "actual_end_date", "DISCHARGE_WITHOUT_END_DATE")}, setup=[ak("C1")]),
    case("DISCHARGE_WITHOUT_END_DATE-accept-with-end-date",
         [code("C1", "3", written_off_amount=1000, final_discharge="true", actual_end_date=EV)], setup=[ak("C1")]),

    # END_DATE_NOT_ALLOWED: an actual end date only on END or code 3 with final discharge.
    case("END_DATE_NOT_ALLOWED-code-3-discharge-false",
         [code("C1", "3", written_off_amount=1000, final_discharge="false", actual_end_date=EV)],
         {(1, "actual_end_date", "END_DATE_NOT_ALLOWED")}, setup=[ak("C1")]),
    case("END_DATE_NOT_ALLOWED-code-3-no-discharge",
         [code("C1", "3", written_off_amount=1000, actual_end_date=EV)],
         {(1, "actual_end_date", "END_DATE_NOT_ALLOWED")}, setup=[ak("C1")]),
    case("END_DATE_NOT_ALLOWED-code-2", [code("C1", "2", actual_end_date=EV)],
         {(1, "actual_end_date", "END_DATE_NOT_ALLOWED")}, setup=[ak("C1")]),
    case("END_DATE_NOT_ALLOWED-new", [new("C1", actual_end_date=NEW_EV)],
         {(1, "actual_end_date", "END_DATE_NOT_ALLOWED")}),
    case("END_DATE_NOT_ALLOWED-accept-end", [end("C1")], setup=[ak("C1")]),

    # CONTRACT_ENDED: after the end no arrears, recovery, amounts or second end; codes 2, 3, 4 still are.
    case("CONTRACT_ENDED-code-A-after-end", [code_a("C1")], {(1, "mutation_type", "CONTRACT_ENDED")},
         setup=[ak("C1"), end("C1", "2026-01-02")]),
    case("CONTRACT_ENDED-end-twice", [end("C1")], {(1, "mutation_type", "CONTRACT_ENDED")},
         setup=[ak("C1"), end("C1", "2026-01-02")]),
    case("CONTRACT_ENDED-change-amount-after-end", [record("C1", "CHANGE", amount=1000)],
         {(1, "mutation_type", "CONTRACT_ENDED")}, setup=[ak("C1"), end("C1", "2026-01-02")]),
    case("CONTRACT_ENDED-accept-code-4-after-end", [code("C1", "4")],
         setup=[ak("C1"), end("C1", "2026-01-02")]),
    case("CONTRACT_ENDED-accept-move-after-end", [record("C1", "CHANGE", postcode="1011AC", house_number=3)],
         setup=[ak("C1"), end("C1", "2026-01-02")]),

    # CODE_NOT_ACTIVE: CODE_END ends a code 5 that is active.
    case("CODE_NOT_ACTIVE-no-code-5", [record("H1", "CODE_END", code="5")], {(1, "code", "CODE_NOT_ACTIVE")},
         setup=[hy("H1", code="2")]),
    case("CODE_NOT_ACTIVE-accept-active-code-5", [record("H1", "CODE_END", code="5")],
         setup=[hy("H1", code="5")]),
    case("CODE_NOT_ACTIVE-code-5-already-ended", [record("H1", "CODE_END", code="5")],
         {(1, "code", "CODE_NOT_ACTIVE")},
         setup=[hy("H1", code="5"), record("H1", "CODE_END", code="5", event_date="2026-06-01")]),

    # DEPENDS_ON_REJECTED: a record about a contract whose NEW in the same night was rejected.
    case("DEPENDS_ON_REJECTED-code-after-rejected-new", [new("C1", amount=175_001), code("C1", "2")],
         {(1, "amount", "OUT_OF_RANGE"), (2, "", "DEPENDS_ON_REJECTED")}),
    case("DEPENDS_ON_REJECTED-accept-code-after-accepted-new", [new("C1", amount=175_000), code("C1", "2")]),
    case("DEPENDS_ON_REJECTED-after-new-with-bad-field", [new("C1", gender="Q"), code("C1", "2")],
         {(1, "gender", "INVALID_VALUE"), (2, "", "DEPENDS_ON_REJECTED")}),
    case("DEPENDS_ON_REJECTED-second-borrower-of-rejected-new",
         [new("C1", amount=175_001), new("C1", borrower_no=2, **PERSON2)],
         {(1, "amount", "OUT_OF_RANGE"), (2, "", "DEPENDS_ON_REJECTED")}),
]


@pytest.mark.parametrize(("rows", "golden", "setup", "kind"), CASES)
def test_record_rule(ws, rows, golden, setup, kind):
    """Each rule rejects a record just over its limit and accepts one right at it; the errors
    file lists exactly the golden (line, field, code) rows and the counts agree."""
    check(ws, rows, golden, setup, kind)


def test_every_record_code_of_the_spec_has_a_rejecting_and_an_accepting_case():
    """The table above covers every per-record code of SPEC 4.1 used for mutation files."""
    codes = ["MISSING_FIELD", "INVALID_TYPE", "INVALID_VALUE", "OUT_OF_RANGE", "FIELD_NOT_ALLOWED",
             "FUTURE_DATE", "LATE", "RETENTION_EXPIRED", "UNKNOWN_CONTRACT", "DUPLICATE_CONTRACT",
             "DUPLICATE_RECORD", "TYPE_NOT_ALLOWED", "NEGATIVE_ONLY_WITHOUT_CODE", "ARREARS_TOO_EARLY",
             "ARREARS_TOO_SMALL", "H_WITHOUT_A", "CODE1_WITHOUT_A", "CODE5_NOT_MORTGAGE",
             "WRITE_OFF_TOO_SMALL", "DISCHARGE_WITHOUT_END_DATE", "END_DATE_NOT_ALLOWED", "CONTRACT_ENDED",
             "CODE_NOT_ACTIVE", "DEPENDS_ON_REJECTED"]
    rejected = {c for p in CASES for _, _, c in p.values[1]}
    assert set(codes) <= rejected
    ids = [p.id for p in CASES]
    for c in codes:
        short = c.replace("_WITHOUT_CODE", "")
        assert any(i.startswith(short) and "-accept" in i for i in ids), f"no accepting case for {c}"


# --- a whole file pinned at once -------------------------------------------------------------

def test_mixed_file_golden_table(ws):
    """A file of 13 records of which 3 are fine: every rejected line is listed with its field and
    code, and nothing else is."""
    rows = [
        new("M1"),                                                     # 1 ok
        new("M2", amount=175_001),                                     # 2 amount too high
        code("M2", "2"),                                               # 3 its NEW was rejected
        new("M3", gender="Q"),                                         # 4 bad gender
        code_a("C0", 59),                                              # 5 arrears reported too early
        code("C0", "H", event_date=days_after(1)),                     # 6 so no arrears to recover
        code("C0", "3", written_off_amount=100),                       # 7 write-off under 250
        code("C0", "4"),                                               # 8 ok
        code("X9", "2"),                                               # 9 never registered
        new("M4", event_date=days_before(29, RUN_DATE)),               # 10 late
        new("M1"),                                                     # 11 copy of line 1
        end("C0", days_after(2)),                                      # 12 ok
        hy("M5", code="", event_date=NEW_EV),                          # 13 mortgage without a code
    ]
    golden = {
        (2, "amount", "OUT_OF_RANGE"),
        (3, "", "DEPENDS_ON_REJECTED"),
        (4, "gender", "INVALID_VALUE"),
        (5, "arrears_since", "ARREARS_TOO_EARLY"),
        (6, "code", "H_WITHOUT_A"),
        (7, "written_off_amount", "WRITE_OFF_TOO_SMALL"),
        (9, "contract_number", "UNKNOWN_CONTRACT"),
        (10, "event_date", "LATE"),
        (11, "", "DUPLICATE_RECORD"),
        (13, "code", "NEGATIVE_ONLY_WITHOUT_CODE"),
    }
    result = check(ws, rows, golden, setup=[ak("C0")])
    assert result["status"] == "PARTIAL"
    assert result["errors_by_code"] == {c: 1 for _, _, c in golden}
    contracts = ws.table("contracts").sort("contract_number")
    assert contracts["contract_number"].to_list() == ["C0", "M1"]
    assert contracts.filter(pl.col("contract_number") == "C0")["actual_end_date"].to_list() == [EV + timedelta(2)]
    assert ws.table("codes").filter(pl.col("contract_number") == "C0")["code"].to_list() == ["4"]


# --- the late policy and INIT files ----------------------------------------------------------

def test_late_record_accepted_as_warning(make_ws):
    """With late_records: accept, a record reported after 28 days is applied all the same and
    listed in the errors file as a WARNING, counted in warnings, not in rejected."""
    ws = make_ws(late_records="accept")
    name = ws.deliver([new("C1", event_date=days_before(29, RUN_DATE))])
    assert ws.run() == 0
    assert ws.findings(name) == {(1, "event_date", "LATE")}
    assert ws.errors(name)["severity"].to_list() == ["WARNING"]
    result = ws.result(name)
    assert (result["status"], result["accepted"], result["rejected"], result["warnings"]) == ("ACCEPTED", 1, 0, 1)
    assert ws.table("contracts")["contract_number"].to_list() == ["C1"]


def test_late_record_rejected_by_default(ws):
    """By default a late record is an error and is not applied."""
    name = ws.deliver([new("C1", event_date=days_before(29, RUN_DATE))])
    assert ws.run() == 0
    assert ws.errors(name)["severity"].to_list() == ["ERROR"]
    assert ws.result(name)["warnings"] == 0
    assert ws.table("contracts").height == 0


def test_init_file_never_late(ws):
    """An initial portfolio load carries old facts: the 28-day deadline does not apply to it."""
    rows = [ak("C1", event_date="2019-03-01", theoretical_end_date="2029-03-01"),
            code_a("C1", event_date="2020-06-01"),
            ak("C2", event_date="2018-01-02", theoretical_end_date="2022-01-02"),
            end("C2", "2022-01-04")]
    name = ws.deliver(rows, kind="INIT")
    assert ws.run() == 0
    assert ws.findings(name) == set()
    result = ws.result(name)
    assert (result["accepted"], result["warnings"]) == (4, 0)


# --- order of application --------------------------------------------------------------------

def test_new_and_code_a_in_one_file(ws):
    """A file may hold a NEW and then a CODE A for the same contract: both apply when the A is
    dated after the start and its arrears are old enough."""
    name = ws.deliver([ak("C1", event_date="2025-06-02"), code_a("C1", 60)], kind="INIT")
    assert ws.run() == 0
    assert ws.findings(name) == set()
    assert ws.result(name)["accepted"] == 2
    codes = ws.table("codes")
    assert codes.select("contract_number", "code", "code_date", "arrears_since").rows() == [
        ("C1", "A", EV, date.fromisoformat(days_before(60)))]


def test_new_and_code_a_in_one_mut_file(ws):
    """The same in a nightly MUT file: a NEW and, dated after it, a code on the new contract."""
    name = ws.deliver([code("C1", "2"), new("C1")])
    assert ws.run() == 0
    assert ws.findings(name) == set()
    assert ws.table("codes")["code"].to_list() == ["2"]


def test_records_applied_in_event_date_order_not_line_order(ws):
    """A recovery (H) on line 1 dated after the arrears (A) on line 2 is applied after it, so
    it finds the open arrears and is accepted."""
    name, _ = deliver_and_run(ws, [code("C1", "H", event_date=days_after(1)), code_a("C1")], setup=[ak("C1")])
    assert ws.findings(name) == set()
    codes = ws.table("codes").sort("code_date")
    assert codes["code"].to_list() == ["A", "H"]      # the H does not erase the A
    assert ws.table("contracts")["arrears_open"].to_list() == [False]


def test_same_day_records_applied_in_line_order(ws):
    """Records of one contract with the same event_date are applied in line order: an H before
    the A on the same day finds no arrears."""
    name, _ = deliver_and_run(ws, [code("C1", "H"), code_a("C1")], setup=[ak("C1")])
    assert ws.findings(name) == {(1, "code", "H_WITHOUT_A")}


# --- what each accepted mutation type does to the register -----------------------------------

def contract(ws, number: str) -> dict:
    rows = ws.table("contracts").filter(pl.col("contract_number") == number).to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_new_registers_contract_and_borrowers(ws):
    """A NEW registers the contract with its type, amount and dates; a second NEW row adds the
    second borrower."""
    name = ws.deliver([new("C1"), new("C1", borrower_no=2, **PERSON2)])
    assert ws.run() == 0
    assert ws.findings(name) == set()
    c = contract(ws, "C1")
    assert (c["contract_type"], c["amount"], c["start_date"], c["theoretical_end_date"], c["actual_end_date"]) == (
        "AK", 15_000, NEW_EV, date(2031, 11, 10), None)
    assert sorted(ws.table("borrowers")["borrower_no"].to_list()) == [1, 2]
    assert ws.table("persons").height == 2


def test_change_updates_amount(ws):
    """A CHANGE updates the contract's amount and keeps what it does not mention."""
    name, _ = deliver_and_run(ws, [record("C1", "CHANGE", amount=20_000)], setup=[ak("C1")])
    assert ws.findings(name) == set()
    c = contract(ws, "C1")
    assert (c["amount"], c["theoretical_end_date"]) == (20_000, date(2030, 1, 2))


def test_code_is_registered_with_its_date(ws):
    """A CODE adds the code with its date to the contract."""
    name, _ = deliver_and_run(ws, [code("C1", "2")], setup=[ak("C1")])
    assert ws.findings(name) == set()
    assert ws.table("codes").select("code", "code_date").rows() == [("2", EV)]
    assert contract(ws, "C1")["code2"] is True


def test_end_sets_actual_end_date(ws):
    """An END records the contract's actual end date."""
    name, _ = deliver_and_run(ws, [end("C1")], setup=[ak("C1")])
    assert ws.findings(name) == set()
    assert contract(ws, "C1")["actual_end_date"] == EV


def test_code_3_with_final_discharge_ends_the_contract(ws):
    """A write-off with final discharge ends the contract on the reported end date."""
    name, _ = deliver_and_run(
        ws, [code("C1", "3", written_off_amount=1000, final_discharge="true", actual_end_date=EV)],
        setup=[ak("C1")])
    assert ws.findings(name) == set()
    assert contract(ws, "C1")["actual_end_date"] == EV
    assert ws.table("codes")["code"].to_list() == ["3"]


def test_code_end_removes_code_5(ws):
    """When a preventive arrangement ends (CODE_END of code 5), code 5 is removed from the
    registration; the contract stays."""
    name, _ = deliver_and_run(ws, [record("H1", "CODE_END", code="5")], setup=[hy("H1", code="5")])
    assert ws.findings(name) == set()
    assert ws.table("codes").filter(pl.col("contract_number") == "H1")["code"].to_list() == []
    assert contract(ws, "H1")["code5_active"] is False


def test_delete_removes_contract_and_codes(ws):
    """A DELETE removes a registration that should never have been made, with its codes."""
    name, _ = deliver_and_run(ws, [record("C1", "DELETE")],
                              setup=[ak("C1"), code("C1", "2", event_date="2026-06-01"), ak("C2")])
    assert ws.findings(name) == set()
    assert ws.table("contracts")["contract_number"].to_list() == ["C2"]
    assert ws.table("codes").height == 0
    assert ws.table("borrowers")["contract_number"].to_list() == ["C2"]


def test_deceased_records_date_of_death(ws):
    """A DECEASED reports the borrower's death; the person carries the date of death."""
    name, _ = deliver_and_run(ws, [record("C1", "DECEASED")], setup=[ak("C1")])
    assert ws.findings(name) == set()
    assert ws.table("persons")["deceased_date"].to_list() == [EV]


def test_rejected_record_changes_nothing(ws):
    """A rejected record leaves the contract as it was."""
    name, _ = deliver_and_run(ws, [record("C1", "CHANGE", amount=175_001)], setup=[ak("C1")])
    assert ws.findings(name) == {(1, "amount", "OUT_OF_RANGE")}
    assert contract(ws, "C1")["amount"] == 15_000


def test_message_quotes_value_and_limit(ws):
    """The errors file tells the clerk the value and the limit in a sentence, followed by the
    record's own columns as delivered."""
    name = ws.deliver([new("C1", amount=175_001)])
    assert ws.run() == 0
    row = ws.errors(name).row(0, named=True)
    assert (row["line_no"], row["contract_number"], row["error_code"], row["severity"], row["field"]) == (
        "1", "C1", "OUT_OF_RANGE", "ERROR", "amount")
    assert "175001" in row["message"] and "175000" in row["message"] and "AK" in row["message"]
    assert (row["amount"], row["birth_surname"], row["event_date"]) == ("175001", "Jansen", "2026-11-10")


def test_delete_erases_every_trace(ws):
    """A DELETE'd registration is physically gone: no contract, borrower, code or earlier event
    (only the DELETE itself, without personal data), and no person or address that only it
    referred to."""
    from pipeline.register.store import Register

    name, _ = deliver_and_run(ws, [record("C1", "DELETE")],
                              setup=[ak("C1", **PERSON2), code("C1", "2", event_date="2026-06-01"), ak("C2")])
    assert ws.findings(name) == set()
    for table in ("contracts", "borrowers", "codes"):
        assert "C1" not in ws.table(table)["contract_number"].to_list(), table
    assert ws.table("persons")["birth_surname"].to_list() == ["Jansen"]
    assert ws.table("addresses").height == 1
    assert "C1" not in ws.on_disk("contract_number")        # no superseded copy left in any file
    assert "Vries" not in ws.on_disk("birth_surname", events=True)
    events = Register(ws.root / "register").scan_events().collect()
    left = events.filter(pl.col("contract_number") == "C1")      # only the DELETE itself, no NAW
    assert left["mutation_type"].to_list() == ["DELETE"]
    assert left["birth_surname"].to_list() == [None]


def test_delete_erases_contract_history(ws):
    """A DELETE also removes the contract's past versions (the history used for past dates)."""
    name, _ = deliver_and_run(ws, [record("C1", "DELETE")],
                              setup=[ak("C1"), code("C1", "2", event_date="2026-06-01")])
    assert ws.findings(name) == set()
    assert "C1" not in ws.table("contract_history")["contract_number"].to_list()


@pytest.mark.parametrize("first", [new("C1", gender="Q"), new("C1", amount=175_001)],
                         ids=["first-new-bad-field", "first-new-amount-out-of-range"])
def test_new_after_rejected_new_is_still_checked(ws, first):
    """When a NEW is rejected and the same file then has another NEW of that contract, the second
    is checked against the contract-type table like any NEW: an amount of 999,999 for an AK
    is never registered."""
    name, _ = deliver_and_run(ws, [first, new("C1", amount=999_999)])
    assert (2, "amount", "OUT_OF_RANGE") in ws.findings(name)
    assert ws.table("contracts").height == 0


def test_retention_ended_contract_is_purged(ws):
    """Five years after its end a contract, its codes and a person with nothing else are removed."""
    setup = [ak("C1", event_date="2015-01-02", theoretical_end_date="2020-01-02"),
             code("C1", "2", event_date="2019-01-02"), end("C1", "2021-11-23"),
             ak("C2", event_date="2015-01-02", theoretical_end_date="2020-01-02", **PERSON2),
             end("C2", "2021-11-24")]
    names = ws.deliver(setup, kind="INIT")
    assert ws.run(SETUP_DATE) == 0
    assert ws.findings(names) == set()
    ws.deliver([new("C3", **PERSON2)])          # something to do tonight
    assert ws.run(RUN_DATE) == 0
    assert sorted(ws.table("contracts")["contract_number"].to_list()) == ["C2", "C3"]
    assert ws.table("codes").height == 0
    assert ws.table("persons")["birth_surname"].to_list() == ["Vries"]
    assert "C1" not in ws.on_disk("contract_number", events=True)
    assert "Jansen" not in ws.on_disk("birth_surname", events=True)
