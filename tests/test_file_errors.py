"""Whole-file checks of SPEC 4.1: a delivery that fails one is rejected as a whole.

For every code: result.json says REJECTED with that file_error code, the file moves to
archive/rejected/<run date>/<participant>/, nothing of it is applied, and the run still exits 0
(a rejected file is a normal outcome of a night, not a failed run).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline.outbox.answers import archive_name
from tests.conftest import RUN_DATE, _stem, name_of, new, record

NEXT_NIGHT = date(2026, 11, 24)


def inbox(ws, participant: str = "BANK1") -> Path:
    folder = ws.root / "inbox" / participant
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write(ws, name: str, data: bytes, participant: str = "BANK1") -> Path:
    path = inbox(ws, participant) / name
    path.write_bytes(data)
    return path


def good_csv(ws, rows: list[dict] | None = None, participant: str = "BANK1") -> bytes:
    """The bytes of a correct delivery (written by the same code as ws.deliver)."""
    name = ws.deliver(rows or [new("C1")], participant, name=".scratch.csv")
    path = inbox(ws, participant) / name
    data = path.read_bytes()
    path.unlink()
    return data


def contracts(ws) -> list[str]:
    return sorted(ws.table("contracts")["contract_number"].to_list())


def assert_file_rejected(ws, name: str, code: str, participant: str = "BANK1", run_date: date = RUN_DATE,
                         applied_before: list[str] = (), answer: str | None = None) -> dict:
    """REJECTED with ``code``, archived under rejected/, nothing applied, errors file present.
    ``answer``: the name the answer got where an earlier answer took the file's (NAME.2)."""
    answer = answer or _stem(name)
    archived = archive_name(name, answer)
    result = ws.result(answer, participant)
    assert result["status"] == "REJECTED"
    assert result["file_error"]["code"] == code
    assert result["file_error"]["message"]
    assert result["accepted"] == 0
    assert not os.path.lexists(ws.root / "inbox" / participant / name)
    assert os.path.lexists(ws.root / "archive" / "rejected" / f"{run_date:%Y-%m-%d}" / participant / archived)
    assert not os.path.lexists(ws.root / "archive" / f"{run_date:%Y-%m-%d}" / participant / archived)
    assert (ws.root / "outbox" / participant / f"{answer}.errors.csv").exists()
    assert contracts(ws) == sorted(applied_before)
    return result


# --- FILE_NAME_INVALID -----------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "bank1_mut_20261123_000001.csv",        # lower case
    "BANK1_MUT_20261123_1.csv",             # sequence not six digits
    "BANK1_MUT_20261131_000001.csv",        # no 31 November
    "BANK1_XYZ_20261123_000001.csv",        # unknown kind
    "BANK1_MUT_20261123_000001.txt",        # unknown extension
    "BANK1_MUT_20261123_000001",            # no extension
    "mutaties november.csv",
])
def test_file_name_invalid(ws, name):
    """A file whose name does not follow <PARTICIPANT>_<KIND>_<YYYYMMDD>_<SEQ>.<csv|parquet> is
    rejected without being read."""
    write(ws, name, good_csv(ws))
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_NAME_INVALID")


# --- FILE_PARTICIPANT_MISMATCH ---------------------------------------------------------------

def test_participant_in_name_differs_from_folder(ws):
    """A file named for SHOP1 dropped in BANK1's inbox is rejected."""
    name = name_of(1, "SHOP1")
    write(ws, name, good_csv(ws))
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_PARTICIPANT_MISMATCH")


def test_participant_code_column_differs_from_folder(ws):
    """A file in BANK1's inbox with a record whose participant_code is another participant is
    rejected as a whole, even when its other records are BANK1's own."""
    name = ws.deliver([new("C1"), new("C2", participant_code="SHOP1")])
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_PARTICIPANT_MISMATCH")


# --- PARTICIPANT_UNKNOWN / PARTICIPANT_NOT_AUTHORIZED ----------------------------------------

