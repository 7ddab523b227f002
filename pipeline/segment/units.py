"""A section's lines cut into units: stretches that may each be one list item, marked by how they start.

An item starts at a line with a list marker (`markers`), at a heading line of its own (bold or
capitals, naming an applicant), or at a paragraph; a marked item's own line ends it when a short
line is followed by one without a marker (a list written without space before the prose after it).
Unmarked paragraphs are items only when their head ends with the place in parentheses, or names an
applicant and a title in bold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.model.document import Line, Paragraph
from pipeline.parse.values import find_declared_count
from pipeline.segment.heads import Head, HeadShape, parse_applicant, parse_head
from pipeline.segment.markers import Marker, find_marker


@dataclass
class Unit:
    """A stretch of lines that may be one list item: its start decides what kind."""

    paragraph: int
    blocks: list[list[Line]]  # lines per paragraph; the first block starts the unit
    marker: Marker | None = None
    heading: bool = False
    starts_paragraph: bool = True
    head: Head | None = None  # parsed for unmarked units only, to tell an item from prose
    extra: list[Unit] = field(default_factory=list)  # continuation units

    @property
    def first(self) -> Line:
        return self.blocks[0][0]

    @property
    def text(self) -> str:
        return " ".join(line.text for block in self.blocks for line in block)

    @property
    def candidate(self) -> bool:
        return self.marker is not None or self.heading or self.head is not None


def find_units(paragraphs: tuple[Paragraph, ...], is_place: Callable[[str], bool], full_from: float) -> list[Unit]:
    """The units of a section's paragraphs (tables left out), in order."""
    units: list[Unit] = []
    for index, para in enumerate(paragraphs):
        if para.table is not None or not para.lines:
            continue
        for number, line in enumerate(para.lines):
            marker = find_marker(line.text)
            heading = marker is None and _is_heading_line(line, is_place)
            if number == 0 or marker is not None or heading or _ends_item(units[-1], para.lines[number - 1], full_from):
                units.append(Unit(index, [[line]], marker, heading, starts_paragraph=number == 0))
            else:
                units[-1].blocks[-1].append(line)
    for unit in units:
        if unit.candidate and is_break(unit) and parse_head(first_text(unit), is_place) is None:
            unit.marker, unit.heading = None, False  # "2. De volgende projecten werden geselecteerd:"
        if not unit.candidate:
            unit.head = _paren_or_bold_head(unit, is_place)
    return units


def first_text(unit: Unit) -> str:
    """The unit's first line without its marker: where its head starts."""
    return unit.marker.rest if unit.marker is not None else unit.first.text


def _ends_item(unit: Unit, prev: Line, full_from: float) -> bool:
    """After a short line, an item's own line ends it: what follows without a marker is a paragraph of its own.

    Lists written without space between items and prose ("• Tienen – …" then "Na de deadline …").
    A heading's next line is its title, never a new paragraph.
    """
    if unit.marker is None and not unit.heading:
        return False
    if unit.heading and len(unit.blocks[0]) == 1:
        return False
    return prev.x1 < full_from


def _is_heading_line(line: Line, is_place: Callable[[str], bool]) -> bool:
    """A line of its own that names an applicant in bold or capitals: "GENT", "Intercommunale Leiedal"."""
    text = line.text.strip().rstrip(":")
    if not text or len(text.split()) > 10 or text.endswith((".", ",", ";")):
        return False
    letters = [c for c in text if c.isalpha()]
    caps = len(letters) >= 2 and all(c.isupper() for c in letters)
    return (line.bold or caps) and parse_applicant(text, is_place) is not None


def _paren_or_bold_head(unit: Unit, is_place: Callable[[str], bool]) -> Head | None:
    """An unmarked paragraph that is an item: "Title (Aalst)" first, or a bold "Gent – Title" head."""
    lines = unit.blocks[0]
    bold = [line.text for line in lines if line.bold]
    for count in range(1, min(3, len(lines)) + 1):
        if not _CLOSES.search(lines[count - 1].text):
            continue  # a head with the place in parentheses ends in ")" (or an amount after it)
        head = parse_head(" ".join(line.text for line in lines[:count]), is_place)
        if head is not None and head.shape == HeadShape.PAREN:
            return head
    if bold and len(bold) < len(lines) + 1 and lines[0].bold:
        head = parse_head(" ".join(bold), is_place)
        if head is not None and head.shape in {HeadShape.DASH, HeadShape.COLON} and head.title:
            return head
    return None


_CLOSES = re.compile(r"\)[\s.;,]*$")


def is_break(unit: Unit) -> bool:
    """A paragraph that announces the next list rather than continuing an item."""
    text = unit.text.rstrip()
    return text.endswith(":") or find_declared_count(text) is not None
