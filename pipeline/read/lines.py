"""Engine-neutral assembly of positioned glyphs into words, and of words into `Line` records.

`group_words` splits glyphs into words exactly as the reference engine (pdfplumber's
`extract_words` with `extra_attrs=["fontname", "size"]`) does, so every engine that can position
glyphs yields the same words, lines and therefore the same dataset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate, groupby
from operator import itemgetter
from typing import Any

from pipeline.model.document import Line

# A positioned glyph: (text, x0, x1, top, bottom, fontname, size, upright), in PDF points with
# a top-left origin. A plain tuple, not a record: a page holds thousands of them.
Glyph = tuple[str, float, float, float, float, str, float, bool]
# What `group_words` takes: a glyph, the origin of its last character and the piece's layout. An
# item may hold several characters of one text object set one after the other (a "piece"). A
# piece may span words and the blanks (" ") between them; then its layout is needed to cut it.
Item = tuple[str, float, float, float, float, str, float, bool, float, Any]
# A piece's layout: an origin, running offsets (one per character, maybe one more) and advances
# per character; character i spans from offsets[i] + origin to advances[text[i]] past that.
Layout = tuple[float, list[float], Mapping[str, float]]
Box = tuple[float, float, float, float]  # x0, top, x1, bottom
# A painted path as the reference engine's interpreter records it: its operators ("m", "l", "c",
# "h"; a rectangle is "mlllh") and the end point of each, in top-left-origin points.
DrawnPath = tuple[str, tuple[tuple[float, float], ...]]

_BOLD_MARKERS = ("bold", "black", "heavy", "semibold", "demi")
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_EXPAND = str.maketrans(_LIGATURES)
_RUN_KEY = itemgetter(7, 5, 6)  # upright, fontname, size: a word never spans a change of these
_X0 = itemgetter(1)
_TOP_X0, _WORD_X0 = itemgetter("top", "x0"), itemgetter("x0")
_TEXT, _FONTNAME, _SIZE = itemgetter("text"), itemgetter("fontname"), itemgetter("size")
_X1, _TOP, _BOTTOM = itemgetter("x1"), itemgetter("top"), itemgetter("bottom")


def is_bold_font(fontname: str) -> bool:
    """Bold comes from the font's name ("Helvetica-Bold", "ABCDEF+Arial,Bold", "Calibri-Semibold")."""
    name = fontname.split("+", 1)[-1].lower()
    return any(marker in name for marker in _BOLD_MARKERS)


def strip_subset_tag(fontname: str) -> str:
    """The name without a subset tag ("ABCDEF+Arial" -> "Arial"): the tag differs per file."""
    tag, plus, rest = fontname.partition("+")
    return rest if plus and len(tag) == 6 and tag.isalpha() and tag.isupper() else fontname


class InterleavedItems(Exception):
    """Pieces overlap along a line: split into one item per character and group again."""


def group_words(items: Iterable[Item], x_tolerance: float, y_tolerance: float) -> list[dict[str, Any]]:
    """Items in content-stream order to words (text, x0, x1, top, bottom, fontname, size).

    Consecutive items of one font, size and direction form a run; a run's items are clustered
    into lines by their top (x0 for rotated text), sorted along the line and split at blanks and
    at gaps wider than `x_tolerance`. Ligatures are expanded. A piece stands for its characters
    only while nothing sorts between them; else InterleavedItems is raised.
    """
    words: list[dict[str, Any]] = []
    for (upright, _, _), run in groupby(items, key=_RUN_KEY):
        if upright:
            for row in _cluster(list(run), 3, y_tolerance):
                _split_row(_along(row), words, 1, 8, 2, 3, x_tolerance, y_tolerance)
        else:
            for row in _cluster(list(run), 1, x_tolerance):
                row.sort(key=itemgetter(3, 4))
                _split_row(row, words, 3, 3, 4, 1, y_tolerance, x_tolerance)
    return words


def drop_words_in(words: Sequence[Mapping[str, Any]], boxes: Sequence[Box]) -> list[Mapping[str, Any]]:
    """Words whose centre lies outside every box (the words of a table are read as the table)."""
    if not boxes:
        return list(words)
    return [w for w in words if not any(_centre_inside(w, box) for box in boxes)]


