"""The pypdfium2 reader: the same page/line model as `pipeline.read.plumber`, many times faster.

With `glyphs` and `text`, the only modules that import pypdfium2. A page is read by
the fast path first: `pieces` reads each text object's stretch of a line with a few PDFium
calls, the font's advances placing its glyphs, and `assemble` makes words and lines of those
pieces as the reference makes them of glyphs. A page the fast path cannot read as the reference
does (`pieces.Fallback`: glyphs that go backwards or sort into each other, text that is not
upright) is read exactly: `glyphs` reads every glyph's origin as runs of entries, `place` turns
them into the reference engine's glyph boxes and `lines.group_words` splits them into words as
the pdfplumber reader does. Ruled tables are found by the reference engine's table finder
(`plumber.find_ruled_tables`), fed with the glyphs and paths read here.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import pypdfium2  # noqa: F401 - importing the package initialises the PDFium library
import pypdfium2.raw as pdfium

from pipeline.model.document import Page, RawDocument
from pipeline.model.errors import DocumentError
from pipeline.model.kinds import FailureKind, Stage
from pipeline.read.config import ReadConfig
from pipeline.read.lines import DrawnPath, InterleavedItems, drop_words_in, group_lines, group_words
from pipeline.read.pdfium.assemble import page_lines
from pipeline.read.pdfium.glyphs import read_runs
from pipeline.read.pdfium.pieces import Advances, Fallback, PageReader
from pipeline.read.pdfium.place import Item, Run, Widths, as_glyphs, expand_items, place_run
from pipeline.read.pdfium.text import native, page_text
from pipeline.read.structure import check_pdf_bytes

_MIN_RULES = 4  # subpaths: the reference engine looks for tables only with 4+ lines and boxes
_SEGMENT_OPERATORS = {pdfium.FPDF_SEGMENT_MOVETO: "m", pdfium.FPDF_SEGMENT_LINETO: "l"}
Matrix = tuple[float, float, float, float, float, float]

_VOID, _INT = ctypes.c_void_p, ctypes.c_int
_page_object_at = native(pdfium.FPDFPage_GetObject, _VOID, _VOID, _INT)
_form_object_at = native(pdfium.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_form_object_count = native(pdfium.FPDFFormObj_CountObjects, _INT, _VOID)
_object_type = native(pdfium.FPDFPageObj_GetType, _INT, _VOID)
_object_matrix = native(pdfium.FPDFPageObj_GetMatrix, _INT, _VOID, ctypes.POINTER(pdfium.FS_MATRIX))
_draw_mode = native(pdfium.FPDFPath_GetDrawMode, _INT, _VOID, ctypes.POINTER(_INT), ctypes.POINTER(_INT))
_segment_count = native(pdfium.FPDFPath_CountSegments, _INT, _VOID)
_segment_at = native(pdfium.FPDFPath_GetPathSegment, _VOID, _VOID, _INT)
_segment_type = native(pdfium.FPDFPathSegment_GetType, _INT, _VOID)
_segment_closes = native(pdfium.FPDFPathSegment_GetClose, _INT, _VOID)
_segment_point = native(
    pdfium.FPDFPathSegment_GetPoint, _INT, _VOID, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)
)


@dataclass(frozen=True)
class _PageScan:
    number: int
    size: tuple[float, float]
    runs: list[Run]
    paths: list[DrawnPath]  # painted paths, kept when they may rule a table
    rotated: bool  # /Rotate set: left to the reference engine, which turns the coordinates
    page: Page | None = None  # read by the fast path (`pieces`); else the runs are placed


def read_pdf_pdfium(data: bytes, config: ReadConfig) -> RawDocument:
    """Read a PDF's pages into lines (and tables); raise DocumentError for unreadable input."""
    check_pdf_bytes(data)
    document = pdfium.FPDF_LoadMemDocument64(data, len(data), None)
    if not document:
        raise _open_error(pdfium.FPDF_GetLastError())
    widths, advances = Widths(), Advances()
    try:
        count = pdfium.FPDF_GetPageCount(document)
        if count > config.max_pages:
            raise DocumentError(
                Stage.READ,
                FailureKind.TOO_MANY_PAGES,
                f"The PDF has {count} pages, more than the limit of {config.max_pages}.",
            )
        scans = [_scan_page(document, index, widths, advances, config) for index in range(count)]
    finally:
        pdfium.FPDF_CloseDocument(document)
    pages = _assemble(data, scans, widths, config)
    if not any(page.lines for page in pages):
        raise DocumentError(
            Stage.READ,
            FailureKind.NO_TEXT_LAYER,
            "The PDF has no text layer (a scan or an image); run OCR on it first.",
        )
    return RawDocument(pages=pages, engine="pdfium")


