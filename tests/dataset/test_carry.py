"""Carry over: a run after new documents arrive copies the old rows and writes the snapshot a fresh run would."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.dataset.carry import plan_carry, read_carried
from pipeline.dataset.provenance import library_versions
from pipeline.dataset.snapshot import latest_snapshot
from pipeline.dataset.tabulate import build_table, merge_tables
from pipeline.dataset.write import publish_snapshot
from pipeline.discover.sources import Discovery, discover_sources, input_files
from pipeline.model.records import CarryPlan, RunSummary
from pipeline.runtime.batch import BatchConfig, process_sources
from pipeline.runtime.limits import Limits
from pipeline.runtime.process import ProcessConfig
from pipeline.runtime.report import AccountingError, check_accounting, problem_results, summarize_run
from pipeline.validate.checks import ValidationContext, build_validation_context, validate_results
from schemas import load_schema
from tests.builders import THEMES, is_valid_code, make_failed, make_result, province_of, source_of
from tests.fixtures.generate import render_synthetic

VERSION = "0.0.0+carry"
DEFAULT_LIMITS = Limits()


def _run(
    sources: Path, out: Path, incremental: bool = True, limits: Limits = DEFAULT_LIMITS
) -> tuple[RunSummary, CarryPlan | None]:
    """The batch flow's steps without Prefect and without the cache: carried inputs are the only shortcut."""
    found = discover_sources(sources, exclude=(out,))
    plan = plan_carry(found, latest_snapshot(out), VERSION, load_schema(), limits) if incremental else None
    todo = tuple(s for s in found.sources if plan is None or s.path not in plan.paths)
    batch = BatchConfig(workers=1, cache_dir=None, code_version=VERSION, schema_version=load_schema().version,
                        limits=limits)
    outcome = process_sources(todo, ProcessConfig(), batch)
    results = validate_results(outcome.results + problem_results(found), build_validation_context(dt.date(2026, 1, 1)))
    check_accounting(input_files(found), results, plan)
    info = publish_snapshot(results, input_files(found), out, schema=load_schema(), code_version=VERSION,
                            library_versions=library_versions(), engine="pdfium", carried=plan)
    return summarize_run(found, results, outcome.parsed, outcome.cached, info, plan), plan


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("carry")
    render_synthetic(root, count=5, seed=21)
    return root


def _sources(corpus: Path, target: Path, count: int) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    pdfs = sorted(corpus.glob("*.pdf"))
    for pdf in pdfs[:count]:
        shutil.copyfile(pdf, target / pdf.name)
    shutil.copyfile(pdfs[0], target / "zz-copy.pdf")  # a duplicate
    (target / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")  # a failed file
    return target


def _files(summary: RunSummary) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(summary.snapshot_path).iterdir())}


def test_a_carried_run_writes_the_snapshot_a_fresh_run_writes(corpus: Path, tmp_path: Path) -> None:
    sources = _sources(corpus, tmp_path / "sources", 4)
    first, plan = _run(sources, tmp_path / "out")
    assert plan is None and first.parsed == 5  # 4 documents and the broken file
    shutil.copyfile(sorted(corpus.glob("*.pdf"))[4], sources / "new.pdf")
    second, plan = _run(sources, tmp_path / "out")
    assert plan is not None and len(plan.sources) == 5 and len(plan.documents) == 4
    assert (second.parsed, second.cached, second.published) == (1, 5, True)
    fresh, _ = _run(sources, tmp_path / "fresh", incremental=False)
    assert second.snapshot_id == fresh.snapshot_id
    assert _files(second) == _files(fresh)  # byte for byte: tables and manifest
    counts = ("inputs", "documents", "failed", "duplicates", "sections", "applications", "failures")
    assert [getattr(second, c) for c in counts] == [getattr(fresh, c) for c in counts]
    assert sorted(second.failure_rows, key=repr) == sorted(fresh.failure_rows, key=repr)


def test_a_changed_file_is_processed_again(corpus: Path, tmp_path: Path) -> None:
    sources = _sources(corpus, tmp_path / "sources", 3)
    _run(sources, tmp_path / "out")
    first = sorted(sources.glob("*__*.pdf"))[0]
    shutil.copyfile(sorted(corpus.glob("*.pdf"))[4], first)  # same path, other content
    summary, plan = _run(sources, tmp_path / "out")
    assert plan is not None and first.name not in plan.paths
    assert summary.parsed == 2  # the changed file, and zz-copy.pdf: no longer a duplicate, now the only copy
    fresh, _ = _run(sources, tmp_path / "fresh", incremental=False)
    assert _files(summary) == _files(fresh)


def test_other_code_or_a_stricter_limit_carries_nothing(corpus: Path, tmp_path: Path) -> None:
    sources = _sources(corpus, tmp_path / "sources", 2)
    _run(sources, tmp_path / "out")
    found = discover_sources(sources, exclude=(tmp_path / "out",))
    previous = latest_snapshot(tmp_path / "out")
    assert plan_carry(found, previous, VERSION, load_schema(), Limits()) is not None
    assert plan_carry(found, previous, VERSION + "-other", load_schema(), Limits()) is None
    assert plan_carry(found, None, VERSION, load_schema(), Limits()) is None
    strict = plan_carry(found, previous, VERSION, load_schema(), Limits(max_pages=1))
    assert strict is None or not strict.documents  # documents over the limit are refused again


