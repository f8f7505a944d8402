"""One nightly run: recover, evaluate, answer and write while the barometers count, commit, publish, report."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from pipeline import intake
from pipeline.config import Config
from pipeline.night.barometers import Counting
from pipeline.night.commit import commit, stage_returns, write_night
from pipeline.night.evaluate import Consulted, evaluate
from pipeline.night.recovery import after_the_commit, recover
from pipeline.night.retention import retention_counts
from pipeline.ops import progress, report
from pipeline.ops.logs import fields, outcomes
from pipeline.ops.report import NightResult, Stopwatch
from pipeline.outbox import publish
from pipeline.register import retention
from pipeline.register.store import Register, locked
from pipeline.register.transaction import Transaction

log = logging.getLogger("cki")


def run_night(config: Config, run_date: date) -> NightResult:
    """The nightly run; exits normally even when files are rejected."""
    root, clock = config.register, Stopwatch()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    with locked(root), progress.shown():
        with clock.stage("recover"):
            reg = recover(config)
        deliveries = intake.discover(config.inbox)
        ran_before = run_date in reg.read("runs")["run_date"].to_list()
        if not deliveries and ran_before:
            log.info("nothing new for %s: the register is unchanged", run_date, extra=fields("nothing_new"))
            return NightResult(None, run_date)
        run_id = f"{run_date:%Y%m%d}-{reg.version + 1:06d}"
        tx = Transaction(reg, run_id)
        if reg.next_contract_id() is None:      # a register from before contract ids: numbered once, tonight
            with clock.stage("recover"):
                reg = tx.number_contracts()
        with tx.holding.abandoned_on_failure(), Counting(config, reg, run_date) as counting:   # count beside
            per_file, plan, consulted = evaluate(deliveries, reg, config, run_date, run_id, tx.holding, clock,
                                                 counting.count)
            with clock.stage("commit"):
                plan, held = write_night(tx, run_id, run_date, per_file, plan, consulted)
                staged = stage_returns(config, tx, run_id, run_date, per_file)
            with clock.stage("barometers"):      # what is left of the count once the writes are done
                barometers = counting.result()
        with clock.stage("commit"):
            manifest = commit(config, tx, staged, plan, barometers, held)
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
