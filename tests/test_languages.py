"""Messages in the clerk's language (issue 15, point 4): one error catalogue in Dutch and English.

Every code has a title, a description and a message template in both languages, with the same
placeholders; a part left empty takes its words with it, so no message has a stray gap or a
dangling word. errors.csv, result.json, the run summary and ``cki validate`` speak config
``language`` (default ``nl``); ``cki file-format --language nl`` prints the Dutch reference.
The expected sentences below are written out by hand.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml

from contracts_schema.codes import CODES
from contracts_schema.errors import BY_CODE, CATALOGUE, EN, SLOTS, message, resolve
from contracts_schema.errors_nl import NL
from contracts_schema.reference import ANSWER_COLUMNS, CONTRACT_COLUMNS
from contracts_schema.reference_nl import CODE_MEANINGS, COLUMNS, REASONS, RETURN_FILES, TEXT
from pipeline.consult import requests
from pipeline.intake import limits
from pipeline.rules.findings import with_messages
from tests.conftest import RUN_DATE, Workspace, new, record
from tests.test_file_errors import write

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("nl", "en")
SLOT = re.compile(r"\{(field|value|limit)\}")
DANGLING = r"\b(for|voor|of|van|than|dan|with|met|bij|on|op|as|als|from|vanaf|in|the|de|het|a|een|to|tot)\s*[.;:,)]"
ENGLISH = re.compile(r"\b(the|for|with|must|cannot|not|only|than|after|before|allowed|required|which|empty|line|"
                     r"file|reported|months|under|borrower|none|and|or|at least|at most|delivery|reader)\b")


def speaking(ws: Workspace, language: str | None) -> Workspace:
    """The workspace's config.yaml with ``language`` set, or without the key (the default)."""
    config = yaml.safe_load(ws.config.read_text())
    config.pop("language", None)
    if language is not None:
        config["language"] = language
    ws.config.write_text(yaml.safe_dump(config, sort_keys=False))
    return ws


def gaps(text: str) -> list[str]:
    """What a rendered message must never hold: a double or stray space, empty quotes or brackets,
    a dangling word before a full stop."""
    found = [bad for bad in ("  ", " .", " ,", " ;", " :", " )", "( ", "''", "()") if bad in text]
    found += [m[0] for m in re.finditer(DANGLING, text)]
    return found + (["edge"] if text != text.strip() else [])


# --- the catalogue ---------------------------------------------------------------------------

def test_no_code_lacks_either_language() -> None:
    assert set(EN) == set(NL) == set(BY_CODE)
    for e in CATALOGUE:
        for text in (e.en, e.nl):
            assert text.title and text.description and text.template, e.code


@pytest.mark.parametrize("code", list(BY_CODE))
def test_both_languages_have_the_same_placeholders(code: str) -> None:
    e = BY_CODE[code]
    assert set(SLOT.findall(e.en.template)) == set(SLOT.findall(e.nl.template)), code


@pytest.mark.parametrize(("code", "language"), list(itertools.product(BY_CODE, LANGUAGES)))
def test_no_stray_gap_whichever_parts_are_empty(code: str, language: str) -> None:
    """Every template rendered with every combination of empty and filled parts."""
    for mask in itertools.product((False, True), repeat=3):
        parts = {s: ("X1" if filled else "") for s, filled in zip(SLOTS, mask, strict=True)}
        text = message(code, **parts, language=language)
        assert gaps(text) == [], (code, language, mask, text)
        assert not re.search(r"[\[\]|{}]", text), text          # no section or placeholder left
        assert text.endswith((".", ")")), text


def test_the_case_the_issue_names() -> None:
    """``Contract 'CL-001 borrower 1' is already registered .``: no gap, and it says what to do."""
    assert message("DUPLICATE_CONTRACT", "contract_number", "CL-001 borrower 1", "", language="en") == (
        "Contract 'CL-001 borrower 1' is already registered; report a change with CHANGE or CODE, not NEW.")
    assert message("DUPLICATE_CONTRACT", "contract_number", "CL-001 borrower 1", "", language="nl") == (
        "Het contract 'CL-001 kredietnemer 1' is al geregistreerd; meld een wijziging met CHANGE of CODE, niet "
        "met NEW.")


