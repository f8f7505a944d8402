"""After the commit: publish staged outbox files and archive processed inputs (roll-forward).

The commit recorded this plan in CURRENT (``pipeline.register.manifest.PublishPlan``, its paths relative
to the workspace, so a workspace moved whole publishes in its new place); if the run dies
half-way, the next run finds CURRENT not yet marked published and finishes the plan before doing
anything else.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from pipeline import faults, fsio
from pipeline.outbox import scrub
from pipeline.register.manifest import Manifest, PublishPlan

PUBLISHED = "PUBLISHED"


def pending(register_root: Path, manifest: Manifest) -> bool:
    marker = register_root / PUBLISHED
    done = marker.read_text().strip() if marker.exists() else None
    return bool(manifest.run_id) and done != manifest.run_id


def carry_out(register_root: Path, manifest: Manifest) -> None:
    """Move staged outbox files into place and inputs to the archive, then delete the return
    files whose retention the night ended; idempotent."""
    plan = manifest.publish or PublishPlan()
    for staged, target in plan.outbox:
        if staged.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            fsio.fsync_dir(target.parent)
        faults.point("publish_file")
    for source, target, sha in plan.archive:
        if os.path.lexists(source) and _same(source, sha):
            fsio.move(source, target)
    expire(plan.expire)
    scrub.carry_out(register_root, plan.scrub)
    fsio.write_text(register_root / PUBLISHED, manifest.run_id or "")
    if plan.staging:
        shutil.rmtree(plan.staging, ignore_errors=True)


def expire(paths: list[Path]) -> None:
    """Delete the participants' return files that the night's ``outbox_days`` ends; idempotent."""
    folders = set()
    for path in paths:
        path.unlink(missing_ok=True)
        folders.add(path.parent)
        faults.point("expire_file")
    for folder in sorted(folders):
        if folder.is_dir():
            fsio.fsync_dir(folder)


def _same(path: Path, sha: str | None) -> bool:
    """Archive only the file that was processed, not a newer one delivered under its name."""
    if not sha or path.is_symlink() or not path.is_file():
        return True
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha
