"""The pypdfium2 reader against the pdfplumber reference: the same pages, lines and dataset rows.

Every fixture document in every layout goes through both engines, compared at the reader's
output (pages and lines, field by field) and at the end of the pipeline (documents, sections,
applications, failures). Bad inputs fail with the same kind. Small drawn PDFs cover what the
fixtures do not: forms, boxes drawn as rectangles, rotated pages, an offset media box, spacing.
"""

from __future__ import annotations

from dataclasses import fields, replace
from functools import cache
from pathlib import Path
from unittest.mock import patch

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.pdfgen.canvas import Canvas

from pipeline.model.document import RawDocument
from pipeline.model.errors import DocumentError
from pipeline.model.records import DocumentResult, SourceFile
from pipeline.read.config import ReadConfig
from pipeline.read.document import read_document
from pipeline.read.pdfium.reader import read_pdf_pdfium
from pipeline.read.plumber import read_pdf_bytes
from pipeline.runtime.batch import process_resources
from pipeline.runtime.process import ProcessConfig, process_document, sha256_of
from pipeline.steps import DOCUMENT_STEPS, replace_step
from tests.fixtures.generate import DOCS_DIR
from tests.fixtures.render import VARIANTS

RENDERED = sorted(f"{doc.stem}__{variant}.pdf" for doc in DOCS_DIR.glob("*.txt") for variant in VARIANTS)
ENGINES = ("pdfplumber", "pdfium")


@cache
def _read(path: Path, engine: str) -> RawDocument | str:
    """The engine's page model of the file, or the kind of error it reports."""
    try:
        return read_document(path.read_bytes(), ReadConfig(engine=engine))
    except DocumentError as exc:
        return exc.kind


@cache
def _process(path: Path, engine: str) -> DocumentResult:
    data = path.read_bytes()
    source = SourceFile(path=path.name, location=str(path), sha256=sha256_of(data), size=len(data))
    raw = _read(path, engine)
    if isinstance(raw, str):  # the reader fails again inside process_document
        return process_document(source, data, ProcessConfig(read=ReadConfig(engine=engine)), process_resources())
    steps = replace_step(DOCUMENT_STEPS, "read", lambda data, config: raw)  # read once per engine
    return process_document(source, data, ProcessConfig(read=ReadConfig(engine=engine)), process_resources(), steps)


# Where a line ends, PDFium's 32-bit positions and the reference's 64-bit sums may round to
# neighbouring hundredths of a point; no step of the pipeline looks that closely (the rows are
# compared exactly below). Everything else about a line is the reference's to the last digit.
_X_ROUNDING = 0.0101


def assert_same_pages(reference: RawDocument, fast: RawDocument) -> None:
    assert (fast.engine, len(fast.pages)) == ("pdfium", len(reference.pages))
    for want, got in zip(reference.pages, fast.pages, strict=True):
        assert (got.number, got.width, got.height) == (want.number, want.width, want.height)
        assert [line.text for line in got.lines] == [line.text for line in want.lines], f"page {want.number}"
        for a, b in zip(want.lines, got.lines, strict=True):
            assert replace(b, x0=a.x0, x1=a.x1) == a, f"page {want.number}: {a} != {b}"
            assert max(abs(b.x0 - a.x0), abs(b.x1 - a.x1)) <= _X_ROUNDING, f"page {want.number}: {a} != {b}"
        assert got.tables == want.tables, f"page {want.number}"


@pytest.mark.parametrize("name", RENDERED)
def test_fixture_pages_are_the_same_with_both_engines(name: str, fixture_pdfs: dict[str, Path]) -> None:
    reference, fast = (_read(fixture_pdfs[name], engine) for engine in ENGINES)
    assert isinstance(reference, RawDocument) and isinstance(fast, RawDocument)
    assert_same_pages(reference, fast)


@pytest.mark.parametrize("name", RENDERED)
def test_fixture_rows_are_the_same_with_both_engines(name: str, fixture_pdfs: dict[str, Path]) -> None:
    reference, fast = (_process(fixture_pdfs[name], engine) for engine in ENGINES)
    assert fast.document == reference.document
    assert fast.sections == reference.sections
    assert len(fast.applications) == len(reference.applications)
    for want, got in zip(reference.applications, fast.applications, strict=True):
        for field in fields(want):
            assert getattr(got, field.name) == getattr(want, field.name), (want.item_number, field.name)
    assert fast.failures == reference.failures
    assert fast == reference


def test_bad_inputs_fail_alike(fixture_set) -> None:
    for name, path in fixture_set.bad.items():
        reference, fast = (_process(path, engine) for engine in ENGINES)
        assert [(f.stage, f.error) for f in fast.failures] == [(f.stage, f.error) for f in reference.failures], name
        assert fast.failures[0].error == fixture_set.bad_errors[name], name
        if isinstance(_read(path, "pdfplumber"), str):
            assert _read(path, "pdfium") == _read(path, "pdfplumber"), name


