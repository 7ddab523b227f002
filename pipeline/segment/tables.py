"""Tables of applications: a ruled or unruled table's rows to items, and tables drawn without rules
found by alignment (columns are where the lines' stretches start).

The readers mark where a line jumps across a wide gap (`Line.stretches`). A run of at least three
such lines whose stretches start at the same x positions is a table; its first line is the header,
repeated on a later page it is skipped, and a line that starts inside a column (a wrapped cell)
continues the cell of the row above. The rows become a `Table` per run, for `table_items`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.clean.layout import join_lines
from pipeline.model.document import Line, Paragraph, Table
from pipeline.model.kinds import ListRule, Status
from pipeline.model.records import ApplicationItem, HeadingBox
from pipeline.parse.values import parse_amount
from pipeline.segment.heads import parse_applicant

_ALIGN = 4.0  # points two column starts may differ by
_MIN_ROWS = 3  # header and two rows


@dataclass(frozen=True)
class UnruledTable:
    table: Table  # header first; its page is the first row's
    row_pages: tuple[int, ...]  # the page of each row after the header
    paragraphs: range  # the paragraphs of the section it covers
    row_boxes: tuple[HeadingBox, ...] = ()  # the first line of each row after the header


def find_unruled_tables(paragraphs: tuple[Paragraph, ...]) -> list[UnruledTable]:
    """Every table without rules in a section's paragraphs, in order."""
    lines = [(index, line) for index, para in enumerate(paragraphs) if para.table is None for line in para.lines]
    found = []
    start = 0
    while start < len(lines):
        table, end = _table_at(lines, start)
        if table is None:
            start += 1
            continue
        found.append(table)
        start = end
    return found


_PLACE_HEADER = re.compile(r"gemeente|stad|bestuur|lokaal|aanvrager|indiener|begunstigde", re.IGNORECASE)
_PROJECT_HEADER = re.compile(r"project|titel|naam", re.IGNORECASE)
_AREA_HEADER = re.compile(r"wijk|buurt|gebied", re.IGNORECASE)
_AMOUNT_HEADER = re.compile(r"subsidie|bedrag|budget|euro|€|toegekend", re.IGNORECASE)
_TOTAL = re.compile(r"^\s*(?:totaal|total|som|algemeen\s+totaal)\b", re.IGNORECASE)


def table_items(
    table: Table,
    is_place: Callable[[str], bool],
    rule: ListRule = ListRule.TABLE_RULED,
    row_pages: tuple[int, ...] = (),
    row_boxes: tuple[HeadingBox, ...] = (),
) -> list[ApplicationItem]:
    """Rows of a 'Stad/gemeente | Wijk | Project | Toegekende subsidie' table, totals excluded.

    `row_pages` gives each row's page when the table runs over several (an unruled one), `row_boxes`
    each row's first line (an unruled table's; a ruled one's rows have no line of their own here).
    """
    if len(table.rows) < 2:
        return []
    header = [cell or "" for cell in table.rows[0]]
    place_col = _column(header, _PLACE_HEADER)
    project_col = _column(header, _PROJECT_HEADER)
    if place_col is None or project_col is None:
        return []
    area_col = _column(header, _AREA_HEADER)
    amount_col = _column(header, _AMOUNT_HEADER, exclude={place_col, project_col})
    items = []
    for number, row in enumerate(table.rows[1:]):
        page = row_pages[number] if number < len(row_pages) else table.page
        cells = [join_lines((cell or "").splitlines()) for cell in row]
        place = cells[place_col] if place_col < len(cells) else ""
        if place and not is_place(place):
            # a narrow column may wrap a name inside a word: "Beveren-Kruibeke-Zwij" / "ndrecht"
            joined = "".join((row[place_col] or "").split())
            place = joined if is_place(joined) else place
        if not place or _TOTAL.match(place) or _TOTAL.match(cells[0]):
            continue
        applicant = parse_applicant(place, is_place)
        if applicant is None:
            continue
        budget = None
        if amount_col is not None and amount_col < len(cells) and cells[amount_col]:
            try:
                budget = parse_amount(cells[amount_col])
            except ValueError:
                budget = None
        items.append(
            ApplicationItem(
                item_number=0,
                printed_number=None,
                place=place if is_place(place) else (applicant.places[0] if applicant.places else ""),
                title=" ".join(cells[project_col].split()) if project_col < len(cells) else "",
                summary="",
                page_start=page,
                page_end=page,
                status=Status.ACCEPTED,
                budget_eur=budget,
                neighbourhood_hint=(
                    (cells[area_col].strip() or None) if area_col is not None and area_col < len(cells) else None
                ),
                applicant=applicant.written,
                places=applicant.places,
                list_rule=rule,
                heading_box=row_boxes[number] if number < len(row_boxes) else None,
            )
        )
    return items


