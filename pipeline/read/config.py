"""How a PDF is read: one validated config for both engines."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Engine(StrEnum):
    """The text engines; both give the same dataset (tests/read/pdfium/test_reader.py)."""

    PDFIUM = "pdfium"  # the default: pypdfium2, several times faster (bench/results)
    PDFPLUMBER = "pdfplumber"  # the reference; it also finds ruled tables for the pdfium engine


@dataclass(frozen=True)
class ReadConfig:
    """Which engine reads, how glyphs become words and lines, and how many pages a document may have.

    `max_pages` is the run's page limit (`Limits.max_pages`, --max-pages): the edge that builds
    the run's configs sets both from the one option.
    """

    engine: Engine = Engine.PDFIUM
    line_tolerance: float = 2.5  # points: words whose tops differ less share a line
    word_gap: float = 2.0  # points: x_tolerance between glyphs of one word
    max_pages: int = 2000
    tables: bool = True  # ruled tables on pages that have ruling lines

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "engine", Engine(self.engine))
        except ValueError:
            raise ValueError(f"unknown engine {self.engine!r}: choose pdfplumber or pdfium") from None
        if self.line_tolerance <= 0 or self.word_gap <= 0:
            raise ValueError("line_tolerance and word_gap must be positive")
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")
