"""The file-format reference in Dutch (``docs/bestandsformaat.md``): the sentences of ``reference.TEXT``
under the same keys, and the Dutch of the declarations' words (columns, types, codes, return files,
the reasons of an answer's colour). A test keeps every key and every column covered.
"""

from __future__ import annotations

from contracts_schema.codes import CONTRACT_TYPE_CODES, MAX_AGE, MIN_AGE, MIN_WRITE_OFF
from contracts_schema.returns import ERRORS_XLSX_MAX_ROWS

_MAX_ROWS = f"{ERRORS_XLSX_MAX_ROWS:,}".replace(",", ".")      # 100.000: a Dutch reader's thousands

TEXT: dict[str, str] = {
    "title": "# cki bestandsformaat",
    "generated": "Gemaakt uit `contracts_schema/` door `cki file-format --language nl`; niet met de hand "
                 "bewerken. In het Engels: `docs/file-format.md` (`cki file-format`).",
    "files": "Bestanden: `<PARTICIPANT>_<MUT|INIT|RAAD>_<YYYYMMDD>_<SEQ>.<csv|parquet>` in "
             "`inbox/<PARTICIPANT>/`. CSV: UTF-8 (een BOM mag), `;` als scheidingsteken, `\"` als "
             "aanhalingsteken, een kopregel, datums `JJJJ-MM-DD`, waar/onwaar als `true`/`false`, hele euro's. "
             "Upload een bestand als `NAME.part` en geef het de definitieve naam als het compleet is. "
             "Retourbestanden in CSV: hetzelfde, met een BOM.",
    "mutations": "## Mutaties (`MUT`, `INIT`)",
    "columns": "| kolom | gegevenstype | betekenis |",
    "header": "Verplichte kolommen in de kopregel: {required}. Andere kolommen mogen ontbreken; een onbekende "
              "kolom doet het hele bestand afwijzen.",
    "field_use": "### Velden per mutation_type",
    "field_use_head": "| mutation_type | verplicht | mag ook bevatten |",
    "code_field": "(veld bij een code)", "required_with": "verplicht bij code {code}",
    "allowed_with": "toegestaan bij code {code}",
    "other_fields": "Elk ander gevuld veld is `FIELD_NOT_ALLOWED`; `actual_end_date` hoort bij `END` en bij "
                    "code 3 met `final_discharge` true.",
    "types": "### Contractsoorten",
    "types_head": "| soort | naam | bedrag (EUR) | bedrag | theoretische einddatum | min. looptijd | A na (dagen) | "
                  "code nodig |",
    "months": "{n} maanden", "always": "altijd: {codes}", "below": "onder {amount}: {codes}", "no": "nee",
    "required": "verplicht", "optional": "optioneel", "forbidden": "niet toegestaan",
    "deadlines": "Meld een gebeurtenis binnen {days} dagen (`INIT`-bestanden uitgezonderd). Kredietnemers zijn "
                 "{low} tot en met {high} jaar oud op `event_date`. Code 3 vereist `written_off_amount` ≥ "
                 "{write_off}.",
    "names": "### Aannemelijke namen",
    "names_intro": "Namen en voorletters moeten aannemelijk zijn, in mutaties en in raadplegingen; een waarde "
                   "die dat niet is, is `{code}`. Letters van elk schrift tellen, dus apostrofs, "
                   "koppeltekens, spaties en accenten blijven staan (`'t Hart`, `Brühl-Noël`, `d'Ancona`).",
    "names_head": "| veld | voorschrift (de woorden van de melding) | een aannemelijke waarde |",
    "matches": "voldoet aan `{p}`", "not_matches": "voldoet niet aan `{p}`",
    "codes": "### Codes", "codes_head": "| code | betekenis |",
    "requests": "## Raadplegingen (`RAAD`)",
    "required_fields": "Verplicht: {fields}.",
    "returns": "## Retourbestanden",
    "returns_intro": "Voor een aanlevering `NAME.csv` of `NAME.parquet` schrijft de nacht in "
                     "`outbox/<PARTICIPANT>/`:",
    "returns_head": "| bestand | wanneer, en wat erin staat |",
    "own_answer": "**Elke aanlevering houdt haar eigen antwoord.** De retourbestanden heten naar het "
                  "aangeleverde bestand zonder extensie (`NAME`); een andere naam dan `….csv` of `….parquet` "
                  "blijft heel (`notes.txt.result.json`). Is die naam al bezet — door een eerder antwoord aan "
                  "u, in een eerdere nacht, ook een waarvan de bestanden inmiddels zijn verwijderd (een "
                  "bestand met een al beantwoorde naam opnieuw aangeleverd, dat `FILE_DUPLICATE` of "
                  "`FILE_SEQUENCE` krijgt), of door een andere aanlevering van u in dezelfde nacht (`NAME.csv` "
                  "naast `NAME.parquet`) — dan krijgen de retourbestanden van de latere aanlevering het eerste "
                  "vrije nummer vanaf {n}: `NAME.{n}.result.json`, `NAME.{n}.errors.csv`, dan `NAME.{n1}.…`. Een "
                  "naam wordt nooit twee keer gegeven, dus een antwoord wordt nooit overschreven. Een nacht neemt "
                  "uw aanleveringen in de volgorde {order}, dan op volgnummer, dan op bestandsnaam (`NAME.csv` "
                  "vóór `NAME.parquet`), bestanden met een ongeldige naam als laatste, en geeft hun antwoorden "
                  "in die volgorde een naam. `file` in `result.json` noemt altijd het aangeleverde bestand.",
    "in_time": "**Haal uw antwoorden op tijd op.** Retourbestanden worden verwijderd door de nacht waarvan de "
               "verwerkingsdatum `outbox_days` dagen na de nacht ligt die ze schreef (de instelling van de "
               "beheerder, standaard {days}): een antwoord van dag D staat er tot en met dag D + `outbox_days` - "
               "1. Hun namen blijven bezet.",
    "whole": "**Een geheel afgewezen bestand legt zich ook in `errors.csv` uit**: `status` `REJECTED` met een "
             "`file_error` in `result.json`, en in `errors.csv` één rij met dezelfde `error_code` en "
             "`message`, `severity` `ERROR` en de andere kolommen leeg. Zijn `line_no` is het record waar het "
             "lezen misging, geteld zoals bij elke andere rij (1 = de eerste gegevensregel): een record "
             "waarvan de aanhalingstekens of velden de CSV breken, de eerste byte die geen UTF-8 is, het eerste "
             "record van een andere deelnemer. Het is `0` als de fout het bestand als geheel betreft (naam, "
             "grootte, volgnummer, inhoud) of de kopregel, de regel vóór het eerste record. De melding noemt "
             "ook de regel van het bestand zoals een teksteditor of spreadsheet die nummert (de kopregel is "
             "regel 1), en zegt wat u moet veranderen.",
    "contents": "**Wat erin staat.** `result.json`: {result}; `status` is `ACCEPTED` (elk record verwerkt), "
                "`PARTIAL` (een deel afgewezen) of `REJECTED` (niets verwerkt). `errors.csv` en `errors.xlsx`: "
                "`line_no`, `contract_number` of `request_id`, `error_code`, `severity`, `field`, `message` (een "
                "zin die de waarde en het voorschrift noemt), dan de andere kolommen van het record zoals "
                "aangeleverd; `line_no` 1 is de eerste gegevensregel, `severity` is `ERROR`, of `WARNING` voor "
                "een record dat toch is verwerkt. `answer.csv`: {answer}. `answer_contracts.csv`: {contracts}.",
    "language": "**Meldingen in uw taal.** De `message` in `errors.csv` en in een `file_error` is Nederlands of "
                "Engels, zoals de beheerder van het register heeft ingesteld (`language` in de configuratie; "
                "Nederlands tenzij anders ingesteld). Codes, kolomnamen en waarden zijn in beide talen gelijk: "
                "laat uw programma's op `error_code` letten, nooit op de woorden van een melding.",
    "reasons": "### Statuskleuren van een antwoord",
    "reasons_intro": "`status_color` is de ernstigste kleur van de redenen in `status_reasons` (gescheiden door "
                     "`;`, in deze volgorde):",
    "reasons_head": "| reden | kleur | situatie |",
    "opening": "### Openen in een spreadsheet",
    "opening_text": "Retourbestanden in CSV volgen de afspraken van aanleveringen en beginnen met een UTF-8 "
                    "byte-order mark (BOM), zodat Excel en LibreOffice `Brühl-Noël` lezen zoals het er staat. "
                    "Een spreadsheet die een CSV met een dubbelklik opent, raadt toch het soort van elke cel "
                    "volgens de eigen landinstelling: in een Nederlandse wordt een aangeleverde `7.500` 7500, "
                    "`28-02-1990` een datum en `0012` 12. Daarom:",
    "opening_xlsx": "- `NAME.errors.xlsx`: open het direct (dubbelklik, in Excel of LibreOffice Calc). Elke cel "
                    "toont precies wat is aangeleverd, ook `=1+2`: het is tekst, nooit een formule. `line_no` is "
                    "een getal; de kopregel blijft in beeld en heeft filters.",
    "opening_excel": "- een CSV in Excel: *Gegevens > Van tekst/CSV*, Bestandsoorsprong `65001: Unicode (UTF-8)`, "
                     "Scheidingsteken `Puntkomma`, Detectie van gegevenstype `Geen gegevenstypen detecteren`, dan "
                     "*Laden*.",
    "opening_calc": "- een CSV in LibreOffice Calc: *Bestand > Openen*; in het venster Tekstimport Tekenset "
                    "`Unicode (UTF-8)`, Gescheiden door `Puntkomma`, klik op de linkerbovenhoek van het voorbeeld "
                    "om elke kolom te selecteren en kies Kolomtype `Tekst`, dan *OK*.",
    "formulas": "In een CSV, nooit in de werkmap, krijgt een waarde die begint met `=`, `+`, `-`, `@`, een tab "
                "of een carriage return (of met aanhalingstekens vóór een daarvan) één extra `'` vooraan, zodat "
                "geen spreadsheet haar uitvoert: een aangeleverde `=1+2` staat er als `'=1+2`.",
    "errors": "## Foutcodes",
    "errors_intro": "In een melding is `{field}` de kolom, `{value}` de waarde zoals aangeleverd (een lange "
                    "ingekort) en `{limit}` het voorschrift dat niet is gehaald; een deel waarvoor het record geen "
                    "waarde heeft, valt met zijn woorden weg.",
    "errors_head": "| code | geldt voor | titel | betekenis, en wat u doet | melding |",
    "file": "bestand", "record": "record", "request": "verzoek",
}

