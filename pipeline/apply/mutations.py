"""One night's mutation files → findings and the register's new tables, applied in chunks."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl
import polars.selectors as cs

from contracts_schema import mutation
from contracts_schema.columns import PERSON_FIELDS
from pipeline.apply.nightpersons import NightPersons, ScratchSink
from pipeline.apply.persons import (
    MATCH,
    attach,
    id_bucket,
    reported_addresses,
)
from pipeline.apply.ranks import Applied, apply_records, same_contract_as
from pipeline.apply.tonight import KeyedTable, PartSink, StoredTable, hashed_keys, touch_all
from pipeline.intake import Delivery
from pipeline.ops import progress
from pipeline.ops.logs import fields
from pipeline.register.erase import Erasure, no_keys, purged_as_expired
from pipeline.register.state import (
    ADDRESSES_SCHEMA,
    CONTRACT_KEY,
    CONTRACTS_SCHEMA,
    HISTORY_SCHEMA,
    LINE,
    MT,
    PERSONS_SCHEMA,
    STATE_COLUMNS,
)
from pipeline.register.store import DATA, PART, ROW, Register
from pipeline.rules.findings import SCHEMA as FINDING_SCHEMA
from pipeline.rules.findings import one_per_cell
from pipeline.rules.normalize import with_match_keys
from pipeline.rules.parse import BAD_PREFIX, to_typed
from pipeline.rules.validate import RunRules, record_findings

log = logging.getLogger("cki")
CHUNK_RECORDS = 500_000
SPILL_ROWS = 1_000_000        # tonight's contract rows held before they are written as a part
EVENT_COLUMNS = ["run_id", "file", "line_no", "participant_code", *[c for c in mutation.COLUMN_NAMES
                                                                   if c != "participant_code"]]


@dataclass
class MutationOutcome:
    """Findings per line, and the register tables this night changes."""

    raw: pl.DataFrame                                                 # delivered rows with findings
    findings: pl.DataFrame
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)     # replaced whole
    appends: dict[str, pl.DataFrame] = field(default_factory=dict)    # appended parts
    updates: dict[str, tuple[pl.DataFrame, pl.DataFrame, list[str]]] = field(default_factory=dict)
    # per table: (committed rows superseded, tonight's rows, tonight's parts written already)
    erased: pl.DataFrame | None = None                                # contract keys DELETEd
    expired: pl.DataFrame | None = None                               # contract keys retention ends
    erased_persons: pl.DataFrame | None = None                        # person ids left with nothing
    consultations_purged: int = 0                                     # consultation records retention ends
    next_person_id: int | None = None                                 # after tonight's new persons

    def table(self, reg: Register, name: str) -> pl.LazyFrame:
        """A register table as it stands after tonight's changes (before the commit), lazily:
        without what tonight erases."""
        return self.erasure().kept(name, self.written_table(reg, name))

    def written_table(self, reg: Register, name: str) -> pl.LazyFrame:
        """The table as tonight writes it, before the erasure."""
        if name in self.tables:
            return self.tables[name].lazy()
        gone, rows, written = self.updates.get(name, (None, None, []))
        parts = [reg.scan(name, gone, written)]
        if rows is not None:
            parts.append(rows.lazy())
        if name in self.appends:
            parts.append(self.appends[name].lazy())
        return pl.concat(parts, how="vertical_relaxed") if len(parts) > 1 else parts[0]

    def release(self) -> None:
        """Let go of tonight's rows once the transaction has written them."""
        self.tables.clear()
        self.updates.clear()
        self.appends.clear()

    def erasure(self) -> Erasure:
        """What tonight erases, as the plan the commit carries out."""
        return Erasure(self.erased if self.erased is not None else no_keys(),
                       self.expired if self.expired is not None else no_keys(),
                       self.erased_persons if self.erased_persons is not None
                       else pl.DataFrame(schema={"person_id": pl.Int64}))