def test_a_frame_of_findings_reads_as_message_says() -> None:
    """pipeline.rules.findings (vectorised) and contracts_schema.errors.message (one at a time) agree, for
    every code and every combination of empty parts, in both languages."""
    sample = {"field": "amount", "value": "X1", "limit": "for NEW"}
    masks = itertools.product((False, True), repeat=3)
    rows = [{"file_idx": 0, "line_no": i, "error_code": e.code, "severity": "ERROR",
             **{s: sample[s] if filled else "" for s, filled in zip(SLOTS, mask, strict=True)}}
            for i, (e, mask) in enumerate(itertools.product(CATALOGUE, masks))]
    frame = pl.DataFrame(rows)
    for language in LANGUAGES:
        rendered = with_messages(frame, language)
        expected = [message(r["error_code"], r["field"], r["value"], r["limit"], language=language) for r in rows]
        assert rendered["message"].to_list() == expected


def test_a_delivered_value_stays_as_delivered() -> None:
    """Braces in a value are not placeholders, and a value is never put in Dutch."""
    frame = pl.DataFrame([{"file_idx": 0, "line_no": 1, "error_code": "INVALID_VALUE", "severity": "ERROR",
                           "field": "code", "value": "for {limit} with", "limit": "allowed are A, H"}])
    assert with_messages(frame, "nl")["message"][0] == (
        "De waarde 'for {limit} with' in code is niet toegestaan: toegestaan zijn A, H.")


def test_our_own_file_sentences_are_dutch() -> None:
    """The refusals intake writes in English come out Dutch, none left half English."""
    read = limits.ReadLimits(10, 1000, 200, 1024, 536_870_912, 5)
    refusals = [limits.too_many_rows(11, read), limits.too_many_rows(11, read, "lines of records"),
                limits.too_much_text(2000, read), limits.too_much_text(2000, read, exact=True),
                limits.line_too_long(3, 2048, read), limits.out_of_memory(read), limits.too_many_columns(300, 200),
                limits.file_too_large(5000, 100)]
    for r in refusals:
        text = message(r.code, value=r.value, limit=r.limit, language="nl")
        assert not ENGLISH.search(text), text
    assert message("FILE_TOO_LARGE", value="at least 2000 bytes of text once decoded", language="nl") == (
        "Het bestand is te groot om te lezen: ten minste 2000 bytes tekst na het decoderen. Lever het aan in "
        "kleinere bestanden, of corrigeer wat te lang is.")


# --- errors.csv and result.json of a night, through real files ------------------------------------

REJECTED = [new("C1"), new("C2", amount="15.000"), new("C3", amount=""),
            record("C9", "CODE", code="A", arrears_since="2026-09-01"), new("C5", amount="999999")]
DUTCH = {
    (1, "DUPLICATE_CONTRACT"): "Het contract 'C1 kredietnemer 1' is al geregistreerd; meld een wijziging met "
                               "CHANGE of CODE, niet met NEW.",
    (2, "INVALID_TYPE"): "De waarde '15.000' in amount kan niet worden gelezen als een geheel getal.",
    (3, "MISSING_FIELD"): "Het veld amount is verplicht voor contractsoort AK, maar is leeg.",
    (4, "UNKNOWN_CONTRACT"): "Het contract 'C9' is niet geregistreerd voor deze deelnemer.",
    (5, "OUT_OF_RANGE"): "De waarde 999999 in amount valt buiten het toegestane bereik: EUR 500 tot en met 175000 "
                         "voor contractsoort AK.",
}
ENGLISH_MESSAGES = {
    (1, "DUPLICATE_CONTRACT"): "Contract 'C1 borrower 1' is already registered; report a change with CHANGE or "
                               "CODE, not NEW.",
    (2, "INVALID_TYPE"): "amount '15.000' cannot be read as a whole number.",
    (3, "MISSING_FIELD"): "amount is required for type AK but is empty.",
    (4, "UNKNOWN_CONTRACT"): "Contract 'C9' is not registered for this participant.",
    (5, "OUT_OF_RANGE"): "amount 999999 is outside the allowed range: EUR 500 to 175000 for type AK.",
}
BAD_NAME = "mutaties november.csv"


