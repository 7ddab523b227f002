"""The pypdfium2 reader: the same page/line model as `pipeline.read`, many times faster.

This is the only module that imports pypdfium2. PDFium's text page gives every glyph's origin;
`place` turns them into the reference engine's glyph boxes and `lines.group_words` splits them
into words exactly as the pdfplumber reader does. A run of glyphs whose advances are already
known is read with two calls instead of two per glyph. Ruled tables are found by the reference
engine's table finder (`read.find_ruled_tables`), fed with the glyphs and paths read here.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pypdfium2  # noqa: F401 - importing the package initialises the PDFium library
import pypdfium2.raw as pdfium

from pipeline.errors import DocumentError
from pipeline.lines import DrawnPath, InterleavedItems, drop_words_in, group_lines, group_words
from pipeline.place import Item, Run, RunStyle, Widths, append_entry, as_glyphs, expand_items, place_run, snap
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
_TOKENS = re.compile(r"[ \r\n]|[^ \r\n]+")  # blanks one by one, other characters in runs
_HYPHENS = str.maketrans({"\x02": "-", "\ufffe": "-"})  # PDFium's mark for a hyphen ending a line
_MIN_RULES = 4  # subpaths: the reference engine looks for tables only with 4+ lines and boxes
_PIECE_DRIFT = 5e-4  # points: a piece whose last origin is this far from the advances is re-read
_SEGMENT_OPERATORS = {pdfium.FPDF_SEGMENT_MOVETO: "m", pdfium.FPDF_SEGMENT_LINETO: "l"}
Matrix = tuple[float, float, float, float, float, float]


def _native(function: Any, restype: Any, *argtypes: Any) -> Callable[..., Any]:
    # The same C function with a prototype of our own: object handles come back as plain ints
    # (comparable, hashable) and, without argtypes, a call skips the bindings' conversions. The
    # shared prototypes of the bindings stay untouched.
    prototype = ctypes.CFUNCTYPE(restype, *argtypes)
    return prototype(ctypes.cast(function, ctypes.c_void_p).value)


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
# hot loop: no argtypes, so pointers must be passed as c_void_p
_text_object_at = _native(pdfium.FPDFText_GetTextObject, _VOID)
_char_origin = _native(pdfium.FPDFText_GetCharOrigin, _INT)
_loose_box = _native(pdfium.FPDFText_GetLooseCharBox, _INT)
_is_generated = _native(pdfium.FPDFText_IsGenerated, _INT)
# per object
_page_object_at = _native(pdfium.FPDFPage_GetObject, _VOID, _VOID, _INT)
_form_object_at = _native(pdfium.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_form_object_count = _native(pdfium.FPDFFormObj_CountObjects, _INT, _VOID)
_object_type = _native(pdfium.FPDFPageObj_GetType, _INT, _VOID)
_object_matrix = _native(pdfium.FPDFPageObj_GetMatrix, _INT, _VOID, ctypes.POINTER(pdfium.FS_MATRIX))
_draw_mode = _native(pdfium.FPDFPath_GetDrawMode, _INT, _VOID, ctypes.POINTER(_INT), ctypes.POINTER(_INT))
_segment_count = _native(pdfium.FPDFPath_CountSegments, _INT, _VOID)
_segment_at = _native(pdfium.FPDFPath_GetPathSegment, _VOID, _VOID, _INT)
_segment_type = _native(pdfium.FPDFPathSegment_GetType, _INT, _VOID)
_segment_closes = _native(pdfium.FPDFPathSegment_GetClose, _INT, _VOID)
_segment_point = _native(
    pdfium.FPDFPathSegment_GetPoint, _INT, _VOID, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)
)
_font_of = _native(pdfium.FPDFTextObj_GetFont, _VOID, _VOID)
_font_embedded = _native(pdfium.FPDFFont_GetIsEmbedded, _INT, _VOID)
_font_descent = _native(pdfium.FPDFFont_GetDescent, _INT, _VOID, ctypes.c_float, ctypes.POINTER(ctypes.c_float))


@dataclass(frozen=True)
class PdfiumConfig:
    """How lines are assembled from glyphs, and the limits of one document (as `ReaderConfig`)."""

    line_tolerance: float = 2.5  # points: words whose tops differ less share a line
    word_gap: float = 2.0  # points: x_tolerance between glyphs of one word
    max_pages: int = 2000
    tables: bool = True  # ruled tables, by the reference engine's table finder

    def __post_init__(self) -> None:
        if self.line_tolerance <= 0 or self.word_gap <= 0:
            raise ValueError("line_tolerance and word_gap must be positive")
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")


@dataclass(frozen=True)
class _PageScan:
    number: int
    size: tuple[float, float]
    runs: list[Run]
    paths: list[DrawnPath]  # painted paths, kept when they may rule a table
    rotated: bool  # /Rotate set: left to the reference engine, which turns the coordinates


def read_pdf_pdfium(data: bytes, config: PdfiumConfig) -> RawDocument:
    """Read a PDF's pages into lines (and tables); raise DocumentError for unreadable input."""
    check_pdf_bytes(data)
    document = pdfium.FPDF_LoadMemDocument64(data, len(data), None)
    if not document:
        raise _open_error(pdfium.FPDF_GetLastError())
    widths = Widths()
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


