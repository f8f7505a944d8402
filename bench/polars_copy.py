"""What the load floor costs in Polars alone: read every INIT file as text, write one Parquet file.

    python bench/polars_copy.py /tmp/cki-bench-s1-seed1/gen

No validation, no register: the part of ``cki load`` that no design can avoid. Compare its
seconds with the DuckDB ``floor load`` of the same workspace (bench_result.json).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import polars as pl


def main(gen: Path) -> None:
    files = sorted(gen.glob("inbox/*/*_INIT_*.csv"))
    started = time.perf_counter()
    frames = [pl.read_csv(f, separator=";", infer_schema=False) for f in files]
    read = time.perf_counter() - started
    frame = pl.concat(frames)
    del frames
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        frame.write_parquet(Path(tmp) / "load.parquet")
        write = time.perf_counter() - started
    print(f"{len(files)} files, {frame.height} rows: read {read:.1f} s, write {write:.1f} s, "
          f"together {read + write:.1f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
