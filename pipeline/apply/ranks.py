"""Apply the night's valid records to the contracts, one rank at a time (DESIGN 2).

Step k takes the k-th record of every touched contract (ordered by file, event_date, line), joins
the contract's state, runs the state rules, and folds the accepted records into the state: one
vectorised step per rank, so the loop runs a handful of times, never once per record.

A contract with a step-k record had one at step k-1, so each step's contracts are among the last
step's: the state is held row for row beside the step's records, and folding is a horizontal
select (no scatter, no join). Step 0 holds every contract beside its register state; step k
gathers its contracts' state from step k-1's rows by position (``_prev``); a contract's state
after its last record (``_done``) is final.

Most contracts have a single record in a night (the common case of an INIT, and nearly all of a
nightly file): only the hash of their key is computed, they are not ranked, and when every
contract has one record the one step runs on the records as they are. The final state comes in
order of that hash (of the key itself should two contracts share a hash), as the register's
rows always have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from contracts_schema.codes import contract_type_table
from pipeline.register.state import CONTRACT_KEY, LINE, MT, STATE_COLUMNS, STATE_SCHEMA
from pipeline.rules.findings import SCHEMA as FINDING_SCHEMA
from pipeline.rules.findings import collect
from pipeline.rules.staterules import state_findings

CODE = pl.col("code")
LOOP_SCHEMA = {**STATE_SCHEMA, "exists": pl.Boolean(), "has_b1": pl.Boolean(), "has_b2": pl.Boolean(),
               "new_rejected_line": pl.Int64(), "erase_step": pl.Int32()}
_FLAGS = ["arrears_open", "ever_arrears", "code5_active", "code1", "code2", "code3", "code4",
          "exists", "has_b1", "has_b2"]
ORDER = ["file_idx", "event_date", "line_no"]      # a contract's records are applied in this order
HASH, PREV, DONE = "_h", "_prev", "_done"          # ranking columns the step frames carry


@dataclass
class Applied:
    """What one night's records did: accepted records (with their step), versions, findings."""

    accepted: pl.DataFrame     # records accepted, with ``step``
    versions: pl.DataFrame     # contract state after each accepted contract-changing record
    final: pl.DataFrame        # the loop state of every touched contract at the end
    findings: pl.DataFrame


def initial_state(keys: pl.DataFrame, contracts: pl.DataFrame, borrowers: pl.DataFrame,
                  rejected_new: pl.DataFrame) -> pl.DataFrame:
    """Loop state of the contracts ``keys``, row for row: register state plus borrower flags.

    The left joins from ``keys`` leave out rows of other contracts; a table without rows is not
    joined (an initial load, a night of new contracts): its columns are empty, as a join leaves them."""
    state = keys
    if contracts.height:
        current = contracts.with_columns(pl.lit(True).alias("exists"))
        state = state.join(current, on=CONTRACT_KEY, how="left", maintain_order="left")
    if borrowers.height:
        flags = borrowers.group_by(CONTRACT_KEY).agg((pl.col("borrower_no") == 1).any().alias("has_b1"),
                                                     (pl.col("borrower_no") == 2).any().alias("has_b2"))
        state = state.join(flags, on=CONTRACT_KEY, how="left", maintain_order="left")
    if rejected_new.height:
        state = state.join(rejected_new, on=CONTRACT_KEY, how="left", maintain_order="left")
    empty = [pl.lit(None, dtype=kind).alias(name) for name, kind in LOOP_SCHEMA.items()
             if name not in state.columns or name == "erase_step"]
    state = state.with_columns(empty).with_columns(pl.col(_FLAGS).fill_null(False))
    return state.select(*CONTRACT_KEY, *LOOP_SCHEMA)


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


def _step_frame(records: pl.DataFrame, before: pl.DataFrame, types: pl.DataFrame) -> pl.DataFrame:
    """The step's records beside their contracts' state ``before`` (row for row, as ``s_*``) and
    their contract type's row."""
    joined = pl.concat([records, before.select(pl.col(list(LOOP_SCHEMA)).name.prefix("s_"))], how="horizontal")
    joined = joined.with_columns(pl.col([f"s_{f}" for f in _FLAGS]).fill_null(False)).with_columns(pl.coalesce(
        pl.when((MT == "NEW") & ~pl.col("s_exists")).then(pl.col("contract_type")),
        pl.col("s_contract_type"), pl.col("contract_type")).alias("ctype"))
    return joined.join(types, left_on="ctype", right_on="ct_code", how="left", maintain_order="left")


