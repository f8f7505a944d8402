"""The error catalogue in Dutch, for the clerks of the lenders (``language: nl``).

``NL`` holds per code its title, description and message template, with the same placeholders and
optional sections as the English in ``errors``. ``PARTS`` puts in Dutch what the rules fill in in
English: the ``{limit}`` (a rule in words, ``for NEW``, ``EUR 500 to 175000 for type AK``) and, for
the codes ``errors.OWN_VALUES`` names, the ``{value}`` when it is our own sentence (``record 3
(line 4 of the file) has 17 fields …``). Each is a regular expression (Rust ``regex`` syntax, as
Polars applies it) and its Dutch, ``${1}`` the text a group matched; they apply in order, the
specific before the general. A delivered value is never changed by them: a part holds delivered
text only where a group carries it over as it is.

Words as the register's documents use them (``seeds/``): kredietnemer, contract, achterstand,
herstel, bijzonderheidscode, werkelijke einddatum, finale kwijting, aanlevering, regel; the
clerk is addressed with "u".
"""

from __future__ import annotations

from contracts_schema.codes import MIN_WRITE_OFF, REPORTING_DEADLINE_DAYS, RETENTION_YEARS

_D = REPORTING_DEADLINE_DAYS
_Y = RETENTION_YEARS

# code: (title, description, template)
NL: dict[str, tuple[str, str, str]] = {
    "FILE_NAME_INVALID": ("ongeldige bestandsnaam",
        "De naam noemt de deelnemer, de soort bestand, de datum en het volgnummer. Geef het bestand de "
        "juiste naam en lever het opnieuw aan.",
        "De bestandsnaam[ '{value}'] volgt niet de regel[ {limit}]."),
    "FILE_PARTICIPANT_MISMATCH": ("bestand van een andere deelnemer",
        "De deelnemer in de bestandsnaam, of in de kolom participant_code, is niet de deelnemer in wiens "
        "inbox het bestand is aangeleverd.",
        "Het bestand hoort bij[ deelnemer '{value}'| een andere deelnemer], maar is aangeleverd in de inbox "
        "van[ {limit}| een andere deelnemer]."),
    "PARTICIPANT_UNKNOWN": ("onbekende deelnemer",
        "De map in de inbox is niet de code van een deelnemer van het register.",
        "[Deelnemer '{value}'|De deelnemer] is niet bekend bij het register[{limit}]."),
    "PARTICIPANT_NOT_AUTHORIZED": ("deelnemer niet bevoegd",
        "De deelnemer mag deze soort bestand niet aanleveren: registraties vragen het recht om te "
        "registreren, raadplegingen het recht om te raadplegen, en alleen wie registreert mag raadplegen "
        "(wederkerigheid).",
        "[Deelnemer '{value}'|Deze deelnemer] is niet bevoegd tot het aanleveren van[ {limit}| deze soort "
        "bestand]."),
    "FILE_DUPLICATE": ("bestand al verwerkt",
        "Een bestand met precies dezelfde inhoud is al eerder verwerkt; van dit bestand wordt niets "
        "verwerkt.",
        "Dit bestand heeft dezelfde inhoud als[ '{value}',| een bestand] dat al is verwerkt."),
    "FILE_SEQUENCE": ("volgnummer niet hoger",
        "Per deelnemer en soort bestand moeten de volgnummers oplopen; lever het bestand opnieuw aan met "
        "een hoger volgnummer.",
        "Volgnummer[ {value}] is niet hoger dan[ {limit}, het laatst verwerkte volgnummer| het laatst "
        "verwerkte volgnummer] van deze deelnemer voor deze soort bestand."),
    "FILE_EMPTY": ("leeg bestand",
        "Het bestand bevat geen records, of zelfs geen kopregel.",
        "Het bestand bevat geen records."),
    "FILE_ENCODING": ("geen UTF-8",
        "Elk bestand is UTF-8-tekst; sla het op als UTF-8 (in Excel: CSV UTF-8) en lever het opnieuw aan.",
        "Het bestand is geen geldige UTF-8-tekst[: {value}]. Sla het op als UTF-8 en lever het opnieuw aan."),
    "FILE_HEADER": ("ongeldige kopregel",
        "De eerste regel noemt de kolommen, gescheiden door ';': de verplichte, geen onbekende en geen "
        "enkele twee keer.",
        "De kopregel (de eerste regel van het bestand) is niet geldig[: {value}]."),
    "FILE_UNREADABLE": ("bestand onleesbaar",
        "Het bestand kon niet als CSV of Parquet worden gelezen; de melding zegt waar het misgaat en hoe u "
        "het herstelt.",
        "Het bestand kon niet worden gelezen[ als {limit}][: {value}]."),
    "FILE_TOO_LARGE": ("bestand te groot",
        "Het bestand is groter dan het register in één aanlevering leest; lever het aan in kleinere "
        "bestanden.",
        "Het bestand is te groot om te lezen[: {value}][, meer dan {limit}]. Lever het aan in kleinere "
        "bestanden, of corrigeer wat te lang is."),
    "FILE_NOT_REGULAR": ("geen gewoon bestand",
        "Een link, een map of een ander bijzonder item in een inbox wordt nooit gelezen; lever alleen "
        "gewone bestanden aan.",
        "['{value}'|Dit item] is geen gewoon bestand[ ({limit})]; alleen gewone bestanden worden gelezen."),
    "MISSING_FIELD": ("veld ontbreekt",
        "Het veld is verplicht bij deze soort record, code of contractsoort, maar is leeg.",
        "[Het veld {field}|Een veld] is verplicht[ {limit}], maar is leeg."),
    "INVALID_TYPE": ("waarde van de verkeerde soort",
        "De tekst in het veld is niet te lezen als een getal, een datum JJJJ-MM-DD of true/false, zoals de "
        "kolom vraagt.",
        "De waarde[ '{value}'][ in {field}] kan niet worden gelezen[ als {limit}]."),
    "INVALID_VALUE": ("waarde niet toegestaan",
        "De waarde is niet een van de toegestane, heeft niet de vereiste vorm, of is te lang.",
        "De waarde[ '{value}'][ in {field}] is niet toegestaan[: {limit}]."),
    "IMPLAUSIBLE_NAME": ("geen aannemelijke naam",
        "Een achternaam, voorvoegsel of voorletters die geen naam kunnen zijn (een formule, cijfers, geen "
        "enkele letter).",
        "De waarde[ '{value}'][ in {field}] is geen aannemelijke naam[: {limit}]. Corrigeer deze zoals die "
        "op het identiteitsbewijs van de persoon staat."),
    "OUT_OF_RANGE": ("waarde buiten het bereik",
        "Een getal of datum buiten wat het veld of de contractsoort toestaat.",
        "De waarde[ {value}][ in {field}] valt buiten het toegestane bereik[: {limit}]."),
    "FIELD_NOT_ALLOWED": ("veld niet toegestaan",
        "Het veld moet leeg zijn bij deze soort record, code of contractsoort.",
        "[Het veld {field}|Een veld] moet leeg zijn[ {limit}][, maar bevat '{value}']."),
    "FUTURE_DATE": ("datum in de toekomst",
        "Een datum na de dag waarop het bestand wordt verwerkt.",
        "De datum[ {value}][ in {field}] ligt na de verwerkingsdatum[ {limit}]."),
    "LATE": ("te laat gemeld",
        f"Gebeurtenissen moeten binnen {_D} dagen worden gemeld; een latere melding wordt afgewezen, of met "
        "een waarschuwing verwerkt als de beheerder van het register dat zo heeft ingesteld.",
        f"De gebeurtenis[ van {{value}}][ ({{field}})] is meer dan {_D} dagen na dato gemeld"
        "[ (uiterste meldingsdatum {limit})]."),
    "RETENTION_EXPIRED": ("bewaartermijn verstreken",
        f"Het contract is meer dan {_Y} jaar geleden beëindigd: het register bewaart het niet meer.",
        f"Het contract is beëindigd[ op {{value}}][; de bewaartermijn van {_Y} jaar is verstreken op "
        f"{{limit}}| meer dan {_Y} jaar geleden]."),
    "UNKNOWN_CONTRACT": ("onbekend contract",
        "Voor de deelnemer is geen contract (of geen kredietnemer) met dit contractnummer geregistreerd.",
        "Het contract[ '{value}'] is niet geregistreerd voor deze deelnemer."),
    "DUPLICATE_CONTRACT": ("contract al geregistreerd",
        "Een NEW voor een contract (en kredietnemer) dat al geregistreerd is.",
        "Het contract[ '{value}'] is al geregistreerd; meld een wijziging met CHANGE of CODE, niet met NEW."),
    "DUPLICATE_RECORD": ("record dubbel aangeleverd",
        "Het record is in elke kolom gelijk aan een eerder record van hetzelfde bestand.",
        "Dit record is een exacte kopie van[ regel {limit}| een eerdere regel]."),
    "TYPE_NOT_ALLOWED": ("contractsoort niet toegestaan",
        "De deelnemer mag geen contracten van deze soort registreren (config.yaml, contract_types).",
        "Contractsoort[ '{value}'] mag niet door deze deelnemer worden geregistreerd[ (toegestaan: {limit})]."),
    "NEGATIVE_ONLY_WITHOUT_CODE": ("code verplicht",
        "Een contract van deze soort (of onder dit bedrag) wordt alleen met een bijzonderheidscode "
        "geregistreerd.",
        "[Een contract van soort {value}|Een contract van deze soort] wordt alleen met een code geregistreerd"
        "[ ({limit})], maar het record heeft er geen."),
    "ARREARS_TOO_EARLY": ("achterstand te vroeg gemeld",
        "Een achterstand mag pas worden gemeld als die het aantal dagen van de contractsoort heeft geduurd.",
        "[Een achterstand sinds {value}|Deze achterstand] mag pas worden gemeld[ vanaf {limit}| na het aantal "
        "dagen van de contractsoort]."),
    "ARREARS_TOO_SMALL": ("achterstandsbedrag te klein",
        "Het achterstandsbedrag ligt onder het minimum van de contractsoort.",
        "Het achterstandsbedrag[ {value}] ligt onder het minimum[ van {limit}]."),
    "H_WITHOUT_A": ("herstel zonder achterstand",
        "Code H (herstel) vereist een openstaande achterstand (code A) op het contract.",
        "Code H (herstel) vereist een openstaande achterstand (code A) op het contract[; {limit}]."),
    "CODE1_WITHOUT_A": ("code 1 zonder achterstand",
        "Code 1 vereist een eerdere code A op het contract.",
        "Code 1 vereist een eerdere code A op het contract[; {limit}]."),
    "CODE5_NOT_MORTGAGE": ("code 5 niet voor deze soort",
        "Code 5 (preventieve betaalregeling) is alleen voor hypotheken, HY en HO.",
        "Code 5 is alleen voor hypotheken (HY, HO)[, niet voor contractsoort {value}]."),
    "WRITE_OFF_TOO_SMALL": ("afgeboekt bedrag te klein",
        f"Code 3 is een afboeking van EUR {MIN_WRITE_OFF} of meer.",
        "Het afgeboekte bedrag[ {value}] ligt onder het minimum[ van {limit}] voor code 3."),
    "DISCHARGE_WITHOUT_END_DATE": ("einddatum ontbreekt",
        "Code 3 met finale kwijting beëindigt het contract: het record bevat de werkelijke einddatum.",
        "Code 3 met finale kwijting vereist de werkelijke einddatum (actual_end_date) in hetzelfde record."),
    "END_DATE_NOT_ALLOWED": ("einddatum niet toegestaan",
        "Alleen END en code 3 met finale kwijting melden een werkelijke einddatum.",
        "De werkelijke einddatum (actual_end_date)[ {value}] mag niet worden gemeld[ {limit}]."),
    "CONTRACT_ENDED": ("contract beëindigd",
        "Het contract is beëindigd; daarna kan alleen nog een DELETE, een overlijden of een code 2, 3 of 4 "
        "volgen.",
        "Het contract is beëindigd[ op {value}][; {limit}]."),
    "CODE_NOT_ACTIVE": ("code niet actief",
        "CODE_END beëindigt een code 5 die op het contract actief is.",
        "Code[ {value}] is niet actief op dit contract en kan dus niet worden beëindigd."),
    "DEPENDS_ON_REJECTED": ("hangt af van een afgewezen record",
        "Het record heeft een eerder record van de nacht nodig (zoals de NEW van het contract) dat is "
        "afgewezen; corrigeer dat record en lever beide opnieuw aan.",
        "Dit record hangt af van het record op[ regel {limit}| een eerdere regel], dat is afgewezen."),
    "DUPLICATE_REQUEST_ID": ("request_id dubbel gebruikt",
        "Elk verzoek in een bestand heeft een eigen request_id.",
        "request_id[ '{value}'] komt meer dan eens voor in het bestand[ (eerst op regel {limit})]."),
    "NO_CONTRACT_FOR_BEHEER": ("geen contract voor BEHEER",
        "Een raadpleging voor BEHEER is voor een persoon met wie u een lopend contract heeft.",
        "Een raadpleging voor BEHEER vereist een lopend contract van uzelf met deze persoon."),
    "PERSON_AMBIGUOUS": ("persoon niet eenduidig (waarschuwing)",
        "Het record is verwerkt; het register kon niet vaststellen over welke geregistreerde persoon het "
        "gaat en heeft een nieuwe persoon geregistreerd. Lever bij elke NEW het adres mee.",
        "Meerdere geregistreerde personen hebben deze naam en geboortedatum en geen van hen heeft dit adres; "
        "er is een nieuwe persoon geregistreerd (waarschuwing)."),
}

