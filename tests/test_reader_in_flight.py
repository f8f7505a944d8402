"""Several deliveries in flight to the reading worker: each file's outcome is what it would be
if the files were read one at a time (pipeline/intake/checks.py ``_Window``, pipeline/intake/isolation.py)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from pipeline.intake.isolation import ReadingWorker
from pipeline.intake.limits import ReadLimits, Refusal
from tests.conftest import Workspace, new
from tests.test_hostile_input import run_measured

LIMITS = ReadLimits(max_rows=1000, max_decoded_bytes=1 << 20, max_cell_chars=1000, max_line_bytes=1 << 16,
                    reader_memory_bytes=1 << 30, read_seconds=60)


def _files(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for k in range(n):
        path = tmp_path / f"f{k}.csv"
        path.write_bytes(f"contract_number;amount\nC{k};  {k}  \n".encode())
        paths.append(path)
    return paths


def _read_all_at_once(paths: list[Path], limits: ReadLimits = LIMITS) -> list:
    """Hand every file to the worker before taking the first answer."""
    fds = [os.open(p, os.O_RDONLY) for p in paths]
    try:
        with ReadingWorker(limits) as reader:
            tickets = [reader.submit(fd, p.name, "csv", p.stat().st_size, ("contract_number", "amount"))
                       for fd, p in zip(fds, paths, strict=True)]
            return [reader.collect(t) for t in tickets]
    finally:
        for fd in fds:
            os.close(fd)


def _expected(k: int) -> pl.DataFrame:
    return pl.DataFrame({"contract_number": [f"C{k}"], "amount": [str(k)]})


@pytest.mark.parametrize("fault", ["abort", "hang"])
def test_files_handed_after_a_lost_file_are_read_by_a_fresh_worker(tmp_path: Path, monkeypatch, fault: str) -> None:
    """The worker dies (or hangs) on the second of four files handed at once: that file alone
    is FILE_UNREADABLE, the two behind it in the worker's queue are read by a fresh worker."""
    paths = _files(tmp_path, 4)
    monkeypatch.setenv("CKI_READER_FAULT", f"{fault}:f1.csv")
    limits = LIMITS if fault == "abort" else ReadLimits(**{**LIMITS.as_dict(), "read_seconds": 2})
    answers = _read_all_at_once(paths, limits)
    lost = answers[1]
    assert isinstance(lost, Refusal) and lost.code == "FILE_UNREADABLE"
    assert ("SIGABRT" if fault == "abort" else "longer than 2 seconds") in lost.value
    for k in (0, 2, 3):
        frame, columns = answers[k]
        assert columns == ["contract_number", "amount"]
        assert frame.equals(_expected(k))


def test_a_big_frame_comes_back_whole(tmp_path: Path) -> None:
    """A frame over the copy threshold is mapped, not copied: the same cells either way."""
    path = tmp_path / "big.csv"
    rows = 400_000
    path.write_bytes(b"contract_number;amount\n" + b"".join(b"C%d; %d\n" % (k, k) for k in range(rows)))
    limits = ReadLimits(**{**LIMITS.as_dict(), "max_rows": rows, "max_decoded_bytes": 1 << 30})
    (frame, _), = _read_all_at_once([path], limits)
    assert frame.height == rows and frame.row(rows - 1) == (f"C{rows - 1}", str(rows - 1))


@pytest.mark.parametrize("crash_first", [False, True])
def test_a_later_files_duplicate_and_sequence_checks_wait_for_the_earlier_outcome(
        ws: Workspace, crash_first: bool) -> None:
    """B repeats A's sequence and C repeats A's bytes. Whether they are refused depends on
    whether A was read: when the reader dies on A, B and C are accepted, as one file at a time."""
    a = ws.deliver([new("C1")], seq=1, name="BANK1_MUT_20261101_000001.csv")
    b = ws.deliver([new("C2")], seq=1, name="BANK1_MUT_20261102_000001.csv")
    c = ws.deliver([new("C1")], seq=2, name="BANK1_MUT_20261103_000002.csv")
    assert (ws.root / "inbox/BANK1" / a).read_bytes() == (ws.root / "inbox/BANK1" / c).read_bytes()
    night = run_measured(ws, {"CKI_READER_FAULT": f"abort:{a}"} if crash_first else {})
    assert night.code == 0
    codes = [(ws.result(n).get("file_error") or {}).get("code") for n in (a, b, c)]
    assert codes == (["FILE_UNREADABLE", None, None] if crash_first else [None, "FILE_SEQUENCE", "FILE_DUPLICATE"])
