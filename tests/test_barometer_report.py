"""barometer.html: a self-contained Dutch report of the barometer history (SPEC 7), the same bytes
for the same history (SPEC 4), suppressed cells shown as suppressed and never as 0."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

import polars as pl
import pytest

from contracts_schema.barometer import BY_NAME, TABLES
from pipeline.barometer.report import dutch_int, dutch_share, render_html

D1, D2, D3 = date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)
MIN_CELL_SIZE = 10


def table(name: str, rows: list[tuple]) -> pl.DataFrame:
    """A history frame with exactly the table's schema, sorted by its keys as the history is."""
    frame = pl.DataFrame(rows, schema=BY_NAME[name].schema, orient="row")
    return frame.sort(list(BY_NAME[name].keys))


def history() -> dict[str, pl.DataFrame]:
    """Three quarters; on the last one 25 of 200 persons with credit are in arrears (12,5 %)."""
    return {
        "kredietbarometer_nationaal": table("kredietbarometer_nationaal", [
            (D1, 180, 18, 300), (D2, 190, 19, 310), (D3, 200, 25, 320)]),
        "kredietbarometer_soort": table("kredietbarometer_soort", [
            (d, t, n, a) for d in (D1, D2, D3) for t, n, a in (("AK", 120, 9), ("RK", 180, 14))]),
        "kredietbarometer_gemeente": table("kredietbarometer_gemeente", [
            (D2, "0363", "Amsterdam", 140, 15, False),
            (D3, "0363", "Amsterdam", 135, 20, False),
            (D3, "0344", "Bergen <NH> & Co", 42, None, True),      # secondary: 5 would follow from the rest
            (D3, "0088", "Schiermonnikoog", None, None, True),     # primary: 8 persons
            (D3, "ONBEKEND", "ONBEKEND", 15, None, True)]),
        "kredietbarometer_leeftijd": table("kredietbarometer_leeftijd", [
            (D3, "18-24", 12, None, True), (D3, "25-34", 60, 11, False), (D3, "35-44", 70, 14, False),
            (D3, "45-54", 30, None, True), (D3, "55-64", 20, None, True), (D3, "65-74", None, None, True),
            (D3, "75+", None, None, True)]),
        "hypotheekbarometer_nationaal": table("hypotheekbarometer_nationaal", [
            (D1, 30, 60), (D2, 28, 61), (D3, 1234, 5678)]),
        "hypotheekbarometer_gemeente": table("hypotheekbarometer_gemeente", [
            (D3, "0363", "Amsterdam", 12, 30, False),
            (D3, "0344", "Bergen <NH> & Co", None, 11, True)]),
        "hypotheekbarometer_leeftijd": table("hypotheekbarometer_leeftijd", [
            (D3, band, count, count is None) for band, count in (
                ("18-24", None), ("25-34", 300), ("35-44", 400), ("45-54", 300), ("55-64", 200),
                ("65-74", 34), ("75+", None))]),
    }


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(history(), MIN_CELL_SIZE)


class Resources(HTMLParser):
    """Every src and href attribute and every <link> of a page (script bodies are not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.references += [(tag, key, value or "") for key, value in attrs if key in ("src", "href")]
        if tag == "link":
            self.references.append((tag, "link", ""))


def references(html: str) -> list[tuple[str, str, str]]:
    parser = Resources()
    parser.feed(html)
    return parser.references


def gemeente_rows(html: str) -> list[list[str]]:
    """The gemeente table as text cells, name first, in the order shown."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)) for cell in row] for row in cells]


def figure_data(html: str, div_id: str) -> list[dict]:
    """The traces plotly draws in one chart, read back from its Plotly.newPlot call."""
    call = re.search(r'Plotly\.newPlot\(\s*"' + div_id + r'",\s*', html)
    assert call is not None
    data, _ = json.JSONDecoder().raw_decode(html, call.end())
    return data


def test_nothing_is_fetched_from_the_network(page: str) -> None:
    """No src or href the browser would load: plotly.js is inside the page, links only in-page."""
    assert [r for r in references(page) if not r[2].startswith("#")] == []
    assert "url(" not in page.split("<style>")[1].split("</style>")[0]


def test_plotly_is_embedded_once_and_charts_use_dutch_separators(page: str) -> None:
    from plotly.offline import get_plotlyjs

    assert page.count(get_plotlyjs()) == 1
    assert page.count('"separators":",."') == 4
    assert '"displaylogo": false' in page


def test_dutch_headings(page: str) -> None:
    for heading in ("Kredietbarometer: ontwikkeling", "Lopende contracten per soort",
                    "Hypotheekbarometer: ontwikkeling", "Naar leeftijd, peildatum 31-12-2024",
                    "Per gemeente, peildatum 31-12-2024", "Toelichting"):
        assert f"<h2>{heading}</h2>" in page
    assert '<html lang="nl">' in page
    assert "3 peildata, van 30-06-2024 tot en met 31-12-2024" in page


