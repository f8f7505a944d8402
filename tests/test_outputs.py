"""Output files: formula-safe CSV cells, deterministic content, messages a clerk can read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import Workspace, _stem, new

DANGEROUS = ["=1+2", "+31", "-5", "@SUM(A1)", "\tX", "=HYPERLINK(\"http://x\";\"y\")"]


def test_no_cell_starts_like_a_formula(ws: Workspace) -> None:
    """Hostile values are echoed in the errors file with a leading quote (OWASP CSV injection)."""
    rows = [new(f"C{i}", initials=value, amount="x") for i, value in enumerate(DANGEROUS)]
    name = ws.deliver(rows)
    assert ws.run() == 0
    text = (ws.root / "outbox" / "BANK1" / f"{_stem(name)}.errors.csv").read_text()
    import csv
    cells = [c for row in csv.reader(text.splitlines(), delimiter=";") for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {"'=1+2", "'+31", "'-5", "'@SUM(A1)"} <= set(cells)


def test_same_night_twice_gives_identical_outputs(tmp_path: Path) -> None:
    """Outputs are a pure function of inbox, register and date (processed_at aside)."""
    outputs = []
    for copy in ("a", "b"):
        ws = Workspace(tmp_path / copy)
        name = ws.deliver([new("C1"), new("C2", amount="1"), new("C1")])
        assert ws.run() == 0
        errors = (ws.root / "outbox" / "BANK1" / f"{_stem(name)}.errors.csv").read_bytes()
        result = json.loads((ws.root / "outbox" / "BANK1" / f"{_stem(name)}.result.json").read_text())
        result.pop("processed_at")
        outputs.append((errors, result))
        shutil.rmtree(ws.root / "register")
    assert outputs[0] == outputs[1]


def test_errors_file_has_header_only_when_all_accepted(ws: Workspace) -> None:
    name = ws.deliver([new("C1")])
    assert ws.run() == 0
    lines = (ws.root / "outbox" / "BANK1" / f"{_stem(name)}.errors.csv").read_text().splitlines()
    assert lines[0].startswith("\ufeffline_no;contract_number;error_code;severity;field;message;")   # a BOM first
    assert len(lines) == 1
    assert ws.result(name)["status"] == "ACCEPTED"


