"""One night's mutation files → every record's findings and the plan of the register's changes.

``MutationNight`` takes the accepted files in delivery order, applies them chunk by chunk and,
after the last, returns what the night found (``Checked``) and what it changes (a
``register.plan.Plan``): it writes no register file itself. What it cannot hold in memory (a
national initial load) it hands to the transaction's ``Holding``, and the plan names those parts.
Each chunk: validate (``rules``), rank and apply (``ranks``), give every contract it leaves live
its id (``contract_ids``), attach persons and borrowers (``linking``), then the contracts, their
closed versions (``versions``), codes (``codes``) and events (``events``); the new rows of
contracts, borrowers and codes carry their contract's id.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import polars as pl
import polars.selectors as cs

from contracts_schema import mutation
from pipeline.apply.chunking import chunk_records, chunks, spill_rows, tagged
from pipeline.apply.codes import code_ends, code_rows, kept_codes
from pipeline.apply.contractids import contract_ids, join_columns, with_ids
from pipeline.apply.events import NightEvents
from pipeline.apply.keyedtable import KeyedTable, hashed_keys, key_hash
from pipeline.apply.linking import PersonLinks
from pipeline.apply.nightpersons import NightPersons
from pipeline.apply.ranks import Applied, apply_records
from pipeline.apply.tonight import StoredTable, touch_all
from pipeline.apply.versions import closed_versions
from pipeline.intake import Delivery
from pipeline.ops import progress
from pipeline.ops.logs import fields
from pipeline.register.erase import purged_as_expired
from pipeline.register.plan import Append, Patch, Plan, TableChange, no_erasure, no_rows
from pipeline.register.state import (
    ADDRESSES_SCHEMA,
    CONTRACT_ID,
    CONTRACT_KEY,
    CONTRACTS_SCHEMA,
    HISTORY_SCHEMA,
    LINE,
    MT,
    PERSONS_SCHEMA,
)
from pipeline.register.store import Register
from pipeline.register.transaction import Holding
from pipeline.rules.findings import SCHEMA as FINDING_SCHEMA
from pipeline.rules.findings import one_per_cell
from pipeline.rules.parse import BAD_PREFIX, to_typed
from pipeline.rules.validate import RunRules, record_findings

log = logging.getLogger("cki")


@dataclass(frozen=True)
class Checked:
    """Every finding of the night's mutation records, and the delivered rows they name (for the
    errors files)."""

    raw: pl.DataFrame
    findings: pl.DataFrame


def validate_mutations(raw: pl.DataFrame, rules: RunRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed records and the per-record findings."""
    typed = to_typed(raw, mutation.COLUMNS, ("file_idx", "line_no", "participant", "kind"))
    return typed, one_per_cell(record_findings(typed, raw, rules))


