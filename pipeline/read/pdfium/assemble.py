"""Pieces (see `pieces`) to lines, a piece at a time, as `lines.group_words` and `lines.group_lines`
make them of the reference engine's glyphs.

Pieces of one font and size in content-stream order form a run; a run's pieces are clustered into
rows by top and sorted along the row. A piece continues the word before it where its first glyph
would (no blank between, not backwards, within the word gap and the line tolerance), which makes
chains ("chunks"), each a sequence of whole words. Lines are chunks grouped by top and sorted by
x0. Where the reference's glyphs or words of two pieces or chunks would sort into each other, or
a word of pieces on two baselines would part a line the reference keeps whole, `Fallback` leaves
the page to the exact reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from pipeline.model.document import Line
from pipeline.read.lines import Box, is_bold_font, line_stretches, strip_subset_tag, style_line
from pipeline.read.pdfium.pieces import Fallback, Piece

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"})
_LIGATURE_CHARS = frozenset("ﬀﬃﬄﬁﬂﬆﬅ")
_RUN = attrgetter("fontname", "size")  # a word never spans a change of these
_X0, _TOP = attrgetter("x0"), attrgetter("top")
_TOP_X0 = attrgetter("top", "x0")


class Chunk(NamedTuple):
    """Whole words of one run that follow each other in a row. A piece alone in its row whose
    text is already as a chunk's (`_plain`) stands for its chunk: it has the same fields."""

    text: str  # the words, one space apart, ligatures expanded
    x0: float
    right: float  # the furthest end of a glyph
    top: float
    bottom: float
    last: float  # where the last glyph starts
    fontname: str
    size: float


def page_lines(
    pieces: Iterable[Piece], number: int, gap: float, tolerance: float, tables: Sequence[Box] = ()
) -> list[Line]:
    """The page's lines, top to bottom; words whose centre lies in a table box are left out."""
    chunks: list[Chunk] = []
    deepest: dict[int, float] = {}  # id of a chunk whose words have several tops -> the largest
    for _, run in groupby(pieces, key=_RUN):
        for row in _cluster(list(run), tolerance):
            if len(row) > 1:
                _chain(sorted(row, key=_X0), chunks, gap, tolerance, deepest)
            elif row[0].text != " ":  # one piece in its row: the commonest
                _close(row, chunks, deepest)
    if tables:
        chunks = [chunk for chunk in chunks if not _in_table(chunk, tables, id(chunk) in deepest)]
    return _lines(chunks, number, tolerance, deepest)


def _cluster(pieces: list[Piece], tolerance: float) -> list[list[Piece]]:
    # as `lines._cluster`: distinct tops sorted and chained; a top within `tolerance` of the
    # previous one joins its cluster, and pieces keep their order inside it
    if len(pieces) == 1:
        return [pieces]
    values = sorted({piece.top for piece in pieces})
    index: dict[float, int] = {}
    cluster, last = 0, values[0]
    for value in values:
        if value > last + tolerance:
            cluster += 1
        index[value] = cluster
        last = value
    rows: list[list[Piece]] = [[] for _ in range(cluster + 1)]
    for piece in pieces:
        rows[index[piece.top]].append(piece)
    return [row for row in rows if row]


def _chain(row: list[Piece], chunks: list[Chunk], gap: float, drift: float, deepest: dict[int, float]) -> None:
    """One row of a run, sorted by x0, into chunks."""
    joined: list[Piece] = []  # the pieces of the open chunk
    prev = row[0]
    for piece in row:
        if piece is not prev and piece.x0 <= prev.last and len(prev.text) > 1:
            raise Fallback  # its glyphs would sort into the last one's
        if piece.text == " ":  # a blank ends the word
            if joined:
                _close(joined, chunks, deepest)
                joined = []
        elif joined and (piece.x0 < prev.last or piece.x0 > prev.x1 + gap or abs(piece.top - prev.top) > drift):
            _close(joined, chunks, deepest)
            joined = [piece]
        else:
            joined.append(piece)
        prev = piece
    if joined:
        _close(joined, chunks, deepest)