def test_headline_is_the_latest_share_in_arrears(page: str) -> None:
    """25 / 200 = 12,5 % on 31-12-2024; the quarter before 19 / 190 = 10,0 %."""
    headline = page.split('class="card headline"')[1].split("</div></div>")[0]
    assert '<div class="value">12,5 %</div>' in headline
    assert "peildatum 31-12-2024" in headline
    assert "25 van 200 personen met een consumptief krediet" in headline
    assert "vorige peildatum (30-09-2024): 10,0 %" in headline
    assert '<div class="value">1.234</div>' in page and '<div class="value">5.678</div>' in page


def test_share_trend_is_a_percentage_per_peildatum(page: str) -> None:
    share = figure_data(page, "barometer-krediet")[2]
    assert share["x"] == ["30-06-2024", "30-09-2024", "31-12-2024"]
    assert share["y"] == [10.0, 10.0, 12.5]


def test_gemeenten_latest_date_sorted_suppressed_last_never_zero(page: str) -> None:
    """Only 31-12-2024, most persons with credit first: Amsterdam 20 / 135 = 14,8 %; Bergen's arrears
    and mortgage arrears are suppressed, so its share cannot be computed; Schiermonnikoog is
    suppressed entirely and comes last; a gemeente absent from the mortgage table has empty cells."""
    assert gemeente_rows(page) == [
        ["Amsterdam 0363", "135", "20", "14,8 %", "12", "30"],
        ["Bergen <NH> & Co 0344", "42", "onderdrukt", "–", "onderdrukt", "11"],
        ["ONBEKEND (postcode niet in de pc4-tabel)", "15", "onderdrukt", "–", "", ""],
        ["Schiermonnikoog 0088", "onderdrukt", "onderdrukt", "–", "", ""],
    ]
    assert "Bergen &lt;NH&gt; &amp; Co" in page and "Bergen <NH>" not in page
    assert "4 gemeenten, waarvan 3 met een of meer onderdrukte cellen" in page


def test_suppressed_age_bands_are_marked_not_drawn_as_zero(page: str) -> None:
    credit_bars, credit_gaps, arrears_bars, arrears_gaps, mortgage_bars, mortgage_gaps = figure_data(
        page, "barometer-leeftijd")
    assert dict(zip(credit_bars["y"], credit_bars["x"], strict=True)) == {
        "18-24": 12, "25-34": 60, "35-44": 70, "45-54": 30, "55-64": 20}
    assert credit_gaps["y"] == ["65-74", "75+"] and credit_gaps["text"] == ["onderdrukt"] * 2
    assert dict(zip(arrears_bars["y"], arrears_bars["x"], strict=True)) == {"25-34": 11, "35-44": 14}
    assert arrears_gaps["y"] == ["18-24", "45-54", "55-64", "65-74", "75+"]
    assert mortgage_gaps["y"] == ["18-24", "75+"] and 0 not in mortgage_bars["x"]


def test_explanation_names_the_minimum_cell_size(page: str) -> None:
    for text in ("kleiner dan 10 niet getoond", "primaire onderdrukking", "secundaire onderdrukking",
                 "gemeente ONBEKEND", "De laatste dag van een maand of kwartaal"):
        assert text in page


def test_same_history_gives_the_same_bytes(page: str) -> None:
    assert render_html(history(), MIN_CELL_SIZE) == page


def test_empty_history_says_no_reference_date_yet() -> None:
    empty = {t.name: pl.DataFrame(schema=t.schema) for t in TABLES}
    html = render_html(empty, MIN_CELL_SIZE)
    assert "Er is nog geen peildatum berekend" in html
    assert "Plotly.newPlot" not in html and "<table" not in html
    assert "kleiner dan 10 niet getoond" in html
    assert [r for r in references(html) if not r[2].startswith("#")] == []
    assert len(html) < 20_000


@pytest.mark.parametrize(("part", "whole", "text"), [
    (25, 200, "12,5 %"), (19, 190, "10,0 %"), (1, 3, "33,3 %"), (2, 3, "66,7 %"), (1, 16, "6,3 %"),
    (0, 5, "0,0 %"), (7, 7, "100,0 %"), (3, 0, None), (None, 5, None)])
def test_dutch_share(part: int | None, whole: int, text: str | None) -> None:
    frame = pl.DataFrame({"part": [part], "whole": [whole]}, schema={"part": pl.Int64, "whole": pl.Int64})
    assert frame.select(dutch_share(pl.col("part"), pl.col("whole"))).item() == text


def test_dutch_int() -> None:
    counts = pl.Series([0, 7, 999, 1000, 12345, 1234567, None], dtype=pl.Int64)
    assert pl.select(dutch_int(pl.lit(counts))).to_series().to_list() == [
        "0", "7", "999", "1.000", "12.345", "1.234.567", None]
