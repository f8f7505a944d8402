"""What no design of cki's load or night can go below on this host, part by part (issue 17).

    python bench/floor_parts.py load  --workdir DIR     # the load's reads and writes alone
    python bench/floor_parts.py scans --workdir DIR     # the night's reads that follow the register's size

DIR is a `bench/run.py --keep` folder whose `loaded/` holds the register after the initial load
(`bench/night_pairs.py` makes it). `load` times Polars copying every INIT file into one Parquet
file (the DuckDB floor's work), reading them (all columns as text), and writing every table the
load wrote (the register's own rows, zstd): the load's I/O without any of its rules, matching,
numbering or fsyncs. `scans` times, one by one and each the best of three, the reads of a night
whose cost follows the register's size, not the night's: the chunk's reads of its contracts'
rows (``locate``), the person match's narrowed read of all persons, and the consultation's read
of borrowers by person.
Each row gives wall and CPU seconds (all threads).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from floor import files_of  # noqa: E402

from pipeline.register.state import CONTRACT_KEY  # noqa: E402
from pipeline.register.store import DATA, Register, narrowing_on  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, work: Callable[[], object], repeat: int = 1) -> tuple[float, float]:
    """The best wall time of ``repeat`` runs of ``work``, with that run's CPU seconds; printed."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), _cpu()
        work()
        best = min(best, (time.perf_counter() - wall, _cpu() - cpu))
    print(f"{label:<52} wall {best[0]:6.2f} s  cpu {best[1]:6.2f} s", flush=True)
    return best


def load(workdir: Path) -> None:
    """Reading the INIT files, then writing each table the load wrote, once."""
    files = files_of(workdir / "gen", "INIT")
    with tempfile.TemporaryDirectory(dir=workdir) as out:       # what the DuckDB floor does, by Polars
        timed("copy every INIT file into one Parquet file", lambda: pl.scan_csv(
            files, separator=";", infer_schema=False).sink_parquet(Path(out) / "copy.parquet", compression="zstd"))
    read = timed("read every INIT file (Polars, all text)",
                 lambda: pl.scan_csv(files, separator=";", infer_schema=False).collect())
    reg = Register(workdir / "loaded" / "register")
    tables = {**reg.manifest.tables, "events": reg.manifest.events}
    walls, cpus = [read[0]], [read[1]]
    with tempfile.TemporaryDirectory(dir=workdir) as out:
        for name, parts in tables.items():
            frame = pl.read_parquet([reg.root / DATA / part for part in parts])
            target = Path(out) / f"{name}.parquet"
            wall, cpu = timed(f"write {name} ({frame.height:,} rows)", lambda f=frame, t=target: f.write_parquet(
                t, compression="zstd", statistics=False))
            walls.append(wall)
            cpus.append(cpu)
    print(f"{'the load I/O alone':<52} wall {sum(walls):6.2f} s  cpu {sum(cpus):6.2f} s")


def night_keys(workdir: Path) -> pl.DataFrame:
    """The contract keys of the night's mutation files."""
    return pl.concat([pl.read_csv(path, separator=";", infer_schema=False, columns=CONTRACT_KEY)
                      for path in sorted((workdir / "gen" / "night").glob("*/*_MUT_*.csv"))]).unique()


def scans(workdir: Path) -> None:
    """The night's reads that scan a whole table, each alone."""
    reg = Register(workdir / "loaded" / "register")
    keys = night_keys(workdir)
    for name in ("contracts", "borrowers", "codes"):
        timed(f"locate {name} of {keys.height:,} contracts",
              lambda n=name: reg.locate(n, keys, CONTRACT_KEY).collect(), 3)
    persons = reg.scan("persons").select("person_id", "surname_key", "birth_date").collect()
    asked = persons.sample(100_000, seed=1)
    del persons
    timed("persons narrowed by 100,000 (surname, birth date)", lambda: reg.scan("persons").filter(
        narrowing_on(asked, ["surname_key", "birth_date"])).collect(), 3)
    timed("borrowers of 100,000 persons", lambda: reg.scan("borrowers").filter(
        pl.col("person_id").is_in(asked["person_id"].implode())).collect(), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=["load", "scans"])
    parser.add_argument("--workdir", type=Path, required=True, help="a bench/run.py --keep folder with loaded/")
    args = parser.parse_args(argv)
    if not (args.workdir / "loaded" / "register").exists():
        sys.exit(f"{args.workdir}/loaded/register is missing: run bench/night_pairs.py --workdir {args.workdir} first")
    (load if args.part == "load" else scans)(args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
