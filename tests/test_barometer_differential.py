"""The barometers (SPEC 7) checked against an independent computation over the delivered files.

The workload is the bench generator's register (``bench/generate.py``, 30 000 contracts of about
20 000 persons, 40 participants, seed 7): the initial load on 2026-09-29, the generator's night
of MUT and RAAD files on 2026-10-01 (which produces reference date 2026-09-30), and a night on
2027-01-02 (which produces 2026-12-31). On top of the generator's files come a few hand-made
deliveries with what the generator never makes: rejected records of several kinds, a record
depending on a rejected NEW, a duplicate, two files rejected whole, a late record, a DELETE,
moves back to an earlier address, a postcode outside the pc4 table, and contracts starting or
ending on the reference date.

``tests/barometer_reference.py`` computes every table again in DuckDB SQL from our own copies of
the delivered files, less what cki's return files say was rejected, and never reads the
register. The national tables must agree exactly; in the gemeente and age tables every
published cell must agree, every cell whose true count is below ``min_cell_size`` must be
suppressed, and the audit of ``tests/barometer_audit.py`` must find every such cell protected.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

duckdb = pytest.importorskip("duckdb")

from contracts_schema.mutation import COLUMNS  # noqa: E402
from pipeline.cli import main  # noqa: E402
from tests.barometer_audit import audit_date  # noqa: E402
from tests.barometer_reference import Reference  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CONTRACTS, SEED = 30_000, 7
LOAD, NIGHT, LATER = date(2026, 9, 29), date(2026, 10, 1), date(2027, 1, 2)
D1, D2 = date(2026, 9, 30), date(2026, 12, 31)
PRODUCED_BY = {D1: NIGHT, D2: LATER}              # the night that produces each reference date
NATIONAL = ("kredietbarometer_nationaal", "kredietbarometer_soort", "hypotheekbarometer_nationaal")
SUPPRESSED = {"kredietbarometer_gemeente": "gemeente_code", "kredietbarometer_leeftijd": "age_band",
              "hypotheekbarometer_gemeente": "gemeente_code", "hypotheekbarometer_leeftijd": "age_band"}
TOTAL_OF = {"persons_with_credit": "kredietbarometer_nationaal", "persons_in_arrears": "kredietbarometer_nationaal",
            "persons_mortgage_arrears_3m": "hypotheekbarometer_nationaal",
            "persons_residual_debt": "hypotheekbarometer_nationaal"}
TYPES = {c.name: {"str": pl.String, "int": pl.Int64, "date": pl.Date, "bool": pl.Boolean}[c.kind] for c in COLUMNS}


@dataclass
class Injected:
    """A hand-made delivery: where it goes, its rows, and which of its lines cki must reject."""

    night: date
    participant: str
    name: str
    rows: list[dict]
    rejected: set[int]                        # line numbers (1 = first data row)
    whole_file: bool = False
    extra_column: str | None = None


@dataclass
class World:
    gen: Path                                  # the generator's workspace (our copy of every delivery)
    run: Path                                  # cki's workspace
    reference: Reference
    min_cell_size: int
    first_history: dict[str, list[dict]]       # the 2026-09-30 rows as the night of 2026-10-01 published them
    injected: list[Injected]
    picks: dict                                # the generated contracts the hand-made deliveries are about
    errors_csv: dict[str, str]                 # the hand-made deliveries' errors.csv, as their night wrote it
    manifest: dict                             # the generator's counts

    @property
    def barometer(self) -> Path:
        return self.run / "outbox" / "barometer"


# ---------------------------------------------------------------- the workload


def _generate(gen: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate.py"), "--out", str(gen), "--contracts", str(CONTRACTS),
         "--seed", str(SEED), "--load-date", LOAD.isoformat(), "--night-date", NIGHT.isoformat()],
        capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((gen / "manifest.json").read_text(encoding="utf-8"))


def _picks(gen: Path) -> dict:
    """Contracts and addresses of the generated files the hand-made deliveries are about, chosen
    by SQL over the files (sorted by contract number, so the same every run)."""
    con = duckdb.connect()
    header = ";".join(TYPES)
    for path in [*gen.glob("inbox/*/*_INIT_*.csv"), *gen.glob("night/*/*_MUT_*.csv")]:
        with path.open(encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n") == header, f"{path.name}: not the generator's columns"
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in TYPES) + "}"
    for table, files in (("init", gen / "inbox/*/*_INIT_*.csv"), ("night", gen / "night/*/*_MUT_*.csv")):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{files}', delim=';', quote='\"', escape='\"', "
                    f"header=true, auto_detect=false, columns={columns})")
    con.execute(f"CREATE TABLE pc4 AS SELECT * FROM read_csv('{gen / 'pc4_gemeente.csv'}', delim=';', header=true, "
                "all_varchar=true)")

    def clean(participant: str, ctype: str, n: int, alone: bool = False) -> list[str]:
        """Running contracts of one borrower with nothing but their NEW, untouched by the night;
        ``alone``: the borrower has no other contract anywhere."""
        return [r[0] for r in con.execute("""
            WITH mine AS (SELECT * FROM init WHERE participant_code = $p),
            single AS (SELECT contract_number FROM mine GROUP BY contract_number HAVING count(*) = 1),
            persons AS (SELECT birth_surname, surname_prefix, initials, birth_date, count(*) AS n
                        FROM (SELECT * FROM init UNION ALL SELECT * FROM night) WHERE mutation_type = 'NEW'
                        GROUP BY ALL)
            SELECT m.contract_number FROM mine m JOIN single USING (contract_number)
            JOIN persons ps ON ps.birth_surname = m.birth_surname AND ps.initials = m.initials
                 AND ps.birth_date = m.birth_date AND ps.surname_prefix IS NOT DISTINCT FROM m.surname_prefix
            WHERE m.mutation_type = 'NEW' AND m.contract_type = $t AND m.event_date <= '2026-06-01'
              AND (NOT $alone OR ps.n = 1)
              AND m.contract_number NOT IN (SELECT contract_number FROM night WHERE participant_code = $p)
            ORDER BY m.contract_number LIMIT $n""", {"p": participant, "t": ctype, "n": n, "alone": alone}).fetchall()]

    ended = con.execute("""
        SELECT contract_number FROM init WHERE participant_code = 'BANK01' GROUP BY contract_number
        HAVING count(*) = 2 AND count(*) FILTER (WHERE mutation_type = 'END') = 1
           AND count(*) FILTER (WHERE mutation_type = 'NEW' AND contract_type = 'AK') = 1
        ORDER BY contract_number LIMIT 1""").fetchone()[0]
    moves = con.execute("""
        SELECT n.contract_number, coalesce(n.borrower_no, '1') AS borrower_no, i.postcode, i.house_number,
               i.house_number_suffix
        FROM night n JOIN init i ON i.participant_code = n.participant_code AND i.contract_number = n.contract_number
             AND i.mutation_type = 'NEW' AND coalesce(i.borrower_no, '1') = coalesce(n.borrower_no, '1')
        JOIN pc4 a ON a.pc4 = substr(i.postcode, 1, 4) JOIN pc4 b ON b.pc4 = substr(n.postcode, 1, 4)
        WHERE n.participant_code = 'BANK01' AND n.mutation_type = 'CHANGE' AND n.postcode IS NOT NULL
          AND n.event_date <= '2026-09-30' AND i.contract_type IN ('AK', 'RK', 'VK', 'OA')
          AND a.gemeente_code <> b.gemeente_code
          AND NOT EXISTS (SELECT 1 FROM init e WHERE e.participant_code = i.participant_code
                          AND e.contract_number = i.contract_number AND e.mutation_type = 'END')
        ORDER BY n.contract_number LIMIT 3""").fetchall()
    unknown_pc4 = con.execute("SELECT min(x) FROM range(1000, 10000) t(x) WHERE CAST(x AS VARCHAR) NOT IN "
                              "(SELECT pc4 FROM pc4)").fetchone()[0]
    known_pc4 = con.execute("SELECT min(pc4) FROM pc4").fetchone()[0]
    ak, rk = clean("BANK01", "AK", 6), clean("BANK01", "RK", 1)[0]
    alone = next(c for c in clean("BANK01", "RK", 2, alone=True) if c != rk)
    picks = {"arrears": ak[0], "too_early": ak[1], "future_end": ak[2], "h_without_a": ak[3],
             "half_move": ak[4], "late_arrears": ak[5], "end_on_d": rk, "deleted": alone, "ended": ended,
             "moves": moves, "bank02": clean("BANK02", "RK", 1)[0], "bank03": clean("BANK03", "AK", 1)[0],
             "unknown_pc4": f"{unknown_pc4} ZZ", "known_pc4": f"{known_pc4}AB"}
    assert len(moves) == 3 and len(set(ak)) == 6, picks
    return picks


def _new(p: str, number: str, on: str, surname: str, postcode: str, **fields: str) -> dict:
    return {"participant_code": p, "contract_number": number, "mutation_type": "NEW", "event_date": on,
            "contract_type": "AK", "amount": "5000", "theoretical_end_date": "2029-12-31", "borrower_no": "1",
            "birth_surname": surname, "initials": "D.F.", "gender": "V", "birth_date": "1984-02-29",
            "postcode": postcode, "house_number": "7", **fields}


def _record(p: str, number: str, kind: str, on: str, **fields: str) -> dict:
    return {"participant_code": p, "contract_number": number, "mutation_type": kind, "event_date": on, **fields}


def _injected(picks: dict) -> list[Injected]:
    b1 = "BANK01"
    a_on_d = _record(b1, picks["arrears"], "CODE", "2026-09-30", code="A", arrears_since="2026-07-01")
    night = [
        _new(b1, "DIFF-0001", "2026-09-30", "Verschilmaker", picks["unknown_pc4"]),              # starts on D1
        _new(b1, "DIFF-0002", "2026-09-20", "Afgewezen", picks["known_pc4"], amount="100"),      # OUT_OF_RANGE
        _record(b1, "DIFF-0002", "CODE", "2026-09-25", code="A", arrears_since="2026-07-01"),    # depends on 2
        a_on_d,
        dict(a_on_d),                                                                             # duplicate
        _record(b1, picks["too_early"], "CODE", "2026-09-28", code="A", arrears_since="2026-09-01"),
        _record(b1, picks["end_on_d"], "END", "2026-09-30", actual_end_date="2026-09-30"),
        _record(b1, picks["future_end"], "END", "2026-10-05", actual_end_date="2026-10-05"),
        _record(b1, "ONBEKEND-0001", "END", "2026-09-25", actual_end_date="2026-09-25"),
        _record(b1, picks["h_without_a"], "CODE", "2026-09-26", code="H"),
        _record(b1, picks["half_move"], "CHANGE", "2026-09-27", postcode=picks["known_pc4"]),  # no house number
        _new(b1, "DIFF-0003", "2026-10-01", "Morgenster", picks["known_pc4"]),                  # starts after D1
    ]
    header = [_new("BANK02", "DIFF-0004", "2026-09-29", "Verworpen", picks["known_pc4"]),
              _record("BANK02", picks["bank02"], "END", "2026-09-29", actual_end_date="2026-09-29")]
    later = [
        _record(b1, picks["late_arrears"], "CODE", "2026-09-15", code="A", arrears_since="2026-07-01"),  # LATE
        _record(b1, picks["deleted"], "DELETE", "2026-12-10"),
        *[_record(b1, number, "CHANGE", "2026-12-15", borrower_no=borrower, postcode=postcode,
                  house_number=house, house_number_suffix=suffix or "")
          for number, borrower, postcode, house, suffix in picks["moves"]],                     # back home
        _record(b1, picks["ended"], "CODE", "2026-12-01", code="A", arrears_since="2026-09-01"),
        _new(b1, "DIFF-0005", "2026-12-20", "Tienerkrediet", picks["known_pc4"], birth_date="2009-12-01"),
        _new(b1, "DIFF-0006", "2026-12-31", "Oudejaar", picks["known_pc4"]),                    # starts on D2
        _new(b1, "DIFF-0007", "2027-01-01", "Nieuwjaar", picks["known_pc4"]),                   # starts after D2
    ]
    sequence = [_record("BANK03", picks["bank03"], "END", "2026-12-01", actual_end_date="2026-12-01"),
                _new("BANK03", "DIFF-0008", "2026-12-01", "Volgorde", picks["known_pc4"])]
    return [
        Injected(NIGHT, b1, "BANK01_MUT_20261001_000003.csv", night, {2, 3, 5, 6, 8, 9, 10, 11}),
        Injected(NIGHT, "BANK02", "BANK02_MUT_20261001_000003.csv", header, {1, 2}, True, "opmerking"),
        Injected(LATER, b1, "BANK01_MUT_20270102_000004.parquet", later, {6, 7}),
        Injected(LATER, "BANK03", "BANK03_MUT_20270102_000002.csv", sequence, {1, 2}, True),  # FILE_SEQUENCE
    ]


def _write(delivery: Injected, folder: Path) -> Path:
    """The delivery as the participant would write it: every SPEC column, typed in Parquet."""
    path = folder / delivery.participant / delivery.name
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame([{c: (row.get(c) or None) for c in TYPES} for row in delivery.rows],
                         schema={c: pl.String for c in TYPES})
    if delivery.extra_column:
        frame = frame.with_columns(pl.lit("x").alias(delivery.extra_column))
    if path.suffix == ".parquet":
        typed = {pl.Boolean: lambda c: pl.col(c).str.to_lowercase() == "true",
                 pl.Date: lambda c: pl.col(c).str.to_date("%Y-%m-%d")}
        frame.with_columns(typed.get(t, lambda c, t=t: pl.col(c).cast(t))(c)
                           for c, t in TYPES.items()).write_parquet(path)
    else:
        frame.write_csv(path, separator=";", null_value="")
    return path


def _deliver(files: list[Path], source: Path, inbox: Path) -> None:
    for path in files:
        target = inbox / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def _night(run: Path, on: date) -> None:
    assert main(["run", "--config", str(run / "config.yaml"), "--date", on.isoformat()]) == 0


def published(folder: Path, name: str, on: date | None = None) -> list[dict]:
    """A published table as an analyst reads the CSV: every cell as text, empty = None."""
    rows = pl.read_csv(folder / f"{name}.csv", separator=";", infer_schema=False)
    return rows.filter(pl.col("peildatum") == str(on)).to_dicts() if on else rows.to_dicts()


SMALLEST_CHUNK = 5_000


@contextmanager
def chunks_it_can_finish() -> Iterator[None]:
    """This module's register has tens of thousands of contracts; in chunks of the suite's tiny
    ``CKI_CHUNK_RECORDS=2`` that is tens of thousands of chunks, hours of work. Its subject is
    the barometer figures, not the chunking (``test_chunked_night`` checks that tiny chunks and
    spills change nothing), so a smaller chunk or spill size is raised to SMALLEST_CHUNK here:
    the load still runs in several chunks and spills."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CKI_CHUNK_RECORDS", "CKI_SPILL_ROWS"):
            if int(os.environ.get(name, SMALLEST_CHUNK)) < SMALLEST_CHUNK:
                patch.setenv(name, str(SMALLEST_CHUNK))
        yield


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with chunks_it_can_finish():
        yield _world(tmp_path_factory)


