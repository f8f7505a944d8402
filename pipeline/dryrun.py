"""``cki validate``: a participant's dry run of one file against the current register.

The same whole-file and record checks as a night, including the register's state (unknown
contracts, sequences, duplicates); nothing is applied and nothing is committed. So the night's
own log lines (records read, applied in chunks, stages done) are left out, and what the dry run
prints says what a night would answer, in config ``language``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from contracts_schema.errors import BY_CODE
from pipeline import fsio
from pipeline.config import Config
from pipeline.errors import CkiError
from pipeline.intake import NAME_PATTERN, Delivery
from pipeline.night import evaluate
from pipeline.ops.logs import quiet
from pipeline.outbox import spreadsheet
from pipeline.outbox.returns import FileResult, return_name
from pipeline.register.store import reading


def dry_run(config: Config, file: Path, run_date: date, out: Path | None) -> tuple[FileResult, list[Path]]:
    if not file.exists() and not file.is_symlink():
        raise CkiError(f"no such file: {file}")
    match = NAME_PATTERN.match(file.name)
    folder = match["participant"] if match else file.parent.name
    delivery = Delivery(file, folder, file.name)
    with reading(config.register) as reg, quiet():      # beside a night: the version committed before it
        per_file, _, _ = evaluate([delivery], reg, config, run_date, "dry-run")
    result, errors = per_file[0].result, per_file[0].errors
    name = return_name(file.name) + ".errors.csv"
    if out is None and _in(file, config.inbox):
        raise CkiError(f"{file.name} lies in the inbox ({config.inbox}): its errors file beside it would be "
                       "taken for a delivery by the next night. Give --out DIR (a folder outside the inbox).")
    target = out if out is not None else file.with_name(name)
    if target.is_dir():
        target = target / name
    fsio.write_csv(target, errors)
    if not config.settings.outputs.errors_xlsx:
        return result, [target]
    spreadsheet.write_errors(spreadsheet.xlsx_path(target), errors)    # as a night writes it beside
    return result, [target, spreadsheet.xlsx_path(target)]


def _in(file: Path, folder: Path) -> bool:
    """Whether ``file`` lies under ``folder`` (links and ``..`` resolved)."""
    return file.resolve().is_relative_to(folder.resolve())


WORDS: dict[str, dict[str, str]] = {
    "en": {"what": "dry run of {file} against the register as last committed: nothing was applied",
           "answer": "a night would answer {status}; records: {records}, accepted: {accepted}, rejected: "
                     "{rejected}, warnings: {warnings}",
           "whole": "a night would answer {status}; the file would be rejected whole:",
           "written": "errors file: {files}", "and": " and "},
    "nl": {"what": "proefverwerking van {file} tegen het register zoals het laatst is vastgelegd: er is niets "
                   "verwerkt",
           "answer": "een nachtelijke verwerking zou antwoorden met {status}; records: {records}, geaccepteerd: "
                     "{accepted}, afgewezen: {rejected}, waarschuwingen: {warnings}",
           "whole": "een nachtelijke verwerking zou antwoorden met {status}; het bestand zou in zijn geheel "
                    "worden afgewezen:",
           "written": "foutenbestand: {files}", "and": " en "},
}


def said(file: Path, result: FileResult, written: list[Path], language: str) -> str:
    """What ``cki validate`` prints: what was checked, what a night would answer, the findings per
    code (with the code's title) and where the errors file went."""
    say = WORDS[language]
    lines = [say["what"].format(file=file.name)]
    if result.file_error:
        lines += [say["whole"].format(status=result.status), f"  {result.file_error[0]}: {result.file_error[1]}"]
    else:
        lines.append(say["answer"].format(status=result.status, records=result.records, accepted=result.accepted,
                                          rejected=result.rejected, warnings=result.warnings))
    lines += [f"  {code:<28} {n}  {BY_CODE[code].text(language).title}" for code, n in result.errors_by_code.items()]
    lines.append(say["written"].format(files=say["and"].join(map(str, written))))
    return "\n".join(lines) + "\n"
