"""The access report in plain words: the facts ``pipeline.consult.inzage`` gathered, as a letter to the person.

``letter`` turns the report into a ``Letter`` (sentences and label/value pairs in ``nl`` or
``en``); ``as_text`` prints it for the terminal and ``pipeline.consult.inzage_html`` lays the same
letter out for paper, so both forms always hold the same facts. The vocabulary (contract
types, codes, categories, purposes, months) is ``contracts_schema.words``; the letter's own
sentences are ``PHRASES`` below. A person's registrations are a handful: plain loops suffice.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import date, timedelta

from contracts_schema.words import (
    AMOUNT_DEFAULT,
    AMOUNT_WORDS,
    ARREARS_SINCE,
    CATEGORY_WORDS,
    CODE_EVENTS,
    CODE_WORDS,
    FINAL_DISCHARGE,
    PURPOSE_WORDS,
    SOME_AMOUNT,
    TYPE_WORDS,
    euros,
    long_date,
)
from pipeline.register.retention import consultation_cutoff

PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Overzicht van uw gegevens in het kredietregister",
        "date": "Datum: {date}",
        "intro": "U vroeg welke gegevens het kredietregister over u bewaart (recht van inzage, AVG artikel 15). "
                 "Hieronder staan al uw registraties en wie uw gegevens de afgelopen 12 maanden heeft ingezien.",
        "not_found": "Met de opgegeven gegevens staat niemand in het kredietregister: er zijn geen registraties "
                     "op uw naam.",
        "not_unique": "Meer dan één persoon past bij de opgegeven gegevens. Vraag het overzicht opnieuw aan met "
                      "uw postcode en huisnummer (--postcode, --house-number).",
        "person": "Uw persoonsgegevens",
        "name": "Naam", "born": "Geboortedatum", "address": "Adres", "deceased": "Overleden",
        "registrations": "Uw registraties ({n})",
        "no_registrations": "Er staan geen registraties op uw naam.",
        "lender": "Geregistreerd door", "contract_number": "Contractnummer", "start": "Ingangsdatum",
        "expected_end": "Verwachte einddatum", "status": "Status", "running": "loopt nog",
        "ended": "beëindigd op {date}", "borrower": "Kredietnemer",
        "sole": "u bent de enige kredietnemer", "joint": "u bent een van twee kredietnemers",
        "codes": "Bijzonderheden", "no_codes": "geen", "no_amount": "geen bedrag geregistreerd",
        "removal": "Verwijdering", "removed_on": "Wordt verwijderd op {date}",
        "removed_later": "Wordt verwijderd 5 jaar na het einde van het contract",
        "consulted": "Wie heeft uw gegevens ingezien (de afgelopen 12 maanden, sinds {date})",
        "nobody": "Niemand heeft uw gegevens in deze periode ingezien.",
        "legend": "Uitleg",
        "closing": "Klopt er iets niet? Neem contact op met de kredietverstrekker die de registratie heeft "
                   "gemeld: alleen die kan een registratie laten corrigeren of verwijderen. Een registratie "
                   "blijft na het einde van het contract nog 5 jaar staan en wordt daarna verwijderd.",
        "sender": "Kredietregister (CKI)",
        "to": "Aan",
        "written": "De brief staat in {path}",
        "when": "Datum", "who": "Wie", "why": "Waarom",
    },
    "en": {
        "title": "Your data in the credit register",
        "date": "Date: {date}",
        "intro": "You asked which data the credit register keeps about you (right of access, GDPR article 15). "
                 "Below are all your registrations and who consulted your data in the last 12 months.",
        "not_found": "No registration found for this person: nobody with the given details is in the credit "
                     "register.",
        "not_unique": "More than one person matches the given details. Ask again with your postcode and house "
                      "number (--postcode, --house-number).",
        "person": "Your personal details",
        "name": "Name", "born": "Date of birth", "address": "Address", "deceased": "Deceased",
        "registrations": "Your registrations ({n})",
        "no_registrations": "There are no registrations in your name.",
        "lender": "Registered by", "contract_number": "Contract number", "start": "Start date",
        "expected_end": "Expected end date", "status": "Status", "running": "running",
        "ended": "ended on {date}", "borrower": "Borrower",
        "sole": "you are the only borrower", "joint": "you are one of two borrowers",
        "codes": "Special codes", "no_codes": "none", "no_amount": "no amount registered",
        "removal": "Removal", "removed_on": "Will be removed on {date}",
        "removed_later": "Will be removed 5 years after the contract ends",
        "consulted": "Who consulted your data (the last 12 months, since {date})",
        "nobody": "Nobody consulted your data in this period.",
        "legend": "Explanation",
        "closing": "Is something wrong? Contact the lender that reported the registration: only the lender can "
                   "have a registration corrected or removed. A registration stays for 5 years after the "
                   "contract ends and is removed then.",
        "sender": "Credit register (CKI)",
        "to": "To",
        "written": "The letter is in {path}",
        "when": "Date", "who": "Who", "why": "Why",
    },
}

Facts = list[tuple[str, str]]


@dataclass
class Registration:
    title: str              # "Doorlopend krediet (RK)"
    facts: Facts            # (label, value), in the order they are read


@dataclass
class Consultation:
    day: str
    who: str
    why: str


@dataclass
class Letter:
    """What the person reads, in one language, whatever the form it is printed in."""

    language: str
    title: str
    date_line: str
    message: str                                            # the intro, or why there is nothing to show
    person: Facts = field(default_factory=list)
    addressee: list[str] = field(default_factory=list)        # name and address, for the envelope
    registrations_heading: str = ""
    registrations: list[Registration] = field(default_factory=list)
    consulted_heading: str = ""
    consultations: list[Consultation] = field(default_factory=list)
    nobody: str = ""
    legend_heading: str = ""
    legend: Facts = field(default_factory=list)
    closing: str = ""
    phrases: dict[str, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.person)


def letter(report: dict, language: str) -> Letter:
    """The report as a letter in ``language`` (``nl`` or ``en``)."""
    say = PHRASES[language]
    on = date.fromisoformat(report["request_date"])
    head = Letter(language, say["title"], say["date"].format(date=long_date(on, language)), say["intro"],
                  phrases=say)
    status = report["match_status"]
    if status != "FOUND":
        head.message = say["not_found" if status == "NOT_FOUND" else "not_unique"]
        return head
    regs = report["registrations"]
    head.person = _person(report["person"], language)
    head.addressee = [head.person[0][1], head.person[2][1]]       # name, address
    head.registrations_heading = say["registrations"].format(n=len(regs))
    head.registrations = [_registration(r, language) for r in regs]
    head.consulted_heading = say["consulted"].format(date=long_date(_window_start(on), language))
    head.consultations = [_consultation(c, language) for c in report["consulted_by"]]
    head.nobody = say["nobody"] if not head.consultations else ""
    head.legend_heading, head.legend, head.closing = say["legend"], _legend(regs, language), say["closing"]
    return head


def _window_start(on: date) -> date:
    """The first day the 12-month window shows (the day after ``consultation_cutoff``)."""
    return consultation_cutoff(on) + timedelta(days=1)


def _day(text: str | None, language: str) -> str:
    return long_date(date.fromisoformat(text), language) if text else ""


def _person(p: dict, language: str) -> Facts:
    say = PHRASES[language]
    name = " ".join(x for x in (p["initials"], p["surname_prefix"], p["birth_surname"]) if x)
    address = f"{p['postcode'] or ''} {p['house_number'] or ''}{p['house_number_suffix'] or ''}".strip()
    facts = [(say["name"], name), (say["born"], _day(p["birth_date"], language)), (say["address"], address)]
    return facts + ([(say["deceased"], _day(p["deceased_date"], language))] if p["deceased_date"] else [])


def lender(name: str | None, code: str, category: str | None, language: str) -> str:
    """``Voorbeeldbank (bank)``: the participant's name from config.yaml, its code when it has none."""
    kind = CATEGORY_WORDS[category].name(language) if category in CATEGORY_WORDS else None
    return f"{name or code} ({kind})" if kind else (name or code)


