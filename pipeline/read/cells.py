"""The text of a ruled table's cells from positioned glyphs, as pdfplumber's `Table.extract` gives it.

For another engine's glyphs (`plumber.find_ruled_tables`): the reference tests every glyph of
the page against every row through a call each, and builds each cell's text with its general
word extractor; here each glyph's centre is taken once, and upright text (all the fast reader
passes) is cut into words and lines by the same rules as `pdfplumber.utils.extract_text` with its
default settings. Other text goes to that function itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from pipeline.read.lines import Glyph

_TOLERANCE = 3.0  # pdfplumber's default x_tolerance and y_tolerance
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_X0, _TOP = itemgetter(1), itemgetter(3)


def table_rows(rows: Sequence[Any], glyphs: Sequence[Glyph], extract_text: Callable) -> list[list[str | None]]:
    """`Table.extract()` of a table with these `rows` (pdfplumber's, with `bbox` and `cells`), over
    these glyphs; `extract_text` is pdfplumber's, for cells that hold text that is not upright."""
    centred = [((g[1] + g[2]) / 2, (g[3] + g[4]) / 2, g) for g in glyphs]
    table: list[list[str | None]] = []
    for row in rows:
        x0, top, x1, bottom = row.bbox
        inside = [(h, v, g) for h, v, g in centred if x0 <= h < x1 and top <= v < bottom]
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            x0, top, x1, bottom = cell
            chars = [g for h, v, g in inside if x0 <= h < x1 and top <= v < bottom]
            if not chars:
                cells.append("")
            elif all(g[7] for g in chars):
                cells.append(cell_text(chars))
            else:
                cells.append(extract_text([_char(g) for g in chars]))
        table.append(cells)
    return table


def cell_text(glyphs: Sequence[Glyph]) -> str:
    """Upright glyphs (in content-stream order) to text, as `pdfplumber.utils.extract_text` makes it:
    lines by top, words split at blanks, at gaps over the tolerance and where a glyph starts before
    the last one; lines of words by their top again, words one space apart."""
    words: list[tuple[str, float]] = []  # text and top
    for line in _clusters(list(glyphs), _TOP):
        current: list[Glyph] = []
        for glyph in sorted(line, key=_X0):
            if glyph[0].isspace():
                _word(current, words)
                current = []
            elif current and (
                glyph[1] < current[-1][1]
                or glyph[1] > current[-1][2] + _TOLERANCE
                or abs(glyph[3] - current[-1][3]) > _TOLERANCE
            ):
                _word(current, words)
                current = [glyph]
            else:
                current.append(glyph)
        _word(current, words)
    return "\n".join(" ".join(text for text, _ in line) for line in _clusters(words, itemgetter(1)))


def _word(glyphs: list[Glyph], words: list[tuple[str, float]]) -> None:
    if glyphs:
        words.append(("".join(_LIGATURES.get(g[0], g[0]) for g in glyphs), min(g[3] for g in glyphs)))


def _clusters(items: list, key: Callable) -> list[list]:
    """As pdfplumber's `cluster_objects`: distinct values sorted and chained within the tolerance;
    the clusters in that order, each keeping its items' order."""
    if not items:
        return []
    values = sorted(set(map(key, items)))
    index: dict[float, int] = {}
    cluster, last = 0, values[0]
    for value in values:
        if value > last + _TOLERANCE:
            cluster += 1
        index[value] = cluster
        last = value
    ordered = sorted(items, key=lambda item: index[key(item)])
    return [list(group) for _, group in groupby(ordered, key=lambda item: index[key(item)])]


def _char(glyph: Glyph) -> dict:
    return {"text": glyph[0], "x0": glyph[1], "x1": glyph[2], "top": glyph[3], "doctop": glyph[3],
            "bottom": glyph[4], "upright": glyph[7]}  # fmt: skip
