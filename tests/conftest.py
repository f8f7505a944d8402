"""A workspace per test: config.yaml, inboxes, and helpers to deliver files and run nights.

Tests go through real files and the ``cki`` entry point (in-process ``main``, or a subprocess
where a crash or a second process is the point).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from pipeline.cli import main

RUN_DATE = date(2026, 11, 23)
PARTICIPANTS = [
    {"code": "BANK1", "name": "Voorbeeldbank", "category": "BANK", "may_register": True,
     "may_consult": True, "contract_types": ["AK", "RK", "HY", "HO", "RH", "RN", "RO", "SR", "OA"]},
    {"code": "SHOP1", "name": "Postorder", "category": "THUISWINKEL", "may_register": True,
     "may_consult": False, "contract_types": ["VK"]},
    {"code": "LOOK1", "name": "Alleen kijken", "category": "OVERIG", "may_register": False,
     "may_consult": True, "contract_types": []},
]
PERSON = {"birth_surname": "Jansen", "surname_prefix": "", "initials": "J.P.", "gender": "M",
          "birth_date": "1980-05-17", "postcode": "1011AB", "house_number": "12", "house_number_suffix": ""}


class Workspace:
    """A cki installation in a temporary folder."""

    def __init__(self, root: Path, **settings: object) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        # messages in English: the tests read them (the product's default is nl, tests/test_languages.py)
        config = {"paths": {"inbox": "inbox", "outbox": "outbox", "register": "register", "archive": "archive"},
                  "pc4_gemeente": "pc4.csv", "timezone": "Europe/Amsterdam", "language": "en",
                  "late_records": "reject", "participants": PARTICIPANTS, **settings}
        self.config = root / "config.yaml"
        self.config.write_text(yaml.safe_dump(config, sort_keys=False))
        (root / "pc4.csv").write_text("pc4;gemeente_code;gemeente_name\n1011;GM0363;Amsterdam\n")
        (root / "inbox").mkdir(exist_ok=True)      # a night refuses a missing inbox (decision 68)
        self.seq: dict[tuple[str, str], int] = {}

    def set_config(self, **settings: object) -> None:
        """Replace top-level keys of config.yaml (a nested key is given whole)."""
        config = yaml.safe_load(self.config.read_text())
        self.config.write_text(yaml.safe_dump({**config, **settings}, sort_keys=False))

    def deliver(self, rows: list[dict], participant: str = "BANK1", kind: str = "MUT",
                seq: int | None = None, name: str | None = None) -> str:
        """Write rows as a CSV delivery; every value is written as text, missing = empty."""
        key = (participant, kind)
        self.seq[key] = seq if seq is not None else self.seq.get(key, 0) + 1
        name = name or name_of(self.seq[key], participant, kind)
        folder = self.root / "inbox" / participant
        folder.mkdir(parents=True, exist_ok=True)
        columns = list(dict.fromkeys(c for row in rows for c in row))
        frame = pl.DataFrame([{c: (None if row.get(c) in (None, "") else str(row.get(c))) for c in columns}
                              for row in rows], schema={c: pl.String for c in columns})
        frame.write_csv(folder / name, separator=";")
        return name

    def run(self, run_date: date = RUN_DATE, *extra: str) -> int:
        return main(["run", "--config", str(self.config), "--date", run_date.isoformat(), *extra])

    def cki(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        """The installed command in its own process."""
        return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                              env=env, cwd=self.root, timeout=300)

    def result(self, name: str, participant: str = "BANK1") -> dict:
        return json.loads((self.root / "outbox" / participant / f"{_stem(name)}.result.json").read_text())

    def errors(self, name: str, participant: str = "BANK1") -> pl.DataFrame:
        return pl.read_csv(self.root / "outbox" / participant / f"{_stem(name)}.errors.csv", separator=";",
                           infer_schema=False)

    def findings(self, name: str, participant: str = "BANK1") -> set[tuple[int, str, str]]:
        """The errors file as a set of (line, field, code): the shape golden tables pin."""
        frame = self.errors(name, participant)
        return {(int(r["line_no"]), r["field"] or "", r["error_code"]) for r in frame.to_dicts()}

    def table(self, name: str) -> pl.DataFrame:
        from pipeline.register.store import Register
        return Register(self.root / "register").read(name)

    def on_disk(self, column: str, events: bool = False) -> set:
        """Every value of ``column`` in any register file, dead rows included: what is physically
        stored, not what the register shows (event parts only when ``events``)."""
        values: set = set()
        for path in (self.root / "register" / "data").glob("*.parquet"):
            if path.name.startswith("events") and not events:
                continue
            frame = pl.read_parquet(path)
            if column in frame.columns:
                values.update(frame[column].drop_nulls().to_list())
        return values


def name_of(seq: int, participant: str = "BANK1", kind: str = "MUT", ext: str = "csv") -> str:
    """A delivery's file name on RUN_DATE (SPEC 3.1)."""
    return f"{participant}_{kind}_{RUN_DATE:%Y%m%d}_{seq:06d}.{ext}"


def _stem(name: str) -> str:
    """Return files drop the input's extension (SPEC 4: NAME.ext → NAME.result.json)."""
    return name.rsplit(".", 1)[0] if name.endswith((".csv", ".parquet")) else name


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def make_ws(tmp_path: Path):
    def make(**settings: object) -> Workspace:
        return Workspace(tmp_path, **settings)
    return make


def new(contract: str, **fields: object) -> dict:
    """A valid NEW of an AK for the default person, overridable per field."""
    row = {"participant_code": "BANK1", "contract_number": contract, "mutation_type": "NEW",
           "event_date": "2026-11-10", "contract_type": "AK", "amount": "15000",
           "theoretical_end_date": "2031-11-10", "borrower_no": "1", **PERSON}
    row.update({k: ("" if v is None else str(v)) for k, v in fields.items()})
    return row


def record(contract: str, mutation_type: str, **fields: object) -> dict:
    row = {"participant_code": "BANK1", "contract_number": contract, "mutation_type": mutation_type,
           "event_date": "2026-11-15"}
    row.update({k: ("" if v is None else str(v)) for k, v in fields.items()})
    return row
