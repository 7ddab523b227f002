"""A run: discover → plan → process → validate → publish (`pipeline.steps.RUN_STEPS`), for every way of running.

`run_batch` holds the run's logic once. Who carries out each step is the caller's choice, given
as `RunSteps`: `PLAIN_STEPS` are the pipeline functions themselves (a run in this process, the
benchmark); the Prefect flow (flows/batch.py) gives the same functions wrapped as its tasks.
Either way the steps, their order, the lock and the snapshot are the same.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

from pipeline.dataset.cache import clear_cache
from pipeline.dataset.carry import plan_carry
from pipeline.dataset.provenance import code_version, library_versions
from pipeline.dataset.snapshot import latest_snapshot, read_latest
from pipeline.dataset.unchanged import find_unchanged
from pipeline.dataset.write import publish_snapshot
from pipeline.discover.sources import Discovery, discover_sources, input_files
from pipeline.model.records import CarryPlan, DocumentResult, RunSummary, SnapshotInfo, SourceFile
from pipeline.read.config import Engine, ReadConfig
from pipeline.runtime.batch import BatchConfig, BatchOutcome, process_sources
from pipeline.runtime.limits import Limits
from pipeline.runtime.lock import hold_lock
from pipeline.runtime.process import ProcessConfig
from pipeline.runtime.report import check_accounting, problem_results, summarize_run
from pipeline.storage import is_url
from pipeline.validate.checks import Validated, ValidationContext, build_validation_context, validate_tables
from schemas import load_schema

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunConfig:
    """One run: where from, where to, which engine, how many workers, the cache, the limits."""

    source_dir: str  # a folder or a URL
    out_dir: str
    engine: Engine = Engine.PDFIUM
    workers: int = 1
    use_cache: bool = True
    limits: Limits = field(default_factory=Limits)
    # worker processes, where the timeout and memory limit hold; False: in the calling process
    # (one worker), as a cluster's task runs its chunk
    isolate: bool = True
    code_version: str = ""  # "": this code's (provenance.code_version); the benchmark fixes one for all its runs
    link_sources: bool = True  # the report links its rows to the PDFs (False: a SOURCE_DIR that goes away)

    def __post_init__(self) -> None:
        object.__setattr__(self, "engine", Engine(self.engine))
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if not self.isolate and self.workers > 1:
            raise ValueError("more than one worker needs worker processes (isolate=True)")

    @property
    def incremental(self) -> bool:
        """Only new work: the cache and the previous snapshot live on a local OUT_DIR only."""
        return self.use_cache and not is_url(self.out_dir)

    @property
    def version(self) -> str:
        return self.code_version or code_version()

    def process_config(self) -> ProcessConfig:
        return ProcessConfig(read=ReadConfig(engine=self.engine))

    def batch_config(self) -> BatchConfig:
        return BatchConfig(
            workers=self.workers,
            cache_dir=Path(self.out_dir) / "cache" if self.incremental else None,
            code_version=self.version,
            schema_version=load_schema().version,
            limits=self.limits,
            isolate=self.isolate,
        )


@runtime_checkable
class Progress(Protocol):
    """What a run tells a progress display: the total after discovery, then each result."""

    def begin(self, total: int) -> None: ...

    def advance(self, result: DocumentResult) -> None: ...


class Pending(Protocol[T]):
    """A value on its way (a future): `result()` waits for it."""

    def result(self) -> T: ...


@dataclass(frozen=True)
class RunSteps:
    """Who carries out each step of a run: the pipeline functions below, or a flow's tasks of them."""

    discover: Callable[[RunConfig], Discovery]
    find_unchanged: Callable[[Discovery, RunConfig], RunSummary | None]
    plan_carry: Callable[[Discovery, RunConfig], CarryPlan | None]
    # started before the documents are processed, awaited after: it is ready by then
    prepare_validation: Callable[[dt.date], Pending[ValidationContext]]
    process: Callable[[tuple[SourceFile, ...], RunConfig, Progress | None], BatchOutcome]
    validate: Callable[[tuple[DocumentResult, ...], ValidationContext], Validated]
    publish: Callable[[Validated, tuple[SourceFile, ...], RunConfig, CarryPlan | None, str | None], SnapshotInfo]
    read_latest: Callable[[str], str]
    clear_cache: Callable[[Path], int]
    report: Callable[[str, str | None], Path | None]  # OUT_DIR/report.html and current/, last


