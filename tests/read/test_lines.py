"""Word and line assembly: `group_words` splits glyphs exactly as pdfplumber's extract_words does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfplumber.utils.text import extract_words

from pipeline.read.lines import (
    InterleavedItems,
    drop_words_in,
    group_lines,
    group_words,
    is_bold_font,
    line_stretches,
    strip_subset_tag,
)

X_GAP, Y_GAP = 2.0, 2.5
FONTS = ("Helvetica", "Helvetica-Bold")


@st.composite
def glyph_runs(draw) -> list[tuple]:
    """Glyphs in stream order: text objects along a few baselines, some with gaps, some rotated."""
    glyphs = []
    for _ in range(draw(st.integers(1, 6))):
        top = draw(st.sampled_from((100.0, 101.5, 104.0, 130.0)))
        size = draw(st.sampled_from((10.0, 11.0)))
        font = draw(st.sampled_from(FONTS))
        upright = draw(st.booleans()) or draw(st.booleans())
        x = draw(st.floats(50, 400, allow_nan=False))
        for char in draw(st.text(alphabet="ab .ﬁ", min_size=1, max_size=12)):
            width = draw(st.sampled_from((2.5, 5.0, 0.0)))
            x += draw(st.sampled_from((0.0, 0.0, 0.0, 1.5, 3.0, -1.0)))  # kerning, gaps, overlap
            if upright:
                glyphs.append((char, x, x + width, top, top + size, font, size, True))
            else:  # turned a quarter: the glyph advances downwards
                glyphs.append((char, top, top + size, x, x + width, font, size, False))
            x += width
    return glyphs


def _items(glyphs: list[tuple]) -> list[tuple]:
    return [(*g, g[1] if g[7] else g[3], None) for g in glyphs]


def _chars(glyphs: list[tuple]) -> list[dict]:
    keys = ("text", "x0", "x1", "top", "bottom", "fontname", "size", "upright")
    return [{**dict(zip(keys, g, strict=True)), "doctop": g[3]} for g in glyphs]


def _plain(words: list[dict]) -> list[tuple]:
    return [(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], w["fontname"], w["size"]) for w in words]


def _reference_words(glyphs: list[tuple]) -> list[tuple]:
    """The words of the glyphs as the reference engine (pdfplumber) splits them."""
    words = extract_words(
        _chars(glyphs), x_tolerance=X_GAP, y_tolerance=Y_GAP, keep_blank_chars=False, extra_attrs=["fontname", "size"]
    )
    return _plain(words)


@settings(max_examples=300, deadline=None)
@given(glyph_runs())
def test_words_are_split_as_pdfplumber_splits_them(glyphs: list[tuple]) -> None:
    assert _plain(group_words(_items(glyphs), X_GAP, Y_GAP)) == _reference_words(glyphs)


def _pieces(glyphs: list[tuple]) -> list[tuple]:
    """Consecutive upright non-blank glyphs of one style that touch, joined into pieces."""
    pieces: list[list] = []
    for g in glyphs:
        last = pieces[-1] if pieces else None
        if (
            last is not None
            and g[7]
            and last[7]
            and not g[0].isspace()
            and not last[0][-1].isspace()
            and (g[3], g[5], g[6]) == (last[3], last[5], last[6])
            and g[1] == last[2]
        ):
            last[0] += g[0]
            last[2] = g[2]
            last[8] = g[1]
        else:
            pieces.append([*g, g[1] if g[7] else g[3], None])
    return [tuple(p) for p in pieces]


def _line_pieces(glyphs: list[tuple]) -> list[tuple]:
    """Consecutive upright glyphs of one style that touch and move forward, blanks among them,
    joined into pieces with their layout (starts from an origin of 0, an advance per character)."""
    runs: list[list[tuple]] = []
    for g in glyphs:
        last = runs[-1][-1] if runs else None
        width = g[2] - g[1]
        if (
            last is not None
            and g[7]
            and last[7]
            and width > 0
            and last[2] > last[1]
            and (g[3], g[5], g[6]) == (last[3], last[5], last[6])
            and g[1] == last[2]
            and all(other[2] - other[1] == width for other in runs[-1] if other[0] == g[0])
        ):
            runs[-1].append(g)
        else:
            runs.append([g])
    pieces = []
    for run in runs:
        if len(run) == 1:
            pieces.append((*run[0], run[0][1] if run[0][7] else run[0][3], None))
            continue
        layout = (0.0, [g[1] for g in run], {g[0]: g[2] - g[1] for g in run})
        first, last = run[0], run[-1]
        pieces.append(("".join(g[0] for g in run), first[1], last[2], *first[3:8], last[1], layout))
    return pieces


# pieces of one word's glyphs, and pieces across blanks (several words with their layout)
@pytest.mark.parametrize("join", [_pieces, _line_pieces], ids=["words", "across_blanks"])
@settings(max_examples=300, deadline=None)
@given(glyph_runs())
def test_pieces_are_split_as_pdfplumber_splits_their_glyphs(
    join: Callable[[list[tuple]], list[tuple]], glyphs: list[tuple]
) -> None:
    try:
        pieced = group_words(join(glyphs), X_GAP, Y_GAP)
    except InterleavedItems:
        return  # the reader then splits the pieces into glyphs
    assert _plain(pieced) == _reference_words(glyphs)


def _words_piece() -> tuple:
    layout = (0.0, [10.0, 15.0, 20.0, 25.0, 30.0], {"a": 5.0, "b": 5.0, " ": 5.0})
    return ("ab ab", 10.0, 35.0, 100.0, 110.0, "Helvetica", 10.0, True, 30.0, layout)


@pytest.mark.parametrize(
    ("x", "words"),
    [
        (20.5, [("ab", 10.0, 20.0), ("x", 20.5, 22.0), ("ab", 25.0, 35.0)]),  # between the piece's words
        (12.0, [("axb", 10.0, 20.0), ("ab", 25.0, 35.0)]),  # inside its first word
    ],
)
def test_a_piece_another_item_sorts_into_is_refused_and_read_glyph_by_glyph(x: float, words: list[tuple]) -> None:
    inside = ("x", x, x + 1.5, 100.0, 110.0, "Helvetica", 10.0, True, x, None)
    with pytest.raises(InterleavedItems):
        group_words([_words_piece(), inside], X_GAP, Y_GAP)
    glyphs = [(c, left, left + 5.0, 100.0, 110.0, "Helvetica", 10.0, True, left, None)
              for c, left in zip("ab ab", [10.0, 15.0, 20.0, 25.0, 30.0], strict=True)]
    found = group_words([*glyphs, inside], X_GAP, Y_GAP)
    assert [(w["text"], w["x0"], w["x1"]) for w in found] == words


def test_a_piece_overlapped_by_another_item_is_refused() -> None:
    piece = ("abc", 10.0, 25.0, 100.0, 110.0, "Helvetica", 10.0, True, 20.0, None)
    inside = ("x", 15.0, 20.0, 100.0, 110.0, "Helvetica", 10.0, True, 15.0, None)
    with pytest.raises(InterleavedItems):
        group_words([piece, inside], X_GAP, Y_GAP)


@pytest.mark.parametrize(
    ("fontname", "bold", "plain"),
    [
        ("Helvetica-Bold", True, "Helvetica-Bold"),
        ("ABCDEF+Arial,Bold", True, "Arial,Bold"),
        ("Calibri-Semibold", True, "Calibri-Semibold"),
        ("Times-Roman", False, "Times-Roman"),
        ("ABCDEF+Calibri", False, "Calibri"),
        ("abcdef+Calibri", False, "abcdef+Calibri"),  # not a subset tag: capitals only
    ],
)
def test_font_names(fontname: str, bold: bool, plain: str) -> None:
    assert is_bold_font(fontname) is bold
    assert strip_subset_tag(fontname) == plain


def _word(text: str, x0: float, top: float, font: str = "Helvetica") -> dict:
    right = x0 + 5 * len(text)
    return {"text": text, "x0": x0, "x1": right, "top": top, "bottom": top + 10, "fontname": font, "size": 10}


def test_lines_group_words_by_top_and_keep_the_bold_prefix() -> None:
    words = [_word("wijk", 80, 100.4), _word("1.", 50, 100, "ABCDEF+Arial,Bold"), _word("Gent", 50, 120)]
    first, second = group_lines(words, page_number=3, tolerance=2.5)
    assert (first.text, first.bold, first.bold_prefix, first.top) == ("1. wijk", False, 3, 100.0)
    assert first.fontname == "Arial,Bold"  # the tag of an embedded subset is dropped
    assert (second.text, second.page) == ("Gent", 3)


def test_words_in_a_table_box_are_dropped() -> None:
    words = [_word("in", 100, 100), _word("uit", 100, 200)]
    assert [w["text"] for w in drop_words_in(words, [(90.0, 90.0, 200.0, 150.0)])] == ["uit"]
    assert drop_words_in(words, []) == words


def test_a_line_across_wide_gaps_records_its_stretches() -> None:
    # a table without rules: "Gent | Samen sterk | 120.000", cells far apart
    words = [_word("Gent", 70, 100), _word("Samen", 180, 100), _word("sterk", 214, 100), _word("120.000", 400, 100)]
    (line,) = group_lines(words, 1, 1.0)
    assert line.text == "Gent Samen sterk 120.000"
    assert [line.text[offset:offset + 5] for offset, _ in line.stretches] == ["Gent ", "Samen", "120.0"]
    assert [x0 for _, x0 in line.stretches] == [70, 180, 400]


def test_running_text_has_no_stretches() -> None:
    assert line_stretches([(4, 70.0, 90.0), (5, 93.0, 120.0), (3, 123.0, 140.0)], 10.0) == ()
