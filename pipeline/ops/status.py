"""``cki status``: the last nights, the register's size and health, and the next scheduled run.

For a monitoring system: healthy is exit 0; otherwise one line per problem and exit 1. It reads
one committed version under the readers' shared lock (``pipeline.register.store.reading``) and
never takes the run lock, so a probe can neither block a night nor be mistaken for one; a night that runs
meanwhile is seen in ``/proc/locks`` (decision 64).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from pipeline.config import Config
from pipeline.errors import ManifestError
from pipeline.intake.names import printable as shown
from pipeline.outbox import publish
from pipeline.outbox.returns import STAGING
from pipeline.register import manifest
from pipeline.register.store import DATA, Register, reading

NIGHTS = 7             # the last nights shown
MAX_LINES = 20         # problems of one kind listed before "and N more"
SIZE_TABLES = ("contracts", "persons", "events", "consultations")


@dataclass
class Status:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    nights: list[dict] = field(default_factory=list)
    size: list[str] = field(default_factory=list)
    schedule: str = ""
    pending: bool = False          # a committed night's publication waits (its staging is no leftover)
    running: bool = False          # a night holds the run lock: its new files are no leftovers

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_text(self) -> str:
        head = ("cki status: healthy" if self.healthy else
                f"cki status: UNHEALTHY, {len(self.problems)} problem{'s' * (len(self.problems) != 1)}")
        lines = [head, *(f"  {p}" for p in self.problems), *self.notes]
        if self.nights:
            lines += ["last nights:", "  date        run               files   records  accepted  rejected  duration"]
            lines += [f"  {n['run_date']}  {n['run_id']:<16} {n['files']:>6} {n['records']:>9} {n['accepted']:>9} "
                      f"{_or_dash(n['rejected']):>9} {_seconds(n['duration']):>9}" for n in self.nights]
        return "\n".join([*lines, *self.size, self.schedule]) + "\n"


def status(config: Config, now: datetime | None = None) -> Status:
    """Look at the register, the outbox's staging folder, the reports and the schedule; look
    again, leaving tonight's files alone, when a night started while status looked."""
    lock = config.register / ".lock"
    out = _look(config, now, held(lock))
    if not out.healthy and not out.running and held(lock):
        out = _look(config, now, True)
    return out


def _look(config: Config, now: datetime | None, running: bool) -> Status:
    root, out = config.register, Status(running=running)
    if running:
        out.notes.append("a night is running now (the register lock is held): leftovers and the "
                         "publication are judged when it has finished")
    manifest_problem = _manifest_problem(root)
    if manifest_problem:
        out.problems.append(manifest_problem)
    elif (root / manifest.CURRENT).exists():
        with reading(root) as reg:
            _inspect(config, reg, running, out)
    else:
        out.notes.append(f"no night has run yet: {root} holds no register")
    if not running and not out.pending:
        out.problems += _leftovers(config.outbox / STAGING, set(), f"outbox/{STAGING}")
    out.schedule, parses = next_run(config, now)
    if not parses:
        out.problems.append(out.schedule)
    return out


def _manifest_problem(root: Path) -> str | None:
    """Why ``register/CURRENT`` cannot be read as a manifest (damaged, or of a newer cki), if it cannot."""
    try:
        manifest.read(root)
    except ManifestError as exc:
        return str(exc)
    return None


def _inspect(config: Config, reg: Register, running: bool, out: Status) -> None:
    named = reg.named_files()
    missing = sorted(n for n in named if not (reg.root / DATA / n).exists())
    out.problems += _limited([f"missing: register/{DATA}/{n} is named by CURRENT but not on disk"
                              for n in missing])
    if not running:
        out.problems += _leftovers(reg.root / DATA, named, f"register/{DATA}")
        out.problems += _leftovers(reg.root, set(), "register", only_tmp=True)
        out.pending = publish.pending(reg.root, reg.manifest)
        if out.pending:
            out.problems.append(f"the publication of run {reg.manifest.run_id} is pending (the run stopped "
                                "after its commit): the next cki run finishes it")
    out.notes.append(f"register {reg.root}: version {reg.version}, last run {reg.manifest.run_id}")
    broken = {name for name, parts in reg.manifest.tables.items() if set(parts) & set(missing)}
    if set(reg.manifest.events) & set(missing):
        broken.add("events")
    try:
        if not broken & {"runs", "files"}:
            out.nights = last_nights(reg, config.reports)
        out.size = register_size(reg, broken)
    except (OSError, pl.exceptions.PolarsError) as exc:
        out.problems.append(f"a file named by CURRENT cannot be read ({type(exc).__name__}): "
                            "restore the register from a backup")


