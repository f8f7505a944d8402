"""The manifest, ``register/CURRENT``, has a format version (decision 96): an old one is read and
upgraded at the next commit, one from a newer cki is refused, and its publish plan names files
relative to the workspace, so a workspace moved while a publication waits publishes in its new
place."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline.register.manifest import FORMAT_VERSION
from tests.conftest import Workspace, _stem, new, record

CURRENT = Path("register") / "CURRENT"


def _prepare(root: Path) -> tuple[Workspace, str]:
    """A loaded register of two contracts and tonight's delivery: a code, an end and a new contract."""
    ws = Workspace(root)
    ws.deliver([new("C1"), new("C2", contract_type="RK", theoretical_end_date=None)], kind="INIT")
    assert ws.run() == 0
    name = ws.deliver([record("C1", "CODE", code="2"), record("C2", "END", actual_end_date="2026-11-15"),
                       new("C3", birth_surname="Visser", initials="A")])
    return ws, name


def _crash_after_commit(ws: Workspace) -> None:
    proc = ws.cki("run", "--config", str(ws.config), "--date", "2026-11-23",
                  env={**os.environ, "CKI_CRASH_AT": "after_commit"})
    assert proc.returncode == -9, proc.stderr


def _stored(ws: Workspace) -> dict:
    return json.loads((ws.root / CURRENT).read_text())


def _as_version_1(stored: dict, root: Path) -> dict:
    """What a cki before format versions wrote for the same commit: no ``format_version``, the
    plan's paths absolute, and neither ``dead`` nor ``next_person_id`` (older still)."""
    def absolute(path: str) -> str:
        return str(root / path)
    plan = stored["publish"]
    old_plan = {"outbox": [[absolute(a), absolute(b)] for a, b in plan["outbox"]],
                "archive": [[absolute(a), absolute(b), sha] for a, b, sha in plan["archive"]],
                "staging": absolute(plan["staging"]), "expire": [absolute(p) for p in plan["expire"]],
                "scrub": None}
    return {"version": stored["version"], "run_id": stored["run_id"], "tables": stored["tables"],
            "events": stored["events"], "publish": old_plan}


def test_the_plan_is_stored_relative_to_the_workspace(tmp_path: Path) -> None:
    ws, name = _prepare(tmp_path)
    assert ws.run() == 0
    stored = _stored(ws)
    assert stored["format_version"] == FORMAT_VERSION == 3
    plan = stored["publish"]
    assert f"outbox/BANK1/{_stem(name)}.result.json" in [target for _, target in plan["outbox"]]
    assert plan["archive"][0][:2] == [f"inbox/BANK1/{name}", f"archive/2026-11-23/BANK1/{name}"]
    assert plan["staging"] == "outbox/.staging/20261123-000002"
    assert not [p for pair in plan["outbox"] for p in pair if p.startswith("/")]


def test_a_version_1_manifest_is_read_and_a_night_runs_on_it(tmp_path: Path) -> None:
    """A register written before format versions, its last night's publication still pending
    with absolute paths: the next run publishes it, runs its own night and writes version 3 (its
    contracts numbered: four, C4 the fourth)."""
    ws, name = _prepare(tmp_path)
    _crash_after_commit(ws)
    (ws.root / CURRENT).write_text(json.dumps(_as_version_1(_stored(ws), ws.root), indent=2))
    later = ws.deliver([new("C4", birth_surname="Bakker", initials="B")])
    assert ws.run() == 0
    assert ws.result(name)["accepted"] == 3, "the pending publication of the old manifest was finished"
    assert (ws.root / "archive" / "2026-11-23" / "BANK1" / name).is_file()
    assert ws.result(later)["accepted"] == 1
    assert sorted(ws.table("contracts")["contract_number"]) == ["C1", "C2", "C3", "C4"]
    assert sorted(ws.table("persons")["person_id"]) == [1, 2, 3], "Bakker's id above the held ones"
    stored = _stored(ws)
    assert stored["format_version"] == 3 and stored["version"] == 3
    assert stored["publish"]["staging"] == "outbox/.staging/20261123-000003"
    assert "next_person_id" in stored and "dead" in stored and stored["next_contract_id"] == 5


def test_a_moved_workspace_finishes_its_publication_in_the_new_place(tmp_path: Path) -> None:
    """Killed right after its commit, then the whole folder copied elsewhere: the next run there
    publishes the return files and archives the delivery in the copy, and leaves the original."""
    ws, name = _prepare(tmp_path / "old")
    _crash_after_commit(ws)
    shutil.copytree(tmp_path / "old", tmp_path / "new", symlinks=True)
    moved = Workspace(tmp_path / "new")
    assert moved.run() == 0
    assert moved.result(name)["accepted"] == 3
    assert (moved.root / "archive" / "2026-11-23" / "BANK1" / name).is_file()
    assert not (moved.root / "inbox" / "BANK1" / name).exists()
    assert not (moved.root / "outbox" / ".staging").exists()
    assert moved.table("contracts").height == 3
    assert not (ws.root / "outbox" / "BANK1" / f"{_stem(name)}.result.json").exists(), "the old place untouched"
    assert (ws.root / "inbox" / "BANK1" / name).is_file()
    assert (ws.root / "outbox" / ".staging" / "20261123-000002").is_dir()


def test_a_manifest_of_a_newer_cki_is_refused(tmp_path: Path) -> None:
    ws, name = _prepare(tmp_path)
    stored = _stored(ws)
    (ws.root / CURRENT).write_text(json.dumps({**stored, "format_version": 4}))
    before = (ws.root / CURRENT).read_bytes()
    proc = ws.cki("run", "--config", str(ws.config), "--date", "2026-11-23")
    assert proc.returncode == 2
    assert proc.stderr == ("cki: register/CURRENT has format version 4, newer than this cki reads (up to 3): "
                           "run a cki as new as the one that wrote it\n")
    assert (ws.root / CURRENT).read_bytes() == before
    assert (ws.root / "inbox" / "BANK1" / name).is_file()
    status = ws.cki("status", "--config", str(ws.config))
    assert status.returncode == 1
    assert "  register/CURRENT has format version 4, newer than this cki reads" in status.stdout


@pytest.mark.parametrize(("text", "said"), [
    ('{"version": 1, "tab', "register/CURRENT is unreadable (JSONDecodeError): restore it from a backup"),
    ('[1, 2]', "register/CURRENT is unreadable (not a manifest): restore it from a backup"),
    ('{"version": 1, "run_id": null, "tables": [], "events": []}',
     "register/CURRENT is unreadable (not a manifest: tables): restore it from a backup"),
    ('{"format_version": "2", "version": 1}',
     "register/CURRENT is unreadable (format_version '2'): restore it from a backup"),
])
def test_a_damaged_manifest_is_one_line(tmp_path: Path, text: str, said: str) -> None:
    ws, _ = _prepare(tmp_path)
    (ws.root / CURRENT).write_text(text)
    proc = ws.cki("run", "--config", str(ws.config), "--date", "2026-11-23")
    assert (proc.returncode, proc.stderr) == (2, f"cki: {said}\n")
