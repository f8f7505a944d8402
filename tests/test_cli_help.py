"""The README and the help teach (issue 15, point 6): ``cki --version``, a help text for every
option of every subcommand, and documentation that links nothing a clone does not have."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from pipeline.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _walk(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, argparse.Action]]:
    """Every argument of the parser and its subcommands, with the command it belongs to."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions}
            for name, sub in action.choices.items():
                assert name in helped, f"`{path} {name}` has no help"
                found += _walk(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_every_option_of_every_subcommand_has_a_help_text() -> None:
    arguments = _walk(_parser(), "cki")
    commands = {path for path, _ in arguments}
    assert {"cki", "cki run", "cki validate", "cki inzage", "cki file-format", "cki contract"} <= commands
    missing = [f"{path} {'/'.join(a.option_strings) or a.dest}" for path, a in arguments if not a.help]
    assert missing == []


def test_cki_version_is_the_installed_package_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "--version"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"cki {version('cki')}\n"
    assert re.fullmatch(r"cki \d+\.\d+\.\d+\n", proc.stdout)


def test_a_subcommands_help_shows_its_options() -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "file-format", "--help"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0 and "--language {nl,en}" in proc.stdout
    assert "docs/bestandsformaat.md" in proc.stdout


def test_the_docs_link_nothing_outside_the_clone() -> None:
    """No path out of the repository (``../shared/SPEC.md``), and every link and every ``docs/…``
    file named is in the repository."""
    for doc in DOCS:
        text = doc.read_text()
        assert "../" not in text, doc.name
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if not re.match(r"[a-z]+:", target) and not target.startswith("#"):
                assert (doc.parent / target.split("#")[0]).exists(), (doc.name, target)
        for named in re.findall(r"\bdocs/[\w.-]+\.\w+", text):
            assert (ROOT / named).exists(), (doc.name, named)
