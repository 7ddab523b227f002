"""The batch flow: discover → process documents → validate → publish. Tasks wrap one pipeline call each.

Where documents run depends on the flow's task runner. With Prefect's default (threads in this
process) one task hands every document to `pipeline.runtime.batch`, whose worker processes import only
`pipeline`. With a Dask runner, chunks of documents are tasks on the cluster's workers, each run
inline there. The results, and so the snapshot, are the same either way.
"""

# No `from __future__ import annotations` here: Prefect validates a deployment's parameters
# against the flow's annotations, and a string annotation naming `Progress` cannot be resolved
# there.
import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.runtime.batch import BatchConfig, BatchOutcome, process_sources
from pipeline.dataset.carry import plan_carry
from pipeline.discover.sources import Discovery, discover_sources, input_files
from pipeline.runtime.limits import Limits
from pipeline.read.config import ReadConfig
from pipeline.runtime.process import ProcessConfig, build_validation_context
from pipeline.dataset.provenance import code_version, library_versions
from pipeline.model.records import CarryPlan, DocumentResult, RunSummary, SnapshotInfo, SourceFile
from pipeline.runtime.report import check_accounting, problem_results, summarize_run
from pipeline.storage import is_url
from pipeline.dataset.unchanged import find_unchanged
from pipeline.validate.checks import ValidationContext, validate_results
from pipeline.dataset.snapshot import latest_snapshot, read_latest
from pipeline.dataset.cache import clear_cache
from pipeline.runtime.lock import hold_lock
from pipeline.dataset.write import publish_snapshot
from schemas import load_schema

MAX_CHUNK = 20  # documents per cluster task: ~8 s of work against ~30 ms of Prefect overhead
CHUNKS_PER_SLOT = 2  # enough chunks that no worker idles long at the end of a run
SUMMARY_KEY = "parlq-run-summary"
FAILURES_KEY = "parlq-failures"


@runtime_checkable
class Progress(Protocol):
    """What the flow tells a progress display: the total after discovery, then each result."""

    def begin(self, total: int) -> None: ...

    def advance(self, result: DocumentResult) -> None: ...


def retry_on_io_error(task: object, task_run: object, state: State) -> bool:
    """Retry condition of the I/O tasks: a network share or object store can hiccup; bad data or a bug cannot."""
    return isinstance(state.result(raise_on_failure=False), OSError)


@task(name="discover", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=retry_on_io_error)
def discover(source_dir: str, out_dir: str, limits: Limits) -> Discovery:
    return discover_sources(source_dir, exclude=(out_dir,), limits=limits)


@task(name="find-unchanged", cache_policy=NO_CACHE)
def unchanged(found: Discovery, out_dir: str, limits: Limits) -> RunSummary | None:
    return find_unchanged(found, out_dir, code_version(), load_schema(), limits)


@task(name="plan-carry", cache_policy=NO_CACHE)
def carry(found: Discovery, out_dir: str, limits: Limits) -> CarryPlan | None:
    return plan_carry(found, latest_snapshot(Path(out_dir)), code_version(), load_schema(), limits)


@task(name="process-documents", cache_policy=NO_CACHE)  # no retries: a parse error comes back the same
def process(
    sources: tuple[SourceFile, ...], config: ProcessConfig, batch: BatchConfig, progress: Progress | None = None
) -> BatchOutcome:
    return process_sources(sources, config, batch, progress.advance if progress else None)


@task(name="prepare-validation", cache_policy=NO_CACHE)
def validation_context(today: dt.date) -> ValidationContext:
    return build_validation_context(today)


@task(name="validate", cache_policy=NO_CACHE)
def validate(results: tuple[DocumentResult, ...], context: ValidationContext) -> tuple[DocumentResult, ...]:
    return validate_results(results, context)


@task(name="clear-cache", cache_policy=NO_CACHE)
def clear(cache_dir: Path) -> int:
    return clear_cache(cache_dir)


@task(name="read-latest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=retry_on_io_error)
def latest_at_start(out_dir: str) -> str:
    return read_latest(out_dir) or ""


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=retry_on_io_error)
def publish(
    results: tuple[DocumentResult, ...],
    inputs: tuple[SourceFile, ...],
    out_dir: str,
    engine: str,
    carried: CarryPlan | None = None,
    latest: str | None = None,
) -> SnapshotInfo:
    return publish_snapshot(
        results,
        inputs,
        out_dir,
        schema=load_schema(),
        code_version=code_version(),
        library_versions=library_versions(),
        engine=engine,
        carried=carried,
        latest_at_start=latest,
    )


@flow(name="parlq-batch", log_prints=False)
def batch_flow(
    source_dir: str,
    out_dir: str,
    engine: str = "pdfium",
    workers: int | None = None,
    use_cache: bool = True,
    limits: Limits | None = None,
    progress: Progress | None = None,
    wait_lock: float | None = 0.0,
    clear_cache: bool = False,
) -> RunSummary:
    """Process every PDF below `source_dir` (a folder or a URL) into a snapshot under `out_dir`.

    `workers`: worker processes on this machine (None: one per core); a Dask runner ignores it.
    With the cache on, nothing is done when LATEST already holds these inputs, and inputs the
    previous snapshot holds unchanged keep its rows (pipeline.dataset.carry): only new work is done.
    The run's summary and its failures are also left as artifacts of the flow run.

    Every run holds OUT_DIR's lock (`pipeline.runtime.lock`), however it was started: another
    run there makes this one wait up to `wait_lock` seconds (None: as long as it takes), then
    fail with LockHeld. An object store has no lock: publishing refuses to move a LATEST that
    another run moved after this one began.
    """
    limits = limits or Limits()
    if is_url(out_dir):
        return _run_batch(source_dir, out_dir, engine, workers, use_cache, limits, progress, latest_at_start(out_dir))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with hold_lock(Path(out_dir), wait_lock):
        if clear_cache:
            clear(Path(out_dir) / "cache")
        return _run_batch(source_dir, out_dir, engine, workers, use_cache, limits, progress, None)


