"""Crash points for the crash-safety tests: ``CKI_CRASH_AT=<point>[:<n>]`` kills the process there.

A no-op unless the variable is set; the names are the durable-state boundaries of a night.
"""

from __future__ import annotations

import os
import signal

_seen: dict[str, int] = {}


def point(name: str) -> None:
    wanted = os.environ.get("CKI_CRASH_AT")
    if not wanted:
        return
    target, _, nth = wanted.partition(":")
    if target != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
