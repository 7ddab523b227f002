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
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

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
_WIDTH_TOLERANCE = 0.06  # em: a step to the next glyph this close to the box width is the width


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


@dataclass(frozen=True)
class _PageScan:
    number: int
    width: float
    height: float
    words: list[dict[str, Any]]
    ruled: bool  # enough path segments for the reference engine to look for a table
    rotated: bool  # /Rotate set: left to the reference engine, which turns the coordinates


def read_pdf_pdfium(data: bytes, config: PdfiumConfig) -> RawDocument:
    """Read a PDF's pages into lines (and tables); raise DocumentError for unreadable input."""
    check_pdf_bytes(data)
    document = pdfium.FPDF_LoadMemDocument64(data, len(data), None)
    if not document:
        raise _open_error(pdfium.FPDF_GetLastError())
    try:
        count = pdfium.FPDF_GetPageCount(document)
        if count > config.max_pages:
            raise DocumentError(
                "read", "too_many_pages", f"The PDF has {count} pages, more than the limit of {config.max_pages}."
            )
        advances: dict[tuple[str, str], float] = {}  # (font, glyph) -> width in em, learnt while reading
        scans = [_scan_page(document, index, config, advances) for index in range(count)]
    finally:
        pdfium.FPDF_CloseDocument(document)
    pages = _assemble(data, scans, config)
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


def _assemble(data: bytes, scans: list[_PageScan], config: PdfiumConfig) -> tuple[Page, ...]:
    """Lines per page; tables (and rotated pages) from the reference engine, which is imported only then."""
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
        found = tables.get(scan.number, ())
        words = drop_words_in(scan.words, [box for _, box in found])
        lines = tuple(group_lines(words, scan.number, config.line_tolerance))
        pages.append(Page(scan.number, scan.width, scan.height, lines, tuple(t for t, _ in found)))
    return tuple(pages)


def _scan_page(
    document: Any, index: int, config: PdfiumConfig, advances: dict[tuple[str, str], float]
) -> _PageScan:
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
            glyphs = _glyphs(textpage, order, height, advances)
        finally:
            pdfium.FPDFText_ClosePage(textpage)
        rotated = pdfium.FPDFPage_GetRotation(page) != 0
    finally:
        pdfium.FPDF_ClosePage(page)
    words = group_words(glyphs, config.word_gap, config.line_tolerance)
    return _PageScan(index + 1, width, height, words, ruled, rotated)


def _page_size(page: Any) -> tuple[float, float]:
    # The media box as the reference engine measures the page; PDFium holds it in 32-bit floats,
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
                subpaths += _count_subpaths(handle)
            elif kind == pdfium.FPDF_PAGEOBJ_FORM:
                # a form's objects come where it is drawn: finish it before the rest of this level
                stack.append((parent, count, object_at, position + 1))
                stack.append((handle, _form_object_count(handle), _form_object_at, 0))
                break
    return order, subpaths >= _MIN_RULES


def _count_subpaths(path: int) -> int:
    # The reference engine counts each subpath (moveto) as a line or box of its own.
    return sum(
        _segment_type(_segment_at(path, i)) == pdfium.FPDF_SEGMENT_MOVETO for i in range(_segment_count(path))
    )


def _glyphs(textpage: Any, order: dict[int, int], page_height: float, advances: dict[tuple[str, str], float]) -> list[Glyph]:
    """Every drawn glyph of the page in content-stream order, in top-left-origin points."""
    count = pdfium.FPDFText_CountChars(textpage)
    if count <= 0:
        return []
    text = _page_text(textpage, count)
    runs: list[tuple[int, tuple, list[str], list[tuple[float, float, float, float]]]] = []
    styles: dict[int | None, tuple] = {}
    box = pdfium.FS_RECTF()
    box_ref = ctypes.byref(box)
    get_box = pdfium.FPDFText_GetLooseCharBox
    is_generated = pdfium.FPDFText_IsGenerated
    current: int | None = -1
    chars: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    for index in range(count):
        char = text[index]
        if char in _BLANKS and is_generated(textpage, index):
            continue
        handle = _text_object_at(textpage, index)
        if handle != current:
            current = handle
            if handle not in styles:
                styles[handle] = _style(textpage, index, handle, page_height)
            chars, boxes = [], []
            runs.append((order.get(handle, -1) if handle is not None else -1, styles[handle], chars, boxes))
        get_box(textpage, index, box_ref)
        chars.append(_HYPHENS.get(char, char))
        boxes.append((box.left, box.right, box.bottom, box.top))
    if all(position >= 0 for position, *_ in runs):
        # PDFium sorts the text objects of a line by x; the reference engine keeps the stream order
        runs.sort(key=itemgetter(0))
    glyphs: list[Glyph] = []
    for _, style, chars, boxes in runs:
        glyphs += _place(chars, boxes, style, page_height, advances)
    return glyphs


