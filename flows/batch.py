"""The batch flow: `pipeline.runtime.run.run_batch` with each step a Prefect task of its pipeline function.

The run's logic (steps, order, lock) is the library's; this module only makes each step a task,
so that a flow run records it, retries I/O, and can hand documents to a cluster. Where documents
run depends on the flow's task runner. With Prefect's default (threads in this process) one task
hands every document to `pipeline.runtime.batch`, whose worker processes import only `pipeline`.
With a Dask runner, chunks of documents are tasks on the cluster's workers, each run inline
there. The results, and so the snapshot, are the same either way.
"""

# No `from __future__ import annotations` here: Prefect validates a deployment's parameters
# against the flow's annotations, and a string annotation naming `Progress` cannot be resolved
# there.
import datetime as dt
import math
import os
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from flows.arguments import report_sources
from pipeline.dataset.cache import clear_cache
from pipeline.model.records import RunSummary, SourceFile
from pipeline.report.html import REPORT
from pipeline.runtime.batch import BatchOutcome
from pipeline.runtime.limits import Limits
from pipeline.runtime.run import (
    Progress,
    RunConfig,
    RunSteps,
    carry_step,
    discover_step,
    latest_step,
    process_step,
    publish_step,
    report_step,
    run_batch,
    unchanged_step,
)
from pipeline.storage import is_url
from pipeline.validate.checks import build_validation_context, validate_tables

MAX_CHUNK = 20  # documents per cluster task: ~8 s of work against ~30 ms of Prefect overhead
CHUNKS_PER_SLOT = 2  # enough chunks that no worker idles long at the end of a run
SUMMARY_KEY = "parlq-run-summary"
FAILURES_KEY = "parlq-failures"
REPORT_KEY = "parlq-report"


def retry_on_io_error(task: object, task_run: object, state: State) -> bool:
    """Retry condition of the I/O tasks: a network share or object store can hiccup; bad data or a bug cannot."""
    return isinstance(state.result(raise_on_failure=False), OSError)


_IO = {"retries": 2, "retry_delay_seconds": 2, "retry_condition_fn": retry_on_io_error}
discover = task(discover_step, name="discover", cache_policy=NO_CACHE, **_IO)
unchanged = task(unchanged_step, name="find-unchanged", cache_policy=NO_CACHE)
carry = task(carry_step, name="plan-carry", cache_policy=NO_CACHE)
validation_context = task(build_validation_context, name="prepare-validation", cache_policy=NO_CACHE)
process = task(process_step, name="process-documents", cache_policy=NO_CACHE)  # no retries: a bad PDF stays bad
validate = task(validate_tables, name="validate", cache_policy=NO_CACHE)
publish = task(publish_step, name="publish", cache_policy=NO_CACHE, **_IO)
latest_at_start = task(latest_step, name="read-latest", cache_policy=NO_CACHE, **_IO)
clear = task(clear_cache, name="clear-cache", cache_policy=NO_CACHE)
report = task(report_step, name="write-report", cache_policy=NO_CACHE)


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
    Every run holds OUT_DIR's lock, waiting up to `wait_lock` seconds (None: no limit) for
    another run there. The run's summary and its failures are also left as artifacts, and
    OUT_DIR/report.html (a local OUT_DIR) is linked as one.
    """
    config = RunConfig(source_dir, out_dir, engine, workers or os.cpu_count() or 1, use_cache, limits or Limits(),
                       link_sources=report_sources(source_dir) is not None)  # fmt: skip
    summary = run_batch(config, task_steps(), wait_lock=wait_lock, clear=clear_cache, progress=progress)
    leave_artifacts(summary, out_dir)
    return summary


def chunk_sources(sources: Sequence[SourceFile], slots: int) -> list[tuple[SourceFile, ...]]:
    """Consecutive chunks of at most MAX_CHUNK sources, about CHUNKS_PER_SLOT per worker slot."""
    size = max(1, min(MAX_CHUNK, math.ceil(len(sources) / (CHUNKS_PER_SLOT * max(1, slots)))))
    return [tuple(sources[i : i + size]) for i in range(0, len(sources), size)]


def summary_markdown(summary: RunSummary) -> str:
    """The run summary artifact: what was new, skipped and failed, and which snapshot it made."""
    state = "published" if summary.published else "unchanged (LATEST already named it)"
    rows = [
        ("files found", summary.inputs),
        ("documents processed (new)", summary.parsed),
        ("documents from the cache (skipped)", summary.cached),
        ("files failed", summary.failed),
        ("duplicates", summary.duplicates),
        ("documents in the snapshot", summary.documents),
        ("applications", summary.applications),
        ("failure rows", summary.failures),
        ("PDF vs Parliament conflicts (the PDF's values kept)", len(summary.conflicts)),
        ("warnings (sidecars not usable, ambiguous lists, applicants without a municipality)", len(summary.warnings)),
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


def task_steps() -> RunSteps:
    """The run's steps as this flow run's tasks; on a cluster, documents go out in chunks."""
    runner = FlowRunContext.get().task_runner
    if isinstance(runner, ThreadPoolTaskRunner):
        return RunSteps(discover, unchanged, carry, validation_context.submit, process, validate, publish,
                        latest_at_start, clear, report)  # fmt: skip

    def on_cluster(sources: tuple[SourceFile, ...], config: RunConfig, progress: Progress | None) -> BatchOutcome:
        return _process_on_cluster(sources, config, _slots(runner), progress)

    # the context stays in this process: a cluster's worker would have to send it back
    return RunSteps(discover, unchanged, carry, _prepared_now, on_cluster, validate, publish, latest_at_start, clear,
                    report)  # fmt: skip


def _prepared_now(today: dt.date) -> Future:
    done: Future = Future()
    done.set_result(validation_context(today))
    return done


def _process_on_cluster(
    sources: tuple[SourceFile, ...], config: RunConfig, slots: int, progress: Progress | None
) -> BatchOutcome:
    # One document at a time inside each task: the cluster's workers are the parallelism, and
    # they keep their gazetteer and spaCy pipeline from one chunk to the next.
    inline = replace(config, workers=1, isolate=False)
    futures = [process.submit(chunk, inline, None) for chunk in chunk_sources(sources, slots)]
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


def leave_artifacts(summary: RunSummary, out_dir: str) -> None:
    """The run's summary, its failures and its report as artifacts of the flow run."""
    create_markdown_artifact(summary_markdown(summary), key=SUMMARY_KEY, description="parlq run summary")
    create_table_artifact(failure_table(summary), key=FAILURES_KEY, description="files and records that failed")
    report = Path(out_dir) / REPORT
    if not is_url(out_dir) and report.is_file():
        create_link_artifact(report.resolve().as_uri(), link_text=f"report of snapshot {summary.snapshot_id}",
                             key=REPORT_KEY, description="the snapshot's report (HTML, opens from disk)")
