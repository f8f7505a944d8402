"""The repository is a workspace: its commented config.yaml loads, and `cki run` works beside it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from pydantic import BaseModel

from pipeline.config import Settings, load_config, load_pc4
from tests.conftest import RUN_DATE, Workspace, new

ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = ("config.yaml", "reference", "inbox", "outbox")     # what the repository ships


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key the settings model knows (by its YAML name), nested ones dotted; not a
    participant's own keys."""
    keys = set()
    for name, info in model.model_fields.items():
        key = prefix + (info.alias or name)
        keys.add(key)
        inner = info.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            keys |= _keys(inner, key + ".")
    return keys


def _given(raw: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in raw.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _given(value, f"{prefix}{key}.")
    return keys


def test_top_level_config_loads_through_the_settings_model() -> None:
    """config.yaml is read by the same model as any operator's, names every key the model knows
    (so it documents them all), and its pc4 table loads."""
    config = load_config(ROOT / "config.yaml")
    raw = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert _keys(Settings) == _given({k: v for k, v in raw.items() if k != "participants"}) | {"participants"}
    assert config.pc4_path == ROOT / "reference" / "pc4_gemeente.example.csv"
    assert load_pc4(config).height > 10
    assert config.inbox == ROOT / "inbox" and config.reports == ROOT / "reports"
    assert {p.code for p in config.settings.participants} >= {"BANK1"}


def test_every_setting_has_a_comment() -> None:
    """Each setting of config.yaml says what it does (and its default) on its line or in the
    comment above it; the participants are described above their list."""
    text = (ROOT / "config.yaml").read_text()
    lines = text.split("\nparticipants:")[0].splitlines()
    settings = [i for i, line in enumerate(lines) if re.match(r"^\s*[a-z_0-9]+:\s*\S", line)]
    assert len(settings) >= 15
    for i in settings:
        assert "default" in lines[i] or (lines[i - 1].startswith("#") and "default" in lines[i - 1]), lines[i]
    assert "default" in text.split("\nparticipants:")[0].rsplit("\n\n", 1)[1]


def test_git_keeps_the_workspace_folders_and_ignores_their_contents() -> None:
    """inbox/ and outbox/ ship empty (a .gitkeep); what a night writes stays out of git."""
    assert (ROOT / "inbox" / ".gitkeep").exists() and (ROOT / "outbox" / ".gitkeep").exists()
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return
    written = ["register/CURRENT", "archive/2026-11-23/BANK1/a.csv", "reports/a.json", "inbox/BANK1/a.csv",
               "outbox/BANK1/a.result.json", "outbox/.staging/x"]
    ignored = subprocess.run(["git", "check-ignore", *written], cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == written
    shipped = subprocess.run(["git", "check-ignore", "inbox/.gitkeep", "outbox/.gitkeep", "config.yaml",
                              "reference/pc4_gemeente.example.csv"], cwd=ROOT, capture_output=True, text=True)
    assert shipped.stdout == ""


def _cki(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``cki`` run in ``cwd`` without --config: the default config.yaml of that folder."""
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_a_night_runs_on_a_copy_of_the_repository_workspace(tmp_path: Path) -> None:
    """As a new user: `cki run` at the top of a fresh copy, as it is, then with a delivery."""
    for name in WORKSPACE:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    first = _cki(tmp_path, "run", "--date", "2026-11-22")
    assert first.returncode == 0, first.stderr
    assert "run 20261122-000001 van 2026-11-22: 0 bestanden" in first.stdout   # config.yaml: language nl
    ws = Workspace.__new__(Workspace)        # only its delivery helper: the config is the repository's
    ws.root, ws.seq = tmp_path, {}
    name = ws.deliver([new("C1"), new("C2", contract_type="RK", theoretical_end_date=None)])
    night = _cki(tmp_path, "run", "--date", RUN_DATE.isoformat())
    assert night.returncode == 0, night.stderr
    result = json.loads((tmp_path / "outbox" / "BANK1" / name.replace(".csv", ".result.json")).read_text())
    assert (result["status"], result["accepted"]) == ("ACCEPTED", 2)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "2026-11-22_20261122-000001.json", "2026-11-23_20261123-000002.json"]
    status = _cki(tmp_path, "status")
    assert status.returncode == 0, status.stdout
    assert status.stdout.startswith("cki status: healthy")