def test_participant_unknown(ws):
    """A folder of a participant that config.yaml does not know: its files are rejected."""
    name = name_of(1, "NOBODY")
    write(ws, name, good_csv(ws, [new("C1", participant_code="NOBODY")], "NOBODY"), "NOBODY")
    assert ws.run() == 0
    assert_file_rejected(ws, name, "PARTICIPANT_UNKNOWN", "NOBODY")


def test_participant_not_authorized_to_register(ws):
    """LOOK1 may only consult: a mutation file of LOOK1 is rejected."""
    name = ws.deliver([new("C1", participant_code="LOOK1")], "LOOK1")
    assert ws.run() == 0
    assert_file_rejected(ws, name, "PARTICIPANT_NOT_AUTHORIZED", "LOOK1")


# --- FILE_DUPLICATE / FILE_SEQUENCE ----------------------------------------------------------

def test_same_content_on_a_later_night_is_a_duplicate(ws):
    """A file with exactly the content of one already processed is rejected, whatever its name."""
    ws.deliver([new("C1")], seq=1)
    assert ws.run() == 0
    name = ws.deliver([new("C1")], seq=2)
    assert ws.run(NEXT_NIGHT) == 0
    assert_file_rejected(ws, name, "FILE_DUPLICATE", run_date=NEXT_NIGHT, applied_before=["C1"])


def test_same_content_twice_in_one_night(ws):
    """Two files of one night with the same content: the second is a duplicate of the first."""
    first = ws.deliver([new("C1")], seq=1)
    second = ws.deliver([new("C1")], seq=2)
    assert ws.run() == 0
    assert ws.result(first)["status"] == "ACCEPTED"
    assert_file_rejected(ws, second, "FILE_DUPLICATE", applied_before=["C1"])
    assert first in ws.result(second)["file_error"]["message"]


def test_lower_sequence_on_a_later_night(ws):
    """Sequence numbers rise per participant and kind: 000003 after 000005 is rejected."""
    ws.deliver([new("C1")], seq=5)
    assert ws.run() == 0
    name = ws.deliver([new("C2")], seq=3)
    assert ws.run(NEXT_NIGHT) == 0
    result = assert_file_rejected(ws, name, "FILE_SEQUENCE", run_date=NEXT_NIGHT, applied_before=["C1"])
    assert "000003" in result["file_error"]["message"] and "000005" in result["file_error"]["message"]


def test_same_sequence_again(ws):
    """The same sequence number again (with other content) is not higher, so it is rejected; the
    first answer took the name, so this one is NAME.2."""
    ws.deliver([new("C1")], seq=5)
    assert ws.run() == 0
    name = ws.deliver([new("C2")], seq=5)
    assert ws.run(NEXT_NIGHT) == 0
    assert_file_rejected(ws, name, "FILE_SEQUENCE", run_date=NEXT_NIGHT, applied_before=["C1"],
                         answer=f"{_stem(name)}.2")
    assert ws.result(name)["status"] == "ACCEPTED"              # the first answer is kept


def test_sequence_counts_per_kind(ws):
    """An INIT 000001 after a MUT 000005 is fine: each kind has its own sequence."""
    ws.deliver([new("C1")], seq=5)
    assert ws.run() == 0
    name = ws.deliver([new("C2")], kind="INIT", seq=1)
    assert ws.run(NEXT_NIGHT) == 0
    assert ws.result(name)["status"] == "ACCEPTED"
    assert contracts(ws) == ["C1", "C2"]


def test_rejected_file_does_not_use_up_its_sequence(ws):
    """A file rejected as a whole does not count as processed: a corrected file may come with
    the same sequence number."""
    bad = ws.deliver([new("C1", participant_code="SHOP1")], seq=1)
    assert ws.run() == 0
    assert ws.result(bad)["file_error"]["code"] == "FILE_PARTICIPANT_MISMATCH"
    name = ws.deliver([new("C1")], seq=1)
    assert ws.run(NEXT_NIGHT) == 0
    assert ws.result(f"{_stem(name)}.2")["status"] == "ACCEPTED"   # the same name: the second answer


