"""A file rejected whole explains itself in errors.csv, in words that say what to do (issue 15.1).

Through real files and the ``cki`` command: a comma-separated file, a Latin-1 or Windows-1252 file
and a broken row each get one row in errors.csv with the file error's code and its whole message;
``line_no`` is the record reading failed on (1 = the first data row, as for every row), 0 when the
file as a whole or its header is at fault. ``cki validate`` gives the same row. The expected lines
are counted by hand from the files below: the header is line 1 of the file, record N is line N+1
unless a quoted value holds a newline.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.intake import csvshape
from tests.conftest import RUN_DATE, Workspace, _stem, new
from tests.test_file_errors import name_of, write

COLUMNS = list(new("C1"))                      # the 16 columns of a NEW, in new()'s order
HEADER = ";".join(COLUMNS)


def line(row: dict, separator: str = ";") -> str:
    return separator.join(row[c] for c in COLUMNS)


def csv_text(rows: list[dict], separator: str = ";") -> str:
    return "\n".join([separator.join(COLUMNS), *(line(r, separator) for r in rows)]) + "\n"


def only_row(ws: Workspace, name: str) -> dict:
    """The one row errors.csv holds for a file rejected whole; it agrees with result.json."""
    errors = ws.errors(name)
    assert errors.height == 1, errors
    row = errors.row(0, named=True)
    error = ws.result(name)["file_error"]
    assert (row["error_code"], row["message"], row["severity"]) == (error["code"], error["message"], "ERROR")
    assert all(row[c] is None for c in COLUMNS)          # no record to echo
    return row


def rejected(ws: Workspace, data: bytes) -> dict:
    name = name_of(1)
    write(ws, name, data)
    assert ws.run() == 0
    assert ws.result(name)["status"] == "REJECTED"
    return only_row(ws, name)


# --- the common mistakes ---------------------------------------------------------------------

def test_a_comma_separated_file_is_told_that_the_separator_is_a_semicolon(ws):
    row = rejected(ws, csv_text([new("C1"), new("C2")], separator=",").encode())
    assert (row["line_no"], row["error_code"]) == ("0", "FILE_HEADER")       # the header's fault
    assert row["message"] == ("The header (the file's first line) is not valid: its column names are separated "
                              "by ',' (commas), but the separator must be ';' (semicolon): save the file again "
                              "with ; between the values.")


def test_a_tab_separated_file_is_told_too(ws):
    row = rejected(ws, csv_text([new("C1")], separator="\t").encode())
    assert row["error_code"] == "FILE_HEADER" and "separated by tabs" in row["message"]


@pytest.mark.parametrize(("encoding", "surname", "byte"), [
    ("latin-1", "Müller", "0xFC"),               # ü
    ("cp1252", "Noël", "0xEB"),                  # ë
])
def test_a_latin1_or_windows1252_file_is_told_to_save_it_as_utf8(ws, encoding, surname, byte):
    """The third record holds the first byte that is not UTF-8: record 3, line 4 of the file."""
    rows = [new("C1"), new("C2"), new("C3", birth_surname=surname)]
    row = rejected(ws, csv_text(rows).encode(encoding))
    assert (row["line_no"], row["error_code"]) == ("3", "FILE_ENCODING")
    assert row["message"] == (f"The file is not valid UTF-8: record 3 (line 4 of the file) holds byte {byte}; "
                              "the file looks saved as Windows-1252 or Latin-1 (ANSI). Save it as UTF-8 and "
                              "deliver it again.")


def test_a_bad_byte_in_the_header_is_line_no_0(ws):
    text = csv_text([new("C1")]).replace("house_number_suffix", "huisnummer_toevoeging_ë", 1)
    row = rejected(ws, text.encode("latin-1"))
    assert (row["line_no"], row["error_code"]) == ("0", "FILE_ENCODING")
    assert "the header (line 1 of the file) holds byte 0xEB" in row["message"]


def test_a_utf16_file_is_told_to_save_it_as_utf8(ws):
    row = rejected(ws, csv_text([new("C1")]).encode("utf-16"))
    assert (row["line_no"], row["error_code"]) == ("0", "FILE_ENCODING")
    assert row["message"].endswith("UTF-16 byte order mark (the file is saved as UTF-16). Save it as UTF-8 and "
                                   "deliver it again.")


def test_a_row_with_too_many_fields_names_its_line(ws):
    """Record 2 has a ; too many (a value with ; not in quotes): 17 fields against the header's 16."""
    text = "\n".join([HEADER, line(new("C1")), line(new("C2", birth_surname="Jansen;Visser")),
                      line(new("C3"))]) + "\n"
    row = rejected(ws, text.encode())
    assert (row["line_no"], row["error_code"]) == ("2", "FILE_UNREADABLE")
    assert row["message"] == ("The file could not be read as CSV: record 2 (line 3 of the file) has 17 fields "
                              'where the header has 16: put a value that holds ; in double quotes ("a;b"), or '
                              "remove the extra ;.")


def test_an_unterminated_quote_names_its_line(ws):
    text = "\n".join([HEADER, line(new("C1")), line(new("C2")), line(new('"C3')), line(new("C4"))]) + "\n"
    row = rejected(ws, text.encode())
    assert (row["line_no"], row["error_code"]) == ("3", "FILE_UNREADABLE")
    assert row["message"] == ('The file could not be read as CSV: record 3 (line 4 of the file) opens a quoted '
                              'value with " that is never closed: end the value with ", and write a " inside a '
                              'value as "".')


