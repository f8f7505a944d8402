"""Consultation (SPEC 3.3, 4 answer files, 5.1 finding the person, 5.2 status colours).

Every test builds the register through real delivery files over one or more nights (an INIT
file on an earlier night for old contracts and their codes, MUT files on later nights for
recent facts), then delivers a RAAD file and runs RUN_DATE. The answers are read back from the
participant's outbox exactly as a participant would read them.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from tests.conftest import RUN_DATE, Workspace

INIT_DATE = date(2026, 6, 1)        # the night of the initial portfolio load (no reporting deadline)
LATER_DATE = date(2026, 11, 20)     # a later night with recent facts (MUT, within 28 days)
START = "2025-01-02"                # start date of the contracts of the initial load
EARLY = "2026-03-01"                # a fact reported in the initial load
RECENT = "2026-11-10"               # a fact reported on the later night
BIRTH = "1975-03-14"


# --- building delivery rows -------------------------------------------------------------------

def person(surname: str, initials: str = "A.", birth_date: str = BIRTH, postcode: str = "1011AB",
           house_number: int | str = 12, prefix: str = "", gender: str = "V") -> dict:
    """The person columns of a NEW; ``ask`` copies them into a request."""
    return {"birth_surname": surname, "surname_prefix": prefix, "initials": initials, "gender": gender,
            "birth_date": birth_date, "postcode": postcode, "house_number": str(house_number),
            "house_number_suffix": ""}


def reg(contract: str, who: dict, contract_type: str = "AK", participant: str = "BANK1",
        start: str = START, **fields: object) -> dict:
    """A NEW of ``contract_type`` for ``who`` with valid defaults for the type."""
    defaults = {
        "AK": {"amount": "15000", "theoretical_end_date": "2030-01-02"},
        "RK": {"amount": "10000"},
        "VK": {"amount": "1000"},
        "OA": {"amount": "7000"},
        "RH": {"amount": "20000"},
        "SR": {"amount": "8000", "theoretical_end_date": "2028-01-02"},
        # negative-only: a code A whose arrears arose long enough (>= 120 days) before the start
        "HY": {"code": "A", "arrears_since": "2024-06-01"},
        "HO": {"code": "A", "arrears_since": "2024-06-01"},
        "RO": {"amount": "2000", "code": "A", "arrears_since": "2024-06-01", "arrears_amount": "600"},
    }[contract_type]
    row = {"participant_code": participant, "contract_number": contract, "mutation_type": "NEW",
           "event_date": start, "contract_type": contract_type, "borrower_no": "1", **who, **defaults}
    row.update({k: "" if v is None else str(v) for k, v in fields.items()})
    return row


def rec(contract: str, mutation_type: str, on: str = RECENT, participant: str = "BANK1",
        **fields: object) -> dict:
    """A non-NEW record of a contract: CODE, CODE_END, END, CHANGE, DECEASED."""
    row = {"participant_code": participant, "contract_number": contract, "mutation_type": mutation_type,
           "event_date": on}
    row.update({k: "" if v is None else str(v) for k, v in fields.items()})
    return row


def code(contract: str, value: str, on: str = RECENT, **fields: object) -> dict:
    """A CODE record reporting ``value`` on ``on``."""
    return rec(contract, "CODE", on, code=value, **fields)


def arrears_a(contract: str, on: str = RECENT, since: str | None = None, **fields: object) -> dict:
    """A code A whose arrears arose 130 days before ``on`` (enough for every type)."""
    since = since or (date.fromisoformat(on) - timedelta(days=130)).isoformat()
    return code(contract, "A", on, arrears_since=since, **fields)


def end(contract: str, on: str = RECENT) -> dict:
    """An END whose actual end date is its event date."""
    return rec(contract, "END", on, actual_end_date=on)


def ask(request_id: str, who: dict, purpose: str = "ACCEPTATIE", **fields: object) -> dict:
    """A consultation request for ``who`` (surname, prefix, initials, birth date and address)."""
    row = {"request_id": request_id, "purpose": purpose,
           **{k: who[k] for k in ("birth_surname", "surname_prefix", "initials", "gender", "birth_date",
                                  "postcode", "house_number", "house_number_suffix")}}
    row.update({k: "" if v is None else str(v) for k, v in fields.items()})
    return row


# --- running nights and reading answers -------------------------------------------------------

def night(ws: Workspace, on: date, kind: str, rows: list[dict]) -> dict[str, str]:
    """Deliver ``rows`` (one file per participant) and run the night ``on``; every record must be
    accepted, because these nights only build the state a test needs."""
    names = {}
    for participant in dict.fromkeys(r["participant_code"] for r in rows):
        names[participant] = ws.deliver([r for r in rows if r["participant_code"] == participant],
                                        participant, kind)
    assert ws.run(on) == 0
    for participant, name in names.items():
        assert ws.findings(name, participant) == set(), f"setup of {on} must be accepted"
    return names


def build(ws: Workspace, init: list[dict] = (), mut: list[dict] = ()) -> None:
    """The register state: an INIT night on INIT_DATE, then a MUT night on LATER_DATE."""
    if init:
        night(ws, INIT_DATE, "INIT", list(init))
    if mut:
        night(ws, LATER_DATE, "MUT", list(mut))


def consult(ws: Workspace, requests: list[dict], participant: str = "BANK1",
            on: date = RUN_DATE) -> str:
    """Deliver a RAAD file and run the night; returns the file name."""
    name = ws.deliver(requests, participant, "RAAD")
    assert ws.run(on) == 0
    return name


def _read(ws: Workspace, name: str, participant: str, suffix: str) -> pl.DataFrame:
    stem = name.rsplit(".", 1)[0]
    return pl.read_csv(ws.root / "outbox" / participant / f"{stem}{suffix}", separator=";",
                       infer_schema=False)


def answers(ws: Workspace, name: str, participant: str = "BANK1") -> dict[str, dict]:
    """answer.csv as request_id → row (all values text, empty = None)."""
    frame = _read(ws, name, participant, ".answer.csv")
    assert frame["request_id"].n_unique() == frame.height, "one answer row per request"
    return {r["request_id"]: r for r in frame.to_dicts()}


def answer_contracts(ws: Workspace, name: str, participant: str = "BANK1") -> pl.DataFrame:
    """answer_contracts.csv as text columns (empty = None)."""
    return _read(ws, name, participant, ".answer_contracts.csv")


def summary(row: dict) -> tuple:
    """The parts of an answer row a status case pins."""
    return (row["match_status"], row["status_color"], row["status_reasons"] or "",
            int(row["contracts_running"]), int(row["contracts_ended"]), int(row["total_running_amount"]))


# --- 1. one person per reason of SPEC 5.2 -----------------------------------------------------

def _surname(reason: str) -> str:
    """A distinct surname per case (letters only, so normalisation keeps them apart)."""
    return "Stat" + reason.replace("_", "").lower()


def _who(reason: str, **fields: object) -> dict:
    return person(_surname(reason), **fields)


# reason → (INIT rows on INIT_DATE, MUT rows on LATER_DATE, expected answer summary)
STATUS_CASES: dict[str, tuple[list[dict], list[dict], tuple]] = {
    # nobody registered under this name
    "NOT_KNOWN": ([], [], ("NOT_FOUND", "GROEN", "NOT_KNOWN", 0, 0, 0)),
    # two namesakes (J.P. and J.K.), the request says only "J." and gives no address
    "NOT_UNIQUE": ([reg("NU-1", _who("NOT_UNIQUE", initials="J.P.")),
                    reg("NU-2", _who("NOT_UNIQUE", initials="J.K.", postcode="2022CD", house_number=7))],
                   [], ("NOT_UNIQUE", "ORANJE", "NOT_UNIQUE", 0, 0, 0)),
    # code 4 while running, then the contract ended: unreachable, and a special code on an ended AK
    "UNREACHABLE": ([reg("UR-1", _who("UNREACHABLE")), code("UR-1", "4", EARLY)], [end("UR-1")],
                    ("FOUND", "ORANJE", "UNREACHABLE;ENDED_SPECIAL", 0, 1, 0)),
    # the borrower of a clean running AK died
    "DECEASED": ([reg("DC-1", _who("DECEASED"))], [rec("DC-1", "DECEASED")],
                 ("FOUND", "ORANJE", "DECEASED;RUNNING_CLEAN", 1, 0, 15000)),
    "RUNNING_CLEAN": ([reg("RC-1", _who("RUNNING_CLEAN"))], [],
                      ("FOUND", "GROEN", "RUNNING_CLEAN", 1, 0, 15000)),
    "ENDED_CLEAN": ([reg("EC-1", _who("ENDED_CLEAN"), "RK")], [end("EC-1")],
                    ("FOUND", "GROEN", "ENDED_CLEAN", 0, 1, 0)),
    # A in the initial load, H on the later night
    "RUNNING_RECOVERED": ([reg("RR-1", _who("RUNNING_RECOVERED")), arrears_a("RR-1", EARLY)],
                          [code("RR-1", "H")], ("FOUND", "ORANJE", "RUNNING_RECOVERED", 1, 0, 15000)),
    # A never recovered, then the contract ended
    "ENDED_ARREARS": ([reg("EA-1", _who("ENDED_ARREARS")), arrears_a("EA-1", EARLY)], [end("EA-1")],
                      ("FOUND", "ORANJE", "ENDED_ARREARS", 0, 1, 0)),
    # code 3 with final discharge ends the contract on the same record
    "ENDED_SPECIAL": ([reg("ES-1", _who("ENDED_SPECIAL"))],
                      [code("ES-1", "3", written_off_amount=900, final_discharge="true", actual_end_date=RECENT)],
                      ("FOUND", "ORANJE", "ENDED_SPECIAL", 0, 1, 0)),
    "RUNNING_SPECIAL": ([reg("RS-1", _who("RUNNING_SPECIAL"), "OA")], [code("RS-1", "2")],
                        ("FOUND", "ROOD", "RUNNING_SPECIAL", 1, 0, 7000)),
    "RUNNING_ARREARS": ([reg("RA-1", _who("RUNNING_ARREARS"))], [arrears_a("RA-1")],
                        ("FOUND", "ROOD", "RUNNING_ARREARS", 1, 0, 15000)),
    "SR_ENDED": ([reg("SE-1", _who("SR_ENDED"), "SR", amount="")], [end("SE-1")],
                 ("FOUND", "ORANJE", "SR_ENDED", 0, 1, 0)),
    "SR_RUNNING": ([reg("SN-1", _who("SR_RUNNING"), "SR")], [],
                   ("FOUND", "ROOD", "SR_RUNNING", 1, 0, 8000)),
    "RO_REGISTERED": ([reg("RO-1", _who("RO_REGISTERED"), "RO")], [],
                      ("FOUND", "ROOD", "RO_REGISTERED", 1, 0, 2000)),
    "HY_ENDED_ARREARS": ([reg("HEA-1", _who("HY_ENDED_ARREARS"), "HY")], [end("HEA-1")],
                         ("FOUND", "ORANJE", "HY_ENDED_ARREARS", 0, 1, 0)),
    # arrears, then a preventive arrangement (code 5) on the later night
    "HY_PREVENTIVE": ([reg("HP-1", _who("HY_PREVENTIVE"), "HO")], [code("HP-1", "5")],
                      ("FOUND", "ORANJE", "HY_PREVENTIVE", 1, 0, 0)),
    # code 5 came and went (CODE_END removes it): the arrears count again
    "HY_RUNNING_ARREARS": ([reg("HRA-1", _who("HY_RUNNING_ARREARS"), "HY"), code("HRA-1", "5", EARLY)],
                           [rec("HRA-1", "CODE_END", code="5")],
                           ("FOUND", "ROOD", "HY_RUNNING_ARREARS", 1, 0, 0)),
    "HY_RUNNING_SPECIAL": ([reg("HRS-1", _who("HY_RUNNING_SPECIAL"), "HY", code="4", arrears_since="")], [],
                           ("FOUND", "ROOD", "HY_RUNNING_SPECIAL", 1, 0, 0)),
    "HY_ENDED_SPECIAL": ([reg("HES-1", _who("HY_ENDED_SPECIAL"), "HO", code="2", arrears_since="")],
                         [end("HES-1")], ("FOUND", "ROOD", "HY_ENDED_SPECIAL", 0, 1, 0)),
}


def _status_request(reason: str) -> dict:
    who = _who(reason)
    if reason == "NOT_UNIQUE":
        return ask(reason, who, initials="J.", postcode="", house_number="")
    return ask(reason, who)


@pytest.fixture(scope="module")
def status_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    """One register holding every status case (a distinct person each), consulted in one file."""
    ws = Workspace(tmp_path_factory.mktemp("status"))
    build(ws, [r for init, _, _ in STATUS_CASES.values() for r in init],
          [r for _, mut, _ in STATUS_CASES.values() for r in mut])
    name = consult(ws, [_status_request(reason) for reason in STATUS_CASES])
    return ws, name


def test_status_cases_cover_every_reason_of_the_spec() -> None:
    """The table below has one case per reason of SPEC 5.2, in the SPEC's order."""
    from contracts_schema.status import REASONS
    assert list(STATUS_CASES) == [r for r, _, _ in REASONS]
    assert len(STATUS_CASES) == 19


