"""Which way the imports go between the stage packages, and which of them open the register's
files, read from the source with ``ast`` (narwhals checks its own layering so, with an
allow-list per package; DESIGN 1.4, 4 and 5, issue 16).

(a) ``contracts_schema`` declares the contract and imports nothing from ``pipeline``.
(b) Each unit (a package under ``pipeline/``, or a module at its top) imports from ``pipeline``
only what ``MAY_IMPORT`` allows it, so the stages stay layered: the foundation (config, cron,
errors, faults, fsio) imports no stage; ``register`` none; ``rules`` the register's key names
only; ``ops.logs`` and ``ops.progress`` are how a stage says what it does; and no package
imports the orchestration at the top (night, dryrun, commands, cli, schedule,
demo), which may import anything.
(c) The register is Parquet parts named by a manifest, kept by ``pipeline/register/store.py``. A
module that reads or writes Parquet itself (Polars, PyArrow) or names the register's files
(``DATA``, ``READERS``, ``PURGE_KEY``, ``README`` of ``pipeline.register.store``; ``CURRENT``,
``PUBLISHED``, ``.lock``, ``.readers``) must be in ``OPENS_FILES``, under its unit, with why; a
unit not there (``rules``, ``apply``, ``consult``, ``barometer``, the orchestration) may open none. A plain
``open()`` is no sign: nothing reads a Parquet part or the manifest byte by byte without naming it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "contracts_schema")
PARQUET_CALLS = {"read_parquet", "scan_parquet", "write_parquet", "sink_parquet", "read_parquet_schema",
                 "read_parquet_metadata"}
LAYOUT_NAMES = {"DATA", "READERS", "PURGE_KEY", "README"}      # pipeline.register.store's own file names
LAYOUT_TEXTS = {"CURRENT", "PUBLISHED", ".lock", ".readers"}

FOUNDATION = ("pipeline.config", "pipeline.cron", "pipeline.errors", "pipeline.faults", "pipeline.fsio")
ANYTHING = ("pipeline",)
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    # the foundation: each other only
    "pipeline.errors": (),
    "pipeline.faults": (),
    "pipeline.cron": (),
    "pipeline.fsio": ("pipeline.errors", "pipeline.faults"),
    "pipeline.config": ("pipeline.errors", "pipeline.cron"),
    # the stages, bottom up
    "pipeline.register": FOUNDATION,
    "pipeline.rules": (*FOUNDATION, "pipeline.register.state"),
    "pipeline.intake": (*FOUNDATION, "pipeline.ops.logs"),
    "pipeline.barometer": (*FOUNDATION, "pipeline.register.state"),
    "pipeline.consult": (*FOUNDATION, "pipeline.register", "pipeline.rules"),
    "pipeline.outbox": (*FOUNDATION, "pipeline.register", "pipeline.rules", "pipeline.intake"),
    "pipeline.ops": (*FOUNDATION, "pipeline.register", "pipeline.outbox", "pipeline.intake", "pipeline.barometer.asof"),
    "pipeline.apply": (*FOUNDATION, "pipeline.register", "pipeline.rules", "pipeline.intake",
                       "pipeline.ops.logs", "pipeline.ops.progress"),
    # the orchestration and the front ends
    "pipeline.night": ANYTHING,
    "pipeline.dryrun": ANYTHING,
    "pipeline.demo_data": ANYTHING,
    "pipeline.demo_history": ANYTHING,
    "pipeline.commands": ANYTHING,
    "pipeline.schedule": ANYTHING,
    "pipeline.cli": ANYTHING,
    "pipeline": (),
}

OPENS_FILES: dict[str, dict[str, str]] = {
    "pipeline.register": {
        "pipeline/register/store.py": "the register: its parts, dead-row files and locks",
        "pipeline/register/transaction.py": "the one writer: new parts, dead-row lists, erasures, the commit",
        "pipeline/register/manifest.py": "reads and writes register/CURRENT, the one place that does",
    },
    "pipeline.fsio": {
        "pipeline/fsio.py": "writes every durable file at the path it is handed, register parts among them",
    },
    "pipeline.intake": {
        "pipeline/intake/parquettext.py": "reads a participant's Parquet delivery from the inbox",
    },
    "pipeline.outbox": {
        "pipeline/outbox/publish.py": "the roll-forward's PUBLISHED marker beside CURRENT, its own",
        "pipeline/outbox/scrub.py": "reads an archived Parquet delivery to rewrite it without erased contracts",
    },
    "pipeline.ops": {
        "pipeline/ops/status.py": "cki status checks the files on disk against CURRENT: the layout is its subject",
        "pipeline/ops/export.py": "writes and counts its own snapshot; asks whether CURRENT exists",
        "pipeline/ops/contract.py": "asks whether CURRENT exists before it reads",
    },
}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def unit_of(path: Path) -> str:
    """``pipeline/apply/ranks.py`` → ``pipeline.apply``; ``pipeline/dryrun.py`` → ``pipeline.dryrun``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:2]) if parts[-1] != "__init__" or len(parts) > 2 else parts[0]


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported(tree: ast.Module) -> set[str]:
    """Every module a source imports, at its top or inside a function (``from m import n``: ``m.n``
    where that is a module, else ``m``)."""
    names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}") else node.module
                      for a in node.names}
    return names