def _world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("differential")
    gen, run, extra = root / "gen", root / "run", root / "extra"
    manifest = _generate(gen)
    picks = _picks(gen)
    injected = _injected(picks)
    run.mkdir()
    for name in ("config.yaml", "pc4_gemeente.csv"):
        shutil.copy2(gen / name, run / name)
    config = yaml.safe_load((gen / "config.yaml").read_text(encoding="utf-8"))
    extra_files = {d.name: _write(d, extra / d.night.isoformat()) for d in injected}
    delivered = {
        LOAD: sorted((gen / "inbox").rglob("*.*")),
        NIGHT: sorted((gen / "night").rglob("*.*")),
        LATER: [],
    }
    reference = Reference(gen / config["pc4_gemeente"], config["barometer"]["consumer_credit_types"])
    first_history, errors_csv = {}, {}
    for on, files in delivered.items():
        _deliver(files, gen / ("inbox" if on == LOAD else "night"), run / "inbox")
        mine = [extra_files[d.name] for d in injected if d.night == on]
        _deliver(mine, extra / on.isoformat(), run / "inbox")
        files += mine
        _night(run, on)
        reference.add_run(on, files, run / "outbox")
        for d in injected:
            errors = run / "outbox" / d.participant / f"{d.name.rsplit('.', 1)[0]}.errors.csv"
            if d.night == on:
                errors_csv[d.name] = errors.read_text(encoding="utf-8") if errors.exists() else "no errors.csv"
        if on == NIGHT:
            first_history = {name: published(run / "outbox" / "barometer", name, D1)
                             for name in (*NATIONAL, *SUPPRESSED)}
    return World(gen, run, reference, int(config["min_cell_size"]), first_history, injected, picks, errors_csv,
                 manifest)


