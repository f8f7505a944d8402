"""A small, realistic demo workspace for `cki demo` (see SPEC sections 2 and 3).

All event dates are computed from the run date, so the demo behaves the same on any day.
Every record that is meant to be rejected carries a comment naming the error code it
should get (SPEC 4.1); all other records are meant to be accepted.
"""

from datetime import date, timedelta
from functools import partial
from pathlib import Path

import polars as pl
import yaml

REQUEST_COLUMNS = ["request_id", "purpose", "birth_surname", "surname_prefix", "initials", "gender",
                   "birth_date", "postcode", "house_number", "house_number_suffix"]
COLUMNS = [
    "participant_code", "contract_number", "mutation_type", "event_date", "contract_type",
    "amount", "theoretical_end_date", "borrower_no", "birth_surname", "surname_prefix",
    "initials", "gender", "birth_date", "postcode", "house_number", "house_number_suffix",
    "code", "arrears_since", "arrears_amount", "written_off_amount", "final_discharge",
    "actual_end_date",
]

PARTICIPANTS = [
    ("BANK1", "Voorbeeldbank N.V.", "BANK", True, ["AK", "RK", "HY", "RH", "RN"]),
    ("WINKEL1", "Postorderhuis Thuiswinkel B.V.", "THUISWINKEL", True, ["VK"]),
    ("LEASE1", "Autolease Nederland B.V.", "LEASE", True, ["OA"]),
    ("GEMEENTE1", "Gemeente Voorbeeld, schuldhulpverlening", "GEMEENTE", True, ["SR"]),
    # Does not register, so consultation is refused by reciprocity.
    ("CONSULT1", "Informatiebureau Zonder Registratie", "OVERIG", False, []),
    # Deliver only on the nights before the run date (demo_history): the barometers' trend.
    ("BANK2", "Hypotheek- en Spaarbank N.V.", "BANK", True, ["AK", "RK", "HY", "RH", "RN"]),
    ("KREDIET2", "Consumentenkrediet Nederland B.V.", "FINANCIERINGSMAATSCHAPPIJ", True, ["AK", "RK"]),
    ("LEASE2", "Private Lease Nederland B.V.", "LEASE", True, ["OA"]),
]

PC4_GEMEENTE = [
    ("1011", "GM0363", "Amsterdam"), ("1012", "GM0363", "Amsterdam"),
    ("1053", "GM0363", "Amsterdam"), ("1071", "GM0363", "Amsterdam"),
    ("3011", "GM0599", "Rotterdam"), ("3012", "GM0599", "Rotterdam"),
    ("3039", "GM0599", "Rotterdam"), ("2511", "GM0518", "'s-Gravenhage"),
    ("2512", "GM0518", "'s-Gravenhage"), ("2563", "GM0518", "'s-Gravenhage"),
    ("3511", "GM0344", "Utrecht"), ("3521", "GM0344", "Utrecht"),
    ("5611", "GM0772", "Eindhoven"), ("5612", "GM0772", "Eindhoven"),
    ("9711", "GM0014", "Groningen"), ("9712", "GM0014", "Groningen"),
    ("6811", "GM0202", "Arnhem"), ("6511", "GM0268", "Nijmegen"),
    ("2011", "GM0392", "Haarlem"), ("7511", "GM0153", "Enschede"),
    ("4811", "GM0758", "Breda"), ("5211", "GM0796", "'s-Hertogenbosch"),
    ("5038", "GM0855", "Tilburg"), ("8011", "GM0193", "Zwolle"),
    ("2311", "GM0546", "Leiden"), ("3811", "GM0307", "Amersfoort"),
    ("1315", "GM0034", "Almere"), ("6211", "GM0935", "Maastricht"),
    ("7311", "GM0200", "Apeldoorn"), ("1811", "GM0361", "Alkmaar"),
    ("8911", "GM0080", "Leeuwarden"), ("2611", "GM0503", "Delft"),
]

