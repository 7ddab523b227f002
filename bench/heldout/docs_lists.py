"""Held-back documents as lists: per province with bullets, 2025 municipality headings, place in parentheses."""

from __future__ import annotations

import datetime as dt

from bench.heldout.blocks import Bullet, HeldOutDoc, Look, Para
from bench.heldout.truth import application, euro

MINISTER_2022 = ("PIETER DE SMEDT",
                 "VLAAMS MINISTER VAN BINNENLANDS BESTUUR, BESTUURSZAKEN, INBURGERING EN GELIJKE KANSEN")  # fmt: skip

PROVINCE_DATE = dt.date(2022, 11, 8)
PROVINCE = "province-two-level-bullets"
_BY_PROVINCE = {
    # province heading -> (place as written, municipality, sub, title, amount, neighbourhoods)
    "Provincie Antwerpen": (
        ("Mechelen", "Mechelen", None, "Buurtkamer Nekkerspoel", 95000, ("Nekkerspoel",)),
        ("Herentals", "Herentals", None, "Zandbergen bloeit", 60000, ("Zandbergen",)),
        ("Antwerpen (Hoboken)", "Antwerpen", "Hoboken", "Groen hart Hoboken", 150000, ("Hoboken",)),
    ),
    "Provincie Limburg": (
        ("Genk", "Genk", None, "Winterslag kookt en kweekt", 82500, ("Winterslag",)),
        ("Lommel", "Lommel", None, "Buurtwerking Lutlommel", 48000, ("Lutlommel",)),
        ("Houthalen-Helchteren", "Houthalen-Helchteren", None, "Meulenberg verbindt", 71250, ("Meulenberg",)),
    ),
    "Provincie Oost-Vlaanderen": (
        ("Gent (Ledeberg)", "Gent", "Ledeberg", "Ledeberg doet mee", 130000, ("Ledeberg",)),
        ("Ninove", "Ninove", None, "Ontmoeten aan de Dender", 55000, ()),
        ("Eeklo", "Eeklo", None, "Speelweefsel Oostveld", 40000, ("Oostveld",)),
    ),
    "Provincie Vlaams-Brabant": (
        ("Tienen", "Tienen", None, "Grimde ontmoet", 45000, ("Grimde",)),
        ("Vilvoorde", "Vilvoorde", None, "Far West leeft", 110000, ("Far West",)),
    ),
    "Provincie West-Vlaanderen": (
        ("Roeselare", "Roeselare", None, "Krottegem, schakel tussen generaties", 90000, ("Krottegem",)),
        ("Waregem", "Waregem", None, "Groene buurt Biest", 58500, ("Biest",)),
    ),
}  # fmt: skip


def province_document() -> HeldOutDoc:
    """Province headings, then bullets (the Symbol font's bullet) "Gemeente: Titel – € bedrag", subtotals."""
    apps, answer = [], [
        Para("1. Er werden 41 aanvragen ingediend, verspreid over alle Vlaamse provincies."),
        Para("2. De jury selecteerde 13 projecten. Hieronder vindt u de goedgekeurde projecten per provincie:"),
    ]
    for province, items in _BY_PROVINCE.items():
        answer.append(Para(province, bold=True, keep=True, space_before=4))
        for written, municipality, sub, title, amount, hoods in items:
            apps.append(application(PROVINCE_DATE, written.split(" (")[0], municipality, title, form=PROVINCE,
                                    status="accepted", budget=amount, sub=sub, hoods=hoods))
            answer.append(Bullet(f"{written}: {title} – € {euro(amount)}", mark="•", mark_font="Symbol"))
        subtotal = sum(item[4] for item in items)
        answer.append(Para(f"Subtotaal {province.replace('Provincie', 'provincie')}: € {euro(subtotal)}", italic=True))
    answer.append(Para("3. De subsidie wordt in twee schijven uitbetaald: 60 procent bij de start en 40 procent na "
                       "goedkeuring van het eindverslag."))  # fmt: skip
    return HeldOutDoc(
        name="b_province_bullets_2022", number=145, date=PROVINCE_DATE, questioner="ILSE MEERSMAN",
        minister=MINISTER_2022[0], minister_title=MINISTER_2022[1],
        title="Projectoproep Warme Wijken - Goedgekeurde projecten per provincie",
        question=(
            "De projectoproep Warme Wijken ondersteunt lokale besturen die in een kwetsbare wijk de sociale "
            "cohesie willen versterken.",
            "1. Hoeveel aanvragen werden ingediend?",
            "2. Welke projecten werden goedgekeurd, per provincie, en voor welk bedrag?",
            "3. Hoe wordt de subsidie uitbetaald?",
        ),
        answer=tuple(answer), applications=tuple(apps), form=PROVINCE,
        look=Look(font="Helvetica", size=10.5, running_header=False, footer="number"),
    )  # fmt: skip