def _night_of_mistakes(ws: Workspace) -> str:
    """C1 registered on the first night; on the next, a file with five rejected records and a
    file whose name is not a delivery's."""
    ws.deliver([new("C1")])
    assert ws.run(RUN_DATE) == 0
    name = ws.deliver(REJECTED)
    ws.deliver([new("C7")], name=BAD_NAME)
    assert ws.run(RUN_DATE + timedelta(days=1)) == 0
    return name


def _messages(ws: Workspace, name: str) -> dict[tuple[int, str], str]:
    return {(int(r["line_no"]), r["error_code"]): r["message"] for r in ws.errors(name).to_dicts()}


def test_a_rejected_record_is_explained_in_dutch_by_default(ws: Workspace) -> None:
    name = _night_of_mistakes(speaking(ws, None))
    assert _messages(ws, name) == DUTCH
    whole = ws.result(BAD_NAME)["file_error"]
    assert whole == {"code": "FILE_NAME_INVALID", "message": (
        "De bestandsnaam 'mutaties november.csv' volgt niet de regel "
        "<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ van 6 cijfers>.<csv|parquet>.")}
    assert _messages(ws, BAD_NAME) == {(0, "FILE_NAME_INVALID"): whole["message"]}


def test_and_in_english_with_language_en(ws: Workspace) -> None:
    name = _night_of_mistakes(speaking(ws, "en"))
    assert _messages(ws, name) == ENGLISH_MESSAGES
    assert ws.result(BAD_NAME)["file_error"]["message"] == (
        "The file name 'mutaties november.csv' does not follow the rule "
        "<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ of 6 digits>.<csv|parquet>.")


def _broken_files(ws: Workspace) -> list[tuple[str, str]]:
    """Files rejected whole for the common mistakes, as (participant folder, file name)."""
    header = "participant_code;contract_number;mutation_type;event_date"
    good = "BANK1;C1;NEW;2026-11-10"
    files = {"BANK1_MUT_20261123_000001.csv": header.replace(";", ",") + "\n" + good.replace(";", ",") + "\n",
             "BANK1_MUT_20261123_000002.csv": (header + "\n" + good + "\nBANK1;C2;NEW;2026-11-10;x\n"),
             "BANK1_MUT_20261123_000003.csv": (header + "\n" + 'BANK1;"C2;NEW;2026-11-10\n'),
             "BANK1_MUT_20261123_000004.csv": header + ";kleur\n" + good + ";rood\n",
             "BANK1_MUT_20261123_000005.csv": "",
             "SHOP1_MUT_20261123_000001.csv": header + "\n" + good + "\n"}
    out = [("BANK1", n) for n in files]
    for n, text in files.items():
        write(ws, n, text.encode())
    write(ws, "BANK1_MUT_20261123_000006.csv", (header + "\nBANK1;Müller;NEW;2026-11-10\n").encode("latin-1"))
    write(ws, "LOOK1_MUT_20261123_000001.csv", (header + "\n" + good + "\n").encode(), participant="LOOK1")
    write(ws, "NOBODY_MUT_20261123_000001.csv", b"x\n", participant="NOBODY")
    return [*out, ("BANK1", "BANK1_MUT_20261123_000006.csv"), ("LOOK1", "LOOK1_MUT_20261123_000001.csv"),
            ("NOBODY", "NOBODY_MUT_20261123_000001.csv")]


def test_every_file_error_of_a_dutch_night_is_dutch(ws: Workspace) -> None:
    """Nine files rejected whole: the message of each, in result.json and errors.csv, holds no
    English word."""
    files = _broken_files(speaking(ws, "nl"))
    assert ws.run() == 0
    said = {}
    for participant, name in files:
        error = ws.result(name, participant)["file_error"]
        said[error["code"]] = error["message"]
        assert ws.errors(name, participant)["message"].to_list() == [error["message"]]
        assert not ENGLISH.search(error["message"]), error["message"]
    assert set(said) == {"FILE_HEADER", "FILE_UNREADABLE", "FILE_EMPTY", "FILE_PARTICIPANT_MISMATCH",
                         "FILE_ENCODING", "PARTICIPANT_NOT_AUTHORIZED", "PARTICIPANT_UNKNOWN"}
    assert said["FILE_ENCODING"] == (
        "Het bestand is geen geldige UTF-8-tekst: record 1 (regel 2 van het bestand) bevat byte 0xFC; het bestand "
        "lijkt opgeslagen als Windows-1252 of Latin-1 (ANSI). Sla het op als UTF-8 en lever het opnieuw aan.")