COLUMNS: dict[str, str] = {
    "participant_code": "Uw deelnemerscode; gelijk aan de deelnemer van het bestand.",
    "contract_number": "Uw contractnummer: 1-30 tekens uit A-Z a-z 0-9 / . _ -.",
    "mutation_type": "NEW, CHANGE, CODE, CODE_END, END, DELETE of DECEASED.",
    "event_date": "Ingangsdatum (NEW), of de datum van de wijziging, de code, het einde of het overlijden.",
    "contract_type": "Contractsoort (NEW): " + ", ".join(CONTRACT_TYPE_CODES) + ".",
    "amount": "Bedrag of limiet in hele euro's (NEW, CHANGE), per contractsoort.",
    "theoretical_end_date": "Theoretische einddatum, per contractsoort (NEW, CHANGE).",
    "borrower_no": "1 of 2 (standaard 1); de NEW van een contract met twee kredietnemers is twee regels.",
    "birth_surname": "Geboorteachternaam zonder voorvoegsel (een voorvoegsel erin wordt geaccepteerd).",
    "surname_prefix": "Voorvoegsel van de achternaam, zoals 'van der'.",
    "initials": "Voorletters, bijvoorbeeld 'J.P.'.",
    "gender": "M, V of X.",
    "birth_date": f"Geboortedatum; leeftijd {MIN_AGE} tot en met {MAX_AGE} op event_date.",
    "postcode": "Nederlandse postcode '1234AB' (een spatie is toegestaan).",
    "house_number": "Huisnummer.",
    "house_number_suffix": "Huisnummertoevoeging, bijvoorbeeld 'A' of 'bis'.",
    "code": "Code A, H, 1-5 (CODE), 5 (CODE_END), of de eerste code van een NEW.",
    "arrears_since": "De dag waarop de achterstand is ontstaan (code A).",
    "arrears_amount": "Achterstandsbedrag in euro's (code A; verplicht voor RK en RO).",
    "written_off_amount": f"Afgeboekt bedrag, ten minste {MIN_WRITE_OFF} (code 3).",
    "final_discharge": "Finale kwijting, true of false (code 3).",
    "actual_end_date": "Werkelijke einddatum (END: gelijk aan event_date; code 3 met finale kwijting).",
    "request_id": "Uw kenmerk van het verzoek: 1-40 tekens, uniek in het bestand.",
    "purpose": "ACCEPTATIE (een nieuw krediet) of BEHEER (een contract dat u met de persoon heeft).",
}