def _run_batch(
    source_dir: str,
    out_dir: str,
    engine: str,
    workers: int | None,
    use_cache: bool,
    limits: Limits,
    progress: Progress | None,
    latest: str | None,
) -> RunSummary:
    config = ProcessConfig(read=ReadConfig(engine=engine, max_pages=limits.max_pages))
    found = discover(source_dir, out_dir, limits)
    incremental = use_cache and not is_url(out_dir)
    same = unchanged(found, out_dir, limits) if incremental else None
    if same is not None:
        _leave_artifacts(same)
        return same
    plan = carry(found, out_dir, limits) if incremental else None
    todo = tuple(s for s in found.sources if plan is None or s.path not in plan.paths)
    if progress is not None:
        progress.begin(len(todo))
    batch = BatchConfig(
        workers=workers or os.cpu_count() or 1,
        # the cache is per-document files on a local disk; with OUT_DIR on an object store there is none
        cache_dir=Path(out_dir) / "cache" if use_cache and not is_url(out_dir) else None,
        code_version=code_version(),
        schema_version=load_schema().version,
        limits=limits,
        isolate=True,  # worker processes even for one worker: the timeout and memory limit hold
    )
    runner = FlowRunContext.get().task_runner
    if isinstance(runner, ThreadPoolTaskRunner):
        checks = validation_context.submit(dt.date.today())  # made ready while the documents are processed
        outcome = process(todo, config, batch, progress)
        context = checks.result()
    else:  # the context stays in this process: a cluster's worker would have to send it back
        outcome = _process_on_cluster(todo, config, batch, _slots(runner), progress)
        context = validation_context(dt.date.today())
    results = validate(outcome.results + problem_results(found), context)
    check_accounting(input_files(found), results, plan)  # before anything is written: a violation is fatal
    info = publish(results, input_files(found), out_dir, engine, plan, latest)
    summary = summarize_run(found, results, outcome.parsed, outcome.cached, info, plan)
    _leave_artifacts(summary)
    return summary


def chunk_sources(sources: Sequence[SourceFile], slots: int) -> list[tuple[SourceFile, ...]]:
    """Consecutive chunks of at most MAX_CHUNK sources, about CHUNKS_PER_SLOT per worker slot."""
    size = max(1, min(MAX_CHUNK, math.ceil(len(sources) / (CHUNKS_PER_SLOT * max(1, slots)))))
    return [tuple(sources[i : i + size]) for i in range(0, len(sources), size)]


def summary_markdown(summary: RunSummary) -> str:
    """The run summary artifact: what was new, skipped and failed, and which snapshot it made."""
    state = "published" if summary.published else "unchanged (LATEST already named it)"
    rows = [
        ("PDF files found", summary.inputs),
        ("documents processed (new)", summary.parsed),
        ("documents from the cache (skipped)", summary.cached),
        ("files failed", summary.failed),
        ("duplicates", summary.duplicates),
        ("documents in the snapshot", summary.documents),
        ("applications", summary.applications),
        ("failure rows", summary.failures),
    ]
    lines = [f"# parlq run: snapshot `{summary.snapshot_id}`", "", f"{state}: `{summary.snapshot_path}`", ""]
    lines += ["| | |", "|---|---:|", *(f"| {label} | {value} |" for label, value in rows)]
    return "\n".join(lines) + "\n"


def failure_table(summary: RunSummary) -> list[dict[str, str]]:
    """The failures table artifact: one row per failure (duplicates included, as in failures.parquet)."""
    return [
        {"source_file": f.source_file, "stage": f.stage, "error": f.error, "message": f.message}
        for f in summary.failure_rows
    ]


def _process_on_cluster(
    sources: tuple[SourceFile, ...], config: ProcessConfig, batch: BatchConfig, slots: int, progress: Progress | None
) -> BatchOutcome:
    # One document at a time inside each task: the cluster's workers are the parallelism, and
    # they keep their gazetteer and spaCy pipeline from one chunk to the next.
    inline = replace(batch, workers=1, isolate=False)
    futures = [process.submit(chunk, config, inline) for chunk in chunk_sources(sources, slots)]
    if progress is not None:
        for future in as_completed(futures):
            for result in future.result().results:
                progress.advance(result)
    outcomes = [future.result() for future in futures]  # chunk order: the sources' order
    return BatchOutcome(
        results=tuple(r for o in outcomes for r in o.results),
        parsed=sum(o.parsed for o in outcomes),
        cached=sum(o.cached for o in outcomes),
    )


def _slots(runner: object) -> int:
    """Tasks the cluster runs at once (its worker threads), for sizing chunks."""
    client = getattr(runner, "client", None)
    return sum(client.nthreads().values()) if client is not None else 1


def _leave_artifacts(summary: RunSummary) -> None:
    create_markdown_artifact(summary_markdown(summary), key=SUMMARY_KEY, description="parlq run summary")
    create_table_artifact(failure_table(summary), key=FAILURES_KEY, description="files and records that failed")
