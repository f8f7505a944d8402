"""The analysts' report ``barometer.html`` (SPEC 7): the barometer history as one self-contained page.

In: the history of the seven tables of ``contracts_schema.barometer`` (table name → a frame with
that table's ``schema``, every reference date produced so far, sorted by peildatum then key; in the
gemeente and age tables a suppressed cell is null) and ``min_cell_size``.
Out: one HTML document as a string, in Dutch: the latest share of persons in arrears, the trends of
the national tables, the age and gemeente tables of the latest peildatum with suppressed cells
shown as "onderdrukt" (never as 0), and a short explanation. plotly.js is embedded once and nothing
is fetched when the page is opened offline. No timestamps and fixed div ids: the same history gives
the same bytes (SPEC 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from html import escape

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from contracts_schema.barometer import AGE_BANDS, UNKNOWN_GEMEENTE
from contracts_schema.codes import CONTRACT_TYPES

TITLE = "Krediet- en hypotheekbarometer"
TYPE_NAMES = {t.code: t.name for t in CONTRACT_TYPES}
PALETTE = ("#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#c53030", "#319795", "#b7791f", "#4a5568",
           "#d53f8c", "#3182ce")
CREDIT, ARREARS, SHARE, MORTGAGE, RESIDUAL = "#2b6cb0", "#dd6b20", "#c53030", "#805ad5", "#2f855a"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}
FONT = "'Segoe UI', 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"
SUPPRESSED = '<td class="num onderdrukt" title="onderdrukt: te klein aantal of secundair">onderdrukt</td>'
ABSENT = '<td class="num leeg" title="komt op deze peildatum niet voor in deze tabel"></td>'
NOT_COMPUTABLE = '<td class="num na" title="niet te berekenen: een aantal is onderdrukt">–</td>'

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


def render_html(history: Mapping[str, pl.DataFrame], min_cell_size: int) -> str:
    """The report for this history; a page saying so when no reference date is produced yet."""
    national = history["kredietbarometer_nationaal"]
    if national.is_empty():
        return _document(_empty_body(min_cell_size), with_plotly=False)
    return _document(_full_body(history, min_cell_size), with_plotly=True)


def _document(body: str, with_plotly: bool) -> str:
    plotly_js = f"<script>{get_plotlyjs()}</script>\n" if with_plotly else ""
    return ('<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(TITLE)}</title>\n<style>{STYLE}</style>\n{plotly_js}</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def _empty_body(min_cell_size: int) -> str:
    note = ("Er is nog geen peildatum berekend. De eerste peildatum is het eerste einde van een "
            "maand of kwartaal (volgens de configuratie) op of na de eerste run van het register; "
            "daarna verschijnen hier de cijfers.")
    return f"<h1>{escape(TITLE)}</h1>\n<p class=\"empty\">{escape(note)}</p>\n{_explanation(min_cell_size)}"


def _full_body(history: Mapping[str, pl.DataFrame], min_cell_size: int) -> str:
    return "\n".join([
        _header(history["kredietbarometer_nationaal"]),
        _headline(history["kredietbarometer_nationaal"], history["hypotheekbarometer_nationaal"]),
        _credit_section(history["kredietbarometer_nationaal"]),
        _types_section(history["kredietbarometer_soort"]),
        _mortgage_section(history["hypotheekbarometer_nationaal"]),
        _age_section(history["kredietbarometer_leeftijd"], history["hypotheekbarometer_leeftijd"]),
        _gemeente_section(history["kredietbarometer_gemeente"], history["hypotheekbarometer_gemeente"]),
        _explanation(min_cell_size),
    ])


# --- formatting, as Polars expressions --------------------------------------------------------


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


def _date_labels(frame: pl.DataFrame) -> list[str]:
    """The frame's peildata as labels, each once, in date order."""
    days = frame.select(pl.col("peildatum").unique().sort())
    return days.select(date_label(pl.col("peildatum"))).to_series().to_list()


