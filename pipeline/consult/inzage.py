"""``cki inzage``: a person's right of access (SPEC 8): their registrations and who consulted them.

Finds the person with the same matching as a consultation; gathers every registration in full,
with the participant's name, its codes, how many borrowers it has and when retention removes it,
and the consultations of the last 12 months, one per request answered. This module gathers the
facts as plain data (the ``--json`` form); ``pipeline.consult.inzage_text`` words them for the person.
Nothing of it is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from contracts_schema.codes import RETENTION_YEARS
from pipeline.config import Config
from pipeline.consult.requests import RegisterView, codes_text, match_persons, rows_of_contracts
from pipeline.register.retention import consultation_cutoff
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import Register, reading

# One consultation event is one request answered: the log holds a row per request (SPEC 5.1),
# and two requests of one lender on one day are two events (decision 88).
EVENT = ["run_id", "participant_code", "file", "request_id"]
REGISTRATION_COLUMNS = ["participant", "participant_code", "contract_number", "contract_type", "borrower_no",
                        "amount", "start_date", "theoretical_end_date", "actual_end_date", "codes",
                        "running", "borrowers", "removal_date", "code_list", "participant_category"]
CODE_FIELDS = ["code", "code_date", "arrears_since", "written_off_amount", "final_discharge"]


@dataclass
class Person:
    surname: str
    initials: str
    birth_date: date
    prefix: str | None = None
    postcode: str | None = None
    house_number: int | None = None


def _request(p: Person) -> pl.DataFrame:
    return pl.DataFrame([{"file_idx": 0, "line_no": 1, "request_id": "inzage", "purpose": "INZAGE",
                          "participant": "", "birth_surname": p.surname, "surname_prefix": p.prefix,
                          "initials": p.initials, "birth_date": p.birth_date, "postcode": p.postcode,
                          "house_number": p.house_number}],
                        schema_overrides={"file_idx": pl.Int32, "line_no": pl.Int64, "surname_prefix": pl.String,
                                          "postcode": pl.String, "house_number": pl.Int64})


def inspect(config: Config, person: Person, on: date) -> dict:
    """Everything the register holds on the person, as plain data (one committed version, kept
    whole while it is read)."""
    with reading(config.register) as reg:
        return _inspect(reg, config, person, on)


def _inspect(reg: Register, config: Config, person: Person, on: date) -> dict:
    view = RegisterView(reg.scan("persons"), reg.scan("addresses"), reg.scan("borrowers"),
                        reg.scan("contracts"), reg.scan("codes"))
    match = match_persons(_request(person), view).row(0, named=True)
    if match["match_status"] != "FOUND":
        return {"match_status": match["match_status"], "request_date": on.isoformat()}
    pid = match["person_id"]
    regs = _registrations(view, pid, on).with_columns(*_who(config))
    seen = _consultations(reg.scan("consultations"), pid, on).with_columns(*_who(config))
    record = view.persons.filter(pl.col("person_id") == pid).collect().drop(
        "person_id", "surname_key", "initials_key", "first_initial", "postcode_key").row(0, named=True)
    return {"match_status": "FOUND", "request_date": on.isoformat(), "person": _jsonable(record),
            "registrations": _jsonable(regs.select(REGISTRATION_COLUMNS).to_dicts()),
            "consulted_by": _jsonable(seen.select("consulted_on", "participant", "participant_code", "purpose",
                                                  "participant_category").to_dicts())}


def _registrations(view: RegisterView, pid: int, on: date) -> pl.DataFrame:
    """The person's registrations, oldest first, each with its codes (as text and as a list),
    whether it runs on ``on``, its number of borrowers and its removal date."""
    links = view.borrowers.filter(pl.col("person_id") == pid).collect()
    codes = rows_of_contracts(view.codes, links)
    borrowers = rows_of_contracts(view.borrowers, links).group_by(CONTRACT_KEY).agg(
        pl.col("borrower_no").n_unique().cast(pl.Int64).alias("borrowers"))
    return (links.join(rows_of_contracts(view.contracts, links), on=CONTRACT_KEY)
            .join(codes_text(codes), on=CONTRACT_KEY, how="left")
            .join(_code_lists(codes), on=CONTRACT_KEY, how="left")
            .join(borrowers, on=CONTRACT_KEY, how="left")
            .with_columns((pl.col("actual_end_date").is_null() | (pl.col("actual_end_date") > on)).alias("running"),
                          removal_date(pl.col("actual_end_date")).alias("removal_date"),
                          pl.col("code_list").fill_null([]))
            .sort("start_date", *CONTRACT_KEY))


def removal_date(actual_end: pl.Expr) -> pl.Expr:
    """The day retention removes a registration: 5 years after its actual end (SPEC 1), by the
    same calendar arithmetic as ``retention.expired_contracts`` (29 February + 5 y = 28 February);
    null while the contract runs."""
    return actual_end.dt.offset_by(f"{RETENTION_YEARS}y")


def _code_lists(codes: pl.DataFrame) -> pl.DataFrame:
    """Per contract its codes as a list of records in the order they were reported."""
    return (codes.sort([*CONTRACT_KEY, "code_date", "line_no"]).group_by(CONTRACT_KEY, maintain_order=True)
            .agg(pl.struct(CODE_FIELDS).alias("code_list")))


def _consultations(log: pl.LazyFrame, pid: int, on: date) -> pl.DataFrame:
    """The person's consultation events of the 12 months up to ``on``: the access protocol's
    window (``retention.consultation_cutoff``), whatever the log still holds before the purge."""
    window = (pl.col("consulted_on") > consultation_cutoff(on)) & (pl.col("consulted_on") <= on)
    return (log.filter((pl.col("person_id") == pid) & window).unique(EVENT)
            .sort("consulted_on", *EVENT).collect())


def _who(config: Config) -> list[pl.Expr]:
    """The participant's name and category from config.yaml (null for a code it no longer lists)."""
    code = pl.col("participant_code")
    names = {p.code: p.name for p in config.settings.participants}
    categories = {p.code: p.category for p in config.settings.participants}
    return [code.replace_strict(names, default=None, return_dtype=pl.String).alias("participant"),
            code.replace_strict(categories, default=None, return_dtype=pl.String).alias("participant_category")]


def _jsonable(value: object) -> object:
    """Dates as ISO text, all the way down (a registration's code list holds dates too)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value
