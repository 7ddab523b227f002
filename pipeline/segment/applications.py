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
from pipeline.model.document import CleanDocument, Paragraph, ParsedDocument
from pipeline.model.kinds import ListRule, Status
from pipeline.model.records import ApplicationItem, HeadingBox
from pipeline.parse.values import find_declared_count, find_granted_amount
from pipeline.segment.heads import is_statistic, parse_applicant
from pipeline.segment.lists import APPLICATION_CUE, FoundList, find_lists
from pipeline.segment.tables import find_unruled_tables, table_items
from pipeline.segment.titles import ACCEPTED as _ACCEPTED
from pipeline.segment.titles import REJECTED as _REJECTED
from pipeline.segment.titles import status_of as _status_of
from pipeline.segment.titles import title_line_count

HEADING = re.compile(r"^(?P<number>\d{1,3})[.)]\s+(?P<place>[^\s–—].*?)\s+[–—-]\s*(?P<title>\S.*)$", re.S)
class PlaceTest(Protocol):
    """Whether a text names a place on a day (`pipeline.extract.resources.Resources` is one)."""

    def is_place(self, text: str, on: dt.date) -> bool: ...


@dataclass(frozen=True)
class Segmentation:
    items: tuple[ApplicationItem, ...]
    declared_count: int | None
    count_problems: tuple[str, ...]  # declared vs found, one sentence per mismatching list
    lists: tuple[FoundList, ...] = ()  # every list seen, with its rule and status (items numbered as in `items`)
    warnings: tuple[str, ...] = ()  # lists too ambiguous to take rows from, one sentence each


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
    asked = " ".join([parsed.meta.title, *(p.text for p in parsed.preamble), *(q.text for q in parsed.questions)])
    about_applications = bool(APPLICATION_CUE.search(asked))
    seen: list[FoundList] = []
    for section in parsed.answers:
        found = _segment_section(section.paragraphs, vocabulary, full_from, is_place, about_applications)
        for found_list in found:
            if not found_list.items:
                seen.append(found_list)  # a list left out as ambiguous: only its warning
                continue
            counted = find_declared_count(found_list.intro)
            if counted:
                declared.append((counted[0], counted[1], len(lists)))
            lists.append((found_list.status, len(found_list.items)))
            start = len(items)
            items.extend(replace(item, item_number=start + i + 1) for i, item in enumerate(found_list.items))
            seen.append(replace(found_list, items=tuple(items[start:])))
        # a count sentence that stands apart from a list still counts ("Er werden 6 projecten geselecteerd.")
        if not any(found_list.items for found_list in found):
            counted = find_declared_count(section.text)
            if counted:
                declared.append((counted[0], counted[1], -1))
    total, problems = _check_counts(declared, lists, len(items))
    warnings = tuple(warning for found_list in seen for warning in found_list.warnings)
    return Segmentation(tuple(items), total, problems, tuple(seen), warnings)


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
    paragraphs: tuple[Paragraph, ...],
    vocabulary: Set[str],
    full_from: float,
    is_place: Callable[[str], bool],
    about_applications: bool = True,
) -> list[FoundList]:
    """Lists in one answer, in order: "N. PLACE – Title" lists and ruled tables, then every other
    list form `find_lists` sees in the paragraphs those leave alone."""
    found = _unruled_lists(paragraphs, is_place)
    taken = {index for found_list in found for index in found_list.span}
    heads: set[int] = set()
    numbered = _numbered_lists(paragraphs, vocabulary, full_from, is_place, heads)
    numbered = [f for f in numbered if not taken & set(f.span)]
    known = (tuple(f.span for f in numbered), frozenset(heads))
    others = [
        f for f in find_lists(paragraphs, is_place, vocabulary, full_from, about_applications, known)
        if not taken & set(f.span)
    ]
    used: set[int] = set()
    for seed_form in numbered:
        overlapping = [k for k, other in enumerate(others) if set(other.span) & set(seed_form.span)]
        used.update(overlapping)
        lists = [others[k] for k in overlapping]
        # the layout saw more lists where the seed's form saw one ("4. ROESELARE – …" followed, in one
        # paragraph, by "I. TURNHOUT – …"): take them when they hold every item the seed's form found
        if _holds_more(lists, seed_form):
            found.extend(lists)
        else:
            found.append(seed_form)
    found.extend(other for k, other in enumerate(others) if k not in used)
    return sorted(found, key=lambda found_list: found_list.paragraph)


def _holds_more(lists: list[FoundList], seed_form: FoundList) -> bool:
    heads = {(item.place, item.title) for found_list in lists for item in found_list.items}
    return len(heads) > len(seed_form.items) and {(i.place, i.title) for i in seed_form.items} <= heads