# --- FILE_EMPTY ------------------------------------------------------------------------------

def test_zero_bytes(ws):
    """A file of 0 bytes holds no records."""
    name = name_of(1)
    write(ws, name, b"")
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_EMPTY")


def test_header_only(ws):
    """A file with column names and no record holds no records."""
    name = name_of(1)
    write(ws, name, good_csv(ws).splitlines(keepends=True)[0])
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_EMPTY")


# --- FILE_ENCODING ---------------------------------------------------------------------------

def test_latin1_bytes(ws):
    """A file saved as Latin-1 (ü as one byte) is not UTF-8."""
    name = name_of(1)
    text = good_csv(ws, [new("C1", birth_surname="Müller")]).decode("utf-8")
    write(ws, name, text.encode("latin-1"))
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_ENCODING")


def test_invalid_utf8_far_into_the_file(ws):
    """A bad byte on line 3000 rejects the file just like one on line 1."""
    name = name_of(1)
    rows = [new(f"C{i}") for i in range(3000)]
    text = good_csv(ws, rows).decode("utf-8")
    write(ws, name, (text + text.splitlines()[1].replace("Jansen", "J\u00e4nsen") + "\n").encode("latin-1"))
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_ENCODING")


def test_utf16(ws):
    """A file saved as UTF-16 is not UTF-8."""
    name = name_of(1)
    write(ws, name, good_csv(ws).decode("utf-8").encode("utf-16"))
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_ENCODING")


# --- FILE_HEADER -----------------------------------------------------------------------------

def test_header_missing_mutation_type(ws):
    """Without the mutation_type column no record can be understood."""
    row = new("C1")
    del row["mutation_type"]
    name = ws.deliver([row])
    assert ws.run() == 0
    result = assert_file_rejected(ws, name, "FILE_HEADER")
    assert "mutation_type" in result["file_error"]["message"]


def test_header_unknown_column(ws):
    """A column that is not in the file format (names are case-sensitive) is rejected."""
    name = ws.deliver([new("C1", colour="red")])
    assert ws.run() == 0
    result = assert_file_rejected(ws, name, "FILE_HEADER")
    assert "colour" in result["file_error"]["message"]


def test_header_wrong_case(ws):
    """Column names are case-sensitive: Amount is not amount."""
    row = new("C1")
    row["Amount"] = row.pop("amount")
    name = ws.deliver([row])
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_HEADER")


def test_header_column_named_twice(ws):
    """A column named twice is ambiguous."""
    name = name_of(1)
    lines = good_csv(ws).splitlines(keepends=True)
    write(ws, name, lines[0].rstrip(b"\r\n") + b";amount\n" + lines[1].rstrip(b"\r\n") + b";16000\n")
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_HEADER")


def test_header_columns_in_any_order(ws):
    """The columns may come in any order."""
    row = new("C1")
    name = ws.deliver([dict(reversed(list(row.items())))])
    assert ws.run() == 0
    assert ws.result(name)["status"] == "ACCEPTED"


# --- FILE_UNREADABLE -------------------------------------------------------------------------

def test_unterminated_quote(ws):
    """A quote that is never closed breaks the CSV structure."""
    name = name_of(1)
    data = good_csv(ws)
    header = data.splitlines()[0].decode()
    broken = ";".join('"C2' if c == "contract_number" else "BANK1" if c == "participant_code" else ""
                      for c in header.split(";"))
    write(ws, name, data + broken.encode() + b"\n")
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_UNREADABLE")


def test_row_with_too_many_fields(ws):
    """A row with more fields than the header breaks the CSV structure."""
    name = name_of(1)
    data = good_csv(ws)
    lines = data.splitlines(keepends=True)
    write(ws, name, lines[0] + lines[1].rstrip(b"\r\n") + b";extra;fields\n")
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_UNREADABLE")


