"""Tests for pipeline.extract.gazetteer against the committed data in pipeline/data."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.gazetteer import (
    DATA_DIR,
    Gazetteer,
    _resolve,
    find_municipality,
    is_valid_code,
    load_gazetteer,
    normalize_place_name,
    place_names,
    resolve_place,
    split_merged_name,
    sub_municipalities_of,
)

QUESTION_DATE = dt.date(2021, 10, 1)  # the seed document's question date
PROVINCES = {"Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen",
             "Waals-Brabant", "Henegouwen", "Luik", "Luxemburg", "Namen"}
GAZETTEER = load_gazetteer()


def valid_on(day: dt.date) -> list:
    return [m for m in GAZETTEER.municipalities if m.valid_from <= day <= m.valid_to]


FLEMISH_AND_BRUSSELS_2021 = [m.name for m in valid_on(dt.date(2021, 1, 1))
                             if m.region in ("Vlaanderen", "Brussel")]


@pytest.mark.parametrize(
    ("text", "on", "code", "sub"),
    [
        ("ANTWERPEN", QUESTION_DATE, "11002", None),
        ("SINT-NIKLAAS", QUESTION_DATE, "46021", None),
        ("Sint Niklaas", QUESTION_DATE, "46021", None),
        ("sint-niklaas", QUESTION_DATE, "46021", None),
        ("St.-Niklaas", QUESTION_DATE, "46021", None),
        ("Stad Sint-Niklaas", QUESTION_DATE, "46021", None),
        ("GEMEENTE HOEILAART", QUESTION_DATE, "23033", None),
        ("BRUGGE (ZEEBRUGGE)", QUESTION_DATE, "31005", "Zeebrugge"),
        ("Leuven (Kessel-Lo)", QUESTION_DATE, "24062", "Kessel-Lo"),
        ("Kessel-Lo (Leuven)", QUESTION_DATE, "24062", "Kessel-Lo"),
        ("Deurne", QUESTION_DATE, "11002", "Deurne"),
        ("District Deurne", QUESTION_DATE, "11002", "Deurne"),
        ("Deurne (Diest)", QUESTION_DATE, "24020", "Deurne"),
        ("Berchem", QUESTION_DATE, "11002", "Berchem"),
        ("Heusden (Destelbergen)", QUESTION_DATE, "44013", "Heusden"),
        ("Destelbergen (Heusden)", QUESTION_DATE, "44013", "Heusden"),
        ("Berchem (Kluisbergen)", QUESTION_DATE, "45060", "Berchem"),
        ("Zeebrugge", QUESTION_DATE, "31005", "Zeebrugge"),
        ("Antwerpen (Antwerpen)", QUESTION_DATE, "11002", None),
        ("Antwerpen (centrum)", QUESTION_DATE, "11002", None),
        ("Hasselt", dt.date(2021, 10, 1), "71022", None),
        ("Hasselt", dt.date(2025, 3, 1), "71072", None),
        ("Hasselt", dt.datetime(2025, 3, 1, 12, 0), "71072", None),
        ("Kortessem", dt.date(2021, 10, 1), "73040", None),
        ("Kortessem", dt.date(2025, 3, 1), "71072", "Kortessem"),
        ("Borsbeek", dt.date(2025, 3, 1), "11002", "Borsbeek"),
        ("Moerbeke", dt.date(2025, 3, 1), "46029", "Moerbeke"),  # the merged municipality
        ("Moerbeke (Geraardsbergen)", dt.date(2025, 3, 1), "41018", "Moerbeke"),
        ("Beveren", dt.date(2021, 3, 1), "46003", None),
        ("Beveren", dt.date(2025, 3, 1), "46030", "Beveren"),
        ("Beveren (Roeselare)", dt.date(2021, 3, 1), "36015", "Beveren"),
        ("Tielt", dt.date(2025, 3, 1), "37022", None),
        ("Halle", QUESTION_DATE, "23027", None),  # municipality wins over Halle (Zoersel)
        ("Halle (Zoersel)", QUESTION_DATE, "11055", "Halle"),
        ("Nevele", dt.date(2018, 6, 1), "44049", None),
        ("Nevele", dt.date(2020, 6, 1), "44083", "Nevele"),
        ("Merendree", dt.date(2020, 6, 1), "44083", "Merendree"),
        ("Vinderhoute", dt.date(2020, 6, 1), "44085", "Vinderhoute"),
        ("Meeuwen-Gruitrode", dt.date(2020, 6, 1), "72042", "Meeuwen-Gruitrode"),
        ("Neerpelt", dt.date(2020, 6, 1), "72043", "Neerpelt"),
        ("Moeskroen", dt.date(2018, 6, 1), "54007", None),
        ("Moeskroen", dt.date(2020, 6, 1), "57096", None),
        ("'s-Gravenwezel", QUESTION_DATE, "11039", "'s-Gravenwezel"),
        ("s Gravenwezel", QUESTION_DATE, "11039", "'s-Gravenwezel"),
        ("Brussel (Laken)", QUESTION_DATE, "21004", "Laken"),
        ("Vilvoorde", dt.date(1990, 1, 1), "23088", None),
    ],
)
def test_resolve_place_examples(text: str, on: dt.date, code: str, sub: str | None) -> None:
    match = resolve_place(GAZETTEER, text, on)
    assert match is not None
    assert (match.municipality.nis_code, match.sub_municipality) == (code, sub)


@pytest.mark.parametrize(
    "text", ["Heusden", "Meldert", "Ruisbroek", "Sint-Joris", "", "   ", "()", "Atlantis",
             "ANTWERPEN – Veilig en leefbaar Deurne-Noord"])
def test_resolve_place_refuses_ambiguous_or_unknown(text: str) -> None:
    assert resolve_place(GAZETTEER, text, QUESTION_DATE) is None


@pytest.mark.parametrize(
    ("heading", "code", "name", "province"),
    [
        ("ANTWERPEN", "11002", "Antwerpen", "Antwerpen"),
        ("BERINGEN", "71004", "Beringen", "Limburg"),
        ("BOOM", "11005", "Boom", "Antwerpen"),
        ("BRUGGE (ZEEBRUGGE)", "31005", "Brugge", "West-Vlaanderen"),
        ("DENDERLEEUW", "41011", "Denderleeuw", "Oost-Vlaanderen"),
        ("DENDERMONDE", "42006", "Dendermonde", "Oost-Vlaanderen"),
        ("GERAARDSBERGEN", "41018", "Geraardsbergen", "Oost-Vlaanderen"),
        ("GENK", "71016", "Genk", "Limburg"),
        ("GENT", "44021", "Gent", "Oost-Vlaanderen"),
        ("HASSELT", "71022", "Hasselt", "Limburg"),
        ("HOEILAART", "23033", "Hoeilaart", "Vlaams-Brabant"),
        ("IZEGEM", "36008", "Izegem", "West-Vlaanderen"),
        ("KORTRIJK", "34022", "Kortrijk", "West-Vlaanderen"),
        ("MAASMECHELEN", "73107", "Maasmechelen", "Limburg"),
        ("MECHELEN", "12025", "Mechelen", "Antwerpen"),
        ("OOSTENDE", "35013", "Oostende", "West-Vlaanderen"),
        ("ROESELARE", "36015", "Roeselare", "West-Vlaanderen"),
        ("SINT-NIKLAAS", "46021", "Sint-Niklaas", "Oost-Vlaanderen"),
        ("TURNHOUT", "13040", "Turnhout", "Antwerpen"),
        ("VILVOORDE", "23088", "Vilvoorde", "Vlaams-Brabant"),
    ],
)
def test_seed_document_municipalities(heading: str, code: str, name: str, province: str) -> None:
    match = resolve_place(GAZETTEER, heading, QUESTION_DATE)
    assert match is not None
    municipality = match.municipality
    assert (municipality.nis_code, municipality.name, municipality.province) == (
        code, name, province)
    assert municipality.region == "Vlaanderen"


@pytest.mark.parametrize(
    ("code", "on", "province", "region"),
    [
        ("21004", QUESTION_DATE, None, "Brussel"),
        ("21015", dt.date(2025, 6, 1), None, "Brussel"),
        ("24062", QUESTION_DATE, "Vlaams-Brabant", "Vlaanderen"),
        ("24062", dt.date(1990, 1, 1), "Brabant", "Vlaanderen"),  # before the 1995 split
        ("25112", QUESTION_DATE, "Waals-Brabant", "Wallonië"),
        ("53053", QUESTION_DATE, "Henegouwen", "Wallonië"),
        ("62063", QUESTION_DATE, "Luik", "Wallonië"),
        ("81001", QUESTION_DATE, "Luxemburg", "Wallonië"),
        ("92094", QUESTION_DATE, "Namen", "Wallonië"),
        ("73109", QUESTION_DATE, "Limburg", "Vlaanderen"),
        ("57097", QUESTION_DATE, "Henegouwen", "Wallonië"),
        ("82039", dt.date(2025, 6, 1), "Luxemburg", "Wallonië"),
    ],
)
def test_provinces(code: str, on: dt.date, province: str | None, region: str) -> None:
    municipality = find_municipality(GAZETTEER, code, on)
    assert municipality is not None
    assert (municipality.province, municipality.region) == (province, region)


@pytest.mark.parametrize(("day", "count"), [(dt.date(2018, 12, 31), 589),
                                            (dt.date(2021, 1, 1), 581),
                                            (dt.date(2025, 6, 1), 565)])
def test_table_per_period(day: dt.date, count: int) -> None:
    rows = valid_on(day)
    assert len(rows) == len({m.nis_code for m in rows}) == count
    for m in rows:
        assert len(m.nis_code) == 5 and m.nis_code.isdigit()
        assert (m.province is None) == (m.region == "Brussel")
        assert m.province is None or m.province in PROVINCES


def test_rows_of_a_code_never_overlap() -> None:
    for rows in GAZETTEER.municipalities_by_code.values():
        ordered = sorted(rows, key=lambda m: m.valid_from)
        for row, later in zip(ordered, ordered[1:], strict=False):
            assert row.valid_from <= row.valid_to < later.valid_from


@pytest.mark.parametrize("day", [dt.date(2021, 1, 1), dt.date(2025, 6, 1)])
def test_every_flemish_and_brussels_municipality_resolves_by_name(day: dt.date) -> None:
    for municipality in valid_on(day):
        if municipality.region == "Wallonië":
            continue
        for text in (municipality.name, municipality.name.upper()):
            match = resolve_place(GAZETTEER, text, day)
            assert match is not None, text
            assert (match.municipality, match.sub_municipality) == (municipality, None)


def test_every_sub_municipality_has_a_parent_for_its_whole_period() -> None:
    for sub in GAZETTEER.sub_municipalities:
        for day in (sub.valid_from, sub.valid_to):
            parent = find_municipality(GAZETTEER, sub.municipality_nis, day)
            assert parent is not None and parent.name == sub.municipality_name, sub


def test_successions_link_consecutive_codes() -> None:
    with (DATA_DIR / "successions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 55
    for row in rows:
        start = dt.date.fromisoformat(row["valid_from"])
        assert is_valid_code(GAZETTEER, row["old_nis"], start - dt.timedelta(days=1))
        assert not is_valid_code(GAZETTEER, row["old_nis"], start)
        successor = find_municipality(GAZETTEER, row["new_nis"], start)
        assert successor is not None and successor.name == row["new_name"]


@pytest.mark.parametrize(
    ("code", "on", "valid"),
    [("71022", dt.date(2024, 12, 31), True), ("71022", dt.date(2025, 1, 1), False),
     ("71072", dt.date(2024, 12, 31), False), ("71072", dt.date(2025, 1, 1), True),
     ("44085", dt.date(2018, 12, 31), False), ("44085", dt.date(2019, 1, 1), True),
     (" 11002 ", QUESTION_DATE, True), ("11000", QUESTION_DATE, False),
     ("abc", QUESTION_DATE, False), ("", QUESTION_DATE, False)],
)
def test_is_valid_code(code: str, on: dt.date, valid: bool) -> None:
    assert is_valid_code(GAZETTEER, code, on) is valid


def test_place_names() -> None:
    names_2025 = place_names(GAZETTEER, dt.date(2025, 6, 1))
    assert {"Hasselt", "Kortessem", "Zeebrugge", "Kessel-Lo", "Pajottegem"} <= names_2025
    names_2018 = place_names(GAZETTEER, dt.date(2018, 6, 1))
    assert "Lievegem" not in names_2018 and "Lovendegem" in names_2018
    assert "Pajottegem" not in place_names(GAZETTEER, QUESTION_DATE)


@pytest.mark.parametrize(
    ("code", "on", "present", "absent"),
    [("31005", QUESTION_DATE, {"Zeebrugge", "Lissewege", "Sint-Andries"}, set()),
     ("71072", dt.date(2025, 6, 1), {"Kortessem", "Vliermaal", "Kermt"}, set()),
     ("71022", QUESTION_DATE, {"Kermt"}, {"Kortessem", "Vliermaal"}),
     ("44083", dt.date(2020, 1, 1), {"Nevele", "Merendree", "Astene"}, set()),
     ("99999", QUESTION_DATE, set(), {"Gent"})],
)
def test_sub_municipalities_of(code: str, on: dt.date, present: set, absent: set) -> None:
    names = set(sub_municipalities_of(GAZETTEER, code, on))
    assert present <= names and not absent & names


def test_loading_twice_gives_equal_gazetteers() -> None:
    # load speed (~25 ms) is measured outside the tests: timed assertions flake on a shared machine
    first, second = load_gazetteer(), load_gazetteer()
    assert isinstance(first, Gazetteer)
    assert first.municipalities == second.municipalities
    assert first.sub_municipalities == second.sub_municipalities


def test_load_rejects_unknown_columns(tmp_path) -> None:
    (tmp_path / "municipalities.csv").write_text("code,name\n11002,Antwerpen\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected columns"):
        load_gazetteer(tmp_path)


# --- properties ---------------------------------------------------------------------------


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@st.composite
def name_variants(draw: st.DrawFn) -> tuple[str, str]:
    # "Limburg" (Limbourg) is the one name a Flemish answer always means as its province
    name = draw(st.sampled_from(sorted(m.name for m in valid_on(dt.date(2021, 1, 1)) if m.name != "Limburg")))
    chars = [c.upper() if draw(st.booleans()) else c.lower() for c in name]
    text = "".join(chars)
    separator = draw(st.sampled_from(["-", " ", "  ", " - "]))
    text = text.replace("-", "\0").replace(" ", "\0").replace("\0", separator)
    if draw(st.booleans()):
        text = _strip_accents(text)
    padding = draw(st.sampled_from(["", " ", "\t", "  "]))
    return name, padding + text + padding


@settings(max_examples=300, deadline=None)
@given(name_variants())
def test_name_variants_resolve_to_the_same_code(variant: tuple[str, str]) -> None:
    name, text = variant
    day = dt.date(2021, 1, 1)
    expected = resolve_place(GAZETTEER, name, day)
    match = resolve_place(GAZETTEER, text, day)
    assert expected is not None and match is not None
    assert match.municipality.nis_code == expected.municipality.nis_code


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.dates())
def test_arbitrary_text_never_raises(text: str, on: dt.date) -> None:
    for candidate in (text, f"{text} ({text})", f"Gent ({text}", f"({text})"):
        match = resolve_place(GAZETTEER, candidate, on)
        assert match is None or match.municipality.valid_from <= on <= match.municipality.valid_to


@settings(deadline=None)  # Hypothesis's default fails an example slower than 200 ms: behaviour only here
@given(st.text(max_size=60))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_place_name(text)
    assert normalize_place_name(once) == once
    assert once == once.strip() and "  " not in once


# the per-period caches give what a plain filter of the gazetteer gives
def test_place_names_per_period() -> None:
    days = {day + dt.timedelta(days=shift) for day in GAZETTEER.changes for shift in (-1, 0, 1)
            if dt.date.min < day < dt.date.max}
    for day in sorted(days) + [dt.date(1960, 1, 1), dt.date(2030, 5, 5)]:
        expected = frozenset(
            [m.name for m in GAZETTEER.municipalities if m.valid_from <= day <= m.valid_to]
            + [s.name for s in GAZETTEER.sub_municipalities if s.valid_from <= day <= s.valid_to]
        )
        assert place_names(GAZETTEER, day) == expected, day


@pytest.mark.parametrize(
    "text", ["Gent", "BRUGGE (ZEEBRUGGE)", "Kessel-Lo (Leuven)", "Lovendegem", "Stad Tielt", "Nergensland"]
)
def test_resolve_place_per_period(text: str) -> None:
    for day in GAZETTEER.changes[::3] + (dt.date(2018, 12, 31), dt.date(2019, 1, 1), dt.date(2025, 1, 1)):
        if day < dt.date.max:
            assert resolve_place(GAZETTEER, text, day) == _resolve(GAZETTEER, text, day), (text, day)


# --- provinces, Walloon homonyms, 2025 mergers (issue 15) ---------------------------------


@pytest.mark.parametrize("day", [dt.date(2021, 10, 1), dt.date(2025, 3, 1)])
def test_the_province_limburg_is_no_municipality(day: dt.date) -> None:
    assert resolve_place(GAZETTEER, "Limburg", day) is None
    assert resolve_place(GAZETTEER, "LIMBURG", day) is None
    # the text leaves no doubt: Limbourg in the province of Liège
    named = resolve_place(GAZETTEER, "Limburg (Luik)", day)
    assert named is None or named.municipality.region == "Wallonië"


@pytest.mark.parametrize(
    ("text", "name", "sub"),
    [("Herne", "Pajottegem", "Herne"), ("Galmaarden", "Pajottegem", "Galmaarden"), ("HERNE", "Pajottegem", "Herne"),
     ("Merelbeke-Melle", "Merelbeke-Melle", None),
     ("Beveren-Kruibeke-Zwijndrecht", "Beveren-Kruibeke-Zwijndrecht", None),
     ("Tessenderlo-Ham", "Tessenderlo-Ham", None), ("Pajottegem (Herne)", "Pajottegem", "Herne")],
)  # fmt: skip
def test_after_the_2025_mergers(text: str, name: str, sub: str | None) -> None:
    match = resolve_place(GAZETTEER, text, dt.date(2025, 3, 1))
    assert match is not None and (match.municipality.name, match.sub_municipality) == (name, sub)


def test_before_2025_the_2019_codes_stay() -> None:
    match = resolve_place(GAZETTEER, "Herne", dt.date(2024, 12, 31))
    assert match is not None and (match.municipality.name, match.municipality.nis_code) == ("Herne", "23032")


@pytest.mark.parametrize(
    ("text", "names"),
    [("Merelbeke-Melle", ("Merelbeke", "Melle")),
     ("Beveren-Kruibeke-Zwijndrecht", ("Beveren", "Kruibeke", "Zwijndrecht")),
     ("Tessenderlo-Ham", ("Tessenderlo", "Ham")), ("Gent", ())],
)  # fmt: skip
def test_a_merger_named_before_it_took_effect(text: str, names: tuple[str, ...]) -> None:
    assert split_merged_name(GAZETTEER, text, dt.date(2024, 5, 1)) == names
    assert split_merged_name(GAZETTEER, text, dt.date(2025, 5, 1)) == ()