def run_batch(
    config: RunConfig,
    steps: RunSteps,
    *,
    wait_lock: float | None = 0.0,
    clear: bool = False,
    progress: Progress | None = None,
    on_step: Callable[[str], None] | None = None,
    locked: bool = False,
) -> RunSummary:
    """Every input below SOURCE_DIR into a snapshot under OUT_DIR, doing only new work.

    A local OUT_DIR is locked for the whole run (`pipeline.runtime.lock`): another run makes this
    one wait up to `wait_lock` seconds (None: as long as it takes), then raise LockHeld; `locked`:
    the caller holds it already (`pipeline.runtime.fetch_run`: the fetch before the run). An object
    store has no lock: LATEST as the run found it is handed to publishing, which refuses to move
    it when another run has. `on_step` is called with each step's name of RUN_STEPS as it ends.
    Last, still under the lock, the report of LATEST (a local OUT_DIR's report.html).
    """
    if is_url(config.out_dir):
        return _run(config, steps, progress, on_step, steps.read_latest(config.out_dir))
    Path(config.out_dir).mkdir(parents=True, exist_ok=True)
    with nullcontext() if locked else hold_lock(Path(config.out_dir), wait_lock):
        if clear:
            steps.clear_cache(Path(config.out_dir) / "cache")
        summary = _run(config, steps, progress, on_step, None)
        sources = config.source_dir if config.link_sources and not is_url(config.source_dir) else None
        try:
            steps.report(config.out_dir, sources)
        except (OSError, ValueError) as exc:  # the snapshot is published: a missing report is no failed run
            logger.warning("the report could not be written: %s", exc)
        return summary


def _run(
    config: RunConfig,
    steps: RunSteps,
    progress: Progress | None,
    on_step: Callable[[str], None] | None,
    latest: str | None,
) -> RunSummary:
    done = on_step or (lambda name: None)
    found = steps.discover(config)
    done("discover")
    same = steps.find_unchanged(found, config) if config.incremental else None
    if same is not None:
        done("plan")
        return replace(same, warnings=found.warnings + same.warnings)  # the sidecars', then the documents'
    plan = steps.plan_carry(found, config) if config.incremental else None
    todo = tuple(s for s in found.sources if plan is None or s.path not in plan.paths)
    done("plan")
    if progress is not None:
        progress.begin(len(todo))
    checks = steps.prepare_validation(dt.date.today())
    outcome = steps.process(todo, config, progress)
    done("process")
    validated = steps.validate(outcome.results + problem_results(found), checks.result())
    check_accounting(input_files(found), validated.results, plan)  # before anything is written: fatal
    done("validate")
    info = steps.publish(validated, input_files(found), config, plan, latest)
    done("publish")
    return summarize_run(found, validated.results, outcome.parsed, outcome.cached, info, plan)


def discover_step(config: RunConfig) -> Discovery:
    found = discover_sources(config.source_dir, exclude=(config.out_dir,), limits=config.limits)
    for warning in found.warnings:  # a sidecar that could not be used: its document's columns are null
        logger.warning("%s", warning)
    return found


def unchanged_step(found: Discovery, config: RunConfig) -> RunSummary | None:
    return find_unchanged(found, config.out_dir, config.version, load_schema(), config.limits)


def carry_step(found: Discovery, config: RunConfig) -> CarryPlan | None:
    return plan_carry(found, latest_snapshot(Path(config.out_dir)), config.version, load_schema(), config.limits)


def process_step(sources: tuple[SourceFile, ...], config: RunConfig, progress: Progress | None) -> BatchOutcome:
    return process_sources(sources, config.process_config(), config.batch_config(),
                           progress.advance if progress else None)  # fmt: skip


def publish_step(
    validated: Validated, inputs: tuple[SourceFile, ...], config: RunConfig, plan: CarryPlan | None, latest: str | None
) -> SnapshotInfo:
    return publish_snapshot(
        validated.results,
        inputs,
        config.out_dir,
        schema=load_schema(),
        code_version=config.version,
        library_versions=library_versions(),
        engine=config.engine,
        carried=plan,
        latest_at_start=latest,
        tables=validated.tables,
    )


def report_step(out_dir: str, sources: str | None) -> Path | None:
    """OUT_DIR/report.html of LATEST, and current/ on it (`pipeline.report.html.write_run_report`)."""
    from pipeline.report.html import write_run_report  # jinja2: only when a run gets this far

    return write_run_report(out_dir, sources)


def latest_step(out_dir: str) -> str:
    """What LATEST names now ("" for nothing), for publishing to compare with at the end."""
    return read_latest(out_dir) or ""


def prepare_in_background(today: dt.date, *, report: bool = False) -> Future[ValidationContext]:
    """The validation context, built in a thread while the documents are processed. `report`: the
    report's template is compiled there next, as a run's process mostly waits for its workers; the
    context does not wait for it."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parlq-validation")
    try:
        context = pool.submit(build_validation_context, today)
        if report:
            pool.submit(_load_report_templates)
        return context
    finally:
        pool.shutdown(wait=False)  # the thread ends with its calls; the future outlives the pool


def _load_report_templates() -> None:
    try:
        from pipeline.report.html import load_report_templates

        load_report_templates()
    except Exception:  # noqa: BLE001 - only a head start: the report step meets and reports the same error
        logger.debug("the report's template could not be compiled ahead", exc_info=True)


PLAIN_STEPS = RunSteps(
    discover=discover_step,
    find_unchanged=unchanged_step,
    plan_carry=carry_step,
    prepare_validation=partial(prepare_in_background, report=True),
    process=process_step,
    validate=validate_tables,
    publish=publish_step,
    read_latest=latest_step,
    clear_cache=clear_cache,
    report=report_step,
)
