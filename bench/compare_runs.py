"""Compare two workspaces: every file under outbox/ and archive/ byte by byte (result.json without
processed_at), and the register dumps of ``bench/dump_register.py`` (frames sorted).

    python bench/compare_runs.py WORKSPACE_BEFORE WORKSPACE_AFTER DUMP_BEFORE DUMP_AFTER

Exit 1 when anything differs. Two registers make different PURGE_KEYs, so the ``purges``
table's key hashes differ unless both registers are given the same key before the erasing night."""
import json
import sys
from pathlib import Path

import polars as pl

a, b, dump_a, dump_b = map(Path, sys.argv[1:5])
bad = 0
for folder in ("outbox", "archive"):
    fa = {p.relative_to(a) for p in (a / folder).rglob("*") if p.is_file()}
    fb = {p.relative_to(b) for p in (b / folder).rglob("*") if p.is_file()}
    if fa != fb:
        bad += 1
        print(f"{folder}: only before {sorted(fa - fb)[:5]}, only after {sorted(fb - fa)[:5]}")
    same = 0
    for rel in sorted(fa & fb):
        x, y = (a / rel).read_bytes(), (b / rel).read_bytes()
        if rel.name.endswith(".result.json"):
            x, y = [{k: v for k, v in json.loads(t).items() if k != "processed_at"} for t in (x, y)]
        if x != y:
            bad += 1
            print(f"differs: {rel}")
        else:
            same += 1
    print(f"{folder}: {same} of {len(fa)} files equal")
ta = sorted(p.name for p in dump_a.iterdir())
tb = sorted(p.name for p in dump_b.iterdir())
if ta != tb:
    bad += 1
    print("tables differ:", ta, tb)
rows = 0
for name in sorted(set(ta) & set(tb)):
    x, y = pl.read_parquet(dump_a / name), pl.read_parquet(dump_b / name)
    if x.schema != y.schema or not x.sort(pl.all()).equals(y.sort(pl.all())):
        bad += 1
        print(f"table differs: {name} ({x.height} vs {y.height} rows)")
    rows += x.height
print(f"register: {len(ta)} tables, {rows:,} rows compared; {'SAME' if not bad else f'{bad} DIFFERENCES'}")
sys.exit(1 if bad else 0)
