"""The pypdfium2 reader's glyph step: a text page's characters to runs of entries per text object.

Per-glyph Python work is what this step avoids. PDFium is asked which blanks it generated, and
which text objects the ends of the segments between them belong to, so the page falls into
stretches of one text object. A stretch whose characters all have known advances, and whose
blanks and ends lie where those advances lead, is one piece, however many words it holds: an
origin call per word instead of several calls per glyph. One with spacing between its words
(word spacing, kerning) has the origin of each token read, and the sum starts again where the
spacing is. Words with spacing inside, or with glyphs of unknown advance, are read glyph by
glyph (with a loose box where the advance is unknown, so that `place` learns it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

import pypdfium2.raw as pdfium

from pipeline.read.pdfium.place import Run, Widths, append_entry
from pipeline.read.pdfium.text import BLANKS, TokenReader, is_generated, page_text, text_object_at

_BLANK = re.compile(r"[ \r\n]")
_TOKEN = re.compile(r"[ \r\n]|[^ \r\n]+")  # blanks one by one, other characters in runs
_NEWLINES = frozenset("\r\n")  # never inside a piece: only " " parts its words
# Points: a stretch whose origins are this far from the advances is read token by token; the
# origins inside its words go unseen, as they do for a word read as one piece.
_STRETCH_DRIFT = 2e-4


def read_runs(textpage: Any, order: dict[int, int], height: float, widths: Widths) -> list[Run]:
    """The page's glyphs as runs of entries per text object, in content-stream order."""
    count = pdfium.FPDFText_CountChars(textpage)
    if count <= 0:
        return []
    text = page_text(textpage, count).replace("\x02", "-").replace("\ufffe", "-")  # PDFium's marks of a hyphen
    reader = _PageReader(textpage, text, order, height, widths)
    reader.read()
    runs = reader.runs
    if all(run.position >= 0 for run in runs):
        # PDFium sorts the text objects of a line by x; the reference engine keeps the stream order
        runs.sort(key=lambda run: run.position)
    return runs


