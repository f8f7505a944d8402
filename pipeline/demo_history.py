"""Earlier nights for `cki demo`: sixteen months of deliveries, so the barometers have a trend.

A barometer (SPEC 7) is produced per reference date by the first night after it, from the register
as it stood on that date, from the first quarter end on or after the register's first run. One
demo night has no past, so `cki demo` first runs a night a month for the 16 months before its run
date (all dates relative to it): at least five quarter ends are then produced. This module makes
those nights' deliveries. Three participants that exist only for the history (BANK2, KREDIET2,
LEASE2) load an INIT portfolio on the first night and deliver one MUT file on every later one, so
the run date's own deliveries (`demo_data`) and their sequence numbers stay exactly as they are.

About 2,000 persons with 2,500 contracts, most of them in Amsterdam, Rotterdam, 's-Gravenhage
and Utrecht (counts at or above `min_cell_size`), some in smaller gemeenten (suppressed) and a
few at a postcode the pc4 table lacks (gemeente ONBEKEND), aged 20 to 85 on the run date. Month
by month: new credits, arrears (A) arising and recovering (H), ends, mortgages (HY, registered
only with their arrears), residual debts (RH, RN), moves, joint contracts. Every record is meant
to be accepted: the rules of `contracts_schema` hold by construction (a MUT event lies 1 to 27
days before its night, an A only after its type's period, an H only after an A, an END last),
and an event that cannot meet them (an A whose period has not passed by the last night) is left
out. Everything is drawn with Polars from one seed, column by column, so a run date always gives
the same files.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from contracts_schema.codes import CONTRACT_TYPES
from pipeline.demo_data import PC4_GEMEENTE, PERSONS, write_frame
from pipeline.night import NightResult

SEED = 1_000_003
MONTHS = 16                       # nights at 16, 15, ..., 1 months before the run date
LAST = MONTHS - 1                 # index of the last history night; night 0 is the INIT
N_OWN, N_PARTNERS, N_CONTRACTS = 1_850, 350, 2_500
WINDOW = 27                       # a MUT event lies 1 to 27 days before its night (deadline 28)
TYPE_WEIGHTS = {"AK": 33, "RK": 27, "OA": 15, "HY": 7, "RH": 9, "RN": 9}
PARTICIPANT_OF = {"AK": ("BANK2", "KREDIET2"), "RK": ("BANK2", "KREDIET2"), "OA": ("LEASE2",),
                  "HY": ("BANK2",), "RH": ("BANK2",), "RN": ("BANK2",)}
NUMBER_PREFIX = {"BANK2": "B2", "KREDIET2": "KR", "LEASE2": "L2"}
AMOUNT_STEPS = {"AK": (10, 600, 100), "RK": (2, 50, 500), "OA": (80, 500, 100),
                "RH": (20, 700, 100), "RN": (20, 700, 100)}           # (low, high) times step, EUR
END_DATE_SHARE = {"AK": 1.0, "OA": 0.7, "RH": 0.5, "RN": 0.5}       # share with a theoretical end
INIT_SHARE = 0.6                  # contracts already running on the first night
JOINT_SHARE = {"AK": 0.10, "HY": 0.35, "RH": 0.30, "RN": 0.30}
ARREARS_SHARE = {"AK": 0.22, "RK": 0.24, "OA": 0.10, "HY": 1.0, "RH": 0.22, "RN": 0.16}
RECOVERY_SHARE = {"AK": 0.40, "RK": 0.40, "OA": 0.45, "HY": 0.35, "RH": 0.35, "RN": 0.40}
END_SHARE = {"AK": 0.15, "RK": 0.15, "OA": 0.12, "HY": 0.15, "RH": 0.10, "RN": 0.10}
MOVE_SHARE = 0.08
MORTGAGE_MIN_AGE = 28
ARREARS_DAYS = {t.code: t.arrears_days for t in CONTRACT_TYPES}
RK_ARREARS_SHARE = next(t.arrears_min_share for t in CONTRACT_TYPES if t.code == "RK")
RK_ARREARS_MIN = next(t.arrears_min_amount for t in CONTRACT_TYPES if t.code == "RK")
HY = pl.col("contract_type") == "HY"
PERIOD = pl.col("contract_type").replace_strict(ARREARS_DAYS)      # days before an A may be reported
IN_INIT = pl.col("ka") == 0                                        # the A is in the INIT

# Surnames not used by demo_data's persons, so no history person is one of theirs.
SURNAMES = [(s, p) for s, p in [
    ("Janssen", None), ("Boer", "de"), ("Vos", None), ("Leeuwen", "van"), ("Meer", "van der"),
    ("Wit", "de"), ("Smits", None), ("Lange", "de"), ("Haan", "de"), ("Brink", "van den"),
    ("Koster", None), ("Prins", None), ("Huisman", None), ("Kramer", None), ("Schouten", None),
    ("Postma", None), ("Vink", None), ("Wijk", "van"), ("Veen", "van der"), ("Maas", None),
    ("Verhoeven", None), ("Yılmaz", None), ("Öztürk", None), ("Bouzid", None), ("Nguyen", None),
    ("Hoek", "van der"), ("Wal", "van der"), ("Laan", "van der"), ("Groot", "de"), ("Bruijn", "de"),
    ("Koning", "de"), ("Bosch", "van den"), ("Dam", "van"), ("Sanders", None), ("Timmermans", None),
    ("Jacobs", None), ("Gerritsen", None), ("Kaya", None), ("Şahin", None), ("Ramdin", None),
    ("Lambrechts", None), ("Mertens", None), ("Scholten", None), ("Wouters", None), ("Bennani", None),
] if s not in {person[0] for person in PERSONS.values()}]
INITIALS = list("JAMHPCWERSTLGDKNBFIY")
LETTERS = "ABCDEGHJKLMNPRTVWXZ"
AGE_BAND_WEIGHTS = [(20, 24, 5), (25, 34, 10), (35, 44, 11), (45, 54, 11), (55, 64, 9), (65, 74, 6),
                    (75, 84, 3)]                         # ages on the run date, weight per year
GEMEENTE_WEIGHTS = {"Amsterdam": 52, "Rotterdam": 40, "'s-Gravenhage": 32, "Utrecht": 24,
                    "Eindhoven": 8, "Groningen": 6, "Arnhem": 4, "Nijmegen": 4, "Haarlem": 3}
OTHER_GEMEENTE_WEIGHT = 1
UNKNOWN_PC4 = {"1441": 1, "7001": 1}                    # Purmerend, Doetinchem: not in the demo table


class Dice:
    """Seeded draws as Polars Series; every call takes the next seed, so the draws are fixed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def ints(self, n: int, low: int, high: int) -> pl.Series:
        """n whole numbers from low to high inclusive."""
        self.seed += 1
        return pl.int_range(low, high + 1, eager=True).sample(n, with_replacement=True, seed=self.seed)

    def choice(self, values: list, n: int, weights: list[int] | None = None) -> pl.Series:
        """n of values, each as often as its whole-number weight says."""
        pool = pl.DataFrame({"i": range(len(values)), "w": weights or [1] * len(values)})
        index = pool.select(pl.col("i").repeat_by("w")).explode("i")["i"]
        self.seed += 1
        picked = index.sample(n, with_replacement=True, seed=self.seed)
        return pl.Series(values).gather(picked)


