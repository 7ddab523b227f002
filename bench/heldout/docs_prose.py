"""Held-back documents in prose: a letter naming applications in sentences, and "Stad X: titel" with status lines."""

from __future__ import annotations

import datetime as dt

from bench.heldout.blocks import HeldOutDoc, Look, Para
from bench.heldout.truth import application, euro

LETTER_DATE = dt.date(2023, 2, 14)
LETTER = "prose-letter"


def _letter_apps() -> tuple[dict, ...]:
    d, f = LETTER_DATE, LETTER
    return (
        application(d, "stad Aalst", "Aalst", "Ontmoeten aan de Dender", form=f, status="accepted", budget=185000,
                    hoods=("Mijlbeek",)),
        application(d, "gemeente Zele", "Zele", "Huivelde ontmoet", form=f, status="accepted", budget=96500,
                    hoods=("Huivelde",)),
        application(d, "stad Leuven", "Leuven", "Buurtschuur Vaartkom", form=f, status="accepted", budget=240000,
                    hoods=("Vaartkom",)),
        application(d, "OCMW Mortsel", "Mortsel", "Warme dorpskern Oude-God", form=f, status="accepted",
                    budget=120000, hoods=("Oude-God",)),
        application(d, "stad Ieper", "Ieper", "De Vaart leeft", form=f, status="accepted", budget=75000),
        application(d, "Sint-Truiden", "Sint-Truiden", "Buurthuis Schurhoven", form=f, status="accepted",
                    budget=210000, hoods=("Schurhoven",)),
        application(d, "Wetteren", "Wetteren", "Samen aan de Schelde", form=f, status="rejected"),
        application(d, "Diest", "Diest", "Diest verbindt", form=f, status="rejected"),
    )  # fmt: skip


def letter_document() -> HeldOutDoc:
    """A letter-style answer: the applications named in running sentences, amounts in prose."""
    apps = _letter_apps()
    a = {app["municipality"]: app for app in apps}
    answer = (
        Para("Geachte collega,"),
        Para("1. Op de oproep voor buurtgerichte ontmoetingsplekken, die liep van 1 september tot 15 november 2022, "
             "reageerden acht lokale besturen. Zes aanvragen werden goedgekeurd voor een totaalbedrag van "
             "1,1 miljoen euro; twee aanvragen werden niet weerhouden."),
        Para(f"2. De stad Aalst ontvangt {euro(a['Aalst']['budget_eur'])} euro voor ‘Ontmoeten aan de Dender’, een "
             "project in de wijk Mijlbeek dat een leegstaand pakhuis omvormt tot buurtcafé en repair-atelier. Aan de "
             f"gemeente Zele kent de Vlaamse Regering {euro(a['Zele']['budget_eur'])} euro toe voor het project "
             "‘Huivelde ontmoet’, waarmee de gemeente een wijkpunt opent in de sociale woonwijk. In Leuven gaat "
             f"€ {euro(a['Leuven']['budget_eur'])} naar ‘Buurtschuur Vaartkom’, dat de stad samen met het lokaal "
             "dienstencentrum uitbouwt tot een plek voor jonge gezinnen en senioren."),
        Para("Het OCMW van Mortsel krijgt "
             f"{euro(a['Mortsel']['budget_eur'])} euro voor ‘Warme dorpskern Oude-God’. De stad Ieper ontvangt voor "
             f"‘De Vaart leeft’ een subsidie van € {euro(a['Ieper']['budget_eur'])}. Tot slot gaat "
             f"EUR {euro(a['Sint-Truiden']['budget_eur'])} naar Sint-Truiden voor het project ‘Buurthuis "
             "Schurhoven’, dat een voormalige kleuterschool als ontmoetingsruimte inricht."),
        Para("3. De aanvragen van Wetteren (‘Samen aan de Schelde’) en van Diest (‘Diest verbindt’) werden niet "
             "weerhouden, omdat ze onvoldoende gericht waren op een afgebakende wijk en geen cofinanciering "
             "voorzagen."),
        Para("4. Een nieuwe oproep volgt in het najaar van 2023. De besturen die nu niet werden weerhouden, kunnen "
             "dan opnieuw indienen."),
        Para("Met vriendelijke groeten,"),
    )  # fmt: skip
    return HeldOutDoc(
        name="a_letter_prose_2023", number=318, date=LETTER_DATE, questioner="ANNELIES VERBRUGGEN",
        minister="PIETER DE SMEDT",
        minister_title="VLAAMS MINISTER VAN BINNENLANDS BESTUUR, BESTUURSZAKEN, INBURGERING EN GELIJKE KANSEN",
        title="Buurtgerichte ontmoetingsplekken - Toekenning subsidies",
        question=(
            "Eind 2022 liep een oproep voor buurtgerichte ontmoetingsplekken in kwetsbare wijken. Lokale besturen "
            "konden een subsidie aanvragen voor de inrichting en de werking van een ontmoetingsplek.",
            "1. Hoeveel aanvragen werden ingediend?",
            "2. Welke projecten werden goedgekeurd en voor welk bedrag?",
            "3. Welke aanvragen werden afgewezen en waarom?",
            "4. Komt er een nieuwe oproep?",
        ),
        answer=answer, applications=apps, form=LETTER,
        look=Look(font="Times", size=11.0, justify=True, running_header=False, footer="number"),
    )  # fmt: skip


