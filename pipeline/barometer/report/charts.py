"""The report's charts (plotly): the national trends, the contracts per type and the age bands of the
latest peildatum, each embedded as a div that the one plotly.js of the page draws."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.subplots import make_subplots

from contracts_schema.barometer import AGE_BANDS
from contracts_schema.codes import CONTRACT_TYPES
from pipeline.barometer.report.format import date_label, date_labels, latest, latest_label, share_percent
from pipeline.barometer.report.page import FONT, not_yet, section

TYPE_NAMES = {t.code: t.name for t in CONTRACT_TYPES}
PALETTE = ("#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#c53030", "#319795", "#b7791f", "#4a5568",
           "#d53f8c", "#3182ce")
CREDIT, ARREARS, SHARE, MORTGAGE, RESIDUAL = "#2b6cb0", "#dd6b20", "#c53030", "#805ad5", "#2f855a"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


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


def credit_section(national: pl.DataFrame) -> str:
    credit, arrears = pl.col("persons_with_credit"), pl.col("persons_in_arrears")
    data = national.select(x=date_label(pl.col("peildatum")), credit=credit, arrears=arrears,
                           share=share_percent(arrears, credit))
    fig = _trend_figure(data, (("Personen met een consumptief krediet", "credit", CREDIT),
                               ("Personen met een betalingsachterstand", "arrears", ARREARS),
                               ("Aandeel met een betalingsachterstand (%)", "share", SHARE)))
    intro = ("Landelijk, per peildatum: personen met minstens één lopend consumptief krediet, hoeveel van "
             "hen een betalingsachterstand hebben, en het aandeel daarvan.")
    return section("Kredietbarometer: ontwikkeling", intro, _figure_html(fig, "barometer-krediet", 360))


def mortgage_section(mortgage: pl.DataFrame) -> str:
    title = "Hypotheekbarometer: ontwikkeling"
    if mortgage.is_empty():
        return not_yet(title)
    data = mortgage.select(x=date_label(pl.col("peildatum")), m3="persons_mortgage_arrears_3m",
                           residual="persons_residual_debt")
    fig = _trend_figure(data, (("Personen met een hypotheekachterstand van 3 maanden of meer", "m3", MORTGAGE),
                               ("Personen met een restschuld", "residual", RESIDUAL)))
    intro = ("Landelijk, per peildatum: personen met een lopende hypotheek (HY) die 3 maanden of langer "
             "in achterstand is, en personen met een lopende restschuld (RH, RN).")
    return section(title, intro, _figure_html(fig, "barometer-hypotheek", 360))


def types_section(soort: pl.DataFrame) -> str:
    title = "Lopende contracten per soort"
    if soort.is_empty():
        return not_yet(title)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=(
        "Lopende contracten", "Lopende contracten met een betalingsachterstand"))
    for index, code in enumerate(soort["contract_type"].unique().sort().to_list()):
        _add_type(fig, soort.filter(pl.col("contract_type") == code), code, PALETTE[index % len(PALETTE)])
    fig.update_yaxes(tickformat=",d", rangemode="tozero")
    _date_axes(fig, date_labels(soort))
    fig.update_layout(legend={"orientation": "h", "y": -0.14, "x": 0})
    intro = "Landelijk, per peildatum en contractsoort: lopende contracten, en hoeveel daarvan in achterstand zijn."
    return section(title, intro, _figure_html(fig, "barometer-soort", 400))


def _add_type(fig: go.Figure, rows: pl.DataFrame, code: str, color: str) -> None:
    name = f"{code} {TYPE_NAMES.get(code, '')}".strip()
    x = rows.select(date_label(pl.col("peildatum"))).to_series().to_list()
    for col, column in ((1, "contracts"), (2, "contracts_in_arrears")):
        trace = _line(x, rows[column].to_list(), name, color, "%{y:,d}")
        fig.add_trace(trace.update(legendgroup=code, showlegend=col == 1), row=1, col=col)


AGE_PANELS = (("persons_with_credit", "Personen met een consumptief krediet", CREDIT),
              ("persons_in_arrears", "Personen met een betalingsachterstand", ARREARS),
              ("persons_mortgage_arrears_3m", "Hypotheekachterstand van 3 maanden of meer", MORTGAGE))


def age_section(credit: pl.DataFrame, mortgage: pl.DataFrame) -> str:
    title = "Naar leeftijd"
    if credit.is_empty() and mortgage.is_empty():
        return not_yet(title)
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.05,
                        subplot_titles=[panel[1] for panel in AGE_PANELS])
    frames = (latest(credit), latest(credit), latest(mortgage))
    for col, (frame, (column, _, color)) in enumerate(zip(frames, AGE_PANELS, strict=True), start=1):
        _age_panel(fig, frame, column, col, color)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=AGE_BANDS, autorange="reversed",
                     ticklabelstandoff=6)
    fig.update_layout(showlegend=False)
    return section(f"{title}, peildatum {latest_label(credit, mortgage)}", _age_intro(),
                    _figure_html(fig, "barometer-leeftijd", 340, hovermode="closest"))


def _age_intro() -> str:
    return ("Leeftijd op de peildatum. Een onderdrukte leeftijdsklasse staat er als \"onderdrukt\" "
            "(geen balk): het aantal is te klein om te tonen of secundair onderdrukt, niet 0.")


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