@pytest.mark.parametrize(
    "settings",
    [{"line_tolerance": 0}, {"word_gap": -1.0}, {"max_pages": 0}],
)
def test_config_is_validated(settings: dict) -> None:
    with pytest.raises(ValueError):
        ReadConfig(**settings)


def test_too_many_pages_is_reported_by_both(fixture_pdfs: dict[str, Path]) -> None:
    data = fixture_pdfs[RENDERED[0]].read_bytes()
    for read, config in ((read_pdf_bytes, ReadConfig(max_pages=1)), (read_pdf_pdfium, ReadConfig(max_pages=1))):
        with pytest.raises(DocumentError) as caught:
            read(data, config)
        assert caught.value.kind == "too_many_pages"


def test_tables_can_be_left_out(fixture_pdfs: dict[str, Path]) -> None:
    name = next(n for n in RENDERED if "selectie" in n)
    data = fixture_pdfs[name].read_bytes()
    with_tables = read_pdf_pdfium(data, ReadConfig())
    assert any(page.tables for page in with_tables.pages)
    without = read_pdf_pdfium(data, ReadConfig(tables=False))
    assert not any(page.tables for page in without.pages)
    assert_same_pages(read_pdf_bytes(data, ReadConfig(tables=False)), without)


# --- drawn cases -------------------------------------------------------------------------------

_LINES = (
    "Een eerste regel met gewone tekst en cijfers: 1.234,56 euro.",
    "Tweede regel: ANTWERPEN – Veilig en leefbaar Deurne-Noord (Rabot).",
    "Derde regel eindigt met een afbreking van het woord wijkverbete-",
)


def _text(canvas: Canvas, top: float, font: str = "Helvetica", size: float = 10.0) -> None:
    canvas.setFont(font, size)
    for index, line in enumerate(_LINES):
        canvas.drawString(72, top - index * 14, line)


def _form(path: Path) -> None:
    canvas = Canvas(str(path), invariant=1)
    canvas.beginForm("header")
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(72, 800, "Kop in een formulier")
    canvas.endForm()
    _text(canvas, 700)
    canvas.doForm("header")  # drawn after the body: its text comes after it in the stream
    canvas.setFont("Helvetica", 10)
    canvas.drawString(72, 500, "Na het formulier")
    canvas.save()


def _boxes(path: Path) -> None:
    canvas = Canvas(str(path), invariant=1)
    _text(canvas, 760)
    xs, ys = (72, 200, 330, 450), (600, 580, 560, 540)
    for y0, y1 in zip(ys, ys[1:], strict=False):
        for x0, x1 in zip(xs, xs[1:], strict=False):
            canvas.rect(x0, y1, x1 - x0, y0 - y1)  # "re": each cell a rectangle of its own
    canvas.setFont("Helvetica", 9)
    rows = (("Gemeente", "Wijk", "Bedrag"), ("Gent", "Rabot", "612.500,50"), ("Genk", "Centrum", "800.000"))
    for r, row in enumerate(rows):
        for k, cell in enumerate(row):
            canvas.drawString(xs[k] + 3, ys[r] - 14, cell)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(72, 500, "Tekst onder de tabel.")
    canvas.save()


def _turned(path: Path) -> None:
    plain = path.with_suffix(".plain.pdf")
    canvas = Canvas(str(plain), invariant=1)
    _text(canvas, 700)
    canvas.showPage()
    _text(canvas, 650, "Times-Roman", 11)
    canvas.save()
    reader, writer = PdfReader(plain), PdfWriter()
    turned, shifted = reader.pages
    turned.rotate(90)
    shifted.mediabox = RectangleObject([10, 20, 600, 800])
    writer.add_page(turned)
    writer.add_page(shifted)
    writer.write(path)


def _spacing(path: Path) -> None:
    canvas = Canvas(str(path), invariant=1)
    text = canvas.beginText(72, 700)
    text.setFont("Helvetica", 10)
    text.setCharSpace(0.3)
    text.textLine("Letters met wat ruimte ertussen")
    text.setCharSpace(3)
    text.textLine("Wijd uit elkaar")
    text.setCharSpace(0)
    text.setWordSpace(4)
    text.textLine("Woorden met extra ruimte")
    canvas.drawText(text)
    # kerning and a gap wider than a word space inside one TJ
    canvas._code.append("BT /F1 10 Tf 72 600 Td [(Kern) -120 (ing) -400 (gat) 20 (en)] TJ ET")
    canvas.save()