def _label(day: date) -> str:
    return f"{day:%d-%m-%Y}"


def _latest(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("peildatum") == pl.col("peildatum").max())


# --- header and headline numbers --------------------------------------------------------------


def _header(national: pl.DataFrame) -> str:
    dates: list[date] = national["peildatum"].to_list()
    first, last = min(dates), max(dates)
    span = (f"{national.height} peildata, van {_label(first)} tot en met {_label(last)}"
            if national.height > 1 else f"1 peildatum: {_label(last)}")
    sub = f"Stand van het kredietregister op {span}. Uitleg van de begrippen staat onderaan de pagina."
    return f"<h1>{escape(TITLE)}</h1>\n<p class=\"sub\">{escape(sub)}</p>"


def _headline(national: pl.DataFrame, mortgage: pl.DataFrame) -> str:
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


# --- trend charts ------------------------------------------------------------------------------


def _section(title: str, intro: str, content: str) -> str:
    return f"<section>\n<h2>{escape(title)}</h2>\n<p class=\"intro\">{escape(intro)}</p>\n{content}\n</section>"


def _not_yet(title: str) -> str:
    return _section(title, "", '<p class="empty">Voor deze tabel is nog geen peildatum berekend.</p>')


def _figure_html(fig: go.Figure, div_id: str, height: int, hovermode: str = "x unified") -> str:
    fig.update_layout(template="plotly_white", separators=",.", height=height, font={"family": FONT, "size": 13},
                      margin={"l": 70, "r": 24, "t": 48, "b": 40}, hovermode=hovermode)
    fig.update_annotations(font_size=14)
    return pio.to_html(fig, config=PLOTLY_CONFIG, include_plotlyjs=False, include_mathjax=False,
                       full_html=False, div_id=div_id)


def _date_axes(fig: go.Figure, labels: list[str]) -> None:
    """Peildata as categories in date order, with room beside the first and the last."""
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, range=[-0.5, len(labels) - 0.5])


def _line(x: list[str], y: list, name: str, color: str, hover: str) -> go.Scatter:
    return go.Scatter(x=x, y=y, name=name, mode="lines+markers", line={"color": color, "width": 2.5},
                      marker={"size": 7}, hovertemplate=hover + "<extra>" + name + "</extra>")


def _trend_figure(data: pl.DataFrame, panels: tuple[tuple[str, str, str], ...]) -> go.Figure:
    """One line chart per (title, column, colour) side by side, x the peildatum labels; the column
    ``share`` is a percentage, the others counts."""
    fig = make_subplots(rows=1, cols=len(panels), horizontal_spacing=0.07,
                        subplot_titles=[title for title, _, _ in panels])
    for col, (title, column, color) in enumerate(panels, start=1):
        hover, axis = ("%{y:,.1f} %", {"ticksuffix": " %"}) if column == "share" else ("%{y:,d}", {"tickformat": ",d"})
        fig.add_trace(_line(data["x"].to_list(), data[column].to_list(), title, color, hover), row=1, col=col)
        fig.update_yaxes(rangemode="tozero", row=1, col=col, **axis)
    _date_axes(fig, data["x"].to_list())
    return fig.update_layout(showlegend=False)


def _credit_section(national: pl.DataFrame) -> str:
    credit, arrears = pl.col("persons_with_credit"), pl.col("persons_in_arrears")
    data = national.select(x=date_label(pl.col("peildatum")), credit=credit, arrears=arrears,
                           share=share_percent(arrears, credit))
    fig = _trend_figure(data, (("Personen met een consumptief krediet", "credit", CREDIT),
                               ("Personen met een betalingsachterstand", "arrears", ARREARS),
                               ("Aandeel met een betalingsachterstand (%)", "share", SHARE)))
    intro = ("Landelijk, per peildatum: personen met minstens één lopend consumptief krediet, hoeveel van "
             "hen een betalingsachterstand hebben, en het aandeel daarvan.")
    return _section("Kredietbarometer: ontwikkeling", intro, _figure_html(fig, "barometer-krediet", 360))


