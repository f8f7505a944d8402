"""One erasure for DELETE and retention: what they end is physically gone at the commit.

A DELETE removes a registration that should never have been made; retention removes one five
years after its end. Both end the same way: every row of the contract that the register holds
from before tonight — its state, history, codes, borrower links and events — and every person
nothing refers to any more leave every file, dead rows included. The night only says *what* is
erased (``Erasure``, a plan with no side effects); the register's transaction rewrites the parts
that physically hold such rows and nothing else (``Transaction.erase_rows``).

What differs is tonight: a DELETE may be followed in the same night by a new registration under
the same number, so tonight's rows of a deleted contract are the apply stage's to drop (it knows
the order); an expired contract has nothing after it, so tonight's rows of it go too.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from contracts_schema.codes import RETENTION_YEARS
from pipeline.register.state import CONTRACT_KEY, LINE

CONTRACT_TABLES = ("contracts", "contract_history", "codes", "borrowers")
PERSON_TABLES = ("persons", "addresses")
KEY_SCHEMA = {"participant_code": pl.String, "contract_number": pl.String}


def no_keys() -> pl.DataFrame:
    return pl.DataFrame(schema=KEY_SCHEMA)


def no_persons() -> pl.DataFrame:
    return pl.DataFrame(schema={"person_id": pl.Int64})


@dataclass(frozen=True)
class Erasure:
    """What tonight erases: contract keys DELETEd, contract keys whose retention ended, and the
    person ids left with nothing."""

    deleted: pl.DataFrame
    expired: pl.DataFrame
    persons: pl.DataFrame

    @property
    def contracts(self) -> pl.DataFrame:
        """Every erased contract key (their rows from before tonight all go)."""
        return pl.concat([self.deleted.select(CONTRACT_KEY), self.expired.select(CONTRACT_KEY)]).unique()

    def __bool__(self) -> bool:
        return bool(self.deleted.height or self.expired.height or self.persons.height)

    def kept(self, name: str, frame):
        """Tonight's rows of a table (a frame, lazy or not) without what tonight erases from them:
        expired contracts and persons left with nothing (a DELETE's are the apply stage's)."""
        if name in CONTRACT_TABLES and self.expired.height:
            return frame.join(_like(frame, self.expired), on=CONTRACT_KEY, how="anti")
        if name in PERSON_TABLES and self.persons.height:
            return frame.join(_like(frame, self.persons), on="person_id", how="anti")
        return frame


def _like(frame, keys: pl.DataFrame):
    return keys.lazy() if isinstance(frame, pl.LazyFrame) else keys


def left_alone(candidates: pl.DataFrame, borrowers: pl.LazyFrame) -> pl.DataFrame:
    """The ``candidates`` (person ids) that no borrower link refers to any more."""
    still = borrowers.select("person_id").join(candidates.lazy(), on="person_id", how="semi").unique()
    return candidates.join(still.collect(), on="person_id", how="anti")


def apply(tx, erasure: Erasure) -> None:
    """Rewrite the parts that hold erased rows (the register's transaction is the only writer)."""
    if not erasure:
        return
    gone = erasure.contracts
    for name in (*CONTRACT_TABLES, "events"):
        tx.erase_rows(name, CONTRACT_KEY, committed=gone, tonight=erasure.expired)
    for name in PERSON_TABLES:
        tx.erase_rows(name, ["person_id"], committed=erasure.persons, tonight=erasure.persons)


# --- the purge manifest: keyed hashes of erased contract keys, never their values -------------

PURGES_SCHEMA = pl.Schema({"key_hash": pl.String(), "reason": pl.String(), "run_id": pl.String(),
                           "purged_on": pl.Date()})


def key_hash(secret: str, participant: pl.Expr | None = None, contract: pl.Expr | None = None) -> pl.Expr:
    """HMAC-SHA256 of a contract key under the register's secret: an auditor with the key (and
    the register) can check that a given contract was purged; nobody can list what was."""
    import polars_hash as plh  # its concat_str is Polars', typed with the ``chash`` namespace

    parts = [pl.col("participant_code") if participant is None else participant,
             pl.col("contract_number") if contract is None else contract]
    return plh.concat_str(parts, separator="\x1f").chash.hmac_sha256(key=secret).alias("key_hash")


def manifest(erasure: Erasure, secret: str, run_id: str, run_date) -> pl.DataFrame:
    """One row per contract erased tonight: its keyed hash, the reason, the run and the date."""
    rows = [keys.select(key_hash(secret), pl.lit(reason).alias("reason"))
            for reason, keys in (("RETENTION", erasure.expired), ("DELETE", erasure.deleted)) if keys.height]
    if not rows:
        return pl.DataFrame(schema=PURGES_SCHEMA)
    return pl.concat(rows).unique("key_hash", keep="first", maintain_order=True).with_columns(
        pl.lit(run_id).alias("run_id"), pl.lit(run_date).alias("purged_on")).cast(PURGES_SCHEMA)


def purged_as_expired(findings: pl.DataFrame, records: pl.DataFrame, purged: pl.LazyFrame,
                      secret: str | None) -> pl.DataFrame:
    """An UNKNOWN_CONTRACT about a contract that retention purged is RETENTION_EXPIRED: the
    contract ended on or before the purge's date less 5 years."""
    unknown = (pl.col("error_code") == "UNKNOWN_CONTRACT") & (pl.col("field") == "contract_number")
    if secret is None or not findings.select(unknown.any()).item():
        return findings
    asked = (findings.filter(unknown).select(LINE).join(records.select(*LINE, *CONTRACT_KEY), on=LINE)
             .with_columns(key_hash(secret)))
    retained = purged.filter(pl.col("reason") == "RETENTION").select("key_hash", "purged_on").collect()
    found = asked.join(retained, on="key_hash").select(*LINE, "purged_on")
    if found.height == 0:
        return findings
    before = pl.concat_str(pl.lit("or before "),
                           pl.col("purged_on").dt.offset_by(f"-{RETENTION_YEARS}y").cast(pl.String))
    after = pl.concat_str(pl.lit("or before "), pl.col("purged_on").cast(pl.String))
    is_purged = unknown & pl.col("purged_on").is_not_null()
    return (findings.join(found, on=LINE, how="left", maintain_order="left").with_columns(
        pl.when(is_purged).then(pl.lit("RETENTION_EXPIRED")).otherwise("error_code").alias("error_code"),
        pl.when(is_purged).then(before).otherwise("value").alias("value"),
        pl.when(is_purged).then(after).otherwise("limit").alias("limit")).drop("purged_on"))
