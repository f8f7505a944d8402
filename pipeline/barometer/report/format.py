"""Numbers and dates as the Dutch read them, as Polars expressions, for the report's text and charts."""

from __future__ import annotations

from datetime import date

import polars as pl


def dutch_int(count: pl.Expr) -> pl.Expr:
    """A count as Dutch text: thousands separated by '.' (1234567 → "1.234.567")."""
    grouped = count.cast(pl.String).str.reverse().str.replace_all(r"(\d{3})", "${1}.")
    return grouped.str.strip_chars_end(".").str.reverse()


def dutch_share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """part / whole as a Dutch percentage with one decimal, rounded half up ("12,5 %"); null
    when whole is 0 or either is null. Integer arithmetic, so the text is exact."""
    tenths = (part * 1000 + whole // 2) // whole
    return pl.when(whole > 0).then(pl.format("{},{} %", tenths // 10, tenths % 10))


def share_percent(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """part / whole × 100 as a float for the charts; null when whole is 0."""
    return pl.when(whole > 0).then(part * 100 / whole)


def date_label(peildatum: pl.Expr) -> pl.Expr:
    """A peildatum as the Dutch write it: 31-03-2025."""
    return peildatum.dt.strftime("%d-%m-%Y")


def date_labels(frame: pl.DataFrame) -> list[str]:
    """The frame's peildata as labels, each once, in date order."""
    days = frame.select(pl.col("peildatum").unique().sort())
    return days.select(date_label(pl.col("peildatum"))).to_series().to_list()


def day_label(day: date) -> str:
    return f"{day:%d-%m-%Y}"


def latest(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("peildatum") == pl.col("peildatum").max())


def latest_label(*frames: pl.DataFrame) -> str:
    return day_label(max(d for f in frames for d in f["peildatum"].to_list()))


HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}   # html.escape's


def escaped(text: pl.Expr) -> pl.Expr:
    """``html.escape`` of each value, as an expression (one pass; a replacement is not scanned again)."""
    return text.str.replace_many(list(HTML_ESCAPES), list(HTML_ESCAPES.values()))
