"""Incremental runs and the README's query, over real generated PDFs and a real snapshot."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from pipeline.dataset.provenance import code_version, library_versions
from pipeline.dataset.snapshot import read_latest
from pipeline.dataset.write import publish_snapshot
from pipeline.discover.sources import discover_sources, input_files
from pipeline.runtime.batch import BatchConfig, process_sources
from pipeline.runtime.process import ProcessConfig
from pipeline.validate.checks import build_validation_context, validate_results
from schemas import load_schema
from tests.fixtures.generate import render_synthetic

README = Path(__file__).parents[1] / "README.md"


def _run(source_dir: Path, out_dir: Path, version: str = "") -> tuple[int, int, str, bool]:
    """The batch flow's steps without Prefect: (parsed, cached, snapshot id, published)."""
    found = discover_sources(source_dir, exclude=(out_dir,))
    batch = BatchConfig(workers=1, cache_dir=out_dir / "cache", code_version=code_version() + version,
                        schema_version=load_schema().version)
    outcome = process_sources(found.sources, ProcessConfig(), batch)
    results = validate_results(outcome.results, build_validation_context(dt.date(2026, 1, 1)))
    info = publish_snapshot(results, input_files(found), out_dir, schema=load_schema(), code_version=code_version(),
                            library_versions=library_versions(), engine="pdfplumber")
    return outcome.parsed, outcome.cached, info.snapshot_id, info.published


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    render_synthetic(root / "sources", count=51, seed=7)
    return root


@pytest.mark.slow  # four runs over 50 PDFs
def test_rerun_parses_only_new_documents(corpus: Path, tmp_path: Path) -> None:
    sources, out = tmp_path / "sources", tmp_path / "out"
    sources.mkdir()
    pdfs = sorted((corpus / "sources").glob("*.pdf"))
    for pdf in pdfs[:50]:
        (sources / pdf.name).write_bytes(pdf.read_bytes())
    parsed, cached, first, published = _run(sources, out)
    assert (parsed, cached, published) == (50, 0, True)

    parsed, cached, again, published = _run(sources, out)
    assert (parsed, cached, again, published) == (0, 50, first, False)  # nothing new: nothing re-published

    (sources / pdfs[50].name).write_bytes(pdfs[50].read_bytes())
    parsed, cached, third, published = _run(sources, out)
    assert (parsed, cached, published) == (1, 50, True) and third != first
    assert read_latest(out) == third

    parsed, cached, _, _ = _run(sources, out, version="-changed")
    assert (parsed, cached) == (51, 0)  # a new code version invalidates the cache


def test_readme_query_runs_on_a_published_snapshot(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(corpus / "sources", tmp_path / "output")
    sql = re.search(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    rows = duckdb.connect().execute(sql).fetchall()
    assert rows and all(len(row) == 3 and row[2] > 0 for row in rows)
    provinces = {row[0] for row in rows}
    assert provinces <= {"Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen", None}
