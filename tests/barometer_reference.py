"""An independent reference for the barometers (SPEC 7): DuckDB SQL over the delivered files.

It never reads cki's register. It reads what participants delivered (our own copy of every
mutation file, taken before ``cki run`` moved it) and, per delivery, only what cki told the
participant about it: ``outbox/<P>/<NAME>.result.json`` (a ``file_error`` rejects the whole
file) and ``<NAME>.errors.csv`` (a row with ``severity`` ``ERROR`` rejects its ``line_no``,
1 = first data row; ``DEPENDS_ON_REJECTED`` rows are listed there too). The accepted records
are then counted for a reference date D, taking only the runs up to the one that produced D
(a night's history keeps what the register knew then):

- a contract runs on D when its NEW is dated on or before D and no END (nor code 3 with final
  discharge) has an ``actual_end_date`` on or before D; a DELETE erases what came before it;
- its arrears are open on D when an A dated on or before D is not followed by an H dated on or
  before D (order: date, then delivery order); the ``arrears_since`` that counts is the one of
  the first A after the last H (decision 11); a NEW that carries a code places it on its
  ``event_date`` (decision 4);
- a borrower is the person of a NEW row (``borrower_no`` 1 or 2), from that row's
  ``event_date``;
- a person is identified by normalised surname (prefix included) + birth date + normalised
  initials (SPEC 5.1, decision 14). That is the register's own NEW match key, and the bench
  generator builds its population unique on exactly that key and repeats a person's name
  fields verbatim in every row about them, so key = person there. ``name_collisions`` lists
  keys that two differently written names fall on, so a caller can check the assumption;
- the person's address on D is the postcode of their last report (a NEW, or a CHANGE of the
  contract and borrower they are linked to, carrying a postcode) dated on or before D, by
  (event_date, delivery order, line); the gemeente is the pc4 table's for the postcode's first
  four characters (spaces dropped, upper case), else ``ONBEKEND``; the age is the age on D.

Every table is computed with its full key grid and true (unsuppressed) counts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
UNKNOWN = ("ONBEKEND", "Onbekend")
MORTGAGE_TYPES = ("HY",)
RESIDUAL_TYPES = ("RH", "RN")
KIND_RANK = {"INIT": 0, "MUT": 1, "RAAD": 2}
NAME = re.compile(r"^[A-Z0-9]{3,12}_(?P<kind>MUT|INIT|RAAD)_\d{8}_(?P<seq>\d{6})\.(csv|parquet)$")
COLUMNS = ("participant_code", "contract_number", "mutation_type", "event_date", "contract_type", "amount",
           "theoretical_end_date", "borrower_no", "birth_surname", "surname_prefix", "initials", "gender",
           "birth_date", "postcode", "house_number", "house_number_suffix", "code", "arrears_since",
           "arrears_amount", "written_off_amount", "final_discharge", "actual_end_date")


@dataclass(frozen=True)
class Outcome:
    """What cki told the participant about one delivery."""

    whole_file: bool
    rejected_lines: frozenset[int]
    records: int


def outcome(con: duckdb.DuckDBPyConnection, outbox: Path, participant: str, name: str) -> Outcome:
    """The delivery's result.json and errors.csv (return files drop the input's extension)."""
    stem = name.rsplit(".", 1)[0]
    result = json.loads((outbox / participant / f"{stem}.result.json").read_text(encoding="utf-8"))
    if result.get("file_error"):
        return Outcome(True, frozenset(), int(result["records"]))
    lines = con.execute(
        "SELECT DISTINCT CAST(line_no AS BIGINT) FROM read_csv(?, delim=';', quote='\"', escape='\"', "
        "header=true, all_varchar=true) WHERE severity = 'ERROR'",
        [str(outbox / participant / f"{stem}.errors.csv")]).fetchall()
    return Outcome(False, frozenset(n for (n,) in lines), int(result["records"]))


class Reference:
    """The delivered files of every run, and the barometers they imply."""

    def __init__(self, pc4_csv: Path, consumer_types: list[str]) -> None:
        self.consumer_types = list(consumer_types)
        self.con = duckdb.connect()
        self.con.execute("SET threads TO 1")        # one thread: a CSV is scanned in file order
        self.con.execute("""CREATE TABLE deliveries (id INTEGER, run_date DATE, participant VARCHAR,
                            name VARCHAR, whole_file BOOLEAN, rows BIGINT)""")
        self.con.execute("CREATE TABLE rejected (delivery INTEGER, line_no BIGINT)")
        cols = ", ".join(f"{c} VARCHAR" for c in COLUMNS)
        self.con.execute(f"CREATE TABLE records (delivery INTEGER, line_no BIGINT, {cols})")
        self.con.execute(
            "CREATE TABLE pc4 AS SELECT DISTINCT ON (pc4) pc4, gemeente_code, gemeente_name FROM read_csv(?, "
            "delim=';', header=true, all_varchar=true) ORDER BY pc4", [str(pc4_csv)])
        self.con.execute(
            "CREATE TABLE gemeenten AS SELECT DISTINCT ON (gemeente_code) gemeente_code, gemeente_name FROM pc4 "
            "ORDER BY gemeente_code")
        self.next_id = 0
        self.outcomes: dict[tuple[str, str], Outcome] = {}      # (participant, file name) → what cki said

    # ------------------------------------------------------------------ input

    def add_run(self, run_date: date, delivered: list[Path], outbox: Path) -> None:
        """The mutation files delivered for the night of ``run_date`` (our copies, in any order:
        they are put in cki's order, per participant folder, kind and sequence), judged by what
        ``outbox`` returned for each. Call it right after that night: a later night may purge
        the return files."""
        def order(path: Path) -> tuple:
            m = NAME.match(path.name)
            assert m, f"{path.name} is not a delivery name"
            return (path.parent.name, KIND_RANK[m["kind"]], int(m["seq"]), path.name)

        for path in sorted(delivered, key=order):
            kind = NAME.match(path.name)["kind"]      # type: ignore[index]
            if kind == "RAAD":
                continue
            participant = path.parent.name
            result = outcome(self.con, outbox, participant, path.name)
            self.outcomes[(participant, path.name)] = result
            self.next_id += 1
            try:
                rows = self._read(path, self.next_id)
            except duckdb.Error:
                if not result.whole_file:               # cki read it, so must we
                    raise
                rows = None                             # rejected whole, and unreadable: counts nothing
            if not result.whole_file:
                assert rows == result.records, f"{path.name}: {rows} rows, cki counted {result.records} records"
            self.con.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?)",
                             [self.next_id, run_date, participant, path.name, result.whole_file, rows])
            if result.rejected_lines:
                self.con.executemany("INSERT INTO rejected VALUES (?, ?)",
                                     [[self.next_id, n] for n in sorted(result.rejected_lines)])

    def _read(self, path: Path, delivery: int) -> int:
        """Every data row of the file, as text, with its ``line_no``; returns how many."""
        if path.suffix == ".parquet":
            scan = (f"SELECT file_row_number + 1 AS line_no, * EXCLUDE (file_row_number) FROM read_parquet('{path}', "
                    "file_row_number=true)")
        else:
            scan = (f"SELECT row_number() OVER () AS line_no, * FROM read_csv('{path}', delim=';', quote='\"', "
                    "escape='\"', header=true, all_varchar=true)")
        present = [r[0] for r in self.con.execute(f"DESCRIBE {scan}").fetchall()]
        select = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in COLUMNS if c in present)
        self.con.execute(f"INSERT INTO records BY NAME SELECT {delivery} AS delivery, line_no, {select} "
                         f"FROM ({scan})")
        return self.con.execute("SELECT count(*) FROM records WHERE delivery = ?", [delivery]).fetchone()[0]

    # ------------------------------------------------------------------ facts

    def _accepted(self, through: date) -> str:
        """The accepted records of the runs up to ``through``, typed, with their delivery order."""
        return f"""
        SELECT r.participant_code AS p, r.contract_number AS c, r.mutation_type AS mt,
               CAST(r.event_date AS DATE) AS event_date, r.contract_type AS contract_type,
               coalesce(CAST(r.borrower_no AS INTEGER), 1) AS borrower_no,
               r.birth_surname, r.surname_prefix, r.initials, CAST(r.birth_date AS DATE) AS birth_date,
               upper(replace(r.postcode, ' ', '')) AS postcode, r.code,
               CAST(r.arrears_since AS DATE) AS arrears_since, CAST(r.actual_end_date AS DATE) AS actual_end_date,
               lower(r.final_discharge) = 'true' AS final_discharge,
               CAST(d.id AS BIGINT) * 100000000 + r.line_no AS ord
        FROM records r JOIN deliveries d ON d.id = r.delivery
        WHERE d.run_date <= DATE '{through}' AND NOT d.whole_file
          AND NOT EXISTS (SELECT 1 FROM rejected x WHERE x.delivery = r.delivery AND x.line_no = r.line_no)
        """

    def _live(self, through: date) -> str:
        """Accepted records minus everything a later DELETE of the same contract erased."""
        return f"""
        WITH acc AS ({self._accepted(through)}),
        deleted AS (SELECT p, c, max(ord) AS upto FROM acc WHERE mt = 'DELETE' GROUP BY p, c)
        SELECT acc.* FROM acc LEFT JOIN deleted USING (p, c) WHERE deleted.upto IS NULL OR acc.ord > deleted.upto
        """

    @staticmethod
    def _person_key(prefix: str = "") -> str:
        def letters(text: str) -> str:
            return f"regexp_replace(lower(strip_accents({text})), '[^a-z]', '', 'g')"
        surname = letters(f"coalesce({prefix}surname_prefix, '') || coalesce({prefix}birth_surname, '')")
        initials = letters(f"coalesce({prefix}initials, '')")
        return f"({surname} || '|' || CAST({prefix}birth_date AS VARCHAR) || '|' || {initials})"

    def name_collisions(self, through: date) -> list[tuple]:
        """Person keys that differently written name fields fall on (should be none here)."""
        return self.con.execute(f"""
            WITH acc AS ({self._accepted(through)})
            SELECT {self._person_key()} AS pkey, count(DISTINCT (birth_surname, coalesce(surname_prefix, ''),
                   initials)) AS spellings
            FROM acc WHERE birth_surname IS NOT NULL GROUP BY ALL HAVING spellings > 1""").fetchall()

    def unlinked_moves(self, through: date) -> int:
        """CHANGE rows with a postcode whose contract and borrower have no NEW, or whose own name
        fields (when given) are not the linked borrower's: they would be placed on nobody, or on
        the wrong person (should be none here)."""
        return self.con.execute(f"""
            WITH live AS ({self._live(through)}),
            links AS (SELECT DISTINCT p, c, borrower_no, {self._person_key()} AS pkey FROM live WHERE mt = 'NEW')
            SELECT count(*) FROM live LEFT JOIN links USING (p, c, borrower_no)
            WHERE live.mt = 'CHANGE' AND live.postcode IS NOT NULL
              AND (links.pkey IS NULL OR (live.birth_surname IS NOT NULL
                                          AND {self._person_key("live.")} <> links.pkey))""").fetchone()[0]

    def _contracts_cte(self, on: date, through: date) -> str:
        """CTEs ending in ``counted``: the contracts running on ``on``, with open arrears and since when."""
        d = f"DATE '{on}'"
        return f"""
        live AS ({self._live(through)}),
        contracts AS (
            SELECT p, c, min(event_date) AS start_date,
                   min(contract_type) FILTER (WHERE contract_type IS NOT NULL) AS contract_type
            FROM live WHERE mt = 'NEW' GROUP BY p, c),
        ended AS (
            SELECT p, c, min(actual_end_date) AS end_date FROM live
            WHERE actual_end_date IS NOT NULL AND (mt = 'END' OR (mt = 'CODE' AND code = '3' AND final_discharge))
            GROUP BY p, c),
        running AS (
            SELECT contracts.* FROM contracts LEFT JOIN ended USING (p, c)
            WHERE start_date <= {d} AND (end_date IS NULL OR end_date > {d})),
        ah AS (
            SELECT p, c, code, arrears_since,
                   row_number() OVER (PARTITION BY p, c ORDER BY event_date, ord) AS n
            FROM live WHERE mt IN ('NEW', 'CODE') AND code IN ('A', 'H') AND event_date <= {d}),
        last_h AS (SELECT p, c, max(n) FILTER (WHERE code = 'H') AS h FROM ah GROUP BY p, c),
        arrears AS (
            SELECT ah.p, ah.c, arg_min(arrears_since, n) AS since FROM ah LEFT JOIN last_h USING (p, c)
            WHERE code = 'A' AND n > coalesce(h, 0) GROUP BY ah.p, ah.c),
        counted AS (
            SELECT running.*, arrears.since IS NOT NULL AS in_arrears, arrears.since
            FROM running LEFT JOIN arrears USING (p, c))"""

    def contracts_on(self, on: date, through: date) -> str:
        """SQL: the running consumer contracts on ``on`` and whether their arrears are open."""
        return (f"WITH {self._contracts_cte(on, through)}\n"
                f"SELECT * FROM counted WHERE contract_type IN ({_listed(self.consumer_types)})")

    def persons_on(self, on: date, through: date) -> str:
        """SQL: per person with anything to count on ``on``: flags, postcode, gemeente and age band."""
        return f"WITH {self._persons_cte(on, through)}\nSELECT * FROM placed"

    def _persons_cte(self, on: date, through: date) -> str:
        """CTEs ending in ``placed``: the counted persons of ``on`` with their flags and where
        they lived; ``reports`` holds every address report of a person."""
        d = f"DATE '{on}'"
        consumer = _listed(self.consumer_types)
        bands = " ".join(f"WHEN age >= {int(b[:2])} THEN '{b}'" for b in reversed(AGE_BANDS))
        return f"""
        {self._contracts_cte(on, through)},
        links AS (
            SELECT DISTINCT p, c, borrower_no, {self._person_key()} AS pkey, birth_date, event_date AS valid_from
            FROM live WHERE mt = 'NEW'),
        flags AS (
            SELECT pkey, any_value(birth_date) AS birth_date,
                   bool_or(contract_type IN ({consumer})) AS credit,
                   bool_or(contract_type IN ({consumer}) AND in_arrears) AS arrears,
                   bool_or(contract_type IN ({_listed(MORTGAGE_TYPES)}) AND in_arrears
                           AND since + INTERVAL 3 MONTH <= {d}) AS mortgage_arrears_3m,
                   bool_or(contract_type IN ({_listed(RESIDUAL_TYPES)})) AS residual_debt
            FROM counted JOIN links USING (p, c) WHERE links.valid_from <= {d} GROUP BY pkey),
        reports AS (
            SELECT {self._person_key()} AS pkey, postcode, event_date, ord FROM live
            WHERE mt = 'NEW' AND postcode IS NOT NULL
            UNION ALL
            SELECT links.pkey, live.postcode, live.event_date, live.ord FROM live
            JOIN (SELECT DISTINCT p, c, borrower_no, pkey FROM links) AS links USING (p, c, borrower_no)
            WHERE live.mt = 'CHANGE' AND live.postcode IS NOT NULL),
        address AS (
            SELECT pkey, arg_max(postcode, (event_date, ord)) AS postcode FROM reports
            WHERE event_date <= {d} GROUP BY pkey),
        people AS (
            SELECT flags.*, address.postcode,
                   year({d}) - year(birth_date)
                   - CASE WHEN month(birth_date) * 100 + day(birth_date) > {on.month * 100 + on.day}
                          THEN 1 ELSE 0 END AS age
            FROM flags LEFT JOIN address USING (pkey)),
        placed AS (
            SELECT people.*, CASE {bands} END AS age_band,
                   coalesce(pc4.gemeente_code, '{UNKNOWN[0]}') AS gemeente_code,
                   coalesce(pc4.gemeente_name, '{UNKNOWN[1]}') AS gemeente_name
            FROM people LEFT JOIN pc4 ON pc4.pc4 = substr(people.postcode, 1, 4))"""

    def returned(self, on: date, through: date) -> list[tuple[str, str]]:
        """Per counted person whose postcode on ``on`` they had first reported before another
        one they reported later (on or before ``on``: a move back, or an old address reported
        again after a move), their gemeente and postcode on ``on``. Dating each address by its
        first report would put these persons at the other address."""
        return sorted((g, pc) for _, g, pc in self.con.execute(f"""
            WITH {self._persons_cte(on, through)},
            first_seen AS (SELECT pkey, postcode, min(event_date) AS since FROM reports
                           WHERE event_date <= DATE '{on}' GROUP BY pkey, postcode)
            SELECT DISTINCT placed.pkey, placed.gemeente_code, placed.postcode FROM placed
            JOIN first_seen here ON here.pkey = placed.pkey AND here.postcode = placed.postcode
            JOIN first_seen other ON other.pkey = placed.pkey AND other.postcode <> placed.postcode
            WHERE other.since > here.since""").fetchall())

    # ------------------------------------------------------------------ tables

    def tables(self, on: date, through: date) -> dict[str, list[dict]]:
        """The seven tables of ``on`` as the runs up to ``through`` knew it, every key, true counts."""
        q = self.con.execute
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE people AS {self.persons_on(on, through)}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE consumer AS {self.contracts_on(on, through)}")
        missing = q("SELECT count(*) FROM people WHERE postcode IS NULL").fetchone()[0]
        assert missing == 0, f"{missing} counted persons without an address dated on or before {on}"
        minors = q("SELECT count(*) FROM people WHERE age_band IS NULL").fetchone()[0]
        assert minors == 0, f"{minors} counted persons under 18 on {on}: no age band of SPEC 7 holds them"
        day = str(on)

        def rows(sql: str) -> list[dict]:
            cur = q(sql)
            names = [c[0] for c in cur.description]
            return [{"peildatum": day, **dict(zip(names, r, strict=True))} for r in cur.fetchall()]

        n = "CAST(count(*) FILTER (WHERE {}) AS BIGINT)"
        credit = f"{n.format('credit')} AS persons_with_credit, {n.format('arrears')} AS persons_in_arrears"
        mortgage = (f"{n.format('mortgage_arrears_3m')} AS persons_mortgage_arrears_3m, "
                    f"{n.format('residual_debt')} AS persons_residual_debt")
        places = (f"SELECT gemeente_code, gemeente_name FROM gemeenten UNION ALL "
                  f"SELECT '{UNKNOWN[0]}', '{UNKNOWN[1]}'")
        bands = "SELECT * FROM (VALUES " + ", ".join(f"('{b}', {i})" for i, b in enumerate(AGE_BANDS)) + \
            ") v(age_band, i)"

        def by(key: str, grid: str, counts: str, order: str) -> list[dict]:
            names = [c.rsplit(" AS ", 1)[1].strip() for c in counts.split(", ")]
            pick = ", ".join(f"coalesce(x.{c}, 0) AS {c}" for c in names)
            keys = "g.gemeente_code, g.gemeente_name" if key == "gemeente_code" else "g.age_band"
            return rows(f"SELECT {keys}, {pick} FROM ({grid}) g LEFT JOIN "
                        f"(SELECT {key}, {counts} FROM people GROUP BY {key}) x USING ({key}) ORDER BY {order}")

        types = ", ".join(f"('{t}')" for t in self.consumer_types)
        return {
            "kredietbarometer_nationaal": rows(
                f"SELECT {credit}, (SELECT CAST(count(*) AS BIGINT) FROM consumer) AS contracts FROM people"),
            "kredietbarometer_soort": rows(
                f"SELECT t.contract_type, CAST(count(k.c) AS BIGINT) AS contracts, "
                f"CAST(count(*) FILTER (WHERE k.in_arrears) AS BIGINT) AS contracts_in_arrears "
                f"FROM (VALUES {types}) t(contract_type) LEFT JOIN consumer k USING (contract_type) "
                f"GROUP BY t.contract_type ORDER BY t.contract_type"),
            "kredietbarometer_gemeente": by("gemeente_code", places, credit, "g.gemeente_code"),
            "kredietbarometer_leeftijd": by("age_band", bands, credit, "g.i"),
            "hypotheekbarometer_nationaal": rows(f"SELECT {mortgage} FROM people"),
            "hypotheekbarometer_gemeente": by("gemeente_code", places, mortgage, "g.gemeente_code"),
            "hypotheekbarometer_leeftijd": by(
                "age_band", bands, f"{n.format('mortgage_arrears_3m')} AS persons_mortgage_arrears_3m", "g.i"),
        }

    def summary(self, through: date) -> dict[str, int]:
        """How much the runs up to ``through`` delivered, and how much cki rejected."""
        q = self.con.execute
        files, whole, rows, whole_rows = q(
            f"SELECT count(*), count(*) FILTER (WHERE whole_file), sum(rows), coalesce(sum(rows) FILTER "
            f"(WHERE whole_file), 0) FROM deliveries WHERE run_date <= DATE '{through}'").fetchone()
        rejected_lines = q(f"SELECT count(*) FROM rejected JOIN deliveries d ON d.id = delivery "
                           f"WHERE d.run_date <= DATE '{through}'").fetchone()[0]
        contracts, persons = q(f"""
            WITH live AS ({self._live(through)})
            SELECT count(DISTINCT (p, c)) FILTER (WHERE mt = 'NEW'),
                   count(DISTINCT {self._person_key()}) FILTER (WHERE mt = 'NEW') FROM live""").fetchone()
        return {"files": files, "files_rejected_whole": whole, "records": int(rows),
                "records_rejected": rejected_lines + int(whole_rows), "contracts": contracts, "persons": persons}


def _listed(values) -> str:
    return ", ".join(f"'{v}'" for v in values)
