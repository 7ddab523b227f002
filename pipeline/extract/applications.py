"""Extraction: segmented items to Application records (municipality, neighbourhoods, themes)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipeline.model.document import ParsedDocument
from pipeline.model.records import Application, ApplicationItem, ApplicationPlace, PlaceMatch, ThemeMatch
from pipeline.segment.applications import Segmentation

if TYPE_CHECKING:
    from pipeline.extract.resources import Resources

ThemeFinder = Callable[[Sequence[str]], list[tuple[ThemeMatch, ...]]]
PlaceResolver = Callable[[str, dt.date], PlaceMatch | None]
NeighbourhoodFinder = Callable[[str, str, str | None, str | None], tuple[str, ...]]
MergerSplitter = Callable[[str, dt.date], tuple[str, ...]]


def extract_document(
    segmentation: Segmentation, parsed: ParsedDocument, resources: Resources, doc_id: str
) -> tuple[Application, ...]:
    """The extract step: each segmented item as an Application, places and names as of the question's date."""
    on = parsed.meta.question_date
    return extract_applications(
        segmentation.items,
        doc_id,
        on,
        resources.resolve_place,
        lambda title, summary, municipality, sub: resources.find_neighbourhoods(title, summary, municipality, sub, on),
        resources.find_themes,
        resources.split_merged_name,
    )


def extract_applications(
    items: Sequence[ApplicationItem],
    doc_id: str,
    on: dt.date,
    resolve_place: PlaceResolver,
    find_neighbourhoods: NeighbourhoodFinder,
    find_themes: ThemeFinder,
    split_merged_name: MergerSplitter = lambda text, on: (),
) -> tuple[Application, ...]:
    """One Application per item; an unresolved place keeps the row with an empty municipality.

    Validation turns such a row into a `failures` record with the place as printed.
    """
    themes = find_themes([_theme_text(item) for item in items])
    out = []
    for item, matches in zip(items, themes, strict=True):
        places = resolve_places(item, on, resolve_place, split_merged_name)
        # the single place columns hold the lead; an applicant naming no municipality leaves them empty
        place = resolve_place(item.place, on) if item.place else None
        if place is None and places and places[0].municipality is not None:
            place = resolve_place(places[0].municipality, on)  # a merger's name before it: its lead municipality
        municipality = place.municipality if place else None
        sub = place.sub_municipality if place else None
        if item.neighbourhood_hint:
            # a table's area column says which area is meant; a project name is no evidence of one
            areas = split_area_names(item.neighbourhood_hint)
        else:
            areas = find_neighbourhoods(item.title, item.summary, municipality.name if municipality else None, sub)
        out.append(
            Application(
                doc_id=doc_id,
                item_number=item.item_number,
                municipality=municipality.name if municipality else None,
                nis_code=municipality.nis_code if municipality else None,
                province=municipality.province if municipality else None,
                sub_municipality=sub,
                neighbourhoods=areas,
                title=item.title,
                summary=item.summary,
                themes=tuple(m.theme for m in matches),
                status=item.status,
                budget_eur=item.budget_eur,
                decision_reason=item.decision_reason,
                page_start=item.page_start,
                page_end=item.page_end,
                theme_terms=tuple(matches),
                applicant=item.applicant if item.applicant is not None else (item.place or None),
                municipalities=places,
                list_rule=item.list_rule,
                heading_box=item.heading_box,
            )
        )
    return tuple(out)


def resolve_places(
    item: ApplicationItem,
    on: dt.date,
    resolve_place: PlaceResolver,
    split_merged_name: MergerSplitter = lambda text, on: (),
) -> tuple[ApplicationPlace, ...]:
    """Every municipality the item's applicant names, in order (the lead first), resolved on `on`.

    An applicant that names no municipality ("vzw De Schakel") gives (); a name that does not
    resolve keeps its position with empty columns, for validation to report. Before a merger its
    name ("Merelbeke-Melle" in 2024) stands for the municipalities it merges, each with its code then.
    """
    written = item.places if item.applicant is not None else ((item.place,) if item.place else ())
    names = [(name, part) for name in written for part in (split_merged_name(name, on) or (name,))]
    out = []
    for position, (name, part) in enumerate(names, start=1):
        match = resolve_place(part, on)
        municipality = match.municipality if match else None
        out.append(
            ApplicationPlace(
                position=position,
                municipality=municipality.name if municipality else None,
                nis_code=municipality.nis_code if municipality else None,
                province=municipality.province if municipality else None,
                sub_municipality=match.sub_municipality if match else None,
                written=name,
            )
        )
    return tuple(out)


def split_area_names(cell: str) -> tuple[str, ...]:
    """A table's 'Wijk' cell ('Rabot, Sluizeken en Ham') to its names."""
    parts = re.split(r"\s*(?:,|;|/|\ben\b|&)\s*", cell)
    return tuple(p.strip() for p in parts if p.strip() and p.strip() != "-")


def _theme_text(item: ApplicationItem) -> str:
    return f"{item.title}\n\n{item.summary}" if item.summary else item.title