def draws(dice: Dice, frame: pl.DataFrame, **ranges: tuple[int, int]) -> pl.DataFrame:
    """frame with a column of seeded whole numbers per name, from (low, high) inclusive."""
    return frame.with_columns(dice.ints(frame.height, lo, hi).alias(name) for name, (lo, hi) in ranges.items())


def chance(draw: str, shares: dict[str, float]) -> pl.Expr:
    """True with the contract type's share, from a draw column of 0 to 999."""
    return pl.col(draw) < pl.col("contract_type").replace_strict(shares, default=0.0) * 1000


def days(column: str | pl.Expr) -> pl.Expr:
    return pl.duration(days=pl.col(column) if isinstance(column, str) else column)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier; the 31st becomes the month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def history_nights(run_date: date) -> list[date]:
    """The run dates of the history: one a month, the last a month before the run date."""
    return [months_before(run_date, m) for m in range(MONTHS, 0, -1)]


class Timeline:
    """Dates of the history nights for expressions: night k's date, and a day in its window."""

    def __init__(self, nights: list[date], run_date: date) -> None:
        self.nights, self.run_date = nights, run_date
        self.first = pl.lit(nights[0])

    def night(self, k: pl.Expr) -> pl.Expr:
        return k.replace_strict(dict(enumerate(self.nights)), default=None, return_dtype=pl.Date)

    def window(self, k: str, offset: str) -> pl.Expr:
        """A day `offset` (1 to WINDOW) days before night k: on time for that night's MUT."""
        return self.night(pl.col(k)) - days(offset)


