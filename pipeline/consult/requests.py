"""Answer consultation requests (SPEC 3.3, 5): find the person, list registrations, give the colour.

Requests are answered against the register as it stands after the same night's mutations.
Other participants' registrations appear only by category; every valid request is logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from contracts_schema import request
from pipeline.consult.colour import colour_of, reasons_long
from pipeline.register.state import CONTRACT_KEY, LINE
from pipeline.register.store import narrowing, narrowing_on
from pipeline.rules.fieldchecks import field_findings
from pipeline.rules.findings import collect, finding, one_per_cell
from pipeline.rules.normalize import match_keys
from pipeline.rules.parse import to_typed, type_findings
from pipeline.rules.plausibility import plausibility_findings

REQ = ["file_idx", "request_id"]
DECEASED = "_deceased"     # the person FOUND has died (a reason of the answer)
ANSWER_COLUMNS = ["request_id", "match_status", "status_color", "status_reasons", "contracts_running",
                  "contracts_ended", "total_running_amount"]
CONTRACT_COLUMNS = ["request_id", "own_registration", "registered_by", "contract_number", "contract_type",
                    "borrower_no", "amount", "start_date", "theoretical_end_date", "actual_end_date", "codes"]
NAME_KEY = ["surname_key", "birth_date", "first_initial"]     # a person's candidates: SPEC 5.1's first step
NARROW_KEY = ["surname_key", "birth_date"]      # narrows the persons read (the initial adds little, costs a hash)
# the columns of a registration's contract an answer shows or gives reasons from (not its history)
SHOWN_CONTRACT_COLUMNS = [*CONTRACT_KEY, "contract_type", "amount", "start_date", "theoretical_end_date",
                          "actual_end_date", "arrears_open", "ever_arrears", "code5_active",
                          "code1", "code2", "code3", "code4"]
CODE_COLUMNS = [*CONTRACT_KEY, "code", "code_date", "line_no"]      # what ``codes_text`` reads
HAS_ADDRESS = pl.col("postcode_key").is_not_null() & pl.col("house_number").is_not_null()   # the request gives one


@dataclass
class RegisterView:
    """The tables a consultation reads, as they stand after tonight's mutations: lazily, so an
    answer reads only the rows of the persons and contracts it names."""

    persons: pl.LazyFrame
    addresses: pl.LazyFrame
    borrowers: pl.LazyFrame
    contracts: pl.LazyFrame
    codes: pl.LazyFrame


@dataclass
class Answers:
    findings: pl.DataFrame
    answers: pl.DataFrame      # file_idx + ANSWER_COLUMNS
    contracts: pl.DataFrame    # file_idx + CONTRACT_COLUMNS
    log: pl.DataFrame          # one row per answered request


def validate_requests(raw: pl.DataFrame, run_date: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    typed = to_typed(raw, request.COLUMNS, ("file_idx", "line_no", "participant"))
    first = pl.col("line_no").min().over(["file_idx", "request_id"])
    dupes = raw.lazy().filter(pl.col("request_id").is_not_null()).with_columns(first.alias("first")).filter(
        pl.col("line_no") != pl.col("first"))
    parts = [field_findings(typed, request.ConsultationRequest).lazy(),
             *type_findings(typed, request.COLUMNS, raw, LINE), *plausibility_findings(typed.lazy()),
             finding(dupes, "DUPLICATE_REQUEST_ID", "request_id", pl.col("request_id"), pl.col("first")),
             finding(typed.lazy().filter(pl.col("birth_date") > run_date), "FUTURE_DATE", "birth_date",
                     pl.col("birth_date"), run_date.isoformat())]
    return typed, one_per_cell(collect(parts))


def match_persons(requests: pl.DataFrame, view: RegisterView) -> pl.DataFrame:
    """Per request: match_status and, when FOUND, person_id (SPEC 5.1's narrowing steps)."""
    return _matched(requests, view).drop(DECEASED)


def _matched(requests: pl.DataFrame, view: RegisterView) -> pl.DataFrame:
    """``match_persons`` with DECEASED: whether the person FOUND has died, read in the same pass
    over the persons as the match (no second read of them for the answer's reasons). The reader
    keeps only persons whose surname and birth date hash like a request's (``narrowing_on``), so
    the join holds 0.24 M of the scale-1 register's 7.3 M persons."""
    req = requests.select(*LINE, *match_keys(), "birth_date", "house_number")
    people = view.persons.filter(narrowing_on(req, NARROW_KEY)).select(
        "person_id", "surname_key", "birth_date", "first_initial", pl.col("initials_key").alias("p_initials"),
        "deceased_date")
    cands = _address_hits(req.lazy().join(people, on=NAME_KEY, how="inner").collect(), view.addresses)
    cands = cands.filter(~HAS_ADDRESS | (pl.col("addr_hit").sum().over(LINE) == 0) | pl.col("addr_hit"))
    same_initials = pl.col("initials_key") == pl.col("p_initials")
    cands = cands.filter((same_initials.sum().over(LINE) == 0) | same_initials)
    counted = cands.group_by(LINE).agg(pl.len().alias("n"), pl.col("person_id").first(),
                                       pl.col("deceased_date").first())
    status = (pl.when(pl.col("n").is_null()).then(pl.lit("NOT_FOUND"))
              .when(pl.col("n") == 1).then(pl.lit("FOUND")).otherwise(pl.lit("NOT_UNIQUE")))
    return (requests.select(*LINE, "request_id", "purpose", "participant").join(counted, on=LINE, how="left")
            .with_columns(status.alias("match_status"),
                          pl.when(pl.col("n") == 1).then(pl.col("person_id")).alias("person_id"),
                          ((pl.col("n") == 1) & pl.col("deceased_date").is_not_null()).fill_null(False)
                          .alias(DECEASED))
            .drop("n", "deceased_date"))


def _address_hits(cands: pl.DataFrame, addresses: pl.LazyFrame) -> pl.DataFrame:
    """``cands`` with ``addr_hit``: the candidate lived at the address the request gives. Read
    only for a request with an address and namesakes (a lone candidate stays whether it lived
    there or not): a night without such namesakes reads no address; one with them still scans
    the table once (16 % of scale 1's candidates are)."""
    asked = cands.filter(HAS_ADDRESS & (pl.len().over(LINE) > 1))
    if asked.height == 0:
        return cands.with_columns(pl.lit(False).alias("addr_hit"))
    seen = (addresses.filter(_among("person_id", asked))
            .select("person_id", "postcode_key", "house_number").unique().with_columns(pl.lit(True).alias("addr_hit"))
            .collect())
    return cands.join(seen, on=["person_id", "postcode_key", "house_number"], how="left").with_columns(
        pl.col("addr_hit").fill_null(False))


def _among(column: str, frame: pl.DataFrame) -> pl.Expr:
    """``column`` takes one of the values it has in ``frame`` (a filter the Parquet reader applies)."""
    return pl.col(column).is_in(frame[column].unique().implode())


def rows_of_contracts(table: pl.LazyFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``table`` of the contracts in ``keys`` (narrowed in the reader by the contract
    number's hash, decided by the join on the whole key)."""
    return _rows_of(table, keys).collect()


def _rows_of(table: pl.LazyFrame, keys: pl.DataFrame) -> pl.LazyFrame:
    return table.filter(narrowing(keys["contract_number"])).join(
        keys.select(CONTRACT_KEY).lazy(), on=CONTRACT_KEY, how="semi")


def codes_text(codes: pl.DataFrame) -> pl.DataFrame:
    item = pl.concat_str(pl.col("code"), pl.lit(":"), pl.col("code_date").cast(pl.String))
    return (codes.sort([*CONTRACT_KEY, "code_date", "line_no"]).group_by(CONTRACT_KEY, maintain_order=True)
            .agg(item.str.join(";").alias("codes")))


def registrations(matched: pl.DataFrame, view: RegisterView, categories: Mapping[str, str],
                  run_date: date) -> pl.DataFrame:
    """Every registration of every found person, seen from the requesting participant."""
    found = matched.filter(pl.col("match_status") == "FOUND")
    links = view.borrowers.filter(_among("person_id", found)).select(*CONTRACT_KEY, "borrower_no", "person_id")
    regs = found.join(links.collect(), on="person_id")
    # both read at once; codes of a link without its contract row find no registration to join
    contracts, codes = pl.collect_all([_rows_of(view.contracts.select(SHOWN_CONTRACT_COLUMNS), regs),
                                       _rows_of(view.codes.select(CODE_COLUMNS), regs)])
    regs = regs.join(contracts, on=CONTRACT_KEY)
    codes = codes_text(codes)
    own = pl.col("participant_code") == pl.col("participant")
    category = pl.col("participant_code").replace_strict(categories, default="OVERIG", return_dtype=pl.String)
    return regs.join(codes, on=CONTRACT_KEY, how="left").with_columns(
        own.alias("own_registration"),
        pl.when(own).then(pl.col("participant_code")).otherwise(category).alias("registered_by"),
        (pl.col("actual_end_date").is_null() | (pl.col("actual_end_date") > run_date)).alias("running"))


def answer(requests: pl.DataFrame, view: RegisterView, categories: Mapping[str, str], run_date: date) -> Answers:
    found = _matched(requests, view)
    matched = found.drop(DECEASED)
    regs = registrations(matched, view, categories, run_date)
    beheer_ok = regs.filter(pl.col("own_registration") & pl.col("running")).select(REQ).unique()
    refused = matched.filter(pl.col("purpose") == "BEHEER").join(beheer_ok, on=REQ, how="anti")
    findings = finding(refused.lazy(), "NO_CONTRACT_FOR_BEHEER", "purpose", pl.col("purpose")).collect()
    matched = matched.join(refused, on=LINE, how="anti")
    regs = regs.join(matched.select(REQ), on=REQ, how="semi")
    reasons = pl.concat([
        reasons_long(regs, pl.col("running")),
        matched.filter(pl.col("match_status") != "FOUND").select(
            *REQ, pl.when(pl.col("match_status") == "NOT_FOUND").then(pl.lit("NOT_KNOWN"))
            .otherwise(pl.lit("NOT_UNIQUE")).alias("reason")),
        matched.join(found.filter(DECEASED).select(LINE), on=LINE, how="semi")
        .select(*REQ, pl.lit("DECEASED").alias("reason")),
    ])
    counts = regs.group_by(REQ).agg(
        pl.col("running").sum().cast(pl.Int64).alias("contracts_running"),
        (~pl.col("running")).sum().cast(pl.Int64).alias("contracts_ended"),
        pl.col("amount").filter(pl.col("running")).sum().cast(pl.Int64).alias("total_running_amount"))
    answers = (matched.sort(LINE).join(colour_of(reasons), on=REQ, how="left", maintain_order="left")
               .join(counts, on=REQ, how="left", maintain_order="left")
               .with_columns(pl.col("status_color").fill_null("GROEN"), pl.col("status_reasons").fill_null(""),
                             pl.col(["contracts_running", "contracts_ended", "total_running_amount"]).fill_null(0)))
    shown = regs.sort(["file_idx", "request_id", "start_date", "participant_code", "contract_number",
                       "borrower_no"]).with_columns(
        pl.when(pl.col("own_registration")).then(pl.col("contract_number")).alias("contract_number"))
    log = matched.select("file_idx", "participant", "request_id", "purpose", "person_id", "match_status")
    return Answers(findings, answers.select("file_idx", *ANSWER_COLUMNS),
                   shown.select("file_idx", *CONTRACT_COLUMNS), log)
