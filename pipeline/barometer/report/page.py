"""The page around the report's sections: its document, header, headline cards and explanation."""

from __future__ import annotations

from datetime import date
from html import escape

import polars as pl
from plotly.offline import get_plotlyjs

from contracts_schema.barometer import UNKNOWN_GEMEENTE
from pipeline.barometer.report.format import date_label, day_label, dutch_int, dutch_share

TITLE = "Krediet- en hypotheekbarometer"
FONT = "'Segoe UI', 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"

STYLE = """
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1a202c;font:15px/1.5 FONT}
main{max-width:1340px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:28px;margin:0 0 4px}
h2{font-size:20px;margin:0 0 6px}
.sub{color:#4a5568;margin:0 0 20px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:18px 22px;margin:0 0 20px}
.intro{color:#4a5568;margin:0 0 8px;font-size:14px}
.cards{display:grid;grid-template-columns:1.6fr repeat(4,1fr);gap:14px;background:none;border:0;padding:0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 18px}
.card .label{font-size:13px;color:#4a5568}
.card .value{font-size:28px;font-weight:600}
.card .when{font-size:13px;color:#718096}
.headline{border-left:6px solid #c53030}
.headline .value{font-size:48px;color:#c53030;line-height:1.1}
.tablebox{max-height:520px;overflow:auto;border:1px solid #e2e8f0;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:14px}
th{position:sticky;top:0;background:#edf2f7;text-align:left;padding:6px 10px;border-bottom:1px solid #cbd5e0}
td{padding:4px 10px;border-bottom:1px solid #edf2f7}
tbody tr:nth-child(even){background:#fafbfc}
.num{text-align:right;font-variant-numeric:tabular-nums}
th.num{text-align:right}
.code{color:#718096;font-size:12px}
.onderdrukt{color:#718096;font-style:italic;background:repeating-linear-gradient(135deg,#fff 0 6px,#f1f3f5 6px 12px)}
.na{color:#a0aec0}
.onbekend td:first-child{font-style:italic}
.legend{font-size:13px;color:#4a5568;margin:8px 0 0}
.empty{font-size:17px;padding:14px 18px;background:#fffbea;border:1px solid #f6e05e;border-radius:6px}
dl{margin:0;max-width:1000px}
dt{font-weight:600;margin-top:10px}
dd{margin:2px 0 0 0;color:#2d3748}
""".replace("FONT", FONT)


