"""A night applied in chunks gives exactly what it gives applied at once.

At national scale a night is applied in chunks (files gathered up to a chunk's worth, a big
file split by a hash of the contract number) so memory follows the chunk. The same two nights
are run with 3-record chunks and with the default, and every outbox file and register table
must agree; person ids may be numbered differently, so persons are compared by who they are.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import Workspace
from tests.test_consultation import arrears_a, ask, code, end, person, rec, reg

INIT_DATE = date(2026, 6, 1)
NIGHT = date(2026, 11, 20)
ANNA, BRAM = person("Jansen", "A."), person("Jansen", "B.")        # namesakes at one address
EVA = person("de Vries", "E.", "1990-02-03", "2511CV", 8)
MOVE = {"postcode": "3011AA", "house_number": "40"}


def _init() -> dict[str, list[dict]]:
    bank = [reg(f"AK-{i}", ANNA if i % 2 else EVA) for i in range(8)]
    bank += [reg("DUO-1", ANNA), reg("DUO-1", BRAM, borrower_no="2"), reg("HY-1", BRAM, "HY"),
             reg("GONE-1", EVA), reg("RK-1", BRAM, "RK")]
    shop = [reg("VK-1", EVA, "VK", participant="SHOP1"), reg("VK-2", ANNA, "VK", participant="SHOP1")]
    return {"BANK1": bank, "SHOP1": shop}


def _night() -> list[tuple[str, list[dict]]]:
    first = [arrears_a("AK-1"), code("AK-1", "H", on="2026-11-12"), end("AK-2"),
             rec("AK-3", "CHANGE", **MOVE), rec("AK-4", "CHANGE", amount="14000"),
             rec("GONE-1", "DELETE"), code("HY-1", "5", on="2026-11-11"), rec("DUO-1", "DECEASED", borrower_no="2"),
             rec("NOPE-9", "END", actual_end_date="2026-11-15"), code("RK-1", "1"), end("AK-2", on="2026-11-13"),
             rec("AK-6", "CHANGE", amount="14500"), rec("AK-7", "CHANGE", on="2026-11-18", **MOVE)]
    first.append(dict(first[2]))                                      # an exact duplicate row
    second = [reg("GONE-1", EVA, start="2026-11-16"), rec("HY-1", "CODE_END", on="2026-11-14", code="5"),
              reg("AK-20", person("Bakker", "C.", "1966-07-07", "1011AB", 12), start="2026-11-15"),
              rec("AK-6", "DELETE", on="2026-11-17"),                          # erases an earlier chunk's event
              rec("AK-5", "CHANGE", on="2026-11-12", postcode="9999ZZ", house_number="1")]  # older than AK-7's
    shop = [arrears_a("VK-1", arrears_amount="250", participant="SHOP1"),
            rec("VK-2", "END", "2026-11-12", "SHOP1", actual_end_date="2026-11-12")]
    return [("BANK1", first), ("BANK1", second), ("SHOP1", shop)]


def _play(root: Path) -> Workspace:
    ws = Workspace(root)
    for participant, rows in _init().items():
        ws.deliver(rows, participant, "INIT")
    assert ws.run(INIT_DATE) == 0
    for participant, rows in _night():
        ws.deliver(rows, participant, "MUT")
    ws.deliver([ask("R1", ANNA), ask("R2", ANNA | MOVE), ask("R3", BRAM)], "BANK1", "RAAD")
    assert ws.run(NIGHT) == 0
    return ws


def _who(ws: Workspace) -> pl.DataFrame:
    return ws.table("persons").select("person_id", "surname_key", "initials_key", "birth_date")


def _by_person(ws: Workspace, name: str) -> pl.DataFrame:
    """A table with person_id replaced by who the person is."""
    return ws.table(name).join(_who(ws), on="person_id").drop("person_id")


def _events(ws: Workspace) -> pl.DataFrame:
    from pipeline.register.store import Register
    return Register(ws.root / "register").scan_events().collect()


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in a fixed order, without contract ids: like person ids they are given in the order
    the chunks create contracts (test_contract_ids checks that every row carries its contract's)."""
    frame = frame.drop("contract_id", strict=False)
    return frame.select(sorted(frame.columns)).sort(pl.all())


