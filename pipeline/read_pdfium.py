"""The pypdfium2 reader: the same page/line model as `pipeline.read`, about 20 times faster.

This is the only module that imports pypdfium2. Glyphs come from PDFium's text page (one call per
glyph for its box, one per text object for font, size and baseline) and are turned into words by
`lines.group_words`, which splits them exactly as the pdfplumber reader does. Ruled tables stay
with the reference engine: PDFium only finds the pages whose paths could form a table, and
`read.read_tables` reads those pages alone.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pypdfium2  # noqa: F401 - importing the package initialises the PDFium library
import pypdfium2.raw as pdfium

from pipeline.errors import DocumentError
from pipeline.lines import Glyph, drop_words_in, group_lines, group_words
from pipeline.records import Page, RawDocument
from pipeline.structure import check_pdf_bytes

# Descent (1/1000 em) and name of the standard fonts, as the reference engine takes them from the
# Adobe metrics instead of the file when a font of this name is not embedded.
_STANDARD_FONTS = {
    **{name: (name, -194.0) for name in ("Courier", "Courier-Bold", "Courier-BoldOblique", "Courier-Oblique")},
    **{name: (name, -207.0) for name in ("Helvetica", "Helvetica-Bold", "Helvetica-BoldOblique", "Helvetica-Oblique")},
    **{name: (name, -217.0) for name in ("Times-Roman", "Times-Bold", "Times-BoldItalic", "Times-Italic")},
    "Symbol": ("Symbol", 0.0),
    "ZapfDingbats": ("ZapfDingbats", 0.0),
    "Arial": ("Helvetica", -207.0),
    "Arial,Italic": ("Helvetica-Oblique", -207.0),
    "Arial,Bold": ("Helvetica-Bold", -207.0),
    "Arial,BoldItalic": ("Helvetica-BoldOblique", -207.0),
    "CourierNew": ("Courier", -194.0),
    "CourierNew,Italic": ("Courier-Oblique", -194.0),
    "CourierNew,Bold": ("Courier-Bold", -194.0),
    "CourierNew,BoldItalic": ("Courier-BoldOblique", -194.0),
    "TimesNewRoman": ("Times-Roman", -217.0),
    "TimesNewRoman,Italic": ("Times-Italic", -217.0),
    "TimesNewRoman,Bold": ("Times-Bold", -217.0),
    "TimesNewRoman,BoldItalic": ("Times-BoldItalic", -217.0),
}
_BLANKS = frozenset(" \r\n")  # the only characters PDFium adds between glyphs (flagged "generated")
_MIN_RULES = 4  # subpaths: the reference engine looks for tables only with 4+ lines and boxes
_HYPHENS = {"\x02": "-", "\ufffe": "-"}  # PDFium's mark for a hyphen that ends a line
_WIDTH_PRECISION = 0.001  # em: a step to the next glyph this close to the box's end is the width
_FLOAT_DRIFT = 3e-4  # points: PDFium's 32-bit sums stray this far; a larger step is real spacing


def _native(function: Any, restype: Any, *argtypes: Any) -> Callable[..., Any]:
    # The same C function with object handles as plain ints (comparable, hashable), without
    # touching the shared prototypes of the bindings.
    prototype = ctypes.CFUNCTYPE(restype, *argtypes)
    return prototype(ctypes.cast(function, ctypes.c_void_p).value)


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
_text_object_at = _native(pdfium.FPDFText_GetTextObject, _VOID, _VOID, _INT)
_page_object_at = _native(pdfium.FPDFPage_GetObject, _VOID, _VOID, _INT)
_form_object_at = _native(pdfium.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_form_object_count = _native(pdfium.FPDFFormObj_CountObjects, _INT, _VOID)
_object_type = _native(pdfium.FPDFPageObj_GetType, _INT, _VOID)
_segment_count = _native(pdfium.FPDFPath_CountSegments, _INT, _VOID)
_segment_at = _native(pdfium.FPDFPath_GetPathSegment, _VOID, _VOID, _INT)
_segment_type = _native(pdfium.FPDFPathSegment_GetType, _INT, _VOID)
_font_of = _native(pdfium.FPDFTextObj_GetFont, _VOID, _VOID)
_font_embedded = _native(pdfium.FPDFFont_GetIsEmbedded, _INT, _VOID)
_font_descent = _native(pdfium.FPDFFont_GetDescent, _INT, _VOID, ctypes.c_float, ctypes.POINTER(ctypes.c_float))


@dataclass(frozen=True)
class PdfiumConfig:
    """How lines are assembled from glyphs, and the limits of one document (as `ReaderConfig`)."""

    line_tolerance: float = 2.5  # points: words whose tops differ less share a line
    word_gap: float = 2.0  # points: x_tolerance between glyphs of one word
    max_pages: int = 2000
    tables: bool = True  # ruled tables, read by the reference engine on the pages that may hold one

    def __post_init__(self) -> None:
        if self.line_tolerance <= 0 or self.word_gap <= 0:
            raise ValueError("line_tolerance and word_gap must be positive")
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")


class _Style(NamedTuple):
    """What every glyph of one text object shares."""

    fontname: str
    size: float
    top: float  # of the reference engine's glyph box: descent below the baseline, one em high
    bottom: float
    upright: bool


class _Run(NamedTuple):
    """The glyphs of one text object as PDFium reports them."""

    position: int  # of the text object in the content stream (forms included); -1 if unknown
    style: _Style
    chars: list[str]
    origins: list[float]  # x of each glyph's origin
    ends: list[float | None]  # right edge of the loose box; None where the width was already known
    boxes: list[tuple[float, float, float, float]]  # loose boxes (x0, x1, top, bottom) of rotated glyphs only


@dataclass
class _Widths:
    """Advance widths in em per (font, character), learnt over the whole document.

    PDFium has no call for a glyph's advance; its loose box spans the advance united with the ink.
    Where the box ends exactly at the next glyph the width is known; where the ink overhangs,
    the widest step to a next glyph is the best bound.
    """

    exact: dict[tuple[str, str], float] = field(default_factory=dict)
    bound: dict[tuple[str, str], float] = field(default_factory=dict)


@dataclass(frozen=True)
class _PageScan:
    number: int
    width: float
    height: float
    runs: list[_Run]
    ruled: bool  # enough path segments for the reference engine to look for a table
    rotated: bool  # /Rotate set: left to the reference engine, which turns the coordinates


def read_pdf_pdfium(data: bytes, config: PdfiumConfig) -> RawDocument:
    """Read a PDF's pages into lines (and tables); raise DocumentError for unreadable input."""
    check_pdf_bytes(data)
    document = pdfium.FPDF_LoadMemDocument64(data, len(data), None)
    if not document:
        raise _open_error(pdfium.FPDF_GetLastError())
    widths = _Widths()
    try:
        count = pdfium.FPDF_GetPageCount(document)
        if count > config.max_pages:
            raise DocumentError(
                "read", "too_many_pages", f"The PDF has {count} pages, more than the limit of {config.max_pages}."
            )
        scans = [_scan_page(document, index, widths) for index in range(count)]
    finally:
        pdfium.FPDF_CloseDocument(document)
    pages = _assemble(data, scans, widths, config)
    if not any(page.lines for page in pages):
        raise DocumentError(
            "read", "no_text_layer", "The PDF has no text layer (a scan or an image); run OCR on it first."
        )
    return RawDocument(pages=pages, engine="pdfium")


