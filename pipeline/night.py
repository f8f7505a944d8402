"""One nightly run: intake → validate → apply → stage → commit → publish (DESIGN 2)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl

from contracts_schema import mutation, request
from pipeline import intake, publish
from pipeline.config import Config
from pipeline.findings import SCHEMA as FINDING_SCHEMA
from pipeline.intake import Delivery, Ledger
from pipeline.mutations import MutationOutcome, combine, process_mutations
from pipeline.outbox import FileResult, errors_frame, stage, summarise
from pipeline.register import Register, Transaction, locked
from pipeline.validate import RunRules

log = logging.getLogger("cki")
STAGING = ".staging"


@dataclass
class NightResult:
    """What a run did, for the operator: counts per file, never personal data."""

    run_id: str | None
    run_date: date
    results: list[FileResult] = field(default_factory=list)
    committed: bool = False
    waiting: list[str] = field(default_factory=list)


def run_rules(config: Config, run_date: date) -> RunRules:
    severity = "WARNING" if config.settings.late_records == "accept" else "ERROR"
    return RunRules(run_date, severity, {p.code: tuple(p.contract_types) for p in config.settings.participants})


def ledger_of(reg: Register) -> Ledger:
    files = reg.read("files").filter(pl.col("file_error").is_null())
    last = files.group_by("participant", "kind").agg(pl.col("seq").max())
    keys = zip(last["participant"], last["kind"], strict=True)
    return Ledger(dict(zip(files["sha256"], files["file"], strict=True)),
                  dict(zip(keys, last["seq"], strict=True)))


def evaluate(deliveries: list[Delivery], reg: Register, config: Config, run_date: date,
             run_id: str) -> tuple[list[tuple[Delivery, FileResult, pl.DataFrame]], MutationOutcome | None]:
    """Whole-file checks, then every record; returns per file its result and errors frame."""
    intake.check_all(deliveries, config, ledger_of(reg))
    muts = [(i, d) for i, d in enumerate(deliveries) if d.ok and d.kind in ("MUT", "INIT")]
    outcome = None
    if muts:
        log.info("validating and applying %d records of %d files",
                 sum(d.frame.height for _, d in muts if d.frame is not None), len(muts))
        outcome = process_mutations(combine(muts), {i: d.name for i, d in muts}, reg,
                                    run_rules(config, run_date), run_id)
    by_file = _split_by_file(outcome)
    out = []
    for i, d in enumerate(deliveries):
        if d.kind == "RAAD" and d.ok:
            continue
        out.append((d, *_file_outcome(i, d, by_file.get(i))))
    return out, outcome


def _split_by_file(outcome: MutationOutcome | None) -> dict[int, tuple[pl.DataFrame, pl.DataFrame, int]]:
    """Per file: its findings, the delivered rows those findings name, and its record count."""
    if outcome is None:
        return {}
    counts = outcome.raw.group_by("file_idx").len()
    named = outcome.raw.join(outcome.findings.select("file_idx", "line_no").unique(),
                             on=["file_idx", "line_no"], how="semi")
    findings = outcome.findings.partition_by("file_idx", as_dict=True)
    rows = named.partition_by("file_idx", as_dict=True)
    empty_f, empty_r = outcome.findings.clear(), named.clear()
    return {i: (findings.get((i,), empty_f), rows.get((i,), empty_r), n)
            for i, n in zip(counts["file_idx"], counts["len"], strict=True)}


def _file_outcome(i: int, d: Delivery, part: tuple[pl.DataFrame, pl.DataFrame, int] | None
                  ) -> tuple[FileResult, pl.DataFrame]:
    contract = request if d.kind == "RAAD" else mutation
    id_column = "request_id" if d.kind == "RAAD" else "contract_number"
    if not d.ok or part is None:
        result = FileResult(d.name, d.folder, d.kind, d.records, 0, d.records, 0, {}, d.file_error)
        empty = pl.DataFrame(schema=FINDING_SCHEMA)
        return result, errors_frame(empty, None, id_column, contract.COLUMN_NAMES)
    found, rows, records = part
    result = summarise(d.name, d.folder, d.kind, records, found)
    return result, errors_frame(found, rows, id_column, contract.COLUMN_NAMES)


def run_night(config: Config, run_date: date) -> NightResult:
    """The nightly run; exits normally even when files are rejected."""
    root = config.register
    with locked(root):
        reg = _recover(config)
        deliveries = intake.discover(config.inbox)
        waiting = [d.name for d in deliveries if d.name.split("_")[1:2] == ["RAAD"]]
        deliveries = [d for d in deliveries if d.name not in waiting]
        ran_before = run_date in reg.read("runs")["run_date"].to_list()
        if not deliveries and ran_before:
            log.info("nothing new for %s: the register is unchanged", run_date)
            return NightResult(None, run_date, waiting=waiting)
        run_id = f"{run_date:%Y%m%d}-{reg.version + 1:06d}"
        per_file, outcome = evaluate(deliveries, reg, config, run_date, run_id)
        manifest = _commit(config, reg, run_id, run_date, per_file, outcome)
        publish.carry_out(root, manifest)
        Register(root).clean()
        results = [r for _, r, _ in per_file]
        log.info("run %s committed: %d files, %d records accepted, %d rejected", run_id, len(results),
                 sum(r.accepted for r in results), sum(r.rejected for r in results))
        return NightResult(run_id, run_date, results, True, waiting)


def _recover(config: Config) -> Register:
    """Finish a committed run's publishing, then delete what a crashed run left behind."""
    reg = Register(config.register)
    if publish.pending(config.register, reg.manifest):
        log.info("finishing the publication of run %s", reg.manifest["run_id"])
        publish.carry_out(config.register, reg.manifest)
    reg.clean()
    shutil.rmtree(config.outbox / STAGING, ignore_errors=True)
    return reg