class _PageReader(TokenReader):
    """Entries of one text page, in stretches as long as they hold; `read` fills `runs`."""

    def read(self) -> None:
        """Segments between generated blanks, each in stretches of one text object."""
        text, page = self.text, self.page
        blanks = [match.start() for match in _BLANK.finditer(text)]
        start = first = 0
        for k in [k for k, index in enumerate(blanks) if is_generated(page, index)]:
            if start < blanks[k]:
                self._segment(start, blanks[k], blanks[first:k])
            start, first = blanks[k] + 1, k + 1
        if start < len(text):
            self._segment(start, len(text), blanks[first:])

    def _segment(self, a: int, b: int, blanks: list[int]) -> None:
        # A text object's glyphs come one after the other, so a segment (no generated blank in
        # it) that starts and ends in one object is that object's alone: the commonest case.
        page = self.page
        head, tail = text_object_at(page, a), text_object_at(page, b - 1)
        if head == tail:
            if head != self.handle:
                self.switch(head, a)
            if blanks:
                self._span(a, b)
            else:  # one word
                self.token(a, b)
            return
        owners = [text_object_at(page, index) for index in blanks]
        for start, stop, owner in self._parts(a, b, blanks, owners, head, tail):
            if owner is None:
                self._across(start, stop)
            elif start < stop:
                self.switch(owner, start)
                self._span(start, stop)

    def _parts(
        self, a: int, b: int, blanks: list[int], owners: list[int], head: int, tail: int
    ) -> list[tuple[int, int, int | None]]:
        """A segment of several text objects in stretches of one object each (None: a word across
        objects). The object changes only where two blanks' owners differ, or at either end."""
        page = self.page
        if not blanks:
            return [(a, b, None)]
        parts: list[tuple[int, int, int | None]] = []
        start = a
        if a < blanks[0] and head != owners[0]:  # a first word of another object
            start = blanks[0]
            parts.append((a, start, head if text_object_at(page, start - 1) == head else None))
        for k in range(1, len(blanks)):
            if owners[k] == owners[k - 1]:
                continue
            low, high = blanks[k - 1] + 1, blanks[k]  # the word between the two blanks, if any
            first, last = (text_object_at(page, low), text_object_at(page, high - 1)) if low < high else (0, 0)
            if low == high or first == last == owners[k - 1]:
                parts.append((start, high, owners[k - 1]))
            elif first == last == owners[k]:
                parts.append((start, low, owners[k - 1]))
                high = low
            else:
                parts += [(start, low, owners[k - 1]), (low, high, first if first == last else None)]
            start = high
        if blanks[-1] + 1 < b and tail != owners[-1]:  # a last word of another object
            low = blanks[-1] + 1
            parts += [(start, low, owners[-1]), (low, b, tail if text_object_at(page, low) == tail else None)]
        else:
            parts.append((start, b, owners[-1]))
        return parts

    def _across(self, start: int, stop: int) -> None:
        """A word across text objects: glyph by glyph, each object's glyphs (found by halving) in its run."""
        page = self.page
        while start < stop:
            owner, end = text_object_at(page, start), stop
            if text_object_at(page, stop - 1) != owner:
                low, end = start + 1, stop - 1  # the first glyph of another object lies in [low, end]
                while low < end:
                    middle = (low + end) // 2
                    low, end = (middle + 1, end) if text_object_at(page, middle) == owner else (low, middle)
            self.switch(owner, start)
            self.add(start, end)
            start = end

    def _span(self, a: int, b: int) -> None:
        """Glyphs [a, b) of the current object: stretches of known advances as pieces, the rest token by token."""
        text, known = self.text, self.known
        if not self.run.style.upright:
            while a < b:
                a = self.token(a, b)
            return
        if self._stretch(a, b):
            return
        # glyphs of unknown advance (or real line breaks): the stretch before each one's word, then
        # that word token by token; a glyph learnt in the meantime is no longer in the way
        odd = {char for char in set(text[a:b]) if char not in known or char in _NEWLINES}
        for bad in sorted(index for char in odd for index in _find_all(text, char, a, b)):
            if bad < a or (text[bad] in known and text[bad] not in _NEWLINES):
                continue
            start = bad if text[bad] in BLANKS else max(a, text.rfind(" ", a, bad) + 1)
            if start > a:
                self._stretch(a, start)
            a = self.token(start, b)
        while a < b and not self._stretch(a, b):
            a = self.token(a, b)

    def _stretch(self, a: int, b: int) -> bool:
        """Tokens of known advances: one piece when the origins of its blanks and ends are where the
        advances lead (kerning inside a word moves all that follow). False, with nothing read, where
        a glyph's advance is unknown (or a line break is real)."""
        text, known = self.text, self.known
        piece = text[a:b]
        if piece[-1] not in known or "\r" in piece or "\n" in piece:
            return False
        try:
            sums = list(accumulate(map(known.__getitem__, piece), initial=0))
        except KeyError:
            return False
        if b - a == 1 or " " not in piece or self.backward(piece):
            while a < b:  # one token; or glyphs that do not move forward, which never make one piece
                a = self.token(a, b)
            return True
        points = list(_find_all(text, " ", a, b))
        if points[0] != a:
            points.insert(0, a)
        if points[-1] != b - 1:
            points.append(b - 1)
        origins = self.origins(points)
        size = self.run.style.size
        drifts = [origin - sums[point - a] * 0.001 * size for origin, point in zip(origins, points, strict=True)]
        if max(drifts) - drifts[0] <= _STRETCH_DRIFT and drifts[0] - min(drifts) <= _STRETCH_DRIFT:
            append_entry(self.run, ("p", piece, origins[0], origins[-1]), self.widths)
        else:  # spacing somewhere (word spacing, kerning), or PDFium's sums strayed
            self._scan(a, b, sums, dict(zip(points, origins, strict=True)))
        return True

    def _scan(self, a: int, b: int, sums: list[float], seen: dict[int, float]) -> None:
        """Tokens of known advances with spacing between them (word spacing, kerning): the origin
        of each is read, and the sum starts again behind a blank or glyph followed by spacing. A
        word with spacing inside or behind it is read on its own."""
        size = self.run.style.size
        starts = [match.start() for match in _TOKEN.finditer(self.text, a, b)]
        unseen = [start for start in starts if start not in seen]
        seen.update(zip(unseen, self.origins(unseen), strict=True))
        origins = [seen[start] for start in starts]
        drifts = [origin - sums[start - a] * 0.001 * size for origin, start in zip(origins, starts, strict=True)]
        first, base, restarts = 0, drifts[0], []  # first token, drift and restarts of the current piece
        for j in range(1, len(starts)):
            if abs(drifts[j] - base) <= _STRETCH_DRIFT:
                continue
            if starts[j] - starts[j - 1] == 1:
                restarts.append((starts[j] - starts[first], origins[j]))
            else:
                if first < j - 1:
                    self._piece(starts[first], starts[j - 1], restarts, seen)
                self.token(starts[j - 1], b)
                first, restarts = j, []
            base = drifts[j]
        last = starts[-1]
        if b - last > 1 and b - 1 not in seen:
            seen[b - 1] = self.origins((b - 1,))[0]
        if b - last > 1 and abs(seen[b - 1] - sums[b - 1 - a] * 0.001 * size - base) > _STRETCH_DRIFT:
            if first < len(starts) - 1:
                self._piece(starts[first], last, restarts, seen)
            self.token(last, b)
        else:
            self._piece(starts[first], b, restarts, seen)

    def _piece(self, a: int, b: int, restarts: list[tuple[int, float]], seen: dict[int, float]) -> None:
        """Tokens [a, b) found where their advances (and restarts) lead: one entry."""
        text = self.text
        if b - a == 1 or " " not in text[a:b]:
            self.token(a, b)  # one token: checked as it always is
            return
        restarts = [restart for restart in restarts if restart[0] < b - a]
        tail = seen[b - 1] if b - 1 in seen else self.origins((b - 1,))[0]
        entry = ("p", text[a:b], seen[a], tail)
        append_entry(self.run, (*entry, tuple(restarts)) if restarts else entry, self.widths)


def _find_all(text: str, char: str, a: int, b: int) -> Iterator[int]:
    index = text.find(char, a, b)
    while index >= 0:
        yield index
        index = text.find(char, index + 1, b)
