"""What tonight's retention adds to the plan: the consultation log's 12 months, the contracts'
5 years, the persons left with nothing (SPEC 1); and the counts the run report gives of it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

import polars as pl

from pipeline.ops.logs import fields
from pipeline.register import erase, retention
from pipeline.register.manifest import Manifest
from pipeline.register.plan import Plan, Replace
from pipeline.register.state import CONTRACT_KEY
from pipeline.register.store import Register

log = logging.getLogger("cki")


def with_retention(reg: Register, plan: Plan, run_date: date) -> Plan:
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


def retention_counts(plan: Plan, manifest: Manifest, archive_days: int) -> dict[str, int]:
    """What tonight's retention (and its DELETEs) erased, and what the publication expired."""
    erasure = plan.erasure
    return {"contracts_purged": erasure.expired.height, "contracts_deleted": erasure.deleted.height,
            "persons_erased": erasure.persons.height,
            "consultations_purged": plan.consultations_purged,
            "return_files_expired": len(manifest.publish.expire) if manifest.publish else 0,
            "archive_days_purged": archive_days}
