"""One nightly run: intake → validate → apply → stage → commit → publish (DESIGN 2)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from contracts_schema import mutation, request
from contracts_schema.barometer import TABLES as BAROMETER_TABLES
from pipeline import intake
from pipeline.apply.chunking import combine
from pipeline.apply.mutations import MutationNight
from pipeline.barometer import produce
from pipeline.barometer.asof import RegisterTables
from pipeline.barometer.calendar import check_restatable
from pipeline.config import Config, load_pc4
from pipeline.consult.requests import Answers, RegisterView, answer, validate_requests
from pipeline.errors import DiskFull
from pipeline.intake import Delivery, Ledger
from pipeline.ops import progress, report
from pipeline.ops.logs import fields, outcomes
from pipeline.ops.report import NightResult, Stopwatch
from pipeline.outbox import answers, publish, scrub
from pipeline.outbox.returns import (
    STAGING,
    FileResult,
    errors_frame,
    file_error_frame,
    stage,
    stage_barometer,
    summarise,
)
from pipeline.register import erase, retention
from pipeline.register.manifest import Manifest, PublishPlan
from pipeline.register.plan import Append, Plan, Replace
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import Register, locked
from pipeline.register.transaction import Holding, Transaction
from pipeline.rules.findings import SCHEMA as FINDING_SCHEMA
from pipeline.rules.validate import RunRules

log = logging.getLogger("cki")
STAGING_THREADS = 4


@dataclass
class FileOutcome:
    """One delivery's result, its errors file and, for requests, its answer files."""

    delivery: Delivery
    result: FileResult
    errors: pl.DataFrame
    extra: dict[str, pl.DataFrame] = field(default_factory=dict)


@dataclass
class Consulted:
    raw: pl.DataFrame
    findings: pl.DataFrame
    answers: Answers


@dataclass
class BarometerUpdate:
    """Reference dates produced tonight: their rows, and the whole history they go into."""

    dates: list[date]
    rows: dict[str, pl.DataFrame]
    history: dict[str, pl.DataFrame]


def run_rules(config: Config, run_date: date) -> RunRules:
    severity = "WARNING" if config.settings.late_records == "accept" else "ERROR"
    return RunRules(run_date, severity, {p.code: tuple(p.contract_types) for p in config.settings.participants})


def ledger_of(reg: Register) -> Ledger:
    files = reg.read("files").filter(pl.col("file_error").is_null())
    last = files.group_by("participant", "kind").agg(pl.col("seq").max())
    keys = zip(last["participant"], last["kind"], strict=True)
    return Ledger(dict(zip(files["sha256"], files["file"], strict=True)),
                  dict(zip(keys, last["seq"], strict=True)))


def register_view(reg: Register, plan: Plan) -> RegisterView:
    """The tables as they stand after tonight's plan (before the commit)."""
    return RegisterView(*[reg.planned(plan, name)
                          for name in ("persons", "addresses", "borrowers", "contracts", "codes")])


def consult(requests: list[tuple[int, Delivery]], view: RegisterView, config: Config,
            run_date: date) -> Consulted | None:
    if not requests:
        return None
    raw = combine(requests)
    log.info("answering %d consultation requests of %d files", raw.height, len(requests),
             extra=fields("consultation", count=raw.height, files=len(requests)))
    progress.note(f"{raw.height:,} requests")
    typed, found = validate_requests(raw, run_date)
    bad = found.filter(pl.col("severity") == "ERROR").select("file_idx", "line_no").unique()
    categories = {p.code: p.category for p in config.settings.participants}
    answers = answer(typed.join(bad, on=["file_idx", "line_no"], how="anti"), view, categories, run_date)
    return Consulted(raw, pl.concat([found, answers.findings]), answers)


