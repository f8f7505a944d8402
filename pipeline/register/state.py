"""The shape of a contract's state and of the persons tables, shared by the register and the apply
stage, and the names a night's records are keyed and told apart by, shared by every stage that
reads them."""

from __future__ import annotations

import polars as pl

from contracts_schema.columns import PERSON_FIELDS

CONTRACT_KEY = ["participant_code", "contract_number"]
LINE = ["file_idx", "line_no"]          # a delivered record: the night's file it came in and its line
MT = pl.col("mutation_type")            # a record's (or an event's) mutation type

STATE_SCHEMA: dict[str, pl.DataType] = {
    "contract_type": pl.String(),
    "amount": pl.Int64(),
    "start_date": pl.Date(),
    "theoretical_end_date": pl.Date(),
    "actual_end_date": pl.Date(),
    "arrears_open": pl.Boolean(),     # an A not (yet) followed by an H
    "arrears_since": pl.Date(),       # arrears_since of the open A
    "ever_arrears": pl.Boolean(),     # an A was ever reported
    "code5_active": pl.Boolean(),
    "code1": pl.Boolean(),
    "code2": pl.Boolean(),
    "code3": pl.Boolean(),
    "code4": pl.Boolean(),
    "valid_from": pl.Date(),          # the state holds from this date on
}
STATE_COLUMNS = list(STATE_SCHEMA)
# a contract's own integer id, given out by the register as person ids are (decision 36): every
# live row of contracts, borrowers and codes carries its contract's, so a reference date counts
# a contract's borrowers through arrays indexed by it, without joining the key (decision 112)
CONTRACT_ID = "contract_id"
NUMBERED_TABLES = ("contracts", "borrowers", "codes")       # the tables whose rows carry it
# a contract's key and state: the contracts table's columns but the id (the history's, an export's)
KEYED_STATE_SCHEMA = {"participant_code": pl.String(), "contract_number": pl.String(), **STATE_SCHEMA}
CONTRACTS_SCHEMA = {**KEYED_STATE_SCHEMA, CONTRACT_ID: pl.Int64()}
HISTORY_SCHEMA = {**KEYED_STATE_SCHEMA, "valid_to": pl.Date()}
BORROWERS_SCHEMA = {"participant_code": pl.String(), "contract_number": pl.String(),
                    "borrower_no": pl.Int64(), "person_id": pl.Int64(), "valid_from": pl.Date(),
                    CONTRACT_ID: pl.Int64()}
CODES_SCHEMA = {"participant_code": pl.String(), "contract_number": pl.String(), "code": pl.String(),
                "code_date": pl.Date(), "arrears_since": pl.Date(), "arrears_amount": pl.Int64(),
                "written_off_amount": pl.Int64(), "final_discharge": pl.Boolean(),
                "run_id": pl.String(), "file": pl.String(), "line_no": pl.Int64(), CONTRACT_ID: pl.Int64()}
# persons with their normalised match keys (pipeline.apply.persons), and their address history
PERSONS_SCHEMA = pl.Schema({"person_id": pl.Int64(), **{f: pl.String() for f in PERSON_FIELDS},
                            "surname_key": pl.String(), "initials_key": pl.String(), "first_initial": pl.String(),
                            "postcode_key": pl.String(), "deceased_date": pl.Date()})
PERSONS_SCHEMA.update({"birth_date": pl.Date(), "house_number": pl.Int64()})
ADDRESSES_SCHEMA = pl.Schema({"person_id": pl.Int64(), "postcode_key": pl.String(), "house_number": pl.Int64(),
                              "house_number_suffix": pl.String(), "valid_from": pl.Date()})