class MutationNight:
    """The night's mutation files applied chunk by chunk onto the register.

    Only the rows of the contracts the night touches are read and held (``StoredTable``); the
    persons are resolved once, after the last chunk (``NightPersons``). With no ``holding`` (a
    dry run) nothing is held on disk and no events are kept.
    """

    def __init__(self, reg: Register, rules: RunRules, run_id: str, holding: Holding | None) -> None:
        self.reg, self.rules, self.run_id, self.holding = reg, rules, run_id, holding
        self.contracts = StoredTable(reg, "contracts", CONTRACT_KEY)
        self.borrowers = StoredTable(reg, "borrowers", CONTRACT_KEY)
        self.codes = StoredTable(reg, "codes", CONTRACT_KEY)
        self.history = KeyedTable(pl.DataFrame(schema=HISTORY_SCHEMA))     # tonight's closed versions
        self.persons = NightPersons(holding, spill_rows(), reg.next_person_id())   # new and reported tonight
        self.links = PersonLinks(reg, self.persons, self.borrowers)
        self.events = NightEvents(holding, run_id)
        self.next_contract_id = reg.next_contract_id() or 1     # 1: a dry run on a register not numbered yet
        self.findings: list[pl.DataFrame] = []
        self.named_rows: list[pl.DataFrame] = []                             # delivered rows with findings
        self.erased: list[pl.DataFrame] = []                                 # keys and the chunk that erased them
        self.names: dict[int, str] = {}
        self.pending: list[pl.DataFrame] = []                                # text not yet applied
        self.pending_records = 0
        self.chunk_no = 0

    def add_file(self, idx: int, d: Delivery) -> None:
        """Take one accepted file's records; they are applied once a chunk's worth has gathered.

        Files are applied in delivery order, so gathering several small files into one chunk
        gives the same result as applying them one by one, at a fraction of the fixed cost.
        """
        if d.frame is None:
            return
        self.pending.append(tagged(idx, d.frame, d))
        d.frame = None
        self.names[idx] = d.name
        self.pending_records += d.records
        progress.queued(d.records)
        if self.pending_records >= chunk_records():
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        raw = pl.concat(self.pending, how="vertical")
        self.pending, self.pending_records = [], 0
        parts = chunks(raw)
        del raw
        log.info("applying %d records in %d chunk(s)", parts.records, len(parts),
                 extra=fields("applying", show="plain", records=parts.records, chunks=len(parts)))
        for part in parts:
            start = time.perf_counter()
            progress.applying(self.chunk_no + 1)
            self._chunk(part)
            progress.applied(part.height, self.chunk_no, time.perf_counter() - start)
            del part
            self._spill_when_full()

    def _spill_when_full(self) -> None:
        """Hand tonight's rows to the transaction once a spill's worth is held, after each chunk:
        a file of several chunks (a load's largest) then never holds more than a spill and a chunk
        (decision 124)."""
        if self.holding is not None and self.contracts.held() >= spill_rows():
            for table in (self.contracts, self.borrowers, self.codes):
                table.spill(self.holding)

    def _chunk(self, raw: pl.DataFrame) -> None:
        typed, found = validate_mutations(raw, self.rules)
        valid, rejected_new = _valid(typed, found)
        del typed
        keys = hashed_keys(valid)
        for table in (self.contracts, self.borrowers, self.codes):
            table.before_reading(keys)
        touch_all([self.contracts, self.borrowers, self.codes], keys)
        current = self.contracts.rows_of(keys)
        applied = apply_records(valid, current, self.borrowers.rows_of(keys), rejected_new, self.rules.run_date)
        erase = applied.final.filter(pl.col("erase_step").is_not_null()).select(*CONTRACT_KEY, "erase_step")
        erase_keys = hashed_keys(erase)
        accepted = _after_erasure(applied.accepted, erase)
        purged = purged_as_expired(applied.findings, valid, self.reg.scan("purges"), self.reg.purge_secret())
        live = applied.final.filter("exists")
        ids, self.next_contract_id = contract_ids(live, current, join_columns(keys), self.next_contract_id)
        found = pl.concat([found, purged, self.links.link(accepted, keys, erase_keys, ids)])
        self._contracts(applied, live.with_columns(ids[CONTRACT_ID]), current, keys, erase)
        self._codes(accepted, erase_keys, ids)
        if erase.height:
            self.history.drop(erase_keys)
            chunk_no = pl.lit(self.chunk_no, dtype=pl.Int32).alias("chunk_no")
            self.erased.append(erase.select(CONTRACT_KEY).with_columns(chunk_no))
        self.events.add(accepted, self._file_of(), self.chunk_no)
        changed = applied.accepted.select(key_hash())     # a key with only rejected records keeps its rows
        for table in (self.contracts, self.borrowers, self.codes):
            table.settle(changed)
        self.findings.append(found)
        self.named_rows.append(raw.join(found.select(LINE).unique(), on=LINE, how="semi"))
        self.chunk_no += 1

    def _contracts(self, applied: Applied, live: pl.DataFrame, current: pl.DataFrame, keys: pl.DataFrame,
                   erase: pl.DataFrame) -> None:
        """New current state (``live``: the final state of the chunk's live contracts, with their
        ids), and the closed versions for the history (validity intervals)."""
        self.contracts.drop(keys)
        self.contracts.add(live.select(list(CONTRACTS_SCHEMA)))
        closed = closed_versions(applied, current, erase)
        if closed is not None:
            self.history.add(closed)

    def _codes(self, accepted: pl.DataFrame, erase_keys: pl.DataFrame, ids: pl.DataFrame) -> None:
        """Codes with their dates and their contract's id; CODE_END removes the contract's code 5 (SPEC 1)."""
        ends = code_ends(accepted)
        self.codes.drop(erase_keys)
        self.codes.drop(hashed_keys(ends), where=pl.col("code") == "5")
        self.codes.add(with_ids(kept_codes(code_rows(accepted, self._file_of(), self.run_id), ends), ids))

    def _file_of(self) -> pl.Expr:
        """The delivered file's name of each record."""
        return pl.col("file_idx").replace_strict(self.names, return_dtype=pl.String)

    def finish(self) -> tuple[Checked, Plan]:
        """The night's findings, and the plan of the register tables it changes."""
        self._flush()
        erased = (pl.concat(self.erased) if self.erased
                  else pl.DataFrame(schema={**dict.fromkeys(CONTRACT_KEY, pl.String), "chunk_no": pl.Int32}))
        named = pl.concat(self.named_rows, how="vertical") if self.named_rows else pl.DataFrame()
        findings = pl.concat(self.findings) if self.findings else pl.DataFrame(schema=FINDING_SCHEMA)
        changes: dict[str, TableChange] = {name: table.release() for name, table in
                   (("contracts", self.contracts), ("codes", self.codes), ("borrowers", self.borrowers))}
        changes["persons"], changes["addresses"] = self._resolve_persons()
        changes["contract_history"] = Append(self.history.table())
        events = self.events.change(erased)
        if events is not None:
            changes["events"] = events
        deleted = erased.select(CONTRACT_KEY).unique()
        return Checked(named, findings), Plan(changes, replace(no_erasure(), deleted=deleted), self.persons.next_id,
                                              next_contract_id=self.next_contract_id)

    def _resolve_persons(self) -> tuple[Patch, Append]:
        """Fold every person report of the night into its person: the persons and the addresses."""
        progress.note("resolving persons")
        resolved, persons = self.persons.resolve(self.reg)
        held: tuple[str, ...] = ()
        if self.holding is not None and self.persons.reported:
            held, rows = (self.holding.part_of_frames("persons", persons),), pl.DataFrame(schema=PERSONS_SCHEMA)
        else:
            rows = pl.concat([pl.DataFrame(schema=PERSONS_SCHEMA), *persons], how="vertical_relaxed")
        gone = pl.concat(resolved.superseded) if resolved.superseded else no_rows()
        addresses = (pl.concat(resolved.addresses) if resolved.addresses
                     else pl.DataFrame(schema=ADDRESSES_SCHEMA))
        return Patch(gone, rows, held), Append(addresses)