def evaluate(deliveries: list[Delivery], reg: Register, config: Config, run_date: date,
             run_id: str, holding: Holding | None = None, clock: Stopwatch | None = None
             ) -> tuple[list[FileOutcome], Plan, Consulted | None]:
    """Whole-file checks, then every record, then the retention purge, then every request; per
    file its result and output frames, and the plan of tonight's register changes (nothing is
    written: ``holding``, the transaction's, keeps what a big night cannot hold in memory). The
    purge comes before the requests are answered, so no answer shows a registration on the night
    its retention ends.

    A mutation file goes to the chunked apply as soon as it passes its whole-file checks, so a
    night holds about a chunk's worth of delivered text at a time, not the whole night's.
    """
    clock = clock or Stopwatch()
    night = None
    with clock.stage("intake_validate_apply"):
        progress.reading(len(deliveries))
        for i, d in intake.checked(deliveries, config, ledger_of(reg)):
            progress.read(intake.printable(d.folder), intake.printable(d.name), d.records,
                          d.file_error[0] if d.file_error else None)
            if d.ok and d.kind in ("MUT", "INIT"):
                if night is None:
                    night = MutationNight(reg, run_rules(config, run_date), run_id, holding)
                night.add_file(i, d)
        checked, plan = night.finish() if night is not None else (None, Plan())
    with clock.stage("retention"):
        plan = _with_retention(reg, plan, run_date)
    requests = [(i, d) for i, d in enumerate(deliveries) if d.ok and d.kind == "RAAD"]
    with clock.stage("consultation"):
        consulted = consult(requests, register_view(reg, plan), config, run_date)
    by_file = {}
    if night is not None and checked is not None:
        by_file = _split_by_file(checked.raw, checked.findings, {i: deliveries[i].records for i in night.names})
    if consulted is not None:
        by_file.update(_split_by_file(consulted.raw, consulted.findings, {i: d.records for i, d in requests}))
    language = config.settings.language
    out = [_file_outcome(i, d, by_file.get(i), consulted, language) for i, d in enumerate(deliveries)]
    return out, plan, consulted


def _split_by_file(raw: pl.DataFrame, all_findings: pl.DataFrame, counts: dict[int, int]
                   ) -> dict[int, tuple[pl.DataFrame, pl.DataFrame, int]]:
    """Per file of ``counts``: its findings, the delivered rows they name, and its record count."""
    keys = ["file_idx", "line_no"]
    named = raw.join(all_findings.select(keys).unique(), on=keys, how="semi") if raw.width else raw
    findings = all_findings.partition_by("file_idx", as_dict=True)
    rows = named.partition_by("file_idx", as_dict=True) if named.width else {}
    empty_f, empty_r = all_findings.clear(), named.clear()
    return {i: (findings.get((i,), empty_f), rows.get((i,), empty_r), n) for i, n in counts.items()}


def _file_outcome(i: int, d: Delivery, part: tuple[pl.DataFrame, pl.DataFrame, int] | None,
                  consulted: Consulted | None, language: str) -> FileOutcome:
    """One file's result and return frames, their messages in ``language`` (config ``language``)."""
    contract = request if d.kind == "RAAD" else mutation
    id_column = "request_id" if d.kind == "RAAD" else "contract_number"
    if not d.ok or part is None:
        said = d.file_error_in(language)
        result = FileResult(d.name, d.folder, d.kind, d.records, 0, d.records, 0, {}, said)
        empty = pl.DataFrame(schema=FINDING_SCHEMA)
        errors = file_error_frame(said, d.file_error_line, id_column, contract.COLUMN_NAMES) \
            if said else errors_frame(empty, None, id_column, contract.COLUMN_NAMES, language)
        return FileOutcome(d, result, errors)
    found, rows, records = part
    result = summarise(d.name, d.folder, d.kind, records, found)
    outcome = FileOutcome(d, result, errors_frame(found, rows, id_column, contract.COLUMN_NAMES, language))
    if d.kind == "RAAD" and consulted is not None:
        mine = pl.col("file_idx") == i
        outcome.extra = {".answer.csv": consulted.answers.answers.filter(mine).drop("file_idx"),
                         ".answer_contracts.csv": consulted.answers.contracts.filter(mine).drop("file_idx")}
    return outcome


def run_night(config: Config, run_date: date) -> NightResult:
    """The nightly run; exits normally even when files are rejected."""
    root, clock = config.register, Stopwatch()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    with locked(root), progress.shown():
        with clock.stage("recover"):
            reg = _recover(config)
        deliveries = intake.discover(config.inbox)
        ran_before = run_date in reg.read("runs")["run_date"].to_list()
        if not deliveries and ran_before:
            log.info("nothing new for %s: the register is unchanged", run_date, extra=fields("nothing_new"))
            return NightResult(None, run_date)
        run_id = f"{run_date:%Y%m%d}-{reg.version + 1:06d}"
        tx = Transaction(reg, run_id)
        per_file, plan, consulted = evaluate(deliveries, reg, config, run_date, run_id, tx.holding, clock)
        with clock.stage("commit"):
            plan, held = _write_night(tx, run_id, run_date, per_file, plan, consulted)
        with clock.stage("barometers"):          # on the tables as written, tonight's rows released
            barometers = _barometers(config, reg, tx.view(), run_date)
        with clock.stage("commit"):
            manifest = _commit(config, tx, run_id, run_date, per_file, plan, barometers, held)
        with clock.stage("publish"), after_the_commit():
            publish.carry_out(root, manifest)
            archived = retention.purge_archive(config.archive, run_date, config.settings.archive_days)
            Register(root).clean()
        results = [f.result for f in per_file]
        accepted, rejected = sum(r.accepted for r in results), sum(r.rejected for r in results)
        log.info("run %s committed: %d file%s, %d records accepted, %d rejected", run_id, len(results),
                 "" if len(results) == 1 else "s", accepted, rejected,
                 extra=fields("committed", run_id=run_id, files=len(results), accepted=accepted,
                              rejected=rejected, seconds=round(clock.total(), 3)))
        outcomes(run_id, results)
        result = NightResult(run_id, run_date, results, True, barometers.dates if barometers else [],
                             consultation_counts(consulted), retention_counts(plan, manifest, archived),
                             clock.seconds, clock.total(), report.peak_memory_bytes(), started_at)
        with after_the_commit():       # the report, right after the publication (decision 61)
            report.write(config.reports, result)
        return result


