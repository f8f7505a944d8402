"""Fault points for the crash-safety tests: ``CKI_CRASH_AT=<point>[:<n>]`` kills the process there,
``CKI_FULL_AT=write:<n>`` makes the n-th file write find the disk full (``CKI_FULL_AT=<file name>``
the write of that file).

No-ops unless the variables are set; the names are the durable-state boundaries of a night.
"""

from __future__ import annotations

import errno
import os
import signal

_seen: dict[str, int] = {}


def _reached(variable: str, name: str) -> bool:
    """Whether the variable names this point and this is the n-th time (or later) it is passed."""
    wanted = os.environ.get(variable)
    if not wanted:
        return False
    target, _, nth = wanted.partition(":")
    if target != name:
        return False
    key = f"{variable}:{name}"
    _seen[key] = _seen.get(key, 0) + 1
    return _seen[key] >= int(nth or 1)


def point(name: str) -> None:
    if _reached("CKI_CRASH_AT", name):
        os.kill(os.getpid(), signal.SIGKILL)


def disk(name: str) -> None:
    """Raise what a write raises on a full disk, from the n-th write on (a full disk stays full)."""
    if _reached("CKI_FULL_AT", name):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
