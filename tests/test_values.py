"""Dutch value parsers: dates, amounts, declared counts, names and titles."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.values import (
    find_declared_count,
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
