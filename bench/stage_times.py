"""Where one load's or night's time goes, step by step: `cki run` in this process, with a timer
around each named step of the apply stage.

    python bench/stage_times.py --workdir DIR [--load] [--step MODULE:NAME ...]

DIR is a `bench/run.py --keep` folder, as for `night_pairs.py`: the night runs on a fresh copy of
`DIR/loaded/` (made by this checkout's `cki` when missing), the load (`--load`) on a fresh copy
of the generated inbox, both in `DIR/stages/`.

py-spy attributes a sample to the deepest frame and needs a core to itself; these timers count
the wall seconds spent inside each step, with no sampling and no second process, so two builds
can be compared step by step. A step called inside another counts in both. A step is a function
or method as the module that calls it sees it (`pipeline.apply.mutations:apply_records`, not the
module that defines it). Prints each step's seconds and calls, then the run's wall seconds and
the CPU seconds of cki and of its reading worker.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from night_pairs import fresh_workspace, loaded

M = "pipeline.apply.mutations"
STEPS = [                       # the apply stage's steps, outermost first
    f"{M}:MutationNight._chunk", f"{M}:validate_mutations", f"{M}:_valid", f"{M}:hashed_keys",
    "pipeline.apply.tonight:StoredTable.before_reading", f"{M}:touch_all",
    "pipeline.apply.tonight:StoredTable.rows_of", f"{M}:apply_records", f"{M}:contract_ids",
    "pipeline.apply.linking:PersonLinks.link", "pipeline.apply.nightpersons:NightPersons.person_ids",
    "pipeline.apply.linking:PersonLinks._reports", f"{M}:MutationNight._contracts", f"{M}:closed_versions",
    f"{M}:MutationNight._codes", "pipeline.apply.events:NightEvents.add", f"{M}:MutationNight._spill_when_full",
    f"{M}:chunks", f"{M}:MutationNight.finish", f"{M}:MutationNight._resolve_persons",
    "pipeline.intake.isolation:ReadingWorker.collect",
]


def timed(steps: list[str]) -> tuple[Counter, Counter]:
    """Wrap each step in a timer; the seconds and calls per step, filled as the run goes."""
    seconds: Counter = Counter()
    calls: Counter = Counter()
    for step in steps:
        module, _, path = step.partition(":")
        owner = importlib.import_module(module)
        *outer, name = path.split(".")
        for attr in outer:
            owner = getattr(owner, attr)
        setattr(owner, name, _timer(getattr(owner, name), step, seconds, calls))
    return seconds, calls


def _timer(function: Callable, step: str, seconds: Counter, calls: Counter) -> Callable:
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[step] += time.perf_counter() - start
            calls[step] += 1
    return run


def workspace(workdir: Path, load: bool, manifest: dict) -> Path:
    """A fresh copy to run on, as ``night_pairs`` makes one, in ``DIR/stages/``."""
    source = None if load else loaded(workdir, str(Path(sys.executable).parent / "cki"), manifest)
    run = fresh_workspace(workdir, source, workdir / "stages")
    os.sync()           # the copy's writes, not the run, pay for the disk
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="a bench/run.py --keep folder")
    parser.add_argument("--load", action="store_true", help="time the initial load instead of the night")
    parser.add_argument("--step", action="append", metavar="MODULE:NAME", help="a step to time (default: STEPS)")
    args = parser.parse_args(argv)
    manifest = json.loads((args.workdir / "gen" / "manifest.json").read_text(encoding="utf-8"))
    run = workspace(args.workdir, args.load, manifest)
    date = manifest["load_date" if args.load else "night_date"]
    seconds, calls = timed(args.step or STEPS)
    from pipeline.cli import main as cki

    own, worker, start = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    code = cki(["run", "--config", str(run / "config.yaml"), "--date", date])
    wall = time.perf_counter() - start
    own, worker = _cpu(resource.RUSAGE_SELF) - own, _cpu(resource.RUSAGE_CHILDREN) - worker     # the run's alone
    print(f"\n{'seconds':>8} {'calls':>6}  step")
    for step, spent in seconds.most_common():
        print(f"{spent:8.2f} {calls[step]:6d}  {step}")
    print(f"wall {wall:.2f} s; CPU: cki {own:.1f} s, its reading worker {worker:.1f} s")
    return code or 0


def _cpu(who: int) -> float:
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


if __name__ == "__main__":
    sys.exit(main())