# ---------------------------------------------------------------- the checks


def test_the_workload_holds_what_the_checks_rely_on(world: World) -> None:
    """The hand-made deliveries were judged as designed (so the reference has rejections to
    drop), and the person key the reference uses splits nobody and joins nobody."""
    for d in world.injected:
        got = world.reference.outcomes[(d.participant, d.name)]
        assert (got.whole_file, set(got.rejected_lines)) == (d.whole_file, set() if d.whole_file else d.rejected), \
            f"{d.name}: {world.errors_csv[d.name]}"
    assert world.reference.name_collisions(LATER) == []
    assert world.reference.unlinked_moves(LATER) == 0
    summary = world.reference.summary(LATER)
    manifest = world.manifest
    new_persons = {"Verschilmaker", "Morgenster", "Oudejaar", "Nieuwjaar"}     # accepted NEWs of new persons
    after_night = manifest["expected"]["after_night"]
    # the DELETE takes a contract, and its borrower, who had no other
    assert summary["persons"] == after_night["persons"] + len(new_persons) - 1
    assert summary["contracts"] == after_night["contracts"] + len(new_persons) - 1
    assert summary["files_rejected_whole"] == 2 and summary["records_rejected"] == 8 + 2 + 2 + 2


def test_the_reference_counts_the_hand_made_cases_as_designed(world: World) -> None:
    """The reference itself, on cases worked out by hand: starts and ends on, before and after
    a reference date, arrears reported on it, a late A, a DELETE, rejected records."""
    def consumer(on: date, through: date) -> dict[str, bool]:
        sql = world.reference.contracts_on(on, through) + " AND p = 'BANK01'"
        return dict(world.reference.con.execute(f"SELECT c, in_arrears FROM ({sql})").fetchall())

    d1, d1_later, d2 = consumer(D1, NIGHT), consumer(D1, LATER), consumer(D2, LATER)
    picks = world.picks
    assert d1["DIFF-0001"] is False and "DIFF-0003" not in d1 and "DIFF-0002" not in d1
    assert "DIFF-0003" in d2 and "DIFF-0006" in d2 and "DIFF-0007" not in d2 and "DIFF-0005" not in d2
    assert picks["end_on_d"] not in d1 and picks["future_end"] in d1 and picks["future_end"] in d2
    assert d1[picks["arrears"]] is True and d1[picks["too_early"]] is False and d1[picks["h_without_a"]] is False
    assert d1[picks["late_arrears"]] is False and d1_later[picks["late_arrears"]] is True
    assert d2[picks["late_arrears"]] is True
    assert picks["deleted"] in d1 and picks["deleted"] not in d2 and picks["ended"] not in d2
    onbekend = {on: next(r for r in world.reference.tables(on, PRODUCED_BY[on])["kredietbarometer_gemeente"]
                         if r["gemeente_code"] == "ONBEKEND") for on in (D1, D2)}
    assert onbekend[D1]["persons_with_credit"] == onbekend[D2]["persons_with_credit"] == 1   # Verschilmaker


