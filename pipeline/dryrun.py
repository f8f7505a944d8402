"""``cki validate``: a participant's dry run of one file against the current register.

The same whole-file and record checks as a night, including the register's state (unknown
contracts, sequences, duplicates); nothing is applied and nothing is committed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline import fsio
from pipeline.config import Config
from pipeline.errors import CkiError
from pipeline.intake import NAME_PATTERN, Delivery
from pipeline.night import evaluate
from pipeline.outbox import FileResult, return_name
from pipeline.register import reading


def dry_run(config: Config, file: Path, run_date: date, out: Path | None) -> tuple[FileResult, Path]:
    if not file.exists() and not file.is_symlink():
        raise CkiError(f"no such file: {file}")
    match = NAME_PATTERN.match(file.name)
    folder = match["participant"] if match else file.parent.name
    delivery = Delivery(file, folder, file.name)
    with reading(config.register) as reg:      # beside a night: the version committed before it
        per_file, _, _ = evaluate([delivery], reg, config, run_date, "dry-run")
    result, errors = per_file[0].result, per_file[0].errors
    name = return_name(file.name) + ".errors.csv"
    target = out if out is not None else file.with_name(name)
    if target.is_dir():
        target = target / name
    fsio.write_csv(target, errors)
    return result, target