def _registration(r: dict, language: str) -> Registration:
    say, kind = PHRASES[language], r["contract_type"]
    amount_label = AMOUNT_WORDS.get(kind, AMOUNT_DEFAULT).name(language)
    facts = [(say["lender"], lender(r["participant"], r["participant_code"], r["participant_category"], language)),
             (say["contract_number"], r["contract_number"]),
             (amount_label, euros(r["amount"], language) if r["amount"] else say["no_amount"]),
             (say["start"], _day(r["start_date"], language))]
    if r["theoretical_end_date"]:
        facts.append((say["expected_end"], _day(r["theoretical_end_date"], language)))
    status = say["running"] if r["running"] else say["ended"].format(date=_day(r["actual_end_date"], language))
    facts += [(say["status"], status), (say["borrower"], say["joint" if (r["borrowers"] or 1) > 1 else "sole"]),
              (say["codes"], codes_in_words(r["code_list"], language) or say["no_codes"]),
              (say["removal"], removal_in_words(r, language))]
    return Registration(f"{TYPE_WORDS[kind].name(language)} ({kind})", facts)


def removal_in_words(r: dict, language: str) -> str:
    say = PHRASES[language]
    if r["removal_date"] is None or r["running"]:
        return say["removed_later"]
    return say["removed_on"].format(date=_day(r["removal_date"], language))


