"""Extraction: items to applications, with municipality by date, areas and themes."""

from __future__ import annotations

import datetime as dt

from pipeline.extract.applications import extract_applications, split_area_names
from pipeline.model.records import ApplicationItem, Municipality, PlaceMatch, ThemeMatch

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
