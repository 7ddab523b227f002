"""Applicants end to end (schema 1.3): every municipality in order, no guess for an applicant without one,
and what a person should know said in the run's summary, its manifest and its report, carried over too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.dataset.snapshot import MANIFEST
from pipeline.model.records import RunSummary
from pipeline.report.page import build_page
from pipeline.runtime.run import PLAIN_STEPS, RunConfig, run_batch
from tests.fixtures.ambiguous import LIST_WARNING, NO_MUNICIPALITY, render_ambiguous
from tests.fixtures.families import FORM_STYLES, load_truth, render_forms

FAMILY = "intermunicipal"
PLACE_COLUMNS = ("position", "municipality", "nis_code", "province", "sub_municipality")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("applicants") / "sources"
    render_forms(folder, only=(FAMILY,), styles={"official": FORM_STYLES["official"]})
    render_ambiguous(folder / "ambiguous.pdf")
    return folder


@pytest.fixture(scope="module")
def first_run(sources: Path) -> tuple[Path, RunSummary]:
    out = sources.parent / "out"
    return out, run_batch(RunConfig(str(sources), str(out), workers=1, isolate=False), PLAIN_STEPS)


def _rows(summary: RunSummary, table: str, source_file: str) -> list[dict[str, Any]]:
    folder = Path(summary.snapshot_path)
    documents = pq.read_table(folder / "documents.parquet").to_pylist()
    doc_id = next(d["doc_id"] for d in documents if d["source_file"] == source_file)
    return [row for row in pq.read_table(folder / f"{table}.parquet").to_pylist() if row["doc_id"] == doc_id]


def test_every_municipality_of_an_applicant_in_the_order_written_lead_first(
    first_run: tuple[Path, RunSummary],
) -> None:
    _, summary = first_run
    rows = _rows(summary, "application_municipalities", f"{FAMILY}__official.pdf")
    truth = load_truth(FAMILY)["applications"]
    expected = [(app["item_number"], *(place[c] for c in PLACE_COLUMNS)) for app in truth
                for place in app["municipalities"]]  # fmt: skip
    assert [(row["item_number"], *(row[c] for c in PLACE_COLUMNS)) for row in rows] == expected
    herentals = [row["municipality"] for row in rows if row["item_number"] == 1]
    assert herentals == ["Herentals", "Grobbendonk", "Olen"]  # as written: "HERENTALS, GROBBENDONK EN OLEN"
    applications = {row["item_number"]: row for row in _rows(summary, "applications", f"{FAMILY}__official.pdf")}
    for number, places in ((1, rows[:3]), (2, rows[3:6])):
        assert applications[number]["municipality"] == places[0]["municipality"]  # the single columns: the lead


def test_an_applicant_that_names_no_municipality_is_a_row_with_empty_places_and_a_warning(
    first_run: tuple[Path, RunSummary],
) -> None:
    _, summary = first_run
    applications = _rows(summary, "applications", f"{FAMILY}__official.pdf")
    places = _rows(summary, "application_municipalities", f"{FAMILY}__official.pdf")
    truth = {app["item_number"]: app for app in load_truth(FAMILY)["applications"]}
    empty = [row for row in applications if row["municipality"] is None]
    assert [(row["item_number"], row["applicant"]) for row in empty] == [
        (number, app["applicant"]) for number, app in truth.items() if app["municipality"] is None
    ]
    assert len(applications) == len(truth) and {row["item_number"] for row in places}.isdisjoint(
        row["item_number"] for row in empty
    )
    for row in empty:
        assert (row["nis_code"], row["province"], row["sub_municipality"]) == (None, None, None)
        said = [w for w in summary.warnings if f"application {row['item_number']}: the applicant" in w]
        assert said and said[0].startswith(f"{FAMILY}__official.pdf: document {row['doc_id']}, ")
    assert not [f for f in summary.failure_rows if f.source_file.startswith(FAMILY)]


def test_an_ambiguous_list_is_said_in_the_run_summary_and_its_sure_rows_kept(
    first_run: tuple[Path, RunSummary],
) -> None:
    _, summary = first_run
    assert f"ambiguous.pdf: {LIST_WARNING}" in summary.warnings
    assert any(w.startswith("ambiguous.pdf: document ") and NO_MUNICIPALITY in w for w in summary.warnings)
    rows = _rows(summary, "applications", "ambiguous.pdf")
    assert [(row["applicant"], row["list_rule"]) for row in rows] == [
        ("Gent", "bullet-colon"), ("HERENTALS, GROBBENDONK EN OLEN", "bullet-colon"), ("vzw De Schakel", "bullet-colon")
    ]  # fmt: skip
    assert all(row["heading_page"] == 2 and row["heading_x0"] < row["heading_x1"] for row in rows)


def test_warnings_stay_with_their_documents_when_carried_over_and_when_nothing_is_new(
    sources: Path, first_run: tuple[Path, RunSummary], tmp_path: Path
) -> None:
    out, first = first_run
    copy = tmp_path / "out"
    sources = Path(shutil.copytree(sources, tmp_path / "sources"))
    shutil.copytree(out, copy, symlinks=True)
    render_forms(sources, only=("heading_caps",), styles={"word": FORM_STYLES["word"]})  # something new
    config = RunConfig(str(sources), str(copy), workers=1, isolate=False)
    carried = run_batch(config, PLAIN_STEPS)
    assert (carried.parsed, carried.published) == (1, True) and carried.warnings == first.warnings
    manifest = json.loads((Path(carried.snapshot_path) / MANIFEST).read_text(encoding="utf-8"))
    assert [f"{path}: {warning}" for path, warning in manifest["warnings"]] == list(first.warnings)
    again = run_batch(config, PLAIN_STEPS)
    assert (again.published, again.warnings) == (False, first.warnings)
    page = build_page(Path(carried.snapshot_path))
    assert [f"{w.source_file}: {w.message}" for w in page.warnings] == list(first.warnings)
    assert {row.applicant for row in page.applications} >= {"vzw De Schakel", "Provincie Limburg"}
