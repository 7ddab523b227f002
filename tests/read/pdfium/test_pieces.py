"""The pdfium reader's fast path (`pieces`, `assemble`) against the reference on what it must
notice: kerning and spacing inside and between words, spaces narrower than the word gap, scaled
text, words across text objects; and what it leaves to the exact reader (glyphs that go
backwards, text that is not upright). Every fixture page takes the fast path."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest
from reportlab.pdfgen.canvas import Canvas

import pipeline.read.pdfium.reader as reader
from pipeline.read.config import ReadConfig
from pipeline.read.plumber import read_pdf_bytes
from tests.read.pdfium.test_reader import RENDERED, assert_same_pages

# Content streams drawn on a page whose fonts are /F1 Helvetica, /F2 Times-Roman, /F3 Helvetica-Bold;
# True where the fast path reads the page, False where it leaves it to the exact reader.
CASES = {
    "kern in the last word": ("BT /F1 10 Tf 72 700 Td [(foo ba) -300 (r)] TJ ET", True),
    "kern in the first word": ("BT /F1 10 Tf 72 700 Td [(fo) -300 (o bar baz)] TJ ET", True),
    "kern in a middle word": ("BT /F1 10 Tf 72 700 Td [(one tw) -300 (o three four)] TJ ET", True),
    "kerns under the word gap": ("BT /F1 10 Tf 72 700 Td [(Kern) -150 (ing and) -190 (more)] TJ ET", True),
    "spaces of kerning in a small font": ("BT /F2 7 Tf 72 700 Td [(a) -250 (b) -250 (c)] TJ ET", True),
    "negative word spacing": ("BT /F1 10 Tf -1 Tw 72 700 Td (a b c dd ee) Tj ET", True),
    "horizontal scaling": ("BT /F1 10 Tf 80 Tz 72 700 Td (Horizontal scaling here) Tj ET", True),
    "character and word spacing": ("BT /F1 10 Tf 0.5 Tc 1 Tw 72 700 Td (Char and word spacing) Tj ET", True),
    "character spacing over the gap": ("BT /F1 10 Tf 2.5 Tc 72 700 Td (Wide letters) Tj ET", True),
    "a scaled page": ("q 0.5 0 0 0.5 0 0 cm BT /F1 20 Tf 144 1400 Td (Half size text here) Tj ET Q", True),
    "a word across fonts": ("BT /F1 10 Tf 72 700 Td (Wijk) Tj /F3 10 Tf (programma en) Tj /F1 10 Tf (x) Tj ET", True),
    "objects that touch": ("BT /F1 10 Tf 72 700 Td (foo) Tj ET BT /F1 10 Tf 87 700 Td (bar baz) Tj ET", True),
    "objects a gap apart": ("BT /F1 10 Tf 72 700 Td (foo) Tj ET BT /F1 10 Tf 88.5 700 Td (bar baz) Tj ET", True),
    "a blank ending an object": ("BT /F1 10 Tf 72 700 Td (van ) Tj /F3 10 Tf (CHRIS JANSSENS) Tj ET", True),
    "a raised glyph": ("BT /F1 10 Tf 72 700 Td (x) Tj 3 Ts (2) Tj 0 Ts ( more) Tj ET", True),
    "a word on two baselines": ("BT /F1 10 Tf 72 700 Td (La) Tj -1.5 Ts (E) Tj 0 Ts (X and more) Tj ET", True),
    "kerning in a large font": ("BT /F1 20 Tf 72 700 Td [(Gro) -120 (ot)] TJ ET", True),
    "a glyph set back": ("BT /F1 10 Tf 72 700 Td [(abc) 1500 (x)] TJ ET", False),
}


def _draw(path: Path, code: str) -> None:
    canvas = Canvas(str(path), invariant=1)
    for k, name in enumerate(("Helvetica", "Times-Roman", "Helvetica-Bold")):
        canvas.setFont(name, 10)  # /F1, /F2, /F3 in this order
        canvas.drawString(72 + 150 * k, 100, name)
    canvas._code.append(code)
    canvas.save()


def _read_counting(data: bytes) -> tuple[object, list[bool]]:
    """The pdfium reader's document, and per page whether the fast path read it."""
    fast: list[bool] = []
    read_fast = reader._read_fast

    def counted(*args, **kwargs):
        page = read_fast(*args, **kwargs)
        fast.append(page is not None)
        return page

    with patch.object(reader, "_read_fast", counted):
        return reader.read_pdf_pdfium(data, ReadConfig()), fast


@pytest.mark.parametrize("case", CASES)
def test_drawn_text_reads_as_the_reference_reads_it(case: str, tmp_path: Path) -> None:
    code, by_fast_path = CASES[case]
    _draw(tmp_path / "case.pdf", code)
    data = (tmp_path / "case.pdf").read_bytes()
    document, fast = _read_counting(data)
    assert fast == [by_fast_path]
    assert_same_pages(read_pdf_bytes(data, ReadConfig()), document)


def test_a_glyph_read_as_a_line_break_leaves_the_page_to_the_exact_reader(tmp_path: Path) -> None:
    # pdfTeX's copyright sign is code 13, which PDFium reads as a carriage return (the reference
    # writes "(cid:13)"): only the exact reader places such a glyph
    _draw(tmp_path / "case.pdf", "BT /F1 10 Tf 72 700 Td (Copy \\015 right) Tj ET")
    _, fast = _read_counting((tmp_path / "case.pdf").read_bytes())
    assert fast == [False]


def test_every_fixture_page_takes_the_fast_path(fixture_pdfs: dict[str, Path]) -> None:
    for name in RENDERED:
        _, fast = _read_counting(fixture_pdfs[name].read_bytes())
        assert fast and all(fast), name