def _assemble(data: bytes, scans: list[_PageScan], widths: Widths, config: PdfiumConfig) -> tuple[Page, ...]:
    """Lines and tables per page, once every advance of the document is known."""
    rotated = [scan.number for scan in scans if scan.rotated]
    ruled = config.tables and any(scan.paths for scan in scans)
    whole: dict[int, Page] = {}
    if rotated or ruled:
        from pipeline.read import ReaderConfig, find_ruled_tables, read_pages  # pdfplumber: only then

        reference = ReaderConfig(config.line_tolerance, config.word_gap, config.max_pages, config.tables)
        whole = read_pages(data, rotated, reference)
    pages = []
    for scan in scans:
        if scan.number in whole:
            pages.append(whole[scan.number])
            continue
        items: list[Item] = []
        chain = None
        for run in scan.runs:
            placed, chain = place_run(run, widths, chain)
            items += placed
        found: tuple = ()
        if ruled and scan.paths:
            glyphs = as_glyphs(expand_items(items, widths))
            found = find_ruled_tables(scan.number, scan.size, glyphs, scan.paths, reference)
        try:
            words = group_words(items, config.word_gap, config.line_tolerance)
        except InterleavedItems:  # pieces overlap: glyph by glyph, as the reference sorts them
            words = group_words(expand_items(items, widths), config.word_gap, config.line_tolerance)
        words = drop_words_in(words, [box for _, box in found])
        lines = tuple(group_lines(words, scan.number, config.line_tolerance))
        pages.append(Page(scan.number, scan.size[0], scan.size[1], lines, tuple(table for table, _ in found)))
    return tuple(pages)


def _scan_page(document: Any, index: int, widths: Widths) -> _PageScan:
    page = pdfium.FPDF_LoadPage(document, index)
    if not page:
        raise DocumentError("read", "damaged", f"Page {index + 1} cannot be read (PDFium cannot load it).")
    try:
        size = _page_size(page)
        order, paths = _scan_objects(page, size[1])
        textpage = pdfium.FPDFText_LoadPage(page)
        if not textpage:
            raise DocumentError("read", "damaged", f"Page {index + 1} cannot be read (PDFium cannot read its text).")
        try:
            runs = _read_runs(textpage, order, size[1], widths)
        finally:
            pdfium.FPDFText_ClosePage(textpage)
        rotated = pdfium.FPDFPage_GetRotation(page) != 0
    finally:
        pdfium.FPDF_ClosePage(page)
    subpaths = sum(operators.count("m") for operators, _ in paths)
    return _PageScan(index + 1, size, runs, paths if subpaths >= _MIN_RULES else [], rotated)


def _page_size(page: Any) -> tuple[float, float]:
    # The media box, as the reference engine measures the page; PDFium holds it in 32-bit floats,
    # so it is snapped back to the 4 decimals PDF writers print.
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if pdfium.FPDFPage_GetMediaBox(page, left, bottom, right, top):
        return round(abs(right.value - left.value), 4), round(abs(top.value - bottom.value), 4)
    return round(pdfium.FPDF_GetPageWidthF(page), 4), round(pdfium.FPDF_GetPageHeightF(page), 4)


