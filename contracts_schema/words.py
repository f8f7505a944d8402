"""The register's vocabulary in words a person reads, in Dutch and English (``language`` in config).

Contract types, codes, participant categories and consultation purposes, as the source documents
(SPEC ``seeds/``: the consumer explainer, the BKR FAQ and the Algemeen Reglement CKI quoted in
004) word them, plus the month names, so a date reads the same on every machine whatever its
locale. ``cki inzage`` reads these; other messages for people can too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts_schema.codes import CATEGORIES, CODES, CONTRACT_TYPE_CODES
from contracts_schema.request import PURPOSES

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@dataclass(frozen=True)
class Words:
    """One thing in both languages: its name and a sentence that says what it means."""

    nl: str
    en: str
    meaning_nl: str = ""
    meaning_en: str = ""

    def name(self, language: str) -> str:
        return self.nl if language == "nl" else self.en

    def meaning(self, language: str) -> str:
        return self.meaning_nl if language == "nl" else self.meaning_en


TYPE_WORDS: dict[str, Words] = {
    "AK": Words("Aflopend krediet", "Instalment loan",
                "Een lening van een vast bedrag die u in termijnen aflost, met een vaste looptijd (zoals een "
                "persoonlijke lening).",
                "A loan of a fixed sum that you repay in instalments over a fixed term (such as a personal loan)."),
    "RK": Words("Doorlopend krediet", "Revolving credit",
                "Een krediet met een limiet waarbinnen u geld kunt opnemen en terugbetalen, zoals een creditcard "
                "of een roodstandlimiet.",
                "A credit with a limit within which you can withdraw and repay money, such as a credit card or "
                "an overdraft limit."),
    "VK": Words("Verzendhuiskrediet", "Mail-order credit",
                "Een krediet van een thuiswinkelorganisatie voor aankopen op afbetaling.",
                "A credit from a home-shopping company for purchases paid in instalments."),
    "OA": Words("Operational autolease", "Operational car lease",
                "Een overeenkomst waarmee u een auto gebruikt tegen periodieke betalingen.",
                "An agreement under which you use a car in return for periodic payments."),
    "SR": Words("Schuldregeling", "Debt arrangement",
                "Schuldhulpverlening: schuldbemiddeling of een saneringskrediet om schulden op te lossen.",
                "Debt relief: debt mediation or a consolidation loan to resolve debts."),
    "HY": Words("Hypothecair krediet eigen woning", "Mortgage on your own home",
                "Een hypotheek op uw eigen woning. Die wordt alleen geregistreerd na een achterstand of een "
                "bijzonderheid.",
                "A mortgage on your own home. It is registered only after arrears or another special event."),
    "HO": Words("Hypothecair krediet overige onroerende zaken", "Mortgage on other real estate",
                "Een hypotheek op een ander pand dan uw eigen woning. Die wordt alleen geregistreerd na een "
                "achterstand of een bijzonderheid.",
                "A mortgage on property other than your own home. It is registered only after arrears or "
                "another special event."),
    "RH": Words("Restschuld hypothecair krediet", "Residual mortgage debt",
                "De schuld die overblijft nadat een woning met een hypotheek is verkocht.",
                "The debt that remains after a mortgaged home has been sold."),
    "RN": Words("Restschuld hypothecair krediet met NHG", "Residual mortgage debt with NHG",
                "Een restschuld na verkoop van de woning, waarvoor een beroep is gedaan op de Nationale "
                "Hypotheek Garantie (NHG).",
                "A residual debt after the sale of the home, for which a claim was made on the National "
                "Mortgage Guarantee (NHG)."),
    "RO": Words("Overige financiële verplichting", "Other financial obligation",
                "Een andere geldlening voor privégebruik of een borgstelling; alleen geregistreerd na een "
                "achterstand.",
                "Another loan for private use or a guarantee; registered only after arrears."),
}

# What a type's amount is: the limit of a revolving credit, the sum borrowed of an instalment loan.
AMOUNT_WORDS: dict[str, Words] = {
    "AK": Words("Kredietsom", "Amount borrowed"),
    "RK": Words("Kredietlimiet", "Credit limit"),
}
AMOUNT_DEFAULT = Words("Bedrag", "Amount")

CODE_WORDS: dict[str, Words] = {
    "A": Words("Achterstand", "Arrears",
               "Er is een betalingsachterstand gemeld.", "Payment arrears were reported."),
    "H": Words("Herstel", "Recovery",
               "De eerder gemelde achterstand is ingelopen. Het herstel wist de achterstand niet uit: u ziet "
               "beide.",
               "The arrears reported earlier were caught up. The recovery does not erase the arrears: both "
               "are shown."),
    "1": Words("Aflossingsregeling", "Repayment arrangement",
               "Er is een aflossingsregeling getroffen, nadat zich een achterstand had voorgedaan.",
               "A repayment arrangement was made after arrears had arisen."),
    "2": Words("Opeisbaar gesteld", "Claim called in",
               "De kredietgever heeft betaling van het restant of van de gehele vordering geëist.",
               "The lender demanded payment of the remainder or of the whole claim."),
    "3": Words("Afboeking", "Write-off",
               "De kredietgever heeft een bedrag van € 250 of meer afgeboekt. Bij finale kwijting hoeft u niets "
               "meer te betalen en is het contract beëindigd.",
               "The lender wrote off an amount of €250 or more. With final discharge nothing more is owed "
               "and the contract has ended."),
    "4": Words("Onbereikbaar", "Unreachable",
               "U bleek onbereikbaar voor de kredietgever.", "The lender could not reach you."),
    "5": Words("Preventieve betaalregeling", "Preventive payment arrangement",
               "U en de kredietgever hebben een schriftelijke preventieve betaalregeling voor de hypotheek "
               "afgesproken. Deze code verdwijnt als de regeling eindigt.",
               "You and the lender agreed a written preventive payment arrangement for the mortgage. The code "
               "is removed when the arrangement ends."),
}

# A code as one event on a registration's timeline: ``{date}`` the day it was reported.
CODE_EVENTS: dict[str, Words] = {
    "A": Words("betalingsachterstand gemeld op {date}", "payment arrears reported on {date}"),
    "H": Words("achterstand ingelopen op {date}", "arrears caught up on {date}"),
    "1": Words("aflossingsregeling getroffen op {date}", "repayment arrangement made on {date}"),
    "2": Words("vordering opeisbaar gesteld op {date}", "claim called in on {date}"),
    "3": Words("{amount} afgeboekt op {date}", "{amount} written off on {date}"),
    "4": Words("gemeld als onbereikbaar op {date}", "reported unreachable on {date}"),
    "5": Words("preventieve betaalregeling getroffen op {date}", "preventive payment arrangement made on {date}"),
}
ARREARS_SINCE = Words(" (achterstand ontstaan op {date})", " (arrears arose on {date})")
FINAL_DISCHARGE = Words(" (finale kwijting: u hoeft niets meer te betalen)",
                        " (final discharge: nothing more is owed)")
SOME_AMOUNT = Words("een bedrag", "an amount")

CATEGORY_WORDS: dict[str, Words] = {
    "BANK": Words("bank", "bank"),
    "FINANCIERINGSMAATSCHAPPIJ": Words("financieringsmaatschappij", "finance company"),
    "THUISWINKEL": Words("thuiswinkelorganisatie", "home-shopping company"),
    "HYPOTHEEKVERSTREKKER": Words("hypotheekverstrekker", "mortgage lender"),
    "CREDITCARD": Words("creditcardorganisatie", "credit card company"),
    "LEASE": Words("leasemaatschappij", "lease company"),
    "GEMEENTE": Words("gemeente (schuldhulpverlening)", "municipality (debt relief)"),
    "OVERIG": Words("overige deelnemer", "other participant"),
}

PURPOSE_WORDS: dict[str, Words] = {
    "ACCEPTATIE": Words("beoordeling van een nieuwe kredietaanvraag", "assessing a new credit application"),
    "BEHEER": Words("beheer van een lopend contract met u", "managing a running contract with you"),
}

MONTHS: dict[str, tuple[str, ...]] = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


def missing_words() -> list[str]:
    """Values the contract defines that a table has no words for (a test keeps this empty)."""
    wanted = {"types": (TYPE_WORDS, CONTRACT_TYPE_CODES), "codes": (CODE_WORDS, CODES),
              "code events": (CODE_EVENTS, CODES), "categories": (CATEGORY_WORDS, CATEGORIES),
              "purposes": (PURPOSE_WORDS, PURPOSES)}
    return [f"{name}: {value}" for name, (table, values) in wanted.items() for value in values if value not in table]


def long_date(day: date, language: str) -> str:
    """``12 mei 2026`` / ``12 May 2026``: month names from the table, not the machine's locale."""
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def euros(amount: int, language: str) -> str:
    """Whole euros as each language writes them: ``€ 25.000`` / ``€25,000``."""
    grouped = f"{amount:,}"
    return f"€ {grouped.replace(',', '.')}" if language == "nl" else f"€{grouped}"