def _open_error(code: int) -> DocumentError:
    if code in (pdfium.FPDF_ERR_PASSWORD, pdfium.FPDF_ERR_SECURITY):
        return DocumentError(
            "read", "encrypted", "The PDF is encrypted with a password; ask the publisher for an open copy."
        )
    return DocumentError("read", "damaged", f"The PDF cannot be opened (PDFium error {code}).")


def _assemble(data: bytes, scans: list[_PageScan], widths: _Widths, config: PdfiumConfig) -> tuple[Page, ...]:
    """Lines per page; tables (and rotated pages) from the reference engine, imported only then."""
    ruled = [s.number for s in scans if s.ruled and config.tables and not s.rotated]
    rotated = [s.number for s in scans if s.rotated]
    tables: dict[int, tuple] = {}
    whole: dict[int, Page] = {}
    if ruled or rotated:
        from pipeline.read import ReaderConfig, read_pages, read_tables

        reference = ReaderConfig(config.line_tolerance, config.word_gap, config.max_pages, config.tables)
        tables = read_tables(data, ruled, reference)
        whole = read_pages(data, rotated, reference)
    pages = []
    for scan in scans:
        if scan.number in whole:
            pages.append(whole[scan.number])
            continue
        glyphs = [glyph for run in scan.runs for glyph in _place(run, widths)]
        found = tables.get(scan.number, ())
        words = drop_words_in(group_words(glyphs, config.word_gap, config.line_tolerance), [b for _, b in found])
        lines = tuple(group_lines(words, scan.number, config.line_tolerance))
        pages.append(Page(scan.number, scan.width, scan.height, lines, tuple(t for t, _ in found)))
    return tuple(pages)


