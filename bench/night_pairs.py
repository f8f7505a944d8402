"""The same night by several cki builds, in interleaved rounds, each right after a DuckDB floor run.

    python bench/night_pairs.py --workdir DIR --rounds 3 --cki main=/tmp/base/.venv/bin/cki \
        --cki change=/tmp/wt/.venv/bin/cki [--load] [--out FILE.json]

On a shared two-core host the same night moves by ±20 % within an hour, and cki loses more than
DuckDB when the host is busy. So a change is compared with its base only night by night: in each
round every build runs the night once, in an order that turns round by round, and each run comes
right after its own floor run, whose time it is divided by.

DIR is a `bench/run.py --keep` folder (its `gen/` and `floor/`). The register after the load is
made once, into `DIR/loaded/`, by the first build's `cki run`; each night runs on a fresh copy of
it in `DIR/pairs/`. Prints one row per night: floor and cki wall seconds, their ratio, CPU, peak
RSS and the run report's stages. With ``--load`` the initial load is measured the same way, each
on a fresh copy of the generated inbox, after a floor load.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from run import measure, place_files

BENCH = Path(__file__).resolve().parent


def loaded(workdir: Path, cki: str, manifest: dict) -> Path:
    """The workspace after the initial load, made once and then only copied."""
    target = workdir / "loaded"
    if (target / "register").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("config.yaml", "pc4_gemeente.csv"):
        shutil.copy2(workdir / "gen" / name, target / name)
    place_files(workdir / "gen" / "inbox", target / "inbox")
    step = measure("loaded", [cki, "run", "--config", str(target / "config.yaml"), "--date", manifest["load_date"]],
                   workdir / "logs")
    if step["exit_code"] != 0:
        sys.exit(f"the load into {target} failed: {step['log']}")
    return target


def fresh_workspace(workdir: Path, source: Path | None, run: Path) -> Path:
    """``run`` made afresh: a copy of the loaded workspace ``source`` with the night's files, or,
    with no ``source``, the generated inbox for an initial load."""
    shutil.rmtree(run, ignore_errors=True)
    if source:
        shutil.copytree(source, run, symlinks=True)
        place_files(workdir / "gen" / "night", run / "inbox")
    else:
        run.mkdir(parents=True)
        for name in ("config.yaml", "pc4_gemeente.csv"):
            shutil.copy2(workdir / "gen" / name, run / name)
        place_files(workdir / "gen" / "inbox", run / "inbox")
    return run


def night(workdir: Path, source: Path | None, tag: str, cki: str, manifest: dict) -> dict:
    """One night of one build on a fresh copy of the loaded workspace (``source``), right after a
    floor run; or, with no ``source``, the initial load after a floor load."""
    phase = "night" if source else "load"
    floor = measure(f"floor {phase}", [sys.executable, str(BENCH / "floor.py"), phase, "--workspace",
                                       str(workdir / "gen"), "--out", str(workdir / "floor")], workdir / "logs")
    run = fresh_workspace(workdir, source, workdir / "pairs" / tag)
    step = measure(f"{phase} {tag}", [cki, "run", "--config", str(run / "config.yaml"), "--date",
                                      manifest[f"{phase}_date"]], workdir / "logs")
    reports = sorted((run / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime)
    stages = json.loads(reports[-1].read_text(encoding="utf-8"))["stages_seconds"] if reports else {}
    return {"build": tag, "floor_s": floor["seconds"], "cki_s": step["seconds"],
            "ratio": round(step["seconds"] / floor["seconds"], 3), "cpu_s": step["cpu_seconds"],
            "peak_rss_mb": step["peak_rss_mb"], "exit_code": step["exit_code"], "stages": stages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="a bench/run.py --keep folder")
    parser.add_argument("--cki", action="append", required=True, metavar="TAG=PATH", help="a build to run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--load", action="store_true", help="measure the initial load instead of the night")
    parser.add_argument("--out", type=Path, help="the rows as JSON")
    args = parser.parse_args(argv)
    builds = [tuple(spec.split("=", 1)) for spec in args.cki]
    manifest = json.loads((args.workdir / "gen" / "manifest.json").read_text(encoding="utf-8"))
    source = None if args.load else loaded(args.workdir, builds[0][1], manifest)
    rows = []
    for round_no in range(args.rounds):
        turn = round_no % len(builds)
        for tag, cki in builds[turn:] + builds[:turn]:
            row = night(args.workdir, source, tag, cki, manifest) | {"round": round_no + 1}
            rows.append(row)
            stages = " ".join(f"{k} {v:.2f}" for k, v in row["stages"].items() if v >= 0.05)
            print(f"{row['round']} {tag:<10} floor {row['floor_s']:6.2f}  cki {row['cki_s']:6.2f}  "
                  f"{row['ratio']:.2f}x  cpu {row['cpu_s']}  {row['peak_rss_mb']} MB  {stages}", flush=True)
    for tag, _ in builds:
        mine = sorted(r["ratio"] for r in rows if r["build"] == tag)
        print(f"{tag:<10} ratios {' '.join(f'{r:.2f}' for r in mine)}  median {mine[len(mine) // 2]:.2f}")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r["exit_code"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