def _commit(config: Config, reg: Register, run_id: str, run_date: date,
            per_file: list[tuple[Delivery, FileResult, pl.DataFrame]],
            outcome: MutationOutcome | None) -> dict:
    tx = Transaction(reg, run_id)
    if outcome is not None:
        _write_tables(tx, reg, outcome)
    tx.append("files", _ledger_rows(run_id, per_file))
    results = [r for _, r, _ in per_file]
    tx.append("runs", pl.DataFrame([{"run_id": run_id, "run_date": run_date, "files": len(results),
                                     "records": sum(r.records for r in results),
                                     "accepted": sum(r.accepted for r in results)}]))
    staging = config.outbox / STAGING / run_id
    processed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    plan_outbox, plan_archive = [], []
    for d, result, errors in per_file:
        for staged, rel in stage(staging, result, errors, processed_at):
            plan_outbox.append([str(staged), str(config.outbox / rel)])
        plan_archive.append([str(d.path), str(_archive_path(config, d, run_date)), d.sha256])
    return tx.commit({"outbox": plan_outbox, "archive": plan_archive, "staging": str(staging)})


def _write_tables(tx: Transaction, reg: Register, outcome: MutationOutcome) -> None:
    for name, frame in outcome.tables.items():
        tx.replace(name, frame)
    for name, frame in outcome.appends.items():
        tx.append(name, frame)
    events = outcome.events
    if outcome.erased is not None and outcome.erased.height:
        kept, rewritten = _erase_events(reg, outcome.erased)
        tx.replace_events(kept, rewritten)
    if events is not None:
        tx.append_events(events)


def _erase_events(reg: Register, erased: pl.DataFrame) -> tuple[list[str], pl.DataFrame | None]:
    """Rewrite only the event parts that hold a DELETEd contract."""
    kept, rewritten = [], []
    for path in reg.files_of("events"):
        part = pl.read_parquet(path)
        hit = part.join(erased, on=["participant_code", "contract_number"], how="semi")
        if hit.height:
            rewritten.append(part.join(erased, on=["participant_code", "contract_number"], how="anti"))
        else:
            kept.append(path.name)
    return kept, pl.concat(rewritten) if rewritten else None


def _ledger_rows(run_id: str, per_file: list[tuple[Delivery, FileResult, pl.DataFrame]]) -> pl.DataFrame:
    rows = [{"run_id": run_id, "participant": d.folder, "file": d.name, "kind": d.kind, "seq": d.seq,
             "sha256": d.sha256, "status": r.status, "records": r.records, "accepted": r.accepted,
             "rejected": r.rejected, "file_error": r.file_error[0] if r.file_error else None}
            for d, r, _ in per_file]
    return pl.DataFrame(rows, schema={"run_id": pl.String, "participant": pl.String, "file": pl.String,
                                      "kind": pl.String, "seq": pl.Int64, "sha256": pl.String,
                                      "status": pl.String, "records": pl.Int64, "accepted": pl.Int64,
                                      "rejected": pl.Int64, "file_error": pl.String})


def _archive_path(config: Config, d: Delivery, run_date: date) -> Path:
    base = config.archive / "rejected" if d.file_error else config.archive
    target = base / f"{run_date:%Y-%m-%d}" / d.folder / d.name
    n = 1
    while target.exists():
        target = target.with_name(f"{d.name}.{n}")
        n += 1
    return target
