"""Lists found from layout, and the decision per list whether it lists applications."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.clean.layout import LayoutConfig
from pipeline.model.document import DocumentMeta, Line, Paragraph, ParsedDocument, Section
from pipeline.model.kinds import ListRule, Status
from pipeline.segment.applications import segment_applications
from pipeline.segment.lists import find_lists

PLACES = {
    "gent", "aalst", "ronse", "ronse (glorieux)", "leuven", "genk", "hasselt", "lokeren", "tienen", "eeklo",
    "mortsel", "geel", "boom", "beringen", "aarschot", "oostende", "limburg", "antwerpen", "kortrijk",
}  # fmt: skip
FULL_FROM = 470.0
SHORT, FULL = 300.0, 515.0


def is_place(text: str) -> bool:
    return " ".join(text.split()).casefold() in PLACES


def _line(text: str, x1: float = SHORT, bold: bool = False, x0: float = 72.0, page: int = 1) -> Line:
    return Line(text, page, x0, x1, 100.0, 110.0, "F-Bold" if bold else "F", 10.0, bold, len(text) if bold else 0)


def _para(*lines: Line) -> Paragraph:
    return Paragraph(" ".join(line.text for line in lines), lines[0].page, lines[-1].page, tuple(lines))


def _find(*paragraphs: Paragraph):
    return find_lists(tuple(paragraphs), is_place, frozenset(), FULL_FROM)


def test_bullets_between_prose_in_one_paragraph() -> None:
    found = _find(
        _para(
            _line("1. Bij het afsluiten van de oproep waren er 3 aanvragen ingediend:", 450),
            _line("\uf0b7 Lokeren – Veilig en verbonden in Heirbrug"),
            _line("\uf0b7 Ronse – Een buurtregisseur voor Germinal"),
            _line("\uf0b7 Tienen – Veilige schoolroutes in de Grimde"),
            _line("Na de deadline ontving mijn administratie nog twee aanvragen, die wel werden bekeken maar", FULL),
            _line("apart werden behandeld:"),
            _line("o Eeklo – Oostveld: een veilig buurtpark"),
            _line("o Gent – Samen"),
            _line("Alle aanvragers ontvangen een brief.", 250),
        )
    )
    assert [len(f.items) for f in found] == [3, 2]
    first = found[0]
    assert first.rule == ListRule.BULLET_DASH and first.status == Status.SUBMITTED
    assert [i.applicant for i in first.items] == ["Lokeren", "Ronse", "Tienen"]
    assert first.items[2].summary == ""  # the prose after the list is no summary
    assert found[1].items[0].title == "Oostveld: een veilig buurtpark"
    assert found[1].items[1].summary == ""


def test_heading_blocks() -> None:
    found = _find(
        _para(_line("In totaal dienden 2 lokale besturen een project in. Hieronder volgt per bestuur het project.")),
        _para(_line("Aarschot", 120, bold=True)),
        _para(_line("Elisabethwijk spreekt", 200, bold=True), _line("Via een buurtradio krijgen bewoners een stem.")),
        _para(_line("Hasselt", 120, bold=True)),
        _para(_line("Kiewit kookt", 150), _line("Een rijdende buurtkeuken houdt halt op de pleinen.", 400)),
        _para(_line("Alle projecten worden momenteel beoordeeld.")),
    )
    assert len(found) == 1 and found[0].rule == ListRule.HEADING_BLOCK
    items = found[0].items
    assert [(i.applicant, i.title) for i in items] == [
        ("Aarschot", "Elisabethwijk spreekt"),
        ("Hasselt", "Kiewit kookt"),
    ]
    assert items[1].summary == "Een rijdende buurtkeuken houdt halt op de pleinen."
    assert items[0].heading_box is not None and items[0].heading_box.page == 1


def test_heading_line_with_title_and_summary_in_one_paragraph() -> None:
    found = _find(
        _para(_line("GENT", 100), _line("Samen in Rabot", 200), _line("Het project verbindt bewoners.", 300)),
        _para(_line("GENK", 100), _line("Kolderbos beweegt", 200), _line("Een wijkpark voor iedereen.", 300)),
    )
    assert [(i.place, i.title, i.summary) for i in found[0].items] == [
        ("GENT", "Samen in Rabot", "Het project verbindt bewoners."),
        ("GENK", "Kolderbos beweegt", "Een wijkpark voor iedereen."),
    ]


def test_lists_under_bare_headings_keep_the_announced_status() -> None:
    found = _find(
        _para(_line("Op haar voorstel keurde ik 4 projecten goed. Ik geef ze per provincie weer.")),
        _para(_line("Provincie Antwerpen:")),
        _para(_line("• Mortsel: Buurthuis Oude-God (€ 250.000)"), _line("• Geel: Een buurtkeuken (€ 145.000)")),
        _para(_line("Provincie Limburg:")),
        _para(_line("– Beringen – Ontmoeten in Beringen-Mijn (€ 210.000)"), _line("– Genk – Kolderbos (€ 95.000)")),
        _para(_line("De andere aanvragen werden niet goedgekeurd.")),
    )
    assert [f.rule for f in found] == [ListRule.BULLET_COLON, ListRule.BULLET_DASH]
    assert {i.status for f in found for i in f.items} == {Status.ACCEPTED}
    assert [i.budget_eur for f in found for i in f.items] == [250000.0, 145000.0, 210000.0, 95000.0]
    assert found[0].items[1].title == "Een buurtkeuken"


@pytest.mark.parametrize(
    ("intro", "status"),
    [
        ("De volgende aanvragen werden niet geselecteerd:", Status.REJECTED),
        ("Op de reservelijst staan:", Status.SUBMITTED),
        ("De volgende projecten werden gesubsidieerd:", Status.ACCEPTED),
        ("Er werden 2 aanvragen ingediend:", Status.SUBMITTED),
        ("Deze aanvragen kregen een positief advies:", Status.ACCEPTED),
        ("De volgende aanvragen waren onontvankelijk:", Status.REJECTED),
        ("Een negatieve beslissing kregen:", Status.REJECTED),
    ],
)
def test_status_from_the_heading_of_each_list(intro: str, status: Status) -> None:
    found = _find(_para(_line(intro)), _para(_line("1) Gent – Samen"), _line("2) Genk – Verder")))
    assert [i.status for i in found[0].items] == [status, status]


def test_place_in_parentheses_with_summaries_and_an_inner_enumeration() -> None:
    found = _find(
        _para(_line("2. Na beoordeling werden de volgende projecten geselecteerd:")),
        _para(_line("1. Speelstraten het hele jaar door (Aalst)", bold=True), _line("De stad wil spelen.", 200)),
        _para(_line("2. Een groene speelas door de wijk (Ronse – Glorieux)", bold=True), _line("Het project:", 200)),
        _para(_line("a) legt een as aan;"), _line("b) verbindt de school.")),
        _para(_line("3. Ruimte om te spelen (Leuven)", bold=True), _line("Een terrein.", 200)),
        _para(_line("De geselecteerde projecten ontvangen elk een subsidie van maximaal 100.000 euro.")),
    )
    assert len(found) == 1 and found[0].rule == ListRule.NUMBERED_PAREN
    items = found[0].items
    assert [(i.printed_number, i.applicant, i.title) for i in items] == [
        (1, "Aalst", "Speelstraten het hele jaar door"),
        (2, "Ronse", "Een groene speelas door de wijk"),
        (3, "Leuven", "Ruimte om te spelen"),
    ]
    assert items[1].neighbourhood_hint == "Glorieux" and items[1].places == ("Ronse (Glorieux)",)
    assert "a) legt een as aan;" in items[1].summary
    assert {i.status for i in items} == {Status.ACCEPTED}
    assert items[2].summary == "Een terrein."


@pytest.mark.parametrize(
    "lines",
    [
        ["1. Antwerpen – 17 aanvragen", "2. Limburg – 14 aanvragen", "3. Oost-Vlaanderen – 12 aanvragen"],
        ["• Antwerpen: 12 aanvragen, waarvan 3 goedgekeurd", "• Gent: 5 aanvragen, waarvan 2 goedgekeurd"],
        ["a) de mate waarin het project de armoede vermindert;", "b) de betrokkenheid van de bewoners;"],
        ["1. Het project richt zich op een afgebakende wijk.", "2. De aanvrager is een lokaal bestuur."],
        ["1. Welke projecten werden ingediend?", "2. Welke projecten werden geselecteerd?"],
    ],
)
def test_lists_that_are_not_applications(lines: list[str]) -> None:
    found = _find(_para(_line("Per provincie ziet de verdeling er als volgt uit:")), _para(*map(_line, lines)))
    assert [item for f in found for item in f.items] == []


def test_a_list_only_partly_of_applications_gives_a_warning_not_rows() -> None:
    found = _find(
        _para(_line("• Gent – Samen in Rabot"), _line("• de betrokkenheid van bewoners"), _line("• een planning"))
    )
    assert [f.items for f in found] == [()] and "no rows" in found[0].warnings[0]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(PLACES)),
            st.integers(0, 500),
            st.sampled_from(["aanvragen", "projecten", "dossiers", "aanvragen, waarvan 3 goedgekeurd"]),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["{n}. ", "• ", "– ", "({n}) ", ""]),
    st.sampled_from([" – ", ": "]),
)
def test_a_list_of_statistics_never_yields_rows(rows, marker: str, separator: str) -> None:
    lines = [
        _line(f"{marker.format(n=n + 1)}{place.title()}{separator}{count} {noun}")
        for n, (place, count, noun) in enumerate(rows)
    ]
    paragraphs = (_para(_line("Per gemeente:")), _para(*lines))
    assert [item for f in _find(*paragraphs) for item in f.items] == []
    doc = ParsedDocument(
        DocumentMeta(1, dt.date(2024, 1, 1), "A B", "C D", "Minister", "Titel"),
        (),
        (Section("answer", 1, "", paragraphs),),
        (),
    )
    assert segment_applications(doc, (72.0, 515.0), is_place, LayoutConfig()).items == ()


def test_seed_form_with_place_in_parentheses_keeps_the_whole_title() -> None:
    paragraphs = (
        _para(_line("De volgende projecten werden geselecteerd:")),
        _para(_line("1. Een groene speelas door de wijk (Ronse – Glorieux)", bold=True), _line("Het project.", 200)),
        _para(_line("2. Samen (Gent)", bold=True), _line("Het project.", 200)),
    )
    doc = ParsedDocument(
        DocumentMeta(1, dt.date(2024, 1, 1), "A B", "C D", "Minister", "Titel"),
        (),
        (Section("answer", 1, "", paragraphs),),
        (),
    )
    segmentation = segment_applications(doc, (72.0, 515.0), is_place, LayoutConfig())
    assert [(i.item_number, i.title, i.list_rule) for i in segmentation.items] == [
        (1, "Een groene speelas door de wijk", ListRule.NUMBERED_PAREN),
        (2, "Samen", ListRule.NUMBERED_PAREN),
    ]
    assert [f.rule for f in segmentation.lists] == [ListRule.NUMBERED_PAREN]


@pytest.mark.parametrize(
    "paragraph",
    [
        _para(_line("Het project loopt in de wijk Rabot (Gent)."), _line("Het werd goed onthaald.", 200)),
        _para(_line("GENT", 100, bold=True), _line("De stad heeft de meeste aanvragen ingediend.", 400)),
    ],
)
def test_one_unmarked_paragraph_is_no_list(paragraph: Paragraph) -> None:
    assert _find(_para(_line("Inleiding.")), paragraph, _para(_line("Slot."))) == []


def test_a_list_of_places_in_an_answer_about_something_else_gives_a_warning() -> None:
    paragraphs = (
        _para(_line("De steden werken elk aan een eigen plan.")),
        _para(_line("• Gent: het plan loopt tot 2025"), _line("• Genk: het plan wordt herzien")),
    )
    found = find_lists(paragraphs, is_place, frozenset(), FULL_FROM, about_applications=False)
    assert [f.items for f in found] == [()] and "nothing says they applied" in found[0].warnings[0]
    assert [len(f.items) for f in find_lists(paragraphs, is_place, frozenset(), FULL_FROM)] == [2]
    doc = ParsedDocument(
        DocumentMeta(1, dt.date(2024, 1, 1), "A B", "C D", "Minister", "Stedenbeleid - Plannen"),
        (),
        (Section("answer", 1, "", paragraphs),),
        (),
    )
    segmentation = segment_applications(doc, (72.0, 515.0), is_place, LayoutConfig())
    assert segmentation.items == () and len(segmentation.warnings) == 1


_LINE_TEXTS = st.sampled_from(
    [
        "1. Gent – Samen in Rabot", "2) Genk: Kolderbos", "• Aalst: Buurthuis (€ 120.000)", "– Ronse – Germinal",
        "Een titel (Leuven)", "GENT", "Het project verbindt bewoners.", "a) een criterium;", "Per provincie:",
        "Er werden 4 aanvragen ingediend:", "• Limburg: 14 aanvragen", "Hasselt", "",
    ]
)  # fmt: skip


@given(st.lists(st.lists(st.tuples(_LINE_TEXTS, st.booleans(), st.booleans()), min_size=1, max_size=5), max_size=6))
def test_every_item_found_names_an_applicant_and_a_title(paragraphs) -> None:
    built = tuple(
        _para(*(_line(text or "x", FULL if full else SHORT, bold) for text, full, bold in lines))
        for lines in paragraphs
    )
    for found in _find(*built):
        for item in found.items:
            assert item.applicant and item.title and item.list_rule == ListRule(item.list_rule)
            assert "aanvragen" not in item.title  # a count is never a title


def test_lists_inside_an_outer_list_of_headings() -> None:
    found = _find(
        _para(_line("De Vlaamse Regering besliste over de aanvragen.")),
        _para(_line("A. Projectsubsidies – geselecteerd")),
        _para(_line("1. Gent – Een dorpsplein"), _line("2. Genk – Ontmoeten")),
        _para(_line("B. Projectsubsidies – niet geselecteerd")),
        _para(_line("1. Aalst – Parkeren"), _line("2. Ronse – Een gemeentehuis")),
    )
    assert [(f.status, [i.applicant for i in f.items]) for f in found] == [
        (Status.ACCEPTED, ["Gent", "Genk"]),
        (Status.REJECTED, ["Aalst", "Ronse"]),
    ]
