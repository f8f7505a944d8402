"""Hostile and broken deliveries: every one ends with a result, none stops the night."""

from __future__ import annotations

import json
import os

import polars as pl

from tests.conftest import Workspace, _stem, new

HEADER = b"participant_code;contract_number;mutation_type;event_date\n"
CORPUS = {
    "random.csv": os.urandom(5000),
    "nul.csv": HEADER + b"BANK1;C\x009;END;2026-11-10\n",
    "lone_cr.csv": HEADER.replace(b"\n", b"\r\n") + b"BANK1;C1;END;2026-11-10\rBANK1;C2;END;2026-11-10\n",
    "long_line.csv": HEADER + b"x" * 2_000_000 + b"\n",
    "garbage.parquet": b"PAR1" + os.urandom(3000) + b"PAR1",
    "blank_lines.csv": b"\n\n\n",
    "open_quote.csv": HEADER + b'"BANK1;C1;END;2026-11-10\n',
}


def test_hostile_files_each_get_a_result_and_the_night_completes(ws: Workspace) -> None:
    good = ws.deliver([new("C1")])
    inbox = ws.root / "inbox" / "BANK1"
    names = []
    for seq, (label, data) in enumerate(CORPUS.items(), start=2):
        name = f"BANK1_MUT_20261123_{seq:06d}.{label.split('.')[1]}"
        (inbox / name).write_bytes(data)
        names.append(name)
    nested = f"BANK1_MUT_20261123_{len(names) + 2:06d}.parquet"
    pl.DataFrame({"participant_code": [["a"]], "contract_number": [{"x": 1}]}).write_parquet(inbox / nested)
    names.append(nested)
    assert ws.run() == 0
    assert ws.result(good)["status"] == "ACCEPTED"
    for name in names:
        result = json.loads((ws.root / "outbox" / "BANK1" / f"{_stem(name)}.result.json").read_text())
        assert result["status"] == "REJECTED", name
        assert len(json.dumps(result)) < 2000, name       # a 2 MB value is not echoed back
    assert list(inbox.iterdir()) == []