@pytest.mark.parametrize("on", [D1, D2], ids=str)
def test_national_tables_agree_exactly(world: World, on: date) -> None:
    expected = world.reference.tables(on, PRODUCED_BY[on])
    for name in NATIONAL:
        assert published(world.barometer, name, on) == _as_text(expected[name]), name


def _cells(world: World, on: date, expected: dict[str, list[dict]]):
    """Per cell of the gemeente and age tables of ``on``: table, key, column, the published text
    (None when suppressed) and the true count of the delivered files (``expected``)."""
    for name, key in SUPPRESSED.items():
        rows, truth = published(world.barometer, name, on), expected[name]
        assert [r[key] for r in rows] == [t[key] for t in truth], f"{name}: the rows differ"
        for row, true in zip(rows, truth, strict=True):
            for column in [c for c in true if c in TOTAL_OF]:
                yield name, f"{row[key]} {row.get('gemeente_name') or ''}".strip(), column, row[column], true[column]


@pytest.mark.parametrize("on", [D1, D2], ids=str)
def test_every_small_cell_is_suppressed_and_the_rows_are_whole(world: World, on: date) -> None:
    """Every key on every date (every gemeente of the pc4 table and ONBEKEND, every age band),
    ``suppressed`` true exactly where a count is empty, no published count below
    ``min_cell_size``, and the true cells of each column add up to the national figure."""
    expected = world.reference.tables(on, PRODUCED_BY[on])
    for name, key in SUPPRESSED.items():
        rows, truth = published(world.barometer, name, on), expected[name]
        assert [(r[key], r.get("gemeente_name")) for r in rows] == [(t[key], t.get("gemeente_name")) for t in truth]
        counts = [c for c in truth[0] if c in TOTAL_OF]
        for row in rows:
            assert row["suppressed"] == ("true" if any(row[c] is None for c in counts) else "false"), (name, row)
        for column in counts:
            assert sum(t[column] for t in truth) == expected[TOTAL_OF[column]][0][column], (name, column)
    shown = [f"{name} {where} {column}: published {text}, the delivered files give {true}"
             for name, where, column, text, true in _cells(world, on, expected)
             if true < world.min_cell_size and text is not None]
    assert not shown, "\n".join(shown)