@pytest.mark.parametrize("reason", list(STATUS_CASES))
def test_status_reason(status_night: tuple[Workspace, str], reason: str) -> None:
    """Each person of the status table gets the match status, colour, reasons (SPEC order) and
    counts SPEC 5.2 gives for their registrations as they stand on the consultation date."""
    ws, name = status_night
    assert summary(answers(ws, name)[reason]) == STATUS_CASES[reason][2]


def test_status_file_answers_every_request(status_night: tuple[Workspace, str]) -> None:
    """The status night's RAAD file: every request valid, one answer row each, no errors."""
    ws, name = status_night
    result = ws.result(name)
    assert (result["kind"], result["status"], result["records"], result["accepted"], result["rejected"]) == (
        "RAAD", "ACCEPTED", 19, 19, 0)
    assert ws.findings(name) == set()
    assert set(answers(ws, name)) == set(STATUS_CASES)


def test_status_codes_column_shows_the_history_minus_ended_code_5(status_night: tuple[Workspace, str]) -> None:
    """answer_contracts lists each registration's codes in date order; a code 5 ended by CODE_END
    is removed from the registration (SPEC 1), an active one is shown."""
    ws, name = status_night
    codes = {r["contract_number"]: r["codes"] for r in answer_contracts(ws, name).to_dicts()}
    assert codes["RR-1"] == f"A:{EARLY};H:{RECENT}"
    assert codes["HP-1"] == f"A:{START};5:{RECENT}"
    assert codes["HRA-1"] == f"A:{START}"
    assert codes["RC-1"] is None


