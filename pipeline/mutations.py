"""One night's mutation files → findings and the register's new tables (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from contracts_schema import mutation
from pipeline.apply import apply_records, initial_state
from pipeline.findings import one_per_cell
from pipeline.intake import Delivery
from pipeline.parse import to_typed
from pipeline.persons import PERSON_FIELDS, apply_updates, attach
from pipeline.register import Register
from pipeline.state import CONTRACT_KEY, CONTRACTS_SCHEMA, STATE_COLUMNS
from pipeline.validate import RunRules, record_findings

MT = pl.col("mutation_type")
LINE = ["file_idx", "line_no"]
EVENT_COLUMNS = ["run_id", "file", "line_no", "participant_code", *[c for c in mutation.COLUMN_NAMES
                                                                   if c != "participant_code"]]


@dataclass
class MutationOutcome:
    """Findings per line, and the register tables this night changes."""

    raw: pl.DataFrame
    findings: pl.DataFrame
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)     # replaced whole
    appends: dict[str, pl.DataFrame] = field(default_factory=dict)    # appended parts
    events: pl.DataFrame | None = None
    erased: pl.DataFrame | None = None                                # contract keys DELETEd


def combine(files: list[tuple[int, Delivery]]) -> pl.DataFrame:
    """All mutation files of the night as one text frame with file_idx, participant and kind."""
    frames = [d.frame.with_columns(pl.lit(i, dtype=pl.Int32).alias("file_idx"),
                                   pl.lit(d.folder).alias("participant"), pl.lit(d.kind).alias("kind"))
              for i, d in files if d.frame is not None]
    return pl.concat(frames, how="vertical")


def validate_mutations(raw: pl.DataFrame, rules: RunRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed records and the per-record findings."""
    typed = to_typed(raw, mutation.COLUMNS, ("file_idx", "line_no", "participant", "kind"))
    return typed, one_per_cell(record_findings(typed, raw, rules))


def process_mutations(raw: pl.DataFrame, names: dict[int, str], reg: Register, rules: RunRules,
                      run_id: str) -> MutationOutcome:
    typed, found = validate_mutations(raw, rules)
    bad = found.filter(pl.col("severity") == "ERROR").select(LINE).unique()
    valid = typed.join(bad, on=LINE, how="anti").with_columns(
        pl.col("participant").alias("participant_code"), pl.col("borrower_no").fill_null(1))
    rejected_new = (typed.join(bad, on=LINE, how="semi")
                    .filter((MT == "NEW") & pl.col("contract_number").is_not_null())
                    .group_by(pl.col("participant").alias("participant_code"), "contract_number")
                    .agg(pl.col("line_no").min().alias("new_rejected_line")))
    state = initial_state(valid, reg.read("contracts"), reg.read("borrowers"), rejected_new)
    applied = apply_records(valid, state, rules.run_date)
    erase = applied.final.filter(pl.col("erase_step").is_not_null()).select(*CONTRACT_KEY, "erase_step")
    accepted = _after_erasure(applied.accepted, erase)
    outcome = MutationOutcome(raw, pl.concat([found, applied.findings]), erased=erase.select(CONTRACT_KEY))
    _persons_and_borrowers(outcome, accepted, reg, erase)
    _contracts(outcome, applied, reg, erase)
    outcome.tables["codes"] = _codes(reg.read("codes"), accepted, erase, run_id, names)
    file_names = pl.DataFrame({"file_idx": list(names), "file": list(names.values())},
                              schema={"file_idx": pl.Int32, "file": pl.String})
    outcome.events = (applied.accepted.join(file_names, on="file_idx")
                      .with_columns(pl.lit(run_id).alias("run_id"))
                      .join(_erased_before(applied.accepted, erase), on=LINE, how="anti")
                      .sort(LINE).select(EVENT_COLUMNS))
    return outcome


