"""The participants' file-format reference, generated from the declarations in this package.

``cki file-format`` prints it and ``docs/file-format.md`` holds it; a test fails when the
committed file differs from what this renders.
"""

from __future__ import annotations

from contracts_schema import codes, mutation, request, returns
from contracts_schema.columns import TYPE_NAMES
from contracts_schema.errors import CATALOGUE


def _columns(columns) -> list[str]:
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {TYPE_NAMES[c.kind]} | {c.description} |" for c in columns]
    return lines


def _types() -> list[str]:
    lines = ["| type | name | amount (EUR) | amount | theoretical end date | min. duration | "
             "A after (days) | needs a code |", "|---|---|---|---|---|---|---|---|"]
    for t in codes.CONTRACT_TYPES:
        amount = "-" if t.amount_min is None else f"{t.amount_min:,} – {t.amount_max:,}" if t.amount_max \
            else f"≥ {t.amount_min:,}"
        needs = "always: " + ", ".join(t.negative_codes) if not t.positive else (
            f"below {t.negative_below}: " + ", ".join(t.negative_codes) if t.negative_below else "no")
        months = f"{t.min_duration_months} months" if t.min_duration_months else "-"
        lines.append(f"| `{t.code}` | {t.name} | {amount} | {t.amount_use} | {t.end_date_use} | {months} | "
                     f"{t.arrears_days} | {needs} |")
    return lines


def _field_use() -> list[str]:
    lines = ["| mutation_type | required | may also carry |", "|---|---|---|"]
    for mtype, use in mutation.FIELD_USE.items():
        req = ", ".join(f"`{f}`" for f in use["required"]) or "-"
        opt = ", ".join(f"`{f}`" for f in use["allowed"]) or "-"
        lines.append(f"| `{mtype}` | {req} | {opt} |")
    for field, by_code in mutation.CODE_FIELDS.items():
        how = ", ".join(f"{'required' if u == 'R' else 'allowed'} with code {c}" for c, u in by_code.items())
        lines.append(f"| (code field) | `{field}`: {how} | |")
    return lines


def _errors() -> list[str]:
    lines = ["| code | scope | message |", "|---|---|---|"]
    lines += [f"| `{e.code}` | {e.scope} | {e.template} |" for e in CATALOGUE]
    return lines


def _returns() -> list[str]:
    lines = ["For a delivery `NAME.csv` or `NAME.parquet` the night writes into `outbox/<PARTICIPANT>/`:", "",
             "| file | when, and what it holds |", "|---|---|"]
    lines += [f"| `NAME{suffix}` | {what} |" for suffix, what in returns.RETURN_FILES.items()]
    order = ", ".join(f"`{k}`" for k in codes.FILE_KINDS)
    n = returns.FIRST_REPEAT
    return [*lines, "",
            "**Every delivery keeps its own answer.** The return files are named after the delivered file "
            "without its extension (`NAME`); a name other than `….csv` or `….parquet` is kept whole "
            "(`notes.txt.result.json`). Where that name is taken — by an earlier answer to you, on any "
            "earlier night, also one whose files have been deleted since (a re-upload of an answered name, "
            "which gets `FILE_DUPLICATE` or `FILE_SEQUENCE`), or by another of your deliveries of the same "
            f"night (`NAME.csv` beside `NAME.parquet`) — the later delivery's return files get the first free "
            f"number from {n} up: `NAME.{n}.result.json`, `NAME.{n}.errors.csv`, then `NAME.{n + 1}.…`. A name "
            "is never given twice, so an answer is never overwritten. A night takes your deliveries in the "
            f"order {order}, then by sequence number, then by file name (`NAME.csv` before `NAME.parquet`), "
            "files whose name is not valid last, and names their answers in that order. `file` in "
            "`result.json` always names the delivered file.", "",
            "**Fetch your answers in time.** Return files are deleted by the night whose run date is "
            f"`outbox_days` days after the night that wrote them (the operator's setting, by default "
            f"{returns.OUTBOX_DAYS_DEFAULT}): an answer of day D is there up to and including day D + "
            "`outbox_days` - 1. Their names stay taken.", ""]


def render() -> str:
    """The whole reference as Markdown."""
    parts = [
        "# cki file-format reference", "",
        "Generated from `contracts_schema/` by `cki file-format`; do not edit by hand.", "",
        "Files: `<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ>.<csv|parquet>` in `inbox/<PARTICIPANT>/`. "
        "CSV: UTF-8 (BOM accepted), `;` separator, `\"` quoting, header line, dates `YYYY-MM-DD`, "
        "booleans `true`/`false`, whole euros. Upload as `NAME.part` and rename when complete.", "",
        "## Mutation records (`MUT`, `INIT`)", "", *_columns(mutation.COLUMNS), "",
        "Required header columns: " + ", ".join(f"`{c}`" for c in mutation.REQUIRED_HEADER)
        + ". Other columns may be left out; unknown columns reject the file.", "",
        "### Fields per mutation type", "", *_field_use(), "",
        "Any other non-empty field is `FIELD_NOT_ALLOWED`; `actual_end_date` belongs to `END` and to code 3 "
        "with `final_discharge` true.", "",
        "### Contract types", "", *_types(), "",
        f"Reports are due within {codes.REPORTING_DEADLINE_DAYS} days of the event (`INIT` files excepted). "
        f"Borrowers are {codes.MIN_AGE} to {codes.MAX_AGE} years old on `event_date`. Code 3 needs "
        f"`written_off_amount` ≥ {codes.MIN_WRITE_OFF}.", "",
        "### Codes", "", "| code | meaning |", "|---|---|",
        *[f"| `{c}` | {m} |" for c, m in codes.CODE_MEANINGS.items()], "",
        "## Consultation requests (`RAAD`)", "", *_columns(request.COLUMNS), "",
        "Required: " + ", ".join(f"`{c}`" for c in request.REQUIRED_FIELDS) + ".", "",
        "## Return files", "", *_returns(),
        "## Error codes", "", *_errors(), "",
    ]
    return "\n".join(parts)