def test_every_record_message_of_a_dutch_night_is_dutch(ws: Workspace) -> None:
    """A file that breaks many record rules at once: none of its messages holds an English word."""
    speaking(ws, "nl")
    ws.deliver([new("R1", contract_type="RK", amount="2000", theoretical_end_date="")])
    assert ws.run(RUN_DATE - timedelta(days=1)) == 0
    rows = [new("D1", contract_type="HY", amount="1000"), new("D2", contract_type="VK", amount="300"),
            new("D3", theoretical_end_date="2026-12-01"), new("D4", birth_date="2010-01-01"),
            new("D5", gender="Q", postcode="0123AB", initials="J.1"), new("D6", code="3", written_off_amount="100"),
            record("R1", "CODE", code="H"), record("R1", "CODE", code="1"), record("R1", "CODE", code="5"),
            record("R1", "CODE", code="A", arrears_since="2026-11-01", arrears_amount="10"),
            record("R1", "END", actual_end_date="2026-11-14"), record("R1", "CHANGE"),
            record("R1", "CODE_END", code="2"), new("D7", event_date="2026-09-01"),
            record("D8", "CHANGE", postcode="1011AB"), new("D9", arrears_since="2026-10-01")]
    name = ws.deliver(rows)
    assert ws.run() == 0
    messages = ws.errors(name)
    assert messages.height >= 15
    for code, text in messages.select("error_code", "message").iter_rows():
        assert not ENGLISH.search(text), (code, text)
        assert gaps(text) == [], text


# --- the summary, cki validate, cki file-format ------------------------------------------------

def test_the_run_summary_speaks_the_configured_language(ws: Workspace, capsys: pytest.CaptureFixture) -> None:
    speaking(ws, None)
    name = ws.deliver([new("C1"), new("C2", amount="999999")])
    assert ws.run() == 0
    out = capsys.readouterr().out
    assert out.startswith("run 20261123-000001 van 2026-11-23: 1 bestand\n"
                          f"  BANK1        {name:<40} PARTIAL        1 geaccepteerd       1 afgewezen     0 "
                          "waarschuwingen\n")
    assert "  deelnemer    bestanden records geaccepteerd afgewezen waarschuwingen\n" in out
    assert "  totaal               1       2            1         1              0\n" in out
    assert "fouten per code: OUT_OF_RANGE 1\n" in out
    assert f"de resultaten staan in {ws.root / 'outbox'}/<deelnemer>/\n" in out
    speaking(ws, "en")
    ws.deliver([new("C3")])
    assert ws.run(RUN_DATE + timedelta(days=1)) == 0
    assert capsys.readouterr().out.startswith("run 20261124-000002 for 2026-11-24: 1 file\n")


