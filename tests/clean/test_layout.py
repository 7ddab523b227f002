"""Layout clean-up: furniture removal, paragraphs across pages, de-hyphenation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.layout import (
    LayoutConfig,
    build_paragraphs,
    clean_document,
    join_lines,
    strip_furniture,
    word_forms,
)
from pipeline.model.document import Line, Page, RawDocument


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["de wijkverbeterings-", "contracten worden"], "de wijkverbeteringscontracten worden"),
        (["de dak- en", "thuislozen"], "de dak- en thuislozen"),
        (["de dak-", "en thuisloze inwoners"], "de dak- en thuisloze inwoners"),
        (["woningrenovatie en", "-kwaliteit."], "woningrenovatie en -kwaliteit."),
        (["rond dak- &", "thuislozenwerking"], "rond dak- & thuislozenwerking"),
        (["rond dak-", "& thuislozenwerking"], "rond dak- & thuislozenwerking"),
        (["vooral Turks-", "Bulgaarse migranten"], "vooral Turks-Bulgaarse migranten"),
        (["in 2021-", "2022"], "in 2021-2022"),
        (["een co-", "creatietraject"], "een co-creatietraject"),
        (["een ge-", "coördineerde aanpak"], "een gecoördineerde aanpak"),
        (["een  ruime", "  zin "], "een ruime zin"),
        (["zee-", "egel"], "zee-egel"),
    ],
)
def test_join_lines(lines: list[str], expected: str) -> None:
    assert join_lines(lines) == expected


def test_join_lines_uses_the_documents_own_spelling() -> None:
    vocabulary = word_forms(["de Rabot-Blaisantvest en sluizeken-tolhuis-ham zijn wijken", "x"])
    assert join_lines(["sluizeken-", "tolhuis-ham"], vocabulary) == "sluizeken-tolhuis-ham"
    assert join_lines(["ver-", "duurzaming"], vocabulary) == "verduurzaming"


_word = st.from_regex(r"[a-zA-Zëé]{1,12}-?", fullmatch=True)


@given(st.lists(st.lists(_word, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=12))
def test_join_lines_loses_nothing_but_line_end_hyphens(lines: list[str]) -> None:
    joined = join_lines(lines)
    squash = lambda text: re.sub(r"[\s-]", "", text)  # noqa: E731
    assert squash(joined) == squash("".join(lines))
    removed = sum(1 for line in lines[:-1] if line.endswith("-"))
    assert joined.count("-") >= "".join(lines).count("-") - removed


def _line(text: str, page: int, top: float, x1: float = 520.0, bold: bool = False) -> Line:
    font = "Helvetica-Bold" if bold else "Helvetica"
    return Line(text, page, 72.0, x1, top, top + 10, font, 10.0, bold, len(text) if bold else 0)


def _page(number: int, lines: list[Line]) -> Page:
    return Page(number=number, width=595.0, height=842.0, lines=tuple(lines))


def test_strip_furniture_removes_running_header_footer_and_page_numbers() -> None:
    pages = tuple(
        _page(
            n,
            [
                _line("Vlaams Parlement – Schriftelijke vraag 12 (2021-2022)", n, 40),
                _line(f"Body text of page {n}.", n, 300),
                _line(f"pagina {n} van 3", n, 800, x1=300),
            ],
        )
        for n in (1, 2, 3)
    )
    cleaned = strip_furniture(pages, LayoutConfig())
    assert [[line.text for line in p.lines] for p in cleaned] == [[f"Body text of page {n}."] for n in (1, 2, 3)]


def test_a_single_bare_page_number_is_furniture() -> None:
    page = _page(1, [_line("Tekst.", 1, 300), _line("1", 1, 800, x1=80)])
    assert [line.text for line in strip_furniture((page,), LayoutConfig())[0].lines] == ["Tekst."]


def test_paragraph_continues_across_a_page_break() -> None:
    pages = (
        _page(1, [_line("Dit is een zin die", 1, 700), _line("doorloopt tot", 1, 714, x1=200)]),
        _page(2, [_line("op de volgende pagina.", 2, 80, x1=250), _line("Nieuwe alinea.", 2, 110, x1=200)]),
    )
    paragraphs = build_paragraphs(pages, LayoutConfig(), (72.0, 520.0))
    assert [p.text for p in paragraphs] == ["Dit is een zin die doorloopt tot op de volgende pagina.", "Nieuwe alinea."]
    assert (paragraphs[0].page_start, paragraphs[0].page_end) == (1, 2)


def test_finished_paragraph_does_not_continue_on_next_page() -> None:
    pages = (
        _page(1, [_line("Een volle regel die tot de marge loopt en", 1, 700), _line("hier eindigt.", 1, 714, x1=200)]),
        _page(2, [_line("2. De beoordeling is lopende.", 2, 80, x1=250)]),
    )
    paragraphs = build_paragraphs(pages, LayoutConfig(), (72.0, 520.0))
    assert len(paragraphs) == 2


@settings(max_examples=60)
@given(
    st.lists(
        st.lists(
            st.tuples(st.lists(_word, min_size=1, max_size=6).map(" ".join), st.sampled_from([12.5, 12.5, 30.0])),
            min_size=1,
            max_size=25,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_clean_document_never_loses_or_duplicates_body_text(spec: list[list[tuple[str, float]]]) -> None:
    """Every body word comes out once, in order (hyphens at line ends may merge two words)."""
    pages = []
    for number, lines in enumerate(spec, start=1):
        top, page_lines = 120.0, []
        for text, step in lines:
            page_lines.append(_line(text, number, top))
            top += step
        pages.append(_page(number, page_lines))
    clean = clean_document(RawDocument(pages=tuple(pages), engine="test"), LayoutConfig())
    squash = lambda text: re.sub(r"[\s-]", "", text)  # noqa: E731
    body = "".join(line.text for page in pages for line in page.lines)
    assert squash("".join(p.text for p in clean.paragraphs)) == squash(body)
