"""The history's contracts and their events, a column of draws at a time: lender and number,
joint borrowers, start, amount and end date, arrears (A) and recovery (H), END, and the moves
a running contract reports. An event that would break a rule is left out (``keep_if``)."""

from __future__ import annotations

from datetime import date

import polars as pl

from contracts_schema.codes import CONTRACT_TYPES
from pipeline.demo_history.dice import LAST, WINDOW, Dice, Timeline, chance, days, draws, months_before
from pipeline.demo_history.people import N_CONTRACTS, N_OWN, addresses

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