@pytest.mark.parametrize("on", [D1, D2], ids=str)
def test_every_published_cell_agrees(world: World, on: date) -> None:
    expected = world.reference.tables(on, PRODUCED_BY[on])
    wrong = [f"{name} {where} {column}: published {text}, the delivered files give {true}"
             for name, where, column, text, true in _cells(world, on, expected)
             if text is not None and text != str(true)]
    hint = world.reference.returned(on, PRODUCED_BY[on])
    assert not wrong, (f"{len(wrong)} cells differ on {on}:\n" + "\n".join(wrong[:40]) +
                       f"\n{len(hint)} counted persons live on {on} at a postcode they had reported before another"
                       f" they reported later (gemeente, postcode): {hint}")


@pytest.mark.parametrize("on", [D1, D2], ids=str)
def test_the_audit_finds_every_small_cell_protected(world: World, on: date) -> None:
    """What an analyst can work out from the published CSVs says nothing more about a small cell
    than that it lies between 0 and min(min_cell_size, its national figure)."""
    expected = world.reference.tables(on, PRODUCED_BY[on])
    intervals = audit_date(world.barometer, str(on))
    small = [(name, row[key], column) for name, key in SUPPRESSED.items() for row in expected[name]
             for column in row if column in TOTAL_OF and row[column] < world.min_cell_size]
    assert small, "the workload has no small cells to protect"
    weak = []
    for cell in small:
        if cell not in intervals:
            weak.append(f"{cell}: published")
            continue
        low, high = intervals[cell]
        need = min(world.min_cell_size, intervals.totals[cell])
        if low != 0 or high < need:
            weak.append(f"{cell}: the published tables bound it to [{low}, {high}], need [0, {need}]")
    assert not weak, "\n".join(weak)


def test_the_parquet_history_holds_the_csv_figures(world: World) -> None:
    for name in (*NATIONAL, *SUPPRESSED):
        frame = pl.read_parquet(world.barometer / f"{name}.parquet")
        as_text = frame.with_columns(
            pl.col(c).cast(pl.String).str.to_lowercase() if t == pl.Boolean else pl.col(c).cast(pl.String)
            for c, t in frame.schema.items())
        assert as_text.to_dicts() == published(world.barometer, name), name
        assert frame["peildatum"].unique().sort().to_list() == [D1, D2], name


def test_a_produced_date_keeps_what_the_register_knew_that_night(world: World) -> None:
    """The night of 2027-01-02 delivers an A dated 2026-09-15 (late): 2026-09-30 as then
    published stays, and differs from what the files known on 2027-01-02 would give."""
    for name, rows in world.first_history.items():
        assert published(world.barometer, name, D1) == rows, name
    then, now = world.reference.tables(D1, NIGHT), world.reference.tables(D1, LATER)
    assert then["kredietbarometer_soort"] != now["kredietbarometer_soort"]


def _as_text(rows: list[dict]) -> list[dict]:
    return [{k: str(v) for k, v in row.items()} for row in rows]