def apply_records(records: pl.DataFrame, contracts: pl.DataFrame, borrowers: pl.DataFrame,
                  rejected_new: pl.DataFrame, run_date: date) -> Applied:
    """Run the rank loop over ``records`` (valid records with ``participant_code`` = the folder),
    from the register rows ``contracts`` and ``borrowers`` of their contracts; ``rejected_new``:
    contracts whose NEW an earlier check rejected."""
    return _apply(records, contracts, borrowers, rejected_new, run_date, rank_all=False)


def _apply(records: pl.DataFrame, contracts: pl.DataFrame, borrowers: pl.DataFrame,
           rejected_new: pl.DataFrame, run_date: date, rank_all: bool) -> Applied:
    """``apply_records``; ``rank_all`` ranks the single-record contracts too (the general path
    the tests hold the single-record path against)."""
    if records.height == 0:
        keys = records.select(CONTRACT_KEY)
        return Applied(records.with_columns(pl.lit(0, dtype=pl.Int32).alias("step")), pl.DataFrame(),
                       initial_state(keys, contracts, borrowers, rejected_new), pl.DataFrame(schema=FINDING_SCHEMA))
    types = contract_type_table()
    ranked, by_key = _ranked(records, rank_all)
    by_step = ranked.partition_by("step", as_dict=True) if ranked["step"].max() else {(0,): ranked}
    accepted_parts, version_parts, finding_parts, final_parts = [], [], [], []
    held = pl.DataFrame()
    for step in range(len(by_step)):
        rows = by_step.pop((step,))
        before = (initial_state(rows.select(CONTRACT_KEY), contracts, borrowers, rejected_new) if step == 0
                  else held.select(list(LOOP_SCHEMA)).gather(rows[PREV]))
        frame = _step_frame(rows, before, types)
        found = collect(state_findings(frame.lazy(), run_date))
        finding_parts.append(found)
        rejected = _rejected(frame, found)
        after = frame.select(_next_state(step))
        accepted_parts.append(_accepted(frame.select(*records.columns, "step"), rejected))
        changed = pl.concat([frame.select(*CONTRACT_KEY, "step", *LINE), after], how="horizontal")
        version_parts.append(_accepted(changed, rejected).filter("changes_contract")
                             .select(*CONTRACT_KEY, *STATE_COLUMNS, "step", *LINE))
        held = _held(frame, before, after, rejected)
        final_parts.append(held.filter(DONE))
    final = pl.concat(final_parts).sort(CONTRACT_KEY if by_key else HASH)
    return Applied(pl.concat(accepted_parts), pl.concat(version_parts), final.select(*CONTRACT_KEY, *LOOP_SCHEMA),
                   pl.concat(finding_parts))


def _rejected(frame: pl.DataFrame, found: pl.DataFrame) -> pl.Series | None:
    """Which of the step's records an ERROR finding rejects (None: none)."""
    errors = found.filter(pl.col("severity") == "ERROR").select(LINE).unique()
    if errors.height == 0:
        return None
    marked = frame.select(LINE).join(errors.with_columns(pl.lit(True).alias("_rejected")), on=LINE,
                                     how="left", maintain_order="left")
    return marked["_rejected"].fill_null(False)


def _accepted(frame: pl.DataFrame, rejected: pl.Series | None) -> pl.DataFrame:
    """The rows of the step's accepted records (``frame`` is row for row with the step's records)."""
    return frame if rejected is None else frame.filter(~rejected)


def _held(frame: pl.DataFrame, before: pl.DataFrame, after: pl.DataFrame, rejected: pl.Series | None) -> pl.DataFrame:
    """The state after the step, row for row with its records: the record's new state where it was
    accepted, else the state before; a rejected NEW of a contract not registered notes its line
    (the first rejected line stays)."""
    contract = frame.select(*CONTRACT_KEY, HASH, DONE)
    if rejected is None:
        return pl.concat([contract, after.select(list(LOOP_SCHEMA))], how="horizontal")
    bad_new = rejected & frame.select((MT == "NEW") & ~pl.col("s_exists")).to_series()
    both = pl.concat([before.select(list(LOOP_SCHEMA)), after.select(pl.all().name.prefix("n_")),
                      frame.select("line_no"), rejected.alias("_rejected").to_frame(),
                      bad_new.alias("_bad_new").to_frame()], how="horizontal")
    line = pl.col("new_rejected_line")         # the record does not change it: n_new_rejected_line is the same
    state = both.select(
        *[pl.when("_rejected").then(pl.col(c)).otherwise(pl.col(f"n_{c}")).alias(c)
          for c in LOOP_SCHEMA if c != "new_rejected_line"],
        pl.when("_bad_new").then(pl.coalesce(line, "line_no")).otherwise(line).alias("new_rejected_line"))
    return pl.concat([contract, state.select(list(LOOP_SCHEMA))], how="horizontal")


