"""End to end per document: every fixture document in every layout against its gold file.

Structural fields are asserted exactly, field by field; themes and neighbourhoods are judged
as precision and recall over all fixtures (test_extraction_quality).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from pipeline.model.records import DocumentResult, SourceFile
from pipeline.runtime.batch import process_resources
from pipeline.runtime.process import ProcessConfig, process_document, sha256_of
from tests.fixtures.generate import DOCS_DIR
from tests.fixtures.render import VARIANTS

DOCS = sorted(p.stem for p in DOCS_DIR.glob("*.txt"))
EXACT_FIELDS = (
    "item_number", "municipality", "nis_code", "province", "sub_municipality", "title", "summary", "status",
    "budget_eur", "decision_reason",
)  # fmt: skip
JUDGED_FIELDS = ("themes", "neighbourhoods")


def gold(doc: str) -> dict:
    return json.loads((DOCS_DIR / f"{doc}.expected.json").read_text(encoding="utf-8"))


@cache
def _run(path: Path) -> DocumentResult:
    data = path.read_bytes()
    source = SourceFile(path=path.name, location=str(path), sha256=sha256_of(data), size=len(data))
    return process_document(source, data, ProcessConfig(), process_resources())


def run_document(fixture_pdfs: dict[str, Path], doc: str, variant: str) -> DocumentResult:
    return _run(fixture_pdfs[f"{doc}__{variant}.pdf"])


def _norm(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("doc", DOCS)
def test_document_rows_match_gold(doc: str, variant: str, fixture_pdfs: dict[str, Path]) -> None:
    expected = gold(doc)
    result = run_document(fixture_pdfs, doc, variant)
    declared, found = expected["document"]["declared_application_count"], expected["document"]["application_count"]
    # a declared count that differs from the list is reported, and the rows found are still kept
    assert [f.error for f in result.failures] == (["declared_count"] if declared not in (None, found) else [])
    row = result.document
    assert row is not None
    for field, value in expected["document"].items():
        got = getattr(row, field)
        assert (got.isoformat() if field == "question_date" else got) == value, field
    kinds = [s.kind for s in result.sections]
    assert kinds.count("question") == expected["sections"]["question"]
    assert kinds.count("answer") == expected["sections"]["answer"]
    assert len(result.applications) == len(expected["applications"])
    for got, want in zip(result.applications, expected["applications"], strict=True):
        for field in EXACT_FIELDS:
            assert _norm(getattr(got, field)) == _norm(want[field]), f"item {want['item_number']} {field}"
        assert 1 <= got.page_start <= got.page_end <= row.n_pages


def test_seed_item_19_summary_is_whole_across_the_page_break(fixture_pdfs: dict[str, Path]) -> None:
    result = run_document(fixture_pdfs, "seed_wijkverbeteringscontracten", "pagebreak")
    item = result.applications[18]
    assert item.title == "Versterken van buurten Den Brand, Omgeving Otterstraat en Stationsomgeving Oost"
    assert item.summary.startswith("Deze buurten worden geconfronteerd")
    assert item.summary.endswith("de aanpak van grijze woonvormen.")
    assert item.page_end == item.page_start + 1
    assert set(item.neighbourhoods) >= {"Den Brand", "Omgeving Otterstraat", "Stationsomgeving Oost"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_seed_named_neighbourhoods(variant: str, fixture_pdfs: dict[str, Path]) -> None:
    result = run_document(fixture_pdfs, "seed_wijkverbeteringscontracten", variant)
    apps = {a.municipality: a for a in result.applications}
    assert "Deurne-Noord" in apps["Antwerpen"].neighbourhoods
    assert "Waterschei" in apps["Genk"].neighbourhoods
    assert {"Rabot-Blaisantvest", "Sluizeken-Tolhuis-Ham"} <= set(apps["Gent"].neighbourhoods)
    assert "Krottegem" in apps["Roeselare"].neighbourhoods
    assert apps["Brugge"].sub_municipality == "Zeebrugge"


def _scores(fixture_pdfs: dict[str, Path], docs: list[str], field: str) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for doc in docs:
        for variant in VARIANTS:
            result = run_document(fixture_pdfs, doc, variant)
            for got, want in zip(result.applications, gold(doc)["applications"], strict=True):
                found, expected = set(getattr(got, field)), set(want[field])
                tp, fp, fn = tp + len(found & expected), fp + len(found - expected), fn + len(expected - found)
    return tp, fp, fn


# Floors under the figures measured on the held-back documents (see the closing note of the issue):
# a drop below them is a regression, not noise; the run prints the figures themselves.
FLOORS = {"themes": (0.90, 0.90), "neighbourhoods": (0.85, 0.95)}


@pytest.mark.parametrize("field", JUDGED_FIELDS)
def test_extraction_quality(field: str, fixture_pdfs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Micro-averaged precision and recall of themes and neighbourhoods over every fixture."""
    held_back = [d for d in DOCS if not d.startswith("seed_")]
    lines = []
    for name, docs in (("seed", ["seed_wijkverbeteringscontracten"]), ("held-back", held_back), ("all", DOCS)):
        tp, fp, fn = _scores(fixture_pdfs, docs, field)
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        lines.append(
            f"{field:<15} {name:<10} precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    tp, fp, fn = _scores(fixture_pdfs, DOCS, field)
    assert tp / (tp + fp) >= FLOORS[field][0]
    assert tp / (tp + fn) >= FLOORS[field][1]