def test_contract_ending_on_the_consultation_date_is_ended(ws: Workspace) -> None:
    """'Running' means no actual end date on or before the consultation date: an END dated the
    run date itself, delivered the same night as the request, makes the contract ended."""
    who = person("Eindigt")
    build(ws, [reg("E-1", who), reg("E-2", who, "RK")])
    ws.deliver([end("E-1", RUN_DATE.isoformat())], "BANK1", "MUT")
    name = consult(ws, [ask("R1", who)])
    assert summary(answers(ws, name)["R1"]) == ("FOUND", "GROEN", "RUNNING_CLEAN;ENDED_CLEAN", 1, 1, 10000)


# --- 2. worst colour wins -----------------------------------------------------------------------

def test_worst_colour_wins_and_every_reason_is_listed(ws: Workspace) -> None:
    """A clean running AK (GROEN) and a running debt arrangement (ROOD): the answer is ROOD and
    lists both reasons in the SPEC's order, whatever the delivery order; both count as running."""
    who = person("Mengel")
    build(ws, [reg("SR-1", who, "SR"), reg("AK-1", who)])
    name = consult(ws, [ask("R1", who)])
    assert summary(answers(ws, name)["R1"]) == ("FOUND", "ROOD", "RUNNING_CLEAN;SR_RUNNING", 2, 0, 23000)


