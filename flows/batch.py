"""The batch flow: discover → process documents → validate → publish. Tasks wrap one pipeline call each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from pipeline.batch import BatchConfig, BatchOutcome, process_sources
from pipeline.discover import Discovery, discover_sources, input_files
from pipeline.limits import Limits
from pipeline.process import ProcessConfig, build_validation_context
from pipeline.provenance import code_version, library_versions
from pipeline.records import DocumentResult, RunSummary, SnapshotInfo, SourceFile
from pipeline.report import check_accounting, problem_results, summarize_run
from pipeline.validate import validate_results
from pipeline.write import publish_snapshot
from schemas import load_schema


@task(name="discover", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def discover(source_dir: Path, out_dir: Path, limits: Limits | None = None) -> Discovery:
    return discover_sources(source_dir, exclude=(out_dir,), limits=limits)


@task(name="process-documents", cache_policy=NO_CACHE)
def process(
    sources: tuple[SourceFile, ...],
    config: ProcessConfig,
    batch: BatchConfig,
    on_result: Callable[[DocumentResult], None] | None,
) -> BatchOutcome:
    return process_sources(sources, config, batch, on_result)


@task(name="validate", cache_policy=NO_CACHE)
def validate(results: tuple[DocumentResult, ...], today: dt.date) -> tuple[DocumentResult, ...]:
    return validate_results(results, build_validation_context(today))


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def publish(
    results: tuple[DocumentResult, ...], inputs: tuple[SourceFile, ...], out_dir: Path, engine: str
) -> SnapshotInfo:
    schema = load_schema()
    return publish_snapshot(
        results,
        inputs,
        out_dir,
        schema=schema,
        code_version=code_version(),
        library_versions=library_versions(),
        engine=engine,
    )


@flow(name="parlq-batch", log_prints=False)
def batch_flow(
    source_dir: Path,
    out_dir: Path,
    config: ProcessConfig,
    workers: int = 1,
    use_cache: bool = True,
    on_result: Callable[[DocumentResult], None] | None = None,
    limits: Limits | None = None,
) -> RunSummary:
    """Process every PDF below `source_dir` into a snapshot under `out_dir`."""
    limits = limits or Limits()
    found = discover(source_dir, out_dir, limits)
    batch = BatchConfig(
        workers=workers,
        cache_dir=out_dir / "cache" if use_cache else None,
        code_version=code_version(),
        schema_version=load_schema().version,
        limits=limits,
        isolate=True,  # worker processes even for one worker: the timeout and memory limit hold
    )
    outcome = process(found.sources, config, batch, on_result)
    results = validate(outcome.results + problem_results(found), dt.date.today())
    check_accounting(input_files(found), results)  # before anything is written: a violation is fatal
    info = publish(results, input_files(found), out_dir, config.read.engine)
    return summarize_run(found, results, outcome.parsed, outcome.cached, info)