def _close(joined: list[Piece], chunks: list[Chunk], deepest: dict[int, float]) -> None:
    """The chunk of pieces that continue each other's words; a plain piece alone stands for its own."""
    first, last = joined[0], joined[-1]
    if len(joined) == 1:
        if _plain(first.text):
            chunks.append(first)
            return
        text, right, top, low, bottom = first.text, first.right, first.top, first.top, first.bottom
    else:
        tops = [piece.top for piece in joined]
        text, top, low = "".join([piece.text for piece in joined]), min(tops), max(tops)
        right, bottom = max(piece.right for piece in joined), max(piece.bottom for piece in joined)
    text = " ".join(text.split())
    if not text.isascii():
        text = text.translate(_LIGATURES)  # adds no blank: the same as word by word
    chunk = Chunk(text, first.x0, right, top, bottom, last.last, first.fontname, first.size)
    if low != top:
        # a word of pieces on two baselines takes the smaller top; the others keep their own
        deepest[id(chunk)] = low
    chunks.append(chunk)


def _plain(text: str) -> bool:
    """Whether the text is its words one space apart, without a ligature to expand: printable
    characters are no blanks but the space, and split() parts at those."""
    return text.isprintable() and "  " not in text and (text.isascii() or _LIGATURE_CHARS.isdisjoint(text))


def _in_table(chunk: Chunk, tables: Sequence[Box], spread: bool) -> bool:
    """Whether the centres of the chunk's words lie in a table box (all of them or none)."""
    middle = (chunk.top + chunk.bottom) / 2  # its words share a top and a bottom, unless spread
    inside = False
    for x0, top, x1, bottom in tables:
        if spread and chunk.top <= bottom and chunk.bottom >= top and chunk.x0 <= x1 and chunk.right >= x0:
            raise Fallback  # words of several tops near a table
        if not top <= middle <= bottom or chunk.right < x0 or chunk.x0 > x1:
            continue
        if not (x0 <= chunk.x0 and chunk.right <= x1):
            raise Fallback  # some of its words in the table, some maybe not
        inside = True
    return inside


def _lines(chunks: list[Chunk], number: int, tolerance: float, deepest: dict[int, float]) -> list[Line]:
    rows: list[list[Chunk]] = []
    row: list[Chunk] = []
    first = 0.0  # the top of the row's first chunk
    for top, same in groupby(sorted(chunks, key=_TOP_X0), key=_TOP):
        if row and abs(first - top) <= tolerance:
            row += same
        else:
            row, first = list(same), top
            rows.append(row)
        if deepest and any(deepest.get(id(chunk), top) > first + tolerance for chunk in row):
            raise Fallback  # a word of a chunk's larger top would start a line of its own
    fonts: dict[str, tuple[bool, str]] = {}  # a page has few fonts: name -> (bold, name without tag)
    return [_line(row if len(row) == 1 else sorted(row, key=_X0), number, fonts) for row in rows]


def _line(row: list[Chunk], number: int, fonts: dict[str, tuple[bool, str]]) -> Line:
    """As `lines._make_line` makes a line of the chunks' words."""
    if len(row) == 1:  # one chunk, the commonest line
        chunk = row[0]
        name = chunk.fontname
        if name not in fonts:
            fonts[name] = (is_bold_font(name), strip_subset_tag(name))
        bold, fontname = fonts[name]
        return Line(chunk.text, number, round(chunk.x0, 2), round(chunk.right, 2), round(chunk.top, 2),
                    round(chunk.bottom, 2), fontname, round(float(chunk.size), 2), bold,
                    len(chunk.text) if bold else 0)  # fmt: skip
    for a, b in zip(row, row[1:], strict=False):
        if b.x0 <= a.last:
            raise Fallback  # their words would sort into each other
    text, fontname, bold, prefix = style_line([chunk.text for chunk in row], [chunk.fontname for chunk in row], fonts)
    return Line(
        stretches=line_stretches([(len(chunk.text), chunk.x0, chunk.right) for chunk in row], float(row[0].size)),
        text=text,
        page=number,
        x0=round(row[0].x0, 2),
        x1=round(max([chunk.right for chunk in row]), 2),
        top=round(min([chunk.top for chunk in row]), 2),
        bottom=round(max([chunk.bottom for chunk in row]), 2),
        fontname=fontname,
        size=round(max([float(chunk.size) for chunk in row]), 2),
        bold=bold,
        bold_prefix=prefix,
    )