# --- 3 and 4. finding the person: normalisation, namesakes, earlier addresses --------------------

CELIK = person("Çelik", "A.", postcode="1011AB", house_number=1)
BERG = person("Berg", "B.", prefix="van der", postcode="1011AB", house_number=2)
HEUVEL = person("Van den Heuvel", "C.", postcode="1011AB", house_number=3)
MISSPELT = person("Verkeerd", "D.", postcode="1011AB", house_number=4)   # corrected by a CHANGE later
# namesakes: same surname, birth date and first initial; different full initials and addresses
TWIN_JP = person("Pietersen", "J.P.", postcode="2022CD", house_number=7, gender="M")
TWIN_JK = person("Pietersen", "J.K.", postcode="3033EF", house_number=9, gender="M")
# namesakes of whom J.P. moves (CHANGE) on the later night from 4044GH 4 to 5055KL 5
MOVER_JP = person("Dekker", "J.P.", postcode="4044GH", house_number=4, gender="M")
MOVER_JK = person("Dekker", "J.K.", postcode="6066MN", house_number=6, gender="M")

# request id → (request, expected match_status, contract numbers of the person found)
FIND_CASES: dict[str, tuple[dict, str, set[str]]] = {
    "diacritics-removed": (ask("x", CELIK, birth_surname="Celik"), "FOUND", {"N-CELIK"}),
    "diacritics-upper-case": (ask("x", CELIK, birth_surname="ÇELIK"), "FOUND", {"N-CELIK"}),
    "prefix-inside-surname": (ask("x", BERG, birth_surname="Van der Berg", surname_prefix=""), "FOUND",
                              {"N-BERG"}),
    "prefix-registered-inside-surname": (ask("x", HEUVEL, birth_surname="Heuvel", surname_prefix="van den"),
                                         "FOUND", {"N-HEUVEL"}),
    "surname-corrected-by-change": (ask("x", MISSPELT, birth_surname="Verbeterd"), "FOUND", {"N-FIX"}),
    "initials-lower-case-no-dots": (ask("x", BERG, initials="b"), "FOUND", {"N-BERG"}),
    "twins-by-address": (ask("x", TWIN_JK, initials="J."), "FOUND", {"TW-JK"}),
    "twins-postcode-space-lower-case": (ask("x", TWIN_JP, initials="J.", postcode="2022 cd"), "FOUND",
                                        {"TW-JP"}),
    "twins-by-full-initials": (ask("x", TWIN_JP, postcode="", house_number=""), "FOUND", {"TW-JP"}),
    "twins-initials-lower-case-no-dots": (ask("x", TWIN_JK, initials="jk", postcode="", house_number=""),
                                          "FOUND", {"TW-JK"}),
    # the address step comes first; the initials step would leave no one, so it is skipped
    "twins-address-before-initials": (ask("x", TWIN_JK, initials="J.P."), "FOUND", {"TW-JK"}),
    "twins-nothing-narrows": (ask("x", TWIN_JP, initials="J.", postcode="", house_number=""), "NOT_UNIQUE",
                              set()),
    "twins-unknown-address-is-skipped": (ask("x", TWIN_JP, initials="J.", postcode="8088XY", house_number=8),
                                         "NOT_UNIQUE", set()),
    "twins-other-first-initial": (ask("x", TWIN_JP, initials="K.", postcode="", house_number=""),
                                  "NOT_FOUND", set()),
    "twins-other-birth-date": (ask("x", TWIN_JP, birth_date="1975-03-15"), "NOT_FOUND", set()),
    "mover-earlier-address": (ask("x", MOVER_JP, initials="J."), "FOUND", {"MV-JP"}),
    "mover-current-address": (ask("x", MOVER_JP, initials="J.", postcode="5055KL", house_number=5), "FOUND",
                              {"MV-JP"}),
    "mover-namesake": (ask("x", MOVER_JK, initials="J."), "FOUND", {"MV-JK"}),
}


