"""An initial load's persons the short way (issue 17): a chunk with no CHANGE and no death (a
load's) lists no borrower links for its person reports, and a night's last reports are not
written to a scratch file only to be read back. Both give what the general way gives: every
person, address and borrower link, ids included, in 2-record chunks with every report spilled,
for namesakes, a person two participants report, a joint contract and two addresses on one day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline.apply import linking
from pipeline.apply.nightpersons import FINE_BUCKETS, NO_REPORTS, Scratch
from tests.conftest import Workspace
from tests.test_consultation import person, rec, reg

LOAD, NIGHT = date(2026, 6, 1), date(2026, 11, 20)
SMIT = person("Smit", "J.", postcode="1011AB", house_number=1)
SMIT_ELSEWHERE = person("Smit", "J.", postcode="2511CV", house_number=2)      # a namesake of SMIT
EVA = person("de Vries", "E.", "1990-02-03", "2511CV", 8)
BRAM = person("Jansen", "B.", postcode="3011AA", house_number=40)


def _play(root: Path) -> Workspace:
    ws = Workspace(root)
    bank = [reg("AK-1", SMIT), reg("AK-2", SMIT_ELSEWHERE),                   # two addresses on one day
            reg("DUO-1", EVA), reg("DUO-1", BRAM, borrower_no="2"),          # a joint contract
            reg("AK-3", BRAM, start="2025-03-04")]
    shop = [reg("VK-1", EVA, "VK", participant="SHOP1")]                     # a second participant
    ws.deliver(bank, "BANK1", "INIT")
    ws.deliver(shop, "SHOP1", "INIT")
    assert ws.run(LOAD) == 0
    ws.deliver([reg("AK-9", SMIT_ELSEWHERE, start="2026-11-12"),            # the registered namesake
                rec("AK-3", "CHANGE", postcode="9999ZZ", house_number="3"),
                rec("DUO-1", "DECEASED", borrower_no="2")], "BANK1", "MUT")
    assert ws.run(NIGHT) == 0
    return ws


def _tables(ws: Workspace) -> dict[str, pl.DataFrame]:
    return {name: ws.table(name).sort(pl.all()) for name in ("persons", "addresses", "borrowers")}


def test_a_load_without_the_borrower_links_equals_the_general_way(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CKI_CHUNK_RECORDS", "2")
    monkeypatch.setenv("CKI_SPILL_ROWS", "1")
    short = _tables(_play(tmp_path / "short"))
    monkeypatch.setattr(linking, "needs_links", lambda changes, deaths: True)
    general = _tables(_play(tmp_path / "general"))
    for name, frame in short.items():
        assert frame.equals(general[name]), name
    persons, addresses = short["persons"], short["addresses"]
    assert persons.height == 3                   # a load's namesakes are one person, the night's too
    smit = persons.filter(pl.col("surname_key") == "smit")["person_id"].item()
    load_day = addresses.filter((pl.col("person_id") == smit) & (pl.col("valid_from") == date(2025, 1, 2)))
    assert load_day["postcode_key"].to_list() == ["2511CV"]      # the day's last report
    assert persons.filter(pl.col("deceased_date").is_not_null()).height == 1


class _Sink:
    """The transaction's scratch files, in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.written = folder, 0

    def write_scratch(self, name: str, frame: pl.DataFrame) -> Path:
        self.written += 1
        path = self.folder / f"{name}-{self.written}.parquet"
        frame.write_parquet(path)
        return path

    def scan_scratch(self, path: Path) -> pl.LazyFrame:
        return pl.scan_parquet(path)


def _frames() -> list[pl.DataFrame]:
    ids = [[3, 9, 130], [7], [9, 200, 255, 1]]
    return [pl.DataFrame({"person_id": batch, "bucket": [i % FINE_BUCKETS for i in batch]},
                         schema={"person_id": pl.Int64, "bucket": pl.Int64}) for batch in ids]


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_a_scratch_writes_its_frames_only_when_another_comes(tmp_path: Path, limit: int) -> None:
    sink = _Sink(tmp_path)
    spilled, held = Scratch("reports", sink, limit), Scratch("reports", None, limit)   # type: ignore[arg-type]
    for frame in _frames():
        spilled.add(frame)
        held.add(frame)
    assert sink.written == {1: 2, 3: 1, 5: 0}[limit]        # never the last frames
    ranges = [spilled.of_buckets(lo, hi) for lo, hi in [(0, 8), (8, 200), (200, FINE_BUCKETS)]]
    assert [r.sort(pl.all()).to_dicts() for r in ranges] == [
        [{"person_id": 1, "bucket": 1}, {"person_id": 3, "bucket": 3}, {"person_id": 7, "bucket": 7}],
        [{"person_id": 9, "bucket": 9}, {"person_id": 9, "bucket": 9}, {"person_id": 130, "bucket": 130}],
        [{"person_id": 200, "bucket": 200}, {"person_id": 255, "bucket": 255}]]
    assert held.of_buckets(0, FINE_BUCKETS).sort(pl.all()).equals(pl.concat(ranges).sort(pl.all()))
    assert spilled.frames == held.frames == []                   # the last range let them go
    assert Scratch("reports", sink, 1).of_buckets(0, FINE_BUCKETS).schema == pl.Schema(NO_REPORTS)
