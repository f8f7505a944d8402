"""Intake's parts on their own: strict names, the line scan, cut cells, Parquet counting, limits.

The behaviour through real nights is in test_hostile_input.py and test_file_errors.py; these
pin the pieces those rely on, on tiny inputs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from unittest.mock import patch

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts_schema import mutation, request
from pipeline.config import Limits
from pipeline.errors import ConfigError
from pipeline.intake import cells, names, parquettext, scan, views
from pipeline.intake.limits import ReadLimits, Refused
from pipeline.rules.fieldchecks import field_findings
from pipeline.rules.parse import to_typed
from tests.conftest import Workspace

# --- names -----------------------------------------------------------------------------------

GOOD = "BANK1_MUT_20261123_000001.csv"


@pytest.mark.parametrize("name", [
    GOOD + "\n",                                   # `$` would match before a final newline
    "BANK1_MUT_20261123_00000\u0663.csv",          # an Arabic-Indic digit: `\d` would take it as 3
    "BANK1_MUT_2026112\uff13_000001.csv",          # a fullwidth digit in the date
    "BANK1_MUT_20261123_000001.csv\x00",
    "BANK1_MUT_20261123_000001.CSV",
    "BANK1_MUT_20261123_000001.csv ",              # a trailing space
])
def test_names_are_read_strictly(name: str) -> None:
    """Only ASCII names of exactly SPEC 3.1's form; the pattern alone refuses these too (cki
    validate uses it)."""
    assert names.parse(name) is None
    assert names.NAME_PATTERN.match(name) is None


def test_a_name_with_an_impossible_date_is_refused() -> None:
    assert names.parse("BANK1_MUT_20261131_000001.csv") is None


def test_a_good_name_parses() -> None:
    assert names.parse(GOOD) == names.DeliveryName("BANK1", "MUT", 1, "csv")
    assert names.parse("BANK1_RAAD_20261123_000012.parquet") == names.DeliveryName("BANK1", "RAAD", 12, "parquet")


@pytest.mark.parametrize(("name", "shown"), [
    (GOOD, GOOD),
    ("A\x1b[31mB", "'A\\x1b[31mB'"),
    ("A\nB", "'A\\nB'"),
    ("A\u202eB", "'A\\u202eB'"),                    # a right-to-left override
    ("Ünïcode.csv", "Ünïcode.csv"),                 # printable, shown as it is
    ("back\\slash", "'back\\\\slash'"),             # a backslash is escaped, so nothing looks escaped
])
def test_printable_escapes_what_a_terminal_would_obey(name: str, shown: str) -> None:
    assert names.printable(name) == shown
    assert names.escaped(name) == shown.strip("'")


# --- the line scan ---------------------------------------------------------------------------

def _reference(data: bytes, limit: int) -> tuple[int, tuple[int, int] | None]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    long = next(((i + 1, len(line)) for i, line in enumerate(lines) if len(line) > limit), None)
    return len(lines), long


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"bb", b"\n", b"cccccccc"]), max_size=60),
       st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=20), st.integers(1, 12))
def test_line_scan_agrees_with_splitting_whatever_the_steps(parts: list[bytes], steps: list[int], limit: int) -> None:
    """Lines and the first line over the limit, as a plain split finds them, however the bytes
    are cut into steps (a line may span several)."""
    data, measured, at = b"".join(parts), scan._Lines(limit), 0
    while at < len(data):
        step = steps[at % len(steps)]
        measured.feed(data[at:at + step])
        at += step
    assert measured.result() == _reference(data, limit)


def test_scan_hashes_and_measures(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"h\n" + b"x" * 50 + b"\nlast")
    import hashlib
    import os
    fd = os.open(path, os.O_RDONLY)
    try:
        found = scan.scan(fd, 40)
    finally:
        os.close(fd)
    assert found.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (found.lines, found.first_long) == (3, (2, 50))


# --- cut cells -------------------------------------------------------------------------------

def test_cells_are_trimmed_emptied_and_cut() -> None:
    frame = pl.DataFrame({"\ufeffa": ["  x ", "   ", "y" * 300], "b": ["ok", None, "é" * 250]})
    out = cells.cleaned(frame, 200)
    assert out.columns == ["a", "b"]
    assert out["a"].to_list() == ["x", None, "y" * 200 + "…"]
    assert out["b"].to_list() == ["ok", None, "é" * 200 + "…"]
    assert cells.cleaned(out, 200).equals(out)                     # cutting twice changes nothing


EDGES = [" ", "\t", "\r", "\u00a0", "\u3000", "\u2028", "\u0085", "\x1c", "\x00", "é", "x", "-", "~", "\x7f"]


def _both_paths(frame: pl.DataFrame, max_cell_chars: int = 200) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``cleaned`` by the string views (the path of a big frame) and on every column."""
    with patch.object(cells, "VIEWS_ROWS", 0):
        by_views = cells.cleaned(frame, max_cell_chars)
    with patch.object(cells, "VIEWS_ROWS", 1 << 40):
        whole = cells.cleaned(frame, max_cell_chars)
    return by_views, whole


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.tuples(st.sampled_from(EDGES), st.sampled_from([0, 1, 9, 10, 11, 12, 20, 250]),
                                               st.sampled_from(EDGES))), min_size=1, max_size=30), st.integers(0, 5))
