"""Archived deliveries and return files without the rows of erased contracts (decision 56).

The register forgets a DELETEd or expired registration at the commit (``pipeline.register.erase``); the
copies of its records outside the register go in the publication that follows: the archived
delivery files that hold them are rewritten without those rows (with a note of which lines went,
beside the file), and so are the participant's ``errors.csv`` files that echo them, each with its
``errors.xlsx``. The plan names only files; which rows go is read from the register's purge
manifest (keyed hashes), so no contract number is written into the plan. Idempotent: a file
without such rows is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from contracts_schema.returns import ERASED_MESSAGE, ERRORS_REASON_COLUMNS
from pipeline import faults, fsio
from pipeline.outbox import answers, spreadsheet
from pipeline.register.erase import Erasure, key_hash
from pipeline.register.manifest import ScrubPlan
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import Register

NOTE = ".erased.json"


def targets(config, deliveries: list[Path], deleted: pl.DataFrame, expired_files: list[Path]) -> list[Path]:
    """The files a night's erasure rewrites: every archived MUT or INIT file and errors.csv of a
    participant that DELETEd tonight (tonight's ``deliveries`` of theirs included, once archived),
    and the archived files that held an expired contract's records, as its events say."""
    owners = set(deleted["participant_code"].unique().to_list()) if deleted.height else set()
    found = list(expired_files)
    for owner in sorted(owners):
        for base in (config.archive, config.archive / "rejected"):
            found += [p for p in base.glob(f"*/{owner}/*") if _delivery(p)]
        found += list((config.outbox / owner).glob("*.errors.csv"))
    found += [target for target in deliveries if _delivery(target) or target.name.endswith(".errors.csv")]
    return [Path(p) for p in sorted({str(p) for p in found})]


def plan(config, erasure: Erasure | None, run_id: str, held: pl.DataFrame,
         plan_archive: list[tuple[Path, Path, str | None]], published: list[Path]) -> ScrubPlan | None:
    """The publication's part of an erasure: the files outside the register that may hold records
    of tonight's erased contracts (``held``: archived deliveries of expired ones)."""
    if not erasure or not (erasure.deleted.height or erasure.expired.height):
        return None
    tonight = {(source.parent.name, source.name): target for source, target, _ in plan_archive}
    where = [tonight.get((owner, file), config.archive / day / owner / name) if rid == run_id
             else config.archive / day / owner / name
             for rid, day, owner, file, name in zip(*[held[c] for c in ("run_id", "day", "participant_code",
                                                                         "file", "archived")], strict=True)]
    owners = set(erasure.deleted["participant_code"])
    deleted_tonight = [t for (owner, _), t in tonight.items() if owner in owners]
    deleted_tonight += [t for t in published if t.name.endswith(".errors.csv") and t.parent.name in owners]
    files = [f for f in targets(config, deleted_tonight, erasure.deleted, where) if _kept(config, f, run_id)]
    return ScrubPlan(run_id, files, config.settings.language)


def _kept(config, path: Path, run_id: str) -> bool:
    """Whether a file outlives tonight: an archived delivery whose day folder tonight's archive
    purge deletes anyway (``archive_days``) is not worth rewriting first."""
    try:
        parts = path.relative_to(config.archive).parts
    except ValueError:
        return True                                   # not in the archive: an outbox file
    day = parts[1] if parts and parts[0] == "rejected" else parts[0]
    try:
        folder_day = date.fromisoformat(day)
    except ValueError:
        return True
    run_date = datetime.strptime(run_id[:8], "%Y%m%d").date()
    return folder_day >= run_date - timedelta(days=config.settings.archive_days)


def files_of_expired(reg: Register, tonight: Sequence[str], expired: pl.DataFrame) -> pl.DataFrame:
    """(run, participant, file, archived name, day) of every delivery that held an accepted record
    of a contract whose retention ends tonight, as the events (committed, and the parts of
    tonight's that the transaction holds: ``tonight``) say."""
    events = reg.scan_events(tonight)
    if expired.height == 0 or events is None:
        return pl.DataFrame(schema=dict.fromkeys(["run_id", "participant_code", "file", "archived", "day"], pl.String))
    held = (events.join(expired.lazy(), on=CONTRACT_KEY, how="semi")
            .select("run_id", "participant_code", "file").unique().collect())
    ledger = reg.read("files").select("run_id", pl.col("participant").alias("participant_code"), "file",
                                              answers.archive_names(pl.col("file"), pl.col("answer")).alias("archived"))
    return held.join(ledger, on=["run_id", "participant_code", "file"], how="left").with_columns(
        pl.col("archived").fill_null(pl.col("file")),
        pl.col("run_id").str.slice(0, 8).str.to_date("%Y%m%d").dt.strftime("%Y-%m-%d").alias("day"))


def _delivery(path: Path) -> bool:
    name = path.name
    return ("_MUT_" in name or "_INIT_" in name) and not name.endswith(NOTE) and path.suffix in (".csv", ".parquet")


def carry_out(register_root: Path, plan: ScrubPlan | None) -> None:
    """Rewrite each planned file without the rows of the contracts the run erased."""
    if not plan or not plan.files:
        return
    reg = Register(register_root)
    secret = reg.purge_secret()
    if secret is None:
        return
    erased = reg.scan("purges").filter(pl.col("run_id") == plan.run_id).select("key_hash").collect()
    for path in plan.files:
        if path.is_file() and not path.is_symlink():
            _scrub(path, erased, secret, plan.run_id, plan.language)


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, separator=";", infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True)