@pytest.fixture(scope="module")
def finding_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    """Persons registered on the initial night (the namesakes by two NEWs differing only in
    initials and address), a move and a surname correction on the later night, then one RAAD
    file with every case."""
    ws = Workspace(tmp_path_factory.mktemp("finding"))
    build(ws, [reg("N-CELIK", CELIK), reg("N-BERG", BERG), reg("N-HEUVEL", HEUVEL), reg("N-FIX", MISSPELT),
               reg("TW-JP", TWIN_JP), reg("TW-JK", TWIN_JK), reg("MV-JP", MOVER_JP), reg("MV-JK", MOVER_JK)],
          [rec("MV-JP", "CHANGE", postcode="5055KL", house_number=5),
           rec("N-FIX", "CHANGE", birth_surname="Verbeterd")])
    persons = ws.table("persons")
    assert persons.filter(pl.col("birth_surname") == "Pietersen").height == 2
    assert persons.filter(pl.col("birth_surname") == "Dekker").height == 2
    name = consult(ws, [{**request, "request_id": rid} for rid, (request, _, _) in FIND_CASES.items()])
    return ws, name


@pytest.mark.parametrize("request_id", list(FIND_CASES))
def test_finding_the_person(finding_night: tuple[Workspace, str], request_id: str) -> None:
    """SPEC 5.1: names, prefixes, initials and postcodes are normalised; namesakes are narrowed
    by address (current or earlier), then by full initials, skipping a step without data or that
    would leave no one; the registrations shown are those of the person found."""
    ws, name = finding_night
    _, status, contracts = FIND_CASES[request_id]
    row = answers(ws, name)[request_id]
    assert row["match_status"] == status
    shown = answer_contracts(ws, name).filter(pl.col("request_id") == request_id)
    assert set(shown["contract_number"]) == contracts
    if status == "NOT_UNIQUE":
        assert (row["status_color"], row["status_reasons"]) == ("ORANJE", "NOT_UNIQUE")
    if status == "NOT_FOUND":
        assert (row["status_color"], row["status_reasons"]) == ("GROEN", "NOT_KNOWN")


