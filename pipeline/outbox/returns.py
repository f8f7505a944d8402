"""Return files for participants (SPEC 4): ``NAME.result.json`` and ``NAME.errors.csv``.

Files are written into a staging folder first and published after the register commit, so a
participant never sees a result for a night that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts_schema.returns import base_name
from contracts_schema.words import DEFAULT_LANGUAGE
from pipeline import fsio
from pipeline.outbox import spreadsheet
from pipeline.rules.findings import with_messages

ERROR_COLUMNS = ["line_no", "error_code", "severity", "field", "message"]


@dataclass
class FileResult:
    """The outcome of one delivery, as result.json reports it."""

    file: str
    participant: str
    kind: str | None
    records: int
    accepted: int
    rejected: int
    warnings: int
    errors_by_code: dict[str, int]
    file_error: tuple[str, str] | None = None

    @property
    def status(self) -> str:
        if self.file_error or (self.records and self.accepted == 0):
            return "REJECTED"
        return "PARTIAL" if self.rejected else "ACCEPTED"

    def as_json(self, processed_at: str) -> dict:
        body: dict = {"file": self.file, "participant": self.participant, "kind": self.kind,
                      "status": self.status, "records": self.records, "accepted": self.accepted,
                      "rejected": self.rejected, "warnings": self.warnings,
                      "processed_at": processed_at, "errors_by_code": self.errors_by_code}
        if self.file_error:
            body["file_error"] = {"code": self.file_error[0], "message": self.file_error[1]}
        return body


def summarise(name: str, participant: str, kind: str | None, records: int,
              findings: pl.DataFrame) -> FileResult:
    """Counts of one file's findings."""
    rejected = findings.filter(pl.col("severity") == "ERROR")["line_no"].n_unique()
    warnings = findings.filter(pl.col("severity") == "WARNING").height
    by_code = findings.group_by("error_code").len().sort("error_code")
    return FileResult(name, participant, kind, records, records - rejected, rejected, warnings,
                      dict(zip(by_code["error_code"], by_code["len"], strict=True)))


def errors_frame(findings: pl.DataFrame, raw: pl.DataFrame | None, id_column: str,
                 columns: tuple[str, ...], language: str = DEFAULT_LANGUAGE) -> pl.DataFrame:
    """One row per finding with its message (in ``language``), then the record's columns as delivered."""
    others = [c for c in columns if c != id_column]
    # every column a row shows decides its place: two findings of one cell (a duplicate's, a
    # Pandera check's) come in join order, which varies, and the same night must give the same bytes
    rows = with_messages(findings, language).sort(["line_no", "error_code", "field", "severity", "message"])
    if raw is None:
        rows = rows.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in (id_column, *others))
    else:
        rows = rows.join(raw.select("line_no", id_column, *others), on="line_no", how="left",
                         maintain_order="left")
    return rows.select("line_no", id_column, "error_code", "severity", "field", "message", *others)


def file_error_frame(file_error: tuple[str, str], line_no: int, id_column: str,
                     columns: tuple[str, ...]) -> pl.DataFrame:
    """A file rejected whole explains itself in errors.csv too: one row with the file error's code
    and message; ``line_no`` is the record reading failed on, 0 for the file as a whole or its header."""
    names = ["line_no", id_column, "error_code", "severity", "field", "message",
             *[c for c in columns if c != id_column]]
    row = dict.fromkeys(names, None) | {"line_no": line_no, "error_code": file_error[0], "severity": "ERROR",
                                        "message": file_error[1]}
    return pl.DataFrame([row], schema={n: pl.Int64 if n == "line_no" else pl.String for n in names})


def stage(staging: Path, result: FileResult, errors: pl.DataFrame, processed_at: str,
          extra: dict[str, pl.DataFrame] | None = None, name: str | None = None,
          xlsx: bool = False) -> list[tuple[Path, str]]:
    """Write one file's return files into staging under the answer's ``name`` (NAME.2 for a later
    delivery whose names were taken; ``answers.choose``), errors.xlsx too when ``xlsx`` (config
    ``outputs.errors_xlsx``); return (staged path, relative target)."""
    out = []
    folder, name = staging / result.participant, name or return_name(result.file)
    frames = {".errors.csv": errors, **(extra or {})}
    for suffix, frame in frames.items():
        fsio.write_csv(folder / (name + suffix), frame)
        out.append((folder / (name + suffix), f"{result.participant}/{name}{suffix}"))
    if xlsx:
        spreadsheet.write_errors(folder / (name + ".errors.xlsx"), errors)
        out.append((folder / (name + ".errors.xlsx"), f"{result.participant}/{name}.errors.xlsx"))
    fsio.write_json(folder / (name + ".result.json"), result.as_json(processed_at))
    out.append((folder / (name + ".result.json"), f"{result.participant}/{name}.result.json"))
    return out


BAROMETER = "barometer"           # outbox/barometer/: the analysts' folder, beside the participants'
STAGING = ".staging"              # outbox/.staging/<run>/: a night's return files until its publication


def stage_barometer(staging: Path, history: dict[str, pl.DataFrame], html: str) -> list[tuple[Path, str]]:
    """Write the barometer history (each table as CSV and Parquet) and its report into staging;
    return (staged path, relative target)."""
    out = []
    for name, frame in history.items():
        for suffix, write in ((".csv", fsio.write_csv), (".parquet", fsio.write_parquet)):
            path = staging / BAROMETER / f"{name}{suffix}"
            write(path, frame)
            out.append((path, f"{BAROMETER}/{name}{suffix}"))
    path = staging / BAROMETER / "barometer.html"
    fsio.write_text(path, html)
    out.append((path, f"{BAROMETER}/barometer.html"))
    return out


def return_name(file: str) -> str:
    """SPEC 4: the return files of ``NAME.ext`` are ``NAME.result.json`` and so on (where no
    earlier answer took the name)."""
    return base_name(file)