def _scan_page(document: Any, index: int, widths: _Widths) -> _PageScan:
    page = pdfium.FPDF_LoadPage(document, index)
    if not page:
        raise DocumentError("read", "damaged", f"Page {index + 1} cannot be read (PDFium cannot load it).")
    try:
        width, height = _page_size(page)
        order, ruled = _scan_objects(page)
        textpage = pdfium.FPDFText_LoadPage(page)
        if not textpage:
            raise DocumentError("read", "damaged", f"Page {index + 1} cannot be read (PDFium cannot read its text).")
        try:
            runs = _read_runs(textpage, order, height, widths)
        finally:
            pdfium.FPDFText_ClosePage(textpage)
        rotated = pdfium.FPDFPage_GetRotation(page) != 0
    finally:
        pdfium.FPDF_ClosePage(page)
    return _PageScan(index + 1, width, height, runs, ruled, rotated)


def _page_size(page: Any) -> tuple[float, float]:
    # The media box, as the reference engine measures the page; PDFium holds it in 32-bit floats,
    # so it is snapped back to the 4 decimals PDF writers print.
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if pdfium.FPDFPage_GetMediaBox(page, left, bottom, right, top):
        return round(abs(right.value - left.value), 4), round(abs(top.value - bottom.value), 4)
    return round(pdfium.FPDF_GetPageWidthF(page), 4), round(pdfium.FPDF_GetPageHeightF(page), 4)


def _scan_objects(page: Any) -> tuple[dict[int, int], bool]:
    """Content-stream position of every text object (forms included), and whether paths may rule a table."""
    order: dict[int, int] = {}
    subpaths = 0
    stack = [(page, pdfium.FPDFPage_CountObjects(page), _page_object_at, 0)]
    while stack:
        parent, count, object_at, start = stack.pop()
        for position in range(start, count):
            handle = object_at(parent, position)
            kind = _object_type(handle)
            if kind == pdfium.FPDF_PAGEOBJ_TEXT:
                order[handle] = len(order)
            elif kind == pdfium.FPDF_PAGEOBJ_PATH and subpaths < _MIN_RULES:
                # the reference engine counts each subpath (moveto) as a line or box of its own
                moves = (_segment_type(_segment_at(handle, i)) for i in range(_segment_count(handle)))
                subpaths += sum(move == pdfium.FPDF_SEGMENT_MOVETO for move in moves)
            elif kind == pdfium.FPDF_PAGEOBJ_FORM:
                # a form's objects come where it is drawn: finish it before the rest of this level
                stack.append((parent, count, object_at, position + 1))
                stack.append((handle, _form_object_count(handle), _form_object_at, 0))
                break
    return order, subpaths >= _MIN_RULES


def _read_runs(textpage: Any, order: dict[int, int], page_height: float, widths: _Widths) -> list[_Run]:
    """The page's glyphs per text object, in content-stream order (the hot loop: few calls per glyph)."""
    count = pdfium.FPDFText_CountChars(textpage)
    if count <= 0:
        return []
    text = _page_text(textpage, count)
    x, y, box = ctypes.c_double(), ctypes.c_double(), pdfium.FS_RECTF()
    x_ref, y_ref, box_ref = ctypes.byref(x), ctypes.byref(y), ctypes.byref(box)
    get_origin, get_box = pdfium.FPDFText_GetCharOrigin, pdfium.FPDFText_GetLooseCharBox
    is_generated, known = pdfium.FPDFText_IsGenerated, widths.exact
    styles: dict[int | None, _Style] = {}
    runs: list[_Run] = []
    current: int | None = -1
    run = _Run(-1, _Style("", 0.0, 0.0, 0.0, True), [], [], [], [])
    for index in range(count):
        char = text[index]
        if char in _BLANKS and is_generated(textpage, index):
            continue
        handle = _text_object_at(textpage, index)
        if handle != current:
            current = handle
            if handle not in styles:
                styles[handle] = _style(textpage, index, handle, page_height)
            run = _Run(order.get(handle, -1) if handle is not None else -1, styles[handle], [], [], [], [])
            runs.append(run)
        char = _HYPHENS.get(char, char)
        get_origin(textpage, index, x_ref, y_ref)
        run.chars.append(char)
        run.origins.append(x.value)
        if not run.style.upright:
            get_box(textpage, index, box_ref)
            run.boxes.append((box.left, box.right, page_height - box.top, page_height - box.bottom))
            run.ends.append(box.right)
        elif (run.style.fontname, char) in known:
            run.ends.append(None)
        else:
            get_box(textpage, index, box_ref)
            run.ends.append(box.right)
    for run in runs:
        _learn(run, widths)
    if all(run.position >= 0 for run in runs):
        # PDFium sorts the text objects of a line by x; the reference engine keeps the stream order
        runs.sort(key=lambda run: run.position)
    return runs