def _unruled_lists(paragraphs: tuple[Paragraph, ...], is_place: Callable[[str], bool]) -> list[FoundList]:
    """Tables drawn without rules whose rows are applications (a place and a project column)."""
    found = []
    for unruled in find_unruled_tables(paragraphs):
        items = table_items(unruled.table, is_place, ListRule.TABLE_UNRULED, unruled.row_pages, unruled.row_boxes)
        if items:
            first = unruled.paragraphs.start
            intro = paragraphs[first - 1].text if first > 0 and paragraphs[first - 1].table is None else ""
            found.append(
                FoundList(ListRule.TABLE_UNRULED, Status.ACCEPTED, intro, tuple(items), first, (),
                          unruled.paragraphs.stop - 1)  # fmt: skip
            )
    return found


def _numbered_lists(
    paragraphs: tuple[Paragraph, ...],
    vocabulary: Set[str],
    full_from: float,
    is_place: Callable[[str], bool],
    heads: set[int],
) -> list[FoundList]:
    """The seed's form ("N. PLACE – Title" paragraphs, summaries after) and ruled tables.

    Adds the index of every item's heading paragraph to `heads`.
    """
    found: list[FoundList] = []
    intro = ""
    current: list[tuple[Paragraph, list[Paragraph]]] = []  # heading paragraph + following paragraphs
    status = Status.SUBMITTED
    first = last = 0
    for index, para in enumerate(paragraphs):
        heading = HEADING.match(para.text) if para.table is None else None
        if heading and _place_of(heading.group("place"), heading.group("title"), is_place):
            if not current:
                status, first = _status_of(intro), index
            current.append((para, []))
            heads.add(index)
            last = index
            continue
        if current and para.table is None and not _is_intro(para.text):
            current[-1][1].append(para)
            last = index
            continue
        if current:
            items = _items_from(current, status, vocabulary, full_from, is_place)
            found.append(FoundList(ListRule.NUMBERED_DASH, status, intro, tuple(items), first, (), last))
            current, intro = [], ""
        if para.table is not None:
            rows = table_items(para.table, is_place)
            if rows:
                found.append(FoundList(ListRule.TABLE_RULED, Status.ACCEPTED, intro, tuple(rows), index, (), index))
                intro = ""
        else:
            intro = f"{intro} {para.text}".strip()
    if current:
        items = _items_from(current, status, vocabulary, full_from, is_place)
        found.append(FoundList(ListRule.NUMBERED_DASH, status, intro, tuple(items), first, (), last))
    return found


_INTRO = re.compile(r"\b(?:volgende|hieronder|onderstaande|als\s+volgt)\b", re.IGNORECASE)


def _is_intro(text: str) -> bool:
    """A paragraph that announces a new list rather than continuing an item's summary."""
    return text.rstrip().endswith(":") or find_declared_count(text) is not None or bool(
        _INTRO.search(text) and (_REJECTED.search(text) or _ACCEPTED.search(text))
    )


def _items_from(
    group: list[tuple[Paragraph, list[Paragraph]]],
    status: Status,
    vocabulary: Set[str],
    full_from: float,
    is_place: Callable[[str], bool],
) -> list[ApplicationItem]:
    # the paragraphs after the last item belong to it only if items here run over several paragraphs
    multi = any(extra for _, extra in group[:-1])
    items = []
    for index, (head, extra) in enumerate(group):
        tail = extra if (multi or index < len(group) - 1) else []
        items.append(_item(head, tail, status, vocabulary, full_from, is_place))
    return items


def _item(
    head: Paragraph,
    extra: list[Paragraph],
    status: Status,
    vocabulary: Set[str],
    full_from: float,
    is_place: Callable[[str], bool],
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
    written = heading.group("place").strip()
    title = " ".join(heading.group("title").split())
    municipal = is_place(written)  # the seed's form: the applicant is the municipality named
    applicant = None if municipal else parse_applicant(written, is_place)
    places = applicant.places if applicant is not None else (written,)
    box = head.lines[0] if head.lines else None
    return ApplicationItem(
        item_number=0,
        printed_number=int(heading.group("number")),
        place=written if municipal else (places[0] if places else ""),
        title=title,
        summary=summary,
        page_start=head.page_start,
        page_end=last.page_end,
        status=status,
        budget_eur=find_granted_amount(f"{title}. {summary}"),
        decision_reason=reason,
        applicant=applicant.written if applicant is not None else written,
        places=places,
        list_rule=ListRule.NUMBERED_DASH,
        heading_box=HeadingBox(box.page, box.x0, box.top, box.x1, box.bottom) if box is not None else None,
    )


def _place_of(place: str, title: str, is_place: Callable[[str], bool]) -> bool:
    """Whether a "N. X – Title" heading names an applicant in X (and a title, not a count)."""
    if place.count("(") != place.count(")") or is_statistic(title):
        return False  # "Title (Ronse – Glorieux)": the dash is inside the place's parentheses
    words = place.split()
    if 0 < len(words) <= 6 and place[:1].isupper() and is_place(place):
        return True
    return parse_applicant(place, is_place) is not None


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