def _column(header: list[str], pattern: re.Pattern[str], exclude: set[int] = frozenset()) -> int | None:
    return next((i for i, cell in enumerate(header) if i not in exclude and pattern.search(cell)), None)


def _table_at(lines: list[tuple[int, Line]], start: int) -> tuple[UnruledTable | None, int]:
    """The table whose header is line `start`, and the index after its last line."""
    header = lines[start][1]
    columns = [x0 for _, x0 in header.stretches]
    if len(columns) < 2:
        return None, start + 1
    rows: list[list[str]] = [_cells(header, columns)]
    pages, boxes = [], []
    index = start + 1
    while index < len(lines):
        line = lines[index][1]
        if line.stretches and _aligned(line, columns):
            cells = _cells(line, columns)
            if cells != rows[0]:  # the header repeated on a new page is no row
                rows.append(cells)
                pages.append(line.page)
                boxes.append(HeadingBox(line.page, line.x0, line.top, line.x1, line.bottom))
        elif not line.stretches and len(rows) > 1 and (column := _column_of(line, columns)) is not None:
            rows[-1][column] = f"{rows[-1][column]}\n{line.text}"  # a wrapped cell
        else:
            break
        index += 1
    if len(rows) < _MIN_ROWS:
        return None, start + 1
    rows_out = tuple(tuple(row) for row in rows)
    table = Table(page=header.page, rows=rows_out, top=header.top, bottom=lines[index - 1][1].bottom)
    return UnruledTable(table, tuple(pages), range(lines[start][0], lines[index - 1][0] + 1), tuple(boxes)), index


def _aligned(line: Line, columns: list[float]) -> bool:
    """The first stretch starts at the first column and no two fall in one column (a number column
    is aligned on the right: its stretches start anywhere inside it; a row may leave cells empty)."""
    starts = [x0 for _, x0 in line.stretches]
    indexes = [_column_at(x0, columns) for x0 in starts]
    return abs(starts[0] - columns[0]) <= _ALIGN and None not in indexes and len(set(indexes)) == len(indexes)


def _cells(line: Line, columns: list[float]) -> list[str]:
    cells = [""] * len(columns)
    bounds = [offset for offset, _ in line.stretches] + [len(line.text)]
    for (offset, x0), end in zip(line.stretches, bounds[1:], strict=True):
        column = _column_at(x0, columns)
        if column is not None:
            cells[column] = line.text[offset:end].strip()
    return cells


def _column_at(x0: float, columns: list[float]) -> int | None:
    """The column whose span (its start up to the next column's) holds `x0`."""
    for index, column in enumerate(columns):
        following = columns[index + 1] if index + 1 < len(columns) else float("inf")
        if column - _ALIGN <= x0 < following - _ALIGN:
            return index
    return None


def _column_of(line: Line, columns: list[float]) -> int | None:
    """The column a wrapped cell's line stands in: it starts in it and ends before the next one."""
    index = _column_at(line.x0, columns)
    if index is None:
        return None
    following = columns[index + 1] if index + 1 < len(columns) else float("inf")
    return index if line.x1 <= following else None  # running text after the table is wider