def test_cleaning_by_the_views_equals_cleaning_every_column(cells_: list, skip: int) -> None:
    """Trimming, emptying and cutting only the columns whose views say they can change gives
    what running every step on every column gives: short (inline) and long cells, nulls,
    Unicode and control characters at either edge, cells over the limit, a column that is a
    slice of a longer one (a view offset), and a frame of two chunks."""
    values = [None if c is None else c[0] + "m" * c[1] + c[2] for c in cells_]
    column = pl.Series("a", ["pad"] * skip + values, dtype=pl.String).slice(skip)
    frame = pl.DataFrame({"a": column, "b": pl.Series([v.strip("\x00") if v else v for v in values], dtype=pl.String)})
    frame = pl.concat([frame, frame], rechunk=False)                # two chunks
    by_views, whole = _both_paths(frame)
    assert by_views.equals(whole)
    changed = (frame["a"].str.strip_chars() != frame["a"]).fill_null(False).to_numpy()
    assert not (changed & ~views.may_need_trim(frame["a"])).any()   # every cell a trim changes is flagged


def test_a_column_without_edge_whitespace_is_left_whole() -> None:
    """Printable ASCII at both edges: nothing to trim; one cell with a trailing no-break space
    past the inline 12 bytes, and one with a leading space: those are flagged."""
    frame = pl.DataFrame({"a": ["C1", "a long contract number 1", None, ""],
                          "b": ["x", "a long surname ending in\u00a0", "y", " z"]})
    assert [views.may_need_trim(frame[c]).tolist() for c in "ab"] == [[False] * 4, [False, True, False, True]]
    assert [views.shape(frame[c]) for c in "ab"] == [views.Shape(False, True, 24), views.Shape(True, False, 26)]
    by_views, whole = _both_paths(frame)
    assert by_views.equals(whole) and whole["a"].to_list() == ["C1", "a long contract number 1", None, None]


@pytest.mark.parametrize("contract", [mutation, request])
def test_a_cut_cell_never_passes_its_column(contract) -> None:
    """Every text column rejects a cell cut at the smallest cell limit allowed, so a cut cell is
    always a record error (participant_code is checked against the folder instead)."""
    model = mutation.MutationRecord if contract is mutation else request.ConsultationRequest
    cut = "A" * cells.MIN_CELL_CHARS + cells.ELLIPSIS
    for column in (c for c in contract.COLUMNS if c.kind == "str" and c.name != "participant_code"):
        raw = pl.DataFrame({c: [cut if c == column.name else None] for c in contract.COLUMN_NAMES},
                           schema=dict.fromkeys(contract.COLUMN_NAMES, pl.String))
        typed = to_typed(raw.with_columns(file_idx=pl.lit(0, pl.Int32), line_no=pl.lit(1, pl.Int64)),
                         contract.COLUMNS, ("file_idx", "line_no"))
        assert column.name in field_findings(typed, model)["field"].to_list(), column.name


# --- Parquet: counted before decoded ---------------------------------------------------------

