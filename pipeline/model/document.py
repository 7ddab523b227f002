"""The document as the steps pass it on: the reader's pages, the cleaned paragraphs, the parsed sections.

Frozen dataclasses, nothing else; the records of the dataset's rows are in `records`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.model.kinds import SectionKind

# --- reader: the engine-neutral page model -------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One visual line of text as the reader saw it (PDF points, top-left origin)."""

    text: str
    page: int  # 1-based
    x0: float
    x1: float
    top: float
    bottom: float
    fontname: str
    size: float
    bold: bool  # every visible glyph of the line is in a bold face
    bold_prefix: int = 0  # number of leading characters of `text` set in bold
    # where the line's text jumps across a gap wider than a font size (a table without rules):
    # (offset into `text`, x0) of each stretch, the first at offset 0; () for a line without such gaps
    stretches: tuple[tuple[int, float], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Table:
    """A ruled table found on a page: rows of cell texts (None for an empty cell)."""

    page: int
    rows: tuple[tuple[str | None, ...], ...]
    top: float
    bottom: float


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: tuple[Line, ...]
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class RawDocument:
    """What a reader engine returns for one PDF."""

    pages: tuple[Page, ...]
    engine: str

    @property
    def n_pages(self) -> int:
        return len(self.pages)


# --- layout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """Lines joined into running text; keeps its lines for font and geometry decisions."""

    text: str
    page_start: int
    page_end: int
    lines: tuple[Line, ...]
    table: Table | None = None  # set when the paragraph stands for a ruled table


@dataclass(frozen=True)
class CleanDocument:
    """The body after header/footer removal, as paragraphs in reading order."""

    paragraphs: tuple[Paragraph, ...]
    tables: tuple[Table, ...]
    n_pages: int
    text_width: tuple[float, float]  # left and right edge of the body text column


# --- document parsing ---------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentMeta:
    question_number: int
    question_date: dt.date
    questioner: str
    minister: str
    minister_title: str
    title: str


@dataclass(frozen=True)
class Section:
    kind: SectionKind
    number: int
    text: str
    paragraphs: tuple[Paragraph, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ParsedDocument:
    meta: DocumentMeta
    questions: tuple[Section, ...]
    answers: tuple[Section, ...]
    preamble: tuple[Paragraph, ...]  # question text before the first numbered sub-question
