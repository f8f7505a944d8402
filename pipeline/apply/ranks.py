"""Apply the night's valid records to the contracts, one rank at a time (DESIGN 2).

Step k takes the k-th record of every touched contract (ordered by file, event_date, line), joins
the contract's state, runs the state rules, and folds the accepted records into the state: one
vectorised step per rank, so the loop runs a handful of times, never once per record.

Each touched contract gets a dense index (``cid``): row ``cid`` of the state is that contract, so
a step gathers its contracts' state and scatters the new state back by position, without a
join on the contract key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from contracts_schema.codes import contract_type_table
from pipeline.register.state import CONTRACT_KEY, MT, STATE_COLUMNS, STATE_SCHEMA
from pipeline.rules.findings import SCHEMA as FINDING_SCHEMA
from pipeline.rules.findings import collect
from pipeline.rules.staterules import state_findings

CODE = pl.col("code")
LOOP_SCHEMA = {**STATE_SCHEMA, "exists": pl.Boolean(), "has_b1": pl.Boolean(), "has_b2": pl.Boolean(),
               "new_rejected_line": pl.Int64(), "erase_step": pl.Int32()}
_FLAGS = ["arrears_open", "ever_arrears", "code5_active", "code1", "code2", "code3", "code4",
          "exists", "has_b1", "has_b2"]


@dataclass
class Applied:
    """What one night's records did: accepted records (with their step), versions, findings."""

    accepted: pl.DataFrame     # records accepted, with ``step``
    versions: pl.DataFrame     # contract state after each accepted contract-changing record
    final: pl.DataFrame        # the loop state of every touched contract at the end
    findings: pl.DataFrame


def initial_state(keys: pl.DataFrame, contracts: pl.DataFrame, borrowers: pl.DataFrame,
                  rejected_new: pl.DataFrame) -> pl.DataFrame:
    """Loop state of the contracts ``keys``, row for row: register state plus borrower flags."""
    flags = (borrowers.join(keys, on=CONTRACT_KEY, how="semi").group_by(CONTRACT_KEY)
             .agg((pl.col("borrower_no") == 1).any().alias("has_b1"),
                  (pl.col("borrower_no") == 2).any().alias("has_b2")))
    current = contracts.join(keys, on=CONTRACT_KEY, how="semi").with_columns(pl.lit(True).alias("exists"))
    state = (keys.join(current, on=CONTRACT_KEY, how="left", maintain_order="left")
             .join(flags, on=CONTRACT_KEY, how="left", maintain_order="left")
             .join(rejected_new, on=CONTRACT_KEY, how="left", maintain_order="left")
             .with_columns(pl.lit(None, dtype=pl.Int32).alias("erase_step")))
    return state.with_columns(pl.col(_FLAGS).fill_null(False)).select(*CONTRACT_KEY, *LOOP_SCHEMA)


def _next_state(step: int) -> list[pl.Expr]:
    """The state after an accepted record, from its fields and the state before (``s_*``)."""
    s = lambda name: pl.col(f"s_{name}")  # noqa: E731
    first_new = (MT == "NEW") & ~s("exists")
    coded = MT.is_in(["NEW", "CODE"])
    code_is = lambda c: (coded & (CODE == c)).fill_null(False)  # noqa: E731  (null code: no code)
    discharge_end = code_is("3") & pl.col("final_discharge").fill_null(False)
    changes_contract = ~(MT.is_in(["DECEASED", "DELETE"])) & ~(
        (MT == "CHANGE") & pl.col("amount").is_null() & pl.col("theoretical_end_date").is_null())
    b = pl.col("borrower_no")
    return [
        pl.when(first_new).then(pl.col("contract_type")).otherwise(s("contract_type")).alias("contract_type"),
        pl.when(first_new | (MT == "CHANGE")).then(pl.coalesce("amount", s("amount")))
        .otherwise(s("amount")).alias("amount"),
        pl.when(first_new).then(pl.col("event_date")).otherwise(s("start_date")).alias("start_date"),
        pl.when(first_new | (MT == "CHANGE")).then(pl.coalesce("theoretical_end_date", s("theoretical_end_date")))
        .otherwise(s("theoretical_end_date")).alias("theoretical_end_date"),
        pl.when((MT == "END") | discharge_end).then(pl.col("actual_end_date"))
        .otherwise(s("actual_end_date")).alias("actual_end_date"),
        pl.when(code_is("A")).then(True).when(code_is("H")).then(False)
        .otherwise(s("arrears_open")).alias("arrears_open"),
        pl.when(code_is("A") & ~s("arrears_open")).then(pl.col("arrears_since"))
        .when(code_is("H")).then(None).otherwise(s("arrears_since")).alias("arrears_since"),
        (s("ever_arrears") | code_is("A")).alias("ever_arrears"),
        pl.when(code_is("5")).then(True).when(MT == "CODE_END").then(False)
        .otherwise(s("code5_active")).alias("code5_active"),
        *[(s(f"code{c}") | code_is(str(c))).alias(f"code{c}") for c in (1, 2, 3, 4)],
        pl.when(changes_contract).then(pl.max_horizontal("event_date", s("valid_from")))
        .otherwise(s("valid_from")).alias("valid_from"),
        ((s("exists") | (MT == "NEW")) & (MT != "DELETE")).alias("exists"),
        (s("has_b1") | ((MT == "NEW") & (b == 1))).and_(MT != "DELETE").alias("has_b1"),
        (s("has_b2") | ((MT == "NEW") & (b == 2))).and_(MT != "DELETE").alias("has_b2"),
        s("new_rejected_line").alias("new_rejected_line"),
        pl.when(MT == "DELETE").then(pl.lit(step, dtype=pl.Int32)).otherwise(s("erase_step")).alias("erase_step"),
        changes_contract.alias("changes_contract"),
    ]


