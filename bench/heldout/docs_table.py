"""Held-back document with a table in the column order Project | Gemeente | Bedrag, merged municipality cells."""

from __future__ import annotations

import datetime as dt

from bench.heldout.blocks import Grid, HeldOutDoc, Look, Para
from bench.heldout.truth import application, euro

TABLE_DATE = dt.date(2024, 5, 21)
TABLE = "table-project-first-merged-cells"
_ROWS = (
    # project, municipality, amount, neighbourhoods
    ("Herwaardering Muide-Meulestede", "Gent", 650000, ("Muide", "Meulestede")),
    ("Groene as Dampoort", "Gent", 420000, ("Dampoort",)),
    ("Vernieuwing Seefhoek", "Antwerpen", 800000, ("Seefhoek",)),
    ("Park Spoor Noord fase 3", "Antwerpen", 575000, ("Spoor Noord",)),
    ("Kanaalzone Watersite", "Vilvoorde", 390000, ("Watersite",)),
    ("Vaartkom fase 2", "Leuven", 500000, ("Vaartkom",)),
    ("Herinrichting Kop van de Vaart", "Brugge", 360000, ("Kop van de Vaart",)),
    ("Stadsvernieuwing C-mine Winterslag", "Genk", 480000, ("Winterslag",)),
    ("Buurtpark Zwartberg", "Genk", 215000, ("Zwartberg",)),
    ("Vernieuwing stationsbuurt", "Sint-Niklaas", 310000, ()),
    ("Buda-eiland als woonwijk", "Kortrijk", 445000, ("Buda-eiland",)),
)  # fmt: skip


def table_document() -> HeldOutDoc:
    """A table whose municipality cell spans the rows of that municipality, and a total row."""
    apps = tuple(application(TABLE_DATE, municipality, municipality, project, form=TABLE, status="accepted",
                             budget=amount, hoods=hoods) for project, municipality, amount, hoods in _ROWS)  # fmt: skip
    rows = [("Project", "Gemeente", "Bedrag (euro)")]
    spans, start = [], 1
    for i, (project, municipality, amount, _hoods) in enumerate(_ROWS, start=1):
        first = i == 1 or _ROWS[i - 2][1] != municipality
        rows.append((project, municipality if first else "", f"{euro(amount)},00"))
        if not first and (i == len(_ROWS) or _ROWS[i][1] != municipality):
            spans.append((1, start, i))
        if first:
            start = i
    rows.append(("Totaal", "", f"{euro(sum(r[2] for r in _ROWS))},00"))
    answer = (
        Para("1. In de ronde 2024 van het Stadsvernieuwingsfonds dienden 23 steden en gemeenten een aanvraag in. "
             "Op voorstel van de beoordelingscommissie besliste de Vlaamse Regering op 26 april 2024 om 11 "
             "projectsubsidies toe te kennen."),
        Para("2. De toegekende projectsubsidies zijn:"),
        Grid(rows=tuple(rows), widths=(0.55, 0.25, 0.20), spans=tuple(spans), rules="horizontal", right=(2,),
             bold_last=True),
        Para("3. De niet-geselecteerde aanvragers krijgen feedback van het Team Stedenbeleid en kunnen hun "
             "aanvraag verbeteren voor de volgende ronde."),
    )  # fmt: skip
    return HeldOutDoc(
        name="c_table_project_first_2024", number=702, date=TABLE_DATE, questioner="BRAM DE CLERCQ",
        minister="PIETER DE SMEDT",
        minister_title="VLAAMS MINISTER VAN BINNENLANDS BESTUUR, BESTUURSZAKEN, INBURGERING EN GELIJKE KANSEN",
        title="Stadsvernieuwingsfonds - Projectsubsidies 2024",
        question=(
            "Het Stadsvernieuwingsfonds ondersteunt steden en gemeenten bij ambitieuze projecten die een wijk "
            "grondig vernieuwen.",
            "1. Hoeveel aanvragen werden ingediend in de ronde 2024?",
            "2. Welke projecten kregen een projectsubsidie en voor welk bedrag?",
            "3. Wat gebeurt er met de niet-geselecteerde aanvragen?",
        ),
        answer=answer, applications=apps, form=TABLE,
        look=Look(font="Helvetica", size=10.0, running_header=True, footer="page_of"),
    )  # fmt: skip