MERGED_DATE = dt.date(2025, 4, 3)
MERGED = "municipality-heading-2025"
_MERGED = (
    # heading municipality, former municipality (sub), title, amount, status
    ("Pajottegem", "Herne", "Dorpshart Herne", 310000, "accepted"),
    ("Pajottegem", "Galmaarden", "Trage wegen Galmaarden", 145000, "accepted"),
    ("Beveren-Kruibeke-Zwijndrecht", "Zwijndrecht", "Nieuw dorpsplein Zwijndrecht", 280000, "accepted"),
    ("Beveren-Kruibeke-Zwijndrecht", "Kruibeke", "Kruibeke aan de Schelde", 195000, "accepted"),
    ("Tessenderlo-Ham", "Ham", "Samen op het Kerkplein in Ham", 120000, "accepted"),
    ("Merelbeke-Melle", "Melle", "Melle, groen dorp aan de Schelde", 230000, "accepted"),
    ("Lochristi", "Wachtebeke", "Dorpskern Wachtebeke ademt", 175000, "accepted"),
    ("Nazareth-De Pinte", "De Pinte", "Stationsomgeving De Pinte", 260000, "accepted"),
    ("Tielt", "Meulebeke", "Marktplein Meulebeke", 150000, "accepted"),
    ("Hasselt", "Kortessem", "Kortessem bruist", 98000, "accepted"),
    ("Lokeren", "Moerbeke", "Moerbeke, dorp aan de Moervaart", 110000, "accepted"),
    ("Antwerpen", "Borsbeek", "Borsbeek, dorp in de stad", 205000, "accepted"),
    ("Tongeren-Borgloon", "Borgloon", "Fruitdorp Borgloon", None, "rejected"),
    ("Bilzen-Hoeselt", "Hoeselt", "Hoeselt, hart van Haspengouw", None, "rejected"),
)  # fmt: skip


def merged_document() -> HeldOutDoc:
    """After the 2025 mergers: each item a heading "MUNICIPALITY (FORMER)", the title, the amount, a summary."""
    apps, answer = [], [
        Para("1. Het Plattelandsfonds ontving 14 aanvragen van fusiegemeenten. Twaalf projecten werden geselecteerd."),
        Para("2. Geselecteerde projecten:", bold=True),
    ]
    for n, (municipality, former, title, amount, status) in enumerate(_MERGED):
        if n == 12:
            answer.append(Para("3. Niet geselecteerde projecten:", bold=True))
        apps.append(application(MERGED_DATE, municipality.upper(), municipality, title, form=MERGED, status=status,
                                budget=amount, sub=former, hoods=(former,)))
        answer.append(Para(f"{municipality.upper()} ({former.upper()})", bold=True, keep=True, space_before=6))
        answer.append(Para(title, italic=True, keep=True))
        if amount:
            answer.append(Para(f"Toegekende subsidie: {euro(amount)} euro", keep=True))
        if amount:
            answer.append(Para(f"De voormalige gemeente {former} krijgt een vernieuwde dorpskern met ruimte voor "
                               "ontmoeting, groen en veilige trage verbindingen. Het project werd opgemaakt met de "
                               "inwoners van de deelgemeente."))  # fmt: skip
        else:
            answer.append(Para(f"Het dossier voor {former} was onvoldoende uitgewerkt: de raming ontbrak en de "
                               "inspraak van de inwoners was nog niet gestart."))  # fmt: skip
    answer.append(Para("4. De geselecteerde besturen ontvangen de eerste schijf in juni 2025."))
    return HeldOutDoc(
        name="e_municipality_headings_2025", number=77, date=MERGED_DATE, questioner="JORIS VAN OVERSTRAETEN",
        minister="KATRIEN VERHAEGEN",
        minister_title="VICEMINISTER-PRESIDENT VAN DE VLAAMSE REGERING, VLAAMS MINISTER VAN BINNENLANDS BESTUUR, "
                       "STEDEN- EN PLATTELANDSBELEID",
        title="Plattelandsfonds - Dorpskernvernieuwing in fusiegemeenten",
        question=(
            "Op 1 januari 2025 fuseerden verschillende gemeenten. Het Plattelandsfonds wil de dorpskernen van de "
            "voormalige gemeenten versterken.",
            "1. Hoeveel aanvragen werden ingediend?",
            "2. Welke projecten werden geselecteerd en voor welk bedrag?",
            "3. Welke projecten werden niet geselecteerd?",
            "4. Wanneer volgt de uitbetaling?",
        ),
        answer=tuple(answer), applications=tuple(apps), form=MERGED,
        look=Look(font="Helvetica", size=10.0, justify=True, running_header=True, footer="page_of",
                  first_page_block=False),
    )  # fmt: skip


