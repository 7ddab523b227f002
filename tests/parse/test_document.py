"""Document parsing on every rendering of every fixture document, against the gold files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.layout import LayoutConfig, clean_document, join_lines
from pipeline.model.document import CleanDocument, Line, Paragraph
from pipeline.model.errors import DocumentError
from pipeline.parse.document import parse_document, split_sections
from pipeline.read.config import ReadConfig
from pipeline.read.plumber import read_pdf_bytes
from tests.fixtures.generate import DOCS_DIR
from tests.fixtures.markup import block_text, parse_markup
from tests.fixtures.render import VARIANTS

DOCS = sorted(p.stem for p in DOCS_DIR.glob("*.txt"))
CASES = [(doc, variant) for doc in DOCS for variant in VARIANTS]


def _parsed(path: Path):
    return parse_document(clean_document(read_pdf_bytes(path.read_bytes(), ReadConfig()), LayoutConfig()))


@pytest.mark.parametrize(("doc", "variant"), CASES)
def test_metadata_and_sections(doc: str, variant: str, fixture_pdfs: dict[str, Path]) -> None:
    gold = json.loads((DOCS_DIR / f"{doc}.expected.json").read_text(encoding="utf-8"))
    parsed = _parsed(fixture_pdfs[f"{doc}__{variant}.pdf"])
    expected = gold["document"]
    meta = parsed.meta
    assert meta.question_number == expected["question_number"]
    assert meta.question_date.isoformat() == expected["question_date"]
    assert meta.questioner == expected["questioner"]
    assert meta.minister == expected["minister"]
    assert meta.minister_title == expected["minister_title"]
    assert meta.title == expected["title"]
    assert len(parsed.questions) == gold["sections"]["question"]
    assert len(parsed.answers) == gold["sections"]["answer"]


def _words(text: str) -> list[str]:
    return re.sub(r"[\s\-|]+", " ", text).split()


@pytest.mark.parametrize(("doc", "variant"), CASES)
def test_section_text_is_the_body_without_furniture(doc: str, variant: str, fixture_pdfs: dict[str, Path]) -> None:
    """The sections hold the markup's sub-questions and answers word for word; no header or page number."""
    markup = parse_markup((DOCS_DIR / f"{doc}.txt").read_text(encoding="utf-8"))
    parsed = _parsed(fixture_pdfs[f"{doc}__{variant}.pdf"])
    answer_words = _words(" ".join(s.text for s in parsed.answers))
    expected = _words(" ".join(block_text(b) for b in markup.answer))
    # the number that opens a section is not part of the section's text
    assert _same_but_numbers(answer_words, expected)
    for section in (*parsed.questions, *parsed.answers):
        assert "Vlaams Parlement" not in section.text
        assert not re.search(r"pagina \d+ van \d+", section.text)


def _same_but_numbers(got: list[str], expected: list[str]) -> bool:
    """Equal once the leading 'N.' of each section is removed from the expected words."""
    numbers = {f"{n}." for n in range(1, 10)}
    remaining = list(expected)
    for word in got:
        while remaining and remaining[0] != word and remaining[0] in numbers:
            remaining.pop(0)
        if not remaining or remaining[0] != word:
            return False
        remaining.pop(0)
    return all(w in numbers for w in remaining)


def test_seed_answer_one_holds_all_twenty_applications(fixture_pdfs: dict[str, Path]) -> None:
    for variant in VARIANTS:
        parsed = _parsed(fixture_pdfs[f"seed_wijkverbeteringscontracten__{variant}.pdf"])
        first = parsed.answers[0].text
        for n, place in enumerate(["ANTWERPEN", "BERINGEN", "BOOM", "BRUGGE (ZEEBRUGGE)"], start=1):
            assert f"{n}. {place}" in first
        assert "20. VILVOORDE – Centrum" in first
        assert parsed.answers[2].text == "Zie het antwoord op vraag 2."


def _para(text: str) -> Paragraph:
    return Paragraph(text=text, page_start=1, page_end=1, lines=())


def test_nested_list_is_not_taken_for_answer_numbers() -> None:
    texts = [
        "1. Er werden 3 aanvragen ingediend:",
        "1. GENT – a",
        "2. GENK – b",
        "3. BOOM – c",
        "2. Lopende.",
        "3. Zie vraag 2.",
    ]
    _, sections = split_sections(tuple(_para(t) for t in texts), "answer")
    assert [s.number for s in sections] == [1, 2, 3]
    assert sections[0].text.count("\n\n") == 3
    assert sections[2].text == "Zie vraag 2."


