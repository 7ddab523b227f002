"""The item-head parser: applicant, title and where the place stands; counts and criteria are no heads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.segment.heads import HeadShape, is_statistic, parse_applicant, parse_head

PLACES = {
    "gent", "aalst", "ronse", "leuven", "leuven (kessel-lo)", "ronse (glorieux)", "brugge (zeebrugge)", "brugge",
    "herentals", "grobbendonk", "olen", "kortrijk", "menen", "wevelgem", "genk", "antwerpen", "sint-truiden",
    "sint-truiden (brustem)", "pajottegem (herne)", "pajottegem", "tielt", "hasselt",
}  # fmt: skip


def is_place(text: str) -> bool:
    return " ".join(text.split()).casefold() in PLACES


@pytest.mark.parametrize(
    ("text", "applicant", "places", "title", "shape", "area", "budget"),
    [
        ("GENT – Veilig en leefbaar", "GENT", ("GENT",), "Veilig en leefbaar", HeadShape.DASH, None, None),
        ("Gent: Samen in de wijk (€ 120.000)", "Gent", ("Gent",), "Samen in de wijk", HeadShape.COLON, None, 120000.0),
        ("Tielt – Warm (EUR 380.000)", "Tielt", ("Tielt",), "Warm", HeadShape.DASH, None, 380000.0),
        ("BRUGGE (ZEEBRUGGE) – Van analyses", "BRUGGE (ZEEBRUGGE)", ("BRUGGE (ZEEBRUGGE)",), "Van analyses",
         HeadShape.DASH, None, None),
        ("GENT - WEB – op de grens", "GENT", ("GENT",), "WEB – op de grens", HeadShape.DASH, None, None),
        ("Speelstraten het hele jaar door (Aalst)", "Aalst", ("Aalst",), "Speelstraten het hele jaar door",
         HeadShape.PAREN, None, None),
        ("Een groene speelas (Ronse – Glorieux)", "Ronse", ("Ronse (Glorieux)",), "Een groene speelas",
         HeadShape.PAREN, "Glorieux", None),
        ("De Rode Loper: een speelroute (Leuven – Kessel-Lo)", "Leuven", ("Leuven (Kessel-Lo)",),
         "De Rode Loper: een speelroute", HeadShape.PAREN, "Kessel-Lo", None),
        ("Ontmoetingshuis Sint-Jan (Brugge) (€ 280.000)", "Brugge", ("Brugge",), "Ontmoetingshuis Sint-Jan",
         HeadShape.PAREN, None, 280000.0),
        ("HERENTALS, GROBBENDONK EN OLEN – Samen", "HERENTALS, GROBBENDONK EN OLEN",
         ("HERENTALS", "GROBBENDONK", "OLEN"), "Samen", HeadShape.DASH, None, None),
        ("Intercommunale Leiedal (Kortrijk, Menen en Wevelgem) – Grensregio",
         "Intercommunale Leiedal (Kortrijk, Menen en Wevelgem)", ("Kortrijk", "Menen", "Wevelgem"), "Grensregio",
         HeadShape.DASH, None, None),
        ("OCMW Gent – Warme buurt", "OCMW Gent", ("Gent",), "Warme buurt", HeadShape.DASH, None, None),
        ("vzw De Schakel – Buurthuis", "vzw De Schakel", (), "Buurthuis", HeadShape.DASH, None, None),
        ("Provincie Limburg – Kempen verbindt", "Provincie Limburg", (), "Kempen verbindt", HeadShape.DASH, None,
         None),
        ("Pajottegem (Herne) – Marktplein", "Pajottegem (Herne)", ("Pajottegem (Herne)",), "Marktplein",
         HeadShape.DASH, None, None),
        ("Samen in de wijk – Gent", "Gent", ("Gent",), "Samen in de wijk", HeadShape.DASH, None, None),
        ("GENT", "GENT", ("GENT",), "", HeadShape.HEADING, None, None),
        ("HASSELT –", "HASSELT", ("HASSELT",), "", HeadShape.HEADING, None, None),
    ],
)
def test_parse_head(
    text: str, applicant: str, places: tuple[str, ...], title: str, shape: HeadShape, area: str | None,
    budget: float | None,
) -> None:  # fmt: skip
    head = parse_head(text, is_place)
    assert head is not None
    assert (head.applicant.written, head.applicant.places, head.title, head.shape) == (applicant, places, title, shape)
    assert (head.area, head.budget_eur) == (area, budget)


@pytest.mark.parametrize(
    "text",
    [
        "Limburg – 14 aanvragen",  # a province with a count
        "Antwerpen – 17 aanvragen",
        "Antwerpen: 12 aanvragen, waarvan 3 goedgekeurd",
        "Gent: 5 aanvragen, waarvan 2 goedgekeurd",
        "Hasselt: 2 aanvragen, geen enkele goedgekeurd",
        "Oost-Vlaanderen – 12 aanvragen",
        "de mate waarin het project de armoede in de wijk aantoonbaar vermindert;",
        "De aanvrager is een lokaal bestuur, eventueel samen met partners.",
        "Welke projectaanvragen werden ingediend?",
        "Het project richt zich op een afgebakende wijk (Gent – Rabot) met hoge armoede. Het start later.",
        "Sociale cohesie – een overzicht",
        "vzw",
    ],
)
def test_not_a_head(text: str) -> None:
    assert parse_head(text, is_place) is None


def test_a_province_is_no_applicant_but_a_provincial_body_is() -> None:
    # the gazetteer never takes "Limburg" for Limbourg; "Antwerpen" is the city as well as the province
    assert parse_applicant("Limburg", lambda text: False) is None
    assert parse_applicant("Antwerpen", is_place) is not None
    body = parse_applicant("Provincie Limburg", lambda text: False)
    assert body is not None and body.places == () and not body.municipal


@pytest.mark.parametrize("title", ["14 aanvragen", "12 aanvragen, waarvan 3 goedgekeurd", "geen aanvragen", "35 %"])
def test_is_statistic(title: str) -> None:
    assert is_statistic(title)


@given(
    st.sampled_from(sorted(PLACES)),
    st.integers(0, 999),
    st.sampled_from(["aanvragen", "projecten", "dossiers", "voorstellen", "aanvraag"]),
    st.sampled_from([" – ", ": ", " - "]),
    st.sampled_from(["", ", waarvan 3 goedgekeurd", " ingediend", " (18 %)"]),
)
def test_a_count_is_never_an_application(place: str, count: int, noun: str, separator: str, tail: str) -> None:
    assert parse_head(f"{place.title()}{separator}{count} {noun}{tail}", is_place) is None


@given(st.text(max_size=80))
def test_parse_head_never_crashes(text: str) -> None:
    head = parse_head(text, is_place)
    assert head is None or head.applicant.written
