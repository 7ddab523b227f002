"""Glyph placement from origins and loose boxes: learnt advances, pieces, 64-bit sums."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pipeline.read.pdfium.place import Run, RunStyle, Widths, append_entry, expand_items, place_run, snap

STYLE = RunStyle("Helvetica", 10.0, 100.0, 110.0, True)
UNITS = {"a": 556.0, "b": 556.0, "i": 222.0, "r": 333.0, " ": 278.0}


def _glyph_run(text: str, start: float = 70.86614, overhang: str = "", widths: Widths | None = None) -> Run:
    """Entries as PDFium reports them: 32-bit origins, loose ends (past the advance where ink overhangs)."""
    run, x, widths = Run(0, STYLE, []), start, widths or Widths()
    for char in text:
        advance = UNITS[char] * 0.001 * STYLE.size
        end = x + advance + (0.4 if char in overhang else 0.0)
        append_entry(run, ("g", char, _f32(x), _f32(end)), widths)
        x += advance
    return run


def _f32(value: float) -> float:
    import struct

    return struct.unpack("f", struct.pack("f", value))[0]


def _reference(text: str, origin: float) -> tuple[list[tuple[str, float, float]], float]:
    """(char, x0, x1) of each glyph as the reference engine places it: the line's origin plus a
    running offset of advances (font units * 0.001 * size), in 64 bits; and the offset at the end."""
    glyphs, offset = [], 0.0
    for char in text:
        advance = UNITS[char] * 0.001 * STYLE.size
        glyphs.append((char, offset + origin, advance + (offset + origin)))
        offset += advance
    return glyphs, offset


def test_advances_are_learnt_in_font_units() -> None:  # from the next glyph: the last one stays unknown
    widths = Widths()
    _glyph_run("abiab", widths=widths)
    assert widths.known("Helvetica") == {"a": 556.0, "b": 556.0, "i": 222.0}


def test_an_overhanging_glyph_takes_its_widest_step() -> None:
    widths = Widths()
    _glyph_run("arar", overhang="r", widths=widths)
    assert widths.known("Helvetica")["r"] == 333.0
    assert ("Helvetica", "r") not in widths.exact_keys


def test_glyphs_are_placed_as_the_reference_sums_them() -> None:
    widths = Widths()
    run = _glyph_run("abra ab", widths=widths)
    placed, chain = place_run(run, widths, None)
    glyphs = expand_items(placed)
    assert "".join(glyph[0] for glyph in glyphs) == "abra ab"
    x, offset = 70.86614, 0.0
    for item, char in zip(glyphs, "abra ab", strict=True):
        assert item[1] == offset + x  # line origin plus a running offset, in 64 bits
        offset += UNITS[char] * 0.001 * 10.0
        assert item[2] == UNITS[char] * 0.001 * 10.0 + item[1]
    assert chain == (x, offset)


def test_a_piece_is_one_item_that_expands_into_the_reference_glyphs() -> None:
    widths = Widths()
    _glyph_run("abra ab", widths=widths)
    piece = ("p", "abra ab", _f32(70.86614), _f32(70.86614 + 25.02))  # PDFium's 32-bit first and last origins
    (item,), chain = place_run(Run(0, STYLE, [piece]), widths, None)
    glyphs, end = _reference("abra ab", 70.86614)
    assert (item[0], item[1], item[2], item[8]) == ("abra ab", glyphs[0][1], glyphs[-1][2], glyphs[-1][1])
    assert [glyph[:3] for glyph in expand_items([item])] == glyphs
    assert chain == (70.86614, end)


def test_a_run_that_starts_where_the_last_ended_continues_its_sum() -> None:
    widths = Widths()
    _glyph_run("abra ab", widths=widths)
    first, chain = place_run(_glyph_run("ab"), widths, None)
    second, _ = place_run(_glyph_run("ra", start=70.86614 + 11.12), widths, chain)
    assert [glyph[:3] for glyph in expand_items(first + second)] == _reference("abra", 70.86614)[0]


def _spaced_entries() -> list[tuple]:
    """ "ab ab" with spacing behind the blank (word spacing) and inside the last word (kerning)."""
    return [("g", "a", 70.0, None), ("g", "b", 75.56, None), ("g", " ", 81.12, None), ("g", "a", 90.0, None)]


def test_glyphs_travel_together_while_the_sum_places_them_or_starts_again_behind_a_blank() -> None:
    widths = Widths()
    _glyph_run("abra ab", widths=widths)
    entries = [*_spaced_entries(), ("g", "b", 95.0, None)]  # 95.56 by the sum: kerned
    placed, _ = place_run(Run(0, STYLE, entries), widths, None)
    assert [item[0] for item in placed] == ["ab a", "b"]  # a word is never one item across spacing
    assert [glyph[1] for glyph in expand_items(placed)] == [70.0, 5.56 + 70.0, 11.12 + 70.0, 90.0, 95.0]


def test_a_piece_that_starts_again_sums_from_each_origin() -> None:
    widths = Widths()
    _glyph_run("abra ab", widths=widths)
    piece = ("p", "ab ab", 70.0, 95.56, ((3, 90.0),))  # spacing behind the blank: the sum starts again at 90
    (item,), _ = place_run(Run(0, STYLE, [piece]), widths, None)
    assert item[0] == "ab ab"  # still one item: it starts again only behind a blank, and forward
    assert [glyph[:3] for glyph in expand_items([item])] == _reference("ab ", 70.0)[0] + _reference("ab", 90.0)[0]


def test_a_split_ligature_spans_the_whole_glyph() -> None:
    widths = Widths()
    run = Run(0, STYLE, [])
    for entry in [("g", "f", 100.0, 105.5), ("g", "i", 100.0, 105.5), ("g", "n", 105.5, 111.06)]:
        append_entry(run, entry, widths)
    assert "i" not in widths.known("Helvetica") and "f" not in widths.known("Helvetica")  # not the letters' advances
    placed, _ = place_run(run, widths, None)
    assert [(item[1], item[2]) for item in placed[:2]] == [(100.0, 105.5), (100.0, 105.5)]


@given(st.integers(-9_999_999, 9_999_999), st.integers(0, 5))
def test_snap_restores_a_decimal_of_seven_digits(digits: int, decimals: int) -> None:
    value = float(Decimal(digits).scaleb(-decimals))  # e.g. 841.8898 or 70.86614, as files write them
    assert snap(_f32(value)) == value