# Persons ------------------------------------------------------------------------------------

def addresses(dice: Dice, n: int) -> pl.DataFrame:
    """n addresses, most in the big four gemeenten, a few at a pc4 the demo table lacks."""
    counts = pl.DataFrame(PC4_GEMEENTE, schema=["pc4", "code", "name"], orient="row")["name"].value_counts()
    per_pc4 = dict(zip(counts["name"], counts["count"], strict=True))
    weight = {pc4: 12 * GEMEENTE_WEIGHTS.get(name, OTHER_GEMEENTE_WEIGHT) // per_pc4[name]
              for pc4, _, name in PC4_GEMEENTE}
    weight |= {pc4: 12 * w for pc4, w in UNKNOWN_PC4.items()}
    pairs = [a + b for a in LETTERS for b in LETTERS if a + b not in ("SA", "SD", "SS")]
    pc4 = dice.choice(list(weight), n, list(weight.values()))
    return pl.DataFrame({
        "postcode": pc4 + dice.choice(pairs, n),
        "house_number": dice.ints(n, 1, 240),
        "house_number_suffix": dice.choice([None] * 16 + ["A", "B", "1", "2", "bis"], n),
    })


def names(dice: Dice, n: int) -> pl.DataFrame:
    """Surname, prefix, one to three initials and gender."""
    surname = dice.choice(list(range(len(SURNAMES))), n)
    count, parts = dice.ints(n, 1, 3), [dice.choice(INITIALS, n) + "." for _ in range(3)]
    initials = pl.concat_str(parts[0], pl.when(count >= 2).then(parts[1]), pl.when(count >= 3).then(parts[2]),
                             ignore_nulls=True)
    return pl.DataFrame({
        "birth_surname": pl.Series([s for s, _ in SURNAMES]).gather(surname),
        "surname_prefix": pl.Series([p for _, p in SURNAMES], dtype=pl.String).gather(surname),
        "initials": pl.select(initials).to_series(),
        "gender": dice.choice(["M", "V", "X"], n, [99, 99, 2]),
    })


def birth_dates(dice: Dice, n: int, run_date: date) -> pl.Series:
    """Ages 20 to 85 on the run date, most between 25 and 65: 18 or older on the first night."""
    ages = [(age, w) for lo, hi, w in AGE_BAND_WEIGHTS for age in range(lo, hi + 1)]
    age = dice.choice([a for a, _ in ages], n, [w for _, w in ages])
    before = age * 365 + age // 4 + dice.ints(n, 0, 364)
    return pl.select(pl.lit(run_date) - pl.duration(days=pl.lit(before))).to_series().alias("birth_date")


def persons(dice: Dice, n: int, run_date: date) -> pl.DataFrame:
    """n distinct persons (surname, prefix, initials and birth date differ), numbered from 0."""
    drawn = int(n * 1.2)
    frame = pl.concat([names(dice, drawn), birth_dates(dice, drawn, run_date).to_frame(),
                       addresses(dice, drawn)], how="horizontal")
    key = ["birth_surname", "surname_prefix", "initials", "birth_date"]
    unique = frame.unique(key, keep="first", maintain_order=True).head(n)
    return unique.with_row_index("person", offset=0).with_columns(pl.col("person").cast(pl.Int64))


# Contracts ----------------------------------------------------------------------------------

def contracts(dice: Dice, people: pl.DataFrame, run_date: date) -> pl.DataFrame:
    """N_CONTRACTS contracts: every own person has one, some more; a type (a mortgage only for a
    holder of MORTGAGE_MIN_AGE or more: a younger one's becomes an AK), a lender, a number."""
    n = N_CONTRACTS
    holder = pl.concat([pl.int_range(N_OWN, eager=True, dtype=pl.Int64),
                        dice.ints(n - N_OWN, 0, N_OWN - 1).cast(pl.Int64)])
    frame = pl.DataFrame({"person": holder, "contract_type": dice.choice(list(TYPE_WEIGHTS), n,
                                                                         list(TYPE_WEIGHTS.values()))})
    frame = frame.join(people.select("person", "birth_date"), on="person", how="left", maintain_order="left")
    young = pl.col("birth_date") > months_before(run_date, 12 * MORTGAGE_MIN_AGE)
    ctype = pl.when((pl.col("contract_type") == "HY") & young).then(pl.lit("AK")).otherwise("contract_type")
    return with_partners(dice, with_lenders(dice, frame.with_columns(ctype.alias("contract_type"))), people)


