"""Lists in an answer found from layout, and the decision whether each lists applications.

(a) Structure: an item starts at a line with a list marker (`markers`), at a heading line of its
own (bold or capitals, naming an applicant), or at a paragraph whose head ends with the place in
parentheses. Paragraphs between two items of one list, or indented under one, continue the item
before them; a differently marked list inside an item (a) b) c) in a summary) stays inside it.
(b) Decision: a list is kept when its items' heads name an applicant and a title (`heads`); a list
of counts, criteria or questions gives nothing, and a list only partly made of such heads gives
nothing and a warning rather than a guess. (c) Each kept item's head is parsed by `parse_head`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Set
from dataclasses import dataclass, replace

from pipeline.clean.layout import join_lines
from pipeline.model.document import Paragraph
from pipeline.model.kinds import ListRule, Status
from pipeline.model.records import ApplicationItem, HeadingBox
from pipeline.parse.values import find_declared_count, find_granted_amount
from pipeline.segment.heads import Head, HeadShape, is_statistic, parse_head
from pipeline.segment.markers import MarkerStyle, same_list
from pipeline.segment.titles import REJECTED, announced_status, title_line_count
from pipeline.segment.units import Unit, find_units, first_text, is_break


@dataclass(frozen=True)
class FoundList:
    """One list of applications in an answer, as `parlq inspect` would show it."""

    rule: ListRule
    status: Status
    intro: str  # the text that announces it
    items: tuple[ApplicationItem, ...]
    paragraph: int  # index of its first paragraph in the section
    warnings: tuple[str, ...] = ()
    last_paragraph: int = -1  # index of its last paragraph (-1: the first)

    @property
    def span(self) -> range:
        return range(self.paragraph, max(self.paragraph, self.last_paragraph) + 1)


APPLICATION_CUE = re.compile(
    r"aanvra|project|dossier|voorstel|subsidi|ingediend|geselecteerd|weerhouden|goedgekeurd|kandidat|"
    r"toegekend|oproep|begunstig|laureat",
    re.IGNORECASE,
)


def find_lists(
    paragraphs: tuple[Paragraph, ...],
    is_place: Callable[[str], bool],
    vocabulary: Set[str],
    full_from: float,
    about_applications: bool = True,
    known: tuple[tuple[range, ...], frozenset[int]] | None = None,
) -> list[FoundList]:
    """Every list of applications in one answer's paragraphs (tables excluded), in order.

    Unless the question is `about_applications`, a list counts only after the answer speaks of them
    ("aanvragen", "projecten", "subsidie", …): "• Gent: het plan loopt tot 2025" is no application.
    `known`: paragraphs another reader already took as items (spans, and the paragraphs their heads
    start); a span where every item start is such a head is left to it (the seed's form: faster).
    """
    units = find_units(paragraphs, is_place, full_from)
    skip: set[int] = set()
    if known is not None:
        spans, heads = known
        for span in spans:
            inside = [unit for unit in units if unit.candidate and unit.paragraph in span]
            if all(unit.starts_paragraph and unit.paragraph in heads for unit in inside):
                skip.update(id(unit) for unit in inside)
    found: list[FoundList] = []
    _collect(units, about_applications, found, is_place, vocabulary, full_from, skip=frozenset(skip))
    return found


def _collect(
    units: list[Unit],
    cue: bool,
    found: list[FoundList],
    is_place: Callable[[str], bool],
    vocabulary: Set[str],
    full_from: float,
    heading: list[str] | None = None,
    skip: frozenset[int] = frozenset(),
) -> bool:
    """Append the lists among `units` to `found`; whether an application cue was seen by the end.

    `heading`: the text that announces them all (an outer item whose inner lists these are).
    """
    intro: list[str] = list(heading or [])
    cue = cue or any(APPLICATION_CUE.search(text) for text in intro)
    for group, before in _groups(units):
        intro.extend(before)
        cue = cue or any(APPLICATION_CUE.search(text) for text in before)
        if all(id(unit) in skip for unit in group):
            intro = []
            continue
        # a list under a bare heading ("Provincie Limburg:") goes on in the status of the list before it
        status = announced_status(" ".join(intro))
        if status is None:
            status = found[-1].status if found else Status.SUBMITTED
        decided = _decide(group, " ".join(intro), status, is_place, vocabulary, full_from)
        if (decided is None or not decided.items) and any(unit.extra for unit in group):
            # "A. Projectsubsidies" … "B. Conceptsubsidies": each outer item heads the lists inside it
            for unit in group:
                heading = [*intro, unit.text]
                cue = _collect(unit.extra, cue, found, is_place, vocabulary, full_from, heading, skip)
                intro = []
            continue
        if decided is not None and decided.items and not cue:
            message = f"A list on page {decided.items[0].page_start} names applicants, but nothing says they applied"
            decided = replace(decided, items=(), warnings=(f"{message}: no rows taken from it.",))
        if decided is not None:
            found.append(decided)
            intro = []
    return cue


def _compatible(first: Unit, other: Unit) -> bool:
    if first.marker is not None and other.marker is not None:
        return same_list(first.marker, other.marker)
    if first.heading or other.heading:
        return first.heading and other.heading
    return first.marker is None and other.marker is None and first.head is not None and other.head is not None


def _groups(units: list[Unit]) -> list[tuple[list[Unit], list[str]]]:
    """Runs of compatible candidate units (each with its continuation), with the prose before each."""
    groups: list[tuple[list[Unit], list[str]]] = []
    prose: list[str] = []
    index = 0
    while index < len(units):
        unit = units[index]
        if not unit.candidate:
            prose.append(unit.text)
            index += 1
            continue
        group = [unit]
        index += 1
        while index < len(units):
            nxt = units[index]
            if nxt.candidate and _compatible(unit, nxt):
                group.append(nxt)
                index += 1
                continue
            later = _next_compatible(units, index, unit)
            indented = nxt.first.x0 > group[-1].first.x0 + 4 and not is_break(nxt)
            if later is not None or (indented and not (nxt.candidate and nxt.marker is None)):
                group[-1].extra.append(nxt)  # a paragraph or inner list inside the item before
                index += 1
                continue
            break
        index = _take_trailing(group, units, index)
        groups.append((group, prose))
        prose = []
    return groups


def _next_compatible(units: list[Unit], start: int, first: Unit) -> int | None:
    """The next unit of the same list before anything that announces another list, if any."""
    announced = False  # a paragraph ending in ":" was passed: a list of the same kind after it is a new list
    for index in range(start, len(units)):
        unit = units[index]
        if unit.candidate and _compatible(first, unit):
            return None if announced else index
        if unit.candidate and unit.marker is None and not first.heading:
            return None
        if is_break(unit):
            announced = True
        elif unit.candidate:
            announced = False  # "Het project:" then "a) … b) …": an inner list, inside the item
    return None


def _take_trailing(group: list[Unit], units: list[Unit], index: int) -> int:
    """The paragraphs after a list's last item belong to it as far as most items before ran on.

    A heading alone on its paragraph always takes the next one (its title and summary).
    """
    last = group[-1]
    runs = sorted(len(unit.extra) for unit in group[:-1])
    wanted = runs[(len(runs) - 1) // 2] if runs else 0  # as far as most items before ran on (lower median)
    if last.heading and len(last.blocks[0]) == 1 and not last.extra:
        wanted = max(wanted, 1)
    # items that held a list of another kind ("A. Projectsubsidies" over "1. Gent – …") hold one here too
    nested = any(extra.candidate for unit in group[:-1] for extra in unit.extra)
    while index < len(units):
        nxt = units[index]
        plain = sum(not extra.candidate for extra in last.extra)
        if nested and nxt.candidate and not _compatible(group[0], nxt):
            last.extra.append(nxt)
        elif plain < wanted and not nxt.candidate and not is_break(nxt):
            last.extra.append(nxt)
        else:
            break
        index += 1
    return index


def _decide(
    group: list[Unit],
    intro: str,
    status: Status,
    is_place: Callable[[str], bool],
    vocabulary: Set[str],
    full_from: float,
) -> FoundList | None:
    if group[0].marker is None and len(group) < 2:
        return None  # one paragraph ending in "(Gent)" or one bold heading is no list: prose says such things
    parsed = [(unit, _parse_unit(unit, is_place, vocabulary, full_from)) for unit in group]
    good = [(unit, item) for unit, item in parsed if item is not None]
    if not good:
        return None
    page = group[0].first.page
    if len(good) < len(group):
        share = len(good) / len(group)
        message = (
            f"A list on page {page} has {len(group)} items of which {len(good)} name an applicant and a title"
        )
        if share < 0.5 or len(good) == 1:
            return FoundList(ListRule.NUMBERED_DASH, status, intro, (), group[0].paragraph,
                             (f"{message}: no rows taken from it.",), _last_paragraph(group))  # fmt: skip
        warnings: tuple[str, ...] = (f"{message}: the others were left out.",)
    else:
        warnings = ()
    items = tuple(_finish(item, status) for _, item in good)
    rule = Counter(item.list_rule for item in items).most_common(1)[0][0]
    return FoundList(rule, status, intro, items, group[0].paragraph, warnings, _last_paragraph(group))


def _last_paragraph(group: list[Unit]) -> int:
    last = group[-1]
    return last.extra[-1].paragraph if last.extra else last.paragraph


def _parse_unit(
    unit: Unit, is_place: Callable[[str], bool], vocabulary: Set[str], full_from: float
) -> ApplicationItem | None:
    lines = [line for block in unit.blocks for line in block]
    if (
        unit.head is None
        and not unit.heading
        and parse_head(first_text(unit), is_place) is None
        and not any(")" in line.text for line in lines[:3])
    ):
        return None  # neither its first line nor a parenthesis names an applicant: no need to join lines
    extras = unit.extra
    if unit.heading and len(lines) == 1 and extras and extras[0].marker is None:  # title and summary next
        lines += [line for block in extras[0].blocks for line in block]
        extras = extras[1:]
    texts = [first_text(unit), *(line.text for line in lines[1:])]
    whole = parse_head(join_lines(texts, vocabulary), is_place) if len(lines) <= 3 else None
    if whole is not None and whole.title and (whole.shape == HeadShape.PAREN or whole.budget_eur is not None):
        head, cut = whole, len(lines)  # the whole item is its head: "• Gent: Title (€ 120.000)"
    else:
        cut = 1 if unit.heading else title_line_count(tuple(lines), full_from)
        head = parse_head(join_lines(texts[:cut], vocabulary), is_place)
        if head is not None and not head.title:  # the applicant alone: the title is on the next line(s)
            rest = lines[cut:]
            more = title_line_count(tuple(rest), full_from) if rest else 0
            if not more:
                return None
            title = join_lines([line.text for line in rest[:more]], vocabulary)
            head = Head(head.applicant, title, HeadShape.HEADING, head.area, head.budget_eur)
            cut += more
    if head is None or not _is_title(head.title):
        return None
    summary_parts = [join_lines(texts[cut:], vocabulary)]
    summary_parts += [join_lines([line.text for block in extra.blocks for line in block], vocabulary)
                      for extra in extras]  # fmt: skip
    title, summary = _split_run_on(head.title, "\n\n".join(part for part in summary_parts if part))
    budget = head.budget_eur if head.budget_eur is not None else find_granted_amount(f"{head.title} {summary}")
    last = extras[-1].blocks[-1][-1] if extras else lines[-1]
    marker_number = unit.marker.label if unit.marker and unit.marker.style == MarkerStyle.NUMBER else None
    first = lines[0]
    return ApplicationItem(
        item_number=0,
        printed_number=int(marker_number) if marker_number else None,
        place=head.applicant.places[0] if head.applicant.places else "",
        title=title,
        summary=summary,
        page_start=first.page,
        page_end=last.page,
        budget_eur=budget,
        neighbourhood_hint=head.area,
        applicant=head.applicant.written,
        places=head.applicant.places,
        list_rule=_rule(unit, head),
        heading_box=HeadingBox(first.page, first.x0, first.top, first.x1, first.bottom),
    )


def _is_title(text: str) -> bool:
    """Not empty, not a count, not the sentence announcing a list ("Er werden 4 aanvragen ingediend:")."""
    return bool(text) and not (
        REJECTED.match(text) or text.rstrip().endswith(":") or is_statistic(text) or find_declared_count(text)
    )


_RUN_ON = re.compile(r"(?<=[a-zà-ÿ)])\.\s+(?=[A-ZÀ-Ý])")


def _split_run_on(title: str, summary: str) -> tuple[str, str]:
    """A title that runs on into its summary on one line ("Gent: Samen sterk. Het project …") is cut."""
    match = _RUN_ON.search(title)
    if not match or len(title[: match.start()].split()) < 2:
        return title.rstrip("."), summary
    rest = title[match.end():]
    return title[: match.start()], f"{rest}\n\n{summary}".strip() if summary else rest


def _rule(unit: Unit, head: Head) -> ListRule:
    if unit.heading:
        return ListRule.HEADING_BLOCK
    if unit.marker is None:
        return ListRule.PLACE_IN_PARENTHESES if head.shape == HeadShape.PAREN else ListRule.HEADING_BLOCK
    if unit.marker.style == MarkerStyle.BULLET:
        return {HeadShape.COLON: ListRule.BULLET_COLON, HeadShape.PAREN: ListRule.BULLET_PAREN}.get(
            head.shape, ListRule.BULLET_DASH
        )
    return {HeadShape.COLON: ListRule.NUMBERED_COLON, HeadShape.PAREN: ListRule.NUMBERED_PAREN}.get(
        head.shape, ListRule.NUMBERED_DASH
    )


def _finish(item: ApplicationItem, status: Status) -> ApplicationItem:
    if status != Status.REJECTED:
        return ApplicationItem(**{**item.__dict__, "status": status})
    # in a list of rejections the text under a heading is the decision's motivation
    reason = " ".join(item.summary.split()) or None
    return ApplicationItem(**{**item.__dict__, "status": status, "summary": "", "decision_reason": reason})