def _step_frame(records: pl.DataFrame, state: pl.DataFrame, types: pl.DataFrame) -> pl.DataFrame:
    """The step's records beside their contracts' state (``s_*``), gathered by ``cid``."""
    before = state.select(pl.col(list(LOOP_SCHEMA)).gather(records["cid"]).name.prefix("s_"))
    joined = pl.concat([records, before], how="horizontal")
    joined = joined.with_columns(pl.col([f"s_{f}" for f in _FLAGS]).fill_null(False)).with_columns(pl.coalesce(
        pl.when((MT == "NEW") & ~pl.col("s_exists")).then(pl.col("contract_type")),
        pl.col("s_contract_type"), pl.col("contract_type")).alias("ctype"))
    return joined.join(types, left_on="ctype", right_on="ct_code", how="left", maintain_order="left")


def apply_records(records: pl.DataFrame, contracts: pl.DataFrame, borrowers: pl.DataFrame,
                  rejected_new: pl.DataFrame, run_date: date) -> Applied:
    """Run the rank loop over ``records`` (valid records with ``participant_code`` = the folder),
    from the register rows ``contracts`` and ``borrowers`` of their contracts; ``rejected_new``:
    contracts whose NEW an earlier check rejected."""
    types = contract_type_table()
    ranked, keys = _ranked(records)
    state = initial_state(keys, contracts, borrowers, rejected_new)
    by_step = ranked.partition_by("step", as_dict=True) if ranked.height else {}
    accepted_parts, version_parts, finding_parts = [], [], []
    for step in range(len(by_step)):
        frame = _step_frame(by_step.pop((step,)), state, types)
        found = collect(state_findings(frame.lazy(), run_date))
        finding_parts.append(found)
        errors = found.filter(pl.col("severity") == "ERROR").select("file_idx", "line_no").unique()
        ok, bad_new = frame, None
        if errors.height:
            ok = frame.join(errors, on=["file_idx", "line_no"], how="anti")
            bad_new = (frame.join(errors, on=["file_idx", "line_no"], how="semi")
                       .filter((MT == "NEW") & ~pl.col("s_exists"))
                       .group_by("cid").agg(pl.col("line_no").min().alias("rejected_line")))
        after = ok.with_columns(_next_state(step))
        accepted_parts.append(ok.select(*records.columns, "step"))
        version_parts.append(after.filter("changes_contract").select(
            *CONTRACT_KEY, *STATE_COLUMNS, "step", "file_idx", "line_no"))
        state = _fold(state, after.select("cid", *LOOP_SCHEMA), bad_new)
    accepted = pl.concat(accepted_parts) if accepted_parts else records.clear().with_columns(
        pl.lit(0, dtype=pl.Int32).alias("step"))
    versions = pl.concat(version_parts) if version_parts else pl.DataFrame()
    findings = pl.concat(finding_parts) if finding_parts else pl.DataFrame(schema=FINDING_SCHEMA)
    return Applied(accepted, versions, state, findings)


def same_contract_as(offset: int) -> pl.Expr:
    """Whether the row ``offset`` rows away is of the same contract (in a frame sorted by contract)."""
    return pl.all_horizontal([pl.col(c) == pl.col(c).shift(offset) for c in CONTRACT_KEY]).fill_null(False)


def _ranked(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records with their ``step`` (the rank of the record within its contract, by file, date,
    line) and their contract's ``cid``; and the contract keys in ``cid`` order.

    Sorted by contract, a rank is the distance to the contract's first row: a few passes over the
    frame, where a window over the string key hashes it. Only the key and order columns are
    sorted, on a u64 hash of the key (on the key itself should two contracts share a hash);
    the records keep their order.
    """
    order = ["file_idx", "event_date", "line_no"]
    row = pl.int_range(pl.len(), dtype=pl.Int32)
    starts = ~same_contract_as(1)
    narrow = records.select(*CONTRACT_KEY, *order, pl.struct(CONTRACT_KEY).hash(seed=3).alias("_h"),
                            pl.int_range(pl.len(), dtype=pl.get_index_type()).alias("_at"))
    by_hash = narrow.sort(["_h", *order])
    collision = (pl.col("_h") == pl.col("_h").shift(1)) & ~same_contract_as(1)
    if by_hash.select(collision.any()).item():
        by_hash = narrow.sort([*CONTRACT_KEY, *order])
    by_hash = by_hash.with_columns(starts.alias("_start"))
    keys = by_hash.filter("_start").select(CONTRACT_KEY)
    first = pl.when("_start").then(row).otherwise(None).forward_fill()
    cid = pl.col("_start").cum_sum().cast(pl.get_index_type()) - 1
    steps = by_hash.select("_at", (row - first).alias("step"), cid.alias("cid")).sort("_at")
    return records.with_columns(steps["step"], steps["cid"]), keys


def _fold(state: pl.DataFrame, updated: pl.DataFrame, bad_new: pl.DataFrame | None) -> pl.DataFrame:
    """Scatter the new state of contracts whose record was accepted into their rows; note
    rejected NEWs (the first rejected line stays)."""
    at = updated["cid"]
    state = state.with_columns([state[c].clone().scatter(at, updated[c]) for c in LOOP_SCHEMA])
    if bad_new is not None and bad_new.height:
        at = bad_new["cid"]
        was = state["new_rejected_line"].gather(at)
        line = pl.select(pl.coalesce(was, bad_new["rejected_line"])).to_series()
        state = state.with_columns(state["new_rejected_line"].clone().scatter(at, line))
    return state
