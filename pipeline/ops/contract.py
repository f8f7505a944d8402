"""``cki contract PARTICIPANT NUMBER``: one contract's state on a date and its history, for an
operator answering a dispute (SPEC 6, 8; decisions 76, 77).

Read-only, from one committed version kept whole under the readers' lock (``pipeline.register.store.reading``).
The state on a date is read as the barometers read it (decision 39): whether the contract ran
from its dated facts (start, actual end), its arrears from the A and H codes dated on or before
it, its terms (type, amount, theoretical end, code 5) from the validity interval that holds the
date. Its history is every accepted record the event log keeps (run, file, line) and every
rejected one that the participant's ``errors.csv`` still lists. Borrowers are shown by person id
only, never by name: what this prints ends up in tickets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from contracts_schema.columns import PERSON_FIELDS
from pipeline.barometer.asof import open_arrears
from pipeline.config import Config, today_in
from pipeline.fsio import formula_safe
from pipeline.intake.names import printable as shown  # escapes what a participant delivered
from pipeline.outbox.answers import recorded
from pipeline.register.erase import key_hash
from pipeline.register.state import KEYED_STATE_SCHEMA, MT
from pipeline.register.store import Register, reading

EVENT_COLUMNS = ["run_date", "run_id", "file", "line_no", "mutation_type", "event_date", "result",
                 "details", "findings"]
DELIVERY_KINDS = ["MUT", "INIT"]
CODE_FIELDS = (("arrears since", "arrears_since"), ("arrears amount", "arrears_amount"),
               ("written off", "written_off_amount"))
LISTED_SCHEMA = pl.Schema({"line_no": pl.Int64(), "error_code": pl.String(), "severity": pl.String(),
                           "field": pl.String(), "mutation_type": pl.String(), "event_date": pl.String(),
                           "run_id": pl.String(), "file": pl.String()})
LISTED_COLUMNS = list(LISTED_SCHEMA)[:6]          # read from errors.csv; the run and file come from the ledger
NOTHING: dict[str, object] = {"state": None, "codes": [], "borrowers": []}      # no registration under the key


def of(participant: str, number: str) -> pl.Expr:
    """Rows of the one contract (a filter the Parquet reader applies)."""
    return (pl.col("participant_code") == participant) & (pl.col("contract_number") == number)


def look_up(config: Config, participant: str, number: str, as_of: date | None) -> dict:
    """Everything the register still holds on the contract, as plain data (ISO dates)."""
    head = {"participant_code": participant, "contract_number": number,
            "participant_known": participant in config.participants}
    if not (config.register / "CURRENT").exists():
        on = as_of or today_in(config.settings.timezone)
        return _plain({**head, "as_of": on, "register_version": 0, "last_run": None, "registered": False,
                       **NOTHING, "events": [], "purges": [], "outbox_days": config.settings.outbox_days})
    with reading(config.register) as reg:
        return _plain({**head, **_report(config, reg, participant, number, as_of)})


def _report(config: Config, reg: Register, participant: str, number: str, as_of: date | None) -> dict:
    runs = reg.read("runs")
    last = runs["run_date"].max()
    on = as_of or (last if isinstance(last, date) else today_in(config.settings.timezone))
    key = of(participant, number)
    current = reg.scan("contracts").filter(key).collect()
    return {"as_of": on, "register_version": reg.version, "last_run": reg.manifest.run_id,
            "registered": current.height > 0, **(state_on(reg, key, current, on) if current.height else NOTHING),
            "events": history(config, reg, participant, number, runs).to_dicts(),
            "purges": purges(reg, participant, number).to_dicts(), "outbox_days": config.settings.outbox_days}


# --- the state on a date --------------------------------------------------------------------

def state_on(reg: Register, key: pl.Expr, current: pl.DataFrame, on: date) -> dict:
    """The contract on ``on``: running, ended or not started; its terms, arrears, codes and
    borrowers as they stood that day."""
    facts = current.row(0, named=True)
    if facts["start_date"] > on:
        return {"state": {"status": "not started", "start_date": facts["start_date"]}, "codes": [], "borrowers": []}
    ended = facts["actual_end_date"] is not None and facts["actual_end_date"] <= on
    terms = _terms_on(reg, key, current, on)
    codes = reg.scan("codes").filter(key)
    arrears = open_arrears(codes, on).collect()
    state = {"status": "ended" if ended else "running", "contract_type": terms["contract_type"],
             "amount": terms["amount"], "start_date": facts["start_date"],
             "theoretical_end_date": terms["theoretical_end_date"],
             "actual_end_date": facts["actual_end_date"] if ended else None,
             "arrears_open": arrears.height > 0,
             "arrears_since": arrears["arrears_since"][0] if arrears.height else None,
             "code5_active": terms["code5_active"],
             "terms_valid_from": terms["valid_from"], "terms_valid_to": terms["valid_to"]}
    dated = (codes.filter(pl.col("code_date") <= on).sort("code_date", "run_id", "file", "line_no")
             .select("code", "code_date", "arrears_since", "arrears_amount", "written_off_amount",
                     "final_discharge", "run_id", "file", "line_no").collect())
    linked = (reg.scan("borrowers").filter(key & (pl.col("valid_from") <= on))
              .select("borrower_no", "person_id", "valid_from").sort("borrower_no").collect())
    return {"state": state, "codes": dated.to_dicts(), "borrowers": linked.to_dicts()}


def _terms_on(reg: Register, key: pl.Expr, current: pl.DataFrame, on: date) -> dict:
    """The version whose validity interval [valid_from, valid_to) holds ``on``: a closed one of
    ``contract_history`` or the current row (the earliest, should none hold it)."""
    closed = reg.scan("contract_history").filter(key).collect()
    now = current.select(list(KEYED_STATE_SCHEMA)).with_columns(pl.lit(None, dtype=pl.Date).alias("valid_to"))
    versions = pl.concat([closed, now], how="vertical_relaxed").sort("valid_from", nulls_last=True)
    holds = (pl.col("valid_from") <= on) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > on))
    found = versions.filter(holds)
    return (found if found.height else versions).row(0, named=True)


# --- its history ----------------------------------------------------------------------------

def history(config: Config, reg: Register, participant: str, number: str, runs: pl.DataFrame) -> pl.DataFrame:
    """Every record of the contract the register or the outbox still holds, in the order the
    nights applied them: run, then delivery, then line."""
    ledger = (recorded(reg)[0].with_row_index("file_order")
              .filter((pl.col("participant") == participant) & pl.col("kind").is_in(DELIVERY_KINDS)
                      & pl.col("file_error").is_null())
              .select("run_id", "file", "answer", "file_order"))
    listed = _listed(config, ledger, participant, number)
    rows = pl.concat([_applied(reg, of(participant, number), listed), _rejected(listed)], how="vertical")
    return (rows.join(runs.select("run_id", "run_date"), on="run_id", how="left")
            .join(ledger.select("run_id", "file", "file_order"), on=["run_id", "file"], how="left")
            .sort("run_id", "file_order", "line_no").select(EVENT_COLUMNS))


def _applied(reg: Register, key: pl.Expr, listed: pl.DataFrame) -> pl.DataFrame:
    """The accepted records (events), with what they reported (no person data: only that there
    was some) and the warnings they were applied with."""
    events = reg.scan_events()
    schema = {"run_id": pl.String, "file": pl.String, "line_no": pl.Int64, "mutation_type": pl.String,
              "event_date": pl.String, "details": pl.String}
    if events is None:
        rows = pl.DataFrame(schema=schema)
    else:
        rows = (events.filter(key).select("run_id", "file", "line_no", "mutation_type",
                                          pl.col("event_date").cast(pl.String), details().alias("details"))
                .collect())
    warned = _findings(listed.filter(pl.col("severity") == "WARNING"))
    return (rows.join(warned, on=["run_id", "file", "line_no"], how="left")
            .with_columns(pl.lit("applied").alias("result"), pl.col("findings").fill_null([])))


def _rejected(listed: pl.DataFrame) -> pl.DataFrame:
    """The rejected records of ``errors.csv``: one row per record, its codes and fields."""
    errors = listed.filter(pl.col("severity") == "ERROR")
    record = (errors.group_by("run_id", "file", "line_no")
              .agg(pl.col("mutation_type").first(), pl.col("event_date").first()))
    return (record.join(_findings(errors), on=["run_id", "file", "line_no"])
            .with_columns(pl.lit("rejected").alias("result"), pl.lit(None, dtype=pl.String).alias("details"))
            .select("run_id", "file", "line_no", "mutation_type", "event_date", "details", "findings", "result"))


def _findings(rows: pl.DataFrame) -> pl.DataFrame:
    """Per record, its findings as a list of {error_code, field}, in code order."""
    finding = pl.struct("error_code", "field")
    return (rows.sort("error_code", "field").group_by("run_id", "file", "line_no", maintain_order=True)
            .agg(finding.alias("findings")))


def _listed(config: Config, ledger: pl.DataFrame, participant: str, number: str) -> pl.DataFrame:
    """The contract's rows of every ``errors.csv`` of the participant that ``outbox_days`` has
    not ended yet (text as delivered; a number a spreadsheet would read as a formula is written
    with a quote before it)."""
    folder = config.outbox / participant
    numbers = [number, pl.select(formula_safe(pl.lit(number))).item()]
    frames = [_rows_of(folder / f"{answer}.errors.csv", numbers, run_id, file)
              for run_id, file, answer in ledger.select("run_id", "file", "answer").iter_rows() if answer]
    return pl.concat([pl.DataFrame(schema=LISTED_SCHEMA), *(f for f in frames if f is not None)])


def _rows_of(path: Path, numbers: list[str], run_id: str, file: str) -> pl.DataFrame | None:
    """One ``errors.csv``'s rows of the contract; None when outbox retention has ended it (also
    while this looks: the outbox is not the register, and no lock keeps it)."""
    try:
        rows = (pl.scan_csv(path, separator=";", infer_schema=False)
                .filter(pl.col("contract_number").is_in(numbers)).select(LISTED_COLUMNS).collect())
    except FileNotFoundError:
        return None
    return rows.with_columns(pl.lit(run_id).alias("run_id"), pl.lit(file).alias("file")).cast(LISTED_SCHEMA)


def details() -> pl.Expr:
    """What an accepted record reported, in a few words: type, amount, dates, code, borrower;
    for person fields only the words 'person data' (a name or address is never shown)."""
    def said(label: str, column: str, when: pl.Expr | bool = True) -> pl.Expr:
        return pl.when(pl.col(column).is_not_null() & when).then(pl.format(label + " {}", pl.col(column)))
    person = pl.any_horizontal(pl.col(PERSON_FIELDS).is_not_null())
    return pl.concat_str([
        pl.when(MT == "NEW").then(pl.col("contract_type")),
        said("amount", "amount"), said("theoretical end", "theoretical_end_date"),
        said("code", "code"), said("arrears since", "arrears_since"), said("arrears amount", "arrears_amount"),
        said("written off", "written_off_amount"),
        pl.when(pl.col("final_discharge").fill_null(False)).then(pl.lit("final discharge")),
        said("end", "actual_end_date"),
        said("borrower", "borrower_no", MT.is_in(["NEW", "DECEASED"]) | (pl.col("borrower_no") != 1)),
        pl.when(person & (MT == "CHANGE")).then(pl.lit("person data")),
    ], separator=", ", ignore_nulls=True)


def purges(reg: Register, participant: str, number: str) -> pl.DataFrame:
    """The purge manifest's rows of this key (its keyed hash): when and why it was erased."""
    secret = reg.purge_secret()
    if secret is None:
        return pl.DataFrame(schema={"reason": pl.String, "purged_on": pl.Date, "run_id": pl.String})
    hashed = pl.DataFrame({"participant_code": [participant], "contract_number": [number]}).select(
        key_hash(secret)).item()
    return (reg.scan("purges").filter(pl.col("key_hash") == hashed)
            .select("reason", "purged_on", "run_id").sort("purged_on", "run_id").collect())


