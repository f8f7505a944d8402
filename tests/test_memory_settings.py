"""A cki process turns NumPy's huge pages off before NumPy loads (decision 115): on a machine whose
kernel compacts memory for them at first touch, a barometer date's arrays cost more faulting than
computing. The reading worker inherits the setting through the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASKED = """
import sys
import pipeline.cli as cli
assert "numpy" not in sys.modules, "numpy loaded before cki could set it up"
try:
    cli.main(["--version"])
except SystemExit:
    pass
import os, numpy
print(numpy._core.multiarray._get_madvise_hugepage(), os.environ["NUMPY_MADVISE_HUGEPAGE"])
"""


def _asked(env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, "-c", ASKED], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()[-1]


def test_cki_turns_numpys_huge_pages_off_for_itself_and_its_worker() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    assert _asked(env) == "False 0"


def test_an_operators_own_setting_wins() -> None:
    assert _asked({**os.environ, "NUMPY_MADVISE_HUGEPAGE": "1"}) == "True 1"
