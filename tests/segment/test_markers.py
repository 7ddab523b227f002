"""List markers: numbers, letters, roman numerals, bullets as word processors write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.segment.markers import Marker, MarkerStyle, find_marker, same_list


@pytest.mark.parametrize(
    ("text", "style", "label", "rest"),
    [
        ("1. GENT – Title", MarkerStyle.NUMBER, "1", "GENT – Title"),
        ("12) Gent: Title", MarkerStyle.NUMBER, "12", "Gent: Title"),
        ("(3) Gent: Title", MarkerStyle.NUMBER, "3", "Gent: Title"),
        ("a. MECHELEN – Title", MarkerStyle.LETTER, "a", "MECHELEN – Title"),
        ("b) Gent", MarkerStyle.LETTER, "b", "Gent"),
        ("iv. Gent", MarkerStyle.ROMAN, "iv", "Gent"),
        ("II. Gent", MarkerStyle.ROMAN, "II", "Gent"),
        ("• Gent: Title", MarkerStyle.BULLET, "•", "Gent: Title"),
        ("– Gent – Title", MarkerStyle.BULLET, "–", "Gent – Title"),
        ("- Gent", MarkerStyle.BULLET, "-", "Gent"),
        ("* Gent", MarkerStyle.BULLET, "*", "Gent"),
        ("▪ Title (Brugge)", MarkerStyle.BULLET, "▪", "Title (Brugge)"),
        ("\uf0b7\tLokeren – Title", MarkerStyle.BULLET, "\uf0b7", "Lokeren – Title"),
        ("\x00 Lokeren – Title", MarkerStyle.BULLET, "\x00", "Lokeren – Title"),  # a symbol glyph without text
        ("o Eeklo – Title", MarkerStyle.BULLET, "o", "Eeklo – Title"),
        ("§ Tielt: Title", MarkerStyle.BULLET, "§", "Tielt: Title"),
        ("1.\tGENT – Title", MarkerStyle.NUMBER, "1", "GENT – Title"),
    ],
)
def test_find_marker(text: str, style: MarkerStyle, label: str, rest: str) -> None:
    assert find_marker(text) == Marker(style, label, rest)


@pytest.mark.parametrize(
    "text", ["", "Gent – Title", "-Gent", "1.5 miljoen euro", "2021 was een goed jaar", "omgeving", "– ", "12.000 euro"]
)
def test_no_marker(text: str) -> None:
    assert find_marker(text) is None


def test_same_list() -> None:
    bullet, dash = Marker(MarkerStyle.BULLET, "•", "x"), Marker(MarkerStyle.BULLET, "–", "x")
    assert same_list(bullet, bullet) and not same_list(bullet, dash)
    assert same_list(Marker(MarkerStyle.LETTER, "h", "x"), Marker(MarkerStyle.ROMAN, "i", "x"))
    assert not same_list(Marker(MarkerStyle.NUMBER, "1", "x"), Marker(MarkerStyle.LETTER, "a", "x"))


@given(st.text(max_size=40))
def test_a_marker_is_followed_by_text(text: str) -> None:
    marker = find_marker(text)
    assert marker is None or (marker.rest and not marker.rest[0].isspace())
