"""Tabulate: explicit Arrow schemas, every schema table, fixed row order."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dataset.tabulate import build_table, result_columns, tabulate_results, to_frame
from pipeline.model.kinds import ListRule
from pipeline.model.records import ApplicationPlace, HeadingBox
from schemas import arrow_schema, load_schema
from tests.builders import make_failed, make_result

SCHEMA = load_schema()
RESULTS = (make_result("b", 3), make_result("a", 2), make_failed("c"))


def test_every_schema_table_with_its_arrow_schema() -> None:
    tables = tabulate_results(RESULTS, SCHEMA)
    assert list(tables) == list(SCHEMA.tables)
    for name, table in tables.items():
        assert table.schema.equals(arrow_schema(SCHEMA.tables[name]))


@pytest.mark.parametrize(
    ("table", "rows"),
    [
        ("documents", 2),
        ("sections", 4),
        ("applications", 5),
        ("application_themes", 10),
        ("application_municipalities", 5),
        ("failures", 1),
    ],
)
def test_row_counts(table: str, rows: int) -> None:
    assert tabulate_results(RESULTS, SCHEMA)[table].num_rows == rows


@pytest.mark.parametrize("name", list(SCHEMA.tables))
def test_rows_sorted_by_key(name: str) -> None:
    table = tabulate_results(RESULTS, SCHEMA)[name]
    keys = [tuple(row[k] for k in SCHEMA.tables[name].key) for row in table.to_pylist()]
    assert keys == sorted(keys)


@settings(max_examples=25, deadline=None)
@given(st.permutations(RESULTS))
def test_order_of_results_does_not_matter(results: list) -> None:
    expected = tabulate_results(RESULTS, SCHEMA)
    got = tabulate_results(results, SCHEMA)
    assert all(got[name].equals(expected[name]) for name in SCHEMA.tables)


def test_theme_rows_come_from_theme_terms() -> None:
    result = make_result("a", 1)
    columns, counts = result_columns([result], SCHEMA.tables["application_themes"])
    assert counts == [2]
    assert columns == {
        "doc_id": [result.document.doc_id] * 2,
        "item_number": [1, 1],
        "theme": ["veiligheid", "wonen"],
        "terms": [("veiligheid",), ("wonen",)],
    }


def test_municipality_rows_are_the_applicants_places_lead_first() -> None:
    result = make_result("a", 1)
    places = (
        ApplicationPlace(1, "Herentals", "13011", "Antwerpen", None, "HERENTALS"),
        ApplicationPlace(2, "Grobbendonk", "13010", "Antwerpen", None, "GROBBENDONK"),
        ApplicationPlace(3, "Olen", "13029", "Antwerpen", "Achter-Olen", "OLEN"),
    )
    app = replace(result.applications[0], municipality="Herentals", nis_code="13011", province="Antwerpen",
                  applicant="HERENTALS, GROBBENDONK EN OLEN", municipalities=places)
    table = tabulate_results([replace(result, applications=(app,))], SCHEMA)["application_municipalities"]
    assert table.to_pylist() == [
        {"doc_id": result.document.doc_id, "item_number": 1, "position": p.position, "municipality": p.municipality,
         "nis_code": p.nis_code, "province": p.province, "sub_municipality": p.sub_municipality}
        for p in places
    ]


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        (HeadingBox(2, 56.5, 101.25, 310.0, 112.75), (2, 56.5, 101.25, 310.0, 112.75)),
        (None, (None,) * 5),  # a table row: no heading line of its own
    ],
)
def test_heading_columns_come_from_the_heading_box(box: HeadingBox | None, expected: tuple) -> None:
    result = make_result("a", 1)
    app = replace(result.applications[0], heading_box=box, list_rule=ListRule.TABLE_RULED)
    row = tabulate_results([replace(result, applications=(app,))], SCHEMA)["applications"].to_pylist()[0]
    columns = ("heading_page", "heading_x0", "heading_top", "heading_x1", "heading_bottom")
    assert tuple(row[c] for c in columns) == expected
    assert (row["applicant"], row["list_rule"]) == ("ANTWERPEN", "table-ruled")


@pytest.mark.parametrize("name", list(SCHEMA.tables))
def test_columns_hold_each_results_rows_in_turn(name: str) -> None:
    spec = SCHEMA.tables[name]
    columns, counts = result_columns(RESULTS, spec)
    alone = [result_columns([r], spec) for r in RESULTS]
    assert counts == [n for _, (n,) in alone]
    assert list(columns) == list(spec.column_names)
    assert columns == {c: [v for own, _ in alone for v in own[c]] for c in spec.column_names}


def test_null_in_required_column_is_refused() -> None:
    result = make_result("a", 1)
    bad = replace(result, applications=(replace(result.applications[0], title=None),))
    with pytest.raises(ValueError, match="title"):
        tabulate_results([bad], SCHEMA)


def test_wrong_type_is_a_value_error() -> None:
    spec = SCHEMA.tables["sections"]
    with pytest.raises(ValueError, match="sections"):
        build_table([{"doc_id": "x", "kind": "question", "number": "one", "text": "t"}], spec)


def test_to_frame_keeps_nullable_integers() -> None:
    result = make_result("a", 1)
    doc = replace(result.document, declared_application_count=None)
    frame = to_frame(tabulate_results([replace(result, document=doc)], SCHEMA)["documents"])
    assert frame["declared_application_count"].dtype == pd.Int32Dtype()
    assert frame["declared_application_count"].isna().all()
    assert frame["question_number"].dtype == pd.Int32Dtype()
