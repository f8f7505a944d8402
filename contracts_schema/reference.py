"""The participants' file-format reference, generated from the declarations in this package, in
English (``docs/file-format.md``) and Dutch (``docs/bestandsformaat.md``).

``cki file-format [--language nl|en]`` prints it; a test fails when a committed file differs from
what this renders. The tables come from the declarations (columns, code tables, the error
catalogue, the return files, the plausibility rules); the sentences around them are ``TEXT``
here and ``reference_nl.TEXT``, with the same keys.
"""

from __future__ import annotations

import polars as pl

from contracts_schema import codes, mutation, plausibility, request, returns, status
from contracts_schema.columns import TYPE_NAMES
from contracts_schema.errors import CATALOGUE, SLOTS, localized, resolve

ANSWER_COLUMNS = ("request_id", "match_status", "status_color", "status_reasons", "contracts_running",
                  "contracts_ended", "total_running_amount")
CONTRACT_COLUMNS = ("request_id", "own_registration", "registered_by", "contract_number", "contract_type",
                    "borrower_no", "amount", "start_date", "theoretical_end_date", "actual_end_date", "codes")
RESULT_FIELDS = ("file", "participant", "kind", "status", "records", "accepted", "rejected", "warnings",
                 "processed_at", "errors_by_code", "file_error")