# --- 5. who sees what ---------------------------------------------------------------------------

def test_other_participants_appear_only_by_category(ws: Workspace) -> None:
    """The requester sees its own registration with its code and contract number; another
    participant's registration of the same person shows its category (SHOP1 → THUISWINKEL), no
    contract number, and own_registration false. Codes are listed in date order."""
    who = person("Kijkbaar")
    build(ws, [reg("OWN-1", who), code("OWN-1", "H", "2026-03-01"), arrears_a("OWN-1", "2026-01-05"),
               reg("SHOP-XYZ-77", who, "VK", participant="SHOP1", start="2025-06-01")])
    name = consult(ws, [ask("R1", who)])
    assert summary(answers(ws, name)["R1"]) == ("FOUND", "ORANJE", "RUNNING_CLEAN;RUNNING_RECOVERED", 2, 0,
                                                16000)
    rows = sorted(answer_contracts(ws, name).to_dicts(), key=lambda r: r["contract_type"])
    assert rows == [
        {"request_id": "R1", "own_registration": "true", "registered_by": "BANK1", "contract_number": "OWN-1",
         "contract_type": "AK", "borrower_no": "1", "amount": "15000", "start_date": START,
         "theoretical_end_date": "2030-01-02", "actual_end_date": None, "codes": "A:2026-01-05;H:2026-03-01"},
        {"request_id": "R1", "own_registration": "false", "registered_by": "THUISWINKEL", "contract_number": None,
         "contract_type": "VK", "borrower_no": "1", "amount": "1000", "start_date": "2025-06-01",
         "theoretical_end_date": None, "actual_end_date": None, "codes": None},
    ]
    stem = name.rsplit(".", 1)[0]
    for suffix in (".answer.csv", ".answer_contracts.csv"):
        text = (ws.root / "outbox" / "BANK1" / f"{stem}{suffix}").read_text()
        assert "SHOP1" not in text and "SHOP-XYZ-77" not in text


def test_both_borrowers_of_a_joint_contract_see_it(ws: Workspace) -> None:
    """A joint contract (NEW rows for borrower 1 and 2) is a registration of both persons: a
    request for the second borrower finds it with borrower_no 2 and the contract's status."""
    first, second = person("Samen", "E."), person("Ook", "F.", gender="M")
    build(ws, [reg("J-1", first), reg("J-1", second, borrower_no=2)], [arrears_a("J-1")])
    name = consult(ws, [ask("R1", first), ask("R2", second)])
    got = answers(ws, name)
    assert summary(got["R1"]) == summary(got["R2"]) == ("FOUND", "ROOD", "RUNNING_ARREARS", 1, 0, 15000)
    shown = answer_contracts(ws, name).select("request_id", "contract_number", "borrower_no").rows()
    assert sorted(shown) == [("R1", "J-1", "1"), ("R2", "J-1", "2")]


# --- 6. reciprocity -----------------------------------------------------------------------------

