"""Layout clean-up over the page model: furniture removal, paragraphs, de-hyphenation.

Pure functions: pages in, paragraphs out. Nothing here knows which engine read the file.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from pipeline.model.document import CleanDocument, Line, Page, Paragraph, RawDocument, Table


@dataclass(frozen=True)
class LayoutConfig:
    """Thresholds of the clean-up, as fractions of the page or of the line pitch."""

    band: float = 0.1  # top and bottom share of the page where running headers/footers live
    repeat_share: float = 0.5  # a band line on at least this share of pages is furniture
    paragraph_gap: float = 1.35  # a vertical step above this many line pitches starts a paragraph
    full_line: float = 0.12  # a line ending within this share of the column width is "full"

    def __post_init__(self) -> None:
        if not 0 < self.band < 0.5:
            raise ValueError("band must be between 0 and 0.5")
        if not 0 < self.repeat_share <= 1:
            raise ValueError("repeat_share must be in (0, 1]")
        if self.paragraph_gap <= 1:
            raise ValueError("paragraph_gap must be above 1")
        if not 0 < self.full_line < 1:
            raise ValueError("full_line must be in (0, 1)")


def clean_document(raw: RawDocument, config: LayoutConfig) -> CleanDocument:
    """Remove running headers, footers and page numbers; join the body lines into paragraphs."""
    pages = strip_furniture(raw.pages, config)
    lines = [line for page in pages for line in page.lines]
    left, right = text_column(lines)
    paragraphs = build_paragraphs(pages, config, (left, right))
    tables = tuple(t for page in pages for t in page.tables)
    return CleanDocument(paragraphs=paragraphs, tables=tables, n_pages=len(raw.pages), text_width=(left, right))


_PAGE_NUMBER = re.compile(
    r"^(?:(?:pagina|page|blz\.?|p\.)\s*)?-?\s*\d{1,4}\s*-?(?:\s*(?:van|/|of)\s*\d{1,4})?$", re.IGNORECASE
)


def strip_furniture(pages: tuple[Page, ...], config: LayoutConfig) -> tuple[Page, ...]:
    """Drop lines in the top/bottom band that repeat across pages or are page numbers."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_furniture_key(line.text) for line in page.lines if _in_band(line, page, config)})
    threshold = max(2, config.repeat_share * len(pages))
    cleaned = []
    for page in pages:
        keep = tuple(
            line
            for line in page.lines
            if not (
                _in_band(line, page, config)
                and (counts[_furniture_key(line.text)] >= threshold or _PAGE_NUMBER.match(line.text.strip()))
            )
        )
        cleaned.append(Page(page.number, page.width, page.height, keep, page.tables))
    return tuple(cleaned)


def _in_band(line: Line, page: Page, config: LayoutConfig) -> bool:
    return line.bottom <= config.band * page.height or line.top >= (1 - config.band) * page.height


def _furniture_key(text: str) -> str:
    # page numbers change from page to page; the rest of a running header or footer does not
    return re.sub(r"\d+", "#", " ".join(text.split()).casefold())


def text_column(lines: list[Line]) -> tuple[float, float]:
    """Left edge (most common line start) and right edge (where full lines end) of the body."""
    if not lines:
        return (0.0, 0.0)
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    ends = sorted(line.x1 for line in lines)
    right = ends[int(0.95 * (len(ends) - 1))]
    return (float(left), float(right))


def build_paragraphs(
    pages: tuple[Page, ...], config: LayoutConfig, column: tuple[float, float]
) -> tuple[Paragraph, ...]:
    """Split the line stream into paragraphs by vertical gaps; continue them across page breaks."""
    pitch = _line_pitch(pages)
    width = max(column[1] - column[0], 1.0)
    full_from = column[1] - config.full_line * width
    groups: list[list[Line]] = []
    tables: list[tuple[int, Table]] = []  # (index in groups, table)
    prev: Line | None = None
    for page in pages:
        items: list[Line | Table] = sorted([*page.lines, *page.tables], key=lambda i: i.top)
        first_on_page = True
        for item in items:
            if isinstance(item, Table):
                tables.append((len(groups), item))
                groups.append([])
                prev = None
                continue
            if prev is None or _starts_paragraph(prev, item, first_on_page, pitch, config, full_from):
                groups.append([item])
            else:
                groups[-1].append(item)
            prev, first_on_page = item, False
    vocabulary = word_forms(line.text for group in groups for line in group)
    table_at = dict(tables)
    paragraphs = []
    for index, group in enumerate(groups):
        if index in table_at:
            paragraphs.append(_table_paragraph(table_at[index]))
        elif group:
            paragraphs.append(
                Paragraph(
                    text=join_lines([line.text for line in group], vocabulary),
                    page_start=group[0].page,
                    page_end=group[-1].page,
                    lines=tuple(group),
                )
            )
    return tuple(paragraphs)


