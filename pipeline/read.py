"""The pdfplumber reader: a PDF file to the engine-neutral page/line model of `records`.

This is the only module that imports pdfplumber (and its pdfminer base).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.errors import DocumentError
from pipeline.lines import group_lines
from pipeline.records import Line, Page, RawDocument, Table
from pipeline.structure import check_pdf_bytes


@dataclass(frozen=True)
class ReaderConfig:
    """How lines are assembled from glyphs, and the limits of one document."""

    line_tolerance: float = 2.5  # points: words whose tops differ less share a line
    word_gap: float = 2.0  # points: x_tolerance between glyphs of one word
    max_pages: int = 2000
    tables: bool = True  # extract ruled tables on pages that have ruling lines

    def __post_init__(self) -> None:
        if self.line_tolerance <= 0 or self.word_gap <= 0:
            raise ValueError("line_tolerance and word_gap must be positive")
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")


def read_pdf_bytes(data: bytes, config: ReaderConfig) -> RawDocument:
    """Read a PDF's pages into lines (and tables); raise DocumentError for unreadable input."""
    check_pdf_bytes(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        raise _classify(exc.args[0] if exc.args else exc) from None
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise _classify(exc) from None
    with pdf:
        if len(pdf.pages) > config.max_pages:
            raise DocumentError(
                "read",
                "too_many_pages",
                f"The PDF has {len(pdf.pages)} pages, more than the limit of {config.max_pages}.",
            )
        pages = []
        for page in pdf.pages:
            try:
                pages.append(_read_page(page, config))
            except DocumentError:
                raise
            except Exception as exc:  # a broken content stream inside one page
                raise DocumentError(
                    "read", "damaged", f"Page {page.page_number} cannot be read ({type(exc).__name__}): {exc}"
                ) from None
            finally:
                page.close()  # frees the page's layout cache: 560 MiB -> 47 MiB on 100 pages
    if not any(p.lines for p in pages):
        raise DocumentError(
            "read",
            "no_text_layer",
            "The PDF has no text layer (a scan or an image); run OCR on it first.",
        )
    return RawDocument(pages=tuple(pages), engine="pdfplumber")


def _classify(exc: BaseException) -> DocumentError:
    if isinstance(exc, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(exc).lower():
        return DocumentError(
            "read", "encrypted", "The PDF is encrypted with a password; ask the publisher for an open copy."
        )
    return DocumentError("read", "damaged", f"The PDF cannot be opened ({type(exc).__name__}): {exc}")


def _read_page(page: "pdfplumber.page.Page", config: ReaderConfig) -> Page:
    number = page.page_number
    tables: tuple[Table, ...] = ()
    boxes: list[tuple[float, float, float, float]] = []
    if config.tables and _has_ruling(page):
        found = page.find_tables()
        tables = tuple(
            Table(
                page=number,
                rows=tuple(tuple(_clean_cell(c) for c in row) for row in t.extract()),
                top=float(t.bbox[1]),
                bottom=float(t.bbox[3]),
            )
            for t in found
        )
        boxes = [tuple(map(float, t.bbox)) for t in found]
    words = page.extract_words(
        x_tolerance=config.word_gap,
        y_tolerance=config.line_tolerance,
        keep_blank_chars=False,
        extra_attrs=["fontname", "size"],
    )
    words = [w for w in words if not any(_inside(w, b) for b in boxes)]
    return Page(
        number=number,
        width=float(page.width),
        height=float(page.height),
        lines=tuple(group_lines(words, number, config.line_tolerance)),
        tables=tables,
    )


def _has_ruling(page: "pdfplumber.page.Page") -> bool:
    # find_tables is the expensive call; pages without rules or boxes cannot hold a ruled table
    return len(page.lines) + len(page.rects) >= 4


def _inside(word: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    mid_x = (word["x0"] + word["x1"]) / 2
    mid_y = (word["top"] + word["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def _clean_cell(cell: str | None) -> str | None:
    if cell is None:
        return None
    text = " ".join(cell.split())
    return text or None
