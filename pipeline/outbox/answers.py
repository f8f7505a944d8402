"""The name of each delivery's answer, and where the ledger and the outbox say which names are taken.

Every delivery keeps its own answer (SPEC 4; decisions 50–52): its return files are named after
the delivered file without its extension, and where that name is taken the first free of
``NAME.2``, ``NAME.3``, … is used. A name is taken by an answer the ledger (``files.answer``)
records for the participant, on any earlier night, also when retention has deleted its files since;
by a return file in the participant's outbox folder that the ledger does not know (a register
started afresh beside an old outbox); by an archived delivery of the same run date; and by an
earlier delivery of the same night, in intake's order.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import polars as pl

from contracts_schema.returns import DELIVERY_EXTENSIONS, RETURN_SUFFIXES, candidates
from pipeline.intake import Delivery
from pipeline.outbox.returns import BAROMETER
from pipeline.register.store import Register

RETURN_FILE = "(?s)^(.+)(" + "|".join(re.escape(s) for s in RETURN_SUFFIXES) + ")$"
DELIVERY_FILE = "(?s)^(.+)(" + "|".join(re.escape(e) for e in DELIVERY_EXTENSIONS) + ")$"
LISTING_SCHEMA = {"participant": pl.String, "file": pl.String}


def base_name(file: pl.Expr) -> pl.Expr:
    """``contracts_schema.returns.base_name`` as an expression: NAME.csv, NAME.parquet → NAME."""
    return pl.coalesce(file.str.extract(DELIVERY_FILE, 1), file)


def recorded(reg: Register) -> tuple[pl.DataFrame, bool]:
    """The ledger with the answer name of every delivery, and whether the register predates
    ``files.answer``: its answers were then named NAME whatever collided, so NAME is what they
    took (decision 51)."""
    files = reg.read("files")
    if "answer" in files.columns:
        return files, False
    return files.with_columns(base_name(pl.col("file")).alias("answer")), True


def dated(files: pl.DataFrame, runs: pl.DataFrame) -> pl.DataFrame:
    """Per participant and answer name, the run date of the last night that wrote it."""
    return (files.join(runs.select("run_id", "run_date"), on="run_id", how="inner")
            .group_by("participant", "answer").agg(pl.col("run_date").max()))


def published(outbox: Path) -> pl.DataFrame:
    """Every return file in the participants' outbox folders (not the barometer folder, nor a
    hidden entry such as the staging folder): participant, file and the answer it belongs to."""
    rows: list[tuple[str, str]] = []
    if outbox.is_dir():
        for folder in os.scandir(outbox):
            if folder.name.startswith(".") or folder.name == BAROMETER or not folder.is_dir(follow_symlinks=False):
                continue
            rows += [(folder.name, entry.name) for entry in os.scandir(folder.path)
                     if entry.is_file(follow_symlinks=False)]
    listing = pl.DataFrame(rows, schema=LISTING_SCHEMA, orient="row")
    return listing.with_columns(pl.col("file").str.extract(RETURN_FILE, 1).alias("answer")).drop_nulls("answer")


def archived(archive: Path, run_date: date, participants: set[str]) -> pl.DataFrame:
    """Answer names of the deliveries already archived under this run date (an earlier run of
    the same date), so an archived delivery is never replaced."""
    rows: list[tuple[str, str]] = []
    for base in (archive, archive / "rejected"):
        for participant in participants:
            folder = base / f"{run_date:%Y-%m-%d}" / participant
            if folder.is_dir():
                rows += [(participant, name) for name in os.listdir(folder)]
    listing = pl.DataFrame(rows, schema=LISTING_SCHEMA, orient="row")
    return listing.select("participant", base_name(pl.col("file")).alias("answer"))


def taken(ledger: pl.DataFrame, outbox: pl.DataFrame, in_archive: pl.DataFrame,
          participants: set[str]) -> dict[str, set[str]]:
    """The answer names the participants of tonight's deliveries can no longer be given."""
    names = pl.concat([frame.select("participant", "answer") for frame in (ledger, outbox, in_archive)])
    mine = names.filter(pl.col("participant").is_in(sorted(participants))).unique()
    grouped = mine.group_by("participant").agg("answer")
    out: dict[str, set[str]] = {p: set() for p in participants}
    out.update({p: set(a) for p, a in zip(grouped["participant"], grouped["answer"], strict=True)})
    return out


def choose(deliveries: list[Delivery], taken: dict[str, set[str]]) -> list[str]:
    """Each delivery's answer name, in intake's order (the night's files: a small loop)."""
    names = []
    for d in deliveries:
        used = taken.setdefault(d.folder, set())
        name = next(n for n in candidates(d.name) if n not in used)
        used.add(name)
        names.append(name)
    return names


def archive_name(file: str, answer: str) -> str:
    """The archived delivery carries its answer's name and keeps its extension: NAME.2.csv."""
    ext = next((e for e in DELIVERY_EXTENSIONS if file.endswith(e) and len(file) > len(e)), "")
    return answer + ext


def archive_names(file: pl.Expr, answer: pl.Expr) -> pl.Expr:
    """``archive_name`` over the ledger's rows: where ``archive[/rejected]/<run date>/<P>/`` holds a
    delivery (``file``, ``answer`` of ``files``), e.g. for an erasure that rewrites archived copies."""
    ext = file.str.extract("(?s).(" + "|".join(re.escape(e) for e in DELIVERY_EXTENSIONS) + ")$", 1)
    return answer + ext.fill_null("")