@pytest.mark.parametrize("spill", [False, True], ids=["held", "spilled"])
def test_chunked_night_equals_whole_night(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spill: bool) -> None:
    """Also when the night writes its rows out after every chunk and reads them back when a later
    chunk touches the same contract (what an initial load does to stay within memory)."""
    whole = _play(tmp_path / "whole")
    monkeypatch.setenv("CKI_CHUNK_RECORDS", "3")
    if spill:
        monkeypatch.setenv("CKI_SPILL_ROWS", "1")
    chunked = _play(tmp_path / "chunked")

    for path in sorted(p for p in (whole.root / "outbox").rglob("*") if p.is_file()):
        twin = chunked.root / path.relative_to(whole.root)
        if path.suffix == ".json":
            a, b = json.loads(path.read_text()), json.loads(twin.read_text())
            a.pop("processed_at"), b.pop("processed_at")
            assert a == b, path.name
        else:
            assert twin.read_bytes() == path.read_bytes(), path.name
    for name in ("contracts", "contract_history", "codes", "files", "runs"):
        assert _sorted(whole.table(name)).equals(_sorted(chunked.table(name))), name
    assert _sorted(_events(whole)).equals(_sorted(_events(chunked)))
    assert _sorted(whole.table("persons").drop("person_id")).equals(_sorted(chunked.table("persons").drop("person_id")))
    for name in ("borrowers", "addresses"):
        assert _sorted(_by_person(whole, name)).equals(_sorted(_by_person(chunked, name))), name


def test_the_scenario_exercises_what_chunks_must_carry(tmp_path: Path) -> None:
    """Guard for the test above: the night really moves, ends, erases, re-creates and rejects."""
    ws = _play(tmp_path)
    night = {r["file"]: r for r in ws.table("files").filter(pl.col("run_id").str.starts_with("20261120"))
             .to_dicts()}
    first = next(r for f, r in night.items() if f.startswith("BANK1_MUT") and f.endswith("000001.csv"))
    assert first["rejected"] >= 2                                      # NOPE-9 unknown, the duplicate row
    assert all(r["status"] != "REJECTED" for r in night.values())
    contracts = ws.table("contracts")
    assert contracts.filter(pl.col("contract_number") == "GONE-1")["start_date"].to_list() == [date(2026, 11, 16)]
    assert ws.table("codes").filter((pl.col("contract_number") == "HY-1") & (pl.col("code") == "5")).height == 0
    moved = ws.table("addresses").filter(pl.col("postcode_key") == "3011AA")
    # to 3011AA on 11-10, to 9999ZZ on 11-12 (AK-5), back to 3011AA on 11-18 (AK-7): two moves there
    assert sorted(moved["valid_from"].to_list()) == [date(2026, 11, 10), date(2026, 11, 18)]
    anna = ws.table("persons").filter(pl.col("initials_key") == "a")
    assert anna["postcode"].to_list() == ["3011AA"]                  # the latest report wins, not the last file
    assert ws.table("contracts").filter(pl.col("contract_number") == "AK-6").height == 0


def _split_at_once(raw: pl.DataFrame) -> list[pl.DataFrame]:
    """How chunks were made before they were gathered one at a time: the whole text partitioned."""
    from pipeline.apply.chunking import chunk_records
    n = max(1, round(raw.height / chunk_records()))
    if n <= 1:
        return [raw]
    parts = (raw.with_columns((pl.col("contract_number").hash(seed=11) % n).alias("chunk"))
             .partition_by("chunk", include_key=False, as_dict=True))
    return [parts[(b,)] for b in range(n) if (b,) in parts]


@pytest.mark.parametrize("per_chunk", ["1", "2", "3", "100"])
def test_chunks_gathered_one_at_a_time_equal_the_text_split_at_once(monkeypatch: pytest.MonkeyPatch,
                                                                    per_chunk: str) -> None:
    """The same chunks, in the same order with the same rows in text order; a bucket no contract
    hashes to (7 contracts over 7 buckets leave some empty) is no chunk, and a null contract
    number has its chunk like any other."""
    from pipeline.apply.chunking import chunks
    monkeypatch.setenv("CKI_CHUNK_RECORDS", per_chunk)
    raw = pl.DataFrame({"contract_number": ["A", "B", "A", None, "C", "D", "B"],
                        "line_no": list(range(1, 8))})
    gathered = chunks(raw)
    expected = _split_at_once(raw)
    assert (len(gathered), gathered.records) == (len(expected), raw.height)
    got = list(gathered)
    assert len(got) == len(expected) and all(g.equals(e) for g, e in zip(got, expected, strict=True))
    assert all(g.height for g in got)