def _mortgage_section(mortgage: pl.DataFrame) -> str:
    title = "Hypotheekbarometer: ontwikkeling"
    if mortgage.is_empty():
        return _not_yet(title)
    data = mortgage.select(x=date_label(pl.col("peildatum")), m3="persons_mortgage_arrears_3m",
                           residual="persons_residual_debt")
    fig = _trend_figure(data, (("Personen met een hypotheekachterstand van 3 maanden of meer", "m3", MORTGAGE),
                               ("Personen met een restschuld", "residual", RESIDUAL)))
    intro = ("Landelijk, per peildatum: personen met een lopende hypotheek (HY) die 3 maanden of langer "
             "in achterstand is, en personen met een lopende restschuld (RH, RN).")
    return _section(title, intro, _figure_html(fig, "barometer-hypotheek", 360))


def _types_section(soort: pl.DataFrame) -> str:
    title = "Lopende contracten per soort"
    if soort.is_empty():
        return _not_yet(title)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=(
        "Lopende contracten", "Lopende contracten met een betalingsachterstand"))
    for index, code in enumerate(soort["contract_type"].unique().sort().to_list()):
        _add_type(fig, soort.filter(pl.col("contract_type") == code), code, PALETTE[index % len(PALETTE)])
    fig.update_yaxes(tickformat=",d", rangemode="tozero")
    _date_axes(fig, _date_labels(soort))
    fig.update_layout(legend={"orientation": "h", "y": -0.14, "x": 0})
    intro = "Landelijk, per peildatum en contractsoort: lopende contracten, en hoeveel daarvan in achterstand zijn."
    return _section(title, intro, _figure_html(fig, "barometer-soort", 400))


def _add_type(fig: go.Figure, rows: pl.DataFrame, code: str, color: str) -> None:
    name = f"{code} {TYPE_NAMES.get(code, '')}".strip()
    x = rows.select(date_label(pl.col("peildatum"))).to_series().to_list()
    for col, column in ((1, "contracts"), (2, "contracts_in_arrears")):
        trace = _line(x, rows[column].to_list(), name, color, "%{y:,d}")
        fig.add_trace(trace.update(legendgroup=code, showlegend=col == 1), row=1, col=col)


# --- the latest peildatum: age bands and gemeenten ---------------------------------------------


AGE_PANELS = (("persons_with_credit", "Personen met een consumptief krediet", CREDIT),
              ("persons_in_arrears", "Personen met een betalingsachterstand", ARREARS),
              ("persons_mortgage_arrears_3m", "Hypotheekachterstand van 3 maanden of meer", MORTGAGE))


def _age_section(credit: pl.DataFrame, mortgage: pl.DataFrame) -> str:
    title = "Naar leeftijd"
    if credit.is_empty() and mortgage.is_empty():
        return _not_yet(title)
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.05,
                        subplot_titles=[panel[1] for panel in AGE_PANELS])
    frames = (_latest(credit), _latest(credit), _latest(mortgage))
    for col, (frame, (column, _, color)) in enumerate(zip(frames, AGE_PANELS, strict=True), start=1):
        _age_panel(fig, frame, column, col, color)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=AGE_BANDS, autorange="reversed",
                     ticklabelstandoff=6)
    fig.update_layout(showlegend=False)
    return _section(f"{title}, peildatum {_latest_label(credit, mortgage)}", _age_intro(),
                    _figure_html(fig, "barometer-leeftijd", 340, hovermode="closest"))


def _age_intro() -> str:
    return ("Leeftijd op de peildatum. Een onderdrukte leeftijdsklasse staat er als \"onderdrukt\" "
            "(geen balk): het aantal is te klein om te tonen of secundair onderdrukt, niet 0.")