def _scan_objects(page: Any, height: float) -> tuple[dict[int, int], list[DrawnPath]]:
    """Content-stream position of every text object (forms included), and the painted paths."""
    order: dict[int, int] = {}
    paths: list[DrawnPath] = []
    identity: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = [(page, pdfium.FPDFPage_CountObjects(page), _page_object_at, 0, identity)]
    while stack:
        parent, count, object_at, start, outer = stack.pop()
        for position in range(start, count):
            handle = object_at(parent, position)
            kind = _object_type(handle)
            if kind == pdfium.FPDF_PAGEOBJ_TEXT:
                order[handle] = len(order)
            elif kind == pdfium.FPDF_PAGEOBJ_PATH:
                path = _path(handle, _compose(_matrix(handle), outer), height)
                if path:
                    paths.append(path)
            elif kind == pdfium.FPDF_PAGEOBJ_FORM:
                # a form's objects come where it is drawn: finish it before the rest of this level
                stack.append((parent, count, object_at, position + 1, outer))
                inner = _compose(_matrix(handle), outer)
                stack.append((handle, _form_object_count(handle), _form_object_at, 0, inner))
                break
    return order, paths


def _path(handle: int, matrix: Matrix, height: float) -> DrawnPath | None:
    """A painted path as the reference interpreter records it: operators and end points, top-left origin."""
    fill, stroke = _INT(), _INT()
    if not _draw_mode(handle, ctypes.byref(fill), ctypes.byref(stroke)) or not (fill.value or stroke.value):
        return None  # not painted (a clipping path): the reference engine ignores it too
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    operators: list[str] = []
    points: list[tuple[float, float]] = []
    start = (0.0, 0.0)
    curve = 0
    for index in range(_segment_count(handle)):
        segment = _segment_at(handle, index)
        _segment_point(segment, ctypes.byref(x), ctypes.byref(y))
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        kind = _segment_type(segment)
        if kind == pdfium.FPDF_SEGMENT_BEZIERTO:
            curve += 1  # PDFium keeps a curve's two control points as segments of their own
            if curve % 3:
                continue
            operators.append("c")
        else:
            operators.append(_SEGMENT_OPERATORS.get(kind, "?"))
            if kind == pdfium.FPDF_SEGMENT_MOVETO:
                start = point
        points.append(point)
        if _segment_closes(segment):
            operators.append("h")
            points.append(start)
    return "".join(operators), tuple(points)


def _matrix(handle: int) -> Matrix:
    matrix = pdfium.FS_MATRIX()
    if not _object_matrix(handle, ctypes.byref(matrix)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2, e * b2 + f * d2 + f2
    )


def _read_runs(textpage: Any, order: dict[int, int], height: float, widths: Widths) -> list[Run]:
    """The page's glyphs as runs of entries per text object, in content-stream order.

    The hot loop: a piece of glyphs whose advances are all known costs two origin calls and two
    object calls; any other glyph one origin call, and a loose box while its advance is unknown.
    """
    count = pdfium.FPDFText_CountChars(textpage)
    if count <= 0:
        return []
    text = _page_text(textpage, count).translate(_HYPHENS)
    reader = _GlyphReader(textpage, height, widths)
    runs: list[Run] = []
    handle: int | None = -1
    run = Run(-1, RunStyle("", 0.0, 0.0, 0.0, True), [])
    known: dict[str, float] = {}
    page, x, x_ref, y_ref = reader.page, reader.x, reader.x_ref, reader.y_ref
    for token in _TOKENS.finditer(text):
        start, stop = token.span()
        if stop - start == 1:  # a blank or a lone glyph: the commonest token after words
            char = text[start]
            if char in _BLANKS and _is_generated(page, start):
                continue
            first = _text_object_at(page, start)
            if first != handle:
                handle, run = first, Run(order.get(first, -1), reader.style(start, first), [])
                known = widths.known(run.style.fontname)
                runs.append(run)
            reader.add(text, start, stop, run, known)
            continue
        first, last = _text_object_at(page, start), _text_object_at(page, stop - 1)
        if first != last:  # the token spans text objects: one glyph at a time
            for index in range(start, stop):
                owner = _text_object_at(page, index)
                if owner != handle:
                    handle, run = owner, Run(order.get(owner, -1), reader.style(index, owner), [])
                    known = widths.known(run.style.fontname)
                    runs.append(run)
                reader.add(text, index, index + 1, run, known)
            continue
        if first != handle:
            handle, run = first, Run(order.get(first, -1), reader.style(start, first), [])
            known = widths.known(run.style.fontname)
            runs.append(run)
        piece = token.group()
        try:
            advances = sum([known[char] for char in piece[:-1]]) if run.style.upright and piece[-1] in known else None
        except KeyError:
            advances = None
        if advances is None:
            reader.add(text, start, stop, run, known)
            continue
        _char_origin(page, start, x_ref, y_ref)
        head = x.value
        _char_origin(page, stop - 1, x_ref, y_ref)
        tail = x.value
        if abs(head + advances * 0.001 * run.style.size - tail) <= _PIECE_DRIFT:
            append_entry(run, ("p", piece, head, tail), widths)
        else:  # spacing, kerning or a gap inside: glyph by glyph
            reader.add(text, start, stop, run, known)
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