# birth_surname, surname_prefix, initials, gender, (years before run date, month, day),
# postcode, house_number, house_number_suffix
PERSONS = {
    "jansen": ("Jansen", None, "J.P.", "M", (45, 3, 14), "1011AB", 12, None),
    "devries": ("Vries", "de", "A.M.", "V", (38, 7, 2), "3011CD", 45, "A"),
    "vdberg": ("Berg", "van der", "H.", "M", (52, 11, 23), "2511EF", 7, None),
    "celik": ("Çelik", None, "M.", "M", (41, 1, 9), "5611GH", 101, None),
    "bakker": ("Bakker", None, "S.L.", "V", (34, 5, 30), "3511JK", 3, "bis"),
    "visser": ("Visser", None, "K.", "M", (36, 9, 17), "3511JK", 3, "bis"),
    "mulder": ("Mulder", None, "E.", "V", (47, 4, 4), "9711LM", 22, None),
    "vandijk": ("Dijk", "van", "R.W.", "M", (58, 12, 1), "6811NP", 8, None),
    "dejong": ("Jong", "de", "T.", "V", (29, 6, 21), "2011RS", 15, None),
    "peters": ("Peters", None, "W.J.", "M", (63, 2, 11), "4811TV", 60, None),
    "hendriks": ("Hendriks", None, "L.", "V", (31, 8, 8), "5211AX", 9, "2"),
    "dekker": ("Dekker", None, "P.C.", "M", (49, 10, 5), "8011BC", 4, None),
    "brouwer": ("Brouwer", None, "G.", "M", (81, 3, 27), "7311DE", 31, None),
    "vermeulen": ("Vermeulen", None, "N.", "V", (55, 6, 3), "7511DE", 17, None),
    "meijer": ("Meijer", None, "F.", "V", (27, 1, 19), "3521GA", 88, None),
    "willems": ("Willems", None, "B.", "M", (44, 7, 12), "5038HB", 2, None),
    "smeets": ("Smeets", None, "C.M.", "V", (39, 9, 9), "6211JC", 50, None),
    "bos": ("Bos", None, "D.", "M", (16, 1, 1), "8911KD", 6, None),
    "kok": ("Kok", None, "I.", "V", (33, 4, 18), "2311LE", 140, None),
    "smit": ("Smît", None, "J.", "M", (50, 10, 30), "3811MF", 5, "C"),
    "degraaf": ("Graaf", "de", "M.A.", "V", (42, 2, 6), "1315NG", 77, None),
    "kuijpers": ("Kuijpers", None, "A.", "V", (37, 12, 12), "1053PH", 19, "3"),
    "vdheuvel": ("Heuvel", "van den", "G.J.", "M", (60, 5, 15), "6511RJ", 210, None),
    "hoekstra": ("Hoekstra", None, "S.", "M", (26, 3, 3), "9712SK", 11, None),
    "dijkstra": ("Dijkstra", None, "R.", "V", (48, 8, 28), "1811TL", 23, None),
    "elamrani": ("El Amrani", None, "Y.", "M", (35, 11, 11), "3039VM", 64, None),
    "hermans": ("Hermans", None, "P.", "V", (43, 7, 7), "2611WN", 9, "A"),
}


def _add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (negative: earlier); 29 Feb becomes 28 Feb."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _days_before(run_date: date, days: int) -> date:
    """The date `days` days before the run date (negative: after it)."""
    return run_date - timedelta(days=days)


def _person(key: str, run_date: date, **override) -> dict:
    """The NAW + birth date columns of one demo person."""
    surname, prefix, initials, gender, born, postcode, house, suffix = PERSONS[key]
    years, month, day = born
    fields = {
        "birth_surname": surname, "surname_prefix": prefix, "initials": initials,
        "gender": gender, "birth_date": date(run_date.year - years, month, day),
        "postcode": postcode, "house_number": house, "house_number_suffix": suffix,
    }
    return {**fields, **override}


def _rec(number: str, mutation: str, event: date, **fields) -> dict:
    """One mutation record; columns not given stay empty."""
    return {"contract_number": number, "mutation_type": mutation, "event_date": event, **fields}


def _new(number: str, ctype: str, start: date, person: dict, amount=None, end=None,
         **fields) -> dict:
    """A NEW record: contract data plus the borrower's person data."""
    return _rec(number, "NEW", start, contract_type=ctype, amount=amount,
                theoretical_end_date=end, **person, **fields)


