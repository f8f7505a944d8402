"""``cki inzage``: a person's right of access (SPEC 8): their registrations and who consulted them.

Finds the person with the same matching as a consultation; shows every registration in full,
with the participant's name, and the participants that consulted the person in the last 12 months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from pipeline.config import Config
from pipeline.consult import RegisterView, codes_text, match_persons, rows_of_contracts
from pipeline.register import Register, reading
from pipeline.retention import consultation_cutoff
from pipeline.state import CONTRACT_KEY


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
        return {"match_status": match["match_status"]}
    names = {p.code: p.name for p in config.settings.participants}
    pid = match["person_id"]
    links = view.borrowers.filter(pl.col("person_id") == pid).collect()
    regs = (links.join(rows_of_contracts(view.contracts, links), on=CONTRACT_KEY)
            .join(codes_text(rows_of_contracts(view.codes, links)), on=CONTRACT_KEY, how="left")
            .sort("start_date", *CONTRACT_KEY))
    regs = regs.with_columns(pl.col("participant_code").replace_strict(names, default=None,
                                                                       return_dtype=pl.String).alias("participant"))
    cutoff = consultation_cutoff(on)
    seen = (reg.scan("consultations").collect().filter((pl.col("person_id") == pid) & (pl.col("consulted_on") > cutoff))
            .with_columns(pl.col("participant_code").replace_strict(names, default=None, return_dtype=pl.String)
                          .alias("participant")).sort("consulted_on"))
    record = view.persons.filter(pl.col("person_id") == pid).collect().drop(
        "person_id", "surname_key", "initials_key", "first_initial", "postcode_key").row(0, named=True)
    columns = ["participant", "participant_code", "contract_number", "contract_type", "borrower_no", "amount",
               "start_date", "theoretical_end_date", "actual_end_date", "codes"]
    return {"match_status": "FOUND", "person": _jsonable(record),
            "registrations": [_jsonable(r) for r in regs.select(columns).to_dicts()],
            "consulted_by": [_jsonable(r) for r in seen.select("consulted_on", "participant", "participant_code",
                                                               "purpose").to_dicts()]}


def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}


def render(report: dict) -> str:
    """The report as text a person reads."""
    status = report["match_status"]
    if status == "NOT_FOUND":
        return "No registration found for this person.\n"
    if status == "NOT_UNIQUE":
        return ("Several persons match; add --postcode and --house-number to tell them apart.\n")
    p = report["person"]
    name = " ".join(x for x in (p["initials"], p["surname_prefix"], p["birth_surname"]) if x)
    lines = [f"{name}, born {p['birth_date']}, {p['postcode']} {p['house_number']}"
             f"{p['house_number_suffix'] or ''}" + (f", deceased {p['deceased_date']}" if p["deceased_date"] else ""),
             "", f"Registrations ({len(report['registrations'])}):"]
    for r in report["registrations"]:
        end = r["actual_end_date"] or "running"
        lines.append(f"  {r['participant']} ({r['participant_code']}) contract {r['contract_number']}: "
                     f"{r['contract_type']}, borrower {r['borrower_no']}, amount {r['amount'] or '-'}, "
                     f"start {r['start_date']}, theoretical end {r['theoretical_end_date'] or '-'}, "
                     f"end {end}, codes {r['codes'] or 'none'}")
    lines += ["", f"Consulted in the last 12 months by ({len(report['consulted_by'])}):"]
    lines += [f"  {c['consulted_on']} {c['participant']} ({c['purpose']})" for c in report["consulted_by"]]
    return "\n".join(lines) + "\n"