TEXT: dict[str, str] = {
    "title": "# cki file-format reference",
    "generated": "Generated from `contracts_schema/` by `cki file-format`; do not edit by hand. In Dutch: "
                 "`docs/bestandsformaat.md` (`cki file-format --language nl`).",
    "files": "Files: `<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ>.<csv|parquet>` in `inbox/<PARTICIPANT>/`. "
             "CSV: UTF-8 (BOM accepted), `;` separator, `\"` quoting, header line, dates `YYYY-MM-DD`, "
             "booleans `true`/`false`, whole euros. Upload as `NAME.part` and rename when complete. Return "
             "CSVs: the same, with a BOM.",
    "mutations": "## Mutation records (`MUT`, `INIT`)",
    "columns": "| column | type | meaning |",
    "header": "Required header columns: {required}. Other columns may be left out; unknown columns reject the file.",
    "field_use": "### Fields per mutation type",
    "field_use_head": "| mutation_type | required | may also carry |",
    "code_field": "(code field)", "required_with": "required with code {code}",
    "allowed_with": "allowed with code {code}",
    "other_fields": "Any other non-empty field is `FIELD_NOT_ALLOWED`; `actual_end_date` belongs to `END` and to "
                    "code 3 with `final_discharge` true.",
    "types": "### Contract types",
    "types_head": "| type | name | amount (EUR) | amount | theoretical end date | min. duration | A after (days) | "
                  "needs a code |",
    "months": "{n} months", "always": "always: {codes}", "below": "below {amount}: {codes}", "no": "no",
    "required": "required", "optional": "optional", "forbidden": "forbidden",
    "deadlines": "Reports are due within {days} days of the event (`INIT` files excepted). Borrowers are {low} to "
                 "{high} years old on `event_date`. Code 3 needs `written_off_amount` ≥ {write_off}.",
    "names": "### Plausible names",
    "names_intro": "Names and initials must be plausible, in mutation records and consultation requests alike; a "
                   "value that is not is `{code}`. Letters of any script count, so apostrophes, hyphens, spaces "
                   "and accents stay (`'t Hart`, `Brühl-Noël`, `d'Ancona`).",
    "names_head": "| field | rule (the message's words) | a plausible value |",
    "matches": "matches `{p}`", "not_matches": "does not match `{p}`",
    "codes": "### Codes", "codes_head": "| code | meaning |",
    "requests": "## Consultation requests (`RAAD`)",
    "required_fields": "Required: {fields}.",
    "returns": "## Return files",
    "returns_intro": "For a delivery `NAME.csv` or `NAME.parquet` the night writes into `outbox/<PARTICIPANT>/`:",
    "returns_head": "| file | when, and what it holds |",
    "own_answer": "**Every delivery keeps its own answer.** The return files are named after the delivered file "
                  "without its extension (`NAME`); a name other than `….csv` or `….parquet` is kept whole "
                  "(`notes.txt.result.json`). Where that name is taken — by an earlier answer to you, on any "
                  "earlier night, also one whose files have been deleted since (a re-upload of an answered name, "
                  "which gets `FILE_DUPLICATE` or `FILE_SEQUENCE`), or by another of your deliveries of the same "
                  "night (`NAME.csv` beside `NAME.parquet`) — the later delivery's return files get the first "
                  "free number from {n} up: `NAME.{n}.result.json`, `NAME.{n}.errors.csv`, then `NAME.{n1}.…`. A "
                  "name is never given twice, so an answer is never overwritten. A night takes your deliveries "
                  "in the order {order}, then by sequence number, then by file name (`NAME.csv` before "
                  "`NAME.parquet`), files whose name is not valid last, and names their answers in that order. "
                  "`file` in `result.json` always names the delivered file.",
    "in_time": "**Fetch your answers in time.** Return files are deleted by the night whose run date is "
               "`outbox_days` days after the night that wrote them (the operator's setting, by default {days}): "
               "an answer of day D is there up to and including day D + `outbox_days` - 1. Their names stay taken.",
    "whole": "**A file rejected whole explains itself in `errors.csv` too**: `status` `REJECTED` with a "
             "`file_error` in `result.json`, and in `errors.csv` one row with the same `error_code` and "
             "`message`, `severity` `ERROR` and the other columns empty. Its `line_no` is the record where "
             "reading failed, counted as for every other row (1 = the first data row): a row whose quotes or "
             "fields break the CSV, the first byte that is not UTF-8, the first record of another participant. "
             "It is `0` when the error concerns the file as a whole (its name, size, sequence, content) or its "
             "header, the line before the first record. The message names the line of the file as a text editor "
             "or a spreadsheet numbers it too (the header is line 1), and says what to change.",
    "contents": "**What they hold.** `result.json`: {result}; `status` is `ACCEPTED` (every record applied), "
                "`PARTIAL` (some rejected) or `REJECTED` (nothing applied). `errors.csv` and `errors.xlsx`: "
                "`line_no`, `contract_number` or `request_id`, `error_code`, `severity`, `field`, `message` (a "
                "sentence that quotes the value and the rule), then the record's other columns as "
                "delivered; `line_no` 1 is the first data row, `severity` is `ERROR`, or `WARNING` for a record "
                "applied all the same. `answer.csv`: {answer}. `answer_contracts.csv`: {contracts}.",
    "language": "**Messages in your language.** The `message` of `errors.csv` and of a `file_error` is in Dutch "
                "or in English, as the register's operator set (`language` in its configuration; Dutch unless "
                "set otherwise). Codes, column names and values are the same in both: program against "
                "`error_code`, never against the words of a message.",
    "reasons": "### Status colours of an answer",
    "reasons_intro": "`status_color` is the most serious colour of the reasons in `status_reasons` (`;`-separated, "
                     "in this order):",
    "reasons_head": "| reason | colour | situation |",
    "opening": "### Opening them in a spreadsheet",
    "opening_text": "Return CSVs follow the conventions of deliveries and start with a UTF-8 byte-order mark "
                    "(BOM), so Excel and LibreOffice read `Brühl-Noël` as it is. A spreadsheet that opens a CSV "
                    "by double-click still guesses each cell's type in its own locale: in a Dutch one a delivered "
                    "`7.500` shows as 7500, `28-02-1990` as a date and `0012` as 12. So:",
    "opening_xlsx": "- `NAME.errors.xlsx`: open it directly (double-click, in Excel or LibreOffice Calc). Every "
                    "cell shows exactly what was delivered, `=1+2` included: it is text, never a formula. "
                    "`line_no` is a number; the header row stays in view and has filters.",
    "opening_excel": "- a CSV in Excel: *Data > From Text/CSV* (Dutch: *Gegevens > Van tekst/CSV*), File origin "
                     "`65001: Unicode (UTF-8)`, Delimiter `Semicolon`, Data Type Detection `Do not detect data "
                     "types`, then *Load*.",
    "opening_calc": "- a CSV in LibreOffice Calc: *File > Open*; in the Text Import dialog Character set "
                    "`Unicode (UTF-8)`, Separated by `Semicolon`, click the top-left corner of the preview to "
                    "select every column and set Column type `Text`, then *OK*.",
    "formulas": "In a CSV, never in the workbook, a value that starts with `=`, `+`, `-`, `@`, a tab or a carriage "
                "return (or with quotes before one of them) carries one extra leading `'`, so that no spreadsheet "
                "executes it: a delivered `=1+2` reads `'=1+2`.",
    "errors": "## Error codes",
    "errors_intro": "In a message `{field}` is the column, `{value}` the value as delivered (a long one "
                    "cut short) and `{limit}` the rule it broke; a part the record has no value for is left out "
                    "with its words.",
    "errors_head": "| code | scope | title | meaning, and what to do | message |",
    "file": "file", "record": "record", "request": "request",
}