def test_cki_validate_says_nothing_was_applied_in_both_languages(ws: Workspace) -> None:
    name = ws.deliver([new("C1"), new("C2", amount="999999")])
    path, out = ws.root / "inbox" / "BANK1" / name, ws.root / "dry"
    out.mkdir()
    base = ("validate", str(path), "--config", str(ws.config), "--date", RUN_DATE.isoformat(), "--out", str(out))
    stem = out / name.removesuffix(".csv")
    speaking(ws, None)
    dutch = ws.cki(*base)
    assert dutch.returncode == 1, dutch.stderr
    assert dutch.stdout == (
        f"proefverwerking van {name} tegen het register zoals het laatst is vastgelegd: er is niets verwerkt\n"
        "een nachtelijke verwerking zou antwoorden met PARTIAL; records: 2, geaccepteerd: 1, afgewezen: 1, "
        "waarschuwingen: 0\n"
        "  OUT_OF_RANGE                 1  waarde buiten het bereik\n"
        f"foutenbestand: {stem}.errors.csv en {stem}.errors.xlsx\n")
    assert "De waarde 999999 in amount valt buiten" in (out / f"{name.removesuffix('.csv')}.errors.csv").read_text()
    speaking(ws, "en")
    english = ws.cki(*base)
    assert english.stdout == (
        f"dry run of {name} against the register as last committed: nothing was applied\n"
        "a night would answer PARTIAL; records: 2, accepted: 1, rejected: 1, warnings: 0\n"
        "  OUT_OF_RANGE                 1  value out of range\n"
        f"errors file: {stem}.errors.csv and {stem}.errors.xlsx\n")
    for proc in (dutch, english):
        assert "appl" not in proc.stderr and "commit" not in proc.stderr, proc.stderr
    assert not (ws.root / "register" / "CURRENT").exists()


def test_a_file_rejected_whole_in_cki_validate(ws: Workspace) -> None:
    path = write(ws, BAD_NAME, b"participant_code;contract_number;mutation_type;event_date\n")
    proc = speaking(ws, None).cki("validate", str(path), "--config", str(ws.config), "--out", str(ws.root))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[1:3] == [
        "een nachtelijke verwerking zou antwoorden met REJECTED; het bestand zou in zijn geheel worden afgewezen:",
        "  FILE_NAME_INVALID: De bestandsnaam 'mutaties november.csv' volgt niet de regel "
        "<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ van 6 cijfers>.<csv|parquet>."]


def test_cki_file_format_in_dutch_and_english(ws: Workspace) -> None:
    dutch = ws.cki("file-format", "--language", "nl")
    assert dutch.returncode == 0, dutch.stderr
    assert dutch.stdout == (ROOT / "docs" / "bestandsformaat.md").read_text()
    assert dutch.stdout.startswith("# cki bestandsformaat\n")
    assert ("| `initials` | voorletters zijn alleen letters en punten (J.P. of J. P.) | voldoet aan `\\p{L}`; "
            "voldoet aan `^[\\p{L}. ]+$` |") in dutch.stdout
    for name in ("`NAME.result.json`", "`NAME.errors.csv`", "`NAME.errors.xlsx`", "`NAME.answer.csv`",
                 "`NAME.answer_contracts.csv`", "`NAME.2.result.json`"):
        assert name in dutch.stdout
    assert ws.cki("file-format").stdout == (ROOT / "docs" / "file-format.md").read_text()


def test_the_dutch_reference_covers_every_column_code_return_file_and_reason() -> None:
    from contracts_schema import mutation, request, returns, status
    from contracts_schema.reference import TEXT as ENGLISH_TEXT

    assert set(TEXT) == set(ENGLISH_TEXT)
    assert {c.name for c in (*mutation.COLUMNS, *request.COLUMNS)} == set(COLUMNS)
    assert set(CODE_MEANINGS) == set(CODES) and set(RETURN_FILES) == set(returns.RETURN_FILES)
    assert set(REASONS) == {r for r, _, _ in status.REASONS}


def test_the_reference_names_the_answer_columns_a_night_writes() -> None:
    assert list(ANSWER_COLUMNS) == requests.ANSWER_COLUMNS and list(CONTRACT_COLUMNS) == requests.CONTRACT_COLUMNS


def test_the_reference_shows_each_message_whole() -> None:
    text = (ROOT / "docs" / "bestandsformaat.md").read_text()
    for e in CATALOGUE:
        assert resolve(e.nl.template, frozenset(SLOTS)) in text


def test_result_json_holds_the_dutch_file_error(ws: Workspace) -> None:
    """A clerk's program reads result.json: codes stay as they are, only the message is Dutch."""
    write(speaking(ws, None), "BANK1_MUT_20261123_000001.csv", b"")
    assert ws.run() == 0
    result = ws.result("BANK1_MUT_20261123_000001.csv")
    assert (result["status"], result["file_error"]) == (
        "REJECTED", {"code": "FILE_EMPTY", "message": "Het bestand bevat geen records."})
    assert json.loads(json.dumps(result)) == result