def group_lines(words: Iterable[Mapping[str, Any]], page_number: int, tolerance: float) -> list[Line]:
    """Group positioned words (text, x0, x1, top, bottom, fontname, size) into lines, top to bottom."""
    rows: list[list[Mapping[str, Any]]] = []
    row: list[Mapping[str, Any]] = []
    first = 0.0  # the top of the row's first word
    for top, same in groupby(sorted(words, key=_TOP_X0), key=_TOP):  # words of one top decide alike
        if row and abs(first - top) <= tolerance:
            row += same
        else:
            row, first = list(same), top
            rows.append(row)
    fonts: dict[str, tuple[bool, str]] = {}  # a page has few fonts: name -> (bold, name without tag)
    return [_make_line(sorted(row, key=_WORD_X0), page_number, fonts) for row in rows]


def line_stretches(pieces: Sequence[tuple[int, float, float]], size: float) -> tuple[tuple[int, float], ...]:
    """(offset, x0) of each stretch of a line's pieces (length, x0, x1; joined by one space) that
    starts after a gap wider than the font size: the cells of a table drawn without rules."""
    out: list[tuple[int, float]] = []
    offset = 0
    previous_end = None
    for length, x0, x1 in pieces:
        if previous_end is not None and x0 - previous_end > max(size, 1.0):
            if not out:
                out.append((0, round(pieces[0][1], 2)))
            out.append((offset, round(x0, 2)))
        offset += length + 1
        previous_end = x1
    return tuple(out)


def style_line(
    texts: Sequence[str], fontnames: Sequence[str], fonts: dict[str, tuple[bool, str]]
) -> tuple[str, str, bool, int]:
    """A line's text, font, boldness and bold prefix from its pieces (words, or runs of words) and their fonts.

    The font is the first of the most frequent by words; `fonts` caches (bold, name without subset tag).
    """
    for name in set(fontnames).difference(fonts):
        fonts[name] = (is_bold_font(name), strip_subset_tag(name))
    text = " ".join(texts)
    if fontnames.count(fontnames[0]) == len(fontnames):  # one font, the commonest line
        bold, fontname = fonts[fontnames[0]]
        return text, fontname, bold, len(text) if bold else 0
    styles = [fonts[name] for name in fontnames]
    prefix = 0
    for piece, (bold, _) in zip(texts, styles, strict=True):
        if not bold:
            break
        prefix += len(piece) + 1
    counts: Counter[str] = Counter()
    for piece, (_, plain) in zip(texts, styles, strict=True):
        counts[plain] += piece.count(" ") + 1  # its words
    most = max(counts.values())
    fontname = next(plain for _, plain in styles if counts[plain] == most)
    return text, fontname, all(bold for bold, _ in styles), min(prefix, len(text))


def _cluster(items: list[Item], key: int, tolerance: float) -> list[list[Item]]:
    # Distinct values sorted and chained: a value within `tolerance` of the previous one joins its
    # cluster. Items keep their order inside a cluster.
    values = sorted({item[key] for item in items})
    index: dict[float, int] = {}
    cluster = 0
    last = values[0]
    for value in values:
        if value > last + tolerance:
            cluster += 1
        index[value] = cluster
        last = value
    rows: list[list[Item]] = [[] for _ in range(cluster + 1)]
    for item in items:
        rows[index[item[key]]].append(item)
    return [row for row in rows if row]


def _along(row: list[Item]) -> list[Item]:
    """The row sorted along the line; InterleavedItems if another item sorts into a piece.

    Glyph by glyph, anything starting at or before a piece's last character would sort inside
    it, so the piece no longer stands for its characters: the caller groups the page glyph by
    glyph instead (`place.expand_items`). That is rare (no fixture or benchmark page has it), so
    a piece is never cut here in a second way that would have to stay equal to `_split_piece`.
    """
    line = sorted(row, key=_X0)
    for a, b in zip(line, line[1:], strict=False):
        if b[1] <= a[8] and len(a[0]) > 1:
            raise InterleavedItems
    return line