def _leftovers(folder: Path, named: set[str], shown_as: str, only_tmp: bool = False) -> list[str]:
    """Entries of ``folder`` that no committed version names (what a crashed run left), as one line."""
    if not folder.is_dir():
        return []
    found = sorted(e.name for e in os.scandir(folder) if e.name not in named
                   and (e.name.endswith(".tmp") if only_tmp else True))
    if not found:
        return []
    listed = ", ".join(shown(n) for n in found[:3]) + (", ..." if len(found) > 3 else "")
    return [f"leftovers of a crashed run: {len(found)} in {shown_as} ({listed}); the next cki run deletes them"]


def _limited(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], f"... and {len(lines) - MAX_LINES} more like it"]


def last_nights(reg: Register, reports: Path, count: int = NIGHTS) -> list[dict]:
    """Date, files, records, accepted and rejected of the last nights from the register's ``runs``
    and ``files``; the duration from the night's report, where it has one."""
    rejected = reg.read("files").group_by("run_id").agg(pl.col("rejected").sum())
    runs = (reg.read("runs").sort(["run_date", "run_id"], descending=True).head(count)
            .join(rejected, on="run_id", how="left", maintain_order="left")
            .with_columns(pl.col("rejected").fill_null(0)))
    return [{**row, "run_date": row["run_date"].isoformat(), "duration": _duration(reports, row["run_id"])}
            for row in runs.to_dicts()]


def _duration(reports: Path, run_id: str) -> float | None:
    for path in reports.glob(f"*_{run_id}.json"):
        try:
            return float(json.loads(path.read_text())["duration_seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return None


def register_size(reg: Register, broken: set[str]) -> list[str]:
    """Rows of the main tables and events, and the parts of every table (a table with a missing
    part is not counted)."""
    def rows(name: str) -> str:
        if name in broken:
            return "?"
        frame = reg.scan_events() if name == "events" else reg.scan(name)
        return f"{frame.select(pl.len()).collect().item() if frame is not None else 0:,}"
    parts = {name: len(p) for name, p in sorted(reg.manifest.tables.items())}
    parts["events"] = len(reg.manifest.events)
    files = [reg.root / DATA / n for n in reg.named_files()]
    on_disk = sum(f.stat().st_size for f in files if f.exists())
    return ["size: " + ", ".join(f"{rows(name)} {name}" for name in SIZE_TABLES)
            + f"; {len(files)} files, {_size(on_disk)}",
            "parts per table: " + ", ".join(f"{k} {v}" for k, v in parts.items())]


def next_run(config: Config, now: datetime | None = None) -> tuple[str, bool]:
    """When ``schedule.cron`` fires next in ``timezone``, and whether ``cki schedule`` is running;
    and whether the schedule parses at all."""
    from apscheduler.triggers.cron import CronTrigger

    cron, tz = config.settings.schedule.cron, config.settings.timezone
    try:
        zone = ZoneInfo(tz)
        trigger = CronTrigger.from_crontab(cron, timezone=zone)
    except (ValueError, LookupError) as exc:
        return f"config.yaml: schedule.cron or timezone does not parse ({type(exc).__name__}: {exc})", False
    fire = trigger.get_next_fire_time(None, now or datetime.now(zone))
    serving = "running" if held(config.register / ".schedule.lock") else "not running"
    when = f"{fire:%Y-%m-%d %H:%M %Z}" if fire else "never"
    return f"next scheduled run: {when} (cron \"{cron}\", {tz}); cki schedule is {serving}", True


def held(path: Path) -> bool:
    """Whether a process holds an ``flock`` on ``path``, read from ``/proc/locks`` (Linux) so the
    lock is never taken: a probe that took the run lock for a moment could make a night that
    starts in that moment stop as 'locked'. False where ``/proc/locks`` cannot tell."""
    try:
        st = path.stat()
        table = Path("/proc/locks").read_text()
    except OSError:
        return False
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    return any(line.split()[1:2] == ["FLOCK"] and device in line.split() for line in table.splitlines())


def _size(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n / 1024:,.0f} KiB"


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
