"""config.yaml as typed settings (SPEC 2). Unknown keys and bad values give one line naming the key."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from contracts_schema.codes import CONTRACT_TYPE_CODES, Category
from pipeline.errors import ConfigError

PARTICIPANT_CODE = re.compile(r"^[A-Z0-9]{3,12}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    inbox: str = "inbox"
    outbox: str = "outbox"
    register_folder: str = Field(default="register", alias="register")
    archive: str = "archive"
    reports: str = "reports"        # the run report of every night (pipeline/ops/report.py)
    logs: str = "logs"              # JSON-lines log files, one a day (pipeline/ops/logs.py)


class Schedule(_Strict):
    cron: str = "0 2 * * *"

    @field_validator("cron")
    @classmethod
    def _parses(cls, value: str) -> str:
        from pipeline.cron import check

        check(value)
        return value


class Barometer(_Strict):
    frequency: Literal["quarterly", "monthly"] = "quarterly"
    consumer_credit_types: list[str] = Field(default_factory=lambda: ["AK", "RK", "VK", "OA"])

    @field_validator("consumer_credit_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(CONTRACT_TYPE_CODES))
        if unknown:
            raise ValueError(f"unknown contract types {unknown}")
        return value


class Limits(_Strict):
    """What one delivery may cost to read (decisions 45-46); a file over one ends FILE_TOO_LARGE.

    Defaults: twice the largest national initial load (2.6 M records, 230 MB), a CSV's own
    ceiling for text (``max_file_bytes``), and cells and lines far above any valid record.
    """

    max_rows: int = Field(default=5_000_000, gt=0)                  # records (CSV: lines) per file
    max_decoded_bytes: int = Field(default=2_147_483_648, gt=0)     # text the cells decode to
    max_cell_chars: int = Field(default=1_000, ge=200)              # longer cells are cut: a record error
    max_line_bytes: int = Field(default=1_048_576, ge=1_024)        # one CSV line
    reader_memory_bytes: int = Field(default=12_884_901_888, ge=536_870_912)   # the worker's RLIMIT_DATA
    read_seconds: int = Field(default=900, gt=0)                    # one file's read, wall clock


class Outputs(_Strict):
    """Return files beyond those SPEC 4 names (decision 85)."""

    errors_xlsx: bool = True        # NAME.errors.xlsx beside NAME.errors.csv (pipeline/outbox/spreadsheet.py)


class Participant(_Strict):
    code: str
    name: str
    category: Category
    may_register: bool
    may_consult: bool
    contract_types: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code_pattern(cls, value: str) -> str:
        if not PARTICIPANT_CODE.match(value):
            raise ValueError("must be 3 to 12 of A-Z and 0-9")
        return value

    @field_validator("contract_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(CONTRACT_TYPE_CODES))
        if unknown:
            raise ValueError(f"unknown contract types {unknown}")
        return value


class Settings(_Strict):
    paths: Paths = Field(default_factory=Paths)
    pc4_gemeente: str | None = None
    timezone: str = "Europe/Amsterdam"
    language: Literal["nl", "en"] = "nl"     # messages for people (contracts_schema.words); decision 87
    schedule: Schedule = Field(default_factory=Schedule)
    late_records: Literal["reject", "accept"] = "reject"
    min_cell_size: int = Field(default=10, ge=1)
    barometer: Barometer = Field(default_factory=Barometer)
    archive_days: int = Field(default=90, ge=0)
    outbox_days: int = Field(default=90, ge=1)   # participants' return files (contracts_schema.returns)
    max_file_bytes: int = Field(default=2_147_483_648, gt=0)
    limits: Limits = Field(default_factory=Limits)
    outputs: Outputs = Field(default_factory=Outputs)
    participants: list[Participant] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown timezone '{value}' (an IANA name, such as Europe/Amsterdam)") from None
        return value

    @model_validator(mode="after")
    def _unique_codes(self) -> Settings:
        codes = [p.code for p in self.participants]
        doubles = sorted({c for c in codes if codes.count(c) > 1})
        if doubles:
            raise ValueError(f"participant codes occur twice: {doubles}")
        return self


class Config:
    """Settings plus the folder they are relative to; the one object the stages receive."""

    def __init__(self, settings: Settings, base: Path) -> None:
        self.settings = settings
        self.base = base
        self.participants = {p.code: p for p in settings.participants}

    def path(self, name: str) -> Path:
        attribute = "register_folder" if name == "register" else name
        return (self.base / getattr(self.settings.paths, attribute)).resolve()

    @property
    def inbox(self) -> Path:
        return self.path("inbox")

    @property
    def outbox(self) -> Path:
        return self.path("outbox")

    @property
    def register(self) -> Path:
        return self.path("register")

    @property
    def archive(self) -> Path:
        return self.path("archive")

    @property
    def reports(self) -> Path:
        return self.path("reports")

    @property
    def logs(self) -> Path:
        return self.path("logs")

    @property
    def pc4_path(self) -> Path | None:
        value = self.settings.pc4_gemeente
        return (self.base / value).resolve() if value else None


PC4_COLUMNS = ("pc4", "gemeente_code", "gemeente_name")


def load_pc4(config: Config) -> pl.DataFrame:
    """The pc4 → gemeente reference table (empty without ``pc4_gemeente``: everybody ONBEKEND)."""
    path = config.pc4_path
    if path is None:
        return pl.DataFrame(schema=dict.fromkeys(PC4_COLUMNS, pl.String))
    try:
        frame = pl.read_csv(path, separator=";", infer_schema=False, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ConfigError(f"config.yaml: pc4_gemeente: cannot read {path} ({type(exc).__name__})") from None
    missing = [c for c in PC4_COLUMNS if c not in frame.columns]
    if missing:
        raise ConfigError(f"config.yaml: pc4_gemeente: {path} lacks the columns {missing} "
                          "(expected pc4;gemeente_code;gemeente_name)")
    return frame.select(pl.col(c).str.strip_chars() for c in PC4_COLUMNS)


def today_in(tz: str) -> date:
    """The calendar date now in the given timezone (the default run date)."""
    return datetime.now(ZoneInfo(tz)).date()


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]).replace("register_folder", "register") or "(top level)"
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = "unknown key"
    return f"config.yaml: {key}: {reason}"


def load_config(path: Path) -> Config:
    """Read and check config.yaml; raise ConfigError with one line naming the key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config.yaml is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise ConfigError("config.yaml must be a mapping of keys to values")
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    return Config(settings, path.parent.resolve())
