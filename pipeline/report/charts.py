"""Charts of the report: horizontal bars laid out as numbers, which the report's template draws as SVG.

Each bar carries its label and its value as text, so a chart reads without colour (or without
the drawing at all: a screen reader gets the same text).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WIDTH = 760  # of the whole chart, in SVG units
LABEL_WIDTH = 250  # the labels' column, right-aligned against the bars
VALUE_ROOM = 120  # after the longest bar, for its value
ROW = 22  # height of one bar's row
BAR = 15  # height of a bar
TOP = 6
LABEL_CHARS = 38  # longer labels are cut, whole in the bar's tooltip
MISSING = "(none)"


@dataclass(frozen=True)
class Bar:
    """One bar: its label (cut to fit), the whole label, its value as text, and where it is drawn."""

    label: str
    full_label: str
    value: float
    text: str
    y: float  # top of the bar
    width: float  # of the bar, from x = LABEL_WIDTH


@dataclass(frozen=True)
class BarChart:
    """A titled chart of bars, its size and a note (what was left out)."""

    key: str
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int
    note: str = ""


def count_values(values: Iterable[str | None]) -> list[tuple[str, float]]:
    """(value, how often) for each distinct value, most frequent first, then by name; None counts as MISSING."""
    counts = Counter(MISSING if v is None or v == "" else v for v in values)
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def sum_values(pairs: Iterable[tuple[str | None, float | None]]) -> list[tuple[str, float]]:
    """(key, sum of its values) for each key, largest first; missing values add nothing."""
    sums: dict[str, float] = {}
    for key, value in pairs:
        name = MISSING if key is None or key == "" else key
        sums[name] = sums.get(name, 0.0) + (value or 0.0)
    return sorted(sums.items(), key=lambda pair: (-pair[1], pair[0]))


def count_months(dates: Iterable[dt.date | None]) -> list[tuple[str, float]]:
    """(YYYY-MM, how many) for every month from the first date to the last, in order, empty months included."""
    counts = Counter((d.year, d.month) for d in dates if d is not None)
    if not counts:
        return []
    (year, month), last = min(counts), max(counts)
    months = []
    while (year, month) <= last:
        months.append((f"{year:04d}-{month:02d}", float(counts.get((year, month), 0))))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def build_chart(key: str, title: str, pairs: Sequence[tuple[str, float]], *, top: int | None = None,
                money: bool = False, note: str = "") -> BarChart:
    """A chart of `pairs` (label, value) in their order; only the first `top` when given, the rest named in the note."""
    shown = list(pairs[:top] if top else pairs)
    left_out = len(pairs) - len(shown)
    if left_out:
        note = "; ".join(filter(None, (f"the top {len(shown)} of {len(pairs)}; {left_out} more not shown", note)))
    largest = max((value for _, value in shown), default=0.0)
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = tuple(
        Bar(
            label=_cut(label),
            full_label=label,
            value=value,
            text=format_money(value) if money else format_count(value),
            y=TOP + index * ROW,
            width=round(room * value / largest, 2) if largest > 0 and value > 0 else 0.0,
        )
        for index, (label, value) in enumerate(shown)
    )
    return BarChart(key=key, title=title, bars=bars, width=WIDTH, height=TOP * 2 + ROW * len(bars),
                    label_width=LABEL_WIDTH, bar_height=BAR, note=note)


def format_count(value: float) -> str:
    """A count with thousands separated: 12,345."""
    return f"{round(value):,}"


def format_money(value: float | None) -> str:
    """Euros, whole: € 1,234,567 (empty for no value)."""
    return "" if value is None else f"€ {round(value):,}"


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
