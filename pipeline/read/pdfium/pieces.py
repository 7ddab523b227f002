"""The pypdfium2 reader's fast path: a text page to pieces, with a few PDFium calls per text object.

A piece is what one text object shows between PDFium's generated blanks (its line breaks and
the spaces it adds at gaps): words and the spaces between them. The font's advances (PDFium's
own, `FPDFFont_GetGlyphWidth`) and the object's word spacing put every glyph; the origins of the
first glyph, the first and the last space, the word behind the last space and the last glyph
are read to confirm that. Kerning or character spacing inside a word would move one of them, so
a confirmed piece has no gap inside a word and its words are cut at its spaces, as the reference
engine cuts them. A piece that is not where the advances put it is read glyph by glyph and cut
at gaps wider than the word gap. Glyphs that go backwards (the reference sorts them among each
other), text that is not upright and real line breaks leave the page to the exact reader
(`Fallback`), as `assemble` does with pieces that would sort into each other.
"""

from __future__ import annotations

import ctypes
import re
from typing import Any, NamedTuple

from pipeline.read.lines import DrawnPath, Glyph
from pipeline.read.pdfium.place import RunStyle, snap
from pipeline.read.pdfium.text import Styles, char_origin, glyph_width, is_generated, loose_box, rect, text_object_at

_BREAK = re.compile(r"\r\n|[\r\n]")
# Points: PDFium's 32-bit positions stray less than this from the advances; kerning this small
# moves no word (the word gap is 2 points).
_TOLERANCE = 0.01


class Fallback(Exception):
    """The page holds what the fast path does not read as the reference does: read it exactly."""


class Piece(NamedTuple):
    """Glyphs of one text object that follow each other, or one blank (text " ", a word break)."""

    text: str  # no blank at either end, unless it is one blank
    x0: float  # where the first glyph starts
    x1: float  # where the last glyph's advance ends: a glyph of the same word starts within the gap of it
    top: float
    bottom: float
    right: float  # the furthest end of a glyph: the x1 of the piece's words
    last: float  # where the last glyph starts
    fontname: str
    size: float
    key: tuple[int, int]  # content-stream position of the text object, index of the first glyph


class Advances:
    """Advances in 1/1000 em per font handle and character, as PDFium places glyphs: one document's."""

    def __init__(self) -> None:
        self.units: dict[int, dict[str, float]] = {}
        self.stalled: dict[int, set[str]] = {}  # characters of no advance (or one PDFium does not know)
        self._width = ctypes.c_float()
        self._width_ref = ctypes.c_void_p(ctypes.addressof(self._width))

    def learn(self, font: int, chars: set[str]) -> dict[str, float]:
        """The font's advances, those of `chars` among them."""
        units = self.units.setdefault(font, {})
        for char in chars.difference(units):
            # a character, not a glyph index: PDFium maps it to the font's code (FPDFFont_GetGlyphWidth)
            found = glyph_width(font, ord(char), 1000.0, self._width_ref)
            units[char] = self._width.value if found else 0.0
            if units[char] <= 0:
                self.stalled.setdefault(font, set()).add(char)
        return units


