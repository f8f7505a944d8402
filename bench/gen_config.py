"""Participants, contract types and the workspace's config.yaml (SPEC section 2)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

TYPES = ("AK", "RK", "VK", "OA", "SR", "HY", "HO", "RH", "RN", "RO")
# Share of all contracts per type (about half RK, a third AK, then the rest).
TYPE_SHARE = (0.33, 0.49, 0.05, 0.035, 0.025, 0.015, 0.003, 0.02, 0.015, 0.012)
# Days that must pass between arrears_since and the date code A is reported (SPEC section 1).
ARREARS_PERIOD = {"AK": 60, "RK": 60, "VK": 90, "OA": 60, "SR": 60, "HY": 120, "HO": 120, "RH": 60, "RN": 60, "RO": 120}
NEGATIVE_ONLY = ("HY", "HO", "RO")
POSITIVE = ("AK", "RK", "VK", "OA", "RH", "RN")

# Category: (number of participants, size weights of the first few, affinity per type in TYPES order).
CATEGORIES = {
    "BANK": ((30, 22, 18, 8, 5, 3, 2, 1), (1, 1, 0.02, 0.2, 0, 1, 1, 1, 1, 0.3)),
    "FINANCIERINGSMAATSCHAPPIJ": ((10, 6, 4, 3, 2, 1, 1), (1.5, 1.2, 0.1, 0.3, 0, 0.05, 0.05, 0.2, 0.2, 1)),
    "THUISWINKEL": ((5, 3, 2, 1, 1), (0.05, 0.3, 3, 0, 0, 0, 0, 0, 0, 0.1)),
    "HYPOTHEEKVERSTREKKER": ((4, 3, 2, 1, 1), (0.1, 0, 0, 0, 0, 3, 3, 2, 2, 0.1)),
    "CREDITCARD": ((8, 4, 2, 1), (0, 2, 0, 0, 0, 0, 0, 0, 0, 0.2)),
    "LEASE": ((3, 2, 1, 1), (0.2, 0, 0, 3, 0, 0, 0, 0, 0, 0.1)),
    "GEMEENTE": ((1, 1, 0.5, 0.5), (0.3, 0, 0, 0, 5, 0, 0, 0, 0, 0.5)),
    "OVERIG": ((1, 0.5, 0.5), (0.3, 0.3, 0.1, 0, 1, 0, 0, 0, 0, 2)),
}
CODE_STEM = {
    "BANK": "BANK",
    "FINANCIERINGSMAATSCHAPPIJ": "FIN",
    "THUISWINKEL": "THUIS",
    "HYPOTHEEKVERSTREKKER": "HYPO",
    "CREDITCARD": "CC",
    "LEASE": "LEASE",
    "GEMEENTE": "GEM",
    "OVERIG": "OVR",
}
NAME_STEM = {
    "BANK": "Voorbeeldbank",
    "FINANCIERINGSMAATSCHAPPIJ": "Krediet Financiering",
    "THUISWINKEL": "Postorder Thuiswinkel",
    "HYPOTHEEKVERSTREKKER": "Hypotheekfonds",
    "CREDITCARD": "Kaart Services",
    "LEASE": "Autolease",
    "GEMEENTE": "Kredietbank gemeente",
    "OVERIG": "Overige Verstrekker",
}


def participants() -> pl.DataFrame:
    """The 40 participants: index, code, name, category, size weight, affinity per type."""
    rows = []
    for category, (sizes, affinity) in CATEGORIES.items():
        for i, size in enumerate(sizes, start=1):
            rows.append(
                {
                    "code": f"{CODE_STEM[category]}{i:02d}",
                    "name": f"{NAME_STEM[category]} {i}",
                    "category": category,
                    "size": float(size),
                    **{t: size * a for t, a in zip(TYPES, affinity, strict=True)},
                }
            )
    return pl.DataFrame(rows).with_row_index("p")


def write_config(out: Path, parts: pl.DataFrame) -> None:
    """config.yaml in SPEC section 2 format; every participant may register all ten types."""
    config = {
        "paths": {"inbox": "inbox", "outbox": "outbox", "register": "register", "archive": "archive"},
        "pc4_gemeente": "pc4_gemeente.csv",
        "timezone": "Europe/Amsterdam",
        "schedule": {"cron": "0 2 * * *"},
        "late_records": "accept",
        "min_cell_size": 10,
        "barometer": {"frequency": "quarterly", "consumer_credit_types": ["AK", "RK", "VK", "OA"]},
        "archive_days": 90,
        "max_file_bytes": 4294967296,
        "participants": [
            {
                "code": row["code"],
                "name": row["name"],
                "category": row["category"],
                "may_register": True,
                "may_consult": True,
                "contract_types": list(TYPES),
            }
            for row in parts.iter_rows(named=True)  # 40 rows of configuration, not records
        ],
    }
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    (out / "config.yaml").write_text(text, encoding="utf-8")


def write_pc4(out: Path, pc4: pl.DataFrame) -> None:
    """pc4_gemeente.csv: `pc4;gemeente_code;gemeente_name`."""
    pc4.select("pc4", "gemeente_code", "gemeente_name").write_csv(out / "pc4_gemeente.csv", separator=";")
