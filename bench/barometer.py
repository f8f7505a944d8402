"""Time `cki barometer`: (re)produce one reference date on a benchmark register (SPEC 7).

    python bench/run.py --scale 1 --load-date 2026-09-29 --night-date 2026-10-01 --keep
    python bench/barometer.py --workdir /tmp/cki-bench-s1-seed1-load20260929-night20261001

Needs a workdir whose run/ was kept (`run.py ... --keep`): its register is the one the night
left. Runs `cki barometer --peildatum D --config <workdir>/run/config.yaml` as a whole process
(wall seconds, CPU seconds and peak RSS, as run.py measures its steps) on run/ itself: a restatement replaces
the date's rows in the history and is idempotent, so nothing is copied first. Default D: the last
reference date the night owed (the last quarter end in [load date, night date)).

Writes <workdir>/barometer_result.json: the figures per run, the targets met or not, how many
reference dates the history holds, the national counts of D, whether the restatement published
the same history the night did, and how many cells the gemeente and age tables suppress.
With ``--stages`` it times ``compute``'s stages in its own process instead (bench/barometer_stages.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _read_json, _separator, find_cki, measure, produced_dates, reference_dates  # noqa: E402

TARGETS = {"seconds": 10.0, "rss_mb": 4096}
OUTBOX = Path("outbox") / "barometer"
NATIONAL = ("kredietbarometer_nationaal", "hypotheekbarometer_nationaal")
SUPPRESSED = ("kredietbarometer_gemeente", "kredietbarometer_leeftijd",
              "hypotheekbarometer_gemeente", "hypotheekbarometer_leeftijd")


def default_peildatum(workdir: Path) -> str:
    """The last reference date the bench's night owed (from bench_result.json's dates)."""
    result = _read_json(workdir / "bench_result.json") or {}
    dates = result.get("dates") or {}
    owed = reference_dates(dates["load"], dates["night"]) if dates else []
    if not owed:
        raise SystemExit(f"{workdir}: the bench night owed no reference date (run.py with --load-date and "
                         "--night-date around a quarter end, e.g. 2026-09-29 and 2026-10-01), or pass --peildatum")
    return owed[-1]


def read_table(run: Path, name: str) -> pl.DataFrame | None:
    path = run / OUTBOX / f"{name}.csv"
    if not path.exists():
        return None
    return pl.read_csv(path, separator=_separator(path), infer_schema=False)


def snapshot(run: Path) -> dict[str, bytes]:
    """The published history tables as bytes (to see whether a restatement changed them)."""
    folder = run / OUTBOX
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))} if folder.exists() else {}


def figures(run: Path, peildatum: str) -> dict:
    """Counts only: the national rows of the date and the suppressed cells per table."""
    out: dict = {"history_reference_dates": len(produced_dates(run))}
    for name in NATIONAL:
        table = read_table(run, name)
        rows = [] if table is None else table.filter(pl.col("peildatum") == peildatum).to_dicts()
        out[name] = ({k: int(v) for k, v in rows[0].items() if k != "peildatum"} if len(rows) == 1
                     else f"{len(rows)} rows for {peildatum}")
    suppressed = {}
    for name in SUPPRESSED:
        table = read_table(run, name)
        if table is None:
            continue
        mine = table.filter(pl.col("peildatum") == peildatum)
        counts = [c for c in mine.columns if c.startswith(("persons_", "contracts"))]
        suppressed[name] = {"rows": mine.height,
                            "rows_suppressed": mine.filter(pl.col("suppressed") == "true").height,
                            "cells_suppressed": int(sum(mine[c].is_null().sum() for c in counts))}
    out["suppressed"] = suppressed
    return out


def warm_register(run: Path) -> None:
    """Read the register's files once, as run.py warms its inputs."""
    for path in sorted((run / "register").rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass


def judge(value: float | None, limit: float) -> str:
    return "n/a" if value is None else ("pass" if value <= limit else "fail")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="time cki barometer (one reference date) on a bench register")
    parser.add_argument("--workdir", type=Path, required=True, help="a run.py workdir whose run/ was kept (--keep)")
    parser.add_argument("--peildatum", type=dt.date.fromisoformat,
                        help="the reference date (default: the last one the bench night owed)")
    parser.add_argument("--repeat", type=int, default=1, help="restate it this many times (default 1)")
    parser.add_argument("--cki", help="path of the cki command (default: on PATH or next to python)")
    parser.add_argument("--stages", action="store_true",
                        help="time compute's stages in this process instead, reading the register only")
    return parser.parse_args(argv)