def _valid(typed: pl.DataFrame, found: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The records no finding rejects, ready to apply; and per contract whose NEW a finding
    rejected, its first rejected line."""
    bad = found.filter(pl.col("severity") == "ERROR").select(LINE).unique()
    valid = typed.drop(cs.starts_with(BAD_PREFIX)).with_columns(       # validation's own columns go
        pl.col("participant").alias("participant_code"), pl.col("borrower_no").fill_null(1))
    if bad.height:
        valid = valid.join(bad, on=LINE, how="anti")
    rejected_new = (typed.join(bad, on=LINE, how="semi")
                    .filter((MT == "NEW") & pl.col("contract_number").is_not_null())
                    .group_by(pl.col("participant").alias("participant_code"), "contract_number")
                    .agg(pl.col("line_no").min().alias("new_rejected_line")))
    return valid, rejected_new


def _erased_before(accepted: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame:
    """Lines of records that a later DELETE of the same night erased (the DELETE itself stays)."""
    return (accepted.join(erase, on=CONTRACT_KEY).filter(pl.col("step") < pl.col("erase_step"))
            .select(LINE))


def _after_erasure(accepted: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame:
    if erase.height == 0:
        return accepted
    return accepted.join(_erased_before(accepted, erase), on=LINE, how="anti")
