"""Find the night's deliveries: every entry of every participant folder, and every stray entry.

SPEC 3.1: nothing in an inbox is silently ignored. Besides the files in participant folders,
an entry in ``inbox/`` itself is a delivery too, so that it gets a result and is moved aside:

- a link named like a participant folder (``inbox/BANK1 -> elsewhere``) is a delivery of that
  folder's participant, named after the link, and ends as ``FILE_NOT_REGULAR``;
- anything else that is not a folder (a file, a pipe, another link) belongs to the pseudo
  participant ``_inbox``: its result goes to ``outbox/_inbox/`` and it moves to
  ``archive/rejected/<run date>/_inbox/`` (``_`` is never in a participant code).

Names ending in ``.part`` or starting with ``.`` are left alone everywhere. Links are never
followed: a folder is listed only when it is a real folder.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pipeline.intake.delivery import Delivery
from pipeline.intake.names import KIND_ORDER, looks_like_participant, parse, printable
from pipeline.ops.logs import fields

log = logging.getLogger("cki")
STRAY = "_inbox"


def discover(inbox: Path) -> list[Delivery]:
    """Every entry to answer tonight, in delivery order (participant, kind, sequence)."""
    if not inbox.is_dir():
        return []
    found: list[Delivery] = []
    for entry in _entries(inbox):
        if entry.is_dir(follow_symlinks=False):
            found += [Delivery(Path(e.path), entry.name, e.name) for e in _entries(entry.path)]
        else:
            found.append(_stray(entry))
    return sorted(found, key=_order)


def _entries(folder: str | Path) -> list[os.DirEntry]:
    """The entries of one folder that are not hidden or still uploading, by name."""
    with os.scandir(folder) as it:
        kept = [e for e in it if not e.name.startswith(".") and not e.name.endswith(".part")]
    return sorted(kept, key=lambda e: e.name)


def _stray(entry: os.DirEntry) -> Delivery:
    """An entry of inbox/ itself that is not a participant folder; logged, so the operator sees it."""
    if entry.is_symlink() and looks_like_participant(entry.name):
        log.warning("inbox/%s is a link, not a folder: not followed; rejected as FILE_NOT_REGULAR and the "
                    "link itself moved to the archive", printable(entry.name),
                    extra=fields("stray", participant=printable(entry.name), file=printable(entry.name),
                                 code="FILE_NOT_REGULAR"))
        return Delivery(Path(entry.path), entry.name, entry.name)
    log.warning("inbox/%s lies outside any participant folder: rejected and moved to the archive's "
                "rejected/<run date>/%s/", printable(entry.name), STRAY,
                extra=fields("stray", participant=STRAY, file=printable(entry.name), code="PARTICIPANT_UNKNOWN"))
    return Delivery(Path(entry.path), STRAY, entry.name)


def _order(d: Delivery) -> tuple:
    parts = parse(d.name)
    if parts is None:
        return (d.folder, 9, 0, d.name)
    return (d.folder, KIND_ORDER[parts.kind], parts.seq, d.name)
