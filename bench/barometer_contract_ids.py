"""What the stored integer contract id saves a reference date (decisions 112, 116)

A reference date joins the running contracts to their borrower links on the contract key, two
strings, through a 128-bit fingerprint (``barometer.asof.fingerprinted``). Issue 12's notes named
a stored integer contract id in ``contracts``, ``borrowers`` and ``codes`` as what would remove that
join: a contract's flags go into an array indexed by its id, and each link reads its contract's
flags back by index. This measures both ways on the same rows: the live contracts, borrower links
and codes of a register are copied once into ``--scratch`` with an id given by row order (what the
register would store), then ``contracts_on`` + ``person_flags`` run on the strings (the same copies
without the id column: the barometer's path for a register not numbered yet) and on the ids (the
bench's own ``contracts_on_ids`` / ``person_flags_ids``, which ``asof.contracts_on`` and
``people.person_flags`` now are), and the per-person flags are checked equal.

    .venv/bin/python bench/barometer_contract_ids.py --config /tmp/b12/n1/config.yaml --peildatum 2026-09-30

It reads the register only (under the readers' lock); its copies are deleted afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import fsio  # noqa: E402
from pipeline.barometer import asof, people, produce  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.register.state import CONTRACT_KEY  # noqa: E402
from pipeline.register.store import reading  # noqa: E402

ID = "contract_id"
TABLES = ("contracts", "borrowers", "codes", "persons", "addresses")


def timed(label: str, run: Callable[[], object], repeat: int) -> object:
    """Median CPU (this process, all threads) and wall seconds of ``run`` over ``repeat`` runs."""
    cpu, wall, result = [], [], None
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        result = run()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    print(f"{label:36s} cpu {statistics.median(cpu):6.2f} s  wall {statistics.median(wall):6.2f} s")
    return result


def copy_with_ids(tables: asof.RegisterTables, scratch: Path) -> asof.RegisterTables:
    """The live rows as one part per table, contracts numbered by row order and the id carried
    into their links and codes (written as the register writes parts)."""
    plain = [frame.drop(ID, strict=False) for frame in (tables.contracts, tables.borrowers, tables.codes)]
    contracts = plain[0].collect().with_row_index(ID).with_columns(pl.col(ID).cast(pl.Int64))
    ids = contracts.select(*CONTRACT_KEY, ID)
    frames = {"contracts": contracts,
              "borrowers": plain[1].collect().join(ids, on=CONTRACT_KEY, how="left", maintain_order="left"),
              "codes": plain[2].collect().join(ids, on=CONTRACT_KEY, how="left", maintain_order="left"),
              "persons": tables.persons.collect(), "addresses": tables.addresses.collect()}
    for name, frame in frames.items():
        fsio.write_part(scratch / f"{name}.parquet", frame)
    return asof.RegisterTables(*[pl.scan_parquet(scratch / f"{name}.parquet") for name in TABLES])


def contracts_on_ids(tables: asof.RegisterTables, on: date, types: list[str]) -> pl.DataFrame:
    """``asof.contracts_on`` keyed by the stored id instead of the fingerprint."""
    arrears = (asof.open_arrears(tables.codes.drop(CONTRACT_KEY), on, [ID])
               .with_columns(pl.lit(True).alias("in_arrears")).collect(engine="in-memory"))
    return (tables.contracts.filter(asof.running_on(on)).select(ID, asof.type_index())
            .join(arrears.lazy(), on=ID, how="left").with_columns(pl.col("in_arrears").fill_null(False))
            .select(ID, asof.consumer_kind(types), asof.contract_flags(on, types)).collect())


def person_flags_ids(contracts: pl.DataFrame, borrowers: pl.LazyFrame, on: date) -> np.ndarray:
    """``people.person_flags`` without a join: flags per contract id, read back per link by index."""
    ids = contracts[ID].to_numpy()
    per_contract = np.zeros(int(ids.max()) + 1, dtype=np.uint8)
    per_contract[ids] = contracts["flags"].to_numpy()
    links = borrowers.filter(pl.col("valid_from") <= on).select(ID, "person_id").collect()
    person = links["person_id"].to_numpy()
    flags = np.zeros(int(person.max()) + 1, dtype=np.uint8)
    np.bitwise_or.at(flags, person, per_contract[links[ID].to_numpy()])
    return flags


def same(a: np.ndarray, b: np.ndarray) -> bool:
    size = max(len(a), len(b))
    return bool(np.array_equal(np.pad(a, (0, size - len(a))), np.pad(b, (0, size - len(b)))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, help="config.yaml of a workspace with a register")
    parser.add_argument("--peildatum", type=date.fromisoformat, required=True)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/cki-barometer-ids"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    config, on = load_config(args.config), args.peildatum
    types = list(config.settings.barometer.consumer_credit_types)
    args.scratch.mkdir(parents=True, exist_ok=True)
    try:
        with reading(config.register) as reg:
            tables = copy_with_ids(produce.tables_of(reg.scan), args.scratch)
        keyed = asof.RegisterTables(*[frame.drop(ID) for frame in (tables.contracts, tables.borrowers, tables.codes)],
                                    tables.persons, tables.addresses)
        strings = timed("strings: contracts_on", lambda: asof.contracts_on(keyed, on, types).collect(), args.repeat)
        by_key = timed("strings: person_flags", lambda: people.person_flags(strings, keyed.borrowers, on), args.repeat)
        ids = timed("ids: contracts_on", lambda: contracts_on_ids(tables, on, types), args.repeat)
        by_id = timed("ids: person_flags", lambda: person_flags_ids(ids, tables.borrowers, on), args.repeat)
        print(f"the same flags per person: {same(by_key, by_id)}")
    finally:
        shutil.rmtree(args.scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