class PageReader:
    """One text page's pieces (`read`), and its glyphs near ruling lines (`glyphs_near`)."""

    def __init__(self, textpage: Any, text: str, order: dict[int, int], height: float, advances: Advances,
                 gap: float) -> None:  # fmt: skip
        self.text, self.order, self.advances, self.gap = text, order, advances, gap
        self.page = ctypes.c_void_p(ctypes.cast(textpage, ctypes.c_void_p).value)
        self.styles = Styles(textpage, height)
        self.pieces: list[Piece] = []
        # each text object's stretches: the object, its first and stop index, its first and stop piece
        self.stretches: list[tuple[int, int, int, int, int]] = []
        self._objects: dict[int, tuple[RunStyle, int | None, float, int]] = {}  # style, font, scale, position
        self._x, self._y, self._box = ctypes.c_double(), ctypes.c_double(), rect()
        self._x_ref = ctypes.c_void_p(ctypes.addressof(self._x))
        self._y_ref = ctypes.c_void_p(ctypes.addressof(self._y))
        self._box_ref = ctypes.c_void_p(ctypes.addressof(self._box))

    def read(self) -> list[Piece]:
        """The page's pieces in content-stream order."""
        text, page, start = self.text, self.page, 0
        for match in _BREAK.finditer(text):
            if not is_generated(page, match.start()):
                raise Fallback  # a line break inside a text object
            if start < match.start():
                self._segment(start, match.start())
            start = match.end()
        if start < len(text):
            self._segment(start, len(text))
        if all(piece.key[0] >= 0 for piece in self.pieces):
            # PDFium sorts the text objects of a line by x; the reference keeps the stream order
            return sorted(self.pieces, key=_KEY)
        return list(self.pieces)

    def glyphs_near(self, paths: list[DrawnPath]) -> list[Glyph]:
        """The glyphs (blanks included) of every text object that reaches into the box of all paths:
        a ruled table lies in it. Read glyph by glyph, as they are few."""
        xs = [x for _, points in paths for x, _ in points]
        tops = [top for _, points in paths for _, top in points]
        left, right, top, bottom = min(xs) - 1, max(xs) + 1, min(tops) - 1, max(tops) + 1
        text, page, pieces, glyphs = self.text, self.page, self.pieces, []
        for handle, start, stop, first, end in sorted(self.stretches, key=lambda s: (self.order.get(s[0], -1), s[1])):
            style, font, scale, _ = self._objects[handle]
            placed = pieces[first:end]
            if (max(p.right for p in placed) < left or min(p.x0 for p in placed) > right
                    or style.bottom < top or style.top > bottom):  # fmt: skip
                continue
            units = self.advances.learn(font, set(text[start:stop])) if font else {}
            for index in range(start, stop):
                char = text[index]
                if not (char.isspace() and is_generated(page, index)):
                    x, end_x = self._glyph(index, units.get(char, 0.0) * scale)
                    glyphs.append((char, x, end_x, style.top, style.bottom, style.fontname, style.size, True))
        return glyphs

    def _segment(self, a: int, b: int) -> None:
        """Characters between two line breaks: stretches of one text object each (an object's
        glyphs come one after the other; the first of another is found by halving)."""
        page = self.page
        owner = text_object_at(page, a)
        if owner and owner == text_object_at(page, b - 1):
            self._object(owner, a, b)
            return
        while a < b:
            owner, end = text_object_at(page, a), b
            if not owner:  # a space PDFium added between objects: no object of its own, one at a time
                end = a + 1
            elif text_object_at(page, b - 1) != owner:
                low, end = a + 1, b - 1  # the first character of another object lies in [low, end]
                while low < end:
                    middle = (low + end) // 2
                    low, end = (middle + 1, end) if text_object_at(page, middle) == owner else (low, middle)
            self._object(owner, a, end)
            a = end

    def _object(self, handle: int | None, start: int, stop: int) -> None:
        """One text object's stretch: a piece between the blanks at either end, which break words."""
        text, page = self.text, self.page
        a, b = start, stop
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        # PDFium's generated spaces are no glyphs of the reference; real blanks at the ends break words
        ends = (*range(start, a), *range(b, stop)) if a > start or b < stop else ()
        blanks = [index for index in ends if not is_generated(page, index)]
        if not (blanks or a < b):
            return
        if not handle:
            raise Fallback  # PDFium names no text object for glyphs of the page
        known = self._objects.get(handle)
        if known is None:
            style = self.styles.of(a if a < b else blanks[0], handle)
            if not style.upright:
                raise Fallback
            known = self._objects[handle] = (style, *self.styles.advance[handle], self.order.get(handle, -1))
        style, font, scale, position = known
        count = len(self.pieces)
        for index in blanks:
            self._blank(index, self._origin(index), style, position)
        if a < b:
            self._place(a, b, style, font, scale, position)
        self.stretches.append((handle, start, stop, count, len(self.pieces)))

    def _place(self, a: int, b: int, style: RunStyle, font: int | None, scale: float, position: int) -> None:
        """Glyphs [a, b) as one piece where the advances put them; else glyph by glyph."""
        piece, advances = self.text[a:b], self.advances
        units = advances.units.get(font) or advances.learn(font, set(piece)) if font else {}
        stalled = advances.stalled.get(font)
        if not font or (stalled and not stalled.isdisjoint(piece)):
            self._glyphs(a, b, style, position, units, scale)  # advances unknown, or glyphs that do not move on
            return
        get = units.__getitem__
        first, last = piece.find(" "), piece.rfind(" ")
        try:  # the sums look up every character: the last one and the last space too
            tail = get(piece[-1])
            if first < 0:  # one word
                to_end = sum(map(get, piece[:-1]))
            else:
                to_first = sum(map(get, piece[:first]))
                to_last = to_first + sum(map(get, piece[first:last]))
                within = sum(map(get, piece[last + 1 : -1]))  # the last word, up to its last glyph
                space = get(" ") * scale
        except KeyError:  # characters new to the font: learnt, and the piece is placed again
            advances.learn(font, set(piece))
            self._place(a, b, style, font, scale, position)
            return
        page, x, x_ref, y_ref, tolerance = self.page, self._x, self._x_ref, self._y_ref, _TOLERANCE
        char_origin(page, a, x_ref, y_ref)
        head = x.value
        char_origin(page, b - 1, x_ref, y_ref)
        end = x.value
        if first < 0:
            placed = abs(end - head - to_end * scale) <= tolerance
        else:
            char_origin(page, a + first, x_ref, y_ref)
            at_first = x.value
            char_origin(page, a + last, x_ref, y_ref)
            at_last = x.value
            char_origin(page, a + last + 1, x_ref, y_ref)
            spacing = x.value - at_last - space  # word (and character) spacing behind a space
            placed = (
                abs(at_first - head - to_first * scale) <= tolerance
                and abs(at_last - head - to_last * scale - spacing * piece.count(" ", 0, last)) <= tolerance
                and abs(end - x.value - within * scale) <= tolerance
            )
            if placed and space + spacing <= self.gap + tolerance:
                # a space no wider than the word gap: one PDFium generated would not part the words
                placed = not any(is_generated(page, a + i) for i in range(first, last + 1) if piece[i] == " ")
        if not placed:
            self._glyphs(a, b, style, position, units, scale)
            return
        x1 = end + tail * scale
        self.pieces.append(
            Piece(piece, snap(head), x1, style.top, style.bottom, x1, end, style.fontname, style.size, (position, a))
        )

    def _glyphs(self, a: int, b: int, style: RunStyle, position: int, units: dict[str, float], scale: float) -> None:
        """Glyphs [a, b) one by one, in pieces parted where a gap is wider than the word gap."""
        text, page, gap = self.text, self.page, self.gap
        glyphs = [
            (index, *self._glyph(index, units.get(text[index], 0.0) * scale))
            for index in range(a, b)
            if not (text[index] == " " and is_generated(page, index))
        ]
        for k in range(1, len(glyphs)):
            if glyphs[k][1] == glyphs[k - 1][1]:  # letters of a split ligature: each spans the whole glyph
                for j in (k - 1, k):
                    loose_box(page, glyphs[j][0], self._box_ref)
                    glyphs[j] = (glyphs[j][0], glyphs[j][1], self._box.right)
        start = 0
        for k in range(1, len(glyphs) + 1):
            if k < len(glyphs) and glyphs[k][1] < glyphs[k - 1][1]:
                raise Fallback  # backwards: the reference sorts these glyphs among each other
            if k == len(glyphs) or glyphs[k][1] > glyphs[k - 1][2] + gap:
                self._part(glyphs[start:k], style, position)
                start = k

    def _part(self, glyphs: list[tuple[int, float, float]], style: RunStyle, position: int) -> None:
        text, fontname, size, top, bottom = self.text, style.fontname, style.size, style.top, style.bottom
        a, b = 0, len(glyphs)
        while a < b and text[glyphs[a][0]].isspace():
            a += 1
        while b > a and text[glyphs[b - 1][0]].isspace():
            b -= 1
        for index, x, _ in (*glyphs[:a], *glyphs[b:]):
            self._blank(index, x, style, position)
        if a < b:
            inner = glyphs[a:b]
            (first, x0, _), (_, last, x1) = inner[0], inner[-1]
            right = max(end for index, _, end in inner if not text[index].isspace())
            piece = "".join(text[index] for index, _, _ in inner)
            self.pieces.append(Piece(piece, x0, x1, top, bottom, right, last, fontname, size, (position, first)))

    def _blank(self, index: int, x: float, style: RunStyle, position: int) -> None:
        top, bottom = style.top, style.bottom
        self.pieces.append(Piece(" ", x, x, top, bottom, x, x, style.fontname, style.size, (position, index)))

    def _glyph(self, index: int, advance: float) -> tuple[float, float]:
        """Where the glyph starts and ends: its advance, or its loose box where the advance is unknown."""
        x = self._origin(index)
        if advance > 0:
            return x, x + advance
        loose_box(self.page, index, self._box_ref)
        return x, self._box.right

    def _origin(self, index: int) -> float:
        char_origin(self.page, index, self._x_ref, self._y_ref)
        return self._x.value


def _KEY(piece: Piece) -> tuple[int, int]:  # noqa: N802 - a sort key, like the itemgetters of `lines`
    return piece.key
