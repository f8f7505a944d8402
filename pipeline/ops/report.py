"""The run report of a night (dlt's ``LoadInfo``): what a run did, for a machine and a person.

``NightResult`` holds counts, codes, file names and durations only, never a name, birth date or
address (DESIGN 1.5). It formats itself: ``as_json`` for the report a night writes into
``paths.reports`` (``<run date>_<run id>.json``), ``summary`` for the lines ``cki run`` prints.
"""

from __future__ import annotations

import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from contracts_schema.words import DEFAULT_LANGUAGE
from pipeline import fsio
from pipeline.intake.names import printable as shown  # escapes what a participant named
from pipeline.ops import progress
from pipeline.outbox.returns import BAROMETER, FileResult

REPORT_VERSION = 1
COUNTS = ("files", "records", "accepted", "rejected", "warnings")
STAGES = {"recover": "recover", "intake_validate_apply": "intake+validate+apply", "retention": "retention",
          "consultation": "consultation", "barometers": "barometers", "commit": "commit", "publish": "publish"}
# The summary's words in config ``language``; codes, stage names, file names and paths stay as they are.
WORDS: dict[str, dict[str, str]] = {
    "en": {"unchanged": "nothing new for {date}: the register is unchanged",
           "run": "run {run_id} for {date}: {files} files", "run_1": "run {run_id} for {date}: 1 file",
           "file": "{accepted:>7} accepted {rejected:>7} rejected {warnings:>5} warnings",
           "participant": "participant", "files": "files", "records": "records", "accepted": "accepted",
           "rejected": "rejected", "warnings": "warnings", "total": "total",
           "by_code": "errors by code: ", "whole": "files rejected whole: ",
           "consultation": "consultation: {requests} requests, {answered} answered: {found} found, {not_found} "
                           "not found, {not_unique} not unique",
           "retention": "retention: ", "contracts_purged": "contracts purged",
           "contracts_deleted": "contracts deleted", "persons_erased": "persons erased",
           "consultations_purged": "consultations purged", "return_files_expired": "return files expired",
           "archive_days_purged": "archive days purged",
           "took": "took {seconds:.1f} s ({stages}); peak memory {mib:,.0f} MiB",
           "results": "results are in {outbox}/<participant>/", "report": "run report: {path}",
           "barometers": "barometers produced for {dates}: {html} and the tables beside it"},
    "nl": {"unchanged": "niets nieuws voor {date}: het register is ongewijzigd",
           "run": "run {run_id} van {date}: {files} bestanden", "run_1": "run {run_id} van {date}: 1 bestand",
           "file": "{accepted:>7} geaccepteerd {rejected:>7} afgewezen {warnings:>5} waarschuwingen",
           "participant": "deelnemer", "files": "bestanden", "records": "records", "accepted": "geaccepteerd",
           "rejected": "afgewezen", "warnings": "waarschuwingen", "total": "totaal",
           "by_code": "fouten per code: ", "whole": "bestanden geheel afgewezen: ",
           "consultation": "raadplegingen: {requests} verzoeken, {answered} beantwoord: {found} gevonden, "
                           "{not_found} niet gevonden, {not_unique} niet eenduidig",
           "retention": "bewaartermijnen: ", "contracts_purged": "contracten verwijderd",
           "contracts_deleted": "contracten gewist (DELETE)", "persons_erased": "personen gewist",
           "consultations_purged": "raadplegingen verwijderd", "return_files_expired": "retourbestanden verlopen",
           "archive_days_purged": "archiefdagen",
           "took": "duur {seconds:.1f} s ({stages}); piekgeheugen {mib:,.0f} MiB",
           "results": "de resultaten staan in {outbox}/<deelnemer>/", "report": "runrapport: {path}",
           "barometers": "barometers gemaakt voor {dates}: {html} en de tabellen ernaast"},
}


class Stopwatch:
    """Seconds per stage of a night, measured with ``time.perf_counter``."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage; the progress display shows it, or a log line once it is done."""
        start = time.perf_counter()
        try:
            with progress.stage(name, STAGES.get(name, name)):
                yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def total(self) -> float:
        return time.perf_counter() - self.started


