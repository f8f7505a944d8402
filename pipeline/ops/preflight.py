"""Setup mistakes caught before anything runs (decision 68).

The settings model already refuses what a value alone shows (an unknown timezone, a cron that
does not parse); this adds what needs the disk: the pc4 table (``load_pc4`` reads and checks it)
and the inbox folder. Each mistake is one line naming the key, exit 2, and nothing is created.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Config, load_config, load_pc4
from pipeline.errors import ConfigError
from pipeline.ops import logs


def ready(config_path: Path, *, night: bool = False, pc4: bool = False) -> Config:
    """config.yaml loaded and checked; ``night``: everything a night needs (the pc4 table and the
    inbox), ``pc4``: the pc4 table (the barometers need it)."""
    config = load_config(config_path)
    _log_in(config.settings.timezone)
    if night or pc4:
        load_pc4(config)
    if night:
        _inbox(config)
    logs.keep(config.logs)          # the day's log file (run, schedule, barometer), once all is checked
    return config


def _inbox(config: Config) -> None:
    inbox = config.inbox
    if not inbox.is_dir():
        what = "is not a folder" if inbox.exists() else "does not exist"
        raise ConfigError(f"config.yaml: paths.inbox: {inbox} {what} (participants' files are read from there)")


def _log_in(timezone: str) -> None:
    """Log times from here on in the configured timezone."""
    logs.zone(timezone)
