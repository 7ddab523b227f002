"""Tables drawn without rules: columns by alignment, a repeated header, wrapped cells, totals."""

from __future__ import annotations

import datetime as dt

from pipeline.clean.layout import LayoutConfig
from pipeline.model.document import DocumentMeta, Line, Paragraph, ParsedDocument, Section
from pipeline.model.kinds import ListRule, Status
from pipeline.segment.applications import segment_applications
from pipeline.segment.tables import find_unruled_tables

COLUMNS = (70.0, 180.0, 380.0, 470.0)
PLACES = {"gent", "aalst", "genk", "lier"}


def _row(cells: list[str], page: int = 1, right_numbers: bool = True, bold: bool = False) -> Line:
    """A line of cells at the column starts; a number in the last column ends at its right edge."""
    stretches, text = [], ""
    for index, cell in enumerate(cells):
        if not cell:
            continue
        x0 = COLUMNS[index]
        if right_numbers and index == len(COLUMNS) - 1 and cell[0].isdigit():
            x0 = 520.0 - 5 * len(cell)
        stretches.append((len(text) + (1 if text else 0), x0))
        text = f"{text} {cell}" if text else cell
    return Line(text, page, stretches[0][1], 520.0, 100.0, 110.0, "F", 10.0, bold, len(text) if bold else 0,
                tuple(stretches))  # fmt: skip


def _plain(text: str, x0: float = 70.0, x1: float = 515.0, page: int = 1) -> Line:
    return Line(text, page, x0, x1, 100.0, 110.0, "F", 10.0, False)


def _para(*lines: Line) -> Paragraph:
    return Paragraph(" ".join(line.text for line in lines), lines[0].page, lines[-1].page, tuple(lines))


HEADER = ["Gemeente", "Project", "Thema", "Subsidie (euro)"]


def test_columns_by_alignment_over_pages_with_a_wrapped_cell_and_a_total() -> None:
    paragraphs = (
        _para(_plain("In totaal ontvingen 4 projecten een subsidie. Het overzicht volgt hieronder.")),
        _para(
            _row(HEADER, bold=True),
            _row(["Aalst", "Pierlapont: groen en veilig", "mobiliteit", "185.000"]),
            _row(["Gent", "Muide-Meulestede: de kaaien als", "publieke ruimte", "240.000"]),
            _plain("speelruimte", x0=186.0, x1=240.0),
        ),
        _para(
            _row(HEADER, page=2, bold=True),  # the header repeated on the next page
            _row(["Genk", "Kolderbos", "groen", "50.000"], page=2),
            _row(["Lier", "Lisp: een speelbos", "spelen", "75.000"], page=2),
            _row(["Totaal (4 projecten)", "", "", "550.000"], page=2),
        ),
        _para(_plain("De projecten moeten uiterlijk in 2026 zijn uitgevoerd, zo niet vervalt de subsidie.")),
    )
    (table,) = find_unruled_tables(paragraphs)
    assert table.table.rows[0] == tuple(HEADER) and len(table.table.rows) == 6
    assert table.table.rows[2][1] == "Muide-Meulestede: de kaaien als\nspeelruimte"
    assert table.row_pages == (1, 1, 2, 2, 2) and table.paragraphs == range(1, 3)

    doc = ParsedDocument(
        DocumentMeta(1, dt.date(2024, 6, 18), "A B", "C D", "Minister", "Titel"),
        (),
        (Section("answer", 1, "", paragraphs),),
        (),
    )
    segmentation = segment_applications(
        doc, (70.0, 515.0), lambda text: text.casefold() in PLACES, LayoutConfig()
    )
    items = segmentation.items
    assert [(i.place, i.title, i.budget_eur, i.page_start) for i in items] == [
        ("Aalst", "Pierlapont: groen en veilig", 185000.0, 1),
        ("Gent", "Muide-Meulestede: de kaaien als speelruimte", 240000.0, 1),
        ("Genk", "Kolderbos", 50000.0, 2),
        ("Lier", "Lisp: een speelbos", 75000.0, 2),
    ]
    assert {(i.list_rule, i.status) for i in items} == {(ListRule.TABLE_UNRULED, Status.ACCEPTED)}
    # each row's heading line is its first line: page and box (a wrapped cell's line is no row)
    assert [(i.heading_box.page, i.heading_box.x0, i.heading_box.x1) for i in items] == [
        (1, 70.0, 520.0), (1, 70.0, 520.0), (2, 70.0, 520.0), (2, 70.0, 520.0)]  # fmt: skip


def test_running_text_and_short_runs_are_no_table() -> None:
    paragraphs = (
        _para(_plain("Een gewone alinea met tekst die over de hele breedte loopt."), _plain("Nog een.")),
        _para(_row(["Gent", "Samen"]), _row(["Aalst", "Verder"])),  # two lines: too short for a table
    )
    assert find_unruled_tables(paragraphs) == []