_SEQ_RULE = r'put the whole value in double quotes and write a " inside it as ""'
# (pattern, Dutch): the parts rules fill in, in the order they apply.
PARTS: tuple[tuple[str, str], ...] = (
    # where in a file (pipeline.intake.csvshape), then what is wrong there
    (r"^the header \(line (\d+) of the file\) ", "de kopregel (regel ${1} van het bestand) "),
    (r"^record (\d+) \(line (\d+) of the file\) ", "record ${1} (regel ${2} van het bestand) "),
    (r"holds byte (0x[0-9A-F]{2}); the file looks saved as Windows-1252 or Latin-1 \(ANSI\)$",
     "bevat byte ${1}; het bestand lijkt opgeslagen als Windows-1252 of Latin-1 (ANSI)"),
    (r'has a " inside a value that does not start with one: ',
     'heeft een " binnen een waarde die er niet mee begint: '),
    (r'has a quoted value whose closing " is followed by more text: ',
     'heeft een waarde tussen aanhalingstekens waarvan de afsluitende " door meer tekst wordt gevolgd: '),
    (_SEQ_RULE + "$", 'zet de hele waarde tussen dubbele aanhalingstekens en schrijf een " erin als ""'),
    (r'opens a quoted value with " that is never closed: end the value with ", and write a " inside a '
     r'value as ""$', 'opent een waarde met " die nooit wordt gesloten: sluit de waarde af met ", en '
     'schrijf een " binnen een waarde als ""'),
    (r'has (\d+) fields where the header has (\d+): put a value that holds ; in double quotes \("a;b"\), '
     r"or remove the extra ;$", "heeft ${1} velden waar de kopregel er ${2} heeft: zet een waarde met ; "
     'tussen dubbele aanhalingstekens ("a;b"), of verwijder de overbodige ;'),
    # a file as a whole (pipeline.intake: csvtext, limits, parquettext, reader, isolation, checks)
    (r"^it starts with a UTF-16 byte order mark \(the file is saved as UTF-16\)$",
     "het begint met een UTF-16-bytevolgordemarkering (het bestand is opgeslagen als UTF-16)"),
    (r"^its column names are separated by (.+), but the separator must be ';' \(semicolon\): save the file "
     r"again with ; between the values$", "de kolomnamen zijn gescheiden door ${1}, maar het scheidingsteken "
     "moet ';' (puntkomma) zijn: sla het bestand opnieuw op met ; tussen de waarden"),
    (r"gescheiden door ',' \(commas\)", "gescheiden door ',' (komma's)"),
    (r"^its bytes cannot be read as UTF-8 text$", "de bytes zijn niet te lezen als UTF-8-tekst"),
    (r'^the CSV structure is broken: a value that holds ; or " must be in double quotes, with a " inside it '
     r'written as "", and no row may have more fields than the header$',
     'de CSV-structuur is kapot: een waarde met ; of " moet tussen dubbele aanhalingstekens staan, met een '
     '" erin geschreven als "", en geen regel mag meer velden hebben dan de kopregel'),
    (r"^it names (\d+) columns, and a delivery has at most (\d+)$",
     "deze noemt ${1} kolommen, en een aanlevering heeft er ten hoogste ${2}"),
    (r"^missing required columns ", "verplichte kolommen ontbreken: "),
    (r"(^|; )unknown columns ", "${1}onbekende kolommen: "),
    (r"(^|; )columns named twice ", "${1}kolommen die twee keer voorkomen: "),
    (r" and (\d+) more$", " en nog ${1}"),
    (r"^(\d+) lines of records$", "${1} regels met records"),
    (r"^the (\d+) records a delivery may hold \(limits\.max_rows\)$",
     "de ${1} records die een aanlevering mag bevatten (limits.max_rows)"),
    (r"^(at least )?(\d+) bytes of text once decoded$", "${1}${2} bytes tekst na het decoderen"),
    (r"^at least (\d+) bytes tekst", "ten minste ${1} bytes tekst"),
    (r"^the (\d+) bytes of text a delivery may decode to \(limits\.max_decoded_bytes\)$",
     "de ${1} bytes tekst die een aanlevering gedecodeerd mag opleveren (limits.max_decoded_bytes)"),
    (r"^line (\d+) of (\d+) bytes$", "regel ${1} van ${2} bytes"),
    (r"^the (\d+) bytes a line may hold \(limits\.max_line_bytes\); lines must end in LF or CRLF$",
     "de ${1} bytes die een regel mag bevatten (limits.max_line_bytes); regels moeten eindigen op LF of CRLF"),
    (r"^the memory needed to read it$", "het geheugen dat nodig is om het te lezen"),
    (r"^the (\d+) bytes the reader may use \(limits\.reader_memory_bytes\)$",
     "de ${1} bytes die het lezen mag gebruiken (limits.reader_memory_bytes)"),
    (r"^the (\d+) bytes a delivery file may have \(max_file_bytes\)$",
     "de ${1} bytes die een aanleverbestand mag hebben (max_file_bytes)"),
    (r"^the Parquet file is damaged or holds unsupported column types$",
     "het Parquet-bestand is beschadigd of bevat kolomsoorten die niet worden ondersteund"),
    (r"^the reader failed on it$", "het lezen liep erop vast"),
    (r"^the reader took longer than (\d+) seconds \(limits\.read_seconds\)$",
     "het lezen duurde langer dan ${1} seconden (limits.read_seconds)"),
    (r"^the reader stopped answering$", "het lezen gaf geen antwoord meer"),
    (r"^the reader stopped while reading it \(exit code (-?\d+)\)$",
     "het lezen stopte halverwege (afsluitcode ${1})"),
    (r"^the reader stopped while reading it \((\w+)\)$", "het lezen stopte halverwege (${1})"),
    (r"^it was removed from the inbox before it was read$",
     "het is uit de inbox verwijderd voordat het werd gelezen"),
    (r"^a delivery$", "aanlevering"),
    (r"^a link where the participant's inbox folder should be; links are never followed$",
     "een link op de plaats van de inboxmap van de deelnemer; links worden nooit gevolgd"),
    (r"^a link$", "een link"),
    (r"^a folder$", "een map"),
    (r"^special$", "een bijzonder bestand"),
    (r"^it changed while being read$", "het veranderde terwijl het werd gelezen"),
    (r"^: the file lies in inbox/ itself, outside any participant folder \(deliveries go in "
     r"inbox/<PARTICIPANT>/\)$", ": het bestand staat in inbox/ zelf, buiten een map van een deelnemer "
     "(aanleveringen horen in inbox/<PARTICIPANT>/)"),
    (r"^registrations$", "registraties"),
    (r"^consultation requests: only participants that register may consult \(reciprocity\)$",
     "raadplegingen: alleen deelnemers die registreren mogen raadplegen (wederkerigheid)"),
    (r"^consultation requests$", "raadplegingen"),
    (r"<SEQ of 6 digits>", "<SEQ van 6 cijfers>"),
    # a record (pipeline: validate, fieldchecks, parse, staterules, erase, plausibility)
    (r"^for CHANGE \(a CHANGE must carry at least one field to chan.*$",
     "bij CHANGE (een CHANGE bevat ten minste één veld dat wijzigt)"),
    (r"^when (\w+) is reported \(a move\)$", "als ${1} wordt gemeld (een verhuizing)"),
    (r"^with code 3 without final discharge$", "bij code 3 zonder finale kwijting"),
    (r"^with code (\w) for type (\w+)$", "bij code ${1} voor contractsoort ${2}"),
    (r"^with code (\w)$", "bij code ${1}"),
    (r"^without code (\w) or (\w)$", "zonder code ${1} of ${2}"),
    (r"^without code (\w)$", "zonder code ${1}"),
    (r"^with ([A-Z_]+)$", "bij ${1}"),
    (r"^for END it must equal event_date$", "bij END moet deze gelijk zijn aan event_date"),
    (r"^only code 5 can be ended with CODE_END$", "alleen code 5 kan met CODE_END worden beëindigd"),
    (r"^age (\d+) to (\d+) on event_date, not (-?\d+)$", "leeftijd ${1} tot en met ${2} op event_date, niet ${3}"),
    (r"^none$", "geen"),
    (r"^on every record$", "in elk record"),
    (r"^allowed are ", "toegestaan zijn "),
    (r"^it must match ", "deze moet voldoen aan "),
    (r"^at most (\d+) characters$", "ten hoogste ${1} tekens"),
    (r"^at least (\S+)$", "ten minste ${1}"),
    (r"^at most (\S+)$", "ten hoogste ${1}"),
    (r"^EUR (\d+) to no maximum for type (\w+)$", "EUR ${1} of meer voor contractsoort ${2}"),
    (r"^EUR (\d+) to (\d+) for type (\w+)$", "EUR ${1} tot en met ${2} voor contractsoort ${3}"),
    (r"^EUR (\d+) for type (\w+)$", "EUR ${1} voor contractsoort ${2}"),
    (r"^a duration of at least (\d+) months for type (\w+)$",
     "een looptijd van ten minste ${1} maanden voor contractsoort ${2}"),
    (r"^for type (\w+)$", "voor contractsoort ${1}"),
    (r"^for ([A-Z_]+)$", "bij ${1}"),
    (r"^after the start date (\S+)$", "na de ingangsdatum ${1}"),
    (r"^not before the start date (\S+)$", "niet vóór de ingangsdatum ${1}"),
    (r"^there are no open arrears$", "er staat geen achterstand open"),
    (r"^no code A was ever reported$", "er is nooit een code A gemeld"),
    (r"^a ([A-Z_]+) is not possible after the end$", "een ${1} is na het einde niet meer mogelijk"),
    (r"^or before (\S+)$", "of vóór ${1}"),
    (r"^(.+) borrower ([12])$", "${1} kredietnemer ${2}"),
    (r"^([A-Z]{2}) under EUR (\d+)$", "${1} onder EUR ${2}"),
    (r"^a name holds a letter and starts with no =, \+, - or @$",
     "een naam bevat een letter en begint niet met =, +, - of @"),
    (r"^initials are letters and dots only \(J\.P\. or J\. P\.\)$",
     "voorletters zijn alleen letters en punten (J.P. of J. P.)"),
    (r"^a whole number$", "een geheel getal"),
    (r"^a date YYYY-MM-DD$", "een datum JJJJ-MM-DD"),
    (r"^true or false$", "true of false"),
    (r"^text$", "tekst"),
)
