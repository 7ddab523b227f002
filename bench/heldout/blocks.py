"""What a held-back document is made of: its look, its blocks (paragraphs, bullets, tables, breaks) and itself.

Apart from make.py, which draws them, so that the documents (content.py, docs_*.py) and the drawing
import these and not each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Look:
    """How a document is drawn: font, size, alignment, running header and footer."""

    font: str = "Helvetica"
    size: float = 10.0
    justify: bool = False
    running_header: bool = True
    footer: str = "page_of"  # "page_of", "number", "none"
    margin_cm: float = 2.5
    first_page_block: bool = True


@dataclass(frozen=True)
class Para:
    """A paragraph; `text` is plain text unless `markup` (reportlab's <b>, <i>)."""

    text: str
    bold: bool = False
    italic: bool = False
    indent: float = 0.0  # points
    markup: bool = False
    space_before: float | None = None
    keep: bool = False  # keep with the next block


@dataclass(frozen=True)
class Bullet:
    """A list item with a hanging mark (a bullet glyph in `mark_font`, or a number)."""

    text: str
    mark: str = "•"
    mark_font: str | None = None  # e.g. "Symbol" or "ZapfDingbats", as word processors draw bullets
    indent: float = 18.0
    markup: bool = False


@dataclass(frozen=True)
class Grid:
    """A table: rows of cells (first row the header), widths as fractions of the text width."""

    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    spans: tuple[tuple[int, int, int], ...] = ()  # (column, first row, last row) drawn as one cell
    rules: str = "horizontal"  # "grid" or "horizontal"
    right: tuple[int, ...] = ()  # right-aligned columns
    bold_last: bool = False


@dataclass(frozen=True)
class Break:
    """A page break."""


Block = Para | Bullet | Grid | Break


@dataclass(frozen=True)
class HeldOutDoc:
    """One written question with its answer, and the applications a reader should find in it."""

    name: str
    number: int
    date: dt.date
    questioner: str  # as printed (capitals)
    minister: str  # as printed (capitals)
    minister_title: str  # as printed (capitals)
    title: str
    question: tuple[str, ...]  # paragraphs, then numbered sub-questions ("1. ...")
    answer: tuple[Block, ...]
    applications: tuple[dict, ...]
    form: str  # the document's main form: found rows matching nothing count against it
    look: Look = field(default_factory=Look)