def with_lenders(dice: Dice, frame: pl.DataFrame) -> pl.DataFrame:
    """The participant of each contract (AK and RK at BANK2 or KREDIET2) and its contract number."""
    frame = draws(dice, frame, lender=(0, 1))
    first = pl.col("contract_type").replace_strict({t: p[0] for t, p in PARTICIPANT_OF.items()})
    other = pl.col("contract_type").replace_strict({t: p[-1] for t, p in PARTICIPANT_OF.items()})
    frame = frame.with_columns(pl.when(pl.col("lender") == 0).then(first).otherwise(other).alias("participant"))
    number = pl.concat_str(pl.col("participant").replace_strict(NUMBER_PREFIX), pl.lit("-"), "contract_type",
                           pl.lit("-"), pl.int_range(pl.len()).cast(pl.String).str.zfill(6))
    return frame.with_columns(number.alias("contract_number"))


def with_partners(dice: Dice, frame: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """A share of the contracts gets a second borrower, one partner person each, of about the
    holder's age: the joint holders and the partners are matched by their rank in age."""
    frame = draws(dice, frame, u_joint=(0, 999)).with_columns(chance("u_joint", JOINT_SHARE).alias("joint"))
    pool = (people.filter(pl.col("person") >= N_OWN).sort("birth_date", "person").with_row_index("slot")
            .select(pl.col("slot").cast(pl.Int64), pl.col("person").alias("partner"),
                    pl.col("birth_date").alias("partner_birth")))
    rank = pl.col("birth_date").rank("ordinal").over("joint").cast(pl.Int64) - 1
    slot = pl.when("joint").then(rank * pool.height // max(int(frame["joint"].sum()), 1))
    return frame.with_columns(slot.alias("slot")).join(pool, on="slot", how="left", maintain_order="left")


def starts(dice: Dice, frame: pl.DataFrame, dates: Timeline) -> pl.DataFrame:
    """The night of each NEW (0: the INIT) and its start date: an INIT contract's start lies up to
    seven years back, but never before both borrowers were 18."""
    frame = draws(dice, frame, u_init=(0, 999), k_new=(1, LAST), off_new=(1, WINDOW),
                  back=(150, 2_600), back_hy=(30, 700))
    k = pl.when(pl.col("u_init") < INIT_SHARE * 1000).then(0).otherwise(pl.col("k_new"))
    back = pl.when(pl.col("contract_type") == "HY").then("back_hy").otherwise("back")
    adult = pl.max_horizontal("birth_date", "partner_birth").dt.offset_by("18y") + pl.duration(days=1)
    start = pl.when(pl.col("ks") == 0).then(dates.first - days(back)).otherwise(dates.window("ks", "off_new"))
    return frame.with_columns(k.alias("ks")).with_columns(pl.max_horizontal(start, adult).alias("start"))


def amounts(dice: Dice, frame: pl.DataFrame, dates: Timeline) -> pl.DataFrame:
    """Amount per type (none for HY) and a theoretical end date where the type has one, after the
    run date, so no contract outlives its end date unreported."""
    frame = draws(dice, frame, u_amount=(0, 999), u_end=(0, 999), term=(365, 3_650), beyond=(30, 1_500))
    low, high, step = (pl.col("contract_type").replace_strict({t: s[i] for t, s in AMOUNT_STEPS.items()},
                                                             default=None) for i in range(3))
    amount = (low + (pl.col("u_amount") * (high - low + 1)) // 1000) * step
    left = (pl.lit(dates.run_date) - pl.col("start")).dt.total_days() + pl.col("beyond")
    end = pl.col("start") + days(pl.max_horizontal("term", left))
    return frame.with_columns(amount.alias("amount"),
                              pl.when(chance("u_end", END_DATE_SHARE)).then(end).alias("theoretical_end_date"))


def arrears(dice: Dice, frame: pl.DataFrame, dates: Timeline) -> pl.DataFrame:
    """Code A: on the NEW for a mortgage (arrears 120 to 420 days old), else some nights after
    the start, or already in the INIT; kept only where the type's period has passed by then."""
    frame = draws(dice, frame, u_a=(0, 999), ka_init=(-8, LAST), gap=(4, 12), off_a=(1, WINDOW),
                  since_after=(1, 400), wait=(0, 90), since_back=(0, 45), hy_back=(120, 420))
    frame = (frame.with_columns(arrears_night().alias("ka")).with_columns(arrears_day(dates).alias("e_a"))
             .with_columns(arrears_since().alias("since")))
    ok = (chance("u_a", ARREARS_SHARE) & (pl.col("ka") <= LAST) & (pl.col("e_a") - pl.col("since") >= days(PERIOD))
          & (HY | (pl.col("since") > pl.col("start"))) & ((pl.col("ka") > 0) | (pl.col("e_a") < dates.first)))
    return keep_if(frame, ok, ["ka", "e_a", "since"]).pipe(arrears_amounts, dice)


def arrears_night() -> pl.Expr:
    """A mortgage's A is on its NEW; an INIT contract's may be in the INIT (night 0) or later;
    a new contract's comes 4 to 12 nights after its start."""
    later = pl.col("ks") + pl.col("gap")
    return pl.when(HY).then("ks").when(pl.col("ks") == 0).then(pl.col("ka_init").clip(0)).otherwise(later)


def arrears_day(dates: Timeline) -> pl.Expr:
    """The A's event date: the mortgage's start, in the INIT the period after the arrears arose, else
    a day in the night's window."""
    in_init = pl.col("start") + days(pl.col("since_after") + PERIOD + pl.col("wait"))
    return pl.when(HY).then("start").when(IN_INIT).then(in_init).otherwise(dates.window("ka", "off_a"))


def arrears_since() -> pl.Expr:
    """The day the arrears arose: at least the type's period before the A."""
    mortgage = pl.col("start") - days("hy_back")
    in_init = pl.col("start") + days("since_after")
    return (pl.when(HY).then(mortgage).when(IN_INIT).then(in_init)
            .otherwise(pl.col("e_a") - days(PERIOD + pl.col("since_back"))))


def arrears_amounts(frame: pl.DataFrame, dice: Dice) -> pl.DataFrame:
    """Arrears in euros: for an RK at least max(10 % of the limit, 500), as its A needs."""
    frame = draws(dice, frame, small=(100, 2_500), above=(0, 900), house=(3_000, 25_000))
    rk_min = pl.max_horizontal((pl.col("amount") * RK_ARREARS_SHARE).ceil().cast(pl.Int64), RK_ARREARS_MIN)
    amount = (pl.when(pl.col("contract_type") == "RK").then(rk_min + pl.col("above"))
              .when(HY).then("house").otherwise("small"))
    return frame.with_columns(pl.when(pl.col("ka").is_not_null()).then(amount).alias("arrears_amount"))


def recoveries(dice: Dice, frame: pl.DataFrame, dates: Timeline) -> pl.DataFrame:
    """Code H some nights after the A (or still within the INIT for an A reported in it)."""
    frame = draws(dice, frame, u_h=(0, 999), gap_h=(1, 8), gap_h0=(0, 8), off_h=(1, WINDOW), after=(1, 200))
    kh = pl.col("ka") + pl.when(pl.col("ka") == 0).then("gap_h0").otherwise("gap_h")
    e_h = pl.when(pl.col("kh") == 0).then(pl.col("e_a") + days("after")).otherwise(dates.window("kh", "off_h"))
    frame = frame.with_columns(kh.alias("kh")).with_columns(e_h.alias("e_h"))
    ok = (chance("u_h", RECOVERY_SHARE) & (pl.col("kh") <= LAST) & (pl.col("e_h") > pl.col("e_a"))
          & ((pl.col("kh") > 0) | (pl.col("e_h") < dates.first)))
    return keep_if(frame, ok, ["kh", "e_h"])


def ends(dice: Dice, frame: pl.DataFrame, dates: Timeline) -> pl.DataFrame:
    """END on a night after the contract's last other event."""
    frame = draws(dice, frame, u_e=(0, 999), gap_e=(1, 12), off_e=(1, WINDOW))
    ke = pl.max_horizontal("ks", "ka", "kh") + pl.col("gap_e")
    frame = frame.with_columns(ke.alias("ke")).with_columns(dates.window("ke", "off_e").alias("e_end"))
    return keep_if(frame, chance("u_e", END_SHARE) & (pl.col("ke") <= LAST), ["ke", "e_end"])


def keep_if(frame: pl.DataFrame, ok: pl.Expr, columns: list[str]) -> pl.DataFrame:
    """The event's columns where ok holds, empty where not: an event that breaks a rule is left out."""
    return frame.with_columns(pl.when(ok.fill_null(False)).then(pl.col(c)).alias(c) for c in columns)


def moves(dice: Dice, people: pl.DataFrame, frame: pl.DataFrame, dates: Timeline) -> pl.DataFrame:
    """Some own persons move on a night; one of their contracts running then reports it (CHANGE)."""
    movers = draws(dice, people.filter(pl.col("person") < N_OWN).select("person"), u_m=(0, 999), km=(1, LAST),
                   off_m=(1, WINDOW)).filter(pl.col("u_m") < MOVE_SHARE * 1000)
    running = (pl.col("ks") < pl.col("km")) & (pl.col("ke").is_null() | (pl.col("ke") > pl.col("km")))
    via = (frame.select("person", "participant", "contract_number", "ks", "ke").join(movers, on="person")
           .filter(running).group_by("person", maintain_order=True).first())
    moved = pl.concat([via, addresses(dice, via.height)], how="horizontal")
    return moved.with_columns(dates.window("km", "off_m").alias("event_date")).rename({"km": "night"})


# Records ------------------------------------------------------------------------------------

IDENTITY_FIELDS = ["birth_surname", "surname_prefix", "initials", "gender", "birth_date"]   # a person but the address
ADDRESS_FIELDS = ["postcode", "house_number", "house_number_suffix"]
CONTRACT_FIELDS = ["participant", "contract_number", "contract_type", "amount", "theoretical_end_date"]


def new_rows(frame: pl.DataFrame, people: pl.DataFrame, moved: pl.DataFrame) -> pl.DataFrame:
    """NEW of the first borrower; a mortgage carries its code A here (the only way it may be
    registered)."""
    rows = at_home(frame.join(people.drop("birth_date"), on="person", how="left", maintain_order="left"), moved)
    return rows.select(*CONTRACT_FIELDS, *IDENTITY_FIELDS, *ADDRESS_FIELDS, "partner",
                       pl.col("ks").alias("night"), pl.col("start").alias("event_date"),
                       pl.lit("NEW").alias("mutation_type"), pl.lit(1).alias("borrower_no"),
                       pl.when(HY).then(pl.lit("A")).alias("code"), pl.when(HY).then("since").alias("arrears_since"),
                       pl.when(HY).then("arrears_amount").alias("arrears_amount"))


def at_home(rows: pl.DataFrame, moved: pl.DataFrame) -> pl.DataFrame:
    """Each row at the address its person has on the contract's night: after a move, the new one
    (a NEW with the old address would report a move back)."""
    later = moved.select("person", pl.col("night").alias("km"), *[pl.col(c).alias(f"new_{c}") for c in ADDRESS_FIELDS])
    moved_first = pl.col("km").is_not_null() & (pl.col("ks") >= pl.col("km"))
    return rows.join(later, on="person", how="left", maintain_order="left").with_columns(
        pl.when(moved_first).then(f"new_{c}").otherwise(c).alias(c) for c in ADDRESS_FIELDS)


def partner_rows(first: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """NEW of the second borrower of a joint contract: the contract's data, the partner's own
    person data, the first borrower's address (they live together); no code (one A per contract)."""
    joint = first.filter(pl.col("partner").is_not_null()).drop(*IDENTITY_FIELDS)
    partners = people.select(pl.col("person").alias("partner"), *IDENTITY_FIELDS)
    rows = joint.join(partners, on="partner", how="left", maintain_order="left")
    return rows.with_columns(pl.lit(2).alias("borrower_no"),
                             *[pl.lit(None).alias(c) for c in ("code", "arrears_since", "arrears_amount")])


def code_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """CODE A (except a mortgage's, which is on its NEW) and CODE H rows."""
    a = frame.filter(pl.col("ka").is_not_null() & (pl.col("contract_type") != "HY")).select(
        "participant", "contract_number", pl.col("ka").alias("night"), pl.col("e_a").alias("event_date"),
        pl.lit("A").alias("code"), pl.col("since").alias("arrears_since"), "arrears_amount")
    h = frame.filter(pl.col("kh").is_not_null()).select(
        "participant", "contract_number", pl.col("kh").alias("night"), pl.col("e_h").alias("event_date"),
        pl.lit("H").alias("code"))
    return pl.concat([a, h], how="diagonal").with_columns(pl.lit("CODE").alias("mutation_type"))


def end_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("ke").is_not_null()).select(
        "participant", "contract_number", pl.col("ke").alias("night"), pl.col("e_end").alias("event_date"),
        pl.lit("END").alias("mutation_type"), pl.col("e_end").alias("actual_end_date"))


def move_rows(moved: pl.DataFrame) -> pl.DataFrame:
    return moved.select("participant", "contract_number", "night", "event_date", *ADDRESS_FIELDS,
                        pl.lit("CHANGE").alias("mutation_type"), pl.lit(1).alias("borrower_no"))


@dataclass
class History:
    """The history nights' dates and every record they deliver (with `night` and `participant`)."""

    nights: list[date]
    records: pl.DataFrame

    def files(self, night: date) -> dict[str, pl.DataFrame]:
        """That night's delivery of each participant, by file name: the INIT on the first night,
        then MUT files numbered by night."""
        k = self.nights.index(night)
        kind, seq = ("INIT", 1) if k == 0 else ("MUT", k)
        tonight = self.records.filter(pl.col("night") == k).sort("participant", "contract_number", "event_date",
                                                                  "borrower_no", nulls_last=True)
        return {f"{p}_{kind}_{night:%Y%m%d}_{seq:06d}.csv": rows.drop("night")
                for (p,), rows in tonight.partition_by("participant", as_dict=True, maintain_order=True).items()}

    def deliver(self, inbox: Path, night: date) -> None:
        """Drop that night's files in the participants' inboxes."""
        for name, rows in self.files(night).items():
            participant = name.split("_", 1)[0]
            write_frame(inbox / participant / name, participant, rows.drop("participant"))


def history(run_date: date) -> History:
    """The demo's history before run_date: the same records for the same run date, every time."""
    dice, nights = Dice(SEED), history_nights(run_date)
    dates = Timeline(nights, run_date)
    people = persons(dice, N_OWN + N_PARTNERS, run_date)
    frame = contracts(dice, people, run_date)
    for step in (starts, amounts, arrears, recoveries, ends):
        frame = step(dice, frame, dates)
    moved = moves(dice, people, frame, dates)
    first = new_rows(frame, people, moved)
    parts = [first, partner_rows(first, people), code_rows(frame), end_rows(frame), move_rows(moved)]
    return History(nights, pl.concat(parts, how="diagonal_relaxed").drop("partner"))


# Running it ---------------------------------------------------------------------------------

@contextmanager
def held_back(inbox: Path) -> Iterator[None]:
    """Tonight's deliveries wait beside the inbox (a dot-folder) while the earlier nights run."""
    aside = inbox.parent / ".demo-tonight"
    waiting = [(path, aside / path.parent.name / path.name) for path in sorted(inbox.glob("*/*")) if path.is_file()]
    for path, spot in waiting:
        spot.parent.mkdir(parents=True, exist_ok=True)
        path.rename(spot)
    try:
        yield
    finally:
        for path, spot in waiting:
            path.parent.mkdir(parents=True, exist_ok=True)
            spot.rename(path)
        for folder in [*sorted(aside.glob("*")), aside]:
            if folder.exists():
                folder.rmdir()


def night_line(result: NightResult) -> str:
    """One line for a history night: date, files, records accepted and rejected (and the reason of
    a file rejected whole, such as FILE_DUPLICATE when the demo runs again in the same folder)."""
    accepted = sum(r.accepted for r in result.results)
    rejected = sum(r.rejected for r in result.results)
    whole = sorted({r.file_error[0] for r in result.results if r.file_error})
    note = f"  files rejected whole: {', '.join(whole)}" if whole else ""
    return (f"  {result.run_date}  {len(result.results):>2} files  {accepted:>6,} accepted "
            f"{rejected:>4} rejected{note}")
