"""``cki inzage`` answers a citizen (issue 15, point 5): plain words in Dutch or English, lender
names, codes and types in words, removal dates, and who consulted the person in the last 12
months, one line per request answered; ``--json`` keeps its keys; ``--html`` writes the same
facts as a printable letter.

One register is built through real deliveries and nights, then read with the ``cki`` command.
Every expected value below is worked out by hand from the deliveries.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html import escape
from pathlib import Path

import polars as pl
import pytest
import yaml

from contracts_schema.words import euros, long_date, missing_words
from pipeline.cli import main
from pipeline.consult.inzage import removal_date
from pipeline.register.retention import expired_contracts
from tests.conftest import PERSON, Workspace, new, record

ON = date(2026, 11, 23)          # the day of the access request
LENDERS = [
    {"code": "BANK1", "name": "Voorbeeldbank", "category": "BANK", "may_register": True,
     "may_consult": True, "contract_types": ["AK", "RK", "HY"]},
    {"code": "KRED1", "name": "Krediet <Noord> & Zn", "category": "FINANCIERINGSMAATSCHAPPIJ",
     "may_register": True, "may_consult": True, "contract_types": ["AK"]},
    {"code": "SHOP1", "name": "Postorder", "category": "THUISWINKEL", "may_register": True,
     "may_consult": True, "contract_types": ["VK"]},
]
CO_BORROWER = {"birth_surname": "Vries", "surname_prefix": "de", "initials": "A.", "gender": "V",
               "birth_date": "1982-03-03", "postcode": "1011AB", "house_number": "12", "house_number_suffix": ""}
WHO = {"birth_surname": PERSON["birth_surname"], "initials": PERSON["initials"], "birth_date": PERSON["birth_date"]}


def _ask(request_id: str, purpose: str = "ACCEPTATIE", **who: str) -> dict:
    return {"request_id": request_id, "purpose": purpose, **(who or WHO)}


def _nights(ws: Workspace) -> None:
    """The person's history: an instalment loan of KRED1 with a co-borrower, ended on 29 February
    2024; a mail-order credit of SHOP1, ended 30 June 2025; a revolving credit of BANK1 that
    runs, with arrears reported on 12 May 2026 and caught up on 20 August 2026; an instalment loan
    of BANK1 called in on 2 November 2026 and ended by a write-off of EUR 1,200 with final
    discharge on 10 November 2026. Consulted by
    BANK1 on 23 November 2025 (12 months before the request: not shown), by KRED1 on 24 November
    2025, and on 20 November 2026 twice by BANK1 and once by SHOP1."""
    ws.deliver([new("C1", contract_type="RK", amount=25000, event_date="2025-09-01", theoretical_end_date=""),
                new("C2", amount=4000, event_date="2025-09-15", theoretical_end_date="2028-09-15")], kind="INIT")
    ws.deliver([new("K7", participant_code="KRED1", event_date="2019-01-10", theoretical_end_date="2024-01-10"),
                new("K7", participant_code="KRED1", event_date="2019-01-10", theoretical_end_date="2024-01-10",
                    borrower_no=2, **CO_BORROWER),
                record("K7", "END", participant_code="KRED1", event_date="2024-02-29", actual_end_date="2024-02-29")],
               participant="KRED1", kind="INIT")
    ws.deliver([new("V1", participant_code="SHOP1", contract_type="VK", amount=800, event_date="2023-06-01",
                    theoretical_end_date=""),
                record("V1", "END", participant_code="SHOP1", event_date="2025-06-30", actual_end_date="2025-06-30")],
               participant="SHOP1", kind="INIT")
    ws.deliver([_ask("OLD")], kind="RAAD")
    assert ws.run(date(2025, 11, 23)) == 0
    ws.deliver([_ask("K1"), _ask("Q1", **{**WHO, "birth_surname": "de Vries", "initials": "A.",
                                         "birth_date": "1982-03-03"})], participant="KRED1", kind="RAAD")
    assert ws.run(date(2025, 11, 24)) == 0
    ws.deliver([record("C1", "CODE", event_date="2026-05-12", code="A", arrears_since="2026-03-01",
                       arrears_amount=3000)])
    assert ws.run(date(2026, 5, 20)) == 0
    ws.deliver([record("C1", "CODE", event_date="2026-08-20", code="H")])
    assert ws.run(date(2026, 8, 25)) == 0
    ws.deliver([record("C2", "CODE", event_date="2026-11-02", code="2"),
                record("C2", "CODE", event_date="2026-11-10", code="3", written_off_amount=1200,
                       final_discharge="true", actual_end_date="2026-11-10")])
    ws.deliver([_ask("R1"), _ask("R2"), _ask("NOBODY", **{**WHO, "birth_surname": "Niemand"})], kind="RAAD")
    ws.deliver([_ask("S1")], participant="SHOP1", kind="RAAD")
    assert ws.run(date(2026, 11, 20)) == 0


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("inzage"), participants=LENDERS, language="nl")   # the default's words
    _nights(ws)
    assert ws.table("consultations").height == 7          # OLD, K1, Q1, R1, R2, NOBODY, S1: all still kept
    return ws


def _args(ws: Workspace, *extra: str, config: Path | None = None) -> list[str]:
    return ["inzage", "--surname", "Jansen", "--initials", "J.P.", "--birth-date", "1980-05-17",
            "--config", str(config or ws.config), "--date", ON.isoformat(), *extra]


@pytest.fixture
def inzage(ws: Workspace, capsys: pytest.CaptureFixture):
    """``cki inzage`` for the person, in this process; its standard output."""
    def run(*extra: str, config: Path | None = None) -> str:
        capsys.readouterr()
        assert main(_args(ws, *extra, config=config)) == 0
        return capsys.readouterr().out
    return run


def _section(text: str, heading: str) -> list[str]:
    """The lines under the heading that starts with ``heading``, up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return [line.strip() for line in lines[start:end]]