def _split_row(
    row: list[Item],
    words: list[dict[str, Any]],
    start: int,
    last_start: int,
    end: int,
    across: int,
    gap: float,
    drift: float,
) -> None:
    # `start`/`end` index an item's extent along the line, `last_start` where its last character
    # starts (a new word begins behind it), `across` its position across the line
    current: list[Item] = []
    for item in row:
        if item[0].isspace():
            if current:
                words.append(_make_word(current))
                current = []
        elif " " in item[0]:  # a piece of several words (upright: rotated glyphs are never pieced)
            current = _split_piece(item, current, words, gap, drift)
        elif current and (
            item[start] < current[-1][last_start]
            or item[start] > current[-1][end] + gap
            or abs(item[across] - current[-1][across]) > drift
        ):
            words.append(_make_word(current))
            current = [item]
        else:
            current.append(item)
    if current:
        words.append(_make_word(current))


def _split_piece(
    piece: Item, current: list[Item], words: list[dict[str, Any]], gap: float, drift: float
) -> list[Item]:
    """The words of a piece as its words and blanks would give them; returns the word left open.

    The first word may continue `current`, the last may be continued by the next item; those
    between are words of their own.
    """
    text, _, _, top, bottom, fontname, size, _, _, (origin, offsets, advances) = piece
    parts = text.split(" ")
    first = parts[0]
    if first and not first.isspace():
        last = offsets[len(first) - 1] + origin
        item = (first, offsets[0] + origin, advances[first[-1]] + last, top, bottom, fontname, size, True, last, None)
        if current and (
            item[1] < current[-1][8] or item[1] > current[-1][2] + gap or abs(top - current[-1][3]) > drift
        ):
            words.append(_make_word(current))
            current = [item]
        else:
            current.append(item)
    if current:  # a blank follows the first word
        words.append(_make_word(current))
    plain = text.isascii()  # no ligature to expand
    middle = parts[1:-1]
    begins = accumulate([len(part) + 1 for part in middle], initial=len(first) + 1)
    words += [
        {
            "text": part if plain else part.translate(_EXPAND),
            "x0": offsets[begin] + origin,
            "x1": advances[part[-1]] + (offsets[begin + len(part) - 1] + origin),
            "top": top,
            "bottom": bottom,
            "fontname": fontname,
            "size": size,
        }
        for part, begin in zip(middle, begins, strict=False)
        if part and not part.isspace()
    ]
    part = parts[-1]
    if not part or part.isspace():
        return []
    begin, last = len(text) - len(part), offsets[len(text) - 1] + origin
    return [(part, offsets[begin] + origin, advances[part[-1]] + last, top, bottom, fontname, size, True, last, None)]


def _make_word(items: list[Item]) -> dict[str, Any]:
    first = items[0]
    if len(items) == 1:
        return {
            "text": first[0].translate(_EXPAND),
            "x0": first[1],
            "x1": first[2],
            "top": first[3],
            "bottom": first[4],
            "fontname": first[5],
            "size": first[6],
        }
    return {
        "text": "".join([item[0] for item in items]).translate(_EXPAND),
        "x0": min([item[1] for item in items]),
        "x1": max([item[2] for item in items]),
        "top": min([item[3] for item in items]),
        "bottom": max([item[4] for item in items]),
        "fontname": first[5],
        "size": first[6],
    }


def _centre_inside(word: Mapping[str, Any], box: Box) -> bool:
    x0, top, x1, bottom = box
    mid_x = (word["x0"] + word["x1"]) / 2
    mid_y = (word["top"] + word["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def _make_line(row: list[Mapping[str, Any]], page_number: int, fonts: dict[str, tuple[bool, str]]) -> Line:
    text, fontname, bold, prefix = style_line(list(map(_TEXT, row)), list(map(_FONTNAME, row)), fonts)
    return Line(
        stretches=line_stretches([(len(_TEXT(w)), w["x0"], _X1(w)) for w in row], float(_SIZE(row[0]))),
        text=text,
        page=page_number,
        x0=round(row[0]["x0"], 2),  # the row is sorted by x0
        x1=round(max(map(_X1, row)), 2),
        top=round(min(map(_TOP, row)), 2),
        bottom=round(max(map(_BOTTOM, row)), 2),
        fontname=fontname,
        size=round(max(map(float, map(_SIZE, row))), 2),
        bold=bold,
        bold_prefix=prefix,
    )
