"""Validate: failing rows become failures named by check; the rest of the document is kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dataset.tabulate import tabulate_results
from pipeline.model.records import ApplicationPlace, DocumentResult, HeadingBox
from pipeline.validate.checks import (
    ValidationContext,
    prepare_validator,
    table_model,
    validate_results,
    validate_tables,
)
from schemas import load_schema
from tests.builders import THEMES, TODAY, is_valid_code, make_failed, make_result, province_of

CONTEXT = ValidationContext(is_valid_code=is_valid_code, province_of=province_of, themes=THEMES, today=TODAY)


def with_app(result: DocumentResult, index: int, **changes: object) -> DocumentResult:
    apps = list(result.applications)
    apps[index] = replace(apps[index], **changes)
    return replace(result, applications=tuple(apps))


def test_valid_results_pass_unchanged() -> None:
    results = (make_result("a", 4), make_failed("b"), make_result("c", 0))
    assert validate_results(results, CONTEXT) == results


_LEAD = make_result("a", 4).applications[1].municipalities[0]  # application 2's (of 3 or 4): Gent
# (changes to application 2 of 4, expected check, column, shown value)
ROW_CASES = [
    ({"nis_code": "99999"}, "nis_code_known", "nis_code", "'99999'"),
    (
        {"nis_code": "44011", "municipality": "Deinze", "province": "Oost-Vlaanderen"},
        "nis_code_known",
        "nis_code",
        "'44011'",
    ),
    ({"nis_code": "3100"}, "pattern", "nis_code", "'3100'"),
    ({"province": "Limburg"}, "province_consistent", "province", "'Limburg'"),
    ({"themes": ("wonen", "sport")}, "theme_vocabulary", "themes", "'sport'"),
    ({"budget_eur": 1_500_000.0}, "budget_max", "budget_eur", "1500000.0"),
    ({"budget_eur": -5.0}, "min", "budget_eur", "-5.0"),
    ({"status": "approved"}, "enum", "status", "'approved'"),
    ({"municipality": None}, "not_null", "municipality", "None"),
    ({"item_number": 7}, "item_number_range", "item_number", "7"),
    ({"page_start": "1"}, "type", "page_start", "'1'"),
    ({"municipality": ("Gent",)}, "type", "municipality", "['Gent']"),
    ({"budget_eur": -(2**60)}, "type", "budget_eur", str(-(2**60))),
    ({"applicant": None}, "not_null", "applicant", "None"),
    ({"list_rule": "bullet-star"}, "enum", "list_rule", "'bullet-star'"),
    ({"heading_box": HeadingBox(0, 56.7, 100.0, 300.0, 112.0)}, "min", "heading_page", "0"),
    # a municipality after the lead with a code unknown on the question date, or another province
    ({"municipalities": (_LEAD, ApplicationPlace(2, "Elders", "99999", None, None, "ELDERS"))}, "nis_code_known",
     "nis_code", "'99999'"),
    ({"municipalities": (_LEAD, ApplicationPlace(2, "Brugge", "31005", "Limburg", None, "BRUGGE"))},
     "province_consistent", "province", "'Limburg'"),
]


@pytest.mark.parametrize(("changes", "check", "column", "shown"), ROW_CASES)
def test_failing_application_is_removed_and_reported(
    changes: dict, check: str, column: str, shown: str
) -> None:
    result = with_app(make_result("a", 4), 1, **changes)
    (validated,) = validate_results([result], CONTEXT)
    assert validated.document == result.document
    assert validated.sections == result.sections
    assert validated.applications == result.applications[:1] + result.applications[2:]
    (failure,) = validated.failures
    assert (failure.stage, failure.error, failure.sha256) == ("validate", check, result.sha256)
    number = changes.get("item_number", 2)
    for part in (
        result.document.doc_id,
        "a.pdf",
        f"application {number}",
        f"column {column}",
        f"value {shown}",
    ):
        assert part in failure.message


def test_an_applicant_that_names_no_municipality_keeps_its_row_with_a_warning() -> None:
    result = with_app(make_result("a", 3), 1, applicant="vzw De Schakel", municipality=None, nis_code=None,
                      province=None, municipalities=())  # fmt: skip
    validated = validate_tables([result], CONTEXT)
    (checked,) = validated.results
    assert (checked.applications, checked.failures) == (result.applications, ())
    (warning,) = checked.warnings
    for part in (result.document.doc_id, "application 2", "'vzw De Schakel'", "names no municipality"):
        assert part in warning
    row = validated.tables["applications"].to_pylist()[1]
    assert (row["applicant"], row["municipality"], row["nis_code"], row["province"]) == ("vzw De Schakel", None,
                                                                                      None, None)  # fmt: skip
    assert [r["item_number"] for r in validated.tables["application_municipalities"].to_pylist()] == [1, 3]
    assert validate_results([checked], CONTEXT) == (checked,)  # validating twice adds no second warning


_NO_PLACE = {"municipality": None, "nis_code": None, "province": None}
_UNRESOLVED = ApplicationPlace(1, None, None, None, None, "NERGENSHUIZEN")


@pytest.mark.parametrize(
    "changes",
    [
        {**_NO_PLACE, "municipalities": (_UNRESOLVED,)},  # the lead named, not resolved
        {"municipalities": (_LEAD, replace(_UNRESOLVED, position=2))},  # the second named, not resolved
        {**_NO_PLACE, "applicant": "", "municipalities": ()},  # no applicant at all
    ],
    ids=["lead-unresolved", "second-unresolved", "no-applicant"],
)
def test_a_missing_municipality_is_a_failure_unless_the_applicant_names_none(changes: dict) -> None:
    result = with_app(make_result("a", 3), 1, **changes)
    (validated,) = validate_results([result], CONTEXT)
    assert validated.applications == result.applications[::2] and validated.warnings == ()
    shown = {(f.error, f.message.split(": column ")[1].split(" value")[0]) for f in validated.failures}
    assert {("not_null", "municipality"), ("not_null", "nis_code")} <= shown
    assert all("application 2" in f.message and "is missing" in f.message for f in validated.failures)


def test_theme_outside_vocabulary_in_theme_terms() -> None:
    result = make_result("a", 2)
    app = result.applications[0]
    bad = with_app(
        result, 0, theme_terms=app.theme_terms + (app.theme_terms[0].__class__("sport", ("voetbal",)),)
    )
    (validated,) = validate_results([bad], CONTEXT)
    assert [f.error for f in validated.failures] == ["theme_vocabulary"]
    assert validated.applications == result.applications[1:]


def test_duplicate_item_numbers_remove_every_copy() -> None:
    result = with_app(make_result("a", 4), 2, item_number=2)
    (validated,) = validate_results([result], CONTEXT)
    assert [a.item_number for a in validated.applications] == [1, 4]
    (failure,) = validated.failures  # one failure names both copies
    assert failure.error == "unique"
    assert "application 2: column item_number value 2 occurs more than once" in failure.message


def test_brussels_has_no_province() -> None:
    result = make_result("a", 4)
    assert any(a.nis_code == "21004" and a.province is None for a in result.applications)
    assert validate_results([result], CONTEXT) == (result,)


@pytest.mark.parametrize(
    ("changes", "check", "column"),
    [
        ({"question_date": dt.date(2030, 1, 1)}, "question_date_not_future", "question_date"),
        ({"sha256": "abc"}, "pattern", "sha256"),
        ({"doc_id": "XYZ"}, "pattern", "doc_id"),
        ({"question_number": 0}, "min", "question_number"),
        ({"question_date": dt.datetime(2021, 1, 1, 12, 0)}, "type", "question_date"),
        ({"doc_type": "mondelinge_vraag"}, "enum", "doc_type"),
    ],
)
def test_failing_document_row_drops_the_document(changes: dict, check: str, column: str) -> None:
    result = make_result("a", 3)
    bad = replace(result, document=replace(result.document, **changes))
    other = make_result("b", 2)
    validated = validate_results([bad, other], CONTEXT)
    assert validated[1] == other
    dropped = validated[0]
    assert (dropped.document, dropped.sections, dropped.applications) == (None, (), ())
    (failure,) = dropped.failures
    assert (failure.stage, failure.error) == ("validate", check)
    assert f"column {column}" in failure.message and "was not written" in failure.message


def test_bad_result_hash_is_blanked_in_failures() -> None:
    result = make_result("a", 1)
    bad = replace(result, sha256="not-a-hash", document=replace(result.document, sha256="not-a-hash"))
    (validated,) = validate_results([bad], CONTEXT)
    assert validated.failures[0].sha256 is None
    assert "'not-a-hash'" in validated.failures[0].message


def test_same_document_twice_is_refused_not_written_twice() -> None:
    result = make_result("a", 2)
    copy = replace(
        result, source_file="z/copy.pdf", document=replace(result.document, source_file="z/copy.pdf")
    )
    validated = validate_results([result, copy, make_result("b", 1)], CONTEXT)
    assert [r.document for r in validated[:2]] == [None, None]
    assert {f.error for r in validated[:2] for f in r.failures} == {"unique"}
    assert validated[2] == make_result("b", 1)


def test_context_is_validated() -> None:
    with pytest.raises(TypeError):
        ValidationContext(is_valid_code, province_of, THEMES, today=dt.datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        ValidationContext(is_valid_code, province_of, (), today=TODAY)


def test_models_derive_from_schema() -> None:
    schema = load_schema()
    for spec in schema.tables.values():
        model = table_model(spec)
        assert list(model.columns) == list(spec.column_names)
        assert [model.columns[c.name].nullable for c in spec.columns] == [c.nullable for c in spec.columns]


MUTATIONS = [
    {},
    {"nis_code": "99999"},
    {"themes": ("sport",)},
    {"budget_eur": 9e9},
    {"item_number": 1},
    {"status": "x"},
    {"province": "Limburg"},
    {"summary": None},
]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(range(len(MUTATIONS))), min_size=5, max_size=5))
def test_every_row_is_kept_or_reported_and_second_pass_adds_nothing(picks: list[int]) -> None:
    result = make_result("a", 5)
    for index, pick in enumerate(picks):
        result = with_app(result, index, **MUTATIONS[pick])
    (once,) = validate_results([result], CONTEXT)
    messages = [f.message for f in once.failures]
    for index, app in enumerate(result.applications):
        kept = app in once.applications
        named = any(f"application {app.item_number}:" in m for m in messages)
        assert kept != named
        harmless = MUTATIONS[picks[index]] in ({}, {"item_number": 1}) and app.item_number == index + 1
        assert not kept or harmless
    assert validate_results([once], CONTEXT) == (once,)


def test_a_prepared_context_validates_as_before() -> None:
    before = validate_results((make_result("a", 4), with_app(make_result("c", 3), 1, nis_code="99999")), CONTEXT)
    assert prepare_validator(CONTEXT) is CONTEXT  # pandera's one-off set-up, nothing else
    again = validate_results((make_result("a", 4), with_app(make_result("c", 3), 1, nis_code="99999")), CONTEXT)
    assert again == before


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from(range(len(MUTATIONS))), min_size=5, max_size=5),
    st.sampled_from([{}, {"question_date": dt.date(2099, 1, 1)}, {"question_number": "x"}]),
)
def test_the_validated_tables_are_the_tables_of_the_validated_results(picks: list[int], document: dict) -> None:
    # Validation tabulates each record once; what it keeps must be what tabulating its results gives.
    result = make_result("a", 5)
    for index, pick in enumerate(picks):
        result = with_app(result, index, **MUTATIONS[pick])
    result = replace(result, document=replace(result.document, **document))
    validated = validate_tables([result, make_result("b", 2), make_failed("c")], CONTEXT)
    expected = tabulate_results(validated.results, CONTEXT.schema)
    assert list(validated.tables) == list(expected)
    for name, table in expected.items():
        assert validated.tables[name].equals(table), name
