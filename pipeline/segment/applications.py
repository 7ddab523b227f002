"""Application segmentation: numbered application lists and ruled tables inside the answers.

"N. PLACE – Title" headings followed by a summary become ApplicationItems; so do the rows of a
table of selected projects. Title and summary are told apart by font (bold) when the title is
set apart, else by line geometry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, replace
from typing import Protocol

from pipeline.clean.layout import LayoutConfig, join_lines, word_forms
from pipeline.model.document import CleanDocument, Line, Paragraph, ParsedDocument, Table
from pipeline.model.kinds import Status
from pipeline.model.records import ApplicationItem
from pipeline.parse.values import find_declared_count, parse_amount

HEADING = re.compile(r"^(?P<number>\d{1,3})[.)]\s+(?P<place>[^\s–—].*?)\s+[–—-]\s*(?P<title>\S.*)$", re.S)
_REJECTED = re.compile(
    r"niet\s+(?:weerhouden|geselecteerd|aanvaard|goedgekeurd|ontvankelijk|in\s+aanmerking)|geweigerd|afgewezen|afgekeurd",
    re.IGNORECASE,
)
_ACCEPTED = re.compile(r"geselecteerd|weerhouden|goedgekeurd|aanvaard|toegekend|toegewezen", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9“‘\"'(])")


class PlaceTest(Protocol):
    """Whether a text names a place on a day (`pipeline.extract.resources.Resources` is one)."""

    def is_place(self, text: str, on: dt.date) -> bool: ...


@dataclass(frozen=True)
class Segmentation:
    items: tuple[ApplicationItem, ...]
    declared_count: int | None
    count_problems: tuple[str, ...]  # declared vs found, one sentence per mismatching list


def segment_document(
    parsed: ParsedDocument, clean: CleanDocument, resources: PlaceTest, layout: LayoutConfig
) -> Segmentation:
    """The segment step: `segment_applications` on the clean text's column, places checked on the question's date."""
    on = parsed.meta.question_date
    return segment_applications(parsed, clean.text_width, lambda text: resources.is_place(text, on), layout)


def segment_applications(
    parsed: ParsedDocument,
    column: tuple[float, float],
    is_place: Callable[[str], bool],
    layout: LayoutConfig,
) -> Segmentation:
    """Find every application list and table in the answers, in document order, numbered 1..N."""
    paragraphs = [p for section in parsed.answers for p in section.paragraphs]
    vocabulary = _WordForms(paragraphs)
    full_from = column[1] - layout.full_line * max(column[1] - column[0], 1.0)
    items: list[ApplicationItem] = []
    declared: list[tuple[int, str, int]] = []  # (count, verb, index of the list it announces)
    lists: list[tuple[Status, int]] = []  # (status, number of items) per list, in order
    for section in parsed.answers:
        found = _segment_section(section.paragraphs, vocabulary, full_from, is_place)
        for status_hint, intro, group in found:
            counted = find_declared_count(intro)
            if counted:
                declared.append((counted[0], counted[1], len(lists)))
            lists.append((status_hint, len(group)))
            items.extend(group)
        # a count sentence that stands apart from a list still counts ("Er werden 6 projecten geselecteerd.")
        if not found:
            counted = find_declared_count(section.text)
            if counted:
                declared.append((counted[0], counted[1], -1))
    numbered = tuple(replace(item, item_number=i + 1) for i, item in enumerate(items))
    total, problems = _check_counts(declared, lists, len(numbered))
    return Segmentation(items=numbered, declared_count=total, count_problems=problems)


class _WordForms(Set[str]):
    """`word_forms` of the answers' lines, read on first use: only a line-end hyphen needs them."""

    def __init__(self, paragraphs: list[Paragraph]) -> None:
        self._paragraphs = paragraphs
        self._forms: frozenset[str] | None = None

    def _get(self) -> frozenset[str]:
        if self._forms is None:
            self._forms = word_forms(line.text for p in self._paragraphs for line in p.lines)
        return self._forms

    def __contains__(self, word: object) -> bool:
        return word in self._get()

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _segment_section(
    paragraphs: tuple[Paragraph, ...], vocabulary: Set[str], full_from: float, is_place: Callable[[str], bool]
) -> list[tuple[Status, str, list[ApplicationItem]]]:
    """Lists in one answer: (status, intro text, items) for each."""
    found: list[tuple[Status, str, list[ApplicationItem]]] = []
    intro = ""
    current: list[tuple[Paragraph, list[Paragraph]]] = []  # heading paragraph + following paragraphs
    status = Status.SUBMITTED
    for para in paragraphs:
        heading = HEADING.match(para.text) if para.table is None else None
        if heading and _place_of(heading.group("place"), is_place):
            if not current:
                status = _status_of(intro)
            current.append((para, []))
            continue
        if current and para.table is None and not _is_intro(para.text):
            current[-1][1].append(para)
            continue
        if current:
            found.append((status, intro, _items_from(current, status, vocabulary, full_from)))
            current, intro = [], ""
        if para.table is not None:
            rows = _table_items(para.table, is_place)
            if rows:
                found.append((Status.ACCEPTED, intro, rows))
                intro = ""
        else:
            intro = f"{intro} {para.text}".strip()
    if current:
        found.append((status, intro, _items_from(current, status, vocabulary, full_from)))
    return found


