"""Engine-neutral assembly of positioned words into the `Line` records every reader returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.records import Line

_BOLD_MARKERS = ("bold", "black", "heavy", "semibold", "demi")


def is_bold_font(fontname: str) -> bool:
    """Bold comes from the font's name ("Helvetica-Bold", "ABCDEF+Arial,Bold", "Calibri-Semibold")."""
    name = fontname.split("+", 1)[-1].lower()
    return any(marker in name for marker in _BOLD_MARKERS)


def group_lines(words: Iterable[Mapping[str, Any]], page_number: int, tolerance: float) -> list[Line]:
    """Group positioned words (text, x0, x1, top, bottom, fontname, size) into lines, top to bottom."""
    rows: list[list[Mapping[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= tolerance:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [_make_line(sorted(row, key=lambda w: w["x0"]), page_number) for row in rows]


def _make_line(row: list[Mapping[str, Any]], page_number: int) -> Line:
    text = " ".join(w["text"] for w in row)
    bold_flags = [is_bold_font(w["fontname"]) for w in row]
    prefix = 0
    for word, bold in zip(row, bold_flags):
        if not bold:
            break
        prefix += len(word["text"]) + 1
    fonts = [w["fontname"] for w in row]
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