def test_not_a_written_question() -> None:
    clean = CleanDocument(paragraphs=(_para("Factuur nr. 5"),), tables=(), n_pages=1, text_width=(0, 500))
    with pytest.raises(DocumentError) as caught:
        parse_document(clean)
    assert caught.value.kind == "not_a_written_question"


@given(st.lists(st.one_of(st.integers(1, 25).map(lambda n: f"{n}. tekst"), st.just("los")), max_size=40))
def test_split_sections_never_loses_or_duplicates_paragraphs(texts: list[str]) -> None:
    paragraphs = tuple(_para(t) for t in texts)
    preamble, sections = split_sections(paragraphs, "answer")
    regrouped = list(preamble) + [p for s in sections for p in s.paragraphs]
    assert [id(p) for p in regrouped] == [id(p) for p in paragraphs]
    assert [s.number for s in sections] == list(range(1, len(sections) + 1))


# Header-block lines, their near misses and plain noise, in any order: whatever the blocks say,
# parsing gives a document or a DocumentError of the parse stage, never another exception.
_HEADER_LINE = st.one_of(
    st.sampled_from(["SCHRIFTELIJKE VRAAG", "ANTWOORD", "ANTWOORD:", "aan BART SOMERS", "van CHRIS JANSSENS",
                     "VLAAMS MINISTER VAN WONEN", "datum: 1 oktober 2021", "datum: 31 februari 2021", "datum:",
                     "op vraag nr. 12 van 1 oktober 2021", "op vraag nr. 99999 van gisteren", "1. Welke?", "2) Hoe?",
                     "nr.", "van", "aan", "", " "]),
    st.integers(0, 10**6).map(lambda n: f"nr. {n}"),
    st.text(max_size=12).map(lambda t: f"van {t}"),
    st.text(max_size=12).map(lambda t: f"aan {t}".upper()),
    st.text(max_size=30),
)  # fmt: skip


_SKELETON = (
    ("SCHRIFTELIJKE VRAAG",), ("nr. 12",), ("van CHRIS JANSSENS",), ("datum: 1 oktober 2021",), ("aan BART SOMERS",),
    ("VLAAMS MINISTER VAN BINNENLANDS BESTUUR,", "BESTUURSZAKEN EN GELIJKE KANSEN"),
    ("Wijkverbeteringscontracten - Projectaanvragen",), ("In de beleidsnota staat een oproep.",),
    ("1. Welke projecten werden ingediend?",), ("2. Hoeveel middelen zijn er?",),
    ("BART SOMERS",), ("VLAAMS MINISTER VAN BINNENLANDS BESTUUR",), ("ANTWOORD",),
    ("op vraag nr. 12 van 1 oktober 2021",), ("van CHRIS JANSSENS",),
    ("1. Er werden 3 aanvragen ingediend.",), ("2. Er is 2 miljoen euro.",),
)  # fmt: skip


@st.composite
def _document(draw: st.DrawFn) -> list[list[str]]:
    """A written question's lines, each kept, dropped, replaced by noise or followed by noise."""
    paragraphs = []
    for lines in _SKELETON:
        fate = draw(st.sampled_from(["keep", "keep", "keep", "keep", "drop", "noise", "extra"]))
        if fate == "noise":
            lines = (draw(_HEADER_LINE),)
        if fate != "drop":
            paragraphs.append(list(lines))
        if fate == "extra":
            paragraphs.append([draw(_HEADER_LINE)])
    return paragraphs


def _paragraph(texts: list[str], number: int) -> Paragraph:
    lines = tuple(Line(t, 1 + number // 5, 72.0, 400.0, 100.0 + 12 * k, 110.0 + 12 * k, "F", 10.0, t.isupper())
                  for k, t in enumerate(texts))  # fmt: skip
    return Paragraph(join_lines(list(texts)), lines[0].page, lines[-1].page, lines)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_document(), st.lists(st.lists(_HEADER_LINE, min_size=1, max_size=4), max_size=12)))
def test_parse_document_gives_a_document_or_a_parse_error(paragraphs: list[list[str]]) -> None:
    clean = CleanDocument(tuple(_paragraph(t, n) for n, t in enumerate(paragraphs)), (), 3, (72.0, 520.0))
    try:
        parsed = parse_document(clean)
    except DocumentError as error:
        assert error.stage == "parse" and error.kind and error.message
        return
    meta = parsed.meta
    assert meta.question_number > 0 and meta.questioner and meta.minister
    assert [s.number for s in parsed.questions] == list(range(1, len(parsed.questions) + 1))