def document(body: str, with_plotly: bool) -> str:
    plotly_js = f"<script>{get_plotlyjs()}</script>\n" if with_plotly else ""
    return ('<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(TITLE)}</title>\n<style>{STYLE}</style>\n{plotly_js}</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def empty_body(min_cell_size: int) -> str:
    note = ("Er is nog geen peildatum berekend. De eerste peildatum is het eerste einde van een "
            "maand of kwartaal (volgens de configuratie) op of na de eerste run van het register; "
            "daarna verschijnen hier de cijfers.")
    return f"<h1>{escape(TITLE)}</h1>\n<p class=\"empty\">{escape(note)}</p>\n{explanation(min_cell_size)}"


def header(national: pl.DataFrame) -> str:
    dates: list[date] = national["peildatum"].to_list()
    first, last = min(dates), max(dates)
    span = (f"{national.height} peildata, van {day_label(first)} tot en met {day_label(last)}"
            if national.height > 1 else f"1 peildatum: {day_label(last)}")
    sub = f"Stand van het kredietregister op {span}. Uitleg van de begrippen staat onderaan de pagina."
    return f"<h1>{escape(TITLE)}</h1>\n<p class=\"sub\">{escape(sub)}</p>"


def headline(national: pl.DataFrame, mortgage: pl.DataFrame) -> str:
    credit = _national_rows(national.tail(2))
    cards = [_share_card(credit), _card("Personen met een consumptief krediet", credit[-1], "credit"),
             _card("Personen met een betalingsachterstand", credit[-1], "arrears")]
    if not mortgage.is_empty():
        latest = _mortgage_row(mortgage.tail(1))
        cards += [_card("Personen met een hypotheekachterstand van 3 maanden of meer", latest, "m3"),
                  _card("Personen met een restschuld", latest, "residual")]
    return f'<section class="cards">{"".join(cards)}</section>'


def _national_rows(national: pl.DataFrame) -> list[dict[str, str | None]]:
    credit, arrears = pl.col("persons_with_credit"), pl.col("persons_in_arrears")
    return national.select(when=date_label(pl.col("peildatum")), credit=dutch_int(credit),
                           arrears=dutch_int(arrears), share=dutch_share(arrears, credit)).rows(named=True)


def _mortgage_row(mortgage: pl.DataFrame) -> dict[str, str | None]:
    return mortgage.select(when=date_label(pl.col("peildatum")),
                           m3=dutch_int(pl.col("persons_mortgage_arrears_3m")),
                           residual=dutch_int(pl.col("persons_residual_debt"))).row(0, named=True)


def _share_card(rows: list[dict[str, str | None]]) -> str:
    latest = rows[-1]
    lines = [f"peildatum {latest['when']}",
             f"{latest['arrears']} van {latest['credit']} personen met een consumptief krediet"]
    if len(rows) > 1:
        lines.append(f"vorige peildatum ({rows[0]['when']}): {rows[0]['share'] or '–'}")
    when = "".join(f'<div class="when">{escape(line)}</div>' for line in lines)
    return ('<div class="card headline"><div class="label">Aandeel personen met een consumptief krediet '
            f'dat een betalingsachterstand heeft</div><div class="value">{escape(latest["share"] or "–")}'
            f"</div>{when}</div>")


def _card(label: str, row: dict[str, str | None], key: str) -> str:
    return (f'<div class="card"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(row[key] or "–")}</div>'
            f'<div class="when">peildatum {escape(row["when"] or "")}</div></div>')


def section(title: str, intro: str, content: str) -> str:
    return f"<section>\n<h2>{escape(title)}</h2>\n<p class=\"intro\">{escape(intro)}</p>\n{content}\n</section>"


def not_yet(title: str) -> str:
    return section(title, "", '<p class="empty">Voor deze tabel is nog geen peildatum berekend.</p>')


def explanation(min_cell_size: int) -> str:
    items = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in _terms(min_cell_size))
    return f'<section id="toelichting">\n<h2>Toelichting</h2>\n<dl>{items}</dl>\n</section>'


def _terms(min_cell_size: int) -> list[tuple[str, str]]:
    return [
        ("Peildatum", "De laatste dag van een maand of kwartaal (volgens de configuratie). Alle aantallen "
         "zijn zoals het register er op die datum bij stond: lopende registraties op de peildatum, "
         "achterstanden die toen openstonden, leeftijd op de peildatum. Elke berekende peildatum wordt aan "
         "de reeks toegevoegd en blijft bewaard, ook als de registraties zelf later worden verwijderd."),
        ("Consumptief krediet en betalingsachterstand", "Consumptief krediet zijn de contractsoorten die "
         "zo zijn ingesteld (standaard AK, RK, VK en OA). Geteld worden personen, geen contracten: wie "
         "meer kredieten heeft telt één keer (behalve bij de contracten per soort). Een persoon heeft een "
         "betalingsachterstand als een lopend consumptief krediet een code A heeft die niet door een H is "
         "gevolgd. Het aandeel is personen met een betalingsachterstand gedeeld door personen met een "
         "consumptief krediet, × 100."),
        ("Hypotheekbarometer", "Personen met een lopende hypotheek eigen woning (HY) met een code A zonder "
         "H, waarvan de achterstand op de peildatum 3 maanden of langer bestaat; en personen met een "
         "lopende restschuld (RH, RN)."),
        ("Onderdrukking", f"In de tabellen per gemeente en per leeftijd wordt elk aantal kleiner dan "
         f"{min_cell_size} niet getoond, zodat niemand herkenbaar is (primaire onderdrukking). Waar nodig "
         "worden nog meer cellen weggelaten (secundaire onderdrukking), zodat een onderdrukte cel niet uit "
         "de landelijke cijfers, de andere cellen of de andere tabellen van dezelfde peildatum is terug "
         "te rekenen. Een onderdrukte cel staat er als \u201conderdrukt\u201d, nooit als 0. Landelijke "
         "cijfers worden nooit onderdrukt."),
        (f"Gemeente {UNKNOWN_GEMEENTE}", "Personen van wie de postcode niet in de pc4-tabel (postcode "
         f"\u2192 gemeente) staat, tellen mee onder gemeente {UNKNOWN_GEMEENTE}."),
        ("Getallen", "Duizendtallen met een punt, decimalen met een komma: 1.234.567 en 12,5 %."),
    ]