def _latest_label(*frames: pl.DataFrame) -> str:
    return _label(max(d for f in frames for d in f["peildatum"].to_list()))


def _age_panel(fig: go.Figure, frame: pl.DataFrame, column: str, col: int, color: str) -> None:
    shown, hidden = frame.filter(pl.col(column).is_not_null()), frame.filter(pl.col(column).is_null())
    fig.add_trace(go.Bar(x=shown[column].to_list(), y=shown["age_band"].to_list(), orientation="h",
                         marker_color=color, texttemplate="%{x:,d}", textposition="outside", cliponaxis=False,
                         hovertemplate="%{y}: %{x:,d}<extra></extra>"), row=1, col=col)
    fig.add_trace(go.Scatter(x=[0] * hidden.height, y=hidden["age_band"].to_list(), mode="text",
                             text=["onderdrukt"] * hidden.height, textposition="middle right",
                             textfont={"color": "#718096", "style": "italic"}, cliponaxis=False,
                             hovertemplate="%{y}: onderdrukt<extra></extra>"), row=1, col=col)
    top = max(shown[column].to_list(), default=0)
    fig.update_xaxes(tickformat=",d", range=[0, (top or 1) * 1.22], row=1, col=col)


GEMEENTE_KEYS = ["gemeente_code", "gemeente_name"]
GEMEENTE_COLUMNS = (("persons_with_credit", "Personen met een consumptief krediet", "_in_credit"),
                    ("persons_in_arrears", "Personen met een betalingsachterstand", "_in_credit"),
                    (None, "Aandeel met een betalingsachterstand", "_in_credit"),
                    ("persons_mortgage_arrears_3m", "Hypotheekachterstand van 3 maanden of meer", "_in_mortgage"),
                    ("persons_residual_debt", "Personen met een restschuld", "_in_mortgage"))


def _gemeente_section(credit: pl.DataFrame, mortgage: pl.DataFrame) -> str:
    title = "Per gemeente"
    if credit.is_empty() and mortgage.is_empty():
        return _not_yet(title)
    table = _gemeente_table(_latest(credit), _latest(mortgage))
    head = "".join(f'<th class="num">{escape(label)}</th>' for _, label, _ in GEMEENTE_COLUMNS)
    rows = "\n".join(_gemeente_row(*row) for row in table.drop("_suppressed").iter_rows())
    box = (f'<div class="tablebox"><table>\n<thead><tr><th>Gemeente</th>{head}</tr></thead>\n'
           f"<tbody>\n{rows}\n</tbody></table></div>\n{_gemeente_legend(table)}")
    return _section(f"{title}, peildatum {_latest_label(credit, mortgage)}", _gemeente_intro(), box)


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


def _gemeente_row(code: str, name: str | None, *cells: str) -> str:
    if code == UNKNOWN_GEMEENTE:
        label = f'{escape(name or code)} <span class="code">(postcode niet in de pc4-tabel)</span>'
        return f'<tr class="onbekend"><td>{label}</td>{"".join(cells)}</tr>'
    return f'<tr><td>{escape(name or code)} <span class="code">{escape(code)}</span></td>{"".join(cells)}</tr>'


def _gemeente_legend(table: pl.DataFrame) -> str:
    count, suppressed = table.height, int(table["_suppressed"].sum())
    text = (f"{count} gemeenten, waarvan {suppressed} met een of meer onderdrukte cellen. "
            "\u201conderdrukt\u201d: het aantal is te klein om te tonen of secundair onderdrukt (niet 0). "
            "\u2013: het aandeel is niet te berekenen omdat een aantal onderdrukt is. Een lege cel: de "
            "gemeente komt op deze peildatum niet voor in die tabel. Door de onderdrukking tellen de "
            "gemeenten niet op tot het landelijke totaal.")
    return f'<p class="legend">{escape(text)}</p>'


# --- explanation --------------------------------------------------------------------------------


def _explanation(min_cell_size: int) -> str:
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