TYPE_NAMES = {"str": "tekst", "int": "een geheel getal", "date": "een datum JJJJ-MM-DD", "bool": "true of false"}

CODE_MEANINGS: dict[str, str] = {
    "A": "achterstand",
    "H": "herstel van de achterstand",
    "1": "aflossings- of schuldregeling na een achterstand",
    "2": "vordering opeisbaar gesteld",
    "3": f"EUR {MIN_WRITE_OFF} of meer afgeboekt",
    "4": "kredietnemer onbereikbaar",
    "5": "preventieve betaalregeling op een hypotheek",
}

RETURN_FILES: dict[str, str] = {
    ".result.json": "altijd: de `status` van de aanlevering en de aantallen; `file` noemt het aangeleverde bestand",
    ".errors.csv": "altijd: één rij per afgewezen record en per voorschrift dat het niet haalt, en per "
                   "waarschuwing; voor een geheel afgewezen bestand één rij met de bestandsfout (alleen de "
                   "kopregel als er niets is)",
    ".errors.xlsx": "naast elke `errors.csv` (tenzij de beheerder `outputs.errors_xlsx: false` heeft ingesteld): "
                    "dezelfde rijen als werkmap waarin elke waarde een tekstcel is, precies zoals aangeleverd; "
                    f"`line_no` is een getal. Het bevat hooguit de eerste {_MAX_ROWS} rijen (een tweede blad "
                    "`note` zegt het als het er meer zijn)",
    ".answer.csv": "`RAAD`: één rij per geldig verzoek",
    ".answer_contracts.csv": "`RAAD`: één rij per registratie van een gevonden persoon",
}

