"""The report's table per gemeente for the latest peildatum: suppressed cells shown as suppressed."""

from __future__ import annotations

from html import escape

import polars as pl

from contracts_schema.barometer import UNKNOWN_GEMEENTE
from pipeline.barometer.report.format import dutch_int, dutch_share, escaped, latest, latest_label
from pipeline.barometer.report.page import not_yet, section

SUPPRESSED = '<td class="num onderdrukt" title="onderdrukt: te klein aantal of secundair">onderdrukt</td>'
ABSENT = '<td class="num leeg" title="komt op deze peildatum niet voor in deze tabel"></td>'
NOT_COMPUTABLE = '<td class="num na" title="niet te berekenen: een aantal is onderdrukt">–</td>'

GEMEENTE_KEYS = ["gemeente_code", "gemeente_name"]
GEMEENTE_COLUMNS = (("persons_with_credit", "Personen met een consumptief krediet", "_in_credit"),
                    ("persons_in_arrears", "Personen met een betalingsachterstand", "_in_credit"),
                    (None, "Aandeel met een betalingsachterstand", "_in_credit"),
                    ("persons_mortgage_arrears_3m", "Hypotheekachterstand van 3 maanden of meer", "_in_mortgage"),
                    ("persons_residual_debt", "Personen met een restschuld", "_in_mortgage"))


def gemeente_section(credit: pl.DataFrame, mortgage: pl.DataFrame) -> str:
    title = "Per gemeente"
    if credit.is_empty() and mortgage.is_empty():
        return not_yet(title)
    table = _gemeente_table(latest(credit), latest(mortgage))
    head = "".join(f'<th class="num">{escape(label)}</th>' for _, label, _ in GEMEENTE_COLUMNS)
    rows = "\n".join(table.select(_gemeente_row()).to_series())
    box = (f'<div class="tablebox"><table>\n<thead><tr><th>Gemeente</th>{head}</tr></thead>\n'
           f"<tbody>\n{rows}\n</tbody></table></div>\n{_gemeente_legend(table)}")
    return section(f"{title}, peildatum {latest_label(credit, mortgage)}", _gemeente_intro(), box)


def _gemeente_intro() -> str:
    return ("Gesorteerd op het aantal personen met een consumptief krediet, van groot naar klein; "
            "gemeenten waarvan dat aantal onderdrukt is staan onderaan. De tabel scrolt.")


def _gemeente_table(credit: pl.DataFrame, mortgage: pl.DataFrame) -> pl.DataFrame:
    """One row per gemeente of either table: the name, then each column's ``<td>``."""
    left = credit.drop("peildatum").rename({"suppressed": "_s_credit"}).with_columns(_in_credit=pl.lit(True))
    right = mortgage.drop("peildatum").rename({"suppressed": "_s_mortgage"}).with_columns(_in_mortgage=pl.lit(True))
    joined = left.join(right, on=GEMEENTE_KEYS, how="full", coalesce=True)
    ordered = joined.sort(["persons_with_credit", "gemeente_name", "gemeente_code"],
                          descending=[True, False, False], nulls_last=True)
    cells = [_count_cell(column, present) if column else _share_cell() for column, _, present in GEMEENTE_COLUMNS]
    suppressed = pl.col("_s_credit").fill_null(False) | pl.col("_s_mortgage").fill_null(False)
    return ordered.select(*GEMEENTE_KEYS, *cells, _suppressed=suppressed)


def _count_cell(column: str, present: str) -> pl.Expr:
    return (pl.when(pl.col(present).is_null()).then(pl.lit(ABSENT))
            .when(pl.col(column).is_null()).then(pl.lit(SUPPRESSED))
            .otherwise(pl.format('<td class="num">{}</td>', dutch_int(pl.col(column)))).alias(column))


def _share_cell() -> pl.Expr:
    share = dutch_share(pl.col("persons_in_arrears"), pl.col("persons_with_credit"))
    return (pl.when(pl.col("_in_credit").is_null()).then(pl.lit(ABSENT))
            .when(share.is_null()).then(pl.lit(NOT_COMPUTABLE))
            .otherwise(pl.format('<td class="num">{}</td>', share)).alias("share"))


def _gemeente_row() -> pl.Expr:
    """Each gemeente's ``<tr>``: its name and code (ONBEKEND explained instead of a code), then
    the columns' cells."""
    name = escaped(pl.coalesce("gemeente_name", "gemeente_code"))
    unknown = pl.col("gemeente_code") == UNKNOWN_GEMEENTE
    label = (pl.when(unknown).then(pl.format('<tr class="onbekend"><td>{} <span class="code">(postcode niet in de '
                                             'pc4-tabel)</span></td>', name))
             .otherwise(pl.format('<tr><td>{} <span class="code">{}</span></td>', name,
                                  escaped(pl.col("gemeente_code")))))
    cells = [pl.col(column or "share") for column, _, _ in GEMEENTE_COLUMNS]
    return pl.concat_str(label, *cells, pl.lit("</tr>"))


def _gemeente_legend(table: pl.DataFrame) -> str:
    count, suppressed = table.height, int(table["_suppressed"].sum())
    text = (f"{count} gemeenten, waarvan {suppressed} met een of meer onderdrukte cellen. "
            "\u201conderdrukt\u201d: het aantal is te klein om te tonen of secundair onderdrukt (niet 0). "
            "\u2013: het aandeel is niet te berekenen omdat een aantal onderdrukt is. Een lege cel: de "
            "gemeente komt op deze peildatum niet voor in die tabel. Door de onderdrukking tellen de "
            "gemeenten niet op tot het landelijke totaal.")
    return f'<p class="legend">{escape(text)}</p>'
