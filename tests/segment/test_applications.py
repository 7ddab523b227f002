"""Application segmentation: headings, title/summary split by font or geometry, tables, statuses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.layout import LayoutConfig
from pipeline.model.document import DocumentMeta, Line, Paragraph, ParsedDocument, Section, Table
from pipeline.segment.applications import HEADING, segment_applications, title_line_count

PLACES = {"ANTWERPEN", "GENT", "Leuven (Kessel-Lo)", "BRUGGE (ZEEBRUGGE)", "SINT-NIKLAAS", "Gent", "Hasselt", "Genk"}
META = DocumentMeta(1, dt.date(2021, 10, 1), "A B", "C D", "Minister", "Titel")


def _line(text: str, x1: float, bold: bool = False, page: int = 1) -> Line:
    return Line(text, page, 72.0, x1, 100.0, 110.0, "F-Bold" if bold else "F", 10.0, bold, len(text) if bold else 0)


@pytest.mark.parametrize(
    ("text", "place", "title"),
    [
        ("1. ANTWERPEN – Veilig en leefbaar Deurne-Noord", "ANTWERPEN", "Veilig en leefbaar Deurne-Noord"),
        (
            "4. BRUGGE (ZEEBRUGGE) – Van analyses naar realisaties",
            "BRUGGE (ZEEBRUGGE)",
            "Van analyses naar realisaties",
        ),
        ("1. Leuven (Kessel-Lo) - Samen zorgen", "Leuven (Kessel-Lo)", "Samen zorgen"),
        ("18. SINT-NIKLAAS – Kroonmolenwijk", "SINT-NIKLAAS", "Kroonmolenwijk"),
        ("9. GENT - WEB – op de grens", "GENT", "WEB – op de grens"),
    ],
)
def test_heading_pattern(text: str, place: str, title: str) -> None:
    match = HEADING.match(text)
    assert match and match.group("place") == place and match.group("title") == title


def test_bold_title_ends_where_bold_ends() -> None:
    lines = (
        _line("2. BERINGEN – Tuinwijk Beringen Mijn: een participatief traject op", 520, bold=True),
        _line("maat dat leidt tot eenheid", 300, bold=True),
        _line("Gezien de sterke verwevenheid van problematieken vraagt de Tuinwijk", 515),
        _line("om een aanpak.", 200),
    )
    assert title_line_count(lines, full_from=470) == 2


@pytest.mark.parametrize(
    ("widths", "starts", "expected"),
    [
        ([300, 515, 515, 200], ["1. A – T", "Met", "een", "x"], 1),  # short title line
        ([515, 300, 515, 200], ["2. B – T", "dat", "Gezien", "x"], 2),  # wrapped, lower-case continuation
        ([515, 250, 515, 200], ["19. C – T", "Stationsomgeving", "Deze", "x"], 2),  # wrapped, short continuation
        ([515, 515, 515, 200], ["3. D – T", "Het", "voorstel", "x"], 1),  # full title line, full summary line
    ],
)
def test_plain_title_split_by_geometry(widths: list[float], starts: list[str], expected: int) -> None:
    lines = tuple(_line(f"{start} woorden", w) for start, w in zip(starts, widths, strict=True))
    assert title_line_count(lines, full_from=470) == expected


def _para(lines: list[Line] | None = None, text: str | None = None, table: Table | None = None) -> Paragraph:
    lines = lines or []
    return Paragraph(text or " ".join(line.text for line in lines), 1, 1, tuple(lines), table)


def _doc(answer_paragraphs: list[Paragraph]) -> ParsedDocument:
    section = Section("answer", 1, "\n\n".join(p.text for p in answer_paragraphs), tuple(answer_paragraphs))
    return ParsedDocument(META, (), (section,), ())


def _is_place(text: str) -> bool:
    return text in PLACES


def test_table_rows_are_accepted_applications_and_totals_are_not() -> None:
    table = Table(
        page=2,
        rows=(
            ("Stad/gemeente", "Wijk", "Project", "Toegekende subsidie (euro)"),
            ("Gent", "Rabot", "Samen sterk", "612.500,50"),
            ("Hasselt", "Runkst", "Runkst Vooruit", "€ 1,2 miljoen"),
            ("Totaal", None, None, "1.812.500,50"),
        ),
        top=100,
        bottom=200,
    )
    paragraphs = [_para(text="Er werden 2 projecten geselecteerd."), _para(text="table", table=table)]
    result = segment_applications(_doc(paragraphs), (72, 520), _is_place, LayoutConfig())
    assert [(i.item_number, i.place, i.title, i.status, i.budget_eur, i.neighbourhood_hint) for i in result.items] == [
        (1, "Gent", "Samen sterk", "accepted", 612500.5, "Rabot"),
        (2, "Hasselt", "Runkst Vooruit", "accepted", 1200000.0, "Runkst"),
    ]
    assert result.declared_count == 2 and result.count_problems == ()


def test_rejected_list_after_table_numbers_on_and_keeps_reasons() -> None:
    table = Table(2, (("Gemeente", "Project", "Subsidie"), ("Gent", "A", "100.000")), 0, 10)
    paragraphs = [
        _para(text="t", table=table),
        _para(text="De volgende aanvragen werden niet weerhouden:"),
        _para([_line("1. Genk – Samen", 300), _line("Het dossier was onvolledig.", 300)]),
        _para([_line("2. Hasselt – Verder", 300), _line("De wijk is niet kwetsbaar genoeg.", 300)]),
    ]
    result = segment_applications(_doc(paragraphs), (72, 520), _is_place, LayoutConfig())
    assert [(i.item_number, i.status, i.summary, i.decision_reason) for i in result.items] == [
        (1, "accepted", "", None),
        (2, "rejected", "", "Het dossier was onvolledig."),
        (3, "rejected", "", "De wijk is niet kwetsbaar genoeg."),
    ]


def test_declared_count_mismatch_is_reported_and_rows_kept() -> None:
    paragraphs = [
        _para(text="Er werden 3 aanvragen ingediend:"),
        _para([_line("1. Gent – A", 300), _line("Tekst.", 300)]),
        _para([_line("2. Genk – B", 300), _line("Tekst.", 300)]),
    ]
    result = segment_applications(_doc(paragraphs), (72, 520), _is_place, LayoutConfig())
    assert len(result.items) == 2 and result.declared_count == 3
    assert result.count_problems == ("The answer declares 3 applications ingediend, but 2 were found.",)


def test_numbered_list_that_is_not_applications_gives_no_items() -> None:
    paragraphs = [
        _para(text="De criteria zijn:"),
        _para(text="1. Kwaliteit – het project is sterk."),
        _para(text="2. Haalbaarheid."),
    ]
    assert segment_applications(_doc(paragraphs), (72, 520), _is_place, LayoutConfig()).items == ()


@given(st.lists(st.sampled_from(["Gent", "Genk", "Hasselt"]), min_size=1, max_size=15), st.booleans())
def test_segmentation_never_loses_or_duplicates_item_text(places: list[str], bold: bool) -> None:
    """Every heading and summary word of a list comes back once, in order."""
    paragraphs = [_para(text="Er werden aanvragen ingediend:")]
    for n, place in enumerate(places, start=1):
        paragraphs.append(
            _para([
                _line(f"{n}. {place} – Titel nummer {n}", 300, bold=bold),
                _line(f"Samenvatting {n} met tekst.", 300),
            ])
        )
    result = segment_applications(_doc(paragraphs), (72, 520), _is_place, LayoutConfig())
    got = " ".join(f"{i.printed_number}. {i.place} – {i.title} {i.summary}" for i in result.items)
    assert got.split() == " ".join(p.text for p in paragraphs[1:]).split()
    assert [i.item_number for i in result.items] == list(range(1, len(places) + 1))


_GAP = st.sampled_from([" ", "  ", "\t", "\n", " " * 40])
_HEADING_TEXT = st.one_of(
    st.text(max_size=200),
    st.tuples(
        st.one_of(st.integers(0, 1234).map(str), st.text("0123456789", max_size=5)),
        st.sampled_from([".", ")", "", ":"]), _GAP, st.text(max_size=20), _GAP,
        st.sampled_from(["–", "—", "-", "", "–" * 3]), _GAP, st.text(max_size=40),
    ).map("".join),
)  # fmt: skip


@given(_HEADING_TEXT)
def test_heading_groups_are_consistent(text: str) -> None:
    match = HEADING.match(text)
    if match:
        assert 1 <= len(match.group("number")) <= 3 and match.group("number").isdigit()
        assert match.group("place") and not match.group("place")[0].isspace()
        assert match.group("title") and not match.group("title")[0].isspace()


_CELL = st.one_of(st.none(),
                  st.sampled_from(["Gent", "Genk", "Totaal", "Rabot", "612.500,50", "€ 1,2 miljoen", "9" * 330]),
                  st.text(max_size=15))  # fmt: skip
_TABLE = st.builds(
    Table,
    page=st.integers(1, 5),
    rows=st.lists(st.lists(_CELL, min_size=0, max_size=5).map(tuple), max_size=6).map(
        lambda rows: (("Gemeente", "Wijk", "Project", "Subsidie"), *rows)
    ),
    top=st.just(100.0),
    bottom=st.just(200.0),
)
_ANSWER_LINE = st.one_of(
    st.tuples(st.integers(0, 30), st.sampled_from(sorted(PLACES)), st.text(max_size=20)).map(
        lambda t: f"{t[0]}. {t[1]} – {t[2]}"
    ),
    st.sampled_from(["Er werden 3 aanvragen ingediend:", "De volgende aanvragen werden niet weerhouden:",
                     "Er werden twaalf projecten geselecteerd.", "Het dossier was onvolledig."]),
    st.text(max_size=40),
)  # fmt: skip
_ANSWER_PARAGRAPH = st.one_of(
    st.builds(
        lambda texts, bold, widths: _para([_line(t, w, bold=bold) for t, w in zip(texts, widths, strict=False)]),
        st.lists(_ANSWER_LINE, min_size=1, max_size=4), st.booleans(),
        st.lists(st.floats(80, 600), min_size=4, max_size=4),
    ),
    _TABLE.map(lambda table: _para(text="tabel", table=table)),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_ANSWER_PARAGRAPH, max_size=10))
def test_segmentation_of_anything_gives_numbered_items(paragraphs: list[Paragraph]) -> None:
    result = segment_applications(_doc(paragraphs), (72, 520), _is_place, LayoutConfig())
    assert [i.item_number for i in result.items] == list(range(1, len(result.items) + 1))
    assert all(i.status in {"submitted", "accepted", "rejected"} and i.page_start <= i.page_end for i in result.items)
    assert all(i.budget_eur is None or 0 <= i.budget_eur < float("inf") for i in result.items)
    assert result.declared_count is None or result.declared_count >= 0


@pytest.mark.parametrize("widths", [(300, 300), (515, 515)])
def test_heading_ending_at_its_dash_takes_the_title_from_the_next_line(widths: tuple[float, float]) -> None:
    """Found by the test above: a plain "3. GENT –" line ended the heading before its title."""
    lines = [_line("3. GENT –", widths[0]), _line("Samen sterk in de wijk", widths[1]), _line("Een samenvatting.", 300)]
    result = segment_applications(_doc([_para(lines)]), (72, 520), _is_place, LayoutConfig())
    assert [(i.place, i.title, i.summary) for i in result.items] == [
        ("GENT", "Samen sterk in de wijk", "Een samenvatting.")
    ]
