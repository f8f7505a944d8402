"""Retention (SPEC 1): what the run date ends is physically removed.

Which contracts reach 5 years after their actual end date (the erasure itself, of their rows and
of persons nothing refers to any more, is ``pipeline.register.erase``'s), when consultation records reach
12 months, and which archived deliveries and participants' return files reach ``archive_days``
and ``outbox_days``.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from contracts_schema.codes import CONSULTATION_RETENTION_MONTHS, RETENTION_YEARS
from pipeline.register.state import CONTRACT_KEY


def expired_contracts(contracts: pl.LazyFrame, run_date: date) -> pl.DataFrame:
    """Keys of contracts whose retention ends on or before the run date."""
    ends = pl.col("actual_end_date").dt.offset_by(f"{RETENTION_YEARS}y")
    return contracts.filter(ends <= run_date).select(CONTRACT_KEY).collect()


def consultation_cutoff(run_date: date) -> date:
    """Consultations on or before this date are older than 12 months."""
    cutoff = pl.select(pl.lit(run_date).dt.offset_by(f"-{CONSULTATION_RETENTION_MONTHS}mo")).item()
    return cutoff


def purge_archive(archive: Path, run_date: date, days: int) -> int:
    """Delete archive day folders older than ``days``; returns how many went."""
    limit = run_date - timedelta(days=days)
    removed = 0
    for base in (archive, archive / "rejected"):
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            try:
                day = date.fromisoformat(folder.name)
            except ValueError:
                continue
            if day < limit:
                shutil.rmtree(folder)
                removed += 1
    return removed


def expired_answers(published: pl.DataFrame, dated: pl.DataFrame, outbox: Path, run_date: date,
                    days: int) -> list[str]:
    """The participants' return files that ``outbox_days`` ends on the run date: those of the
    answers a night dated ``days`` or more before wrote (``dated``: participant, answer, run_date
    from the ledger). ``published`` lists the participants' folders only, never the barometer's;
    a file the ledger does not know is left alone, as nothing says its age."""
    limit = run_date - timedelta(days=days)
    gone = published.join(dated.filter(pl.col("run_date") <= limit), on=["participant", "answer"], how="semi")
    paths = pl.lit(str(outbox)) + "/" + pl.col("participant") + "/" + pl.col("file")
    return gone.select(paths.alias("path")).sort("path")["path"].to_list()
