"""Every delivery keeps its own answer, and answers go after ``outbox_days`` (SPEC 4; decisions 50–54).

Through real files and the ``cki`` command: two deliveries of one name in a night, re-uploads of
an answered name, ``cki demo`` twice into one folder, a register from before ``files.answer``, and
the outbox retention.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from contextlib import redirect_stdout
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from contracts_schema.returns import OUTBOX_DAYS_DEFAULT, base_name
from pipeline.cli import main
from pipeline.config import Settings
from tests.conftest import RUN_DATE, Workspace, new
from tests.test_consultation import ask, person

STEM = f"BANK1_MUT_{RUN_DATE:%Y%m%d}_000001"


def _listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, ``processed_at`` taken out of result.json."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name.endswith(".result.json"):
            body = json.loads(data)
            body.pop("processed_at")
            data = json.dumps(body).encode()
        out[str(path.relative_to(folder))] = data
    return out


def _result(ws: Workspace, answer: str, participant: str = "BANK1") -> dict:
    return json.loads((ws.root / "outbox" / participant / f"{answer}.result.json").read_text())


def _errors(ws: Workspace, answer: str) -> pl.DataFrame:
    return pl.read_csv(ws.root / "outbox" / "BANK1" / f"{answer}.errors.csv", separator=";", infer_schema=False)


def _reupload(ws: Workspace, name: str, rows: list[dict]) -> None:
    ws.deliver(rows, name=name)


def test_csv_and_parquet_of_one_name_each_keep_their_answer_in_every_run(tmp_path: Path) -> None:
    """NAME.csv is taken first (name order) and applied: NAME.result.json says ACCEPTED in every
    run; NAME.parquet gets NAME.2 with its FILE_SEQUENCE. Four copies give the same bytes."""
    outputs = []
    for copy in range(4):
        ws = Workspace(tmp_path / f"copy{copy}")
        name = ws.deliver([new("C1"), new("C2")])
        folder = ws.root / "inbox" / "BANK1"
        pl.read_csv(folder / name, separator=";", infer_schema=False).write_parquet(
            folder / name.replace(".csv", ".parquet"))
        proc = ws.cki("run", "--config", str(ws.config), "--date", RUN_DATE.isoformat())
        assert proc.returncode == 0, proc.stderr
        assert (_result(ws, STEM)["file"], _result(ws, STEM)["status"]) == (f"{STEM}.csv", "ACCEPTED")
        second = _result(ws, f"{STEM}.2")
        assert (second["file"], second["file_error"]["code"]) == (f"{STEM}.parquet", "FILE_SEQUENCE")
        assert ws.table("files").sort("file")["answer"].to_list() == [STEM, f"{STEM}.2"]
        outputs.append((_listing(ws.root / "outbox"), _listing(ws.root / "archive")))
    assert sorted(outputs[0][0]) == [f"BANK1/{STEM}.2.errors.csv", f"BANK1/{STEM}.2.errors.xlsx",
                                     f"BANK1/{STEM}.2.result.json", f"BANK1/{STEM}.errors.csv",
                                     f"BANK1/{STEM}.errors.xlsx", f"BANK1/{STEM}.result.json"]
    assert sorted(outputs[0][1]) == [f"2026-11-23/BANK1/{STEM}.csv", f"rejected/2026-11-23/BANK1/{STEM}.2.parquet"]
    assert all(output == outputs[0] for output in outputs[1:])


def test_a_reupload_keeps_the_first_answer_and_gets_its_own(ws: Workspace) -> None:
    """The first answer's 15-row errors.csv stays as it was: the same content again is
    FILE_DUPLICATE in NAME.2, a new content under the same name FILE_SEQUENCE in NAME.3; a
    re-upload on the same run date (a second run that day) is archived beside the first."""
    rows = [new(f"B{i}", amount="1") for i in range(15)] + [new("G1")]
    name = ws.deliver(rows)
    assert ws.run(RUN_DATE) == 0
    first = (ws.root / "outbox" / "BANK1" / f"{STEM}.errors.csv").read_bytes()
    assert _errors(ws, STEM).height == 15
    _reupload(ws, name, rows)
    assert ws.run(RUN_DATE) == 0                                         # the same day again
    _reupload(ws, name, [new("G2")])
    assert ws.run(RUN_DATE + timedelta(days=1)) == 0
    assert (ws.root / "outbox" / "BANK1" / f"{STEM}.errors.csv").read_bytes() == first
    assert _result(ws, STEM)["status"] == "PARTIAL"
    assert _result(ws, f"{STEM}.2")["file_error"]["code"] == "FILE_DUPLICATE"
    assert _result(ws, f"{STEM}.3")["file_error"]["code"] == "FILE_SEQUENCE"
    assert _errors(ws, f"{STEM}.2")["error_code"].to_list() == ["FILE_DUPLICATE"]    # the file error's row
    assert _errors(ws, f"{STEM}.3")["error_code"].to_list() == ["FILE_SEQUENCE"]
    archive = ws.root / "archive"
    assert (archive / "2026-11-23" / "BANK1" / name).is_file()
    assert (archive / "rejected" / "2026-11-23" / "BANK1" / f"{STEM}.2.csv").is_file()
    assert (archive / "rejected" / "2026-11-24" / "BANK1" / f"{STEM}.3.csv").is_file()


def test_demo_twice_into_one_folder_keeps_the_first_nights_answers(tmp_path: Path) -> None:
    """`make demo` twice: the second run's deliveries are re-uploads, answered as NAME.2."""
    root = tmp_path / "cki-demo"
    args = ["demo", "--dir", str(root), "--date", "2026-11-28"]
    with redirect_stdout(io.StringIO()):
        assert main(args) == 0
        first = _listing(root / "outbox" / "BANK1")
        assert main(args) == 0
    again = _listing(root / "outbox" / "BANK1")
    assert {k: v for k, v in again.items() if k in first} == first
    mut = "BANK1_MUT_20261128_000002"
    assert pl.read_csv(io.BytesIO(first[f"{mut}.errors.csv"]), separator=";").height == 15
    assert json.loads(again[f"{mut}.2.result.json"])["file_error"]["code"] == "FILE_DUPLICATE"


