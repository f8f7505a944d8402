"""Every module and file a docstring or comment names exists (issue 16: dead references rot).

A dotted name under ``pipeline`` or ``contracts_schema`` (a module, or a module's attribute) must
resolve; a source or docs file name (``.py``, ``.md``, ``.toml``, ``.sh``) must exist beside the
file that names it or from the repository's root. Runtime paths (``register/CURRENT``,
``DIR/config.yaml``, ``*.parquet``) are not files of the repository and are not checked, nor are
paths out of it (``../shared/…``).
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("pipeline", "contracts_schema", "bench", "tests")
DOTTED = re.compile(r"(?<![\w.])(?:pipeline|contracts_schema)(?:\.[A-Za-z_]\w*)+")
FILE = re.compile(r"(?<![\w./<-])(?:[\w.-]+/)*[\w-]+\.(?:py|md|toml|sh)\b")


def _texts(path: Path) -> list[tuple[int, str]]:
    """The docstrings and comments of a module, with the line each starts on."""
    source = path.read_text()
    docs = [(node.body[0].lineno, ast.get_docstring(node, clean=False) or "") for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body]
    comments = [(t.start[0], t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type == tokenize.COMMENT]
    return docs + comments


def _resolves(dotted: str) -> bool:
    """Whether the longest importable prefix of ``dotted`` has the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def _exists(name: str, beside: Path) -> bool:
    """A path out of the repository (``../shared/SPEC.md``, the team's shared documents) is not
    the clone's to have: a plain clone has no ``../shared``, so it is not checked here."""
    return name.startswith("../") or (beside.parent / name).exists() or (ROOT / name).exists()


def _dead_in(text: str, path: Path) -> list[str]:
    """The modules and files ``text``, written in ``path``, names that do not exist."""
    return ([m for m in DOTTED.findall(text) if not _resolves(m)]
            + [m for m in FILE.findall(text) if not _exists(m, path)])


def dead_references() -> list[str]:
    """``path:line: name`` for every named module or file that does not exist."""
    modules = sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py"))
    return [f"{path.relative_to(ROOT)}:{line}: {name}"
            for path in modules for line, text in _texts(path) for name in _dead_in(text, path)]


def test_docstrings_and_comments_name_only_what_exists():
    assert dead_references() == []


@pytest.mark.parametrize(("text", "dead"), [
    ("see ``pipeline.validate``", ["pipeline.validate"]),      # a module before issue 16's packages
    ("see ``pipeline.rules.validate``", []),
    ("see ``pipeline.errors.NoSuchError``", ["pipeline.errors.NoSuchError"]),
    ("see ``pipeline.errors.CkiError`` and ``contracts_schema.codes``", []),
    ("(research/library_facts.md 1.3)", ["research/library_facts.md"]),
    ("pipeline/register/store.py, docs/decisions.md and conftest.py", []),
    ("pipeline/register.py", ["pipeline/register.py"]),
    ("register/CURRENT, DIR/config.yaml, out/contracts.parquet", []),
])
def test_the_checker_finds_a_dead_name_and_only_that(text, dead):
    assert _dead_in(text, ROOT / "tests" / "x.py") == dead      # conftest.py resolves beside it