def _facts(text: str, number: int) -> dict[str, str]:
    """Registration ``number``'s ``label: value`` lines (a wrapped value joined again)."""
    lines = text.split(f"\n{number}. ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    facts: dict[str, str] = {}
    for line in lines:
        label, sep, value = line.strip().partition(": ")
        if sep and line.startswith("   ") and not line.startswith("    "):
            facts[label] = value.strip()
        else:
            facts[list(facts)[-1]] += " " + line.strip()
    return facts


def test_every_type_code_category_and_purpose_has_words_in_both_languages() -> None:
    assert missing_words() == []
    assert long_date(date(2026, 5, 12), "nl") == "12 mei 2026" and long_date(date(2026, 5, 12), "en") == "12 May 2026"
    assert euros(25000, "nl") == "€ 25.000" and euros(25000, "en") == "€25,000"
    assert euros(1234567, "nl") == "€ 1.234.567" and euros(800, "nl") == "€ 800"


def test_dutch_by_default_with_names_types_codes_and_removal_dates(inzage) -> None:
    text = inzage()
    assert text.startswith("Overzicht van uw gegevens in het kredietregister\nDatum: 23 november 2026\n")
    assert "Uw registraties (4)" in text
    ak, vk, rk, written_off = (_facts(text, n) for n in (1, 2, 3, 4))        # oldest first
    assert "1. Aflopend krediet (AK)\n" in text and "2. Verzendhuiskrediet (VK)\n" in text
    assert "3. Doorlopend krediet (RK)\n" in text
    assert ak == {"Geregistreerd door": "Krediet <Noord> & Zn (financieringsmaatschappij)",
                  "Contractnummer": "K7", "Kredietsom": "€ 15.000", "Ingangsdatum": "10 januari 2019",
                  "Verwachte einddatum": "10 januari 2024", "Status": "beëindigd op 29 februari 2024",
                  "Kredietnemer": "u bent een van twee kredietnemers", "Bijzonderheden": "geen",
                  "Verwijdering": "Wordt verwijderd op 28 februari 2029"}       # 29 Feb 2024 + 5 y: no 29 Feb 2029
    assert vk["Geregistreerd door"] == "Postorder (thuiswinkelorganisatie)" and vk["Bedrag"] == "€ 800"
    assert vk["Status"] == "beëindigd op 30 juni 2025" and vk["Verwijdering"] == "Wordt verwijderd op 30 juni 2030"
    assert vk["Kredietnemer"] == "u bent de enige kredietnemer"
    assert rk == {"Geregistreerd door": "Voorbeeldbank (bank)", "Contractnummer": "C1",
                  "Kredietlimiet": "€ 25.000", "Ingangsdatum": "1 september 2025", "Status": "loopt nog",
                  "Kredietnemer": "u bent de enige kredietnemer",
                  "Bijzonderheden": "Betalingsachterstand gemeld op 12 mei 2026 (achterstand ontstaan op 1 maart "
                                    "2026); achterstand ingelopen op 20 augustus 2026",
                  "Verwijdering": "Wordt verwijderd 5 jaar na het einde van het contract"}
    assert written_off["Bijzonderheden"] == ("Vordering opeisbaar gesteld op 2 november 2026; € 1.200 afgeboekt "
                                             "op 10 november 2026 (finale kwijting: u hoeft niets meer te betalen)")
    assert written_off["Status"] == "beëindigd op 10 november 2026"
    assert written_off["Verwijdering"] == "Wordt verwijderd op 10 november 2031"
    legend = " ".join(_section(text, "Uitleg"))
    assert "Code A (Achterstand): Er is een betalingsachterstand gemeld." in legend
    assert "Doorlopend krediet (RK): Een krediet met een limiet" in legend and "Code 3 (Afboeking)" in legend
    assert "Code 1" not in legend and "Hypothecair" not in legend       # only what the letter shows


def test_consultations_of_the_last_12_months_one_line_per_request(inzage) -> None:
    """The log keeps one row per request answered; two requests of BANK1 on one day are two
    lines, the request for the co-borrower and the one that found nobody are not the person's,
    and BANK1's request of 23 November 2025 is 12 months old on the 23rd: the log still holds
    it (the night of the 20th did not purge it), the access report does not show it."""
    text = inzage()
    assert _section(text, "Wie heeft uw gegevens ingezien") == [
        "24 november 2025  Krediet <Noord> & Zn (financieringsmaatschappij): beoordeling van een nieuwe "
        "kredietaanvraag",
        "20 november 2026  Voorbeeldbank (bank): beoordeling van een nieuwe kredietaanvraag",
        "20 november 2026  Voorbeeldbank (bank): beoordeling van een nieuwe kredietaanvraag",
        "20 november 2026  Postorder (thuiswinkelorganisatie): beoordeling van een nieuwe kredietaanvraag"]
    assert "(de afgelopen 12 maanden, sinds 24 november 2025)" in text
    assert "23 november 2025" not in text


def test_english_with_the_option_or_the_config_key(ws: Workspace, inzage) -> None:
    english = ws.root / "english.yaml"
    english.write_text(yaml.safe_dump({**yaml.safe_load(ws.config.read_text()), "language": "en"}))
    by_option = inzage("--language", "en")
    by_config = inzage(config=english)
    assert by_option == by_config
    assert by_option.startswith("Your data in the credit register\nDate: 23 November 2026\n")
    assert _facts(by_option, 1)["Removal"] == "Will be removed on 28 February 2029"
    assert _facts(by_option, 1)["Borrower"] == "you are one of two borrowers"
    rk = _facts(by_option, 3)
    assert rk["Special codes"] == ("Payment arrears reported on 12 May 2026 (arrears arose on 1 March 2026); "
                                   "arrears caught up on 20 August 2026")
    assert rk["Credit limit"] == "€25,000" and rk["Status"] == "running"
    assert rk["Removal"] == "Will be removed 5 years after the contract ends"
    assert _facts(by_option, 4)["Special codes"] == ("Claim called in on 2 November 2026; €1,200 written off on "
                                                     "10 November 2026 (final discharge: nothing more is owed)")
    assert _section(by_option, "Who consulted your data")[1] == (
        "20 November 2026  Voorbeeldbank (bank): assessing a new credit application")
    dutch_back = inzage("--language", "nl", config=english)
    assert dutch_back.startswith("Overzicht van uw gegevens")


def test_json_keeps_its_keys_and_adds_the_removal_date(inzage) -> None:
    report = json.loads(inzage("--json"))
    assert {"match_status", "person", "registrations", "consulted_by"} <= set(report)
    before = {"participant", "participant_code", "contract_number", "contract_type", "borrower_no", "amount",
              "start_date", "theoretical_end_date", "actual_end_date", "codes"}
    assert all(before <= set(r) for r in report["registrations"])
    ak, vk, rk, _ = report["registrations"]
    assert (ak["participant"], ak["actual_end_date"], ak["removal_date"], ak["borrowers"]) == (
        "Krediet <Noord> & Zn", "2024-02-29", "2029-02-28", 2)
    assert (vk["removal_date"], rk["removal_date"], rk["codes"]) == ("2030-06-30", None, "A:2026-05-12;H:2026-08-20")
    assert [(c["consulted_on"], c["participant_code"], c["purpose"]) for c in report["consulted_by"]] == [
        ("2025-11-24", "KRED1", "ACCEPTATIE"), ("2026-11-20", "BANK1", "ACCEPTATIE"),
        ("2026-11-20", "BANK1", "ACCEPTATIE"), ("2026-11-20", "SHOP1", "ACCEPTATIE")]
    assert all({"consulted_on", "participant", "participant_code", "purpose"} <= set(c)
               for c in report["consulted_by"])


def test_the_letter_holds_the_same_facts_and_escapes_names(ws: Workspace, inzage) -> None:
    for language in ("nl", "en"):
        target = ws.root / "letters" / f"inzage-{language}.html"
        out = inzage("--language", language, "--html", str(target))
        assert str(target) in out and len(out.splitlines()) == 1
        page = target.read_text()
        text = inzage("--language", language)
        for number in (1, 2, 3, 4):
            for label, value in _facts(text, number).items():
                assert f"<td>{escape(label, quote=False)}</td><td>{escape(value, quote=False)}</td>" in page
        for line in _section(text, "Wie heeft" if language == "nl" else "Who consulted"):
            day, rest = line.split("  ", 1)
            who, why = rest.rsplit(": ", 1)
            assert f"<td>{day}</td><td>{escape(who, quote=False)}</td><td>{why}</td>" in page
        assert "Krediet &lt;Noord&gt; &amp; Zn" in page and "<Noord>" not in page
        assert "<script" not in page and not re.search(r"(src|href)=", page)     # nothing fetched


def test_nothing_personal_goes_to_the_log(ws: Workspace) -> None:
    """The installed command in its own process: the report on stdout, nothing of it on stderr."""
    proc = ws.cki(*_args(ws))
    assert proc.returncode == 0 and "Jansen" in proc.stdout
    for value in ("Jansen", "J.P.", "1980", "1011AB", "Voorbeeldbank", "Vries"):
        assert value not in proc.stderr
    assert "Vries" not in proc.stdout and "1982" not in proc.stdout    # the co-borrower stays out of it


def test_nobody_found_in_both_languages(ws: Workspace, capsys: pytest.CaptureFixture) -> None:
    base = ["inzage", "--surname", "Niemand", "--initials", "X", "--birth-date", "1970-01-01",
            "--config", str(ws.config), "--date", ON.isoformat()]
    said = []
    for extra in ([], ["--language", "en"], ["--json"]):
        assert main([*base, *extra]) == 0
        said.append(capsys.readouterr().out)
    assert "staat niemand in het kredietregister" in said[0]
    assert "No registration found for this person" in said[1]
    assert json.loads(said[2])["match_status"] == "NOT_FOUND"


def test_an_unknown_language_is_a_config_mistake(ws: Workspace, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    wrong = tmp_path / "config.yaml"
    wrong.write_text(yaml.safe_dump({**yaml.safe_load(ws.config.read_text()), "language": "de"}))
    assert main(["inzage", "--surname", "Jansen", "--initials", "J.P.", "--birth-date", "1980-05-17",
                 "--config", str(wrong)]) == 2
    assert capsys.readouterr().err.startswith("cki: config.yaml: language: ")


def test_the_removal_date_shown_is_the_night_retention_removes_it() -> None:
    """What the letter promises is what ``retention`` does: ended 29 February 2024, still kept the
    night of 27 February 2029, purged the night of 28 February 2029 (5 years on, no 29th)."""
    ends = pl.DataFrame({"participant_code": ["KRED1", "SHOP1"], "contract_number": ["K7", "V1"],
                         "actual_end_date": [date(2024, 2, 29), date(2025, 6, 30)]})
    shown = ends.select(removal_date(pl.col("actual_end_date")))["actual_end_date"].to_list()
    assert shown == [date(2029, 2, 28), date(2030, 6, 30)]
    for day in shown:
        assert expired_contracts(ends.lazy(), day - timedelta(days=1)).height == shown.index(day)
        assert expired_contracts(ends.lazy(), day).height == shown.index(day) + 1
