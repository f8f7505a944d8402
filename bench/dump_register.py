"""Dump every register table (live rows, through the register API of the cki that runs this) as Parquet.

    python bench/dump_register.py WORKSPACE/register OUT_DIR

Run it with each version's own Python (a clone's .venv for the baseline), then compare two
workspaces with ``bench/compare_runs.py`` (issue 17: equal outputs before and after, table by table).
The ``contract_id`` column (decision 112: the register's own number for a contract, which a
register from before it does not have) is left out of the dumps, and only it, so a register with
ids compares with one without."""
import sys
from pathlib import Path

try:
    from pipeline.register.store import TABLE_SCHEMAS, Register
except ImportError:
    from pipeline.register import TABLE_SCHEMAS, Register

root, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
reg = Register(root)
for name in [*TABLE_SCHEMAS, "events"]:
    frame = reg.scan_events() if name == "events" else reg.scan(name)
    if frame is None:
        continue
    frame.drop("contract_id", strict=False).collect().write_parquet(out / f"{name}.parquet")
print(f"dumped {len(list(out.iterdir()))} tables of version {reg.version}")