_INTRO = re.compile(r"\b(?:volgende|hieronder|onderstaande|als\s+volgt)\b", re.IGNORECASE)


def _is_intro(text: str) -> bool:
    """A paragraph that announces a new list rather than continuing an item's summary."""
    return text.rstrip().endswith(":") or find_declared_count(text) is not None or bool(
        _INTRO.search(text) and (_REJECTED.search(text) or _ACCEPTED.search(text))
    )


def _items_from(
    group: list[tuple[Paragraph, list[Paragraph]]], status: Status, vocabulary: Set[str], full_from: float
) -> list[ApplicationItem]:
    # the paragraphs after the last item belong to it only if items here run over several paragraphs
    multi = any(extra for _, extra in group[:-1])
    items = []
    for index, (head, extra) in enumerate(group):
        tail = extra if (multi or index < len(group) - 1) else []
        items.append(_item(head, tail, status, vocabulary, full_from))
    return items


def _item(
    head: Paragraph, extra: list[Paragraph], status: Status, vocabulary: Set[str], full_from: float
) -> ApplicationItem:
    cut = title_line_count(head.lines, full_from)
    heading = HEADING.match(join_lines([line.text for line in head.lines[:cut]], vocabulary))
    while heading is None and cut < len(head.lines):  # "3. GENT –" alone: the title is on the next line
        cut += 1
        heading = HEADING.match(join_lines([line.text for line in head.lines[:cut]], vocabulary))
    if heading is None:  # no lines to cut: the paragraph's text matched HEADING before it came here
        heading, cut = HEADING.match(head.text), len(head.lines)
    summary_parts = [join_lines([line.text for line in head.lines[cut:]], vocabulary)]
    summary_parts += [p.text for p in extra]
    summary = "\n\n".join(part for part in summary_parts if part)
    last = extra[-1] if extra else head
    if status == Status.REJECTED:
        # in a list of rejections the text under a heading is the decision's motivation
        summary, reason = "", " ".join(summary.split()) or None
    else:
        reason = None
    return ApplicationItem(
        item_number=0,
        printed_number=int(heading.group("number")),
        place=heading.group("place").strip(),
        title=" ".join(heading.group("title").split()),
        summary=summary,
        page_start=head.page_start,
        page_end=last.page_end,
        status=status,
        decision_reason=reason,
    )


