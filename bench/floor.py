"""The DuckDB floor: the least work any engine must do on the same files.

    python bench/floor.py load  --workspace GEN --out FLOOR
    python bench/floor.py night --workspace GEN --out FLOOR

`load` reads every INIT file (all columns as text) into one Parquet register.
`night` upserts the night's MUT rows into that register (anti-join on participant_code +
contract_number, then union) into a new Parquet file, and answers the RAAD requests with a
join on (birth_surname, birth_date) against the persons in the new register, written out too.
Run each step as its own process; bench/run.py times them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

CSV = "delim=';', header=true, all_varchar=true, quote='\"'"


def files_of(workspace: Path, kind: str) -> list[str]:
    """Absolute paths of the manifest's files of one kind."""
    manifest = json.loads((workspace / "manifest.json").read_text(encoding="utf-8"))
    return [str(workspace / entry["file"]) for entry in manifest["files"] if entry["kind"] == kind]


def sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def connect(out: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{out / 'tmp'}'")
    # The register needs no file order; keeping it costs DuckDB about 4x the memory.
    con.execute("SET preserve_insertion_order = false")
    return con


def load(workspace: Path, out: Path) -> dict:
    """All INIT files → out/contracts.parquet."""
    con = connect(out)
    target = out / "contracts.parquet"
    con.execute(
        f"COPY (SELECT * FROM read_csv({sql_list(files_of(workspace, 'INIT'))}, {CSV})) TO '{target}' (FORMAT parquet)"
    )
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]
    return {"step": "load", "register_rows": rows}


def night(workspace: Path, out: Path) -> dict:
    """Upsert the MUT rows into a new register file and answer the RAAD requests."""
    con = connect(out)
    register, target = out / "contracts.parquet", out / "contracts_night.parquet"
    con.execute(f"CREATE TEMP TABLE mut AS SELECT * FROM read_csv({sql_list(files_of(workspace, 'MUT'))}, {CSV})")
    con.execute(f"""
        COPY (
            SELECT r.* FROM read_parquet('{register}') r
            ANTI JOIN mut m USING (participant_code, contract_number)
            UNION ALL BY NAME
            SELECT * FROM mut
        ) TO '{target}' (FORMAT parquet)""")
    con.execute(f"""
        COPY (
            WITH requests AS (
                SELECT * FROM read_csv({sql_list(files_of(workspace, "RAAD"))}, {CSV}, filename=true)
            ),
            persons AS (
                SELECT participant_code, contract_number, contract_type, amount, event_date,
                       birth_surname, birth_date, initials, postcode, house_number
                FROM read_parquet('{target}') WHERE birth_surname IS NOT NULL
            )
            SELECT q.filename, q.request_id, p.participant_code, p.contract_number, p.contract_type,
                   p.amount, p.event_date, p.initials, p.postcode, p.house_number
            FROM requests q LEFT JOIN persons p
              ON p.birth_surname = q.birth_surname AND p.birth_date = q.birth_date
        ) TO '{out / "answers.parquet"}' (FORMAT parquet)""")
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]
    answers = con.execute(f"SELECT count(*) FROM read_parquet('{out / 'answers.parquet'}')").fetchone()[0]
    return {
        "step": "night",
        "mutation_rows": con.execute("SELECT count(*) FROM mut").fetchone()[0],
        "register_rows": rows,
        "answer_rows": answers,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="DuckDB floor for the cki benchmark")
    parser.add_argument("step", choices=["load", "night"])
    parser.add_argument("--workspace", type=Path, required=True, help="generated workspace (with manifest.json)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the floor's Parquet files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result = (load if args.step == "load" else night)(args.workspace.resolve(), args.out.resolve())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
