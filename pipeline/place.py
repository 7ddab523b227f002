"""Glyph placement for a reader that knows each glyph's origin but not its advance width.

PDFium reports where a glyph starts and a loose box that spans the advance united with the ink;
the reference engine ends a glyph at its advance. This module learns advances per font and
character from the document itself, redoes PDFium's 32-bit sums of positions in 64 bits, and
turns the runs of one text object into glyph items for `lines.group_words`.

Several characters of one text object whose advances are all known travel as one item (a
"piece", see `lines.Item`), carrying where its sum of advances started for `expand_items`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from pipeline.lines import Glyph, Item

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
    ("p", text, first origin, last origin) for a piece of several glyphs of known advances, or
    ("r", char, x0, x1, top, bottom) for a rotated glyph, boxed by PDFium alone."""

    position: int  # of the text object in the content stream; -1 if unknown
    style: RunStyle
    entries: list[tuple]


@dataclass
class Widths:
    """Advances per font and character, learnt over a whole document."""

    exact: dict[str, dict[str, float]] = field(default_factory=dict)  # in 1/1000 em, like a font's widths
    exact_keys: set[tuple[str, str]] = field(default_factory=set)  # (font, char) seen end exactly

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


def place_run(run: Run, widths: Widths, chain: Chain | None) -> tuple[list[Item], Chain | None]:
    """The run's items, each from its origin to the end of its advance as the reference engine sees it.

    `chain` is where the previous run of the page ended; a run that starts there continues it,
    so positions are summed in the reference engine's order (line origin plus running offset).
    """
    fontname, size, top, bottom, upright = run.style
    entries = run.entries
    if not upright:
        return [(e[1], e[2], e[3], e[4], e[5], fontname, size, False, e[2], None) for e in entries], None
    known = widths.known(fontname)
    placed: list[Item] = []
    last = len(entries) - 1
    for k, entry in enumerate(entries):
        kind, text, observed = entry[0], entry[1], entry[2]
        if chain is None or abs(chain[1] + chain[0] - observed) > _DRIFT:
            chain = (snap(observed), 0.0)  # spacing PDFium applied that the advances do not explain
        origin, offset = chain
        left = offset + origin
        if kind == "p":
            anchor = chain
            for char in text:
                start = offset + origin
                advance = known[char] * 0.001 * size
                offset += advance
            placed.append((text, left, advance + start, top, bottom, fontname, size, True, start, anchor))
            chain = (origin, offset)
            continue
        if (k and entries[k - 1][2] == observed) or (k < last and entries[k + 1][2] == observed):
            right = _ligature_end(entries, k, left)  # letters of one split ligature share an origin
            chain = (origin, right - origin)
        elif text in known:
            advance = known[text] * 0.001 * size
            right = advance + left
            chain = (origin, offset + advance)
        else:
            right = _end(entry, left, entries[k + 1][2] if k < last else None)
            chain = (origin, right - origin)
        placed.append((text, left, right, top, bottom, fontname, size, True, left, None))
    return placed, chain


def expand_items(items: list[Item], widths: Widths) -> list[Item]:
    """Pieces split into one item per character, placed exactly as `place_run` placed them."""
    glyphs: list[Item] = []
    for item in items:
        text, _, _, top, bottom, fontname, size, upright, _, anchor = item
        if anchor is None:
            glyphs.append(item)
            continue
        known = widths.known(fontname)
        origin, offset = anchor
        for char in text:
            left = offset + origin
            advance = known[char] * 0.001 * size
            offset += advance
            glyphs.append((char, left, advance + left, top, bottom, fontname, size, upright, left, None))
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
