"""The participants' file-format reference, generated from the declarations in this package.

``cki file-format`` prints it and ``docs/file-format.md`` holds it; a test fails when the
committed file differs from what this renders.
"""

from __future__ import annotations

from contracts_schema import codes, mutation, plausibility, request, returns
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


def _plausibility() -> list[str]:
    lines = ["| field | rule (the message's words) | a plausible value |", "|---|---|---|"]
    lines += [f"| `{field}` | {rule} | {patterns} |" for field, rule, patterns in plausibility.rows()]
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
            "`outbox_days` - 1. Their names stay taken.", "",
            "**A file rejected whole explains itself in `errors.csv` too**: `status` `REJECTED` with a "
            "`file_error` in `result.json`, and in `errors.csv` one row with the same `error_code` and "
            "`message`, `severity` `ERROR` and the other columns empty. Its `line_no` is the record where "
            "reading failed, counted as for every other row (1 = the first data row): a row whose quotes or "
            "fields break the CSV, the first byte that is not UTF-8, the first record of another participant. "
            "It is `0` when the error concerns the file as a whole (its name, size, sequence, content) or its "
            "header, the line before the first record. The message names the line of the file as a text editor "
            "or a spreadsheet numbers it too (the header is line 1), and says what to change.", ""]


def _opening() -> list[str]:
    return ["Return CSVs follow the conventions of deliveries and start with a UTF-8 byte-order mark (BOM), "
            "so Excel and LibreOffice read `Brühl-Noël` as it is. A spreadsheet that opens a CSV by "
            "double-click still guesses each cell's type in its own locale: in a Dutch one a delivered "
            "`7.500` shows as 7500, `28-02-1990` as a date and `0012` as 12. So:", "",
            "- `NAME.errors.xlsx`: open it directly (double-click, in Excel or LibreOffice Calc). Every cell "
            "shows exactly what was delivered, `=1+2` included: it is text, never a formula. `line_no` is a "
            "number; the header row stays in view and has filters.",
            "- a CSV in Excel: *Data > From Text/CSV* (Dutch: *Gegevens > Van tekst/CSV*), File origin "
            "`65001: Unicode (UTF-8)`, Delimiter `Semicolon`, Data Type Detection `Do not detect data types`, "
            "then *Load*.",
            "- a CSV in LibreOffice Calc: *File > Open*; in the Text Import dialog Character set "
            "`Unicode (UTF-8)`, Separated by `Semicolon`, click the top-left corner of the preview to select "
            "every column and set Column type `Text`, then *OK*.", "",
            "In a CSV, never in the workbook, a value that starts with `=`, `+`, `-`, `@`, a tab or a carriage "
            "return (or with quotes before one of them) carries one extra leading `'`, so that no spreadsheet "
            "executes it: a delivered `=1+2` reads `'=1+2`.", ""]


def render() -> str:
    """The whole reference as Markdown."""
    parts = [
        "# cki file-format reference", "",
        "Generated from `contracts_schema/` by `cki file-format`; do not edit by hand.", "",
        "Files: `<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ>.<csv|parquet>` in `inbox/<PARTICIPANT>/`. "
        "CSV: UTF-8 (BOM accepted), `;` separator, `\"` quoting, header line, dates `YYYY-MM-DD`, "
        "booleans `true`/`false`, whole euros. Upload as `NAME.part` and rename when complete. Return "
        "CSVs: the same, with a BOM.", "",
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
        "### Plausible names", "",
        f"Names and initials must be plausible, in mutation records and consultation requests alike; a "
        f"value that is not is `{plausibility.CODE}`. Letters of any script count, so apostrophes, hyphens, "
        "spaces and accents stay (`'t Hart`, `Brühl-Noël`, `d'Ancona`).", "", *_plausibility(), "",
        "### Codes", "", "| code | meaning |", "|---|---|",
        *[f"| `{c}` | {m} |" for c, m in codes.CODE_MEANINGS.items()], "",
        "## Consultation requests (`RAAD`)", "", *_columns(request.COLUMNS), "",
        "Required: " + ", ".join(f"`{c}`" for c in request.REQUIRED_FIELDS) + ".", "",
        "## Return files", "", *_returns(),
        "### Opening them in a spreadsheet", "", *_opening(),
        "## Error codes", "", *_errors(), "",
    ]
    return "\n".join(parts)