def test_a_register_from_before_the_answer_column_gets_it_once(ws: Workspace) -> None:
    """A ledger without ``answer`` (an older register): its deliveries took NAME, so a re-upload
    gets NAME.2 and the ledger is rewritten with the column, every row kept."""
    name = ws.deliver([new("C1")])
    assert ws.run(RUN_DATE) == 0
    for part in (ws.root / "register" / "data").glob("files-*.parquet"):
        pl.read_parquet(part).drop("answer").write_parquet(part)
    assert "answer" not in ws.table("files").columns
    shutil.rmtree(ws.root / "outbox")                     # only the ledger knows the name now
    _reupload(ws, name, [new("C1")])
    assert ws.run(RUN_DATE + timedelta(days=1)) == 0
    files = ws.table("files").sort("run_id")
    assert files.select("file", "answer").rows() == [(name, STEM), (name, f"{STEM}.2")]
    assert _result(ws, f"{STEM}.2")["file_error"]["code"] == "FILE_DUPLICATE"
    ws.deliver([new("C2")])
    assert ws.run(RUN_DATE + timedelta(days=2)) == 0       # the ledger reads whole again
    assert ws.table("files").height == 3


def test_return_files_go_after_outbox_days_and_nothing_else(make_ws) -> None:
    """Answers of day D are there on D + outbox_days - 1 and gone on D + outbox_days: result,
    errors and the RAAD answers; another participant's later answers and the barometer folder
    (written the same night D) stay. The names stay taken."""
    ws = make_ws(outbox_days=10)
    day = date(2026, 7, 1)
    assert ws.run(date(2026, 6, 1)) == 0                  # the register's first night
    who = person("Visser")
    mut = ws.deliver([new("C1", event_date="2026-06-20", theoretical_end_date="2031-06-20")])
    ws.deliver([ask("R1", who)], kind="RAAD")
    assert ws.run(day) == 0                               # also produces the barometers of 06-30
    ws.deliver([new("V1", participant_code="SHOP1", contract_type="VK", amount="800", event_date="2026-06-25",
                    theoretical_end_date=None)], participant="SHOP1")
    assert ws.run(day + timedelta(days=1)) == 0
    outbox = ws.root / "outbox"
    bank, shop = _listing(outbox / "BANK1"), _listing(outbox / "SHOP1")
    barometer = _listing(outbox / "barometer")
    assert len(bank) == 8 and len(shop) == 3 and "barometer.html" in barometer      # errors.xlsx too
    assert ws.run(day + timedelta(days=9)) == 0
    assert _listing(outbox / "BANK1") == bank
    assert ws.run(day + timedelta(days=10)) == 0
    assert _listing(outbox / "BANK1") == {}
    assert _listing(outbox / "SHOP1") == shop and _listing(outbox / "barometer") == barometer
    assert ws.run(day + timedelta(days=11)) == 0
    assert _listing(outbox / "SHOP1") == {} and _listing(outbox / "barometer") == barometer
    _reupload(ws, mut, [new("C1", event_date="2026-06-20", theoretical_end_date="2031-06-20")])
    assert ws.run(day + timedelta(days=12)) == 0
    assert sorted(_listing(outbox / "BANK1")) == [f"{base_name(mut)}.2.errors.csv", f"{base_name(mut)}.2.errors.xlsx",
                                                  f"{base_name(mut)}.2.result.json"]