@pytest.mark.parametrize("participant", ["LOOK1", "SHOP1"])
def test_only_registering_consulting_participants_may_consult(ws: Workspace, participant: str) -> None:
    """Reciprocity: LOOK1 does not register (may_register false), SHOP1 may not consult
    (may_consult false); a RAAD file of either is rejected whole with PARTICIPANT_NOT_AUTHORIZED,
    nothing is answered and nothing is logged."""
    who = person("Wederkerig")
    build(ws, [reg("W-1", who)])
    name = consult(ws, [ask("R1", who), ask("R2", who)], participant)
    result = ws.result(name, participant)
    assert result["status"] == "REJECTED"
    assert result["file_error"]["code"] == "PARTICIPANT_NOT_AUTHORIZED"
    assert result["accepted"] == 0
    answer = ws.root / "outbox" / participant / f"{name.rsplit('.', 1)[0]}.answer.csv"
    if answer.exists():
        assert pl.read_csv(answer, separator=";", infer_schema=False).height == 0
    assert ws.table("consultations").filter(pl.col("participant_code") == participant).height == 0


# --- 7. BEHEER ----------------------------------------------------------------------------------

def test_beheer_needs_a_running_contract_of_the_requester(ws: Workspace) -> None:
    """BEHEER is answered only when the requester itself holds a running contract with the found
    person; otherwise (only another participant's contract, only an ended own contract, or no
    person found) the request gets NO_CONTRACT_FOR_BEHEER in errors.csv and no answer row.
    ACCEPTATIE for the same person is answered."""
    own, others, ended = person("Beheerd"), person("Elders"), person("Afgelopen")
    build(ws, [reg("B-1", own), reg("B-2", ended), reg("S-1", others, "VK", participant="SHOP1")],
          [end("B-2")])
    name = consult(ws, [ask("B-OWN", own, "BEHEER"), ask("B-OTHER", others, "BEHEER"),
                        ask("B-ENDED", ended, "BEHEER"), ask("B-UNKNOWN", person("Onbekend"), "BEHEER"),
                        ask("A-OTHER", others, "ACCEPTATIE")])
    assert ws.findings(name) == {(2, "purpose", "NO_CONTRACT_FOR_BEHEER"), (3, "purpose", "NO_CONTRACT_FOR_BEHEER"),
                                 (4, "purpose", "NO_CONTRACT_FOR_BEHEER")}
    errors = ws.errors(name)
    assert set(errors["request_id"]) == {"B-OTHER", "B-ENDED", "B-UNKNOWN"}
    assert set(errors["severity"]) == {"ERROR"}
    result = ws.result(name)
    assert (result["status"], result["records"], result["accepted"], result["rejected"]) == ("PARTIAL", 5, 2, 3)
    assert result["errors_by_code"] == {"NO_CONTRACT_FOR_BEHEER": 3}
    got = answers(ws, name)
    assert set(got) == {"B-OWN", "A-OTHER"}
    assert summary(got["B-OWN"]) == ("FOUND", "GROEN", "RUNNING_CLEAN", 1, 0, 15000)
    assert summary(got["A-OTHER"]) == ("FOUND", "GROEN", "RUNNING_CLEAN", 1, 0, 1000)


# --- 8. request validation ----------------------------------------------------------------------

def test_invalid_requests_are_rejected_per_request(ws: Workspace) -> None:
    """Per-request checks of SPEC 3.3 / 4.1: a repeated request_id (its second occurrence), a
    missing birth date, an unknown purpose and an unreadable date each reject only that request;
    result.json counts them, answer.csv answers only the valid ones (the first R1, not its twin)."""
    who = person("Geldig")
    build(ws, [reg("G-1", who)])
    name = consult(ws, [
        ask("R1", who),
        ask("R1", person("Anders")),
        ask("R3", who, birth_date=""),
        ask("R4", who, purpose="KIJKEN"),
        ask("R5", who, birth_date="1980-13-45"),
        ask("R6", person("Anders")),
    ])
    assert ws.findings(name) == {(2, "request_id", "DUPLICATE_REQUEST_ID"), (3, "birth_date", "MISSING_FIELD"),
                                 (4, "purpose", "INVALID_VALUE"), (5, "birth_date", "INVALID_TYPE")}
    result = ws.result(name)
    assert (result["kind"], result["status"], result["records"], result["accepted"], result["rejected"],
            result["warnings"]) == ("RAAD", "PARTIAL", 6, 2, 4, 0)
    assert result["errors_by_code"] == {"DUPLICATE_REQUEST_ID": 1, "INVALID_TYPE": 1, "INVALID_VALUE": 1,
                                        "MISSING_FIELD": 1}
    assert _read(ws, name, "BANK1", ".answer.csv").height == 2
    got = answers(ws, name)
    assert set(got) == {"R1", "R6"}
    assert got["R1"]["match_status"] == "FOUND" and got["R6"]["match_status"] == "NOT_FOUND"


