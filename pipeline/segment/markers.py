"""List markers at the start of a line: numbers, letters, roman numerals and bullets.

Word processors write a bullet as a glyph of a symbol font (U+F0B7 from Symbol, `o` in Courier
New, `§` in Wingdings) followed by a tab; the reader gives the tab as a space. A marker is only a
marker when text follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class MarkerStyle(StrEnum):
    """How an item of a list is marked; items of one list share a style."""

    NUMBER = "number"  # 1.  1)  (1)
    LETTER = "letter"  # a.  a)  (a)
    ROMAN = "roman"  # i.  I.  iv)
    BULLET = "bullet"  # •  –  -  *  ▪  U+F0B7  o  §


@dataclass(frozen=True)
class Marker:
    style: MarkerStyle
    label: str  # "12", "b", "iv", "•"
    rest: str  # the line's text after the marker


# private-use glyphs of Symbol/Wingdings bullets, the bullets Unicode has, and a glyph a reader could not
# map to text (NUL, U+FFFD: a symbol font without a ToUnicode map)
_BULLETS = "•◦‣⁃∙·▪▫■□●○◆◇►▸➢➤✓✔–—\\-*\uf0b7\uf0a7\uf0a8\uf0d8\uf076\uf0fc\uf0e0\uf02d\x00\ufffd"
_NUMBER = re.compile(r"^(?:\((\d{1,3})\)|(\d{1,3})[.)](?!\d))\s+(?=\S)")
_ROMAN = re.compile(r"^\(?((?=[ivxlc]+[.)])[ivxlc]{1,6}|(?=[IVXLC]+[.)])[IVXLC]{1,6})[.)]\s+(?=\S)")
_LETTER = re.compile(r"^(?:\(([a-zA-Z])\)|([a-zA-Z])[.)])\s+(?=\S)")
_BULLET = re.compile(rf"^([{_BULLETS}]|[o§](?=\s))\s*(?=\S)")


def find_marker(text: str) -> Marker | None:
    """The list marker a line starts with, if any ("3) Gent: …" -> number 3)."""
    stripped = text.lstrip()
    if not stripped:
        return None
    if match := _NUMBER.match(stripped):
        return Marker(MarkerStyle.NUMBER, match.group(1) or match.group(2), stripped[match.end():])
    # "i." and "v." are roman numerals unless the list around says letters: the caller compares styles
    if match := _ROMAN.match(stripped):
        return Marker(MarkerStyle.ROMAN, match.group(1), stripped[match.end():])
    if match := _LETTER.match(stripped):
        return Marker(MarkerStyle.LETTER, match.group(1) or match.group(2), stripped[match.end():])
    if match := _BULLET.match(stripped):
        rest = stripped[match.end():]
        # "- 5 %" or "–" alone is no item; a dash bullet needs a space after it ("-Gent" is a word)
        if match.group(1) in "–—-" and not stripped[1:2].isspace():
            return None
        return Marker(MarkerStyle.BULLET, match.group(1), rest)
    return None


def same_list(first: Marker, other: Marker) -> bool:
    """Whether two markers can be items of one list (a letter list may run into "i." as a letter)."""
    if first.style == other.style:
        return first.style != MarkerStyle.BULLET or first.label == other.label
    letters = {MarkerStyle.LETTER, MarkerStyle.ROMAN}
    return first.style in letters and other.style in letters and len(other.label) == 1
