"""The register's manifest, ``register/CURRENT``: the parts of every table, and the publication
the last commit planned (DESIGN 3). ``read`` is the one place that reads (and upgrades) it,
``write`` the one place that writes it (decision 96).

Format versions (``format_version``):

1. no such key: the publish plan's paths are absolute; ``dead`` and ``next_person_id`` may be
   missing (registers from before them). Read, and written as the current version at the next
   commit.
2. the publish plan's paths are relative to the workspace, the register folder's parent, so a
   workspace moved whole still finishes a pending publication; a path outside the workspace
   (a folder configured elsewhere) stays absolute.
3. ``next_contract_id``: the contracts, borrowers and codes parts carry ``contract_id``
   (decision 112). A register of version 1 or 2 has no such key: its parts lack the column, and
   the next night numbers its contracts once, inside its own commit
   (``Transaction.number_contracts``). A cki of version 2 refuses a version 3 register, so it
   never writes parts without the id beside parts with it.

A manifest of a later version was written by a newer cki and is refused, untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from pipeline import fsio
from pipeline.errors import ManifestError

FORMAT_VERSION = 3
CURRENT = "CURRENT"


@dataclass(frozen=True)
class ScrubPlan:
    """The files the publication rewrites without the rows the run erased (``pipeline.outbox.scrub``)."""

    run_id: str
    files: list[Path] = field(default_factory=list)
    language: str = "nl"


@dataclass(frozen=True)
class PublishPlan:
    """What the publication after the commit does, paths absolute in memory."""

    outbox: list[tuple[Path, Path]] = field(default_factory=list)                 # (staged, published)
    archive: list[tuple[Path, Path, str | None]] = field(default_factory=list)   # (delivered, archived, sha256)
    staging: Path | None = None
    expire: list[Path] = field(default_factory=list)          # return files outbox_days ends
    scrub: ScrubPlan | None = None


@dataclass(frozen=True)
class Manifest:
    """One committed version of the register (version 0: nothing committed yet)."""

    version: int = 0
    run_id: str | None = None
    tables: dict[str, list[str]] = field(default_factory=dict)      # table → its part files in data/
    events: list[str] = field(default_factory=list)
    dead: dict[str, str] = field(default_factory=dict)              # part → the file of its dead rows
    next_person_id: int | None = None                               # None: a register from before it
    publish: PublishPlan | None = None
    next_contract_id: int | None = None                             # None: contracts not numbered yet


_SHAPE = TypeAdapter(Manifest)


def workspace(root: Path) -> Path:
    """The folder the publish plan's paths are relative to: the register folder's parent."""
    return root.resolve().parent


def read(root: Path) -> Manifest:
    """The committed manifest of the register at ``root`` (an empty one before the first commit)."""
    path, shown = root / CURRENT, f"{root.name}/{CURRENT}"
    if not path.exists():
        return Manifest()
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{shown} is unreadable ({type(exc).__name__}): restore it from a backup") from None
    return parse(raw, workspace(root), shown)


def parse(raw: object, base: Path, path: str = CURRENT) -> Manifest:
    """A stored manifest of any known format version, upgraded in memory, its paths resolved
    against ``base`` (``path``: the manifest as its errors name it)."""
    if not isinstance(raw, dict):
        raise ManifestError(f"{path} is unreadable (not a manifest): restore it from a backup")
    stored = dict(raw)
    version = stored.pop("format_version", 1)
    if not isinstance(version, int) or version < 1:
        raise ManifestError(f"{path} is unreadable (format_version {version!r}): restore it from a backup")
    if version > FORMAT_VERSION:
        raise ManifestError(f"{path} has format version {version}, newer than this cki reads "
                            f"(up to {FORMAT_VERSION}): run a cki as new as the one that wrote it")
    try:
        manifest = _SHAPE.validate_python(stored)
    except ValidationError as exc:
        where = ".".join(map(str, exc.errors()[0]["loc"]))
        raise ManifestError(f"{path} is unreadable (not a manifest: {where}): restore it from a backup") from None
    return _paths(manifest, lambda p: base / p)


def write(root: Path, manifest: Manifest) -> None:
    """Write ``manifest`` as ``root/CURRENT`` (the commit point), in the current format version."""
    base = workspace(root)
    stored = asdict(_paths(manifest, lambda p: p.relative_to(base) if p.is_relative_to(base) else p))
    fsio.write_json(root / CURRENT, _plain({"format_version": FORMAT_VERSION, **stored}))


def _paths(manifest: Manifest, move: Callable[[Path], Path]) -> Manifest:
    """The manifest with every path of its publish plan passed through ``move``."""
    plan = manifest.publish
    if plan is None:
        return manifest
    scrub = None if plan.scrub is None else replace(plan.scrub, files=[move(p) for p in plan.scrub.files])
    moved = PublishPlan(outbox=[(move(a), move(b)) for a, b in plan.outbox],
                        archive=[(move(a), move(b), sha) for a, b, sha in plan.archive],
                        staging=None if plan.staging is None else move(plan.staging),
                        expire=[move(p) for p in plan.expire], scrub=scrub)
    return replace(manifest, publish=moved)


def _plain(value: object) -> object:
    """Paths as text and tuples as lists: what JSON holds."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value
