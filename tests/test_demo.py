"""`cki demo`: what a newcomer sees. A history of monthly nights (demo_history) before the run
date's own night, every history delivery accepted, the run date's outputs as they always were,
and barometers with a trend of at least five quarter ends."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from pipeline.cli import main
from pipeline.demo_history import MONTHS, history_nights
from pipeline.register.store import Register

RUN_DATE = date(2026, 11, 28)
HISTORY_PARTICIPANTS = ("BANK2", "KREDIET2", "LEASE2")
# The run date's deliveries: status, accepted, rejected, as the demo has always shown them.
TONIGHT = {
    ("BANK1", "BANK1_INIT_20261128_000001"): ("ACCEPTED", 18, 0),
    ("BANK1", "BANK1_MUT_20261128_000002"): ("PARTIAL", 7, 15),
    ("BANK1", "BANK1_RAAD_20261128_000001"): ("ACCEPTED", 4, 0),
    ("GEMEENTE1", "GEMEENTE1_MUT_20261128_000001"): ("ACCEPTED", 2, 0),
    ("LEASE1", "LEASE1_MUT_20261128_000001"): ("ACCEPTED", 3, 0),
    ("LEASE1", "LEASE1_MUT_20261128_000002"): ("REJECTED", 0, 1),
    ("WINKEL1", "WINKEL1_MUT_20261128_000001"): ("PARTIAL", 2, 1),
    ("WINKEL1", "levering november"): ("REJECTED", 0, 0),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """One `cki demo` for the whole module: its folder, exit code and printed text."""
    root = tmp_path_factory.mktemp("demo") / "cki-demo"
    printed = io.StringIO()
    with redirect_stdout(printed):
        code = main(["demo", "--dir", str(root), "--date", RUN_DATE.isoformat()])
    return root, code, printed.getvalue()


def results(root: Path, participant: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((root / "outbox" / participant).glob("*.result.json"))]


def test_demo_completes(demo: tuple[Path, int, str]) -> None:
    root, code, printed = demo
    assert code == 0
    assert not (root / ".demo-tonight").exists()
    assert not [p for p in (root / "inbox").rglob("*") if p.is_file()]


def test_one_line_per_history_night_then_the_run_date(demo: tuple[Path, int, str]) -> None:
    _, _, printed = demo
    nights = history_nights(RUN_DATE)
    assert len(nights) == MONTHS and nights[-1] == date(2026, 10, 28) and nights[0] == date(2025, 7, 28)
    lines = printed.splitlines()
    for night in nights:
        mine = [line for line in lines if line.strip().startswith(night.isoformat())]
        assert len(mine) == 1 and "3 files" in mine[0] and " 0 rejected" in mine[0]
    assert f"run 20261128-{MONTHS + 1:06d} van {RUN_DATE}: 8 bestanden" in printed     # language: nl, the default
    assert "outbox/barometer/barometer.html" in printed and "errors.csv" in printed


def test_every_history_delivery_is_accepted(demo: tuple[Path, int, str]) -> None:
    """The register's ledger knows every history delivery; the outbox holds the answers of the
    nights `outbox_days` (90) has not ended yet (decision 53)."""
    root, _, _ = demo
    ledger = Register(root / "register").read("files").sort("run_id", "file")
    for participant in HISTORY_PARTICIPANTS:
        mine = ledger.filter(pl.col("participant") == participant)
        assert mine["kind"].to_list() == ["INIT"] + ["MUT"] * (MONTHS - 1)
        assert mine.filter(pl.col("status") != "ACCEPTED").height == 0
        found = results(root, participant)
        kept = [n for n in history_nights(RUN_DATE) if n > RUN_DATE - timedelta(days=90)]
        assert [r["file"].split("_")[2] for r in found] == [f"{n:%Y%m%d}" for n in kept]
        assert [(r["file"], r["status"], r["warnings"]) for r in found if r["status"] != "ACCEPTED"
                or r["warnings"]] == []
    assert ledger.filter(pl.col("participant").is_in(HISTORY_PARTICIPANTS))["records"].sum() > 3_000


def test_the_run_dates_night_is_as_before(demo: tuple[Path, int, str]) -> None:
    root, _, _ = demo
    for (participant, stem), expected in TONIGHT.items():
        result = json.loads((root / "outbox" / participant / f"{stem}.result.json").read_text())
        assert (result["status"], result["accepted"], result["rejected"]) == expected, stem
        assert (root / "outbox" / participant / f"{stem}.errors.csv").is_file()
    answer = pl.read_csv(root / "outbox" / "BANK1" / "BANK1_RAAD_20261128_000001.answer.csv", separator=";")
    assert answer["match_status"].to_list() == ["FOUND", "FOUND", "FOUND", "NOT_FOUND"]
    assert (root / "drafts" / "BANK1_MUT_20261128_000003.csv").is_file()


def test_barometers_have_a_trend(demo: tuple[Path, int, str]) -> None:
    """Depends on the barometer step (SPEC 7): at least five quarter ends, and a report."""
    root, _, _ = demo
    folder = root / "outbox" / "barometer"
    national = pl.read_csv(folder / "kredietbarometer_nationaal.csv", separator=";", try_parse_dates=True)
    assert national["peildatum"].n_unique() >= 5
    assert national["peildatum"].min() == date(2025, 9, 30)
    assert national["persons_in_arrears"].min() > 0
    assert national["persons_with_credit"].n_unique() > 1        # the population moves
    assert (folder / "barometer.html").is_file()
