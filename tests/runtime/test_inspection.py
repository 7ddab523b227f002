"""Inspect: one document through the declared steps and validation, as plain data and text; nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract.resources import Resources
from pipeline.model.kinds import FailureKind
from pipeline.runtime.batch import process_resources
from pipeline.runtime.inspection import format_inspection, inspect_pdf, inspection_record
from pipeline.runtime.limits import Limits
from tests.fixtures.ambiguous import LIST_WARNING, NO_MUNICIPALITY, render_ambiguous

SEED = "seed_wijkverbeteringscontracten"


@pytest.fixture(scope="module")
def resources() -> Resources:
    return process_resources()


@pytest.fixture(scope="module")
def ambiguous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_ambiguous(tmp_path_factory.mktemp("inspect") / "ambiguous.pdf")


def test_the_seed_document_as_parlq_sees_it(fixture_pdfs: dict[str, Path], resources: Resources) -> None:
    path = fixture_pdfs[f"{SEED}__official.pdf"]
    before = sorted(path.parent.iterdir())
    inspection = inspect_pdf(path, resources=resources)
    record = inspection_record(inspection)
    assert json.loads(json.dumps(record)) == record  # plain data
    assert sorted(path.parent.iterdir()) == before  # nothing written beside it
    document = record["document"]
    assert (document["question_number"], document["question_date"]) == (12, "2021-10-01")
    assert [(s["kind"], s["number"]) for s in record["sections"]][:1] == [("question", 1)]
    (found,) = record["lists"]
    assert (found["rule"], found["status"], len(found["items"])) == ("numbered-dash", "submitted", 20)
    first = found["items"][0]
    assert (first["applicant"], first["municipality"], first["nis_code"]) == ("ANTWERPEN", "Antwerpen", "11002")
    assert first["places"] == [{"position": 1, "written": "ANTWERPEN", "municipality": "Antwerpen",
                                "nis_code": "11002", "province": "Antwerpen", "sub_municipality": None}]  # fmt: skip
    assert first["heading"]["page"] == first["pages"][0] and first["written"] is True
    assert not inspection.failed and record["failures"] == []
    text = format_inspection(record)
    assert "list 1  numbered-dash  submitted" in text and "20 items" in text
    assert "places: Antwerpen 11002 (Antwerpen)" in text


def test_an_ambiguous_list_and_an_applicant_without_municipality_are_said(
    ambiguous: Path, resources: Resources
) -> None:
    record = inspection_record(inspect_pdf(ambiguous, resources=resources))
    (found,) = record["lists"]
    assert found["warnings"] == [LIST_WARNING] and len(found["items"]) == 3
    vzw = found["items"][2]
    assert (vzw["applicant"], vzw["municipality"], vzw["places"], vzw["budget_eur"]) == (
        "vzw De Schakel", None, [], 40000.0)  # fmt: skip
    assert vzw["written"] is True  # kept, with empty place columns: a warning, no failure
    assert record["warnings"][0] == LIST_WARNING and NO_MUNICIPALITY in record["warnings"][1]
    text = format_inspection(record)
    assert f"! {LIST_WARNING}" in text and "places: none named" in text
    assert "places: Herentals 13011 (Antwerpen); Grobbendonk 13010 (Antwerpen); Olen 13029 (Antwerpen)" in text


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_both_engines_see_the_same(ambiguous: Path, resources: Resources, engine: str) -> None:
    record = inspection_record(inspect_pdf(ambiguous, engine, resources=resources))
    items = [(i["applicant"], i["title"], i["pages"]) for found in record["lists"] for i in found["items"]]
    assert items == [("Gent", "Samen in Rabot", [2, 2]),
                     ("HERENTALS, GROBBENDONK EN OLEN", "Niemand alleen in de Zuiderkempen", [2, 2]),
                     ("vzw De Schakel", "Buurtpensioen in kleine kernen", [2, 2])]  # fmt: skip


def test_a_broken_pdf_is_its_failure_not_an_exception(
    fixture_set, bad_input_errors: dict[str, str], resources: Resources
) -> None:
    for name, path in sorted(fixture_set.bad.items()):
        inspection = inspect_pdf(path, resources=resources)
        record = inspection_record(inspection)
        assert inspection.failed and record["failures"][0]["error"] == bad_input_errors[name], name
        assert record["lists"] == [] and (record["document"] is None) == (inspection.parsed is None)


def test_a_file_over_the_size_limit_is_not_read(fixture_pdfs: dict[str, Path], resources: Resources) -> None:
    path = next(iter(fixture_pdfs.values()))
    inspection = inspect_pdf(path, resources=resources, limits=Limits(max_file_bytes=1))
    (failure,) = inspection.result.failures
    assert inspection.failed and failure.error == FailureKind.TOO_LARGE and inspection.parsed is None