def _plain(report: dict) -> dict:
    """Dates as ISO text, all the way down (the report is printed as JSON too)."""
    return {k: _plain_value(v) for k, v in report.items()}


def _plain_value(value: object) -> object:
    if isinstance(value, dict):
        return _plain(value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


# --- as text --------------------------------------------------------------------------------

def render(report: dict) -> str:
    """The report as aligned text for a terminal or a ticket."""
    lines = [_headline(report)]
    if report["registered"]:
        lines += _state_lines(report)
        lines += [f"  earlier under this number: {_purge_text(p)}" for p in report["purges"]]
    if report["events"]:
        lines += _event_lines(report["events"])
    lines.append(f"kept: accepted records until the contract's retention ends; rejected records while the "
                 f"delivery's errors.csv is in the outbox (outbox_days: {report['outbox_days']})")
    return "\n".join(lines) + "\n"


def _headline(r: dict) -> str:
    name = f"{r['participant_code']} {r['contract_number']}"
    if r["registered"]:
        return (f"{name} on {r['as_of']}: {r['state']['status']} "
                f"(register version {r['register_version']}, last run {r['last_run']})")
    if r["purges"]:
        return f"{name}: {_purge_text(r['purges'][-1])}"
    unknown = "" if r["participant_known"] else f"; {r['participant_code']} is not a participant in config.yaml"
    if not r["register_version"]:
        return f"{name}: no such contract: no night has run yet, the register is empty{unknown}"
    return f"{name}: no such contract in the register (version {r['register_version']}){unknown}"


def _purge_text(p: dict) -> str:
    if p["reason"] == "RETENTION":
        return (f"removed on {p['purged_on']} when its retention ended, 5 years after its end (run {p['run_id']}); "
                "the register keeps nothing of it but that fact")
    return f"erased by a DELETE on {p['purged_on']} (run {p['run_id']}); only the DELETE itself is kept"


def _state_lines(r: dict) -> list[str]:
    s = r["state"]
    if s["status"] == "not started":
        return [f"  {'start date':<17}{s['start_date']}"]
    arrears = f"open since {s['arrears_since']}" if s["arrears_open"] else "none open"
    terms = f"from {s['terms_valid_from']}" + (f" until {s['terms_valid_to']}" if s["terms_valid_to"] else "")
    rows = [("contract type", s["contract_type"]), ("amount", s["amount"]), ("start date", s["start_date"]),
            ("theoretical end", s["theoretical_end_date"]), ("actual end date", s["actual_end_date"]),
            ("arrears", arrears), *[("code 5", "active (preventive arrangement)")] * bool(s["code5_active"]),
            ("terms valid", terms)]
    rows += [("codes" if i == 0 else "", _code_text(c)) for i, c in enumerate(r["codes"])] or [("codes", None)]
    rows += [("borrowers" if i == 0 else "", f"{b['borrower_no']}: person {b['person_id']} from {b['valid_from']}")
             for i, b in enumerate(r["borrowers"])]
    return [f"  {label:<17}{'-' if value is None else value}" for label, value in rows]


def _code_text(c: dict) -> str:
    extra = [f"{label} {c[k]}" for label, k in CODE_FIELDS if c[k] is not None]
    extra += ["final discharge"] * bool(c["final_discharge"])
    return " ".join([c["code"], str(c["code_date"]), *([f"({', '.join(extra)})"] if extra else [])])


def _event_lines(events: list[dict]) -> list[str]:
    applied = sum(e["result"] == "applied" for e in events)
    head = ("run date", "run", "file", "line", "mutation", "event date", "result")
    rows = [(e["run_date"] or "", e["run_id"], shown(e["file"]), str(e["line_no"]), shown(e["mutation_type"] or ""),
             shown(e["event_date"] or ""), _result_text(e)) for e in events]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head) - 1)]
    def line(row: tuple) -> str:
        cells = [c.rjust(w) if i == 3 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        return "  " + "  ".join([*cells, row[-1]]).rstrip()
    return [f"history ({applied} applied, {len(events) - applied} rejected):", line(head), *map(line, rows)]


def _result_text(e: dict) -> str:
    found = ", ".join(f"{f['error_code']}" + (f" ({f['field']})" if f["field"] else "") for f in e["findings"])
    if e["result"] == "rejected":
        return f"rejected: {found}"
    return "applied" + (f": {e['details']}" if e["details"] else "") + (f"; warning {found}" if found else "")
