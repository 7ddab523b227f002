"""The batch executor: worker processes vs inline, timeouts, deaths, start failures, the cache."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.discover.sources import discover_sources
from pipeline.model.records import DocumentResult, SourceFile
from pipeline.read.config import ReadConfig
from pipeline.runtime.batch import BatchConfig, WorkerStartError, apply_page_limit, process_file, process_sources
from pipeline.runtime.limits import MIB, Limits
from pipeline.runtime.process import ProcessConfig
from tests.fixtures.hostile import cyclic_pdf

GOOD = ("buurtsport_subsidies__official.pdf", "seed_wijkverbeteringscontracten__plain.pdf",
        "veerkrachtige_wijken_aanvragen__compact.pdf")  # fmt: skip
CONFIG = ProcessConfig()
# pdfminer loops on the cyclic PDF (cyclic_pdf) where PDFium refuses it as damaged: the timeout
# tests read with pdfplumber
HANGS = ProcessConfig(read=ReadConfig(engine="pdfplumber"))


def _corpus(root: Path, fixture_set, *names: str, hang: str | None = None) -> list[SourceFile]:
    """The named fixture PDFs (good or bad) in `root`, plus a document that hangs the reader."""
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(fixture_set.rendered.get(name) or fixture_set.bad[name], root / name)
    if hang:
        (root / hang).write_bytes(cyclic_pdf())
    return list(discover_sources(root).sources)


def _errors(results: tuple[DocumentResult, ...]) -> dict[str, str | None]:
    """source file -> None for a document, else its first failure's error kind."""
    return {r.source_file: None if r.document else r.failures[0].error for r in results}


