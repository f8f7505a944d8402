"""The one way cki takes a lock: an ``flock`` on a file, released when the file is closed.

The kernel drops an ``flock`` when its holder dies, so a killed run never blocks the next (DESIGN 3).
The register's run lock, its readers' lock and the scheduler's lock are all this.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def flocked(path: Path, shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive (or ``shared``) lock on ``path``, made if missing, for the block: whether
    it was had. Without ``wait`` a lock another process holds is not waited for: False at once."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