def tagged(i: int, frame: pl.DataFrame, d: Delivery) -> pl.DataFrame:
    """A file's text frame with the file_idx, participant and kind every rule reads."""
    return frame.with_columns(pl.lit(i, dtype=pl.Int32).alias("file_idx"),
                              pl.lit(d.folder).alias("participant"), pl.lit(d.kind).alias("kind"))


def combine(files: list[tuple[int, Delivery]]) -> pl.DataFrame:
    """Several files of the night as one tagged text frame."""
    return pl.concat([tagged(i, d.frame, d) for i, d in files if d.frame is not None], how="vertical")


def validate_mutations(raw: pl.DataFrame, rules: RunRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed records and the per-record findings."""
    typed = to_typed(raw, mutation.COLUMNS, ("file_idx", "line_no", "participant", "kind"))
    return typed, one_per_cell(record_findings(typed, raw, rules))


class EventSink(PartSink, ScratchSink, Protocol):
    """Where a chunk's events go at once, so a night never holds them all (the Transaction)."""

    def append_events(self, frame: pl.DataFrame) -> str | None: ...

    def write_frames(self, name: str, frames: Iterable[pl.DataFrame]) -> str: ...

    def rewrite_events(self, name: str, frame: pl.DataFrame) -> None: ...


def chunk_records() -> int:
    """Records per chunk: memory follows this, not the night (``CKI_CHUNK_RECORDS`` for tests)."""
    return max(1, int(os.environ.get("CKI_CHUNK_RECORDS", CHUNK_RECORDS)))


def spill_rows() -> int:
    """Contract rows a night holds before it writes them out (``CKI_SPILL_ROWS`` for tests)."""
    return max(1, int(os.environ.get("CKI_SPILL_ROWS", SPILL_ROWS)))


def chunks(raw: pl.DataFrame) -> list[pl.DataFrame]:
    """A file's records in chunks by a hash of the contract number.

    All records of a contract (and so every duplicate row) fall in one chunk, and chunks run in
    order, so the result is the same as applying the file at once.
    """
    n = max(1, round(raw.height / chunk_records()))      # a chunk holds 0.5 to 1.5 chunk_records
    if n <= 1:
        return [raw]
    bucket = (pl.col("contract_number").hash(seed=11) % n).alias("chunk")
    parts = raw.with_columns(bucket).partition_by("chunk", include_key=False, as_dict=True)
    return [parts[(b,)] for b in range(n) if (b,) in parts]


class MutationNight:
    """The night's mutation files applied chunk by chunk onto the register.

    Only the rows of the contracts the night touches are read and held (``StoredTable``); the
    persons are resolved once, after the last chunk (``NightPersons``).
    """

    def __init__(self, reg: Register, rules: RunRules, run_id: str, sink: EventSink | None) -> None:
        self.reg, self.rules, self.run_id, self.sink = reg, rules, run_id, sink
        self.contracts = StoredTable(reg, "contracts", CONTRACT_KEY)
        self.borrowers = StoredTable(reg, "borrowers", CONTRACT_KEY)
        self.codes = StoredTable(reg, "codes", CONTRACT_KEY)
        self.history = KeyedTable(pl.DataFrame(schema=HISTORY_SCHEMA))     # tonight's closed versions
        self.persons = NightPersons(sink, spill_rows(), reg.next_person_id())   # new and reported tonight
        self.persons_committed = bool(reg.manifest.tables.get("persons"))
        self.addresses: list[pl.DataFrame] = []               # reported tonight for registered persons
        self.findings: list[pl.DataFrame] = []
        self.named_rows: list[pl.DataFrame] = []                             # delivered rows with findings
        self.erased: list[pl.DataFrame] = []                                 # keys and the chunk that erased them
        self.event_parts: list[tuple[str, int]] = []
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
        records = sum(p.height for p in parts)
        log.info("applying %d records in %d chunk(s)", records, len(parts),
                 extra=fields("applying", show="plain", records=records, chunks=len(parts)))
        while parts:
            start, part = time.perf_counter(), parts.pop(0)
            progress.applying(self.chunk_no + 1)
            self._chunk(part)
            progress.applied(part.height, self.chunk_no, time.perf_counter() - start)
        if self.sink is not None and self.contracts.held() >= spill_rows():
            for table in (self.contracts, self.borrowers, self.codes):
                table.spill(self.sink)

    def _chunk(self, raw: pl.DataFrame) -> None:
        typed, found = validate_mutations(raw, self.rules)
        bad = found.filter(pl.col("severity") == "ERROR").select(LINE).unique()
        valid = typed.drop(cs.starts_with(BAD_PREFIX)).with_columns(       # validation's own columns go
            pl.col("participant").alias("participant_code"), pl.col("borrower_no").fill_null(1))
        if bad.height:
            valid = valid.join(bad, on=LINE, how="anti")
        rejected_new = (typed.join(bad, on=LINE, how="semi")
                        .filter((MT == "NEW") & pl.col("contract_number").is_not_null())
                        .group_by(pl.col("participant").alias("participant_code"), "contract_number")
                        .agg(pl.col("line_no").min().alias("new_rejected_line")))
        del typed
        keys = hashed_keys(valid)
        touch_all([self.contracts, self.borrowers, self.codes], keys)
        current = self.contracts.rows_of(keys)
        applied = apply_records(valid, current, self.borrowers.rows_of(keys), rejected_new, self.rules.run_date)
        erase = applied.final.filter(pl.col("erase_step").is_not_null()).select(*CONTRACT_KEY, "erase_step")
        erase_keys = hashed_keys(erase)
        accepted = _after_erasure(applied.accepted, erase)
        purged = purged_as_expired(applied.findings, valid, self.reg.scan("purges"), self.reg.purge_secret())
        found = pl.concat([found, purged, self._persons_and_borrowers(accepted, keys, erase_keys)])
        self._contracts(applied, current, keys, erase)
        self._codes(accepted, erase_keys)
        if erase.height:
            self.history.drop(erase_keys)
            chunk_no = pl.lit(self.chunk_no, dtype=pl.Int32).alias("chunk_no")
            self.erased.append(erase.select(CONTRACT_KEY).with_columns(chunk_no))
        self._events(applied.accepted, erase)
        self.findings.append(found)
        self.named_rows.append(raw.join(found.select(LINE).unique(), on=LINE, how="semi"))
        self.chunk_no += 1

    def _persons_and_borrowers(self, accepted: pl.DataFrame, keys: pl.DataFrame,
                               erase_keys: pl.DataFrame) -> pl.DataFrame:
        """Attach NEW rows to registered or new persons, record their borrower links, and hand
        the person reports to the night's resolution; warnings."""
        new = with_match_keys(accepted.filter(MT == "NEW"))
        near = self._persons_matching(new)
        result = attach(new, near, self._addresses_of(near))
        new = new.with_columns(self.persons.person_ids(result.rows))
        self.borrowers.drop(erase_keys)
        links = new.select(*CONTRACT_KEY, "borrower_no", "person_id", pl.col("event_date").alias("valid_from"))
        self.borrowers.add(links)
        link = self.borrowers.rows_of(keys).select(*CONTRACT_KEY, "borrower_no", "person_id")
        reports_person = pl.any_horizontal(pl.col(PERSON_FIELDS).is_not_null())
        changes = accepted.filter((MT == "CHANGE") & reports_person).join(link, on=[*CONTRACT_KEY, "borrower_no"])
        deaths = accepted.filter(MT == "DECEASED").join(link, on=[*CONTRACT_KEY, "borrower_no"])
        order = ["person_id", "event_date", "file_idx", "line_no"]
        updates = pl.concat([new.select(*order, *PERSON_FIELDS), changes.select(*order, *PERSON_FIELDS)])
        bucket = id_bucket(pl.col("person_id"))
        self.persons.add(updates.with_columns(bucket), deaths.select("person_id", "event_date", bucket))
        if self.persons_committed:     # for namesakes in later chunks: registered persons' new addresses
            self.addresses.append(reported_addresses(updates.filter(pl.col("person_id") < self.persons.first_id)))
        return result.warnings.collect().cast(FINDING_SCHEMA)

    def _persons_matching(self, new: pl.DataFrame) -> pl.DataFrame:
        """Every registered person with the match key of a NEW row."""
        if not self.persons_committed or new.height == 0:
            return pl.DataFrame(schema={c: PERSONS_SCHEMA[c] for c in ["person_id", *MATCH]})
        wanted = new.select(MATCH).unique()
        return (self.reg.scan("persons").select("person_id", *MATCH)
                .join(wanted.lazy(), on=MATCH, how="semi").collect())

    def _addresses_of(self, persons: pl.DataFrame) -> pl.DataFrame:
        """The known addresses (committed and reported tonight) of ``persons``."""
        mine = pl.col("person_id").is_in(persons["person_id"].implode())
        committed = self.reg.scan("addresses").filter(mine).collect()
        return pl.concat([committed, *[a.filter(mine) for a in self.addresses]], how="vertical_relaxed")

    def _contracts(self, applied: Applied, current: pl.DataFrame, keys: pl.DataFrame,
                   erase: pl.DataFrame) -> None:
        """New current state, and the closed versions for the history (validity intervals)."""
        self.contracts.drop(keys)
        self.contracts.add(applied.final.filter("exists").select(list(CONTRACTS_SCHEMA)))
        versions = applied.versions
        if versions.height == 0:
            return
        # only a contract that existed before the chunk or changed twice in it closes a version
        chained = pl.concat([current.select(CONTRACT_KEY),
                             versions.filter(pl.col("step") > 0).select(CONTRACT_KEY)]).unique()
        versions = versions.join(chained, on=CONTRACT_KEY, how="semi")
        if versions.height == 0:
            return
        versions = versions.join(erase, on=CONTRACT_KEY, how="left").filter(
            pl.col("erase_step").is_null() | (pl.col("step") > pl.col("erase_step")))
        before = (current.join(versions.select(CONTRACT_KEY).unique(), on=CONTRACT_KEY, how="semi")
                  .join(erase, on=CONTRACT_KEY, how="anti").with_columns(pl.lit(-1, dtype=pl.Int32).alias("step")))
        chain = pl.concat([before, versions.select(*CONTRACT_KEY, *STATE_COLUMNS, "step")], how="vertical_relaxed")
        chain = chain.sort([*CONTRACT_KEY, "step"]).with_columns(
            pl.when(same_contract_as(-1)).then(pl.col("valid_from").shift(-1)).alias("valid_to"))
        self.history.add(chain.filter(pl.col("valid_to").is_not_null()).drop("step"))

    def _codes(self, accepted: pl.DataFrame, erase_keys: pl.DataFrame) -> None:
        """Codes with their dates; CODE_END removes the contract's code 5 (SPEC 1)."""
        coded = accepted.filter(MT.is_in(["NEW", "CODE"]) & pl.col("code").is_not_null())
        new = coded.select(*CONTRACT_KEY, "code", pl.col("event_date").alias("code_date"), "arrears_since",
                           "arrears_amount", "written_off_amount", "final_discharge",
                           pl.lit(self.run_id).alias("run_id"), self._file_of().alias("file"), "line_no", "step")
        ends = (accepted.filter(MT == "CODE_END").group_by(CONTRACT_KEY)
                .agg(pl.col("step").max().alias("end_step")))
        self.codes.drop(erase_keys)
        self.codes.drop(hashed_keys(ends), where=pl.col("code") == "5")
        removed = (pl.col("code") == "5") & (pl.col("step") < pl.col("end_step")).fill_null(False)
        self.codes.add(new.join(ends, on=CONTRACT_KEY, how="left").filter(~removed))

    def _file_of(self) -> pl.Expr:
        """The delivered file's name of each record."""
        return pl.col("file_idx").replace_strict(self.names, return_dtype=pl.String)

    def _events(self, accepted: pl.DataFrame, erase: pl.DataFrame) -> None:
        if self.sink is None:
            return
        events = _after_erasure(accepted, erase).with_columns(self._file_of().alias("file"),
                                                              pl.lit(self.run_id).alias("run_id"))
        events = events.sort(LINE).select(EVENT_COLUMNS)
        name = self.sink.append_events(events)
        if name is not None:
            self.event_parts.append((name, self.chunk_no))

    def finish(self) -> MutationOutcome:
        """The night's findings and the register tables it changes."""
        self._flush()
        erased = (pl.concat(self.erased) if self.erased
                  else pl.DataFrame(schema={**dict.fromkeys(CONTRACT_KEY, pl.String), "chunk_no": pl.Int32}))
        self._erase_tonights_events(erased)
        named = pl.concat(self.named_rows, how="vertical") if self.named_rows else pl.DataFrame()
        findings = pl.concat(self.findings) if self.findings else pl.DataFrame(schema=FINDING_SCHEMA)
        erase = erased.select(CONTRACT_KEY).unique()
        out = MutationOutcome(named, findings, erased=erase)
        stored = {"contracts": self.contracts, "codes": self.codes, "borrowers": self.borrowers}
        out.updates = {name: table.release() for name, table in stored.items()}
        self._resolve_persons(out)
        out.next_person_id = self.persons.next_id
        out.appends["contract_history"] = self.history.table()
        return out

    def _resolve_persons(self, out: MutationOutcome) -> None:
        """Fold every person report of the night into its person; the persons and addresses."""
        progress.note("resolving persons")
        resolved, persons = self.persons.resolve(self.reg)
        if self.sink is not None and self.persons.reported:
            written, rows = [self.sink.write_frames("persons", persons)], pl.DataFrame(schema=PERSONS_SCHEMA)
        else:
            written, rows = [], pl.concat([pl.DataFrame(schema=PERSONS_SCHEMA), *persons], how="vertical_relaxed")
        gone = (pl.concat(resolved.superseded) if resolved.superseded
                else pl.DataFrame(schema={PART: pl.String, ROW: pl.get_index_type()}))
        out.updates["persons"] = (gone, rows, written)
        out.appends["addresses"] = (pl.concat(resolved.addresses) if resolved.addresses
                                    else pl.DataFrame(schema=ADDRESSES_SCHEMA))

    def _erase_tonights_events(self, erased: pl.DataFrame) -> None:
        """Events of earlier chunks of contracts that a later chunk's DELETE erased."""
        if self.sink is None or erased.height == 0:
            return
        for name, chunk_no in self.event_parts:
            later = erased.filter(pl.col("chunk_no") > chunk_no).select(CONTRACT_KEY).unique()
            if later.height == 0:
                continue
            part = pl.read_parquet(self.reg.root / DATA / name)
            kept = part.join(later, on=CONTRACT_KEY, how="anti")
            if kept.height != part.height:
                self.sink.rewrite_events(name, kept)


def _erased_before(accepted: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame:
    """Lines of records that a later DELETE of the same night erased (the DELETE itself stays)."""
    return (accepted.join(erase, on=CONTRACT_KEY).filter(pl.col("step") < pl.col("erase_step"))
            .select(LINE))


def _after_erasure(accepted: pl.DataFrame, erase: pl.DataFrame) -> pl.DataFrame:
    if erase.height == 0:
        return accepted
    return accepted.join(_erased_before(accepted, erase), on=LINE, how="anti")