def show_stages(workdir: Path, peildatum: str) -> int:
    """``--stages``: print and write (barometer_stages.json) where one date's CPU and memory go."""
    from barometer_stages import stage_times

    rows = stage_times(workdir / "run" / "config.yaml", dt.date.fromisoformat(peildatum))
    (workdir / "barometer_stages.json").write_text(json.dumps({"peildatum": peildatum, "stages": rows}, indent=1),
                                                   encoding="utf-8")
    print(f"\n{'stage':<18} {'seconds':>9} {'CPU seconds':>12} {'peak RSS MB':>12}")
    for r in rows:
        print(f"{r['step']:<18} {r['seconds']:>9.2f} {r['cpu_seconds']:>12.2f} {r['peak_rss_mb']:>12}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = args.workdir.resolve()
    run, logs = workdir / "run", workdir / "logs"
    config = run / "config.yaml"
    if not (config.exists() and (run / "register").is_dir()):
        raise SystemExit(f"{run} holds no kept register; run bench/run.py ... --keep first")
    cki = find_cki(args.cki)
    if cki is None:
        raise SystemExit("cki command not found (--cki PATH)")
    peildatum = args.peildatum.isoformat() if args.peildatum else default_peildatum(workdir)
    if args.stages:
        return show_stages(workdir, peildatum)
    before = snapshot(run)
    night_figures = figures(run, peildatum) if before else None
    warm_register(run)
    cmd = [cki, "barometer", "--peildatum", peildatum, "--config", str(config)]
    runs = [measure(f"cki barometer {i + 1}" if args.repeat > 1 else "cki barometer", cmd, logs)
            for i in range(max(args.repeat, 1))]
    ok = all(r["exit_code"] == 0 for r in runs)
    seconds = statistics.median(r["seconds"] for r in runs) if ok else None
    rss = max((r["peak_rss_mb"] for r in runs if r["peak_rss_mb"] is not None), default=None) if ok else None
    cpu = [r["cpu_seconds"] for r in runs if r.get("cpu_seconds") is not None]
    after = figures(run, peildatum) if ok else None
    result = {
        "workdir": str(workdir),
        "peildatum": peildatum,
        "cki": cki,
        "command": " ".join(cmd),
        "runs": runs,
        "seconds_median": seconds,
        "peak_rss_mb_max": rss,
        "cpu_seconds_median": statistics.median(cpu) if ok and cpu else None,   # user + system
        "targets": {f"one reference date <= {TARGETS['seconds']:g} s": judge(seconds, TARGETS["seconds"]),
                    f"peak RSS <= {TARGETS['rss_mb']} MB": judge(rss, TARGETS["rss_mb"])},
        "figures": after,
        # the night and the restatement count the same register: the history must not change
        "same_as_night": None if not (before and ok) else snapshot(run) == before,
        "night_figures": night_figures,
    }
    (workdir / "barometer_result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"\n{'step':<18} {'seconds':>9} {'CPU seconds':>12} {'peak RSS MB':>12}  note")
    for r in runs:
        rss_text = "-" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}"
        cpu_text = "-" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.2f}"
        note = "" if r["exit_code"] == 0 else f"exit {r['exit_code']}"
        print(f"{r['step']:<18} {r['seconds']:>9.2f} {cpu_text:>12} {rss_text:>12}  {note}")
    print("\ntargets:", json.dumps(result["targets"]), "\nfigures:", json.dumps(after, indent=1),
          "\nsame history as the night published:", result["same_as_night"])
    print(f"\nwritten: {workdir / 'barometer_result.json'}")
    return 0 if ok and result["same_as_night"] is not False else 1


if __name__ == "__main__":
    sys.exit(main())
