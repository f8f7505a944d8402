"""Reference lists for the synthetic population: surnames, initials, municipalities.

Real Dutch-looking surnames (most common first, so a Zipf weight fits), plus stems and endings
that compose a few thousand more (Bergsma, Hoogveld, ...) so that namesakes are as rare as in
the real register. Municipality names are partly real (with their CBS codes), partly composed.
"""

from __future__ import annotations

PREFIXES = ("van", "de", "van der", "van den", "van de", "ter", "te", "den", "in 't", "van 't")

_COMMON = """
de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|Mulder|
de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|
van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|van der Veen|
van den Broek|de Bruijn|de Bruin|van der Heijden|Schouten|van Beek|Willems|van Vliet|van de Ven|
Hoekstra|Maas|Verhoeven|Koster|van Dam|van der Wal|Prins|Blom|Huisman|Peeters|de Jonge|Kuipers|
van Veen|Post|Kuiper|Veenstra|Kramer|van den Brink|Scholten|van Wijk|Postma|Martens|Vink|
de Ruiter|Timmermans|Groen|Gerritsen|Jonker|van Loon|Boer|van der Velde|Willemsen|Smeets|
de Lange|de Vos|Bosch|van Dongen|Schipper|de Koning|van der Laan|Koning|van der Velden|Driessen|
van Doorn|Hermans|Evers|van den Bosch|van der Meulen|Hofman|Bosman|Wolters|Sanders|van der Horst|
Mol|Kuijpers|Molenaar|van de Pol|de Leeuw|Verbeek|Bakker|Claassen|Wouters|Goossens|Jansma|
van Rijn|Biesheuvel|Aarts|van Es|Hoogendoorn|Verschuren|Bakx|Brinkman|Dijkman|Koops|Lammers|
Meijers|Nijhuis|Oosterhuis|Pol|Rietveld|Sluiter|Terpstra|Ubbink|Veldman|Wijnands|Zwart|Zijlstra|
van Vugt|van Wijngaarden|van der Zanden|van 't Hof|in 't Veld|ter Horst|te Riele|den Hartog|
den Boer|van 't Zand|ter Beek|van de Kamp|van de Water|van der Steen|van der Ploeg|van Rooij|
van Beek|van Gils|van Hout|van Ommen|van Schaik|Brouwers|Cornelissen|Franken|Geerts|Heijnen|
Kusters|Leenders|Michiels|Nelissen|Ooms|Paulissen|Rutten|Schreurs|Theunissen|Vos|Wagemans|
Yilmaz|Kaya|Demir|Sahin|Çelik|Öztürk|Yildiz|Aydin|Arslan|Dogan|Kiliç|Koç|El Amrani|Bouzid|
Benali|El Idrissi|Haddou|Ouali|Bakkali|Amrani|Boukhari|Ramdin|Sewnandan|Pinas|Tjon|Biharie|
Nguyen|Tran|Wang|Chen|Kowalski|Nowak|Wiśniewski|Müller|Schröder|Schmidt|Gómez|Silva|Gonçalves|
Pereira|Rodrigues|Santos|Ferreira|Novak|Horvath|Popescu|Ionescu|Dimitrov|Georgiou|Papadopoulos|
Hakkert|Ijzerman|IJsselstein|Oudshoorn|Pauw|Quist|Roos|Stam|Tromp|Uiterwijk|Vogel|Westra|
Faber|Gort|Hamers|Keizer|Lubbers|Mertens|Nooteboom|Overbeek|Plomp|Roelofs|Spijkerman|
"""

COMMON_SURNAMES: tuple[tuple[str, str | None], ...] = tuple(
    dict.fromkeys(
        (name.rsplit(" ", 1)[1], name.rsplit(" ", 1)[0])
        if name.split(" ")[0] in {"van", "de", "ter", "te", "den", "in"}
        else (name, None)
        for name in (n.strip() for n in _COMMON.replace("\n", "").split("|"))
        if name
    )
)

SURNAME_STEMS = tuple(
    """Berg Hoog Kamp Veld Brink Holt Wester Ooster Zuid Noord Dijk Beek Bos Brug Molen Kerk Hout
    Steen Water Zand Riet Wit Groen Rood Zwart Lange Klein Groot Ham Hof Horst Broek Heide Linde
    Ek Mee Ver Wil Ger Her Hen Jan Piet Dirk Klaas Gerrit Wouter Sie Bou Kui Lub Mar Nij Oost Pas
    Ruit Schol Tim Uit Vel Wes Zee Haver Koren Rog Appel Eik Es Wilg Vlas Bakel Essel Deur Lin""".split()
)

SURNAME_ENDINGS = tuple(
    """man mans sma stra inga ema huis kamp veld dijk berg sen ink ing hof horst broek beek boom
    land meijer haar loo weg hout zand meer wijk stein kes tjes ens ers rink""".split()
)

# Relative frequency of first letters of Dutch given names (rough).
INITIAL_LETTERS = "JMAPHCWGRESLKDTFNBIYO"
INITIAL_WEIGHTS = (14, 8, 8, 6, 6, 6, 5, 4, 5, 4, 4, 4, 4, 4, 4, 3, 3, 3, 2, 2, 1)

HOUSE_SUFFIXES = ("A", "B", "C", "D", "1", "2", "3", "H", "bis", "hs", "I", "II")

# First letter of the postcode letter pair (F I O Q U Y are not used).
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"

REAL_GEMEENTEN = (
    ("GM0363", "Amsterdam"),
    ("GM0599", "Rotterdam"),
    ("GM0518", "'s-Gravenhage"),
    ("GM0344", "Utrecht"),
    ("GM0772", "Eindhoven"),
    ("GM0014", "Groningen"),
    ("GM0855", "Tilburg"),
    ("GM0034", "Almere"),
    ("GM0758", "Breda"),
    ("GM0268", "Nijmegen"),
    ("GM0193", "Zwolle"),
    ("GM0392", "Haarlem"),
    ("GM0202", "Arnhem"),
    ("GM0153", "Enschede"),
    ("GM0307", "Amersfoort"),
    ("GM0200", "Apeldoorn"),
    ("GM0796", "'s-Hertogenbosch"),
    ("GM0479", "Zaanstad"),
    ("GM0394", "Haarlemmermeer"),
    ("GM0080", "Leeuwarden"),
    ("GM0546", "Leiden"),
    ("GM0935", "Maastricht"),
    ("GM0505", "Dordrecht"),
    ("GM0503", "Delft"),
    ("GM0150", "Deventer"),
    ("GM0106", "Assen"),
    ("GM0118", "Emmen"),
    ("GM0402", "Hilversum"),
)

GEMEENTE_STEMS = tuple(
    """Oost West Noord Zuid Nieuw Oud Groot Klein Hoog Laag Berg Veen Wijk Dal Heer Bunne Wester
    Ooster Mid Ravens Ster Hazer Linden Mol Brede Elder Harder Loos Ame Zeven""".split()
)
GEMEENTE_ENDINGS = tuple(
    """wolde veen dijk wijk broek hoven dam zijl horst hout meer beek burg dorp woude rade loo
    haar kerk zande""".split()
)


def composed_gemeenten() -> list[str]:
    """All composed municipality names (a small reference table, not records)."""
    return [s + e for s in GEMEENTE_STEMS for e in GEMEENTE_ENDINGS]