def _open_error(code: int) -> DocumentError:
    if code in (pdfium.FPDF_ERR_PASSWORD, pdfium.FPDF_ERR_SECURITY):
        return DocumentError(
            Stage.READ,
            FailureKind.ENCRYPTED,
            "The PDF is encrypted with a password; ask the publisher for an open copy.",
        )
    return DocumentError(Stage.READ, FailureKind.DAMAGED, f"The PDF cannot be opened (PDFium error {code}).")


def _assemble(data: bytes, scans: list[_PageScan], widths: Widths, config: ReadConfig) -> tuple[Page, ...]:
    """Lines and tables per page, once every advance of the document is known."""
    rotated = [scan.number for scan in scans if scan.rotated]
    ruled = config.tables and any(scan.paths for scan in scans if scan.page is None)
    whole: dict[int, Page] = {}
    if rotated or ruled:
        from pipeline.read.plumber import find_ruled_tables, read_pages  # pdfplumber: only then

        whole = read_pages(data, rotated, config)
    pages = []
    scales: dict = {}  # advances in points per font and size, shared by the document's pages
    for scan in scans:
        if scan.number in whole or scan.page is not None:
            pages.append(whole.get(scan.number) or scan.page)
            continue
        items: list[Item] = []
        chain = None
        for run in scan.runs:
            placed, chain = place_run(run, widths, chain, scales)
            items += placed
        found: tuple = ()
        if ruled and scan.paths:
            glyphs = as_glyphs(expand_items(_near(items, scan.paths)))
            found = find_ruled_tables(scan.number, scan.size, glyphs, scan.paths, config)
        try:
            words = group_words(items, config.word_gap, config.line_tolerance)
        except InterleavedItems:  # pieces overlap: glyph by glyph, as the reference sorts them
            words = group_words(expand_items(items), config.word_gap, config.line_tolerance)
        words = drop_words_in(words, [box for _, box in found])
        lines = tuple(group_lines(words, scan.number, config.line_tolerance))
        pages.append(Page(scan.number, scan.size[0], scan.size[1], lines, tuple(table for table, _ in found)))
    return tuple(pages)


def _near(items: list[Item], paths: list[DrawnPath]) -> list[Item]:
    """The items that reach into the box of all paths: a table, made of the paths' edges, lies in
    it, and only glyphs centred in a table are read as its cells."""
    xs = [x for _, points in paths for x, _ in points]
    tops = [top for _, points in paths for _, top in points]
    if not xs:
        return []
    left, right, top, bottom = min(xs) - 1, max(xs) + 1, min(tops) - 1, max(tops) + 1
    return [item for item in items if item[2] >= left and item[1] <= right and item[4] >= top and item[3] <= bottom]


def _scan_page(document: Any, index: int, widths: Widths, advances: Advances, config: ReadConfig) -> _PageScan:
    page = pdfium.FPDF_LoadPage(document, index)
    if not page:
        raise DocumentError(
            Stage.READ, FailureKind.DAMAGED, f"Page {index + 1} cannot be read (PDFium cannot load it)."
        )
    try:
        size = _page_size(page)
        order, paths = _scan_objects(page, size[1])
        if sum(operators.count("m") for operators, _ in paths) < _MIN_RULES:
            paths = []
        rotated = pdfium.FPDFPage_GetRotation(page) != 0
        textpage = pdfium.FPDFText_LoadPage(page)
        if not textpage:
            raise DocumentError(
                Stage.READ, FailureKind.DAMAGED, f"Page {index + 1} cannot be read (PDFium cannot read its text)."
            )
        try:
            fast = None if rotated else _read_fast(textpage, order, index + 1, size, paths, advances, config)
            runs = read_runs(textpage, order, size[1], widths) if fast is None and not rotated else []
        finally:
            pdfium.FPDFText_ClosePage(textpage)
    finally:
        pdfium.FPDF_ClosePage(page)
    return _PageScan(index + 1, size, runs, paths, rotated, fast)


def _read_fast(
    textpage: Any,
    order: dict[int, int],
    number: int,
    size: tuple[float, float],
    paths: list[DrawnPath],
    advances: Advances,
    config: ReadConfig,
) -> Page | None:
    """The page by the fast path (`pieces`, `assemble`); None where it falls back to the exact reader."""
    count = pdfium.FPDFText_CountChars(textpage)
    text = page_text(textpage, count).replace("\x02", "-").replace("\ufffe", "-") if count > 0 else ""
    reader = PageReader(textpage, text, order, size[1], advances, config.word_gap)
    try:
        pieces = reader.read()
        found: tuple = ()
        if config.tables and paths:
            from pipeline.read.plumber import find_ruled_tables  # pdfplumber: only then

            found = find_ruled_tables(number, size, reader.glyphs_near(paths), paths, config)
        boxes = [box for _, box in found]
        lines = page_lines(pieces, number, config.word_gap, config.line_tolerance, boxes)
    except Fallback:
        return None
    return Page(number, size[0], size[1], tuple(lines), tuple(table for table, _ in found))


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
