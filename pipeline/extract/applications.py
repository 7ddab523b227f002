"""Extraction: segmented items to Application records (municipality, neighbourhoods, themes)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pipeline.model.document import ParsedDocument
from pipeline.model.records import Application, ApplicationItem, PlaceMatch, ThemeMatch
from pipeline.segment.applications import Segmentation

if TYPE_CHECKING:
    from pipeline.extract.resources import Resources

ThemeFinder = Callable[[Sequence[str]], list[tuple[ThemeMatch, ...]]]
PlaceResolver = Callable[[str, dt.date], PlaceMatch | None]
NeighbourhoodFinder = Callable[[str, str, str | None, str | None], tuple[str, ...]]


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
    )


def extract_applications(
    items: Sequence[ApplicationItem],
    doc_id: str,
    on: dt.date,
    resolve_place: PlaceResolver,
    find_neighbourhoods: NeighbourhoodFinder,
    find_themes: ThemeFinder,
) -> tuple[Application, ...]:
    """One Application per item; an unresolved place keeps the row with an empty municipality.

    Validation turns such a row into a `failures` record with the place as printed.
    """
    themes = find_themes([_theme_text(item) for item in items])
    out = []
    for item, matches in zip(items, themes, strict=True):
        place = resolve_place(item.place, on)
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
            )
        )
    return tuple(out)


def split_area_names(cell: str) -> tuple[str, ...]:
    """A table's 'Wijk' cell ('Rabot, Sluizeken en Ham') to its names."""
    parts = re.split(r"\s*(?:,|;|/|\ben\b|&)\s*", cell)
    return tuple(p.strip() for p in parts if p.strip() and p.strip() != "-")


def _theme_text(item: ApplicationItem) -> str:
    return f"{item.title}\n\n{item.summary}" if item.summary else item.title