def test_a_quote_inside_a_value_names_its_line(ws):
    text = "\n".join([HEADER, line(new("C1")), line(new("C2", birth_surname='Jan"sen')), line(new("C3"))]) + "\n"
    row = rejected(ws, text.encode())
    assert (row["line_no"], row["error_code"]) == ("2", "FILE_UNREADABLE")
    assert 'record 2 (line 3 of the file) has a " inside a value that does not start with one' in row["message"]


def test_text_after_a_closing_quote_names_its_line(ws):
    text = "\n".join([HEADER, line(new("C1", birth_surname='"Jan"sen')), line(new("C2"))]) + "\n"
    row = rejected(ws, text.encode())
    assert (row["line_no"], row["error_code"]) == ("1", "FILE_UNREADABLE")
    assert 'record 1 (line 2 of the file) has a quoted value whose closing " is followed by more text' in \
        row["message"]


def test_after_a_quoted_newline_the_record_and_the_line_differ(ws):
    """Record 1's surname holds a newline (lines 2 and 3), so record 2 starts on line 4."""
    text = "\n".join([HEADER, line(new("C1", birth_surname='"Jan\nsen"')), line(new("C2")) + ";extra"]) + "\n"
    row = rejected(ws, text.encode())
    assert row["line_no"] == "2"
    assert "record 2 (line 4 of the file) has 17 fields" in row["message"]


# --- every file error has its row ------------------------------------------------------------

def test_a_whole_file_error_without_a_line_is_line_no_0(ws):
    name = "mutaties november.csv"
    write(ws, name, csv_text([new("C1")]).encode())
    assert ws.run() == 0
    row = only_row(ws, name)
    assert (row["line_no"], row["error_code"]) == ("0", "FILE_NAME_INVALID")


def test_another_participants_record_is_named_by_its_line(ws):
    name = ws.deliver([new("C1"), new("C2", participant_code="SHOP1"), new("C3", participant_code="SHOP1")])
    assert ws.run() == 0
    row = only_row(ws, name)
    assert (row["line_no"], row["error_code"]) == ("2", "FILE_PARTICIPANT_MISMATCH")


def test_a_header_message_is_whole_however_many_unknown_columns(ws):
    """Eight unknown columns of 50 characters: five are named, each cut at 40, and the sentence ends."""
    unknown = [f"kolom_{i}_" + "x" * 42 for i in range(8)]
    text = ";".join([*COLUMNS, *unknown]) + "\n" + line(new("C1")) + ";" * 8 + "\n"
    row = rejected(ws, text.encode())
    shown = ", ".join(c[:40] + "…" for c in unknown[:5])
    assert row["message"] == f"The header (the file's first line) is not valid: unknown columns {shown} and 3 more."


def test_a_good_file_still_has_a_header_only_errors_csv(ws):
    name = ws.deliver([new("C1")])
    assert ws.run() == 0
    assert ws.errors(name).height == 0


# --- cki validate: the same answer -----------------------------------------------------------

@pytest.mark.parametrize("kind", ["comma", "broken row"])
def test_cki_validate_gives_the_same_row(ws, kind):
    text = csv_text([new("C1")], separator=",") if kind == "comma" else \
        "\n".join([HEADER, line(new("C1")), line(new("C2")) + ";x"]) + "\n"
    path = write(ws, name_of(1), text.encode())
    dry = ws.root / "dry"
    dry.mkdir()
    proc = ws.cki("validate", str(path), "--config", str(ws.config), "--date", RUN_DATE.isoformat(),
                  "--out", str(dry))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    validated = pl.read_csv(dry / f"{_stem(path.name)}.errors.csv", separator=";", infer_schema=False)
    assert validated.height == 1
    assert validated["message"][0] in proc.stdout                      # printed whole
    assert ws.run() == 0
    assert validated.equals(ws.errors(path.name))


# --- the locator on its own ------------------------------------------------------------------

PIECES = [b"a", b"b", b";", b'"', b'""', b'"a"', b"\n", b"\r\n", b"\r", b" ", b",", b"\xfc", b"\xc3\xbc"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(header=st.sampled_from([b"h1;h2;h3\n", b'"h1";h2;"h3"\r\n', b"\xef\xbb\xbfh1;h2\n"]),
       body=st.lists(st.sampled_from(PIECES), max_size=40), step=st.integers(1, 6))
def test_every_file_polars_refuses_is_located_and_the_step_size_changes_nothing(tmp_path_factory, header, body,
                                                                                  step):
    path = tmp_path_factory.mktemp("shape") / "f.csv"
    path.write_bytes(header + b"".join(body))
    try:
        pl.read_csv(path, separator=";", quote_char='"', infer_schema=False, has_header=True)
        refused = False
    except pl.exceptions.PolarsError:
        refused = True
    whole = csvshape.locate(str(path))
    assert whole is not None or not refused
    saved, csvshape.STEP = csvshape.STEP, step
    try:
        stepped = csvshape.locate(str(path))
    finally:
        csvshape.STEP = saved
    assert (whole and whole.line_no) == (stepped and stepped.line_no)


def test_the_locator_reads_a_file_in_steps(tmp_path: Path, monkeypatch):
    """Three records of ~1 kB in 100-byte steps: the broken third is found on its line."""
    row = "BANK1;C{};" + "x" * 1000 + "\n"
    path = tmp_path / "f.csv"
    path.write_text("a;b;c\n" + row.format(1) + row.format(2) + row.format(3).replace(";x", ';"x', 1))
    monkeypatch.setattr(csvshape, "STEP", 100)
    found = csvshape.locate(str(path))
    assert found is not None and (found.code, found.line_no) == ("FILE_UNREADABLE", 3)
    assert found.value.startswith("record 3 (line 4 of the file) opens a quoted value")
