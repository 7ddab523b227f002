"""Cell text from glyphs (`cells.cell_text`) against pdfplumber's `extract_text` with its defaults."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pdfplumber.utils import extract_text

from pipeline.read.cells import _char, cell_text

_glyph = st.builds(
    lambda text, x0, width, top: (text, x0, x0 + width, top, top + 10.0, "Helvetica", 10.0, True),
    st.sampled_from(["a", "b", "K", "1", " ", "ﬁ", "-"]),
    st.floats(0, 60).map(lambda x: round(x, 1)),  # rounded: ties and touching glyphs are common
    st.sampled_from([0.0, 2.0, 5.5, 6.0]),
    st.sampled_from([100.0, 101.5, 103.0, 104.0, 108.0, 120.0]),  # within and across the tolerance
)


@given(st.lists(_glyph, min_size=1, max_size=30))
def test_cell_text_is_pdfplumbers(glyphs: list[tuple]) -> None:
    assert cell_text(glyphs) == extract_text([_char(glyph) for glyph in glyphs])


def test_a_wrapped_cell_keeps_its_lines() -> None:
    line = [("G", 10.0, 16.0, 100.0, 110.0), ("e", 16.0, 21.0, 100.0, 110.0), (" ", 21.0, 24.0, 100.0, 110.0),
            ("n", 24.0, 29.0, 100.5, 110.5), ("k", 30.0, 35.0, 112.0, 122.0)]  # fmt: skip
    glyphs = [(*glyph, "Helvetica", 10.0, True) for glyph in line]
    assert cell_text(glyphs) == "Ge n\nk" == extract_text([_char(glyph) for glyph in glyphs])