def _allowed(name: str, unit: str) -> bool:
    def within(prefix: str) -> bool:
        return name == prefix or name.startswith(prefix + ".")
    return within(unit) or any(within(p) for p in MAY_IMPORT[unit])


def wrong_imports() -> dict[str, list[str]]:
    """Per module of ``pipeline``, the ``pipeline`` modules it imports that its unit may not."""
    wrong = {}
    for path in _modules("pipeline"):
        unit = unit_of(path)
        bad = sorted(m for m in imported(_tree(path)) if m.split(".")[0] == "pipeline" and not _allowed(m, unit))
        if bad:
            wrong[str(path.relative_to(ROOT))] = bad
    return wrong


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
    if isinstance(node, ast.ImportFrom) and node.module == "pipeline.register.store":
        return any(a.name in LAYOUT_NAMES for a in node.names)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "store":
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


def test_every_unit_has_an_allow_list():
    units = {unit_of(p) for p in _modules("pipeline")}
    assert units == set(MAY_IMPORT), "a new package or top module: say in MAY_IMPORT what it may import"


def test_each_package_imports_only_what_its_allow_list_names():
    assert wrong_imports() == {}


def test_every_package_says_what_flows_in_and_out_and_who_calls_it():
    for init in sorted((ROOT / "pipeline").glob("*/__init__.py")):
        doc = ast.get_docstring(_tree(init)) or ""
        assert all(word in doc for word in ("In:", "Out:", "Called by")), init.relative_to(ROOT)


def test_only_the_listed_modules_open_register_files():
    listed = {module: unit for unit, modules in OPENS_FILES.items() for module in modules}
    unlisted = _opening() - set(listed)
    assert not unlisted, f"{sorted(unlisted)} open files themselves: go through pipeline.register.store (or fsio)"
    misplaced = {m: u for m, u in listed.items() if unit_of(ROOT / m) != u}
    assert misplaced == {}, "a module is listed under a unit it is not in"


def test_every_listed_module_still_opens_files():
    listed = {module for modules in OPENS_FILES.values() for module in modules}
    stale = listed - _opening()
    assert not stale, f"{sorted(stale)} no longer open files themselves: take them off OPENS_FILES"


@pytest.mark.parametrize(("source", "opens"), [
    ("import polars as pl\nrows = pl.read_parquet(path)", True),
    ("def f(frame, path):\n    frame.sink_parquet(path)", True),
    ("import pyarrow.parquet as pq", True),
    ("from pyarrow.parquet import ParquetWriter", True),
    ("from pipeline.register.store import DATA, Register", True),
    ("from pipeline.register import store\npath = root / store.DATA", True),
    ("exists = (root / 'CURRENT').exists()", True),
    ("from pipeline import fsio\nfsio.write_parquet(target, frame)", False),
    ("from pipeline.register.store import Register, reading\nrows = reg.read('runs')", False),
    ("with open(path, 'rb') as fh:\n    fh.read()", False),
    ('"""The manifest, CURRENT, names the parts."""', False),
])
def test_the_detector_sees_parquet_and_the_layout_and_nothing_else(source, opens):
    assert opens_files(ast.parse(source)) is opens


def test_the_import_reader_sees_nested_and_from_imports():
    source = ("import polars as pl\nfrom pipeline.errors import CkiError\nfrom pipeline.outbox import publish\n"
              "def f():\n    import pipeline.fsio\n")
    assert imported(ast.parse(source)) == {"polars", "pipeline.errors", "pipeline.outbox.publish", "pipeline.fsio"}


@pytest.mark.parametrize(("name", "unit", "allowed"), [
    ("pipeline.register.state", "pipeline.rules", True),
    ("pipeline.register.store", "pipeline.rules", False),      # rules read no register
    ("pipeline.apply.persons", "pipeline.register", False),    # the register imports no stage
    ("pipeline.ops.progress", "pipeline.apply", True),
    ("pipeline.ops.status", "pipeline.apply", False),
    ("pipeline.night", "pipeline.ops", False),                 # nothing imports the orchestration
    ("pipeline.consult.requests", "pipeline.night", True),
    ("pipeline.outbox.returns", "pipeline.outbox", True),      # within itself
])
def test_the_allow_list_reads_as_meant(name, unit, allowed):
    assert _allowed(name, unit) is allowed


def test_units_are_the_packages_and_the_top_modules():
    assert unit_of(ROOT / "pipeline" / "apply" / "ranks.py") == "pipeline.apply"
    assert unit_of(ROOT / "pipeline" / "intake" / "__init__.py") == "pipeline.intake"
    assert unit_of(ROOT / "pipeline" / "night" / "commit.py") == "pipeline.night"
    assert unit_of(ROOT / "pipeline" / "dryrun.py") == "pipeline.dryrun"
    assert unit_of(ROOT / "pipeline" / "__init__.py") == "pipeline"