STATUS_DATE = dt.date(2023, 6, 12)
STATUS = "label-colon-status-lines"
_DECISIONS = (
    # applicant, municipality, title, amount (None: rejected), neighbourhoods, reason or None
    ("Stad Ronse", "Ronse", "Samen in de Glorieuxwijk", 150000, ("Glorieux",), None),
    ("Gemeente Temse", "Temse", "Buurtverbinders Temse-Noord", 84000, ("Temse-Noord",), None),
    ("Stad Menen", "Menen", "Grensoverschrijdend samenleven", None, (),
     "het project overlapt met een lopend Interreg-project."),
    ("Gemeente Zaventem", "Zaventem", "Iedereen thuis in Zaventem", 72000, (), None),
    ("Stad Lier", "Lier", "Ontmoeting in Kloosterheide", 66500, ("Kloosterheide",), None),
    ("Stad Halle", "Halle", "Buurtwerking Nijvelsebaan", None, ("Nijvelsebaan",),
     "de aanvraag was onvolledig bij het verstrijken van de termijn."),
    ("Gemeente Willebroek", "Willebroek", "Samen aan de vaart in Klein-Willebroek", 90000, ("Klein-Willebroek",),
     None),
    ("OCMW Dendermonde", "Dendermonde", "Wijkgezondheidsteam Bijloke", 120000, ("Bijloke",), None),
    ("Welzijnsvereniging Kempen (Geel, Mol)", "Geel", "Nieuwkomers thuis in de Kempen", 135000, (), None),
    ("Stad Torhout", "Torhout", "Torhout verbindt", None, (),
     "het project richt zich niet op een afgebakende doelgroep."),
    ("Stad Maaseik", "Maaseik", "Buurtkracht Bosveld", 54000, ("Bosveld",), None),
)  # fmt: skip


def status_document() -> HeldOutDoc:
    """Items "Stad X: titel" in bold, each followed by indented lines: decision with amount, area, reason."""
    apps = []
    answer: list = [
        Para("1. Er werden 11 aanvragen ingediend, waarvan er 8 werden goedgekeurd."),
        Para("2. Hieronder vindt u per aanvraag de beslissing van de jury en het toegekende bedrag."),
    ]
    for applicant, municipality, title, amount, hoods, reason in _DECISIONS:
        also = ("Mol",) if "Kempen" in applicant else ()
        apps.append(application(STATUS_DATE, applicant, municipality, title, form=STATUS,
                                status="accepted" if amount else "rejected", budget=amount, hoods=hoods, also=also))
        answer.append(Para(f"{applicant}: {title}", bold=True, keep=True))
        decision = f"goedgekeurd – € {euro(amount)}" if amount else "afgewezen"
        answer.append(Para(f"Beslissing: {decision}", indent=24, keep=bool(hoods or reason)))
        if hoods:
            answer.append(Para(f"Wijk: {', '.join(hoods)}", indent=24, keep=bool(reason)))
        if reason:
            answer.append(Para(f"Motivering: {reason}", indent=24))
    answer.append(Para("3. De projecten starten uiterlijk op 1 oktober 2023 en lopen twee jaar. De besturen "
                       "rapporteren jaarlijks over de voortgang."))  # fmt: skip
    return HeldOutDoc(
        name="d_label_status_lines_2023", number=455, date=STATUS_DATE, questioner="TOM DE WACHTER",
        minister="PIETER DE SMEDT",
        minister_title="VLAAMS MINISTER VAN BINNENLANDS BESTUUR, BESTUURSZAKEN, INBURGERING EN GELIJKE KANSEN",
        title="Oproep Samenleven in diversiteit - Beslissingen",
        question=(
            "In het voorjaar van 2023 lanceerde de minister de oproep ‘Samenleven in diversiteit’ voor lokale "
            "besturen en hun partners.",
            "1. Hoeveel aanvragen werden ingediend?",
            "2. Wat was de beslissing per aanvraag en welk bedrag werd toegekend?",
            "3. Wanneer starten de projecten?",
        ),
        answer=tuple(answer), applications=tuple(apps), form=STATUS,
        look=Look(font="Helvetica", size=10.0, running_header=True, footer="page_of"),
    )  # fmt: skip
