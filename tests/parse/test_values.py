"""Dutch value parsers: dates, amounts, declared counts, names and titles."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.parse.values import (
    MONTHS,
    NUMBER_WORDS,
    find_amounts,
    find_declared_count,
    find_granted_amount,
    find_max_budget,
    parse_amount,
    parse_dutch_date,
    proper_case_name,
    proper_case_title,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 oktober 2021", dt.date(2021, 10, 1)),
        ("op vraag nr. 12 van 1 oktober 2021", dt.date(2021, 10, 1)),
        ("datum: 23 november 2022", dt.date(2022, 11, 23)),
        ("5 maart 2025", dt.date(2025, 3, 5)),
        ("1 okt. 2021", dt.date(2021, 10, 1)),
        ("01/10/2021", dt.date(2021, 10, 1)),
    ],
)
def test_parse_dutch_date(text: str, expected: dt.date) -> None:
    assert parse_dutch_date(text) == expected


@pytest.mark.parametrize("text", ["", "31 februari 2021", "op 12 brumaire 2021", "geen datum"])
def test_parse_dutch_date_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_dutch_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("800.000", 800000.0),
        ("612.500,50", 612500.5),
        ("€ 1,2 miljoen", 1200000.0),
        ("800.000 euro", 800000.0),
        ("50 000 euro", 50000.0),
        ("4.000.000", 4000000.0),
        ("EUR 75.000,00", 75000.0),
        ("350", 350.0),
    ],
)
def test_parse_amount(text: str, expected: float) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. Er werden 20 aanvragen ingediend. Hieronder volgt", (20, "ingediend")),
        ("Er werden 6 projecten geselecteerd.", (6, "geselecteerd")),
        ("In totaal werden 8 projectaanvragen ingediend.", (8, "ingediend")),
        ("Er werden twaalf aanvragen ingediend.", (12, "ingediend")),
        ("Zie het antwoord op vraag 2.", None),
    ],
)
def test_find_declared_count(text: str, expected: tuple[int, str] | None) -> None:
    assert find_declared_count(text) == expected


def test_find_max_budget() -> None:
    text = "Op de website wordt toegevoegd dat het maximale budget voor één project 800.000 euro is."
    assert find_max_budget(text) == 800000.0
    assert find_max_budget("Er is geen plafond.") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CHRIS JANSSENS", "Chris Janssens"),
        ("BART SOMERS", "Bart Somers"),
        ("KOEN VAN DEN HEUVEL", "Koen Van den Heuvel"),
        ("JOS D'HAESE", "Jos D'Haese"),
        ("ANN-SOFIE MAES", "Ann-Sofie Maes"),
    ],
)
def test_proper_case_name(text: str, expected: str) -> None:
    assert proper_case_name(text) == expected


def test_proper_case_title() -> None:
    caps = (
        "VICEMINISTER-PRESIDENT VAN DE VLAAMSE REGERING, VLAAMS MINISTER VAN BINNENLANDS BESTUUR, "
        "BESTUURSZAKEN, INBURGERING EN GELIJKE KANSEN"
    )
    assert proper_case_title(caps) == (
        "Viceminister-president van de Vlaamse Regering, Vlaams minister van Binnenlands Bestuur, "
        "Bestuurszaken, Inburgering en Gelijke Kansen"
    )


@given(st.text(max_size=200))
def test_parsers_never_crash(text: str) -> None:
    """Arbitrary text gives a value or a ValueError, never another exception."""
    for parse in (parse_dutch_date, parse_amount):
        try:
            parse(text)
        except ValueError:
            pass
    find_declared_count(text)
    find_max_budget(text)
    proper_case_name(text)
    proper_case_title(text)


# Structured noise: the fragments the parsers look for, glued together at random, reach the
# branches plain random text never does (month names, separators, scale words, long digit runs).
_DATE_TEXT = st.lists(
    st.one_of(
        st.integers(-1, 100_000).map(str),
        st.sampled_from(sorted(MONTHS)),
        st.sampled_from([" ", ".", "/", "-", ". ", "\u00a0", "op vraag nr. 12 van ", "datum: "]),
        st.text(max_size=4),
    ),
    max_size=8,
).map("".join)
_AMOUNT_TEXT = st.lists(
    st.one_of(
        st.text("0123456789", min_size=1, max_size=20),
        st.integers(1, 400).map(lambda n: "9" * n),  # past 308 digits a float is inf
        st.sampled_from([".", ",", " ", "\u00a0", "€", "€ ", " euro", "EUR ", " miljoen", " mio.", " miljard", "-"]),
    ),
    max_size=6,
).map("".join)
_COUNT_TEXT = st.tuples(
    st.sampled_from(["Er werden ", "er zijn ", "In totaal werden ", "Er werd in totaal ", ""]),
    st.one_of(st.integers(0, 99_999).map(str), st.sampled_from(sorted(NUMBER_WORDS)), st.text(max_size=6)),
    st.sampled_from([" aanvragen ", " projecten ", " dossiers ", " nieuwe aanvragen ", " "]),
    st.sampled_from(["ingediend.", "geselecteerd", "goedgekeurd en", "", "ontvangen"]),
).map("".join)


@given(_DATE_TEXT)
def test_parse_dutch_date_gives_a_real_date_or_value_error(text: str) -> None:
    try:
        date = parse_dutch_date(text)
    except ValueError:
        return
    assert isinstance(date, dt.date) and 1 <= date.year <= 9999


@given(_AMOUNT_TEXT)
def test_parse_amount_is_finite_or_value_error(text: str) -> None:
    try:
        value = parse_amount(text)
    except ValueError:
        return
    assert math.isfinite(value) and value >= 0


@given(st.one_of(_COUNT_TEXT, st.text(max_size=120)))
def test_find_declared_count_is_a_count_and_a_verb_or_none(text: str) -> None:
    found = find_declared_count(text)
    if found is not None:
        count, verb = found
        assert count >= 0
        assert verb in {"ingediend", "geselecteerd", "goedgekeurd", "weerhouden", "ontvangen", "aanvaard"}


@given(st.tuples(st.sampled_from(["het maximale budget voor één project ", "maximum subsidie ", ""]), _AMOUNT_TEXT))
def test_find_max_budget_is_finite_or_none(parts: tuple[str, str]) -> None:
    value = find_max_budget("".join(parts) + " euro")
    assert value is None or (math.isfinite(value) and value >= 0)


# --- amounts in prose (issue 15) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("De stad ontvangt 2,6 miljoen euro voor het project.", 2_600_000.0),
        ("De investering wordt geraamd op 14,2 miljoen euro; de Vlaamse subsidie bedraagt € 2.800.000.", 2_800_000.0),
        ("Toegekende subsidie: EUR 380.000.", 380_000.0),
        ("Het project krijgt 60.000 euro.", 60_000.0),
        ("Toegekende subsidie: 420.000 euro.", 420_000.0),
        ("Via een buurtbudget van 20.000 euro kunnen bewoners voorstellen indienen.", None),  # not a grant
        ("Met een burgerbudget van 40.000 euro per jaar kiezen bewoners zelf.", None),
        ("De projecten ontvangen elk een subsidie van maximaal 100.000 euro.", None),  # a ceiling
        ("In totaal werd 5.720.000 euro aan subsidies uitgekeerd.", None),
        ("Het project verbindt de school met het park.", None),
    ],
)
def test_find_granted_amount(text: str, expected: float | None) -> None:
    assert find_granted_amount(text) == expected


def test_find_amounts() -> None:
    text = "2,6 miljoen euro, € 2.800.000, EUR 380.000 en 60.000 euro, maar niet 2024 of 12 aanvragen"
    assert [value for value, _, _ in find_amounts(text)] == [2_600_000.0, 2_800_000.0, 380_000.0, 60_000.0]


@given(st.text(max_size=120))
def test_find_granted_amount_is_positive_and_finite_or_none(text: str) -> None:
    value = find_granted_amount(text)
    assert value is None or (value > 0 and math.isfinite(value))