def _page_text(textpage: Any, count: int) -> str:
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium.FPDFText_GetText(textpage, 0, count, buffer)
    text = bytes(buffer)[: 2 * max(written - 1, 0)].decode("utf-16-le", errors="surrogatepass")
    if len(text) == count:
        return text
    # characters outside the BMP, or control characters PDFium leaves out: one call per glyph
    return "".join(chr(pdfium.FPDFText_GetUnicode(textpage, i)) for i in range(count))


def _style(textpage: Any, index: int, handle: int | None, page_height: float) -> _Style:
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    length = pdfium.FPDFText_GetFontInfo(textpage, index, name, len(name), ctypes.byref(flags))
    fontname = name.value.decode("utf-8", errors="replace") if length else "unknown"
    matrix = pdfium.FS_MATRIX()
    pdfium.FPDFText_GetMatrix(textpage, index, ctypes.byref(matrix))
    font_size = pdfium.FPDFText_GetFontSize(textpage, index)
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium.FPDFText_GetCharOrigin(textpage, index, ctypes.byref(x), ctypes.byref(y))
    font = _font_of(handle) if handle is not None else None
    embedded = bool(font) and bool(_font_embedded(font))
    if fontname in _STANDARD_FONTS and not embedded:
        fontname, descent = _STANDARD_FONTS[fontname]
    else:
        units = ctypes.c_float()
        found = bool(font) and bool(_font_descent(font, 1000.0, ctypes.byref(units)))
        descent = -abs(units.value) if found else 0.0  # a positive /Descent is a sign error
    d = matrix.d
    low = round(y.value, 4) + d * descent / 1000 * font_size  # baseline back to the file's 4 decimals
    high = low + d * font_size
    upright = matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and d > 0
    return _Style(fontname, round(d * font_size, 6), page_height - high, page_height - low, upright)


def _learn(run: _Run, widths: _Widths) -> None:
    if not run.style.upright or run.style.size <= 0:
        return
    fontname, size = run.style.fontname, run.style.size
    exact = _WIDTH_PRECISION * size
    for k in range(len(run.chars) - 1):
        end = run.ends[k]
        if end is None:
            continue
        left, step = run.origins[k], run.origins[k + 1] - run.origins[k]
        key = (fontname, run.chars[k])
        if abs(left + step - end) <= exact:
            widths.exact[key] = round(step / size, 4)
        elif 0 < step < end - left:  # ink beyond the advance: the next glyph bounds the width
            widths.bound[key] = max(widths.bound.get(key, 0.0), step / size)


def _place(run: _Run, widths: _Widths) -> list[Glyph]:
    """The run's glyphs, each from its origin to the end of its advance as the reference engine sees it."""
    fontname, size, top, bottom, upright = run.style
    if not upright:  # rotated or skewed glyphs: PDFium's loose box stands in for the turned one
        return [(char, *box, fontname, size, False) for char, box in zip(run.chars, run.boxes)]
    placed: list[Glyph] = []
    last = len(run.chars) - 1
    expected = round(run.origins[0], 4) if run.origins else 0.0
    for k, char in enumerate(run.chars):
        left, end = run.origins[k], run.ends[k]
        if abs(left - expected) <= _FLOAT_DRIFT:
            # PDFium adds up advances in 32-bit floats; redo the sum in 64 bits as the reference does
            left = expected
        width = widths.exact.get((fontname, char))
        if width is not None:
            right = left + width * size
        elif end is None:  # cannot happen: a glyph without a box had a known width
            right = left
        elif k < last and run.origins[k + 1] < end:  # the ink overhangs: the next glyph ends it
            right = run.origins[k + 1]
        elif (fontname, char) in widths.bound:
            right = left + min(widths.bound[fontname, char] * size, end - left)
        else:
            right = end
        expected = right
        placed.append((char, left, right, top, bottom, fontname, size, True))
    return placed