def _text(value) -> str | None:
    """A cell as the CSV format wants it: ISO dates, true/false, empty for None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _write(path: Path, participant: str, rows: list[dict], columns=COLUMNS) -> None:
    """Write rows as a `;`-separated UTF-8 CSV with every column as text."""
    data = {col: [_text(row.get(col)) for row in rows] for col in columns if col != "participant_code"}
    write_frame(path, participant, pl.DataFrame(data, schema={col: pl.String for col in data}), columns)


def write_frame(path: Path, participant: str, frame: pl.DataFrame, columns=COLUMNS) -> None:
    """Write a frame of records as a delivery: `;`-separated UTF-8 CSV, the columns in order,
    participant_code filled in, ISO dates, true/false, empty for a missing column or value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    given = {"participant_code": pl.lit(participant)} if "participant_code" in columns else {}
    given |= {col: pl.col(col) for col in frame.columns}
    cells = [given.get(col, pl.lit(None)).cast(pl.String).alias(col) for col in columns]
    frame.select(cells).write_csv(path, separator=";")


def _bank_init(d: date) -> list[dict]:
    """BANK1's initial portfolio: old events are fine, INIT files are never late."""
    ago, who = partial(_days_before, d), partial(_person, run_date=d)
    return [
        _new("BK-AK-0001", "AK", ago(900), who("jansen"), 15000, _add_years(ago(900), 5)),
        _new("BK-RK-0002", "RK", ago(700), who("devries"), 5000),
        _new("BK-AK-0003", "AK", ago(600), who("vdberg"), 25000, _add_years(ago(600), 7)),
        _rec("BK-AK-0003", "CODE", ago(200), code="A", arrears_since=ago(290)),  # 90 days
        _rec("BK-AK-0003", "CODE", ago(100), code="H"),
        _new("BK-AK-0004", "AK", ago(400), who("bakker"), 30000, _add_years(ago(400), 6),
             borrower_no=1),
        _new("BK-AK-0004", "AK", ago(400), who("visser"), 30000, _add_years(ago(400), 6),
             borrower_no=2),
        # Negative-only mortgage: code A on the NEW, arrears 150 days old, no amount.
        _new("BK-HY-0005", "HY", ago(150), who("mulder"), code="A", arrears_since=ago(300)),
        _new("BK-RH-0006", "RH", ago(500), who("vandijk"), 18000, _add_years(ago(500), 10)),
        _new("BK-RK-0007", "RK", ago(800), who("dejong"), 2500),
        # RK arrears: 100 days, amount 650 >= max(10 % of 2500, 500).
        _rec("BK-RK-0007", "CODE", ago(300), code="A", arrears_since=ago(400),
             arrears_amount=650),
        _new("BK-AK-0008", "AK", ago(365), who("celik"), 12000, _add_years(ago(365), 4)),
        _new("BK-RN-0009", "RN", ago(1000), who("vermeulen"), 45000),
        _new("BK-AK-0010", "AK", ago(1200), who("peters"), 8000, _add_years(ago(1200), 5)),
        _new("BK-RK-0011", "RK", ago(250), who("hendriks"), 1500),
        _new("BK-AK-0012", "AK", ago(720), who("dekker"), 20000, _add_years(ago(720), 5)),
        _new("BK-RK-0013", "RK", ago(1500), who("brouwer"), 10000),
        _new("BK-AK-0014", "AK", ago(90), who("jansen"), 3000, _add_years(ago(90), 1)),
    ]


