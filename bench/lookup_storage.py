"""Would row-level access make a night's lookups cheaper? (decision 110)

A night finds the rows of about 5 % of the register's contracts. Today each part is read once,
narrowed inside the Parquet reader by a hash of the key (``Register.locate``). This measures that
against the storage issue 17's notes proposed: the same part as an uncompressed Arrow IPC file
read through a memory map, with a stored sorted u64 hash → row index, so only the rows found are
taken. It also times reading the whole part, the cost a lookup cannot go below with Parquet.

    .venv/bin/python bench/lookup_storage.py --register /tmp/cki-bench-s1-seed1/run/register

It reads the register only; its own files go in ``--scratch`` and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.register.state import CONTRACT_KEY  # noqa: E402
from pipeline.register.store import Register  # noqa: E402

SEED = 5


def timed(label: str, run, repeat: int) -> None:
    """Median CPU (this process, all threads) and wall seconds of ``run`` over ``repeat`` runs."""
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        rows = run().height
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    print(f"{label:44s} cpu {statistics.median(cpu):6.2f} s  wall {statistics.median(wall):6.2f} s  rows {rows}")


def build(part: Path, scratch: Path) -> tuple[Path, Path]:
    """The part as uncompressed IPC (large strings, so PyArrow can take rows) and its sorted index."""
    frame = pl.read_parquet(part)
    ipc, index = scratch / "table.arrow", scratch / "index.npy"
    frame.write_ipc(ipc, compression="uncompressed", compat_level=pl.CompatLevel.oldest())
    hashes = frame.select(pl.struct(CONTRACT_KEY).hash(seed=SEED)).to_series().to_numpy()
    order = np.argsort(hashes, kind="stable")
    np.save(index, np.stack([hashes[order], order.astype(np.uint64)]))
    print(f"sizes: parquet {part.stat().st_size >> 20} MB, ipc {ipc.stat().st_size >> 20} MB, "
          f"index {index.stat().st_size >> 20} MB")
    return ipc, index


def through_index(ipc: Path, index: Path, keys: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``keys``: search the sorted hashes, take those rows from the mapped file, and
    let the key itself decide (a hash only narrows)."""
    table = pa.ipc.open_file(pa.memory_map(str(ipc))).read_all()
    hashes, rows = np.load(index, mmap_mode="r")
    asked = np.sort(keys.select(pl.struct(CONTRACT_KEY).hash(seed=SEED)).to_series().to_numpy())
    low, high = np.searchsorted(hashes, asked, "left"), np.searchsorted(hashes, asked, "right")
    count = high - low
    found = np.repeat(low, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    taken = pl.from_arrow(table.take(np.sort(rows[found])))
    assert isinstance(taken, pl.DataFrame)
    return taken.join(keys, on=CONTRACT_KEY, how="semi")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--register", type=Path, required=True)
    parser.add_argument("--table", default="contracts")
    parser.add_argument("--fraction", type=float, default=0.047, help="share of keys looked up (a night: 4.7 %%)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/cki-lookup-storage"))
    args = parser.parse_args()
    reg = Register(args.register)
    parts = reg.manifest.tables[args.table]
    if len(parts) != 1:
        sys.exit(f"{args.table} has {len(parts)} parts; this measures a register of one part (after a load)")
    part = args.register / "data" / parts[0]
    keys = pl.read_parquet(part, columns=CONTRACT_KEY)
    keys = keys.sample(fraction=args.fraction, seed=7).unique()
    print(f"{args.table}: {pl.scan_parquet(part).select(pl.len()).collect().item()} rows, {keys.height} keys asked")
    args.scratch.mkdir(parents=True, exist_ok=True)
    try:
        ipc, index = build(part, args.scratch)
        located = lambda: reg.locate(args.table, keys, CONTRACT_KEY).collect()  # noqa: E731
        timed("Register.locate (Parquet, narrowed by hash)", located, args.repeat)
        timed("whole part read (Parquet)", lambda: pl.read_parquet(part), args.repeat)
        timed("IPC memory map + sorted hash index", lambda: through_index(ipc, index, keys), args.repeat)
    finally:
        shutil.rmtree(args.scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