def _place(
    chars: list[str],
    boxes: list[tuple[float, float, float, float]],
    style: tuple[str, float, float, float, bool],
    page_height: float,
    advances: dict[tuple[str, str], float],
) -> list[Glyph]:
    """Glyphs of one text object. A glyph ends where the font's width says, as in the reference engine.

    PDFium places glyphs by the file's widths but sizes its loose boxes by the font it renders
    with, which differs for fonts that are not embedded. So the step to the next glyph is the
    width when it is close to the box; the last glyph of a run takes the width learnt from the
    same glyph elsewhere in the document (in em), or else its box.
    """
    fontname, size, top, bottom, upright = style
    if not upright:  # rotated or skewed glyphs: PDFium's loose box stands in for the turned one
        return [
            (char, left, right, page_height - high, page_height - low, fontname, size, False)
            for char, (left, right, low, high) in zip(chars, boxes)
        ]
    tolerance = _WIDTH_TOLERANCE * size
    placed: list[Glyph] = []
    last = len(chars) - 1
    for k, char in enumerate(chars):
        left, right = boxes[k][0], boxes[k][1]
        step = boxes[k + 1][0] - left if k < last else -1.0
        if abs(step - (right - left)) <= tolerance and size > 0:
            advances[fontname, char] = round(step / size, 4)
            right = left + step
        elif (fontname, char) in advances:
            right = left + advances[fontname, char] * size
        placed.append((char, left, right, top, bottom, fontname, size, True))
    return placed


def _page_text(textpage: Any, count: int) -> str:
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium.FPDFText_GetText(textpage, 0, count, buffer)
    text = bytes(buffer)[: 2 * max(written - 1, 0)].decode("utf-16-le", errors="surrogatepass")
    if len(text) == count:
        return text
    # characters outside the BMP take two UTF-16 units: fall back to one call per glyph
    return "".join(chr(pdfium.FPDFText_GetUnicode(textpage, i)) for i in range(count))


def _style(textpage: Any, index: int, handle: int | None, page_height: float) -> tuple[str, float, float, float, bool]:
    """Font name, size, top and bottom, upright: shared by every glyph of one text object."""
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    length = pdfium.FPDFText_GetFontInfo(textpage, index, name, len(name), ctypes.byref(flags))
    fontname = name.value.decode("utf-8", errors="replace") if length else "unknown"
    matrix = pdfium.FS_MATRIX()
    pdfium.FPDFText_GetMatrix(textpage, index, ctypes.byref(matrix))
    a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
    font_size = pdfium.FPDFText_GetFontSize(textpage, index)
    descent = _descent(fontname, handle)
    if fontname in _STANDARD_FONTS and not _embedded(handle):
        fontname = _STANDARD_FONTS[fontname][0]
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium.FPDFText_GetCharOrigin(textpage, index, ctypes.byref(x), ctypes.byref(y))
    upright = b == 0 and c == 0 and a > 0 and d > 0
    # the reference engine's glyph box: descent below the baseline, one em high
    baseline = round(y.value, 4)  # 32-bit float back to the decimals the file gives
    low = baseline + d * descent / 1000 * font_size
    high = low + d * font_size
    return fontname, round(d * font_size, 6), page_height - high, page_height - low, upright


def _descent(fontname: str, handle: int | None) -> float:
    if fontname in _STANDARD_FONTS and not _embedded(handle):
        return _STANDARD_FONTS[fontname][1]
    if handle is None:
        return 0.0
    font = _font_of(handle)
    descent = ctypes.c_float()
    if not font or not _font_descent(font, 1000.0, ctypes.byref(descent)):
        return 0.0
    return -abs(descent.value)  # a positive /Descent is a writer's sign error, read as negative


def _embedded(handle: int | None) -> bool:
    if handle is None:
        return False
    font = _font_of(handle)
    return bool(font) and bool(_font_embedded(font))
