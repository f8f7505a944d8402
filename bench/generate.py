"""Generate a national-scale benchmark workspace for `cki`.

    python bench/generate.py --out DIR [--scale 1.0] [--contracts N] [--seed 1]

Writes DIR/config.yaml, DIR/pc4_gemeente.csv, the initial load in DIR/inbox/<P>/ (one INIT
file per participant, or more where one would exceed limits.max_rows: BANK01 at scale 2), the
night after it in DIR/night/<P>/ (one MUT and one RAAD file per participant; the runner moves
them into the inbox) and DIR/manifest.json with the counts.
Scale 1.0 = 10.6 M contracts of 7.3 M persons, 0.5 M mutations, 0.1 M consultation requests.
Everything is vectorised Polars; random values are keyed by entity id (see gen_rng.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from contracts_schema import request
from pipeline.config import Limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_config  # noqa: E402
import gen_contracts  # noqa: E402
import gen_night  # noqa: E402
import gen_people  # noqa: E402
from gen_rng import Rng  # noqa: E402
from gen_rows import contract_number, load_rows, to_file_rows, write_csv  # noqa: E402

NATIONAL = {"contracts": 10_600_000, "persons": 7_300_000, "night_rows": 500_000, "requests": 100_000}
EPOCH = dt.date(1970, 1, 1)
DEFAULT_LOAD_DATE = dt.date(2026, 11, 2)
REQUEST_COLUMNS = request.COLUMN_NAMES
MAX_FILE_ROWS = Limits().max_rows      # a real lender splits a delivery the register would refuse


@dataclass(frozen=True)
class Sizes:
    """How much to generate."""

    contracts: int
    persons: int
    night_rows: int
    requests: int

    @classmethod
    def of(cls, scale: float, contracts: int | None, night_scale: float | None = None) -> Sizes:
        """Sizes of a register; the night follows it unless ``night_scale`` fixes the night's size
        (e.g. a national night on a register twice as large: scale 2, night_scale 1)."""
        n = contracts if contracts else round(NATIONAL["contracts"] * scale)
        ratio = n / NATIONAL["contracts"]
        night = ratio if night_scale is None else night_scale
        return cls(
            contracts=max(n, 1),
            persons=max(1, min(n, round(NATIONAL["persons"] * ratio))),
            night_rows=max(10, round(NATIONAL["night_rows"] * night)),
            requests=max(1, round(NATIONAL["requests"] * night)),
        )


class Progress:
    """Step timings on stderr (counts only, never personal data)."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        print(f"[{now - self.start:7.1f}s +{now - self.last:5.1f}s] {message}", file=sys.stderr, flush=True)
        self.last = now