def consultation_counts(consulted: Consulted | None) -> dict[str, int]:
    """Requests read from accepted files, answered (valid and not refused), and how they matched."""
    if consulted is None:
        return {"requests": 0, "answered": 0, "found": 0, "not_found": 0, "not_unique": 0}
    status = consulted.answers.log["match_status"]
    return {"requests": consulted.raw.height, "answered": status.len(),
            **{s.lower(): int((status == s).sum()) for s in ("FOUND", "NOT_FOUND", "NOT_UNIQUE")}}


def retention_counts(plan: Plan, manifest: Manifest, archive_days: int) -> dict[str, int]:
    """What tonight's retention (and its DELETEs) erased, and what the publication expired."""
    erasure = plan.erasure
    return {"contracts_purged": erasure.expired.height, "contracts_deleted": erasure.deleted.height,
            "persons_erased": erasure.persons.height,
            "consultations_purged": plan.consultations_purged,
            "return_files_expired": len(manifest.publish.expire) if manifest.publish else 0,
            "archive_days_purged": archive_days}


def _barometers(config: Config, reg: Register, tonight: Register, run_date: date) -> BarometerUpdate | None:
    """The reference dates tonight owes (``reg``: the register before tonight), counted on the
    register as tonight leaves it (``tonight``: the transaction's tables, written, not committed)."""
    history = {t.name: reg.read(t.name) for t in BAROMETER_TABLES}
    dates = produce.due(reg.read("runs"), history, run_date, config.settings.barometer.frequency)
    if not dates:
        return None
    log.info("barometers: producing %s", ", ".join(map(str, dates)), extra=fields("barometers", count=len(dates)))
    progress.note(", ".join(map(str, dates)))
    return _produced(config, produce.tables_of(tonight.scan), history, dates)


def _produced(config: Config, tables: RegisterTables, history: dict[str, pl.DataFrame],
              dates: list[date]) -> BarometerUpdate:
    settings = config.settings
    rows = produce.produce(tables, load_pc4(config), dates, settings.barometer, settings.min_cell_size)
    return BarometerUpdate(dates, rows, produce.merged(history, rows))


def restate_barometer(config: Config, peildatum: date, today: date) -> BarometerUpdate:
    """``cki barometer``: (re)produce one reference date on the committed register and replace
    its rows in the history, in a commit of its own."""
    clock = Stopwatch()
    with locked(config.register), progress.shown():
        reg = _recover(config)
        check_restatable(peildatum, produce.first_run(reg.read("runs")), today,
                                          config.settings.barometer.frequency)
        history = {t.name: reg.read(t.name) for t in BAROMETER_TABLES}
        with clock.stage("barometers"):
            progress.note(str(peildatum))
            update = _produced(config, produce.tables_of(reg.scan), history, [peildatum])
        with clock.stage("commit"):
            tx = Transaction(reg, f"B{peildatum:%Y%m%d}-{reg.version + 1:06d}")
            for name, frame in update.history.items():
                tx.replace(name, frame)
            staging = config.outbox / STAGING / tx.run_id
            plan = _barometer_plan(config, staging, update)
            manifest = tx.commit(PublishPlan(outbox=plan, staging=staging))
        with clock.stage("publish"), after_the_commit():
            publish.carry_out(config.register, manifest)
            Register(config.register).clean()
        return update


def _barometer_plan(config: Config, staging: Path, update: BarometerUpdate) -> list[tuple[Path, Path]]:
    """Stage the history files and the report; the publication plan that moves them."""
    from pipeline.barometer.report import render_html

    html = render_html(update.history, config.settings.min_cell_size)
    return [(staged, config.outbox / rel) for staged, rel in stage_barometer(staging, update.history, html)]