class _Words:
    """The texts of one language: the sentences, and the words of the declarations' tables."""

    def __init__(self, language: str) -> None:
        self.language = language
        if language == "nl":
            from contracts_schema import reference_nl as nl

            self.text, self.columns, self.types = nl.TEXT, nl.COLUMNS, nl.TYPE_NAMES
            self.code_meanings, self.return_files, self.reasons = nl.CODE_MEANINGS, nl.RETURN_FILES, nl.REASONS
        else:
            self.text, self.types, self.code_meanings = TEXT, TYPE_NAMES, codes.CODE_MEANINGS
            self.columns = {c.name: c.description for c in (*mutation.COLUMNS, *request.COLUMNS)}
            self.return_files = returns.RETURN_FILES
            self.reasons = {reason: situation for reason, _, situation in status.REASONS}

    def __getitem__(self, key: str) -> str:
        return self.text[key]

    def number(self, n: int) -> str:
        """``175,000`` in English, ``175.000`` in Dutch."""
        return f"{n:,}".replace(",", ".") if self.language == "nl" else f"{n:,}"

    def said(self, english: str) -> str:
        """A declaration's English words (a plausibility rule) as the error messages say them."""
        return pl.select(localized(pl.lit(english), self.language)).item()


def _listed(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _columns(columns, w: _Words) -> list[str]:
    lines = [w["columns"], "|---|---|---|"]
    lines += [f"| `{c.name}` | {w.types[c.kind]} | {w.columns[c.name]} |" for c in columns]
    return lines


def _types(w: _Words) -> list[str]:
    lines = [w["types_head"], "|---|---|---|---|---|---|---|---|"]
    for t in codes.CONTRACT_TYPES:
        amount = "-" if t.amount_min is None else f"{w.number(t.amount_min)} – {w.number(t.amount_max)}" \
            if t.amount_max else f"≥ {w.number(t.amount_min)}"
        listed = ", ".join(t.negative_codes)
        needs = w["always"].format(codes=listed) if not t.registered_without_code else (
            w["below"].format(amount=t.negative_below, codes=listed) if t.negative_below else w["no"])
        months = w["months"].format(n=t.min_duration_months) if t.min_duration_months else "-"
        lines.append(f"| `{t.code}` | {t.name} | {amount} | {w[t.amount_use]} | {w[t.end_date_use]} | {months} | "
                     f"{t.arrears_days} | {needs} |")
    return lines


def _field_use(w: _Words) -> list[str]:
    lines = [w["field_use_head"], "|---|---|---|"]
    for mtype, use in mutation.FIELD_USE.items():
        lines.append(f"| `{mtype}` | {_listed(use['required']) or '-'} | {_listed(use['allowed']) or '-'} |")
    for field, by_code in mutation.CODE_FIELDS.items():
        how = ", ".join(w["required_with" if u == "R" else "allowed_with"].format(code=c) for c, u in by_code.items())
        lines.append(f"| {w['code_field']} | `{field}`: {how} | |")
    return lines


def _plausibility(w: _Words) -> list[str]:
    lines = [w["names_head"], "|---|---|---|"]
    for rule in plausibility.RULES:
        patterns = [w["matches"].format(p=p) for p in rule.must_match]
        patterns += [w["not_matches"].format(p=p) for p in rule.must_not_match]
        lines += [f"| `{field}` | {w.said(rule.rule)} | {'; '.join(patterns)} |" for field in rule.fields]
    return lines


def _returns(w: _Words) -> list[str]:
    lines = [w["returns_intro"], "", w["returns_head"], "|---|---|"]
    lines += [f"| `NAME{suffix}` | {w.return_files[suffix]} |" for suffix in returns.RETURN_FILES]
    n = returns.FIRST_REPEAT
    contents = w["contents"].format(result=_listed(RESULT_FIELDS), answer=_listed(ANSWER_COLUMNS),
                                    contracts=_listed(CONTRACT_COLUMNS))
    return [*lines, "",
            w["own_answer"].format(n=n, n1=n + 1, order=_listed(codes.FILE_KINDS)), "",
            w["in_time"].format(days=returns.OUTBOX_DAYS_DEFAULT), "", w["whole"], "", contents, "", w["language"], "",
            w["reasons"], "", w["reasons_intro"], "", w["reasons_head"], "|---|---|---|",
            *[f"| `{reason}` | `{colour}` | {w.reasons[reason]} |" for reason, colour, _ in status.REASONS], ""]


def _opening(w: _Words) -> list[str]:
    return [w["opening_text"], "", w["opening_xlsx"], w["opening_excel"], w["opening_calc"], "", w["formulas"], ""]


def _errors(w: _Words) -> list[str]:
    lines = [w["errors_intro"], "", w["errors_head"], "|---|---|---|---|---|"]
    for e in CATALOGUE:
        text = e.text(w.language)
        full = resolve(text.template, frozenset(SLOTS))
        lines.append(f"| `{e.code}` | {w[e.scope]} | {text.title} | {text.description} | {full} |")
    return lines


def render(language: str = "en") -> str:
    """The whole reference as Markdown, in ``language`` (en or nl)."""
    w = _Words(language)
    parts = [
        w["title"], "", w["generated"], "", w["files"], "",
        w["mutations"], "", *_columns(mutation.COLUMNS, w), "",
        w["header"].format(required=_listed(mutation.REQUIRED_HEADER)), "",
        w["field_use"], "", *_field_use(w), "", w["other_fields"], "",
        w["types"], "", *_types(w), "",
        w["deadlines"].format(days=codes.REPORTING_DEADLINE_DAYS, low=codes.MIN_AGE, high=codes.MAX_AGE,
                              write_off=codes.MIN_WRITE_OFF), "",
        w["names"], "", w["names_intro"].format(code=plausibility.CODE), "", *_plausibility(w), "",
        w["codes"], "", w["codes_head"], "|---|---|", *[f"| `{c}` | {m} |" for c, m in w.code_meanings.items()], "",
        w["requests"], "", *_columns(request.COLUMNS, w), "",
        w["required_fields"].format(fields=_listed(request.REQUIRED_FIELDS)), "",
        w["returns"], "", *_returns(w),
        w["opening"], "", *_opening(w),
        w["errors"], "", *_errors(w), "",
    ]
    return "\n".join(parts)