def test_damaged_parquet(ws):
    """A .parquet file that is not a readable Parquet file."""
    name = name_of(1, ext="parquet")
    frame = pl.DataFrame([new("C1")])
    path = inbox(ws) / name
    frame.write_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])          # cut off, footer gone
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_UNREADABLE")


def test_csv_bytes_named_parquet(ws):
    """A CSV file named .parquet cannot be read as Parquet."""
    name = name_of(1, ext="parquet")
    write(ws, name, good_csv(ws))
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_UNREADABLE")


# --- FILE_TOO_LARGE --------------------------------------------------------------------------

def test_file_too_large(make_ws):
    """A file over max_file_bytes is rejected before it is read."""
    ws = make_ws(max_file_bytes=100)
    name = ws.deliver([new("C1")])
    assert (ws.root / "inbox" / "BANK1" / name).stat().st_size > 100
    assert ws.run() == 0
    result = assert_file_rejected(ws, name, "FILE_TOO_LARGE")
    assert "100" in result["file_error"]["message"]


def test_file_at_the_size_limit_is_read(make_ws):
    """A file of exactly max_file_bytes is not too large."""
    probe = make_ws()
    size = len(good_csv(probe))
    ws = make_ws(max_file_bytes=size)
    name = ws.deliver([new("C1")])
    assert (ws.root / "inbox" / "BANK1" / name).stat().st_size == size
    assert ws.run() == 0
    assert ws.result(name)["status"] == "ACCEPTED"


# --- FILE_NOT_REGULAR ------------------------------------------------------------------------

def test_symlink_to_a_file_outside_the_inbox(ws):
    """A link in the inbox is not followed: the file it points to is neither read nor moved."""
    outside = ws.root / "elsewhere"
    outside.mkdir()
    target = outside / "secret.csv"
    target.write_bytes(good_csv(ws))
    before = target.read_bytes()
    name = name_of(1)
    (inbox(ws) / name).symlink_to(target)
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_NOT_REGULAR")
    assert target.exists() and target.read_bytes() == before       # not moved, not changed
    archived = ws.root / "archive" / "rejected" / f"{RUN_DATE:%Y-%m-%d}" / "BANK1" / name
    assert archived.is_symlink()                                    # the link moved, not a copy
    files = ws.table("files").filter(pl.col("file") == name)
    assert files["sha256"].to_list() == [None]                      # its content was never read


@pytest.mark.parametrize("kind", ["dangling-link", "link-to-folder", "fifo"])
def test_other_non_regular_entries(ws, kind):
    """A dangling link, a link to a folder and a named pipe are not plain files either."""
    name = name_of(1)
    entry = inbox(ws) / name
    if kind == "dangling-link":
        entry.symlink_to(ws.root / "nowhere.csv")
    elif kind == "link-to-folder":
        (ws.root / "elsewhere").mkdir()
        entry.symlink_to(ws.root / "elsewhere")
    else:
        os.mkfifo(entry)
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_NOT_REGULAR")


def test_folder_in_the_inbox(ws):
    """A folder in a participant's inbox is not a delivery: it is rejected and moved aside."""
    name = name_of(1)
    folder = inbox(ws) / name
    folder.mkdir()
    (folder / "inner.csv").write_bytes(good_csv(ws))
    assert ws.run() == 0
    assert_file_rejected(ws, name, "FILE_NOT_REGULAR")


# --- what is accepted, what is left alone ----------------------------------------------------

def test_part_and_dot_files_are_left_alone(ws):
    """Files still uploading (.part) and hidden files (.name) stay in the inbox untouched and get
    no result; the good file next to them is processed."""
    part = write(ws, name_of(2) + ".part", good_csv(ws, [new("P1")]))
    hidden = write(ws, "." + name_of(3), good_csv(ws, [new("D1")]))
    name = ws.deliver([new("C1")], seq=1)
    assert ws.run() == 0
    assert ws.result(name)["status"] == "ACCEPTED"
    assert part.exists() and hidden.exists()
    outbox = {p.name for p in (ws.root / "outbox" / "BANK1").iterdir()}
    assert outbox == {f"{_stem(name)}.result.json", f"{_stem(name)}.errors.csv", f"{_stem(name)}.errors.xlsx"}
    assert contracts(ws) == ["C1"]