LIMITS = ReadLimits(max_rows=1_000, max_decoded_bytes=10_000, max_cell_chars=200, max_line_bytes=1_024,
                    reader_memory_bytes=1 << 30, read_seconds=60)


def test_parquet_text_is_counted_from_the_dictionary(tmp_path: Path) -> None:
    """500 rows of one 30-character value: 15 000 bytes of text from a file of a few hundred
    bytes, refused before a cell is decoded."""
    path = tmp_path / "d.parquet"
    indices = pa.array(np.zeros(500, dtype=np.int32))
    pq.write_table(pa.table({"contract_number": pa.DictionaryArray.from_arrays(indices, pa.array(["c" * 30]))}), path)
    with pytest.raises(Refused) as refused:
        parquettext.read(str(path), LIMITS, mutation.COLUMN_NAMES, 100)
    assert refused.value.refusal.code == "FILE_TOO_LARGE"
    assert "15000 bytes" in refused.value.refusal.value


def test_parquet_reads_known_columns_as_text(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pl.DataFrame({"contract_number": ["C1", "C2"], "amount": [100, None], "colour": ["red", "blue"],
                  "event_date": pl.Series(["2026-11-10", "2026-11-11"]).str.to_date(),
                  "birth_surname": [" Jansen ", "x" * 500]}).write_parquet(path)
    frame, columns = parquettext.read(str(path), LIMITS, mutation.COLUMN_NAMES, 100)
    assert columns == ["contract_number", "amount", "colour", "event_date", "birth_surname"]
    assert frame.columns == ["contract_number", "amount", "event_date", "birth_surname"]   # colour unread
    assert frame.rows() == [("C1", "100", "2026-11-10", "Jansen"), ("C2", None, "2026-11-11", "x" * 200 + "…")]


# --- the limits in config.yaml ---------------------------------------------------------------

def test_config_limits_and_the_workers_limits_are_the_same_set() -> None:
    assert list(Limits.model_fields) == [f.name for f in dataclasses.fields(ReadLimits)]


def test_limits_have_safe_defaults(tmp_path: Path) -> None:
    from pipeline.config import load_config

    limits = load_config(Workspace(tmp_path).config).settings.limits
    assert (limits.max_rows, limits.max_decoded_bytes, limits.max_cell_chars, limits.max_line_bytes) == (
        5_000_000, 2 << 30, 1_000, 1 << 20)


@pytest.mark.parametrize(("key", "value"), [("max_cell_chars", 100), ("reader_memory_bytes", 1 << 20),
                                            ("max_rows", 0), ("colour", 1)])
def test_a_bad_limit_names_its_key(tmp_path: Path, key: str, value: int) -> None:
    from pipeline.config import load_config

    ws = Workspace(tmp_path, limits={key: value})
    with pytest.raises(ConfigError, match=f"limits.{key}"):
        load_config(ws.config)


def test_a_header_of_too_many_columns_is_refused_unread(tmp_path: Path) -> None:
    from pipeline.intake import csvtext

    path = tmp_path / "wide.csv"
    path.write_text(";".join(f"c{i}" for i in range(150)) + "\n" + ";" * 149 + "\n")
    with pytest.raises(Refused) as refused:
        csvtext.read(str(path), path.stat().st_size, LIMITS, 100)
    assert (refused.value.refusal.code, refused.value.refusal.value) == (
        "FILE_HEADER", "it names 150 columns, and a delivery has at most 100")
    wide = tmp_path / "wide.parquet"
    pl.DataFrame({f"c{i}": [1] for i in range(150)}).write_parquet(wide)
    with pytest.raises(Refused):
        parquettext.read(str(wide), LIMITS, mutation.COLUMN_NAMES, 100)


def test_the_smallest_cell_limit_is_the_one_cut_cells_are_checked_at() -> None:
    """config.yaml cannot set a cell limit below the one the cut-cell guarantee is tested at."""
    from pydantic import ValidationError

    assert Limits(max_cell_chars=cells.MIN_CELL_CHARS).max_cell_chars == cells.MIN_CELL_CHARS
    with pytest.raises(ValidationError):
        Limits(max_cell_chars=cells.MIN_CELL_CHARS - 1)
