"""Extraction: items to applications, with municipality by date, areas and themes."""

from __future__ import annotations

import datetime as dt

from pipeline.extract.applications import extract_applications, split_area_names
from pipeline.model.kinds import ListRule
from pipeline.model.records import ApplicationItem, HeadingBox, Municipality, PlaceMatch, ThemeMatch

GENT = Municipality("44021", "Gent", "Oost-Vlaanderen", "Vlaanderen", dt.date(1977, 1, 1), dt.date(9999, 12, 31))


def _item(**changes) -> ApplicationItem:
    base = dict(
        item_number=1, printed_number=1, place="GENT", title="Runkst Vooruit", summary="", page_start=1, page_end=1
    )
    return ApplicationItem(**{**base, **changes})


def _extract(items):
    return extract_applications(
        items,
        "0123456789abcdef",
        dt.date(2021, 10, 1),
        lambda text, on: PlaceMatch(GENT, None) if text.lower() == "gent" else None,
        lambda title, summary, municipality, sub: ("From Title",),
        lambda texts: [(ThemeMatch("wonen", ("woning",)),) for _ in texts],
    )


def test_a_tables_area_column_is_the_only_source_of_areas() -> None:
    (app,) = _extract([_item(neighbourhood_hint="Rabot, Sluizeken en Ham", status="accepted", budget_eur=1.0)])
    assert app.neighbourhoods == ("Rabot", "Sluizeken", "Ham")
    assert (app.municipality, app.nis_code, app.province, app.status) == (
        "Gent",
        "44021",
        "Oost-Vlaanderen",
        "accepted",
    )
    assert app.themes == ("wonen",) and app.theme_terms == (ThemeMatch("wonen", ("woning",)),)


def test_unresolved_place_keeps_the_row_for_validation_to_report() -> None:
    (app,) = _extract([_item(place="NERGENSDORP")])
    assert app.municipality is None and app.nis_code is None
    assert app.neighbourhoods == ("From Title",)


def test_split_area_names() -> None:
    assert split_area_names("Den Brand / Otterstraat; Oost & West") == ("Den Brand", "Otterstraat", "Oost", "West")
    assert split_area_names("-") == ()


# --- applicants, their municipalities and the rule that found them (issue 15) -------------

_ALWAYS = (dt.date(1977, 1, 1), dt.date(9999, 12, 31))
KORTRIJK = Municipality("34022", "Kortrijk", "West-Vlaanderen", "Vlaanderen", *_ALWAYS)
MENEN = Municipality("34027", "Menen", "West-Vlaanderen", "Vlaanderen", *_ALWAYS)
_KNOWN = {"gent": GENT, "kortrijk": KORTRIJK, "menen": MENEN}


def _extract_places(items, split=lambda text, on: ()):
    return extract_applications(
        items,
        "0123456789abcdef",
        dt.date(2024, 5, 1),
        lambda text, on: PlaceMatch(_KNOWN[text.lower()], None) if text.lower() in _KNOWN else None,
        lambda title, summary, municipality, sub: (),
        lambda texts: [() for _ in texts],
        split,
    )


def test_an_intermunicipal_applicant_lists_every_municipality_lead_first() -> None:
    item = _item(
        place="Kortrijk",
        applicant="Intercommunale Leiedal (Kortrijk en Menen)",
        places=("Kortrijk", "Menen"),
        list_rule=ListRule.NUMBERED_DASH,
    )
    (app,) = _extract_places([item])
    assert (app.municipality, app.nis_code, app.applicant) == ("Kortrijk", "34022", item.applicant)
    assert [(m.position, m.municipality, m.nis_code, m.province) for m in app.municipalities] == [
        (1, "Kortrijk", "34022", "West-Vlaanderen"),
        (2, "Menen", "34027", "West-Vlaanderen"),
    ]
    assert app.list_rule == ListRule.NUMBERED_DASH


def test_an_applicant_naming_no_municipality_gets_empty_place_columns() -> None:
    (app,) = _extract_places([_item(place="", applicant="vzw Samenlevingsopbouw", places=())])
    assert (app.municipality, app.nis_code, app.province, app.municipalities) == (None, None, None, ())
    assert app.applicant == "vzw Samenlevingsopbouw"


def test_a_merger_named_before_it_took_effect_stands_for_its_municipalities() -> None:
    item = _item(place="Kortrijk-Menen", applicant="Kortrijk-Menen", places=("Kortrijk-Menen",))
    (app,) = _extract_places([item], lambda text, on: ("Kortrijk", "Menen") if text == "Kortrijk-Menen" else ())
    assert [m.municipality for m in app.municipalities] == ["Kortrijk", "Menen"]
    assert app.municipality == "Kortrijk"


def test_the_seed_form_keeps_its_place_as_applicant_and_heading_box() -> None:
    box = HeadingBox(2, 72.0, 100.0, 300.0, 110.0)
    (app,) = _extract_places([_item(heading_box=box)])
    assert app.applicant == "GENT" and [m.municipality for m in app.municipalities] == ["Gent"]
    assert app.heading_box == box
