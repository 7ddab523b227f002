"""The pdfplumber reader: a PDF file to the engine-neutral page/line model of `records`.

This is the only module that imports pdfplumber (and its pdfminer base).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import methodcaller
from typing import TypeVar

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.container import Container
from pdfplumber.table import Table as PlumberTable
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils import extract_text
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.model.document import Page, RawDocument, Table
from pipeline.model.errors import DocumentError
from pipeline.model.kinds import FailureKind, Stage
from pipeline.read.cells import table_rows
from pipeline.read.config import ReadConfig
from pipeline.read.lines import Box, DrawnPath, Glyph, drop_words_in, group_lines
from pipeline.read.structure import check_pdf_bytes

_T = TypeVar("_T")


def read_pdf_bytes(data: bytes, config: ReadConfig) -> RawDocument:
    """Read a PDF's pages into lines (and tables); raise DocumentError for unreadable input."""
    check_pdf_bytes(data)
    with _open(data, None) as pdf:
        if len(pdf.pages) > config.max_pages:
            raise DocumentError(
                Stage.READ,
                FailureKind.TOO_MANY_PAGES,
                f"The PDF has {len(pdf.pages)} pages, more than the limit of {config.max_pages}.",
            )
        pages = [page for _, page in _each_page(pdf, lambda page: _read_page(page, config))]
    if not any(p.lines for p in pages):
        raise DocumentError(
            Stage.READ,
            FailureKind.NO_TEXT_LAYER,
            "The PDF has no text layer (a scan or an image); run OCR on it first.",
        )
    return RawDocument(pages=tuple(pages), engine="pdfplumber")


def read_pages(data: bytes, page_numbers: Sequence[int], config: ReadConfig) -> dict[int, Page]:
    """Some pages (1-based numbers) read exactly as `read_pdf_bytes` reads them."""
    if not page_numbers:
        return {}
    with _open(data, sorted(set(page_numbers))) as pdf:
        return dict(_each_page(pdf, lambda page: _read_page(page, config)))


def find_ruled_tables(
    number: int,
    size: tuple[float, float],
    glyphs: Sequence[Glyph],
    paths: Sequence[DrawnPath],
    config: ReadConfig,
) -> tuple[tuple[Table, Box], ...]:
    """The ruled tables of a page another engine has read: its glyphs (blanks included) and paths.

    The paths become lines, boxes and curves by the reference engine's rules, so the same table
    finder sees the same page without parsing the PDF again. `size` is the page's width and height.
    """
    shapes: dict[str, list[dict]] = {"line": [], "rect": [], "curve": []}
    for operators, points in paths:
        _add_shapes(operators, points, shapes)
    for shape in (s for kind in shapes.values() for s in kind):
        shape["y0"], shape["y1"] = size[1] - shape["bottom"], size[1] - shape["top"]
    try:
        return _find_tables(_DrawnPage(number, size, shapes, glyphs), config)
    except Exception as exc:  # as in read_pdf_bytes: what the table finder chokes on is a damaged page
        raise DocumentError(
            Stage.READ, FailureKind.DAMAGED, f"Page {number} cannot be read ({type(exc).__name__}): {exc}"
        ) from None


class _DrawnPage(Container):
    """The part of a pdfplumber page the table finder reads, built from another engine's objects."""

    def __init__(
        self, number: int, size: tuple[float, float], shapes: dict[str, list[dict]], glyphs: Sequence[Glyph]
    ) -> None:
        self.page_number = number
        self.bbox = (0.0, 0.0, size[0], size[1])
        self._shapes = shapes
        self._glyphs = glyphs
        self.areas: list[Box] = []  # the tables found: set by _find_tables before they are read

    @property
    def objects(self) -> dict[str, list[dict]]:
        return self._shapes

    @property
    def chars(self) -> list[dict]:
        # only glyphs centred in a found table: a cell lies inside its table, and the finder
        # assigns a glyph to a cell by its centre
        areas = self.areas
        return [
            {"text": g[0], "x0": g[1], "x1": g[2], "top": g[3], "doctop": g[3], "bottom": g[4], "upright": g[7]}
            for g in self._glyphs
            if any(x0 <= (g[1] + g[2]) / 2 < x1 and top <= (g[3] + g[4]) / 2 < bottom for x0, top, x1, bottom in areas)
        ]

    def extract(self, table: PlumberTable) -> list[list[str | None]]:
        """`table.extract()`, the same cells of the same glyphs, faster (see `cells`)."""
        return table_rows(table.rows, self._glyphs, extract_text)


_SUBPATH = re.compile(r"m[^m]+")


