"""Before a run, the publication a committed run left unfinished; after the commit, a full disk
that leaves a committed register for the next run to publish."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.config import Config
from pipeline.errors import DiskFull
from pipeline.ops.logs import fields
from pipeline.outbox import publish
from pipeline.outbox.returns import (
    STAGING,
)
from pipeline.register.store import Register

log = logging.getLogger("cki")


@contextmanager
def after_the_commit() -> Iterator[None]:
    """A full disk from here on leaves a committed register whose publication the next run finishes."""
    try:
        yield
    except DiskFull as exc:
        exc.committed = True
        raise


def recover(config: Config) -> Register:
    """Finish a committed run's publishing, then delete what a crashed run left behind."""
    reg = Register(config.register)
    if publish.pending(config.register, reg.manifest):
        log.info("finishing the publication of run %s", reg.manifest.run_id,
                 extra=fields("recover_publication", run_id=reg.manifest.run_id))
        with after_the_commit():
            publish.carry_out(config.register, reg.manifest)
    reg.clean(wait=False)       # the night's own clean, after its commit, waits for readers
    shutil.rmtree(config.outbox / STAGING, ignore_errors=True)
    return reg