def _erased_before(accepted: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame:
    """Lines of records that a later DELETE of the same night erased (the DELETE itself stays)."""
    return (accepted.join(erase, on=CONTRACT_KEY).filter(pl.col("step") < pl.col("erase_step"))
            .select(LINE))


def _after_erasure(accepted: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame:
    return accepted.join(_erased_before(accepted, erase), on=LINE, how="anti")


def _persons_and_borrowers(out: MutationOutcome, accepted: pl.DataFrame, reg: Register,
                           erase: pl.DataFrame) -> None:
    new = accepted.filter(MT == "NEW")
    result = attach(new, reg.read("persons"), reg.read("addresses"))
    out.findings = pl.concat([out.findings, result.warnings.collect()])
    new = new.join(result.attached, on=LINE)
    borrowers = pl.concat([
        reg.read("borrowers").join(erase, on=CONTRACT_KEY, how="anti"),
        new.select(*CONTRACT_KEY, "borrower_no", "person_id", pl.col("event_date").alias("valid_from")),
    ], how="vertical_relaxed")
    link = borrowers.select(*CONTRACT_KEY, "borrower_no", "person_id")
    changes = accepted.filter(MT == "CHANGE").join(link, on=[*CONTRACT_KEY, "borrower_no"])
    deaths = accepted.filter(MT == "DECEASED").join(link, on=[*CONTRACT_KEY, "borrower_no"])
    order = ["person_id", "event_date", "file_idx", "line_no"]
    updates = pl.concat([new.select(*order, *PERSON_FIELDS), changes.select(*order, *PERSON_FIELDS)])
    persons, addresses = apply_updates(result.persons, updates, deaths)
    known = reg.read("addresses")
    referenced = borrowers.select("person_id").unique()
    out.tables["persons"] = persons.join(referenced, on="person_id", how="semi")
    out.tables["borrowers"] = borrowers
    fresh = addresses.join(known, on=["person_id", "postcode_key", "house_number", "house_number_suffix"],
                           how="anti", nulls_equal=True)
    if erase.height:
        out.tables["addresses"] = pl.concat([known, fresh]).join(referenced, on="person_id", how="semi")
    else:
        out.appends["addresses"] = fresh


def _contracts(out: MutationOutcome, applied, reg: Register, erase: pl.DataFrame) -> None:
    """New current state and the closed versions for the history (validity intervals)."""
    contracts = reg.read("contracts")
    final = applied.final.filter("exists").select(list(CONTRACTS_SCHEMA))
    out.tables["contracts"] = pl.concat([contracts.join(applied.final, on=CONTRACT_KEY, how="anti"), final])
    versions = applied.versions
    if versions.height == 0:
        if erase.height:
            out.tables["contract_history"] = reg.read("contract_history").join(erase, on=CONTRACT_KEY, how="anti")
        return
    versions = versions.join(erase, on=CONTRACT_KEY, how="left").filter(
        pl.col("erase_step").is_null() | (pl.col("step") > pl.col("erase_step")))
    before = (contracts.join(versions.select(CONTRACT_KEY).unique(), on=CONTRACT_KEY, how="semi")
              .join(erase, on=CONTRACT_KEY, how="anti").with_columns(pl.lit(-1, dtype=pl.Int32).alias("step")))
    chain = pl.concat([before, versions.select(*CONTRACT_KEY, *STATE_COLUMNS, "step")], how="vertical_relaxed")
    chain = chain.sort([*CONTRACT_KEY, "step"]).with_columns(
        pl.col("valid_from").shift(-1).over(CONTRACT_KEY).alias("valid_to"))
    closed = chain.filter(pl.col("valid_to").is_not_null()).drop("step")
    if erase.height:
        out.tables["contract_history"] = pl.concat([
            reg.read("contract_history").join(erase, on=CONTRACT_KEY, how="anti"), closed], how="vertical_relaxed")
    else:
        out.appends["contract_history"] = closed


def _codes(codes: pl.DataFrame, accepted: pl.DataFrame, erase: pl.DataFrame, run_id: str,
           names: dict[int, str]) -> pl.DataFrame:
    """Codes with their dates; CODE_END removes the contract's code 5 (SPEC 1)."""
    coded = accepted.filter(MT.is_in(["NEW", "CODE"]) & pl.col("code").is_not_null())
    file_of = pl.col("file_idx").replace_strict(names, return_dtype=pl.String)
    new = coded.select(*CONTRACT_KEY, "code", pl.col("event_date").alias("code_date"), "arrears_since",
                       "arrears_amount", "written_off_amount", "final_discharge",
                       pl.lit(run_id).alias("run_id"), file_of.alias("file"), "line_no", "step")
    ends = (accepted.filter(MT == "CODE_END").group_by(CONTRACT_KEY)
            .agg(pl.col("step").max().alias("end_step")))
    kept = codes.join(erase, on=CONTRACT_KEY, how="anti").with_columns(pl.lit(-1, dtype=pl.Int32).alias("step"))
    both = pl.concat([kept, new], how="vertical_relaxed").join(ends, on=CONTRACT_KEY, how="left")
    removed = (pl.col("code") == "5") & (pl.col("step") < pl.col("end_step")).fill_null(False)
    return both.filter(~removed).drop("step", "end_step")
