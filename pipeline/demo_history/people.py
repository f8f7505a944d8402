"""The history's persons: names, birth dates and addresses, most in the big four gemeenten, some
in smaller ones and a few at a pc4 the demo table lacks."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipeline.demo_data import PC4_GEMEENTE, PERSONS
from pipeline.demo_history.dice import Dice

N_OWN, N_PARTNERS, N_CONTRACTS = 1_850, 350, 2_500
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
