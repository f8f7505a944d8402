"""Tonight's writes: the plan carried out, the return files staged, the ledger and the run
recorded, and the commit with its publication plan (DESIGN 2, decisions 50-53, 118)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from pipeline.config import Config
from pipeline.intake import Delivery
from pipeline.night.barometers import BarometerUpdate, barometer_plan
from pipeline.night.evaluate import Consulted, FileOutcome
from pipeline.ops.logs import fields
from pipeline.outbox import answers, scrub
from pipeline.outbox.returns import STAGING, stage
from pipeline.register import retention
from pipeline.register.manifest import Manifest, PublishPlan
from pipeline.register.plan import Append, Plan
from pipeline.register.transaction import Transaction

log = logging.getLogger("cki")
STAGING_THREADS = 4


def write_night(tx: Transaction, run_id: str, run_date: date, per_file: list[FileOutcome],
                 plan: Plan, consulted: Consulted | None) -> tuple[Plan, pl.DataFrame]:
    """Carry out tonight's plan, with the consultation log, and let go of its rows; the archived
    deliveries that held expired contracts (read from the events before the erasure)."""
    events = plan.changes.get("events")
    tonight = events.held if isinstance(events, Append) else ()
    held = scrub.files_of_expired(tx.register, tonight, plan.erasure.expired)
    if consulted is not None:
        plan = plan.appended("consultations", _consultation_log(consulted, per_file, run_id, run_date))
    tx.carry_out(plan, run_date)
    return plan.released(), held


@dataclass
class Staged:
    """Tonight's return files written into staging, and where the publication takes them."""

    staging: Path
    outbox: list[tuple[Path, Path]]                  # (staged, published)
    archive: list[tuple[Path, Path, str | None]]     # (delivery, archived, its sha256)
    expire: list[Path]                               # return files ``outbox_days`` ends tonight


def stage_returns(config: Config, tx: Transaction, run_id: str, run_date: date,
                  per_file: list[FileOutcome]) -> Staged:
    """Name every delivery's answer, record the ledger and the run, and stage the return files."""
    names, expire = _record_answers(config, tx, run_id, run_date, per_file)
    results = [f.result for f in per_file]
    tx.append("runs", pl.DataFrame([{"run_id": run_id, "run_date": run_date, "files": len(results),
                                     "records": sum(r.records for r in results),
                                     "accepted": sum(r.accepted for r in results)}]))
    staged = Staged(config.outbox / STAGING / run_id, [], [], expire)
    processed_at = datetime.now(UTC).isoformat(timespec="seconds")
    with ThreadPoolExecutor(max_workers=STAGING_THREADS) as pool:     # mostly fsync waits
        xlsx = config.settings.outputs.errors_xlsx
        staged_files = list(pool.map(lambda f, name: stage(staged.staging, f.result, f.errors, processed_at, f.extra,
                                                           name, xlsx), per_file, names))
    for f, name, files in zip(per_file, names, staged_files, strict=True):
        staged.outbox += [(path, config.outbox / rel) for path, rel in files]
        staged.archive.append((f.delivery.path, _archive_path(config, f.delivery, run_date, name), f.delivery.sha256))
    return staged


def commit(config: Config, tx: Transaction, staged: Staged, plan: Plan, barometers: BarometerUpdate | None,
           held: pl.DataFrame) -> Manifest:
    """Stage the barometers, plan the scrub of what tonight erased, and commit."""
    outbox = list(staged.outbox)
    if barometers is not None:
        for name, frame in barometers.rows.items():
            tx.append(name, frame)
        outbox += barometer_plan(config, staged.staging, barometers)
    scrubbed = scrub.plan(config, plan.erasure, tx.run_id, held, staged.archive, [t for _, t in outbox])
    return tx.commit(PublishPlan(outbox, staged.archive, staged.staging, staged.expire, scrubbed))


def _record_answers(config: Config, tx: Transaction, run_id: str, run_date: date,
                    per_file: list[FileOutcome]) -> tuple[list[str], list[Path]]:
    """Name every delivery's answer (decision 50), record the names in the ledger, and list the
    return files that ``outbox_days`` ends tonight (decision 53): deleted by the publication."""
    ledger, legacy = answers.recorded(tx.register)
    published = answers.published(config.outbox)
    deliveries = [f.delivery for f in per_file]
    folders = {d.folder for d in deliveries}
    taken = answers.taken(ledger, published, answers.archived(config.archive, run_date, folders), folders)
    names = answers.choose(deliveries, taken)
    rows = _ledger_rows(run_id, per_file, names)
    if legacy:          # a register from before files.answer gets the column once (decision 51)
        tx.replace("files", pl.concat([ledger.select(rows.columns).cast(rows.schema), rows]))
    else:
        tx.append("files", rows)
    dated = answers.dated(ledger, tx.register.read("runs"))
    expire = [Path(p) for p in retention.expired_answers(published, dated, config.outbox, run_date,
                                                         config.settings.outbox_days)]
    if expire:
        log.info("retention: %d return files reach outbox_days", len(expire),
                 extra=fields("retention_return_files", count=len(expire)))
    return names, expire


def _consultation_log(consulted: Consulted, per_file: list[FileOutcome], run_id: str,
                      run_date: date) -> pl.DataFrame:
    """The access protocol: who consulted whom, when and why (SPEC 5.1)."""
    names = {i: f.delivery.name for i, f in enumerate(per_file)}
    return consulted.answers.log.with_columns(
        pl.lit(run_id).alias("run_id"), pl.lit(run_date).alias("consulted_on"),
        pl.col("file_idx").replace_strict(names, return_dtype=pl.String).alias("file"),
        pl.col("participant").alias("participant_code"))


def _ledger_rows(run_id: str, per_file: list[FileOutcome], names: list[str]) -> pl.DataFrame:
    """One ledger row per delivery, with the name its answer got (``answer``)."""
    rows = [{"run_id": run_id, "participant": f.delivery.folder, "file": f.delivery.name,
             "kind": f.delivery.kind, "seq": f.delivery.seq, "sha256": f.delivery.sha256,
             "status": f.result.status, "records": f.result.records, "accepted": f.result.accepted,
             "rejected": f.result.rejected, "file_error": f.result.file_error[0] if f.result.file_error else None,
             "answer": name}
            for f, name in zip(per_file, names, strict=True)]
    return pl.DataFrame(rows, schema={"run_id": pl.String, "participant": pl.String, "file": pl.String,
                                      "kind": pl.String, "seq": pl.Int64, "sha256": pl.String,
                                      "status": pl.String, "records": pl.Int64, "accepted": pl.Int64,
                                      "rejected": pl.Int64, "file_error": pl.String, "answer": pl.String})


def _archive_path(config: Config, d: Delivery, run_date: date, answer: str) -> Path:
    """``archive[/rejected]/<run date>/<participant>/``, named like its answer with the delivered
    extension (NAME.2.csv beside NAME.2.result.json); a taken name is never chosen, so an archived
    delivery is never replaced (decision 52)."""
    base = config.archive / "rejected" if d.file_error else config.archive
    return base / f"{run_date:%Y-%m-%d}" / d.folder / answers.archive_name(d.name, answer)