def same_contract_as(offset: int) -> pl.Expr:
    """Whether the row ``offset`` rows away is of the same contract (in a frame sorted by contract)."""
    return pl.all_horizontal([pl.col(c) == pl.col(c).shift(offset) for c in CONTRACT_KEY]).fill_null(False)


def _key_hash() -> pl.Expr:
    return pl.struct(CONTRACT_KEY).hash(seed=3).alias(HASH)


def _repeated(hashes: pl.Series) -> pl.Series:
    """Whether each hash comes more than once: a sort finds the repeated ones (``is_duplicated``
    hashes every row on one thread, at twice the CPU)."""
    ordered = hashes.sort()
    return hashes.is_in(ordered.filter(ordered == ordered.shift(1)).implode())


def _ranked(records: pl.DataFrame, rank_all: bool = False) -> tuple[pl.DataFrame, bool]:
    """Records with their ``step`` (the rank of the record within its contract, by file, date,
    line), ``_prev`` (where the contract's record of the step before lies among that step's
    records), ``_done`` (the contract's last record) and the key's hash ``_h``; and whether
    contracts are told apart by key, not by hash (two of them share a hash). The records keep
    their order.

    Only contracts whose hash comes twice are ranked (``rank_all``: every contract); a
    contract whose hash comes once has one record: step 0, and done.
    """
    hashes = records.select(_key_hash()).to_series()
    n = records.height
    several = pl.repeat(True, n, eager=True) if rank_all else _repeated(hashes)
    if not several.any():
        return records.with_columns(hashes, pl.lit(0, dtype=pl.Int32).alias("step"),
                                    pl.lit(None, dtype=pl.get_index_type()).alias(PREV),
                                    pl.lit(True).alias(DONE)), False
    at = pl.int_range(n, dtype=pl.get_index_type(), eager=True).alias("_at")
    ranks, by_key = _ranks(records.select(*CONTRACT_KEY, *ORDER).with_columns(hashes, at).filter(several))
    step = pl.repeat(0, n, dtype=pl.Int32, eager=True).alias("step").scatter(ranks["_at"], ranks["step"])
    # a step's records are its rows in record order: a record's place among them is its row there
    place = step.to_frame().select(pl.int_range(pl.len(), dtype=pl.get_index_type()).over("step")).to_series()
    prev = ranks.select(pl.when(pl.col("step") > 0).then(place.gather(ranks["_at"]).shift(1))).to_series()
    return records.with_columns(
        hashes, step,
        pl.repeat(None, n, dtype=pl.get_index_type(), eager=True).alias(PREV).scatter(ranks["_at"], prev),
        pl.repeat(True, n, eager=True).alias(DONE).scatter(ranks["_at"], ranks[DONE])), by_key


def _ranks(narrow: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """Per row of ``narrow`` (key, order, hash and ``_at`` of records), sorted by contract: its
    ``_at``, ``step`` and ``_done``; and whether it had to be sorted on the key.

    Sorted by contract, a rank is the distance to the contract's first row: a few passes over
    the frame, where a window over the string key hashes it. The sort is on the u64 hash (on the
    key itself should two contracts share a hash).
    """
    by_hash = narrow.sort([HASH, *ORDER])
    collision = (pl.col(HASH) == pl.col(HASH).shift(1)) & ~same_contract_as(1)
    by_key = bool(by_hash.select(collision.any()).item())
    if by_key:
        by_hash = narrow.sort([*CONTRACT_KEY, *ORDER])
    row = pl.int_range(pl.len(), dtype=pl.Int32)
    first = pl.when(~same_contract_as(1)).then(row).otherwise(None).forward_fill()
    return by_hash.select("_at", (row - first).alias("step"), (~same_contract_as(-1)).alias(DONE)), by_key