def title_line_count(lines: tuple[Line, ...], full_from: float) -> int:
    """How many leading lines of an item paragraph form its heading.

    Bold tells when the title is set apart; otherwise a title wraps while its line is full and the
    next line is short or starts in lower case (and is not the paragraph's last line).
    """
    if not lines:
        return 0
    if lines[0].bold_prefix:
        count = 0
        while count < len(lines) and lines[count].bold_prefix >= len(lines[count].text.rstrip()) - 1:
            count += 1
        return max(count, 1)
    count = 1
    while count < len(lines) - 1:
        prev, nxt = lines[count - 1], lines[count]
        starts_lower = nxt.text[:1].islower()
        if prev.x1 >= full_from and (starts_lower or nxt.x1 < full_from):
            count += 1
            if nxt.x1 < full_from:
                break
        else:
            break
    return count


def _place_of(place: str, is_place: Callable[[str], bool]) -> bool:
    words = place.split()
    return 0 < len(words) <= 6 and place[:1].isupper() and is_place(place)


def _status_of(intro: str) -> Status:
    last = _SENTENCE.split(intro.strip())[-3:]  # the sentences right before the list announce it
    text = " ".join(last)
    if _REJECTED.search(text):
        return Status.REJECTED
    if _ACCEPTED.search(text):
        return Status.ACCEPTED
    return Status.SUBMITTED


_PLACE_HEADER = re.compile(r"gemeente|stad|bestuur|lokaal", re.IGNORECASE)
_PROJECT_HEADER = re.compile(r"project|titel|naam", re.IGNORECASE)
_AREA_HEADER = re.compile(r"wijk|buurt|gebied", re.IGNORECASE)
_AMOUNT_HEADER = re.compile(r"subsidie|bedrag|budget|euro|€|toegekend", re.IGNORECASE)
_TOTAL = re.compile(r"^\s*(?:totaal|total|som|algemeen\s+totaal)\b", re.IGNORECASE)


def _table_items(table: Table, is_place: Callable[[str], bool]) -> list[ApplicationItem]:
    """Rows of a 'Stad/gemeente | Wijk | Project | Toegekende subsidie' table, totals excluded."""
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
    for row in table.rows[1:]:
        cells = [join_lines((cell or "").splitlines()) for cell in row]
        place = cells[place_col] if place_col < len(cells) else ""
        if place and not is_place(place):
            # a narrow column may wrap a name inside a word: "Beveren-Kruibeke-Zwij" / "ndrecht"
            place = "".join((row[place_col] or "").split())
        if not place or _TOTAL.match(place) or _TOTAL.match(cells[0]) or not is_place(place):
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
                place=place,
                title=" ".join(cells[project_col].split()) if project_col < len(cells) else "",
                summary="",
                page_start=table.page,
                page_end=table.page,
                status=Status.ACCEPTED,
                budget_eur=budget,
                neighbourhood_hint=(
                    (cells[area_col].strip() or None) if area_col is not None and area_col < len(cells) else None
                ),
            )
        )
    return items


def _column(header: list[str], pattern: re.Pattern[str], exclude: set[int] = frozenset()) -> int | None:
    return next((i for i, cell in enumerate(header) if i not in exclude and pattern.search(cell)), None)


def _check_counts(
    declared: list[tuple[int, str, int]], lists: list[tuple[Status, int]], total_found: int
) -> tuple[int | None, tuple[str, ...]]:
    """The declared total and a sentence per list whose declared count differs from what was found."""
    if not declared:
        return None, ()
    problems = []
    submitted = [d for d in declared if d[1] in {"ingediend", "ontvangen"}]
    total = submitted[0][0] if submitted else declared[0][0]
    for count, verb, index in declared:
        if verb in {"ingediend", "ontvangen"}:
            found = max((n for status, n in lists if status == Status.SUBMITTED), default=0)
            found = found or total_found
        elif 0 <= index < len(lists):
            found = lists[index][1]
        else:
            found = sum(n for status, n in lists if status == Status.ACCEPTED) or total_found
        if count != found:
            problems.append(f"The answer declares {count} applications {verb}, but {found} were found.")
    return total, tuple(problems)