def test_request_ids_need_only_be_unique_within_a_file(ws: Workspace) -> None:
    """request_id is unique per file (SPEC 3.3): two RAAD files of one night may both use R1, and
    each file gets its own answers."""
    who = person("Tweemaal")
    build(ws, [reg("T-1", who)])
    first = ws.deliver([ask("R1", who)], "BANK1", "RAAD")
    second = consult(ws, [ask("R1", person("Niemand"))])
    assert ws.findings(first) == set() and ws.findings(second) == set()
    assert answers(ws, first)["R1"]["match_status"] == "FOUND"
    assert answers(ws, second)["R1"]["match_status"] == "NOT_FOUND"
    assert answer_contracts(ws, second).height == 0


# --- 9. same night ------------------------------------------------------------------------------

def test_requests_see_the_same_nights_mutations(ws: Workspace) -> None:
    """Requests are answered against the register after the same night's mutations: a NEW and a
    request for that person delivered on the same night → FOUND with the new contract."""
    who = person("Vannacht")
    ws.deliver([reg("V-1", who, start="2026-11-20")], "BANK1", "MUT")
    name = consult(ws, [ask("R1", who)])
    assert summary(answers(ws, name)["R1"]) == ("FOUND", "GROEN", "RUNNING_CLEAN", 1, 0, 15000)
    assert answer_contracts(ws, name)["contract_number"].to_list() == ["V-1"]


# --- 10. access protocol ------------------------------------------------------------------------

def test_every_answered_request_is_logged(ws: Workspace) -> None:
    """The access protocol (SPEC 5.1): one consultations row per answered request with the
    participant, purpose, consultation date and the person found (null when none was found);
    an invalid request is not a consultation."""
    who = person("Gelogd")
    build(ws, [reg("L-1", who)])
    consult(ws, [ask("F", who), ask("B", who, "BEHEER"), ask("N", person("Niemand")),
                 ask("X", who, purpose="KIJKEN")])
    person_id = ws.table("persons").filter(pl.col("birth_surname") == "Gelogd")["person_id"].item()
    log = ws.table("consultations").sort("request_id")
    assert log.select("request_id", "participant_code", "purpose", "consulted_on", "person_id").rows() == [
        ("B", "BANK1", "BEHEER", RUN_DATE, person_id),
        ("F", "BANK1", "ACCEPTATIE", RUN_DATE, person_id),
        ("N", "BANK1", "ACCEPTATIE", RUN_DATE, None),
    ]


# --- 11. privacy --------------------------------------------------------------------------------

def test_run_output_holds_no_personal_data(ws: Workspace) -> None:
    """Logs carry counts, file names and line numbers, never names, birth dates or addresses: a
    real `cki run` process registering and consulting a person with canary values (found, not
    found, and rejected) prints none of them."""
    canary = person("Qzxwvcanary", "Q.X.", birth_date="1959-07-13", postcode="9999ZZ", house_number=4321,
                    prefix="vanqzx")
    ws.deliver([reg("CAN-1", canary, start="2026-11-20")], "BANK1", "MUT")
    ws.deliver([ask("R1", canary), ask("R2", canary, birth_surname="Qzxwvcanaryx"),
                ask("R3", canary, purpose="KIJKEN"), ask("R4", canary, postcode="9999 zz", birth_date="1959-13-13")],
               "BANK1", "RAAD")
    proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat())
    assert proc.returncode == 0, proc.stderr
    out = (proc.stdout + proc.stderr).replace(str(ws.root), "<root>").lower()
    assert "bank1_raad_20261123_000001.csv" in out       # the run did report on the file
    for value in ("qzxwvcanary", "vanqzx", "1959-07-13", "19590713", "1959-13-13", "9999zz", "9999 zz", "4321"):
        assert value not in out, f"{value!r} leaked into the run's output"
    got = answers(ws, "BANK1_RAAD_20261123_000001.csv")     # the canary really was consulted
    assert (got["R1"]["match_status"], got["R2"]["match_status"]) == ("FOUND", "NOT_FOUND")
