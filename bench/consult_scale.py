"""The consultation step at national person count (issue 4's benchmark).

Usage: python bench/consult_scale.py WORKSPACE [COPIES]

WORKSPACE is a workspace after a night with consultation requests (its register and archived
RAAD files), e.g. the run folder of `bench/run.py --keep`. The register is replicated COPIES times
(default 11: about 7.6 M persons from the 1 M-contract workload) with shifted birth dates and new
ids, and 100 k requests are answered twice in-process with the night's consultation step.
"""
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import polars as pl

from pipeline.config import load_config
from pipeline.consult.requests import RegisterView
from pipeline.intake import Delivery
from pipeline.night import consult
from pipeline.register.store import Register

WORKSPACE = Path(sys.argv[1])
COPIES = int(sys.argv[2]) if len(sys.argv) > 2 else 11
cfg = load_config(WORKSPACE / 'config.yaml')
reg = Register(cfg.register)
P, A, B, C, K = (reg.read(t) for t in ("persons", "addresses", "borrowers", "contracts", "codes"))
top = int(P["person_id"].max()) + 1
def rep(frame, k, person=True, contract=True):
    cols = []
    if person and "person_id" in frame.columns:
        cols.append(pl.col("person_id") + k * top)
    if "birth_date" in frame.columns:
        cols.append(pl.col("birth_date") + pl.duration(days=k))
    if contract and "contract_number" in frame.columns:
        cols.append(pl.col("contract_number") + f"~{k}")
    return frame.with_columns(cols) if k else frame
view = RegisterView(*(pl.concat([rep(f, k) for k in range(COPIES)]) for f in (P, A, B, C, K)))
files = sorted((WORKSPACE / 'archive').rglob('*_RAAD_*.csv'))
reqs = pl.concat([pl.read_csv(f, separator=';', infer_schema=False) for f in files])
big = pl.concat([reqs.with_columns(pl.col('request_id') + f'-{k}') for k in range(11)]).head(100_000)
d = Delivery(Path('x'), 'BANK01', 'BANK01_RAAD_20261103_000009.csv', kind='RAAD')
d.frame = big.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias('line_no'))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"persons {view.persons.height:,} contracts {view.contracts.height:,} requests {big.height:,}; "
      f"RSS before {before:.0f} MB")
for _ in range(2):
    t = time.time()
    c = consult([(0, d)], view, cfg, dt.date(2026, 11, 3))
    print(f"consult {time.time()-t:.2f}s  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MB")
print(c.answers.answers.group_by('match_status').len().sort('match_status').rows())
