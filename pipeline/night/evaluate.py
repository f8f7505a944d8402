"""Tonight's evaluation: every delivery checked, every record applied to a plan, the retention
purge added, every request answered; nothing written (DESIGN 2)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from contracts_schema import mutation, request
from pipeline import intake
from pipeline.apply.chunking import combine
from pipeline.apply.mutations import MutationNight
from pipeline.config import Config
from pipeline.consult.requests import Answers, RegisterView, answer, validate_requests
from pipeline.intake import Delivery, Ledger
from pipeline.night.retention import with_retention
from pipeline.ops import progress
from pipeline.ops.logs import fields
from pipeline.ops.report import Stopwatch
from pipeline.outbox.returns import (
    FileResult,
    errors_frame,
    file_error_frame,
    summarise,
)
from pipeline.register.plan import Plan
from pipeline.register.store import Register
from pipeline.register.transaction import Holding
from pipeline.rules.findings import SCHEMA as FINDING_SCHEMA
from pipeline.rules.validate import RunRules

log = logging.getLogger("cki")


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
             run_id: str, holding: Holding | None = None, clock: Stopwatch | None = None,
             planned: Callable[[Plan], None] | None = None
             ) -> tuple[list[FileOutcome], Plan, Consulted | None]:
    """Whole-file checks, then every record, then the retention purge, then every request; per
    file its result and output frames, and the plan of tonight's register changes (nothing is
    written: ``holding``, the transaction's, keeps what a big night cannot hold in memory). The
    purge comes before the requests are answered, so no answer shows a registration on the night
    its retention ends. ``planned`` is handed the plan as soon as it is final, before the requests
    are answered (the barometers count on it meanwhile, decision 119).

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
        plan = with_retention(reg, plan, run_date)
    if planned is not None:       # final: the requests and the writes change nothing the count reads
        planned(plan)
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
