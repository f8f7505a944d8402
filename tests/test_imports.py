"""Which way the imports go, and which modules open the register's files, read from the source
with ``ast`` (narwhals checks its own layering so; DESIGN 1.4 and 5, issue 16).

(a) ``contracts_schema`` declares the contract and imports nothing from ``pipeline``.
(b) The register is Parquet parts named by a manifest, kept by ``pipeline/register.py``. A module
that reads or writes Parquet itself (Polars, PyArrow) or names the register's files (``DATA``,
``READERS``, ``PURGE_KEY``, ``README`` of ``pipeline.register``; ``CURRENT``, ``PUBLISHED``,
``.lock``, ``.readers``) is in ``OPENS_FILES``, with why. A plain ``open()`` is no sign: nothing
reads a Parquet part or the manifest byte by byte without naming it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "contracts_schema")
PARQUET_CALLS = {"read_parquet", "scan_parquet", "write_parquet", "sink_parquet", "read_parquet_schema",
                 "read_parquet_metadata"}
LAYOUT_NAMES = {"DATA", "READERS", "PURGE_KEY", "README"}          # pipeline.register's own file names
LAYOUT_TEXTS = {"CURRENT", "PUBLISHED", ".lock", ".readers"}

OPENS_FILES = {
    "pipeline/register.py": "the register: its manifest, parts, dead-row files and locks",
    "pipeline/fsio.py": "writes every durable file at the path it is handed, register parts among them",
    "pipeline/publish.py": "the roll-forward's PUBLISHED marker beside CURRENT, its own",
    "pipeline/intake/parquettext.py": "reads a participant's Parquet delivery from the inbox",
    "pipeline/nightpersons.py": "reads back the scratch files the night's transaction wrote for it",
    "pipeline/ops/status.py": "cki status checks the files on disk against CURRENT: the layout is its subject",
    # to move behind the register (issue 16 point 1):
    "pipeline/ops/export.py": "writes and counts its own snapshot; asks whether CURRENT exists",
    "pipeline/ops/contract.py": "asks whether CURRENT exists before it reads",
    "pipeline/mutations.py": "pl.read_parquet of a part of tonight's events",
    "pipeline/scrub.py": "pl.scan_parquet of the event parts, to find the files of expired contracts",
}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imported(tree: ast.Module) -> set[str]:
    """Every module a source imports, at its top or inside a function."""
    names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def _parquet_call(node: ast.AST) -> bool:
    """``pl.read_parquet(...)``, ``frame.sink_parquet(...)``: Polars itself, not ``fsio``'s writer."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in PARQUET_CALLS
    through_fsio = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "fsio"
    return isinstance(func, ast.Attribute) and func.attr in PARQUET_CALLS and not through_fsio


def _layout_name(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom) and node.module == "pipeline.register":
        return any(a.name in LAYOUT_NAMES for a in node.names)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "register":
        return node.attr in LAYOUT_NAMES
    return isinstance(node, ast.Constant) and node.value in LAYOUT_TEXTS


def opens_files(tree: ast.Module) -> bool:
    """Whether a source reads or writes Parquet itself or names the register's files."""
    pyarrow_parquet = any(m == "pyarrow.parquet" or m.startswith("pyarrow.parquet.") for m in imported(tree))
    return pyarrow_parquet or any(_parquet_call(n) or _layout_name(n) for n in ast.walk(tree))


def _opening() -> set[str]:
    return {str(p.relative_to(ROOT)) for package in PACKAGES for p in _modules(package) if opens_files(_tree(p))}


def test_contracts_schema_imports_nothing_from_pipeline():
    wrong = {str(p.relative_to(ROOT)): sorted(m for m in imported(_tree(p)) if m.split(".")[0] == "pipeline")
             for p in _modules("contracts_schema")}
    assert {p: m for p, m in wrong.items() if m} == {}


def test_only_the_listed_modules_open_register_files():
    unlisted = _opening() - set(OPENS_FILES)
    assert not unlisted, f"{sorted(unlisted)} open files themselves: go through pipeline.register (or fsio)"


def test_every_listed_module_still_opens_files():
    stale = set(OPENS_FILES) - _opening()
    assert not stale, f"{sorted(stale)} no longer open files themselves: take them off OPENS_FILES"


@pytest.mark.parametrize(("source", "opens"), [
    ("import polars as pl\nrows = pl.read_parquet(path)", True),
    ("def f(frame, path):\n    frame.sink_parquet(path)", True),
    ("import pyarrow.parquet as pq", True),
    ("from pyarrow.parquet import ParquetWriter", True),
    ("from pipeline.register import DATA, Register", True),
    ("from pipeline import register\npath = root / register.DATA", True),
    ("exists = (root / 'CURRENT').exists()", True),
    ("from pipeline import fsio\nfsio.write_parquet(target, frame)", False),
    ("from pipeline.register import Register, reading\nrows = reg.read('runs')", False),
    ("with open(path, 'rb') as fh:\n    fh.read()", False),
    ('"""The manifest, CURRENT, names the parts."""', False),
])
def test_the_detector_sees_parquet_and_the_layout_and_nothing_else(source, opens):
    assert opens_files(ast.parse(source)) is opens


def test_the_import_reader_sees_nested_and_from_imports():
    source = "import polars as pl\nfrom pipeline.errors import CkiError\ndef f():\n    import pipeline.fsio\n"
    assert imported(ast.parse(source)) >= {"polars", "pipeline.errors", "pipeline.errors.CkiError", "pipeline.fsio"}
