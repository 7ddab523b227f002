"""Neighbourhood names from titles and summaries: seed golden table, rules, negatives, invariants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pipeline.extract.neighbourhoods as nb
from pipeline.extract.neighbourhoods import find_neighbourhoods

SEED_EXPECTED = Path(__file__).parents[1] / "fixtures" / "docs" / "seed_wijkverbeteringscontracten.expected.json"
# The slice of the gazetteer these cases need (municipalities and deelgemeenten, as printed there).
PLACES = frozenset(
    "Antwerpen Deurne Borgerhout Beringen Boom Brugge Dudzele Denderleeuw Dendermonde Geraardsbergen Genk Gent "
    "Ledeberg Hasselt Hoeilaart Izegem Kortrijk Maasmechelen Mechelen Oostende Roeselare Sint-Niklaas Turnhout "
    "Vilvoorde Leuven Kessel-Lo Heverlee".split()
)

# My reading of the 20 seed applications: the named areas each targets.
GOLDEN_NEIGHBOURHOODS: dict[int, tuple[str, ...]] = {
    1: ("Deurne-Noord",),
    2: ("Tuinwijk Beringen Mijn",),
    3: ("KaDRie",),
    4: ("Zeebrugge",),
    5: ("Leeuwbrug",),
    6: ("Bijloke",),
    7: ("Buizemontbuurt",),
    8: ("Waterschei",),
    9: ("Rabot-Blaisantvest", "Sluizeken-Tolhuis-Ham"),
    10: ("Oude Statie", "Runkst"),
    11: ("Sloesveld",),
    12: ("Centrum",),
    13: ("Sint-Rochus",),
    14: ("Pauwengraaf",),
    15: ("Arsenaal",),
    16: ("Westerkwartier",),
    17: ("Krottegem",),
    18: ("Kroonmolenwijk",),
    19: ("Den Brand", "Omgeving Otterstraat", "Stationsomgeving Oost"),
    20: ("Centrum",),
}


def seed_applications() -> list[dict]:
    if not SEED_EXPECTED.exists():
        return []
    return json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))["applications"]


def run(application: dict) -> tuple[str, ...]:
    return find_neighbourhoods(
        application["title"],
        application["summary"],
        application["municipality"],
        application["sub_municipality"],
        PLACES,
    )


@pytest.mark.skipif(not SEED_EXPECTED.exists(), reason="seed fixture not present")
@pytest.mark.parametrize("number", sorted(GOLDEN_NEIGHBOURHOODS))
def test_seed_application_neighbourhoods(number: int) -> None:
    application = next(a for a in seed_applications() if a["item_number"] == number)
    assert run(application) == GOLDEN_NEIGHBOURHOODS[number]


@pytest.mark.skipif(not SEED_EXPECTED.exists(), reason="seed fixture not present")
def test_seed_neighbourhoods_precision_and_recall_against_fixture() -> None:
    tp = fp = fn = 0
    for application in seed_applications():
        got = {name.casefold() for name in run(application)}
        gold = {name.casefold() for name in application["neighbourhoods"]}
        tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nneighbourhoods vs fixture gold: precision {precision:.3f} recall {recall:.3f} (tp={tp} fp={fp} fn={fn})")
    assert precision >= 0.9 and recall >= 0.9


@pytest.mark.parametrize(
    ("title", "summary", "municipality", "sub", "expected"),
    [
        ("Samen sterk", "De wijk Leeuwbrug kent problemen.", "Denderleeuw", None, ("Leeuwbrug",)),
        ("Samen sterk", "Focus op de wijk ‘Oude Statie’ waar ...", "Hasselt", None, ("Oude Statie",)),
        ("Samen sterk", "Het project in de buurt Den Brand.", "Turnhout", None, ("Den Brand",)),
        ("Samen sterk", "Inzet in de Kiel-wijk en de Seefhoekbuurt.", "Antwerpen", None, ("Seefhoekbuurt",)),
        ("Versterken van buurten Den Brand, Omgeving Otterstraat en Stationsomgeving Oost", "", "Turnhout", None,
         ("Den Brand", "Omgeving Otterstraat", "Stationsomgeving Oost")),
        ("Veilig en leefbaar Deurne-Noord", "", "Antwerpen", None, ("Deurne-Noord",)),
        ("Nieuwe aanpak in Waterschei", "", "Genk", None, ("Waterschei",)),
        ("Deurne leeft op", "", "Antwerpen", None, ("Deurne",)),
        ("KROTTEGEM SPRIKT", "", "Roeselare", None, ("Krottegem",)),
        ("WIJKAANPAK IN DEURNE-NOORD", "", "Antwerpen", None, ("Deurne-Noord",)),
        ("Wijk Centrum Izegem", "", "Izegem", None, ("Centrum",)),
        ("Van analyses naar realisaties", "De stad wil ...", "Brugge", "Zeebrugge", ("Zeebrugge",)),
        ("Wijkcontract Sint-Rochus", "", "Kortrijk", "Kortrijk", ("Sint-Rochus",)),
        ("Bruisend Kessel-Lo", "In de wijk Tweebronnen.", "Leuven", "Kessel-Lo", ("Kessel-Lo", "Tweebronnen")),
    ],
)
def test_rules(title: str, summary: str, municipality: str, sub: str | None, expected: tuple[str, ...]) -> None:
    assert find_neighbourhoods(title, summary, municipality, sub, PLACES) == expected


@pytest.mark.parametrize(
    ("title", "summary", "municipality"),
    [
        ("Samen voor de wijk", "De wijk kent veel uitdagingen. Deze buurten en de buurt.", "Gent"),
        ("Ademruimte in de binnenstad", "In de binnenstad van de stad.", "Izegem"),
        ("Veilig Gent", "De stad Gent en de wijk.", "Gent"),
        ("Over de brug (BBT)", "", "Boom"),
        ("Een woonwijk voor iedereen", "Een nieuwe Woonwijk. Het buurtplatform Hoplr.", "Mechelen"),
        ("lnstroom van Turks-Bulgaarse arbeidsmigranten noopt Genk tot een aanpak", "", "Genk"),
        ("Van analyses naar realisaties", "", "Brugge"),
    ],
)
def test_generic_words_and_the_municipality_are_not_names(title: str, summary: str, municipality: str) -> None:
    assert find_neighbourhoods(title, summary, municipality, None, PLACES) == ()


def test_sub_municipality_only_when_nothing_else_names_the_area() -> None:
    assert find_neighbourhoods("Wijk De Kolonie", "", "Leuven", "Kessel-Lo", PLACES) == ("De Kolonie",)
    assert find_neighbourhoods("Samen", "", "Brugge", "Brugge", PLACES) == ()


def test_names_are_deduplicated_in_order_of_first_appearance() -> None:
    found = find_neighbourhoods("Kroonmolenwijk", "In de Kroonmolenwijk en de wijk Centrum, KROONMOLENWIJK.",
                                "Sint-Niklaas", None, PLACES)
    assert found == ("Kroonmolenwijk", "Centrum")


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


name_like = st.sampled_from(["wijk", "buurt", "de", "Den Brand", "Centrum", "‘Oude Statie’", "–", ",", "en",
                             "Deurne-Noord", "in", "Genk", "KROTTEGEM", "Xwijk", "(KaDRie)", ":", " "])


@given(
    title=st.one_of(st.text(max_size=80), st.lists(name_like, max_size=12).map(" ".join)),
    summary=st.one_of(st.text(max_size=120), st.lists(name_like, max_size=20).map(" ".join)),
    municipality=st.one_of(st.none(), st.sampled_from(["Genk", "Gent", ""])),
    sub=st.one_of(st.none(), st.sampled_from(["Zeebrugge", "Genk"])),
)
def test_names_always_come_from_the_text(title: str, summary: str, municipality: str | None, sub: str | None) -> None:
    found = find_neighbourhoods(title, summary, municipality, sub, PLACES)
    assert len({name.casefold() for name in found}) == len(found)
    for name in found:
        assert name == sub or _squash(name) in _squash(title) or _squash(name) in _squash(summary)
        assert name.casefold() != (municipality or "").casefold()


def _is_adjective(word: str) -> bool:
    return word.lower() in {"zorgzame", "warme", "nieuw", "oude"}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Zorgzame Wuytsbergen", ("Wuytsbergen",)),
        ("Warme buurt Duinbergen", ("Duinbergen",)),
        ("Zorgzame buurt Sint-Maartensdal", ("Sint-Maartensdal",)),
        ("Oude Statie", ("Oude Statie",)),  # an adjective that is part of the name stays
    ],
)
def test_capitalised_adjectives_are_not_names(title: str, expected: tuple[str, ...]) -> None:
    assert find_neighbourhoods(title, "", "Herentals", None, PLACES, _is_adjective) == expected


# the hint-driven regex scans give what the plain scans give
_NAME_PIECES = ["wijk", "Wijk", "wıjk", "WIJK", "buurten", "woonwijk", "stadsbuurt", "stadſbuurt", "Deelwijk", "de",
                "Kroonmolenwijk", "Sint-Maartensdal", "Oude Statie", "in", "‘Blauwe", "Wijk’", "“Gaverland”",
                "'Rabot'",
                "en", ",", "&", "kwartier", "Stationskwartier", "xWijk", "\n", "Ledeberg", "Muide"]


@given(st.lists(st.sampled_from(_NAME_PIECES), max_size=16).map(" ".join))
def test_hinted_scans_match_plain_scans(text: str) -> None:
    spans = lambda matches: [(m.span(), m.groups()) for m in matches]  # noqa: E731
    assert spans(nb._cue_matches(text)) == spans(nb._CUE_RE.finditer(text))
    assert spans(nb._compound_matches(text)) == spans(nb._COMPOUND_RE.finditer(text))
    if not nb._QUOTED_HINT_RE.search(text):
        assert not nb._QUOTED_PLACE_RE.search(text)


@given(st.text(alphabet="aAzZ ⅰªßÉé1-'İıſK", max_size=8))
def test_all_caps(text: str) -> None:
    letters = [ch for ch in text if ch.isalpha()]
    assert nb._is_all_caps(text) == (len(letters) > 1 and not any(ch.islower() for ch in letters))


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Spelen aan de Grote Nete", "Aan de oevers van de Grote Nete komt een speelzone."),
        ("Samen langs de Schelde", "Het project brengt bewoners van het Scheldeland samen."),
        ("Een fietsroute", "De route loopt door de Vlaamse Ardennen en de Zuiderkempen, langs de Leie."),
    ],
)
def test_rivers_and_regions_are_not_neighbourhoods(title: str, summary: str) -> None:
    found = find_neighbourhoods(title, summary, "Gent", None, frozenset({"Gent"}))
    assert not {"Grote Nete", "Schelde", "Scheldeland", "Vlaamse Ardennen", "Zuiderkempen", "Leie"} & set(found)