class _GlyphReader:
    """Origins, loose boxes and text-object styles of one text page, through reused C buffers."""

    def __init__(self, textpage: Any, height: float, widths: Widths) -> None:
        self.textpage = textpage
        self.page = ctypes.c_void_p(ctypes.cast(textpage, ctypes.c_void_p).value)
        self.height = height
        self.widths = widths
        self._styles: dict[int | None, RunStyle] = {}
        self._fonts: dict[int, tuple[str, float]] = {}  # font handle -> (name, descent in 1/1000 em)
        self._name = ctypes.create_string_buffer(256)
        self._flags = ctypes.c_int()
        self._matrix = pdfium.FS_MATRIX()
        self.x, self._y, self._box = ctypes.c_double(), ctypes.c_double(), pdfium.FS_RECTF()
        self.x_ref = ctypes.c_void_p(ctypes.addressof(self.x))
        self.y_ref = ctypes.c_void_p(ctypes.addressof(self._y))
        self._box_ref = ctypes.c_void_p(ctypes.addressof(self._box))

    def end(self, index: int) -> float:
        _loose_box(self.page, index, self._box_ref)
        return self._box.right

    def add(self, text: str, start: int, stop: int, run: Run, known: dict[str, float]) -> None:
        """Glyph entries one by one; a loose box where the advance is not known yet."""
        entries, upright, box, x, page = run.entries, run.style.upright, self._box, self.x, self.page
        for index in range(start, stop):
            char = text[index]
            _char_origin(page, index, self.x_ref, self.y_ref)
            if not upright:
                _loose_box(page, index, self._box_ref)
                entries.append(("r", char, box.left, box.right, self.height - box.top, self.height - box.bottom))
            elif entries and entries[-1][2] == x.value:
                # a ligature split into letters at one origin: each letter needs the box of the whole
                if entries[-1][3] is None:
                    entries[-1] = ("g", entries[-1][1], x.value, self.end(index - 1))
                append_entry(run, ("g", char, x.value, self.end(index)), self.widths)
            else:
                append_entry(run, ("g", char, x.value, None if char in known else self.end(index)), self.widths)

    def style(self, index: int, handle: int | None) -> RunStyle:
        """Font name, size, the reference engine's top and bottom, and uprightness of a text object."""
        if handle not in self._styles:
            self._styles[handle] = self._new_style(index, handle)
        return self._styles[handle]

    def _new_style(self, index: int, handle: int | None) -> RunStyle:
        matrix = self._matrix
        pdfium.FPDFText_GetMatrix(self.textpage, index, ctypes.byref(matrix))
        font_size = pdfium.FPDFText_GetFontSize(self.textpage, index)
        _char_origin(self.page, index, self.x_ref, self.y_ref)
        font = _font_of(handle) if handle is not None else None
        if font and font in self._fonts:
            fontname, descent = self._fonts[font]
        else:
            fontname, descent = self._font(index, font)
            if font:
                self._fonts[font] = (fontname, descent)
        d = matrix.d
        low = snap(self._y.value) + d * descent / 1000 * font_size  # the baseline as the file gives it
        high = low + d * font_size
        upright = matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and d > 0
        return RunStyle(fontname, round(d * font_size, 6), self.height - high, self.height - low, upright)

    def _font(self, index: int, font: int | None) -> tuple[str, float]:
        name, flags = self._name, ctypes.byref(self._flags)
        length = pdfium.FPDFText_GetFontInfo(self.textpage, index, name, len(name), flags)
        fontname = name.value.decode("utf-8", errors="replace") if length else "unknown"
        embedded = bool(font) and bool(_font_embedded(font))
        if fontname in _STANDARD_FONTS and not embedded:
            return _STANDARD_FONTS[fontname]
        units = ctypes.c_float()
        found = bool(font) and bool(_font_descent(font, 1000.0, ctypes.byref(units)))
        return fontname, -abs(units.value) if found else 0.0  # a positive /Descent is a sign error
