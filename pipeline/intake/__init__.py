"""Intake: find the night's deliveries, run every whole-file check of SPEC 4.1, read the records.

In: the inbox, config.yaml's participants and limits, and the ledger of files already processed.
Out: one ``Delivery`` per file, in delivery order: its records as text with ``line_no``, or the
file error that rejects it whole. Called by the night and the dry run; ``apply`` and ``outbox``
take the ``Delivery``, ``ops`` the printable names. Imports ``pipeline.config`` and
``pipeline.ops.logs``.

The modules, one job each:

- ``names``      SPEC 3.1 names, read strictly; names made safe to print
- ``listing``    what lies in the inbox, strays included (nothing is silently ignored)
- ``checks``     the whole-file checks in delivery order (``checked``)
- ``records``    the frame a worker read → header check, participant check, ``line_no``
- ``isolation``  the night's side of the reading worker
- ``worker``     the reading worker process, with ``reader``, ``csvtext``, ``parquettext``,
                 ``cells``, ``views`` and ``limits``: the only code that runs reading libraries
                 on a file

The names below are loaded on first use, so that the worker (``python -m
pipeline.intake.worker``) imports Polars and PyArrow but not the validation stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_HOMES = {
    "Delivery": "pipeline.intake.delivery",
    "Ledger": "pipeline.intake.delivery",
    "discover": "pipeline.intake.listing",
    "STRAY": "pipeline.intake.listing",
    "checked": "pipeline.intake.checks",
    "read_limits": "pipeline.intake.checks",
    "NAME_PATTERN": "pipeline.intake.names",
    "NAME_RULE": "pipeline.intake.names",
    "KIND_ORDER": "pipeline.intake.names",
    "printable": "pipeline.intake.names",
}

if TYPE_CHECKING:
    from pipeline.intake.checks import checked, read_limits
    from pipeline.intake.delivery import Delivery, Ledger
    from pipeline.intake.listing import STRAY, discover
    from pipeline.intake.names import KIND_ORDER, NAME_PATTERN, NAME_RULE, printable

__all__ = ["KIND_ORDER", "NAME_PATTERN", "NAME_RULE", "STRAY", "Delivery", "Ledger", "checked",
           "discover", "printable", "read_limits"]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'pipeline.intake' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
