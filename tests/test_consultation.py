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
    """The person columns of a NEW (and, without gender and suffix, of a request)."""
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
    return rec(contract, "CODE", on, code=value, **fields)


def code_a(contract: str, on: str = RECENT, since: str | None = None, **fields: object) -> dict:
    """A code A whose arrears arose 130 days before ``on`` (enough for every type)."""
    since = since or (date.fromisoformat(on) - timedelta(days=130)).isoformat()
    return code(contract, "A", on, arrears_since=since, **fields)


def end(contract: str, on: str = RECENT) -> dict:
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
    "RUNNING_RECOVERED": ([reg("RR-1", _who("RUNNING_RECOVERED")), code_a("RR-1", EARLY)],
                          [code("RR-1", "H")], ("FOUND", "ORANJE", "RUNNING_RECOVERED", 1, 0, 15000)),
    # A never recovered, then the contract ended
    "ENDED_ARREARS": ([reg("EA-1", _who("ENDED_ARREARS")), code_a("EA-1", EARLY)], [end("EA-1")],
                      ("FOUND", "ORANJE", "ENDED_ARREARS", 0, 1, 0)),
    # code 3 with final discharge ends the contract on the same record
    "ENDED_SPECIAL": ([reg("ES-1", _who("ENDED_SPECIAL"))],
                      [code("ES-1", "3", written_off_amount=900, final_discharge="true", actual_end_date=RECENT)],
                      ("FOUND", "ORANJE", "ENDED_SPECIAL", 0, 1, 0)),
    "RUNNING_SPECIAL": ([reg("RS-1", _who("RUNNING_SPECIAL"), "OA")], [code("RS-1", "2")],
                        ("FOUND", "ROOD", "RUNNING_SPECIAL", 1, 0, 7000)),
    "RUNNING_ARREARS": ([reg("RA-1", _who("RUNNING_ARREARS"))], [code_a("RA-1")],
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