_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+\S")
_TERMINAL = (".", ":", "?", "!", ";")


def _starts_paragraph(
    prev: Line, line: Line, first_on_page: bool, pitch: float, config: LayoutConfig, full_from: float
) -> bool:
    if first_on_page:
        # across a page break geometry says nothing; a paragraph ends at a short, finished line
        if _NUMBERED.match(line.text) or _is_caps_line(line.text):
            return True
        return prev.x1 < full_from and prev.text.rstrip().endswith(_TERMINAL)
    step = line.top - prev.top
    if step > config.paragraph_gap * pitch or step < 0:
        return True
    if line.bold_prefix and not prev.bold_prefix and _NUMBERED.match(line.text):
        return True
    # a numbered line after a finished one starts an item even without a gap
    return bool(_NUMBERED.match(line.text)) and (prev.text.rstrip().endswith(_TERMINAL) or prev.x1 < full_from)


def _is_caps_line(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _line_pitch(pages: tuple[Page, ...]) -> float:
    steps = [
        b.top - a.top
        for page in pages
        for a, b in zip(page.lines, page.lines[1:], strict=False)
        if 0 < b.top - a.top < 3 * max(a.size, 1.0)
    ]
    return statistics.median(steps) if steps else 14.0


def _table_paragraph(table: Table) -> Paragraph:
    text = "\n".join(" | ".join(join_lines((cell or "").splitlines()) for cell in row) for row in table.rows)
    return Paragraph(text=text, page_start=table.page, page_end=table.page, lines=(), table=table)


_WORD = re.compile(r"[\w][\w'’-]*", re.UNICODE)


def word_forms(texts) -> frozenset[str]:
    """Lower-cased word forms of a text, used to tell a compound's hyphen from a line-break hyphen."""
    forms: set[str] = set()
    for text in texts:
        words = _WORD.findall(text.lower())
        # the last word of a line may be cut by hyphenation: not evidence of a spelling
        forms.update(w for w in words[:-1] if not w.endswith("-"))
    return frozenset(forms)


_SUSPENDED_NEXT = re.compile(r"^(?:(?:en|of|en/of|tot|noch|als|dan)\b|&)", re.IGNORECASE)
_VOWELS = set("aeiouyáéíóúëïöüè")
# prefixes Dutch writes with a hyphen (co-creatie, ex-partner); a hyphenator also breaks after them
_KEEP_PREFIXES = frozenset({"co", "ex", "vice", "non"})
_DIAERESIS = set("ëïöüä")


def join_lines(lines: list[str], vocabulary: frozenset[str] = frozenset()) -> str:
    """Join visual lines into running text, undoing end-of-line hyphenation only.

    Suspended hyphens ("dak- en thuislozen", "en -kwaliteit") and compound hyphens stay.
    """
    text = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if not text:
            text = line
        elif text.endswith("-") and len(text) > 1 and text[-2].isalnum():
            text = _join_hyphenated(text, line, vocabulary)
        else:
            text = f"{text} {line}"
    return text


def _join_hyphenated(text: str, line: str, vocabulary: frozenset[str]) -> str:
    if _SUSPENDED_NEXT.match(line):
        return f"{text} {line}"  # "dak- en thuislozen": the hyphen stands for a left-out part
    head = re.search(r"([\w'’-]*)-$", text)
    stem = head.group(1) if head else ""
    last_part = stem.rsplit("-", 1)[-1]
    tail = re.match(r"[\w'’-]*", line).group(0)
    if not tail or not tail[0].isalpha() or tail[0].isupper():
        return text + line  # "Turks-" + "Bulgaarse", "2021-" + "2022": a real hyphen
    if tail[0] in _DIAERESIS:
        return text[:-1] + line  # "co-" + "ördinatie": the diaeresis already marks the break
    hyphenated = f"{stem}-{tail}".lower()
    closed = f"{stem}{tail}".lower()
    if hyphenated in vocabulary and closed not in vocabulary:
        return text + line
    if closed not in vocabulary:
        if last_part.lower() in _KEEP_PREFIXES or _vowel_clash(last_part, tail):
            return text + line
        if any(form.startswith(f"{stem.lower()}-") for form in vocabulary):
            return text + line
    return text[:-1] + line


def _vowel_clash(left: str, right: str) -> bool:
    # Dutch spelling keeps the hyphen where two vowels would merge into one sound: zee-egel, auto-ongeluk
    if not left or not right:
        return False
    a, b = left[-1].lower(), right[0].lower()
    return a in _VOWELS and b in _VOWELS and (
        a == b or (a, b) in {("a", "e"), ("a", "i"), ("e", "i"), ("o", "e"), ("o", "i"), ("e", "u"), ("a", "u")}
    )