def test_good_parquet_delivery(ws):
    """A Parquet file with the same columns in matching types is accepted like a CSV."""
    name = name_of(1, ext="parquet")
    frame = pl.DataFrame({
        "participant_code": ["BANK1", "BANK1"], "contract_number": ["C1", "C1"],
        "mutation_type": ["NEW", "CODE"], "event_date": [date(2026, 11, 10), date(2026, 11, 15)],
        "contract_type": ["AK", None], "amount": [15000, None], "theoretical_end_date": [date(2031, 11, 10), None],
        "borrower_no": [1, 1], "birth_surname": ["Jansen", None], "initials": ["J.P.", None],
        "gender": ["M", None], "birth_date": [date(1980, 5, 17), None], "postcode": ["1011AB", None],
        "house_number": [12, None], "code": [None, "2"],
    }, schema_overrides={"amount": pl.Int64, "borrower_no": pl.Int64, "house_number": pl.Int64})
    frame.write_parquet(inbox(ws) / name)
    assert ws.run() == 0
    result = ws.result(name)
    assert (result["status"], result["accepted"]) == ("ACCEPTED", 2)
    c = ws.table("contracts").row(0, named=True)
    assert (c["contract_number"], c["amount"], c["start_date"], c["code2"]) == ("C1", 15000, date(2026, 11, 10), True)
    assert (ws.root / "archive" / f"{RUN_DATE:%Y-%m-%d}" / "BANK1" / name).exists()


def test_bom_csv_is_accepted(ws):
    """A UTF-8 file that starts with a byte order mark is accepted."""
    name = name_of(1)
    write(ws, name, b"\xef\xbb\xbf" + good_csv(ws, [new("C1", birth_surname="Müller")]))
    assert ws.run() == 0
    assert ws.result(name)["status"] == "ACCEPTED"
    assert ws.table("persons")["birth_surname"].to_list() == ["Müller"]


def test_crlf_csv_is_accepted(ws):
    """Lines ending in CR LF (as Windows writes them) are read like LF lines."""
    name = name_of(1)
    write(ws, name, good_csv(ws, [new("C1"), new("C2")]).replace(b"\n", b"\r\n"))
    assert ws.run() == 0
    assert ws.result(name)["status"] == "ACCEPTED"
    assert contracts(ws) == ["C1", "C2"]
    assert ws.table("persons")["postcode"].to_list() == ["1011AB"]


def test_processed_file_is_archived(ws):
    """A processed file leaves the inbox for archive/<date>/<participant>/, unchanged; its results
    are in the outbox."""
    name = ws.deliver([new("C1"), record("C9", "CODE", code="2")])
    data = (ws.root / "inbox" / "BANK1" / name).read_bytes()
    assert ws.run() == 0
    archived = ws.root / "archive" / f"{RUN_DATE:%Y-%m-%d}" / "BANK1" / name
    assert archived.read_bytes() == data
    assert not (ws.root / "inbox" / "BANK1" / name).exists()
    assert not (ws.root / "archive" / "rejected").exists()
    assert ws.result(name)["status"] == "PARTIAL"


def test_rejected_file_does_not_stop_the_others(ws):
    """One rejected file does not affect another participant's good file in the same night."""
    bad = name_of(1, "SHOP1")
    write(ws, bad, b"", "SHOP1")
    good = ws.deliver([new("C1")])
    assert ws.run() == 0
    assert ws.result(bad, "SHOP1")["file_error"]["code"] == "FILE_EMPTY"
    assert ws.result(good)["status"] == "ACCEPTED"
    assert contracts(ws) == ["C1"]
