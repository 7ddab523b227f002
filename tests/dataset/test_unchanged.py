"""Nothing new: a rerun over the inputs LATEST already holds reads the snapshot, not the documents."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.dataset.provenance import library_versions
from pipeline.dataset.snapshot import LATEST, SNAPSHOTS
from pipeline.dataset.unchanged import find_unchanged
from pipeline.dataset.write import publish_snapshot
from pipeline.discover.sources import Discovery, discover_sources, input_files
from pipeline.model.records import Failure, RunSummary
from pipeline.runtime.batch import BatchConfig, process_sources
from pipeline.runtime.limits import Limits
from pipeline.runtime.process import ProcessConfig
from pipeline.runtime.report import problem_results, summarize_run
from pipeline.validate.checks import build_validation_context, validate_results
from schemas import load_schema
from tests.builders import make_failed, make_result, source_of
from tests.fixtures.generate import render_synthetic

VERSION = "0.0.0+unchanged"
DEFAULT_LIMITS = Limits()


def _publish(found: Discovery, out: Path, results: tuple = ()) -> RunSummary:
    """The batch flow's steps without Prefect; `results` stand in for processing when given."""
    if not results:
        batch = BatchConfig(workers=1, cache_dir=None, code_version=VERSION, schema_version=load_schema().version)
        outcome = process_sources(found.sources, ProcessConfig(), batch).results
        results = validate_results(outcome + problem_results(found), build_validation_context(dt.date(2026, 1, 1)))
    info = publish_snapshot(results, input_files(found), out, schema=load_schema(), code_version=VERSION,
                            library_versions=library_versions(), engine="pdfium")
    return summarize_run(found, results, len(found.sources), 0, info)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, RunSummary]:
    root = tmp_path_factory.mktemp("unchanged")
    sources, out = root / "sources", root / "out"
    render_synthetic(sources, count=3, seed=11)
    first = sorted(sources.glob("*.pdf"))[0]
    shutil.copyfile(first, sources / "copy.pdf")  # a duplicate
    (sources / "broken.pdf").write_bytes(b"not a pdf at all")  # a failure
    summary = _publish(discover_sources(sources, exclude=(out,)), out)
    assert summary.published and summary.duplicates == 1 and summary.failed == 1
    return sources, out, summary


def _copy(published: tuple[Path, Path, RunSummary], tmp_path: Path) -> tuple[Path, Path]:
    sources, out, _ = published
    shutil.copytree(sources, tmp_path / "sources")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "sources", tmp_path / "out"


def _unchanged(sources: Path, out: Path, limits: Limits = DEFAULT_LIMITS) -> RunSummary | None:
    return find_unchanged(discover_sources(sources, exclude=(out,)), out, VERSION, load_schema(), limits)


def test_the_same_inputs_give_the_published_summary(published: tuple[Path, Path, RunSummary]) -> None:
    sources, out, full = published
    same = _unchanged(sources, out)
    assert same is not None
    sources_found = len(discover_sources(sources, exclude=(out,)).sources)  # unique contents, broken.pdf too
    expected = replace(full, parsed=0, cached=sources_found, published=False)
    assert replace(same, failure_rows=()) == replace(expected, failure_rows=())
    assert Counter(same.failure_rows) == Counter(full.failure_rows)


@pytest.mark.parametrize("change", ["new_file", "changed_file", "latest_elsewhere", "tampered_table", "other_code"])
def test_anything_new_or_broken_means_a_real_run(change: str, published, tmp_path: Path) -> None:
    sources, out = _copy(published, tmp_path)
    version = VERSION
    if change == "new_file":
        render_synthetic(tmp_path / "more", count=1, seed=12)
        shutil.copyfile(next((tmp_path / "more").glob("*.pdf")), sources / "new.pdf")
    elif change == "changed_file":
        (sources / "broken.pdf").write_bytes(b"still not a pdf, but other bytes")
    elif change == "latest_elsewhere":
        (out / LATEST).write_text("0123456789abcdef\n", encoding="ascii")
    elif change == "tampered_table":
        table = next((out / SNAPSHOTS).glob("*/applications.parquet"))
        table.write_bytes(table.read_bytes() + b"x")
    else:
        version = VERSION + "-changed"
    found = discover_sources(sources, exclude=(out,))
    assert find_unchanged(found, out, version, load_schema(), Limits()) is None


def test_a_stricter_page_limit_means_a_real_run(published, tmp_path: Path) -> None:
    sources, out = _copy(published, tmp_path)
    assert _unchanged(sources, out, Limits(max_pages=1)) is None
    assert _unchanged(sources, out, Limits(max_pages=2000)) is not None


@pytest.mark.parametrize("error", ["timeout", "out_of_memory", "worker_crashed", "too_large", "too_many_pages"])
def test_a_run_dependent_failure_is_tried_again(error: str, tmp_path: Path) -> None:
    results = (make_result("a"), make_failed("b", error=error))
    found = Discovery(sources=tuple(source_of(r) for r in results), problems=())
    _publish(found, tmp_path, results)
    assert find_unchanged(found, tmp_path, VERSION, load_schema(), Limits()) is None


def test_a_file_failure_that_the_file_decides_is_not_tried_again(tmp_path: Path) -> None:
    results = (make_result("a"), make_failed("b", error="encrypted"))
    found = Discovery(sources=tuple(source_of(r) for r in results), problems=())
    _publish(found, tmp_path, results)
    same = find_unchanged(found, tmp_path, VERSION, load_schema(), Limits())
    assert same is not None and (same.documents, same.failed, same.applications) == (1, 1, 3)
    assert [f.error for f in same.failure_rows] == ["encrypted"]
    assert all(isinstance(f, Failure) for f in same.failure_rows)
