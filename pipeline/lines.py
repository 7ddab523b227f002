"""Engine-neutral assembly of positioned glyphs into words, and of words into `Line` records.

`group_words` splits glyphs into words exactly as the reference engine (pdfplumber's
`extract_words` with `extra_attrs=["fontname", "size"]`) does, so every engine that can position
glyphs yields the same words, lines and therefore the same dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from pipeline.records import Line

# A positioned glyph: (text, x0, x1, top, bottom, fontname, size, upright), in PDF points with
# a top-left origin. A plain tuple, not a record: a page holds thousands of them.
Glyph = tuple[str, float, float, float, float, str, float, bool]
Box = tuple[float, float, float, float]  # x0, top, x1, bottom

_BOLD_MARKERS = ("bold", "black", "heavy", "semibold", "demi")
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_RUN_KEY = itemgetter(7, 5, 6)  # upright, fontname, size: a word never spans a change of these


def is_bold_font(fontname: str) -> bool:
    """Bold comes from the font's name ("Helvetica-Bold", "ABCDEF+Arial,Bold", "Calibri-Semibold")."""
    name = fontname.split("+", 1)[-1].lower()
    return any(marker in name for marker in _BOLD_MARKERS)


def strip_subset_tag(fontname: str) -> str:
    """"ABCDEF+Arial" -> "Arial": the six-letter tag of an embedded subset differs per file."""
    tag, plus, rest = fontname.partition("+")
    return rest if plus and len(tag) == 6 and tag.isalpha() and tag.isupper() else fontname


def group_words(glyphs: Iterable[Glyph], x_tolerance: float, y_tolerance: float) -> list[dict[str, Any]]:
    """Glyphs in content-stream order to words (text, x0, x1, top, bottom, fontname, size).

    Consecutive glyphs of one font, size and direction form a run; a run's glyphs are clustered
    into lines by their top (x0 for rotated text), sorted along the line and split at blanks and
    at gaps wider than `x_tolerance`. Ligatures are expanded.
    """
    words: list[dict[str, Any]] = []
    for (upright, _, _), run in groupby(glyphs, key=_RUN_KEY):
        if upright:
            rows = _cluster(list(run), 3, y_tolerance)
            for row in rows:
                row.sort(key=itemgetter(1))
                _split_row(row, words, 1, 2, 3, x_tolerance, y_tolerance)
        else:
            rows = _cluster(list(run), 1, x_tolerance)
            for row in rows:
                row.sort(key=itemgetter(3, 4))
                _split_row(row, words, 3, 4, 1, y_tolerance, x_tolerance)
    return words


def drop_words_in(words: Sequence[Mapping[str, Any]], boxes: Sequence[Box]) -> list[Mapping[str, Any]]:
    """Words whose centre lies outside every box (the words of a table are read as the table)."""
    if not boxes:
        return list(words)
    return [w for w in words if not any(_centre_inside(w, box) for box in boxes)]


def group_lines(words: Iterable[Mapping[str, Any]], page_number: int, tolerance: float) -> list[Line]:
    """Group positioned words (text, x0, x1, top, bottom, fontname, size) into lines, top to bottom."""
    rows: list[list[Mapping[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= tolerance:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [_make_line(sorted(row, key=lambda w: w["x0"]), page_number) for row in rows]


def _cluster(glyphs: list[Glyph], key: int, tolerance: float) -> list[list[Glyph]]:
    # Distinct values sorted and chained: a value within `tolerance` of the previous one joins its
    # cluster. Glyphs keep their order inside a cluster.
    values = sorted({g[key] for g in glyphs})
    index: dict[float, int] = {}
    cluster = 0
    last = values[0]
    for value in values:
        if value > last + tolerance:
            cluster += 1
        index[value] = cluster
        last = value
    rows: list[list[Glyph]] = [[] for _ in range(cluster + 1)]
    for glyph in glyphs:
        rows[index[glyph[key]]].append(glyph)
    return [row for row in rows if row]


def _split_row(
    row: list[Glyph], words: list[dict[str, Any]], start: int, end: int, across: int, gap: float, drift: float
) -> None:
    # `start`/`end` index the glyph's extent along the line, `across` its position across it
    current: list[Glyph] = []
    for glyph in row:
        if glyph[0].isspace():
            if current:
                words.append(_make_word(current))
                current = []
        elif current and (
            glyph[start] < current[-1][start]
            or glyph[start] > current[-1][end] + gap
            or abs(glyph[across] - current[-1][across]) > drift
        ):
            words.append(_make_word(current))
            current = [glyph]
        else:
            current.append(glyph)
    if current:
        words.append(_make_word(current))


def _make_word(glyphs: list[Glyph]) -> dict[str, Any]:
    first = glyphs[0]
    if len(glyphs) == 1:
        text = _LIGATURES.get(first[0], first[0])
        return {"text": text, "x0": first[1], "x1": first[2], "top": first[3], "bottom": first[4],
                "fontname": first[5], "size": first[6]}
    return {
        "text": "".join([_LIGATURES.get(g[0], g[0]) for g in glyphs]),
        "x0": min([g[1] for g in glyphs]),
        "x1": max([g[2] for g in glyphs]),
        "top": min([g[3] for g in glyphs]),
        "bottom": max([g[4] for g in glyphs]),
        "fontname": first[5],
        "size": first[6],
    }


def _centre_inside(word: Mapping[str, Any], box: Box) -> bool:
    x0, top, x1, bottom = box
    mid_x = (word["x0"] + word["x1"]) / 2
    mid_y = (word["top"] + word["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def _make_line(row: list[Mapping[str, Any]], page_number: int) -> Line:
    text = " ".join(w["text"] for w in row)
    bold_flags = [is_bold_font(w["fontname"]) for w in row]
    prefix = 0
    for word, bold in zip(row, bold_flags):
        if not bold:
            break
        prefix += len(word["text"]) + 1
    fonts = [strip_subset_tag(w["fontname"]) for w in row]
    return Line(
        text=text,
        page=page_number,
        x0=round(min(w["x0"] for w in row), 2),
        x1=round(max(w["x1"] for w in row), 2),
        top=round(min(w["top"] for w in row), 2),
        bottom=round(max(w["bottom"] for w in row), 2),
        fontname=max(fonts, key=fonts.count),  # first of the most frequent: deterministic
        size=round(max(float(w["size"]) for w in row), 2),
        bold=all(bold_flags),
        bold_prefix=min(prefix, len(text)),
    )