def night_of(load_date: dt.date, night_date: dt.date | None) -> dt.date:
    """The night's date: as given, else the day after the load."""
    return night_date or load_date + dt.timedelta(days=1)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def build_persons(
    rng: Rng, n_known: int, n_unknown: int, load_day: int, pc4: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Unique persons 0..n_known-1, and n_unknown others no request could mistake for them."""
    need = n_known + round(n_unknown * 1.3) + 10
    size = int(need * 1.02) + 100
    while True:
        unique = gen_people.unique_persons(gen_people.person_pool(rng, size, load_day, pc4))
        if unique.height >= need:
            break
        size = int(size * 1.1)
    known, rest = unique.head(n_known), unique.slice(n_known)
    match = ["skey", "birth_date", "first"]
    first = pl.col("ikey").str.slice(0, 1).alias("first")
    unknown = (
        rest.with_columns(first)
        .join(known.select("skey", "birth_date", first).unique(), on=match, how="anti")
        .sort("pid")
        .head(n_unknown)
    )
    drop = ["pid", "skey", "ikey", "person"]
    return known.drop(drop), unknown.drop([*drop, "first"])


def participant_contracts(contracts: pl.DataFrame, p: int) -> pl.DataFrame:
    """A participant's contracts with their contract numbers."""
    return contracts.filter(pl.col("p") == p).with_columns(contract_number=contract_number(p % 4))


def file_entry(path: Path, out: Path, kind: str, participant: str, rows: pl.DataFrame) -> dict:
    """Manifest entry: counts a runner can check results against."""
    entry = {"participant": participant, "kind": kind, "file": str(path.relative_to(out)), "rows": rows.height}
    if kind == "RAAD":
        entry["requests"] = rows.height
        entry["known"] = int(rows["is_known"].sum())
        return entry
    entry["contracts"] = rows["cid"].n_unique()
    entry["persons"] = rows["person"].drop_nulls().n_unique() if "person" in rows.columns else 0
    entry["mutation_types"] = dict(sorted(rows["mutation_type"].value_counts().iter_rows()))
    return entry


def write_load(
    out: Path, contracts: pl.DataFrame, persons: pl.DataFrame, parts: pl.DataFrame, load_date: dt.date
) -> list[dict]:
    """A participant's initial load in the fewest INIT files within ``limits.max_rows``, whole
    contracts per file (at scale 1 one file each); returns the manifest entries."""
    entries = []
    for p, code in enumerate(parts["code"]):
        rows = load_rows(participant_contracts(contracts, p), persons)
        for seq, part in enumerate(split_by_contract(rows, MAX_FILE_ROWS), start=1):
            path = out / "inbox" / code / f"{code}_INIT_{load_date:%Y%m%d}_{seq:06d}.csv"
            write_csv(to_file_rows(part, code), path)
            entries.append(file_entry(path, out, "INIT", code, part))
    return entries


def split_by_contract(rows: pl.DataFrame, max_rows: int) -> list[pl.DataFrame]:
    """The rows in the fewest files of at most ``max_rows`` rows (a margin of a tenth for the
    uneven sizes of contracts), every contract's rows in one file, in their order."""
    if rows.height == 0:
        return []
    n_files = -(-rows.height // int(max_rows * 0.9))
    if n_files == 1:
        return [rows]
    file_no = (pl.col("cid").rank("dense") - 1) * n_files // pl.col("cid").n_unique()
    return rows.with_columns(file_no=file_no).partition_by("file_no", maintain_order=True, include_key=False)


def write_mutations(
    out: Path,
    rng: Rng,
    new: pl.DataFrame,
    chosen: pl.DataFrame,
    persons: pl.DataFrame,
    pc4: pl.DataFrame,
    parts: pl.DataFrame,
    night_date: dt.date,
) -> list[dict]:
    """One MUT file per participant: its new contracts and the mutations of its contracts."""
    entries = []
    for p, code in enumerate(parts["code"]):
        new_rows = load_rows(participant_contracts(new, p), persons)
        muts = gen_night.mutation_rows(rng, participant_contracts(chosen, p), persons, pc4)
        rows = pl.concat([new_rows, muts], how="diagonal_relaxed")
        if rows.height == 0:
            continue
        path = out / "night" / code / f"{code}_MUT_{night_date:%Y%m%d}_000002.csv"
        write_csv(to_file_rows(rows, code), path)
        entry = file_entry(path, out, "MUT", code, rows)
        entry["new_contracts"] = new_rows["cid"].n_unique()
        entries.append(entry)
    return entries


def write_requests(out: Path, requests: pl.DataFrame, parts: pl.DataFrame, night_date: dt.date) -> list[dict]:
    """One RAAD file per participant (request ids unique per file)."""
    entries = []
    for p, code in enumerate(parts["code"]):
        rows = requests.filter(pl.col("p") == p).with_columns(
            request_id=pl.format("{}-{}", pl.lit(code), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(8)),
            purpose=pl.lit("ACCEPTATIE"),
            birth_date=pl.col("birth_date").cast(pl.Date),
        )
        if rows.height == 0:
            continue
        path = out / "night" / code / f"{code}_RAAD_{night_date:%Y%m%d}_000001.csv"
        write_csv(rows.select(REQUEST_COLUMNS), path)
        entries.append(file_entry(path, out, "RAAD", code, rows))
    return entries


def generate(out: Path, sizes: Sizes, seed: int, load_date: dt.date, night_date: dt.date) -> dict:
    """Write the whole workspace; returns the manifest."""
    log, rng = Progress(), Rng(seed)
    load_day, night_day = day_number(load_date), day_number(night_date)
    out.mkdir(parents=True, exist_ok=True)
    parts, pc4 = gen_config.participants(), gen_people.pc4_table(rng)
    gen_config.write_config(out, parts)
    gen_config.write_pc4(out, pc4)

    counts = gen_night.night_counts(sizes.night_rows)
    new = gen_night.new_contracts_core(rng, sizes.contracts, counts["NEW"], parts, sizes.persons)
    n_new_persons = int(new["new_person"].sum())
    persons, unknown = build_persons(rng, sizes.persons + n_new_persons, round(sizes.requests * 0.35), load_day, pc4)
    log(f"persons: {persons.height} (+{unknown.height} unknown for requests)")

    birth = persons["birth_date"]
    contracts = gen_contracts.load_contracts(rng, sizes.contracts, sizes.persons, parts, birth, load_day)
    log(f"contracts: {contracts.height}")
    load_files = write_load(out, contracts, persons, parts, load_date)
    log(f"initial load written: {sum(e['rows'] for e in load_files)} rows")

    new = gen_night.finish_new_contracts(rng, new, night_day)
    chosen = gen_night.choose_mutations(rng, contracts, counts, night_day)
    mut_files = write_mutations(out, rng, new, chosen, persons, pc4, parts, night_date)
    log(f"night mutations written: {sum(e['rows'] for e in mut_files)} rows")

    reqs = gen_night.requests(rng, sizes.requests, parts, sizes.persons, unknown, persons.head(sizes.persons))
    raad_files = write_requests(out, reqs, parts, night_date)
    log(f"consultation requests written: {reqs.height}")

    manifest = {
        "generator": "bench/generate.py",
        "seed": seed,
        "sizes": asdict(sizes),
        "load_date": load_date.isoformat(),
        "night_date": night_date.isoformat(),
        "participants": parts.height,
        "expected": {
            "after_load": {"contracts": sizes.contracts, "persons": sizes.persons},
            "after_night": {"contracts": sizes.contracts + new.height, "persons": persons.height},
        },
        "totals": {kind: _totals([*load_files, *mut_files, *raad_files], kind) for kind in ("INIT", "MUT", "RAAD")},
        "files": [*load_files, *mut_files, *raad_files],
        "seconds": round(time.perf_counter() - log.start, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    log("manifest written")
    return manifest


def _totals(entries: list[dict], kind: str) -> dict:
    """Sum of the numeric counts of one kind of file."""
    chosen = [e for e in entries if e["kind"] == kind]
    totals = {"files": len(chosen), "rows": sum(e["rows"] for e in chosen)}
    if kind == "RAAD":
        totals["known"] = sum(e["known"] for e in chosen)
        return totals
    types: dict[str, int] = {}
    for entry in chosen:
        for name, count in entry["mutation_types"].items():
            types[name] = types.get(name, 0) + count
    totals["mutation_types"] = dict(sorted(types.items()))
    return totals


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="workspace folder to write")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national scale (10.6 M contracts)")
    parser.add_argument("--contracts", type=int, help="number of contracts (overrides --scale)")
    parser.add_argument("--night-scale", type=float, help="size of the night (default: that of the register)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-date", type=dt.date.fromisoformat, default=DEFAULT_LOAD_DATE)
    parser.add_argument("--night-date", type=dt.date.fromisoformat, help="default: the day after the load")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    night = night_of(args.load_date, args.night_date)
    if night <= args.load_date:
        print("--night-date must be after --load-date", file=sys.stderr)
        return 2
    if args.out.exists() and any(args.out.iterdir()):
        print(f"{args.out} is not empty; generate into a new folder", file=sys.stderr)
        return 2
    sizes = Sizes.of(args.scale, args.contracts, args.night_scale)
    manifest = generate(args.out, sizes, args.seed, args.load_date, night)
    print(json.dumps({k: manifest[k] for k in ("sizes", "totals", "seconds")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