PARENS_DATE = dt.date(2024, 2, 27)
PARENS = "place-in-parentheses-with-distractors"
_SCHOOLS = (
    # title, place as written, municipality, sub, amount
    ("Schoolstraat De Vlinder", "Roeselare – Rumbeke", "Roeselare", "Rumbeke", 48000),
    ("Fietszone Sint-Germanus", "Tienen", "Tienen", None, 55000),
    ("Kiss & ride Sint-Jozefscollege", "Aalst – Erembodegem", "Aalst", "Erembodegem", 35000),
    ("Schoolomgeving Heilig Hart", "Heist-op-den-Berg", "Heist-op-den-Berg", None, 41000),
    ("Veilige oversteek Kasteelstraat", "Knokke-Heist", "Knokke-Heist", None, 29500),
    ("Schoolstraat Klavertje Vier", "Mol", "Mol", None, 38000),
    ("Verkeersluwe zone De Linde", "Brasschaat", "Brasschaat", None, 44000),
    ("Schoolomgeving Windekind", "Gent – Wondelgem", "Gent", "Wondelgem", 60000),
    ("Schoolroute Sint-Lodewijk", "Lier", "Lier", None, 22000),
)  # fmt: skip
_PER_PROVINCE = (("Antwerpen", 14, 4), ("Limburg", 6, 0), ("Oost-Vlaanderen", 11, 2), ("Vlaams-Brabant", 7, 1),
                 ("West-Vlaanderen", 9, 2))  # fmt: skip


def parentheses_document() -> HeldOutDoc:
    """Criteria (a, b, c) and statistics per province before the real list "n) Titel (Gemeente – deelgemeente)"."""
    apps, answer = [], [
        Para("1. De aanvragen werden beoordeeld op de volgende criteria:"),
        *(Bullet(text, mark=f"{mark})", indent=24) for mark, text in (
            ("a", "de verkeersveiligheid van de schoolomgeving vandaag (ongevallen, snelheid, drukte);"),
            ("b", "de betrokkenheid van de school, de ouders en de buurt;"),
            ("c", "de haalbaarheid van de uitvoering binnen twaalf maanden;"),
            ("d", "een cofinanciering van minstens 20 procent door het lokaal bestuur."),
        )),
        Para("2. Per provincie werden de volgende aantallen aanvragen ingediend:"),
        *(Bullet(f"{name}: {count} aanvragen, waarvan {granted} goedgekeurd", mark="–")
          for name, count, granted in _PER_PROVINCE),
        Para("3. De volgende 9 projecten werden goedgekeurd:"),
    ]  # fmt: skip
    for n, (title, written, municipality, sub, amount) in enumerate(_SCHOOLS, start=1):
        hoods = (sub,) if sub else ()
        apps.append(application(PARENS_DATE, municipality, municipality, title, form=PARENS, status="accepted",
                                budget=amount, sub=sub, hoods=hoods))
        answer.append(Bullet(f"{title} ({written}): € {euro(amount)}", mark=f"{n})", indent=22))
    answer.append(Para(f"Samen gaat het om € {euro(sum(s[4] for s in _SCHOOLS))}. Twee aanvragen uit Limburg staan "
                       "op de reservelijst."))  # fmt: skip
    return HeldOutDoc(
        name="f_parentheses_with_criteria_2024", number=512, date=PARENS_DATE, questioner="SARAH CLAERHOUT",
        minister="LIEN VAN HOUTTE", minister_title="VLAAMS MINISTER VAN MOBILITEIT EN OPENBARE WERKEN",
        title="Oproep Veilige schoolomgevingen - Criteria en goedgekeurde aanvragen",
        question=(
            "In 2023 konden lokale besturen subsidies aanvragen om schoolomgevingen veiliger te maken.",
            "1. Op basis van welke criteria werden de aanvragen beoordeeld?",
            "2. Hoeveel aanvragen werden per provincie ingediend?",
            "3. Welke projecten werden goedgekeurd en voor welk bedrag?",
        ),
        answer=tuple(answer), applications=tuple(apps), form=PARENS,
        look=Look(font="Times", size=11.0, running_header=True, footer="none"),
    )  # fmt: skip