def _bank_mut(d: date) -> list[dict]:
    """BANK1's mutations of tonight: good recent records and one of each common mistake."""
    ago, who = partial(_days_before, d), partial(_person, run_date=d)
    code2 = _rec("BK-AK-0012", "CODE", ago(12), code="2")
    too_young = _person("bos", d, birth_date=_add_years(ago(8), -16) - timedelta(days=30))
    return [
        # NEW then CODE in one file. Code 4, not A: an A needs arrears >= 60 days old,
        # which would predate a start that is at most 28 days ago.
        _new("BK-AK-0101", "AK", ago(20), who("meijer"), 7500, _add_years(ago(20), 3)),
        _rec("BK-AK-0101", "CODE", ago(3), code="4"),
        _new("BK-RK-0102", "RK", ago(18), who("kok"), 2000),
        _rec("BK-RK-0002", "CHANGE", ago(5), amount=7500),
        _rec("BK-RK-0011", "END", ago(7), actual_end_date=ago(7)),
        code2,
        _rec("BK-RK-0013", "DECEASED", ago(15)),
        # LATE: reported 60 days after the start.
        _new("BK-AK-0103", "AK", ago(60), who("willems"), 10000, _add_years(ago(60), 3)),
        # OUT_OF_RANGE: amount 200000 above the AK maximum 175000.
        _new("BK-AK-0104", "AK", ago(10), who("smeets"), 200000, _add_years(ago(10), 10)),
        # DEPENDS_ON_REJECTED: its NEW (the line above) is rejected.
        _rec("BK-AK-0104", "CODE", ago(3), code="2"),
        # OUT_OF_RANGE: borrower is 16 at the start date.
        _new("BK-RK-0105", "RK", ago(8), too_young, 1000),
        # INVALID_TYPE: amount "12x" is not a whole number.
        _new("BK-AK-0106", "AK", ago(9), who("smit"), "12x", _add_years(ago(9), 2)),
        # INVALID_VALUE: ZZ is not a contract type.
        _new("BK-ZZ-0107", "ZZ", ago(6), who("degraaf"), 5000),
        # MISSING_FIELD: NEW without birth_surname.
        _new("BK-AK-0108", "AK", ago(4), who("hoekstra", birth_surname=None), 6000,
             _add_years(ago(4), 2)),
        # FIELD_NOT_ALLOWED: an RK has no theoretical end date.
        _new("BK-RK-0109", "RK", ago(11), who("dijkstra"), 3000, _add_years(ago(11), 2)),
        # UNKNOWN_CONTRACT: no such contract in the register.
        _rec("BK-AK-9999", "CHANGE", ago(2), amount=5000),
        # ARREARS_TOO_EARLY: arrears only 10 days old, AK needs 60.
        _rec("BK-AK-0014", "CODE", ago(2), code="A", arrears_since=ago(12)),
        # H_WITHOUT_A: BK-RH-0006 never had a code A.
        _rec("BK-RH-0006", "CODE", ago(4), code="H"),
        # FUTURE_DATE: starts tomorrow.
        _new("BK-RK-0110", "RK", ago(-1), who("hermans"), 4000),
        # DUPLICATE_RECORD: exact copy of the CODE 2 line above.
        dict(code2),
        # TYPE_NOT_ALLOWED: BANK1 may not register VK.
        _new("BK-VK-0111", "VK", ago(6), who("kuijpers"), 800),
        # WRITE_OFF_TOO_SMALL: code 3 needs written_off_amount >= 250.
        _rec("BK-AK-0010", "CODE", ago(1), code="3", written_off_amount=100,
             final_discharge=False),
    ]


def _winkel_mut(d: date) -> list[dict]:
    """WINKEL1: mail-order credit (VK), no theoretical end date."""
    ago, who = partial(_days_before, d), partial(_person, run_date=d)
    return [
        _new("WK-100234", "VK", ago(9), who("kuijpers"), 1200),
        _new("WK-100235", "VK", ago(3), who("vdheuvel"), 650),
        # NEGATIVE_ONLY_WITHOUT_CODE: a VK of 300 is registered only with a code.
        _new("WK-100236", "VK", ago(5), who("hoekstra"), 300),
    ]


def _lease_mut(d: date) -> list[dict]:
    """LEASE1: operational car leases; Çelik is the same person as at BANK1."""
    ago, who = partial(_days_before, d), partial(_person, run_date=d)
    return [
        _new("LS-000501", "OA", ago(14), who("celik"), 28000, _add_years(ago(14), 4)),
        _new("LS-000502", "OA", ago(11), who("degraaf"), 35000),
        _new("LS-000503", "OA", ago(20), who("dijkstra"), 19500, _add_years(ago(20), 3)),
    ]


def _gemeente_mut(d: date) -> list[dict]:
    """GEMEENTE1: debt arrangements (SR), theoretical end date required."""
    ago, who = partial(_days_before, d), partial(_person, run_date=d)
    return [
        _new("GM-SR-0001", "SR", ago(10), who("elamrani"), 0, _add_years(ago(10), 3)),
        _new("GM-SR-0002", "SR", ago(16), who("vdberg"), 14500, _add_years(ago(16), 3)),
    ]