def _worker_pids() -> set[int]:
    """Processes whose parent is a child of this one: the workers (children of the forkserver)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    children = {pid for pid, parent in parents.items() if parent == os.getpid()}
    return {pid for pid, parent in parents.items() if parent in children}


def test_batch_config_is_validated() -> None:
    with pytest.raises(ValueError):
        BatchConfig(workers=0)
    with pytest.raises(ValueError):
        BatchConfig(workers=2, isolate=False)
    assert BatchConfig(workers=2).isolated and not BatchConfig().isolated and BatchConfig(isolate=True).isolated


def test_apply_page_limit_takes_the_stricter() -> None:
    assert apply_page_limit(CONFIG, Limits(max_pages=5)).read.max_pages == 5
    loose = ProcessConfig(read=ReadConfig(max_pages=3))
    assert apply_page_limit(loose, Limits(max_pages=5)) is loose


def test_workers_match_inline_and_leave_no_process(tmp_path: Path, fixture_set) -> None:
    sources = _corpus(tmp_path, fixture_set, *GOOD, "truncated.pdf", "not_a_pdf.pdf")
    inline = process_sources(sources, CONFIG, BatchConfig(workers=1))
    seen: list[str] = []
    pooled = process_sources(sources, CONFIG, BatchConfig(workers=2), on_result=lambda r: seen.append(r.source_file))
    assert pooled.results == inline.results  # same rows, in source order
    assert sorted(seen) == sorted(s.path for s in sources) and (pooled.parsed, pooled.cached) == (5, 0)
    assert _errors(pooled.results)["truncated.pdf"] == "damaged"
    assert not _worker_pids()


@pytest.mark.slow  # waits out a 2 s timeout
def test_a_timeout_is_recorded_and_never_cached(tmp_path: Path, fixture_set) -> None:
    sources = _corpus(tmp_path / "src", fixture_set, *GOOD[:2], hang="loop.pdf")
    batch = BatchConfig(workers=1, isolate=True, limits=Limits(timeout_s=2.0), cache_dir=tmp_path / "cache",
                        code_version="t", schema_version="t")  # fmt: skip
    outcome = process_sources(sources, HANGS, batch)
    assert _errors(outcome.results) == {"loop.pdf": "timeout", GOOD[0]: None, GOOD[1]: None}
    cached = {p.name[:64] for p in (tmp_path / "cache").glob("*.json")}
    assert cached == {s.sha256 for s in sources if s.path != "loop.pdf"}  # a later run tries it again
    assert not _worker_pids()


@pytest.mark.parametrize("outcome", ["unreadable", "changed_during_run"])
def test_an_outcome_of_the_moment_is_never_cached(tmp_path: Path, fixture_set, outcome: str) -> None:
    # the next run tries the file again (carry.RETRY_ERRORS): a cached failure would answer instead
    (source,) = _corpus(tmp_path / "src", fixture_set, GOOD[0])
    if outcome == "unreadable":
        Path(source.location).unlink()  # gone between discovery and reading
    else:
        Path(source.location).write_bytes(Path(source.location).read_bytes() + b"%")
    batch = BatchConfig(workers=1, cache_dir=tmp_path / "cache", code_version="t", schema_version="t")
    outcome_of_run = process_sources([source], CONFIG, batch)
    assert _errors(outcome_of_run.results) == {source.path: outcome}
    assert not list((tmp_path / "cache").glob("*.json"))


def test_a_worker_that_cannot_start_is_fatal(tmp_path: Path, fixture_set) -> None:
    sources = _corpus(tmp_path, fixture_set, GOOD[0])
    batch = BatchConfig(workers=1, isolate=True, limits=Limits(memory_bytes=64 * MIB))  # spaCy needs more
    with pytest.raises(WorkerStartError, match="MemoryError|could not start|exited"):
        process_sources(sources, CONFIG, batch)
    assert not _worker_pids()


def test_file_checks_before_reading(tmp_path: Path, fixture_set) -> None:
    (source,) = _corpus(tmp_path, fixture_set, GOOD[0])
    changed = process_file(replace(source, sha256="0" * 64), CONFIG)
    assert changed.failures[0].error == "changed_during_run"
    gone = process_file(replace(source, location=str(tmp_path / "missing.pdf")), CONFIG)
    assert gone.failures[0].error == "unreadable"
    grown = process_file(source, CONFIG, Limits(max_file_bytes=100))
    assert grown.failures[0].error == "too_large"


def test_too_large_is_refused_without_a_worker(tmp_path: Path, fixture_set) -> None:
    sources = _corpus(tmp_path, fixture_set, *GOOD[:2])
    batch = BatchConfig(workers=2, limits=Limits(max_file_bytes=100), cache_dir=tmp_path / "cache")
    outcome = process_sources(sources, CONFIG, batch)
    assert set(_errors(outcome.results).values()) == {"too_large"} and outcome.cached == 0
    assert not (tmp_path / "cache").exists()  # limit failures depend on the run: never cached


def test_cache_serves_the_second_run_and_recomputes_a_corrupted_entry(tmp_path: Path, fixture_set) -> None:
    sources = _corpus(tmp_path / "src", fixture_set, *GOOD, "not_a_pdf.pdf")
    batch = BatchConfig(cache_dir=tmp_path / "cache", code_version="t", schema_version="t")
    first = process_sources(sources, CONFIG, batch)
    assert (first.parsed, first.cached) == (4, 0)
    again = process_sources(sources, CONFIG, batch)
    assert (again.parsed, again.cached, again.results) == (0, 4, first.results)

    # a plausible edit inside one entry: valid JSON, wrong checksum
    entry = next(p for p in (tmp_path / "cache").glob("*.json") if p.name.startswith(sources[0].sha256))
    head, payload = entry.read_bytes().split(b"\n", 1)
    result = json.loads(payload)
    result["document"]["title"] = "Vervalst"
    entry.write_bytes(head + b"\n" + json.dumps(result).encode())
    # and a torn write in another
    other = next(p for p in (tmp_path / "cache").glob("*.json") if p.name.startswith(sources[1].sha256))
    other.write_bytes(other.read_bytes()[:100])
    third = process_sources(sources, CONFIG, batch)
    assert (third.parsed, third.cached, third.results) == (2, 2, first.results)


def test_cached_document_over_the_page_limit_is_refused(tmp_path: Path, fixture_set) -> None:
    sources = _corpus(tmp_path / "src", fixture_set, GOOD[0])
    batch = BatchConfig(cache_dir=tmp_path / "cache", code_version="t", schema_version="t")
    first = process_sources(sources, CONFIG, batch)
    pages = first.results[0].n_pages
    strict = process_sources(sources, CONFIG, replace(batch, limits=Limits(max_pages=pages - 1)))
    assert strict.cached == 0 and strict.results[0].failures[0].error == "too_many_pages"
    assert process_sources(sources, CONFIG, batch).results == first.results  # the entry was kept
