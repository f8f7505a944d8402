"""Turn contract and event frames into the rows of MUT/INIT files (SPEC section 3.2)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from contracts_schema import mutation
from contracts_schema.columns import PERSON_FIELDS

_DTYPES = {"str": pl.String, "int": pl.Int64, "date": pl.Date, "bool": pl.Boolean}
# The file contract's own column list and types (contracts_schema is the single source).
MUTATION_COLUMNS = {c.name: _DTYPES[c.kind] for c in mutation.COLUMNS}
PERSON_COLUMNS = PERSON_FIELDS
# Order of rows of one contract on the same day.
ROW_ORDER = {"NEW": 0, "CHANGE": 1, "CODE": 2, "DECEASED": 3, "END": 4}


def contract_number(style: int) -> pl.Expr:
    """A participant's own numbering scheme, built from the global contract id."""
    cid = pl.col("cid").cast(pl.String)
    if style == 0:
        return cid.str.zfill(10)
    if style == 1:
        return pl.concat_str(pl.lit("KR-"), cid.str.zfill(9))
    if style == 2:
        year = pl.col("start").cast(pl.Date).dt.year().cast(pl.String)
        return pl.concat_str(year, pl.lit("/"), cid.str.zfill(8))
    return pl.concat_str(pl.lit("C."), cid)


def with_person(
    rows: pl.DataFrame, persons: pl.DataFrame, person_col: str, columns: tuple[str, ...] = PERSON_COLUMNS
) -> pl.DataFrame:
    """Attach the person fields of persons[row[person_col]] (persons indexed by position)."""
    fields = persons.select(columns).gather(rows[person_col])
    return pl.concat([rows, fields], how="horizontal")


def load_rows(contracts: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """NEW rows (two for a joint contract), then CODE A, CODE H and END rows of one participant."""
    negative = pl.col("contract_type").is_in(["HY", "HO", "RO"])
    new = contracts.with_columns(
        mutation_type=pl.lit("NEW"),
        event_date=pl.col("start"),
        theoretical_end_date=pl.col("ted"),
        code=pl.when(negative).then(pl.lit("A")),
        arrears_since=pl.when(negative).then(pl.col("a_since")),
        arrears_amount=pl.when(negative).then(pl.col("a_amount")),
    )
    first = new.with_columns(borrower_no=pl.lit(1, dtype=pl.Int64), person=pl.col("b1"))
    second = new.filter(pl.col("b2").is_not_null()).with_columns(
        borrower_no=pl.lit(2, dtype=pl.Int64), person=pl.col("b2")
    )
    first, second = with_person(first, persons, "person"), with_person(second, persons, "person")
    codes = contracts.filter(pl.col("a_date").is_not_null() & ~negative).select(
        "cid",
        "contract_number",
        mutation_type=pl.lit("CODE"),
        event_date="a_date",
        code=pl.lit("A"),
        arrears_since="a_since",
        arrears_amount="a_amount",
    )
    recovery = contracts.filter(pl.col("h_date").is_not_null()).select(
        "cid",
        "contract_number",
        mutation_type=pl.lit("CODE"),
        event_date="h_date",
        code=pl.lit("H"),
    )
    ends = contracts.filter(pl.col("end_date").is_not_null()).select(
        "cid",
        "contract_number",
        mutation_type=pl.lit("END"),
        event_date="end_date",
        actual_end_date="end_date",
    )
    return pl.concat([first, second, codes, recovery, ends], how="diagonal_relaxed")


def to_file_rows(rows: pl.DataFrame, participant: str) -> pl.DataFrame:
    """Sort by event date and contract, then select exactly the SPEC columns with their types."""
    order = pl.col("mutation_type").replace_strict(ROW_ORDER, return_dtype=pl.Int8)
    borrower = pl.col("borrower_no") if "borrower_no" in rows.columns else pl.lit(None)
    rows = rows.with_columns(participant_code=pl.lit(participant)).sort(
        "event_date", "cid", order, borrower, nulls_last=False, maintain_order=True
    )
    return rows.select(_typed(rows, name, dtype) for name, dtype in MUTATION_COLUMNS.items())


def _typed(rows: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    if name not in rows.columns:
        return pl.lit(None, dtype=dtype).alias(name)
    column = pl.col(name)
    if dtype == pl.Date and rows.schema[name] != pl.Date:
        return column.cast(pl.Int32).cast(pl.Date)
    return column.cast(dtype)


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """`;`-separated UTF-8, ISO dates, empty cell = null; written to .part then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    frame.write_csv(part, separator=";", date_format="%Y-%m-%d", null_value="")
    part.replace(path)