def _with_retention(reg: Register, plan: Plan, run_date: date) -> Plan:
    """The night's plan with tonight's retention purge in it: the consultation log without what
    its 12 months end, the contracts whose 5 years end, and the persons left with nothing."""
    cutoff = retention.consultation_cutoff(run_date)
    consultations = reg.scan("consultations")
    purged = consultations.filter(pl.col("consulted_on") <= cutoff).select(pl.len()).collect().item()
    plan = replace(plan, consultations_purged=purged)
    if purged:
        plan = plan.with_change("consultations",
                                Replace(consultations.filter(pl.col("consulted_on") > cutoff).collect()))
    expired = retention.expired_contracts(reg.planned(plan, "contracts"), run_date)
    if expired.height:
        log.info("retention: %d contracts reach 5 years after their end", expired.height,
                 extra=fields("retention_contracts", count=expired.height))
        plan = plan.with_erasure(replace(plan.erasure, expired=expired))
    return plan.with_erasure(replace(plan.erasure, persons=_left_alone(reg, plan)))


def _left_alone(reg: Register, plan: Plan) -> pl.DataFrame:
    """Persons of tonight's erased contracts that no borrower link refers to any more."""
    gone = plan.erasure.contracts
    if gone.height == 0:
        return erase.no_persons()
    # Collected apart: one Polars query that scans a part twice, with and without its row index,
    # fails to resolve (its common-subplan elimination merges the two scans).
    def linked(borrowers: pl.LazyFrame) -> pl.DataFrame:
        return borrowers.join(gone.lazy(), on=CONTRACT_KEY, how="semi").select("person_id").collect()
    candidates = pl.concat([linked(reg.scan("borrowers")), linked(reg.planned(plan, "borrowers", erased=False))])
    return erase.left_alone(candidates.unique(), reg.planned(plan, "borrowers"))


@contextmanager
def after_the_commit() -> Iterator[None]:
    """A full disk from here on leaves a committed register whose publication the next run finishes."""
    try:
        yield
    except DiskFull as exc:
        exc.committed = True
        raise


def _recover(config: Config) -> Register:
    """Finish a committed run's publishing, then delete what a crashed run left behind."""
    reg = Register(config.register)
    if publish.pending(config.register, reg.manifest):
        log.info("finishing the publication of run %s", reg.manifest.run_id,
                 extra=fields("recover_publication", run_id=reg.manifest.run_id))
        with after_the_commit():
            publish.carry_out(config.register, reg.manifest)
    reg.clean(wait=False)       # the night's own clean, after its commit, waits for readers
    shutil.rmtree(config.outbox / STAGING, ignore_errors=True)
    return reg


def _write_night(tx: Transaction, run_id: str, run_date: date, per_file: list[FileOutcome],
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


def _commit(config: Config, tx: Transaction, run_id: str, run_date: date, per_file: list[FileOutcome],
            plan: Plan, barometers: BarometerUpdate | None, held: pl.DataFrame) -> Manifest:
    names, expire = _record_answers(config, tx, run_id, run_date, per_file)
    results = [f.result for f in per_file]
    tx.append("runs", pl.DataFrame([{"run_id": run_id, "run_date": run_date, "files": len(results),
                                     "records": sum(r.records for r in results),
                                     "accepted": sum(r.accepted for r in results)}]))
    staging = config.outbox / STAGING / run_id
    processed_at = datetime.now(UTC).isoformat(timespec="seconds")
    plan_outbox: list[tuple[Path, Path]] = []
    plan_archive: list[tuple[Path, Path, str | None]] = []
    with ThreadPoolExecutor(max_workers=STAGING_THREADS) as pool:     # mostly fsync waits
        xlsx = config.settings.outputs.errors_xlsx
        staged_files = list(pool.map(lambda f, name: stage(staging, f.result, f.errors, processed_at, f.extra, name,
                                                           xlsx), per_file, names))
    for f, name, files in zip(per_file, names, staged_files, strict=True):
        plan_outbox += [(staged, config.outbox / rel) for staged, rel in files]
        plan_archive.append((f.delivery.path, _archive_path(config, f.delivery, run_date, name), f.delivery.sha256))
    if barometers is not None:
        for name, frame in barometers.rows.items():
            tx.append(name, frame)
        plan_outbox += _barometer_plan(config, staging, barometers)
    erasure = plan.erasure
    scrubbed = scrub.plan(config, erasure, run_id, held, plan_archive, [t for _, t in plan_outbox])
    return tx.commit(PublishPlan(plan_outbox, plan_archive, staging, expire, scrubbed))


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
