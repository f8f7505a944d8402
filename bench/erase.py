"""The erasure benchmark: a night with N DELETEs and a retention purge of about a share of the register.

Takes a kept bench workdir (``bench/run.py ... --keep``), copies its ``run/`` workspace (the
register as the measured night left it), picks the run date on which about ``--purge-share`` of
the contracts reach five years after their end, writes one MUT file per participant with
``--deletes`` DELETE records of running contracts, and times that night as a whole process.

    python bench/erase.py --workdir /tmp/cki-bench-s1-seed1-load20260929-night20261001
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from run import find_cki, measure  # noqa: E402

from pipeline.register.store import Register  # noqa: E402


def purge_date(contracts: pl.DataFrame, share: float) -> dt.date:
    """The run date by which ``share`` of the contracts are five years past their end."""
    ends = contracts["actual_end_date"].drop_nulls().sort()
    cut = ends[min(int(share * contracts.height), ends.len() - 1)]
    return dt.date(cut.year + 5, cut.month, min(cut.day, 28)) + dt.timedelta(days=1)


def write_deletes(run: Path, contracts: pl.DataFrame, count: int, on: dt.date) -> int:
    """DELETE records of ``count`` running contracts, one MUT file per participant."""
    running = contracts.filter(pl.col("actual_end_date").is_null()).sample(count, seed=5)
    rows = running.select("participant_code", "contract_number", pl.lit("DELETE").alias("mutation_type"),
                          pl.lit(on.isoformat()).alias("event_date"))
    for (participant,), part in rows.partition_by("participant_code", as_dict=True).items():
        folder = run / "inbox" / participant
        folder.mkdir(parents=True, exist_ok=True)
        part.write_csv(folder / f"{participant}_MUT_{on:%Y%m%d}_900001.csv", separator=";")
    return rows.height


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--deletes", type=int, default=10_000)
    parser.add_argument("--purge-share", type=float, default=0.05)
    parser.add_argument("--cki", help="path of the cki command")
    args = parser.parse_args(argv)
    run, copy = args.workdir / "run", args.workdir / "erase"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("inbox"))
    contracts = Register(copy / "register").read("contracts").select(
        "participant_code", "contract_number", "actual_end_date")
    on = purge_date(contracts, args.purge_share)
    expiring = contracts.filter(pl.col("actual_end_date").dt.offset_by("5y") <= on).height
    deletes = write_deletes(copy, contracts, args.deletes, on)
    step = measure("cki erase night", [find_cki(args.cki), "run", "--config", str(copy / "config.yaml"),
                                        "--date", on.isoformat()], args.workdir / "logs")
    reports = sorted((copy / "reports").glob("*.json"))
    stages = json.loads(reports[-1].read_text())["stages_seconds"] if reports else None
    result = {"run_date": on.isoformat(), "contracts": contracts.height, "deletes": deletes,
              "expiring": expiring, "expiring_share": round(expiring / contracts.height, 4), "night": step,
              "stages_seconds": stages}   # the erasure is in "commit" and "publish"; a far run date also
                                         # owes every quarter end since the load ("barometers")
    (args.workdir / "erase_result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0 if step["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
