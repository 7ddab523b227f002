"""Document parsing: metadata from the first-page and answer blocks, numbered sections.

Works on the paragraphs of a CleanDocument; raises DocumentError(Stage.PARSE, ...) for a document
that is not a written question or whose two header blocks disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.clean.layout import join_lines
from pipeline.model.document import CleanDocument, DocumentMeta, Line, Paragraph, ParsedDocument, Section
from pipeline.model.errors import DocumentError
from pipeline.model.kinds import FailureKind, SectionKind, Stage
from pipeline.parse.values import parse_dutch_date, proper_case_name, proper_case_title

_NR = re.compile(r"^nr\.?\s*(\d{1,5})\b", re.IGNORECASE)
_VAN = re.compile(r"^van\s+(.+)$", re.IGNORECASE)
_DATUM = re.compile(r"^datum\s*:?\s*(.+)$", re.IGNORECASE)
_AAN = re.compile(r"^aan\s+(.+)$", re.IGNORECASE)
_OP_VRAAG = re.compile(r"^op\s+vraag\s+nr\.?\s*(\d{1,5})\s+van\s+(.+?)\s*$", re.IGNORECASE)
NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(?=\S)")


@dataclass(frozen=True)
class _Block:
    """Metadata read from one header block; None where the block does not say."""

    number: int | None
    date_text: str | None
    questioner: str | None
    minister: str | None
    minister_title: str | None


def parse_document(clean: CleanDocument) -> ParsedDocument:
    """Metadata plus numbered question and answer sections of one written question."""
    lines = [(pi, li, line) for pi, p in enumerate(clean.paragraphs) for li, line in enumerate(p.lines)]
    answer_at = next((k for k, (_, _, line) in enumerate(lines) if _norm(line.text) == "ANTWOORD"), None)
    front, title_start = _front_block(lines)
    if answer_at is None and front is None:
        raise DocumentError(
            Stage.PARSE,
            FailureKind.NOT_A_WRITTEN_QUESTION,
            "Neither a 'SCHRIFTELIJKE VRAAG' block nor an 'ANTWOORD' block was found; "
            "this does not look like a written question.",
        )
    answer, block_start, body_start = (
        _answer_block(lines, answer_at) if answer_at is not None else (None, len(lines), len(lines))
    )
    meta_block = _merge(front, answer)
    question_paras = _slice(clean.paragraphs, lines, title_start, block_start)
    if not question_paras:
        raise DocumentError(
            Stage.PARSE, FailureKind.NO_QUESTION_TEXT, "The document has no question text before the answer."
        )
    title_para, *question_body = question_paras
    answer_paras = _slice(clean.paragraphs, lines, body_start, len(lines))
    date = _date(meta_block.date_text)
    meta = DocumentMeta(
        question_number=meta_block.number or 0,
        question_date=date,
        questioner=proper_case_name(meta_block.questioner or ""),
        minister=proper_case_name(meta_block.minister or ""),
        minister_title=proper_case_title(meta_block.minister_title or ""),
        title=" ".join(title_para.text.split()),
    )
    if not meta.question_number or not meta.questioner or not meta.minister:
        raise DocumentError(
            Stage.PARSE,
            FailureKind.INCOMPLETE_METADATA,
            "The question number, questioner or minister could not be read.",
        )
    preamble, questions = split_sections(tuple(question_body), SectionKind.QUESTION)
    # an answer number beyond the last sub-question is a nested list's item, not an answer
    limit = len(questions) if len(questions) > 1 else None
    _, answers = split_sections(tuple(answer_paras), SectionKind.ANSWER, limit)
    return ParsedDocument(meta=meta, questions=questions, answers=answers, preamble=preamble)


def split_sections(
    paragraphs: tuple[Paragraph, ...], kind: SectionKind, limit: int | None = None
) -> tuple[tuple[Paragraph, ...], tuple[Section, ...]]:
    """Group paragraphs under their numbered sub-question/answer; nested lists stay inside.

    A number that restarts at 1 inside a section opens a nested list; a number continues that list
    unless it is the next section number and no later paragraph carries that number.
    """
    numbers = [_number(p) for p in paragraphs]
    groups: list[list[Paragraph]] = []
    preamble: list[Paragraph] = []
    nested_last: int | None = None
    for index, (para, number) in enumerate(zip(paragraphs, numbers, strict=True)):
        expected = len(groups) + 1
        starts = False
        if number is not None and (limit is None or number <= limit or not groups):
            if nested_last is not None and number == nested_last + 1:
                if number == expected and expected not in numbers[index + 1 :]:
                    starts = True
                else:
                    nested_last = number
            elif number == expected:
                starts = True
            elif groups and number == 1:
                nested_last = 1
        if starts:
            groups.append([para])
            nested_last = None
        elif groups:
            groups[-1].append(para)
        else:
            preamble.append(para)
    if not groups and preamble:
        # an unnumbered question or answer is one section
        return (), (_section(kind, 1, preamble),)
    return tuple(preamble), tuple(_section(kind, i + 1, g) for i, g in enumerate(groups))


def _section(kind: SectionKind, number: int, paragraphs: list[Paragraph]) -> Section:
    first, *rest = paragraphs
    head = NUMBERED.sub("", first.text, count=1) if _number(first) == number else first.text
    text = "\n\n".join([head, *(p.text for p in rest)])
    return Section(kind=kind, number=number, text=text, paragraphs=tuple(paragraphs))


def _number(paragraph: Paragraph) -> int | None:
    if paragraph.table is not None:
        return None
    match = NUMBERED.match(paragraph.text)
    return int(match.group(1)) if match else None


def _norm(text: str) -> str:
    return " ".join(text.split()).strip(" :").upper()


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _front_block(lines: list[tuple[int, int, Line]]) -> tuple[_Block | None, int]:
    """Read 'SCHRIFTELIJKE VRAAG / nr. / van / datum / aan / title'; return it and where the title starts."""
    if not lines or not _norm(lines[0][2].text).startswith("SCHRIFTELIJKE VRAAG"):
        return None, 0
    found: dict[str, str] = {}
    title_lines: list[str] = []
    k = 1
    while k < len(lines):
        text = " ".join(lines[k][2].text.split())
        if "minister" not in found and "number" not in found and _NR.match(text):
            found["number"] = _NR.match(text).group(1)
        elif "questioner" not in found and _VAN.match(text):
            found["questioner"] = _VAN.match(text).group(1)
        elif "date" not in found and _DATUM.match(text):
            found["date"] = _DATUM.match(text).group(1)
        elif "minister" not in found and _AAN.match(text):
            found["minister"] = _AAN.match(text).group(1)
        elif "minister" in found and _is_caps(text):
            title_lines.append(text)
        else:
            break
        k += 1
    block = _Block(
        number=int(found["number"]) if "number" in found else None,
        date_text=found.get("date"),
        questioner=found.get("questioner"),
        minister=found.get("minister"),
        minister_title=" ".join(title_lines) or None,
    )
    return block, k


def _answer_block(lines: list[tuple[int, int, Line]], at: int) -> tuple[_Block, int, int]:
    """Read the caps minister lines above 'ANTWOORD' and 'op vraag nr. N van D / van X' below it."""
    start = at
    while start > 0 and _is_caps(lines[start - 1][2].text) and not _NUMBERED_LINE.match(lines[start - 1][2].text):
        start -= 1
    caps = [" ".join(lines[k][2].text.split()) for k in range(start, at)]
    number = date_text = questioner = None
    k = at + 1
    while k < len(lines) and k <= at + 4:
        text = " ".join(lines[k][2].text.split())
        op = _OP_VRAAG.match(text)
        if op and number is None:
            number, date_text = int(op.group(1)), op.group(2)
        elif number is not None and questioner is None and _VAN.match(text):
            questioner = _VAN.match(text).group(1)
        else:
            break
        k += 1
    block = _Block(
        number=number,
        date_text=date_text,
        questioner=questioner,
        minister=caps[0] if caps else None,
        minister_title=" ".join(caps[1:]) or None,
    )
    return block, start, k


_NUMBERED_LINE = re.compile(r"^\d{1,3}[.)]\s")


def _merge(front: _Block | None, answer: _Block | None) -> _Block:
    if front is None or answer is None:
        return front or answer  # type: ignore[return-value]
    pairs = {
        "question number": (front.number, answer.number),
        "date": (_safe_date(front.date_text), _safe_date(answer.date_text)),
        "questioner": (_key(front.questioner), _key(answer.questioner)),
        "minister": (_key(front.minister), _key(answer.minister)),
    }
    for field, (a, b) in pairs.items():
        if a is not None and b is not None and a != b:
            raise DocumentError(
                Stage.PARSE,
                FailureKind.INCONSISTENT_METADATA,
                f"The first-page block and the answer block disagree on the {field} ({a} vs {b}).",
            )
    return _Block(
        number=front.number or answer.number,
        date_text=front.date_text or answer.date_text,
        questioner=front.questioner or answer.questioner,
        minister=front.minister or answer.minister,
        minister_title=front.minister_title or answer.minister_title,
    )


def _key(text: str | None) -> str | None:
    return " ".join(text.upper().split()) if text else None


def _safe_date(text: str | None):
    try:
        return parse_dutch_date(text) if text else None
    except ValueError:
        return None


def _date(text: str | None):
    if not text:
        raise DocumentError(
            Stage.PARSE, FailureKind.NO_DATE, "The question date could not be found in either header block."
        )
    try:
        return parse_dutch_date(text)
    except ValueError:
        raise DocumentError(
            Stage.PARSE, FailureKind.BAD_DATE, f"The question date {text!r} is not a valid Dutch date."
        ) from None


def _slice(
    paragraphs: tuple[Paragraph, ...], lines: list[tuple[int, int, Line]], start: int, end: int
) -> list[Paragraph]:
    """The paragraphs covering lines[start:end] (and tables between), cut where a bound falls inside one."""
    if start >= end:
        return []
    first_p, lo = lines[start][0], lines[start][1]
    if lo == 0:
        first_p = lines[start - 1][0] + 1 if start > 0 else 0  # take tables standing before it
    if end >= len(lines):
        last_p, hi = len(paragraphs) - 1, None
    else:
        last_p, hi = lines[end][0], lines[end][1]
        if hi == 0:
            last_p, hi = last_p - 1, None
    out: list[Paragraph] = []
    for pi in range(first_p, last_p + 1):
        para = paragraphs[pi]
        a = lo if pi == lines[start][0] else 0
        b = hi if (pi == last_p and hi is not None) else len(para.lines)
        if para.table is not None or (a == 0 and b == len(para.lines)):
            out.append(para)
        elif a < b:
            part = para.lines[a:b]
            out.append(
                Paragraph(
                    text=join_lines([line.text for line in part]),
                    page_start=part[0].page,
                    page_end=part[-1].page,
                    lines=part,
                )
            )
    return out
