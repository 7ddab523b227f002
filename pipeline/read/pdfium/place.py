"""Glyph placement for a reader that knows each glyph's origin but not its advance width.

PDFium reports where a glyph starts and a loose box that spans the advance united with the ink;
the reference engine ends a glyph at its advance. This module learns advances per font and
character from the document itself, redoes PDFium's 32-bit sums of positions in 64 bits, and
turns the runs of one text object into glyph items for `lines.group_words`.

Characters of one text object that the running sum places one after the other travel as one
item (a "piece", see `lines.Item`; words and the blanks between them alike), carrying their
layout, so that words are cut from it and `expand_items` splits it into the reference's glyphs
without adding again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

from pipeline.read.lines import Glyph, Item

Chain = tuple[float, float]  # a line's origin and the running offset from it, added as the reference does
_EXACT = 0.001  # em: a loose box ending this close to the next glyph's origin ends at the advance
_DRIFT = 3e-4  # points: PDFium's 32-bit sums stray this far; a larger step is real spacing


class RunStyle(NamedTuple):
    """What every glyph of one text object shares."""

    fontname: str
    size: float
    top: float  # the reference engine's glyph box: descent below the baseline, one em high
    bottom: float
    upright: bool


class Run(NamedTuple):
    """The entries of one text object, in order. An entry is one of
    ("g", char, origin, loose end or None when the advance is known) for a glyph or blank,
    ("p", text, first origin, last origin[, restarts]) for a piece of several glyphs of known
    advances (words and the blanks between them), restarts being (index, origin) of its glyphs
    behind spacing (where the sum starts again as for a glyph of its own), or
    ("r", char, x0, x1, top, bottom) for a rotated glyph, boxed by PDFium alone."""

    position: int  # of the text object in the content stream; -1 if unknown
    style: RunStyle
    entries: list[tuple]


@dataclass
class Widths:
    """Advances per font and character, learnt over a whole document."""

    exact: dict[str, dict[str, float]] = field(default_factory=dict)  # in 1/1000 em, like a font's widths
    exact_keys: set[tuple[str, str]] = field(default_factory=set)  # (font, char) seen end exactly
    backward: set[tuple[str, str]] = field(default_factory=set)  # (font, char) of an advance of 0 or less

    def known(self, fontname: str) -> dict[str, float]:
        return self.exact.setdefault(fontname, {})


def append_entry(run: Run, entry: tuple, widths: Widths) -> None:
    """Add an entry to its run, learning the advance of the glyph before it from where this one starts.

    An advance is known where the glyph's loose box ends exactly at the next glyph's origin.
    Where the ink overhangs the advance, the widest step to a next glyph stands in until an exact
    one is seen (a kerned step is narrower, so the widest is the advance).
    """
    entries = run.entries
    if entries and entries[-1][0] == "g" and entries[-1][3] is not None and run.style.upright:
        _learn(entries, entry[2], widths, run.style)
    entries.append(entry)


def place_run(
    run: Run, widths: Widths, chain: Chain | None, scales: dict | None = None
) -> tuple[list[Item], Chain | None]:
    """The run's items, each from its origin to the end of its advance as the reference engine sees it.

    `chain` is where the previous run of the page ended; a run that starts there continues it,
    so positions are summed in the reference engine's order (line origin plus running offset).
    `scales` keeps advances in points per font and size for the caller's next runs; pass it only
    once every advance of the document is learnt.
    """
    fontname, size, top, bottom, upright = run.style
    entries = run.entries
    if not upright:
        return [(e[1], e[2], e[3], e[4], e[5], fontname, size, False, e[2], None) for e in entries], None
    known = widths.known(fontname)
    scale = (scales if scales is not None else {}).setdefault((fontname, size), {})
    if len(scale) < len(known):  # advances in points, as the reference computes them
        scale.update((char, units * 0.001 * size) for char, units in known.items())
    placed: list[Item] = []
    # every run, a lone piece (the commonest) too, is summed by `_Span`: one way to place characters
    span = _Span(run.style, scale, placed)
    last = len(entries) - 1
    for k, entry in enumerate(entries):
        kind, text, observed = entry[0], entry[1], entry[2]
        if kind == "p":
            begin = 0
            for end, following in entry[4] if len(entry) > 4 else ():  # where the sum may start again
                if chain is None or abs(chain[1] + chain[0] - observed) > _DRIFT:
                    chain = (snap(observed), 0.0)
                chain = span.add(text[begin:end], chain)
                begin, observed = end, following
            if chain is None or abs(chain[1] + chain[0] - observed) > _DRIFT:
                chain = (snap(observed), 0.0)
            chain = span.add(text[begin:] if begin else text, chain)
            continue
        if chain is None or abs(chain[1] + chain[0] - observed) > _DRIFT:
            chain = (snap(observed), 0.0)  # spacing PDFium applied that the advances do not explain
        origin, offset = chain
        left = offset + origin
        if (k and entries[k - 1][2] == observed) or (k < last and entries[k + 1][2] == observed):
            right = _ligature_end(entries, k, left)  # letters of one split ligature share an origin
            chain = (origin, right - origin)
        elif text in known and scale[text] > 0 and (text == " " or not text.isspace()):
            chain = span.add(text, chain)  # a glyph that the sum places: one item with its neighbours
            continue
        elif text in known:
            advance = known[text] * 0.001 * size
            right = advance + left
            chain = (origin, offset + advance)
        else:
            right = _end(entry, left, entries[k + 1][2] if k < last else None)
            chain = (origin, right - origin)
        span.close()
        placed.append((text, left, right, top, bottom, fontname, size, True, left, None))
    span.close()
    return placed, chain


class _Span:
    """Characters of one run that the running sum places one after the other: one item together.

    Equivalent to the reference's item per character for `lines.group_words` (see `lines.Item`),
    which refuses a piece that another item sorts into. Where the sum starts again
    (PDFium's origin is not where it leads), the span goes on only at a blank and forward, where
    items of their own would sort and split into words just as the one item does.
    """

    __slots__ = ("style", "scale", "placed", "texts", "segments", "sums", "chain", "last")

    def __init__(self, style: RunStyle, scale: dict[str, float], placed: list[Item]) -> None:
        self.style, self.scale, self.placed = style, scale, placed
        self.texts: list[str] = []
        self.segments: list[tuple[float, list[float]]] = []  # an origin and the running sum from it
        self.sums: list[float] = []  # the last segment's
        self.chain: Chain | None = None  # where the last character left the chain
        self.last = 0.0  # where the last character starts

    def add(self, text: str, chain: Chain) -> Chain:
        """Characters summed on from `chain`, in the reference's order; returns where they leave it."""
        origin, offset = chain
        if chain is not self.chain:
            texts = self.texts
            if texts and not (offset + origin > self.last and " " in (texts[-1][-1], text[0])):
                self.close()
            self.sums = [offset]
            self.segments.append((origin, self.sums))
        sums = self.sums
        if len(text) == 1:  # a glyph of its own: the commonest addition
            offset = offset + self.scale[text]
            sums.append(offset)
        else:
            sums.pop()
            sums += accumulate(map(self.scale.__getitem__, text), initial=offset)
            offset = sums[-1]
        self.last = sums[-2] + origin
        self.texts.append(text)
        self.chain = chain = (origin, offset)
        return chain

    def close(self) -> None:
        """The characters so far as one item; the span starts again empty."""
        texts, segments = self.texts, self.segments
        if not texts:
            return
        text = texts[0] if len(texts) == 1 else "".join(texts)
        if len(segments) == 1:
            origin, offsets = segments[0]
        else:  # several origins: each character's start itself, from an origin of 0
            origin, offsets = 0.0, []
            for base, sums in segments:
                offsets += map(base.__add__, sums)  # offset + origin, as for a glyph of its own
                offsets.pop()  # where the next character would start
        fontname, size, top, bottom, _ = self.style
        layout = (origin, offsets, self.scale) if len(text) > 1 else None
        start, right = self.last, self.scale[text[-1]] + self.last
        self.placed.append((text, offsets[0] + origin, right, top, bottom, fontname, size, True, start, layout))
        self.texts, self.segments, self.chain = [], [], None


def expand_items(items: list[Item]) -> list[Item]:
    """Pieces split into one item per character, placed exactly as `place_run` placed them."""
    glyphs: list[Item] = []
    for item in items:
        text, _, _, top, bottom, fontname, size, upright, _, layout = item
        if layout is None:
            glyphs.append(item)
            continue
        origin, offsets, scale = layout
        for char, offset in zip(text, offsets, strict=False):
            left = offset + origin
            glyphs.append((char, left, scale[char] + left, top, bottom, fontname, size, upright, left, None))
    return glyphs


def as_glyphs(items: list[Item]) -> list[Glyph]:
    """Items without the placement fields, for readers of plain glyphs (one character each)."""
    return [item[:8] for item in items]


def snap(value: float) -> float:
    """A 32-bit float back to the decimal it was read from (7 significant digits survive)."""
    return float(f"{value:.7g}")


def _learn(entries: list[tuple], following: float, widths: Widths, style: RunStyle) -> None:
    _, char, left, end = entries[-1]
    step = following - left
    if step == 0 or (len(entries) > 1 and entries[-2][2] == left) or style.size <= 0:
        return  # letters of a split ligature share one origin: no advance of their own
    exact = abs(following - end) <= _EXACT * style.size
    key = (style.fontname, char)
    if exact or (0 < step < end - left and key not in widths.exact_keys):
        units = _units(step / style.size * 1000)
        known = widths.known(style.fontname)
        if exact:
            widths.exact_keys.add(key)
            known[char] = units
        else:
            known[char] = max(known.get(char, 0.0), units)
        if known[char] > 0:
            widths.backward.discard(key)
        else:  # kept apart: glyphs that do not move forward are never read as one piece
            widths.backward.add(key)


def _ligature_end(entries: list[tuple], k: int, left: float) -> float:
    """The end of a split ligature: the next glyph, or the loose box where the ink overhangs less."""
    origin = entries[k][2]
    j = k
    while j + 1 < len(entries) and entries[j + 1][2] == origin:
        j += 1
    end = entries[j][3] if entries[j][0] == "g" else None
    following = entries[j + 1][2] if j + 1 < len(entries) else None
    candidates = [value for value in (end, following) if value is not None]
    return min(candidates) if candidates else left


def _end(entry: tuple, left: float, following: float | None) -> float:
    """Where a glyph of unknown advance ends: the best its loose box and the next glyph tell."""
    end = entry[3]
    if end is None:  # cannot happen: an entry without a box had a known advance
        return left
    if following is not None and following < end:  # the ink overhangs: the next glyph ends it
        return following
    return end


def _units(units: float) -> float:
    # fonts give widths in whole units almost always; keep the reference engine's exact numbers
    whole = round(units)
    return float(whole) if abs(units - whole) < 0.05 else round(units, 3)