REASONS: dict[str, str] = {
    "NOT_KNOWN": "geen persoon gevonden",
    "NOT_UNIQUE": "geen eenduidige persoon gevonden",
    "UNREACHABLE": "de persoon heeft een code 4 op een beëindigd contract",
    "DECEASED": "de persoon is als overleden gemeld",
    "RUNNING_CLEAN": "een lopend positief contract zonder achterstand of code",
    "ENDED_CLEAN": "een beëindigd positief contract zonder achterstand of code",
    "RUNNING_RECOVERED": "een lopend positief contract waarvan de achterstand is hersteld, zonder andere code",
    "ENDED_ARREARS": "een beëindigd positief contract met een achterstand (hersteld of niet)",
    "ENDED_SPECIAL": "een beëindigd positief contract met een code 1-5",
    "RUNNING_SPECIAL": "een lopend positief contract met een code 1-5",
    "RUNNING_ARREARS": "een lopend positief contract met een A die niet door een H is gevolgd",
    "SR_ENDED": "een beëindigde schuldregeling",
    "SR_RUNNING": "een lopende schuldregeling",
    "RO_REGISTERED": "een overige financiële verplichting, lopend of beëindigd",
    "HY_ENDED_ARREARS": "een beëindigde hypotheek met een achterstand en zonder code 5",
    "HY_PREVENTIVE": "een lopende hypotheek met een actieve code 5",
    "HY_RUNNING_ARREARS": "een lopende hypotheek met een achterstand en zonder actieve code 5",
    "HY_RUNNING_SPECIAL": "een lopende hypotheek met een code 1-4 en zonder actieve code 5",
    "HY_ENDED_SPECIAL": "een beëindigde hypotheek met een code 1-4 en zonder code 5",
}