def _add_shapes(operators: str, points: tuple[tuple[float, float], ...], shapes: dict[str, list[dict]]) -> None:
    """One painted path as the reference interpreter splits and classifies it (each subpath apart)."""
    if not operators.startswith("m"):
        return
    if operators.count("m") > 1:
        for sub in _SUBPATH.finditer(operators):
            _add_shapes(sub.group(), points[sub.start() : sub.end()], shapes)
        return
    pts = list(points)
    if len(operators) > 3 and operators.endswith("lh") and pts[-2] == pts[0]:
        operators = operators[:-2] + "h"  # a closing line back to the start adds nothing
        pts.pop()
    if operators in ("ml", "mlh"):
        shapes["line"].append(_shape("line", pts[:2]))
    elif operators in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            shapes["rect"].append(_shape("rect", [pts[0], pts[2]]))
        else:
            shapes["curve"].append({**_shape("curve", pts), "pts": pts})
    else:
        shapes["curve"].append({**_shape("curve", pts), "pts": pts})


def _shape(kind: str, pts: list[tuple[float, float]]) -> dict:
    xs = [x for x, _ in pts]
    tops = [top for _, top in pts]
    x0, x1, top, bottom = min(xs), max(xs), min(tops), max(tops)
    return {
        "object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
        "width": x1 - x0, "height": bottom - top, "pts": pts,
    }


@contextmanager
def _open(data: bytes, page_numbers: list[int] | None) -> Iterator[pdfplumber.PDF]:
    try:
        pdf = pdfplumber.open(io.BytesIO(data), pages=page_numbers)
    except PdfminerException as exc:
        raise _classify(exc.args[0] if exc.args else exc) from None
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise _classify(exc) from None
    try:
        len(pdf.pages)  # walks the page tree once; pdfplumber keeps the list
    except Exception as exc:  # a broken page tree or page dictionary: pdfplumber raises anything here
        # not `with pdf`: closing walks the broken tree again and raises a second time
        raise DocumentError(
            Stage.READ, FailureKind.DAMAGED, f"The PDF's page tree cannot be read ({type(exc).__name__}): {exc}"
        ) from None
    with pdf:
        yield pdf


def _each_page(pdf: pdfplumber.PDF, read: Callable[[pdfplumber.page.Page], _T]) -> Iterator[tuple[int, _T]]:
    for page in pdf.pages:
        try:
            yield page.page_number, read(page)
        except DocumentError:
            raise
        except Exception as exc:  # a broken content stream inside one page
            raise DocumentError(
                Stage.READ, FailureKind.DAMAGED, f"Page {page.page_number} cannot be read ({type(exc).__name__}): {exc}"
            ) from None
        finally:
            page.close()  # frees the page's layout cache: 560 MiB -> 47 MiB on 100 pages


def _classify(exc: BaseException) -> DocumentError:
    if isinstance(exc, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(exc).lower():
        return DocumentError(
            Stage.READ,
            FailureKind.ENCRYPTED,
            "The PDF is encrypted with a password; ask the publisher for an open copy.",
        )
    return DocumentError(Stage.READ, FailureKind.DAMAGED, f"The PDF cannot be opened ({type(exc).__name__}): {exc}")


def _read_page(page: pdfplumber.page.Page, config: ReadConfig) -> Page:
    found = _find_tables(page, config)
    words = page.extract_words(
        x_tolerance=config.word_gap,
        y_tolerance=config.line_tolerance,
        keep_blank_chars=False,
        extra_attrs=["fontname", "size"],
    )
    words = drop_words_in(words, [box for _, box in found])
    return Page(
        number=page.page_number,
        width=float(page.width),
        height=float(page.height),
        lines=tuple(group_lines(words, page.page_number, config.line_tolerance)),
        tables=tuple(table for table, _ in found),
    )


def _find_tables(page: pdfplumber.page.Page | _DrawnPage, config: ReadConfig) -> tuple[tuple[Table, Box], ...]:
    # find_tables is the expensive call; pages without rules or boxes cannot hold a ruled table
    if not config.tables or len(page.lines) + len(page.rects) < 4:
        return ()
    found = TableFinder(page, TableSettings.resolve(None)).tables
    extract: Callable = methodcaller("extract")
    if isinstance(page, _DrawnPage):
        page.areas = [table.bbox for table in found]
        extract = page.extract
    return tuple(
        (
            Table(
                page=page.page_number,
                rows=tuple(tuple(_clean_cell(c) for c in row) for row in extract(table)),
                top=round(float(table.bbox[1]), 2),  # as lines are: engines differ in the last bits
                bottom=round(float(table.bbox[3]), 2),
            ),
            (float(table.bbox[0]), float(table.bbox[1]), float(table.bbox[2]), float(table.bbox[3])),
        )
        for table in found
    )


def _clean_cell(cell: str | None) -> str | None:
    # lines of a wrapped cell stay apart: joining them (and undoing hyphenation) is the segmenter's call
    if cell is None:
        return None
    text = "\n".join(" ".join(line.split()) for line in cell.splitlines() if line.strip())
    return text or None