def peak_memory_bytes() -> int:
    """The process's peak resident memory (``ru_maxrss``: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass
class NightResult:
    """What a run did, for the operator: counts per file, never personal data."""

    run_id: str | None
    run_date: date
    results: list[FileResult] = field(default_factory=list)
    committed: bool = False
    barometer_dates: list[date] = field(default_factory=list)
    consultation: dict[str, int] = field(default_factory=dict)   # requests, answered, found, ...
    retention: dict[str, int] = field(default_factory=dict)      # contracts purged, ...
    stages: dict[str, float] = field(default_factory=dict)       # seconds per stage (STAGES)
    duration: float = 0.0                                        # seconds, lock to report
    peak_memory: int = 0                                         # bytes, of the whole process
    started_at: str | None = None                                # UTC, ISO 8601
    report: Path | None = None                                   # where the JSON report went

    def totals(self) -> dict[str, int]:
        return _counts(self.results)

    def by_participant(self) -> dict[str, dict[str, int]]:
        folders = sorted({r.participant for r in self.results})
        return {p: _counts([r for r in self.results if r.participant == p]) for p in folders}

    def errors_by_code(self) -> dict[str, int]:
        """Record findings per code over the night's files (warnings included, as in result.json)."""
        total: Counter[str] = Counter()
        for r in self.results:
            total.update(r.errors_by_code)
        return dict(sorted(total.items()))

    def files_rejected_by_code(self) -> dict[str, int]:
        """Files rejected whole, per file error code."""
        return dict(sorted(Counter(r.file_error[0] for r in self.results if r.file_error).items()))

    def stage_seconds(self) -> dict[str, float]:
        """Seconds per stage in the night's order (STAGES), whatever order they were timed in."""
        return dict(sorted(self.stages.items(), key=lambda kv: list(STAGES).index(kv[0]) if kv[0] in STAGES
                           else len(STAGES)))

    def as_json(self) -> dict:
        return {"report_version": REPORT_VERSION, "run_id": self.run_id, "run_date": self.run_date.isoformat(),
                "started_at": self.started_at, "duration_seconds": round(self.duration, 3),
                "peak_memory_bytes": self.peak_memory, "totals": self.totals(),
                "participants": self.by_participant(),
                "files": [_file_json(r) for r in self.results],
                "errors_by_code": self.errors_by_code(), "files_rejected_by_code": self.files_rejected_by_code(),
                "consultation": self.consultation, "retention": self.retention,
                "barometer_dates": [d.isoformat() for d in self.barometer_dates],
                "stages_seconds": {k: round(v, 3) for k, v in self.stage_seconds().items()}}

    def summary(self, outbox: Path, language: str = DEFAULT_LANGUAGE) -> str:
        """The short human report ``cki run`` prints, in config ``language``."""
        say = WORDS[language]
        if not self.committed:
            lines = [say["unchanged"].format(date=self.run_date)]
        else:
            lines = [*_files_text(self, say), *_counts_text(self, say), say["results"].format(outbox=outbox)]
            if self.report is not None:
                lines.append(say["report"].format(path=self.report))
        if self.barometer_dates:
            lines.append(say["barometers"].format(dates=", ".join(map(str, self.barometer_dates)),
                                                  html=f"{outbox / BAROMETER}/barometer.html"))
        return "\n".join(lines) + "\n"


def write(folder: Path, result: NightResult) -> Path:
    """Write the night's JSON report atomically; nights never share a name."""
    path = folder / report_name(result.run_date, result.run_id or "none")
    fsio.write_json(path, result.as_json())
    result.report = path
    return path


def report_name(run_date: date, run_id: str) -> str:
    return f"{run_date:%Y-%m-%d}_{run_id}.json"


def _counts(results: list[FileResult]) -> dict[str, int]:
    return {"files": len(results), "records": sum(r.records for r in results),
            "accepted": sum(r.accepted for r in results), "rejected": sum(r.rejected for r in results),
            "warnings": sum(r.warnings for r in results)}


def _file_json(r: FileResult) -> dict:
    return {"participant": r.participant, "file": r.file, "kind": r.kind, "status": r.status,
            "records": r.records, "accepted": r.accepted, "rejected": r.rejected, "warnings": r.warnings,
            "errors_by_code": r.errors_by_code, "file_error": r.file_error[0] if r.file_error else None}


def _files_text(result: NightResult, say: dict[str, str]) -> list[str]:
    """Today's table: one line per file."""
    files = len(result.results)
    lines = [say["run_1" if files == 1 else "run"].format(run_id=result.run_id, date=result.run_date, files=files)]
    for r in result.results:
        err = f"  {r.file_error[0]}" if r.file_error else ""
        counts = say["file"].format(accepted=r.accepted, rejected=r.rejected, warnings=r.warnings)
        lines.append(f"  {shown(r.participant):<12} {shown(r.file):<40} {r.status:<8} {counts}{err}")
    return lines


def _counts_text(result: NightResult, say: dict[str, str]) -> list[str]:
    """Per participant, errors by code, consultation, retention, stages and memory."""
    width = {k: max(len(say[k]), 7) for k in COUNTS}
    lines = ["  " + f"{say['participant']:<12}" + "".join(f" {say[k]:>{width[k]}}" for k in COUNTS)]
    for name, c in {**result.by_participant(), say["total"]: result.totals()}.items():
        lines.append("  " + f"{shown(name):<12}" + "".join(f" {c[k]:>{width[k]}}" for k in COUNTS))
    codes, whole = result.errors_by_code(), result.files_rejected_by_code()
    if codes:
        lines.append(say["by_code"] + _listed(codes))
    if whole:
        lines.append(say["whole"] + _listed(whole))
    if result.consultation.get("requests"):
        lines.append(say["consultation"].format(**result.consultation))
    if any(result.retention.values()):
        lines.append(say["retention"] + _listed({say.get(k, k.replace("_", " ")): v
                                                  for k, v in result.retention.items()}))
    stages = ", ".join(f"{STAGES.get(k, k)} {v:.1f}" for k, v in result.stage_seconds().items())
    lines.append(say["took"].format(seconds=result.duration, stages=stages, mib=result.peak_memory / 2**20))
    return lines


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())