def _scrub(path: Path, erased: pl.DataFrame, secret: str, run_id: str, language: str) -> None:
    try:
        rows = _read(path)
    except (OSError, pl.exceptions.PolarsError):
        return                                    # a file that never parsed holds no accepted record
    if "contract_number" not in rows.columns:
        return
    owner = path.parent.name
    rows = rows.with_row_index("line_no_", offset=1).with_columns(_hash_of(owner, secret))
    hit = pl.col("_hash").is_in(erased["key_hash"].implode())
    gone = rows.filter(hit)
    if gone.height == 0:
        return
    if path.name.endswith(".errors.csv"):
        _write_errors(path, _reasons_only(rows, hit, language).drop("_hash", "line_no_"))
        faults.point("scrub_file")
        return
    _write(path, rows.filter(~hit).drop("_hash", "line_no_"))
    faults.point("scrub_file")
    _note(path, gone["line_no_"].to_list(), run_id)


def _reasons_only(rows: pl.DataFrame, hit: pl.Expr, language: str) -> pl.DataFrame:
    """An errors.csv row of an erased registration keeps why its line was rejected (line, code,
    severity, field) and loses everything delivered, the contract number and the message (which
    may quote a value) included: the clerk still reads a reason for every rejected line, and
    nothing of the registration stays (decision 95)."""
    erased = ERASED_MESSAGE.get(language, ERASED_MESSAGE["en"])
    blank = [c for c in rows.columns if c not in (*ERRORS_REASON_COLUMNS, "message", "_hash", "line_no_")]
    return rows.with_columns(
        *(pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in blank),
        pl.when(hit).then(pl.lit(erased)).otherwise(pl.col("message")).alias("message"))


def _hash_of(owner: str, secret: str) -> pl.Expr:
    """Each row's key hash as a contract of the folder's participant (a record's participant is
    its folder's: a file naming another participant was rejected whole)."""
    contract = pl.col("contract_number").cast(pl.String).fill_null("")
    return key_hash(secret, pl.lit(owner), contract).alias("_hash")


def _write(path: Path, kept: pl.DataFrame) -> None:
    if path.suffix == ".parquet":
        fsio.write_parquet(path, kept)
    elif path.name.endswith(".errors.csv"):
        _write_errors(path, kept)
    else:
        fsio.write_csv_as_delivered(path, kept)


def _write_errors(path: Path, kept: pl.DataFrame) -> None:
    """A return file, written as every return file is, and the errors.xlsx beside it (if any)
    rebuilt from the same rows as delivered; the workbook first, so that a crash between the two
    leaves the CSV with the rows for the next run to find again."""
    delivered = kept.with_columns(fsio.unquoted(pl.col(c)) for c in kept.columns)
    book = spreadsheet.xlsx_path(path)
    if book.is_file() and not book.is_symlink():
        spreadsheet.write_errors(book, delivered)
    fsio.write_csv(path, delivered)


def _note(path: Path, lines: list[int], run_id: str) -> None:
    """Beside the rewritten file: which data lines went, when and why (line numbers only)."""
    note = path.with_name(path.name + NOTE)
    entries = json.loads(note.read_text()) if note.exists() else []
    if not any(e.get("run_id") == run_id for e in entries):
        entries.append({"run_id": run_id, "reason": "the registration was erased (DELETE or retention)",
                        "data_lines_removed": lines})
        fsio.write_json(note, entries)