@pytest.mark.parametrize("error", ["timeout", "out_of_memory", "worker_crashed", "unreadable", "changed_during_run"])
def test_an_outcome_of_the_run_is_tried_again(error: str, tmp_path: Path) -> None:
    results = (make_result("a"), make_failed("b", error=error), make_failed("c", error="encrypted"))
    found = Discovery(sources=tuple(source_of(r) for r in results), problems=())
    publish_snapshot(results, input_files(found), tmp_path, schema=load_schema(), code_version=VERSION,
                     library_versions=library_versions(), engine="pdfium")
    plan = plan_carry(found, latest_snapshot(tmp_path), VERSION, load_schema(), Limits())
    assert plan is not None
    assert plan.paths == {"a.pdf", "c.pdf"} and [p for p, _ in plan.documents] == ["a.pdf"]
    assert [f.error for f in plan.failures] == ["encrypted"] and plan.applications == 3
    tables = read_carried(plan, load_schema())
    assert tables["documents"].column("source_file").to_pylist() == ["a.pdf"]
    assert tables["failures"].column("source_file").to_pylist() == ["c.pdf"]


def test_a_file_over_a_limit_retried_with_success_reaches_the_snapshot(corpus: Path, tmp_path: Path) -> None:
    sources, out = _sources(corpus, tmp_path / "sources", 2), tmp_path / "out"
    first, _ = _run(sources, out, limits=Limits(max_pages=1))  # an outcome of the run, like a timeout
    assert first.documents == 0 and first.published
    second, plan = _run(sources, out)  # the next run, with the default limits: the refused files are read
    assert second.published and second.snapshot_id != first.snapshot_id
    assert second.documents == 2 and second.applications > 0 and plan is not None
    tables = {name: pq.read_table(Path(second.snapshot_path) / f"{name}.parquet") for name in ("documents", "failures")}
    assert tables["documents"].num_rows == 2 and "too_many_pages" not in tables["failures"].column("error").to_pylist()
    assert _run(sources, out)[0].snapshot_id == second.snapshot_id  # and then it stays


def test_a_question_dated_after_the_run_is_validated_again_on_a_later_day(tmp_path: Path) -> None:
    day = dt.date(2021, 9, 30)
    results = (make_result("a", date=dt.date(2021, 9, 1)), make_result("b", date=dt.date(2021, 10, 1)))
    found = Discovery(sources=tuple(source_of(r) for r in results), problems=())
    first = validate_results(results, ValidationContext(is_valid_code, province_of, THEMES, day))
    assert [(r.source_file, f.error) for r in first for f in r.failures] == [("b.pdf", "question_date_not_future")]
    old = publish_snapshot(first, input_files(found), tmp_path, schema=load_schema(), code_version=VERSION,
                           library_versions=library_versions(), engine="pdfium")
    plan = plan_carry(found, latest_snapshot(tmp_path), VERSION, load_schema(), Limits())
    assert plan is not None and plan.paths == {"a.pdf"}  # b is validated again, on the day of the next run
    later = validate_results(results[1:], ValidationContext(is_valid_code, province_of, THEMES, day + dt.timedelta(1)))
    new = publish_snapshot(later, input_files(found), tmp_path, schema=load_schema(), code_version=VERSION,
                           library_versions=library_versions(), engine="pdfium", carried=plan)
    assert new.published and new.snapshot_id != old.snapshot_id
    assert dict(new.row_counts)["documents"] == 2 and dict(new.row_counts)["failures"] == 0


def test_accounting_counts_carried_inputs_once(tmp_path: Path) -> None:
    results = (make_result("a"), make_failed("b"))
    found = Discovery(sources=tuple(source_of(r) for r in results), problems=())
    publish_snapshot(results, input_files(found), tmp_path, schema=load_schema(), code_version=VERSION,
                     library_versions=library_versions(), engine="pdfium")
    plan = plan_carry(found, latest_snapshot(tmp_path), VERSION, load_schema(), Limits())
    assert check_accounting(input_files(found), (), plan) == (1, 1, 0)
    with pytest.raises(AccountingError, match="carried over and has a result"):
        check_accounting(input_files(found), results[:1], plan)


def test_merging_keeps_the_tie_break_of_a_fresh_table() -> None:
    spec = load_schema().tables["failures"]
    rows = [
        {"source_file": "b.pdf", "sha256": None, "stage": "read", "error": "x", "message": "m"},
        {"source_file": "a.pdf", "sha256": "f" * 64, "stage": "read", "error": "x", "message": "m"},
        {"source_file": "a.pdf", "sha256": None, "stage": "read", "error": "x", "message": "m"},  # same key
    ]
    schema = load_schema()
    fresh = {name: build_table([], s) for name, s in schema.tables.items()} | {"failures": build_table(rows[:1], spec)}
    carried = {name: build_table([], s) for name, s in schema.tables.items()}
    carried["failures"] = build_table(rows[1:], spec, sort=False, allow_nulls=True)
    merged = merge_tables(fresh, carried, schema)["failures"]
    assert merged.equals(build_table(rows, spec, allow_nulls=True))
    assert isinstance(merged, pa.Table) and merged.column("sha256").to_pylist() == [None, "f" * 64, None]
