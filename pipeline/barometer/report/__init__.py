"""The analysts' report ``barometer.html`` (SPEC 7): the barometer history as one self-contained page.

In: the history of the seven tables of ``contracts_schema.barometer`` (table name → a frame with
that table's ``schema``, every reference date produced so far, sorted by peildatum then key; in the
gemeente and age tables a suppressed cell is null) and ``min_cell_size``.
Out: one HTML document as a string, in Dutch: the latest share of persons in arrears, the trends of
the national tables, the age and gemeente tables of the latest peildatum with suppressed cells
shown as "onderdrukt" (never as 0), and a short explanation. plotly.js is embedded once and nothing
is fetched when the page is opened offline. No timestamps and fixed div ids: the same history gives
the same bytes (SPEC 4).

The page (``page``), its charts (``charts``) and its table per gemeente (``gemeenten``) are built
from the history with the Dutch formats of ``format``.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pipeline.barometer.report.charts import age_section, credit_section, mortgage_section, types_section
from pipeline.barometer.report.format import dutch_int, dutch_share
from pipeline.barometer.report.gemeenten import gemeente_section
from pipeline.barometer.report.page import document, empty_body, explanation, header, headline

__all__ = ["dutch_int", "dutch_share", "render_html"]


def render_html(history: Mapping[str, pl.DataFrame], min_cell_size: int) -> str:
    """The report for this history; a page saying so when no reference date is produced yet."""
    national = history["kredietbarometer_nationaal"]
    if national.is_empty():
        return document(empty_body(min_cell_size), with_plotly=False)
    return document(_full_body(history, min_cell_size), with_plotly=True)


def _full_body(history: Mapping[str, pl.DataFrame], min_cell_size: int) -> str:
    return "\n".join([
        header(history["kredietbarometer_nationaal"]),
        headline(history["kredietbarometer_nationaal"], history["hypotheekbarometer_nationaal"]),
        credit_section(history["kredietbarometer_nationaal"]),
        types_section(history["kredietbarometer_soort"]),
        mortgage_section(history["hypotheekbarometer_nationaal"]),
        age_section(history["kredietbarometer_leeftijd"], history["hypotheekbarometer_leeftijd"]),
        gemeente_section(history["kredietbarometer_gemeente"], history["hypotheekbarometer_gemeente"]),
        explanation(min_cell_size),
    ])