def _config() -> dict:
    """config.yaml as a dict, keys in SPEC section 2 order."""
    return {
        "paths": {"inbox": "inbox", "outbox": "outbox", "register": "register",
                  "archive": "archive"},
        "pc4_gemeente": "pc4_gemeente.csv",
        "timezone": "Europe/Amsterdam",
        "schedule": {"cron": "0 2 * * *"},
        "late_records": "reject",
        "min_cell_size": 10,
        "barometer": {"frequency": "quarterly", "consumer_credit_types": ["AK", "RK", "VK", "OA"]},
        "archive_days": 90,
        "outbox_days": 90,
        "max_file_bytes": 2147483648,
        "participants": [
            {"code": code, "name": name, "category": category, "may_register": registers,
             "may_consult": True, "contract_types": types}
            for code, name, category, registers, types in PARTICIPANTS
        ],
    }


def write_demo_workspace(root: Path, run_date: date) -> Path:
    """Make a small realistic workspace in root for `cki demo`; return the config.yaml path."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / "config.yaml"
    config_path.write_text(
        yaml.safe_dump(_config(), sort_keys=False, allow_unicode=True, default_flow_style=None),
        encoding="utf-8",
    )
    pl.DataFrame(PC4_GEMEENTE, schema=["pc4", "gemeente_code", "gemeente_name"], orient="row",
                 ).write_csv(root / "pc4_gemeente.csv", separator=";")

    inbox, day = root / "inbox", f"{run_date:%Y%m%d}"
    deliveries = [
        ("BANK1", "INIT", 1, _bank_init), ("BANK1", "MUT", 2, _bank_mut),
        ("WINKEL1", "MUT", 1, _winkel_mut), ("LEASE1", "MUT", 1, _lease_mut),
        ("GEMEENTE1", "MUT", 1, _gemeente_mut),
    ]
    for participant, kind, seq, build in deliveries:
        name = f"{participant}_{kind}_{day}_{seq:06d}.csv"
        _write(inbox / participant / name, participant, build(run_date))

    ago, who = partial(_days_before, run_date), partial(_person, run_date=run_date)
    # FILE_HEADER: the mutation_type column is missing.
    no_type = [c for c in COLUMNS if c != "mutation_type"]
    _write(inbox / "LEASE1" / f"LEASE1_MUT_{day}_000002.csv", "LEASE1",
           [_new("LS-000504", "OA", ago(2), who("smit"), 22000)], columns=no_type)
    # FILE_NAME_INVALID: not <P>_<KIND>_<YYYYMMDD>_<SEQ>.<ext>.
    _write(inbox / "WINKEL1" / "levering november.csv", "WINKEL1",
           [_new("WK-100240", "VK", ago(2), who("meijer"), 900)])

    # Consultation requests of BANK1, answered after tonight's mutations.
    who_req = partial(_person, run_date=run_date)
    requests = [
        {"request_id": "R-001", "purpose": "ACCEPTATIE", **who_req("vdberg", birth_surname="Van der Berg",
                                                                      surname_prefix=None)},
        {"request_id": "R-002", "purpose": "ACCEPTATIE", **who_req("celik", birth_surname="Celik")},
        {"request_id": "R-003", "purpose": "BEHEER", **who_req("jansen")},
        {"request_id": "R-004", "purpose": "ACCEPTATIE", "birth_surname": "Onbekend", "initials": "Z.",
         "birth_date": date(1990, 1, 1)},
    ]
    _write(inbox / "BANK1" / f"BANK1_RAAD_{day}_000001.csv", "BANK1", requests, columns=REQUEST_COLUMNS)
    # A draft of tomorrow's delivery, outside the inbox, to try `cki validate` on.
    _write(draft_path(root, run_date), "BANK1", [
        _rec("BK-RK-0002", "CHANGE", ago(1), amount=9000),
        _rec("BK-RK-0007", "CHANGE", ago(1), amount=150000),   # OUT_OF_RANGE: RK limit max 100000
    ])
    (root / "outbox").mkdir(exist_ok=True)
    (root / "archive").mkdir(exist_ok=True)
    return config_path


def draft_path(root: Path, run_date: date) -> Path:
    """Where the demo leaves a draft delivery for the participant's dry run."""
    return Path(root) / "drafts" / f"BANK1_MUT_{run_date:%Y%m%d}_000003.csv"
