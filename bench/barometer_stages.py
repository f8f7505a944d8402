"""Where one reference date's CPU and memory go: ``compute``'s stages one after another (SPEC 7).

    python bench/barometer.py --workdir /tmp/cki-bench-s1-seed1-load20260929-night20261001 --stages

Reads the committed register of <workdir>/run (under the readers' lock; nothing is written) and
times, in this process: ``contracts_on`` (the running contracts, their open arrears and flags),
``person_flags`` (the join with the borrower links, or-ed per person), ``places_lived`` (the
address on the date), ``persons_on`` (the persons counted per cell; it runs ``places_lived``
again) and, for the total, ``compute`` whole. CPU seconds are user + system of this process;
peak RSS is the highest resident size seen while the stage ran, memory the earlier stages freed
but the allocator kept included.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

PAGE = resource.getpagesize()
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")    # as a cki process has it (decision 115), before NumPy loads


class PeakRss:
    """The highest resident set size seen while the block runs (polled every 5 ms)."""

    def __enter__(self) -> PeakRss:
        self.peak, self._running = _rss(), True
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._thread.join()

    def _poll(self) -> None:
        while self._running:
            self.peak = max(self.peak, _rss())
            time.sleep(0.005)


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(step: str, work: Callable[[], object]) -> dict:
    wall, cpu = time.perf_counter(), _cpu()
    with PeakRss() as rss:
        work()
    return {"step": step, "seconds": round(time.perf_counter() - wall, 2), "cpu_seconds": round(_cpu() - cpu, 2),
            "peak_rss_mb": round(rss.peak / 2**20)}


def stage_times(config_path: Path, on: date) -> list[dict]:
    """The stages of one reference date on the register ``config_path`` names, one after another."""
    from pipeline.barometer import asof, people, produce
    from pipeline.barometer.tables import compute
    from pipeline.config import load_config, load_pc4
    from pipeline.register.store import reading

    config = load_config(config_path)
    pc4, types = load_pc4(config), list(config.settings.barometer.consumer_credit_types)
    with reading(config.register) as reg:
        tables, held = produce.tables_of(reg.scan), {}
        steps = {
            "contracts_on": lambda: held.update(contracts=asof.contracts_on(tables, on, types).collect()),
            "person_flags": lambda: held.update(flags=people.person_flags(held.pop("contracts"), tables.borrowers, on)),
            "places_lived": lambda: people.places_lived(tables.addresses, on, people.pc4_places(pc4)),
            "persons_on": lambda: people.persons_on(tables, held.pop("flags"), pc4, on),
            "compute, whole": lambda: compute(tables, pc4, on, types),
        }
        return [timed(step, work) for step, work in steps.items()]