def codes_in_words(codes: list[dict], language: str) -> str:
    """``Betalingsachterstand gemeld op 12 mei 2026; achterstand ingelopen op 20 augustus 2026``."""
    text = "; ".join(_code_event(c, language) for c in codes)
    return text[:1].upper() + text[1:]


def _code_event(c: dict, language: str) -> str:
    amount = euros(c["written_off_amount"], language) if c["written_off_amount"] else SOME_AMOUNT.name(language)
    text = CODE_EVENTS[c["code"]].name(language).format(date=_day(c["code_date"], language), amount=amount)
    if c["code"] == "A" and c["arrears_since"]:
        text += ARREARS_SINCE.name(language).format(date=_day(c["arrears_since"], language))
    if c["code"] == "3" and c["final_discharge"]:
        text += FINAL_DISCHARGE.name(language)
    return text


def _consultation(c: dict, language: str) -> Consultation:
    who = lender(c["participant"], c["participant_code"], c["participant_category"], language)
    why = PURPOSE_WORDS[c["purpose"]].name(language) if c["purpose"] in PURPOSE_WORDS else c["purpose"]
    return Consultation(_day(c["consulted_on"], language), who, why)


def _legend(regs: list[dict], language: str) -> Facts:
    """What each contract type and code on the letter means, in the order the tables list them."""
    kinds = {r["contract_type"] for r in regs}
    codes = {c["code"] for r in regs for c in r["code_list"]}
    return ([(f"{w.name(language)} ({k})", w.meaning(language)) for k, w in TYPE_WORDS.items() if k in kinds]
            + [(f"Code {k} ({w.name(language)})", w.meaning(language))
               for k, w in CODE_WORDS.items() if k in codes])


def as_text(doc: Letter) -> str:
    """The letter for a terminal: headings, aligned ``label: value`` lines, text wrapped at 100."""
    lines = [doc.title, doc.date_line, "", *_wrap(doc.message)]
    if not doc.found:
        return "\n".join(lines) + "\n"
    lines += ["", doc.phrases["person"], *_aligned(doc.person, "  "), "", doc.registrations_heading]
    if not doc.registrations:
        lines.append("  " + doc.phrases["no_registrations"])
    every = [fact for reg in doc.registrations for fact in reg.facts]        # one column for all of them
    for i, reg in enumerate(doc.registrations, 1):
        lines += ["", f"{i}. {reg.title}", *_aligned(reg.facts, "   ", every)]
    lines += ["", doc.consulted_heading, *_consultations(doc.consultations)]
    lines += ["  " + doc.nobody] if not doc.consultations else []
    lines += ["", doc.legend_heading]
    for label, text in doc.legend:
        lines += _wrap(f"{label}: {text}", "  ", "    ")
    return "\n".join([*lines, "", *_wrap(doc.closing)]) + "\n"


def _consultations(seen: list[Consultation]) -> list[str]:
    width = max((len(c.day) for c in seen), default=0)
    return [f"  {c.day:<{width}}  {c.who}: {c.why}" for c in seen]


def _aligned(facts: Facts, indent: str, column: Facts | None = None) -> list[str]:
    """``label: value`` lines, the values in one column (the widest label of ``column``)."""
    width = max((len(label) for label, _ in column or facts), default=0) + 1
    lines = []
    for label, value in facts:
        lines += _wrap(f"{label + ':':<{width}} {value}", indent, indent + " " * (width + 1))
    return lines


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, width=100, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)