@pytest.mark.parametrize("draw", [_form, _boxes, _turned, _spacing], ids=lambda draw: draw.__name__.strip("_"))
def test_drawn_pages_are_the_same_with_both_engines(draw, tmp_path: Path) -> None:
    path = tmp_path / "drawn.pdf"
    draw(path)
    data = path.read_bytes()
    assert_same_pages(read_pdf_bytes(data, ReadConfig()), read_pdf_pdfium(data, ReadConfig()))


def test_text_drawn_into_a_line_is_read_glyph_by_glyph(tmp_path: Path) -> None:
    # "x" in the blank after "en" (within a word gap of it) and "y" inside "Een": the pieces of
    # those lines no longer stand for their glyphs
    canvas = Canvas(str(tmp_path / "overlaid.pdf"), invariant=1)
    for x, y, text in ((72, 700, "Gent en Rabot"), (108.5, 700, "x"), (72, 680, "Een regel"), (76, 680, "y")):
        canvas.drawString(x, y, text)
    canvas.save()
    data = (tmp_path / "overlaid.pdf").read_bytes()
    fast = read_pdf_pdfium(data, ReadConfig())
    assert [line.text for line in fast.pages[0].lines] == ["Gent enx Rabot", "Eyen regel"]
    assert_same_pages(read_pdf_bytes(data, ReadConfig()), fast)


def test_drawn_table_is_found(tmp_path: Path) -> None:
    path = tmp_path / "boxes.pdf"
    _boxes(path)
    (table,) = read_pdf_pdfium(path.read_bytes(), ReadConfig()).pages[0].tables
    assert table.rows[1] == ("Gent", "Rabot", "612.500,50")


def test_embedded_font_reads_the_same_words(tmp_path: Path) -> None:
    # Fractional /Widths (reportlab writes them for TrueType) are rounded down by PDFium, so the
    # positions drift by a fraction of a point along a line; words, text and heights stay equal.
    ttf = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not ttf.exists():
        pytest.skip("no DejaVu font on this machine")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(ttf)))
    canvas = Canvas(str(tmp_path / "ttf.pdf"), invariant=1)
    _text(canvas, 700, "DejaVuSans", 10.3)
    canvas.drawString(72, 600, "ﬁnale ﬂow eﬀect")  # ligature glyphs: PDFium splits them into letters
    canvas.save()
    data = (tmp_path / "ttf.pdf").read_bytes()
    reference, fast = read_pdf_bytes(data, ReadConfig()), read_pdf_pdfium(data, ReadConfig())
    for want, got in zip(reference.pages[0].lines, fast.pages[0].lines, strict=True):
        same = ("text", "top", "bottom", "x0", "fontname", "bold")
        assert [getattr(got, name) for name in same] == [getattr(want, name) for name in same]
        assert got.x1 == pytest.approx(want.x1, abs=0.5)
    assert fast.pages[0].lines[-1].text == "finale flow effect"


class _Counting:
    """pypdfium2.raw with its open and close calls counted; `fail_text_page` makes one text page unreadable."""

    PAIRS = {
        "FPDF_LoadMemDocument64": "FPDF_CloseDocument",
        "FPDF_LoadPage": "FPDF_ClosePage",
        "FPDFText_LoadPage": "FPDFText_ClosePage",
    }

    def __init__(self, raw, fail_text_page: int | None = None) -> None:
        self._raw = raw
        self._fail = fail_text_page
        self.opened = {name: 0 for name in self.PAIRS}
        self.closed = {name: 0 for name in self.PAIRS.values()}

    def __getattr__(self, name: str):
        function = getattr(self._raw, name)
        if name in self.opened:

            def open_(*args):
                if name == "FPDFText_LoadPage" and self.opened[name] == self._fail:
                    return None
                self.opened[name] += 1
                return function(*args)

            return open_
        if name in self.closed:

            def close(*args):
                self.closed[name] += 1
                return function(*args)

            return close
        return function

    def balanced(self) -> bool:
        return all(self.opened[name] == self.closed[close] for name, close in self.PAIRS.items())


@pytest.mark.parametrize("fail_text_page", [None, 1])
def test_every_pdfium_object_is_closed(fail_text_page, fixture_pdfs: dict[str, Path]) -> None:
    import pipeline.read.pdfium.reader as module

    counting = _Counting(module.pdfium, fail_text_page)
    data = fixture_pdfs[RENDERED[0]].read_bytes()
    with patch.object(module, "pdfium", counting):
        if fail_text_page is None:
            read_pdf_pdfium(data, ReadConfig())
        else:
            with pytest.raises(DocumentError) as caught:
                read_pdf_pdfium(data, ReadConfig())
            assert caught.value.kind == "damaged"
    assert counting.opened["FPDF_LoadPage"] >= 1 and counting.balanced(), (counting.opened, counting.closed)
