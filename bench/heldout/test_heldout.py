"""Checks of the held-back set itself: truth sizes, deterministic PDFs, and the scorer's matching.

    .venv/bin/python -m pytest -p no:cacheprovider -q bench/heldout
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bench.heldout.content import DOCUMENTS
from bench.heldout.make import render_document, truth_of, write_heldout
from bench.heldout.score import field_equal, match_rows, normalise, score, titles_match


def test_truth_has_between_40_and_80_applications_in_six_forms() -> None:
    total = sum(len(doc.applications) for doc in DOCUMENTS)
    assert 40 <= total <= 80
    assert len({app["form"] for doc in DOCUMENTS for app in doc.applications}) == len(DOCUMENTS) == 6


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_document(DOCUMENTS[2], first)
    render_document(DOCUMENTS[2], second)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()


def test_2025_document_uses_2025_codes() -> None:
    merged = next(doc for doc in DOCUMENTS if doc.date.year == 2025)
    codes = {app["municipality"]: app["nis_code"] for app in merged.applications}
    assert codes["Pajottegem"] == "23106" and codes["Hasselt"] == "71072" and codes["Lochristi"] == "44087"


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Schoolstraat De Vlinder", "schoolstraat de vlinder.", True),
    ("Café Élan", "cafe elan", True),
    ("Kruibeke aan de Schelde", "Kruibeke aan de Schelde De voormalige gemeente", True),
    ("Groen hart Hoboken", "Groen hart", True),  # a cut title still matches; the title field counts it wrong
    ("Groen hart Hoboken", "Groene buurt Biest", False),
    ("Rumbeke): € 48.000", "Schoolstraat De Vlinder", False),
])  # fmt: skip
def test_titles_match(a: str, b: str, same: bool) -> None:
    assert titles_match(a, b) is same


def test_scoring_a_perfect_and_a_partial_snapshot() -> None:
    truths = {f"{doc.name}.pdf": json.loads(json.dumps(truth_of(doc))) for doc in DOCUMENTS}
    documents = [{"doc_id": doc.name, "source_file": f"{doc.name}.pdf", **truth["document"]}
                 for doc, truth in zip(DOCUMENTS, truths.values(), strict=True)]  # fmt: skip
    rows = [{"doc_id": doc.name, **app} for doc, truth in zip(DOCUMENTS, truths.values(), strict=True)
            for app in truth["applications"]]  # fmt: skip
    perfect = score(truths, documents, rows)
    assert perfect["overall"]["precision"] == perfect["overall"]["recall"] == 1.0
    assert all(field["accuracy"] == 1.0 for field in perfect["fields"].values())

    stray = {**rows[0], "title": "Iets anders", "item_number": 99}
    partial = [dict(row, budget_eur=None) for row in rows[::2]] + [stray]
    result = score(truths, documents, partial)
    assert result["overall"]["matched"] == len(rows[::2])
    assert result["overall"]["found"] == len(rows[::2]) + 1
    assert result["fields"]["budget_eur"]["accuracy"] < 1.0


def test_match_rows_is_one_to_one() -> None:
    truth = [{"item_number": 1, "municipality": "Gent", "title": "Groene as"},
             {"item_number": 2, "municipality": "Gent", "title": "Groene as Dampoort"}]  # fmt: skip
    found = [{"municipality": "Gent", "title": "Groene as Dampoort"}]
    pairs, missed, extra = match_rows(truth, found)
    assert [p[0]["item_number"] for p in pairs] == [2] and len(missed) == 1 and not extra


def test_field_equal_handles_missing_values() -> None:
    assert field_equal("budget_eur", None, float("nan"))
    assert field_equal("neighbourhoods", ["Runkst"], ["runkst"])
    assert not field_equal("sub_municipality", "Herne", None)
    assert normalise("  Nazareth-De Pinte ") == "nazareth de pinte"


def test_write_heldout_writes_each_pdf_with_its_truth(tmp_path: Path) -> None:
    pairs = write_heldout(tmp_path)
    assert len(pairs) == 6
    for pdf, truth in pairs:
        assert pdf.read_bytes().startswith(b"%PDF") and json.loads(truth.read_text())["applications"]