def test_a_file_the_ledger_does_not_know_is_never_overwritten_nor_purged(make_ws) -> None:
    """A return file in the outbox that no ledger row names (a register started afresh beside an
    old outbox) takes its name all the same, and stays: nothing says its age."""
    ws = make_ws(outbox_days=1)
    folder = ws.root / "outbox" / "BANK1"
    folder.mkdir(parents=True)
    (folder / f"{STEM}.errors.csv").write_text("kept\n")
    ws.deliver([new("C1")])
    assert ws.run(RUN_DATE) == 0
    assert ws.run(RUN_DATE + timedelta(days=5)) == 0
    assert (folder / f"{STEM}.errors.csv").read_text() == "kept\n"
    assert not (folder / f"{STEM}.2.result.json").exists()          # the night's own answer went
    assert ws.table("files")["answer"].to_list() == [f"{STEM}.2"]


def test_outbox_days_default_and_lower_bound(ws: Workspace) -> None:
    """The reference states the default the config has; 0 days would delete answers unread."""
    assert Settings.model_fields["outbox_days"].default == OUTBOX_DAYS_DEFAULT
    ws.config.write_text(ws.config.read_text() + "outbox_days: 0\n")
    proc = ws.cki("run", "--config", str(ws.config))
    assert proc.returncode == 2 and "outbox_days" in proc.stderr


def test_a_crash_while_deleting_expired_answers_is_finished_by_the_next_run(make_ws) -> None:
    """The deletion is part of the committed publication plan: killed after the first file, the
    next run (nothing new that date) deletes the rest."""
    ws = make_ws(outbox_days=2)
    ws.deliver([new("C1")])
    ws.deliver([ask("R1", person("Visser"))], kind="RAAD")
    assert ws.run(RUN_DATE) == 0
    assert len(_listing(ws.root / "outbox" / "BANK1")) == 8               # errors.xlsx beside each errors.csv
    later = (RUN_DATE + timedelta(days=2)).isoformat()
    proc = ws.cki("run", "--config", str(ws.config), "--date", later,
                  env={**os.environ, "CKI_CRASH_AT": "expire_file"})
    assert proc.returncode == -9, proc.stderr
    assert len(_listing(ws.root / "outbox" / "BANK1")) == 7
    assert ws.run(RUN_DATE + timedelta(days=2)) == 0
    assert _listing(ws.root / "outbox" / "BANK1") == {}


def test_the_ledger_says_where_each_delivery_is_archived(ws: Workspace) -> None:
    """An erasure that looks for archived copies finds them from the ledger's file and answer."""
    from pipeline.outbox.answers import archive_names

    name = ws.deliver([new("C1")])
    assert ws.run(RUN_DATE) == 0
    ws.deliver([new("C2")], name=name)                     # other content, same name: FILE_SEQUENCE
    ws.deliver([new("C3")], name="loose notes")
    assert ws.run(RUN_DATE + timedelta(days=1)) == 0
    files = ws.table("files").with_columns(archive_names(pl.col("file"), pl.col("answer")).alias("archived"))
    for row in files.to_dicts():
        day = f"{row['run_id'][:4]}-{row['run_id'][4:6]}-{row['run_id'][6:8]}"
        base = ws.root / "archive" / ("rejected" if row["file_error"] else "") / day / row["participant"]
        assert (base / row["archived"]).is_file(), row
    assert sorted(files["archived"]) == [f"{STEM}.2.csv", f"{STEM}.csv", "loose notes"]
