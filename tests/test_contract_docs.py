"""The file contract has one source: contracts_schema. Docs are generated from it and kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts_schema.errors import CATALOGUE
from contracts_schema.reference import render

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("doc", "language"), [("file-format.md", "en"), ("bestandsformaat.md", "nl")])
def test_file_format_reference_is_up_to_date(doc: str, language: str) -> None:
    """docs/file-format.md is what `cki file-format` prints, docs/bestandsformaat.md what
    `cki file-format --language nl` prints; regenerate them when this fails."""
    assert (ROOT / "docs" / doc).read_text() == render(language)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_error_code_is_in_the_reference(language: str) -> None:
    text = render(language)
    assert all(f"`{e.code}`" in text for e in CATALOGUE)


def test_spec_error_codes_are_all_in_the_catalogue() -> None:
    spec = (ROOT.parent / "shared" / "SPEC.md")
    if not spec.exists():
        pytest.skip("../shared/SPEC.md is not beside this clone: nothing to compare the catalogue with")
    section = spec.read_text().split("### 4.1 Error codes")[1].split("`late_records`")[0]
    named = {w.strip("`,") for w in section.split() if w.startswith("`") and w.strip("`,").isupper()}
    assert named <= {e.code for e in CATALOGUE}


def test_every_command_is_in_the_readme() -> None:
    """Every subcommand the ``cki`` parser knows has a row in the README's commands table."""
    import argparse

    from pipeline.cli import _parser

    readme = (ROOT / "README.md").read_text()
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {"run", "barometer", "inzage"} <= set(sub.choices)
    for command in sub.choices:
        assert f"| `cki {command}" in readme, command

