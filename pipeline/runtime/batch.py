"""A batch of documents through `process_document`, in worker processes or inline, with a cache.

Isolated runs use persistent worker processes (`pipeline.runtime.workers`) that build the gazetteer and
spaCy pipeline once and hold the timeout and memory limit; a worker stopped or dead on a document
is replaced and the document recorded as a failure. Inline runs (one worker, `isolate=False`,
e.g. inside a Dask task) hold the size and page limits only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path

from pipeline.extract.resources import Resources, build_resources
from pipeline.model.kinds import FailureKind, Stage
from pipeline.model.records import DocumentResult, Failure, SourceFile
from pipeline.runtime.limits import (
    RUN_OUTCOMES,
    Limits,
    check_declared_pages,
    check_size,
    failure_result,
    out_of_memory_failure,
)
from pipeline.runtime.process import ProcessConfig, process_document
from pipeline.runtime.workers import PRELOAD, WorkerStartError, run_in_workers
from pipeline.storage import is_url, read_bytes

__all__ = ["BatchConfig", "BatchOutcome", "WorkerStartError", "apply_page_limit", "process_file", "process_resources",
           "process_sources"]  # fmt: skip


@dataclass(frozen=True)
class BatchConfig:
    workers: int = 1
    cache_dir: Path | None = None  # None: no cache
    code_version: str = "dev"  # with the schema version, part of every cache key: a change invalidates
    schema_version: str = "dev"
    limits: Limits = field(default_factory=Limits)
    # True: documents run in worker processes, where the timeout and memory limit hold; False: in
    # this process (workers must be 1). None: worker processes when workers > 1.
    isolate: bool | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.isolate is False and self.workers > 1:
            raise ValueError("more than one worker needs worker processes (isolate=True or None)")

    @property
    def isolated(self) -> bool:
        return self.workers > 1 if self.isolate is None else self.isolate


@dataclass(frozen=True)
class BatchOutcome:
    results: tuple[DocumentResult, ...]  # in the order of the sources
    parsed: int  # documents processed in this run
    cached: int  # documents taken from the cache


def process_sources(
    sources: Sequence[SourceFile],
    config: ProcessConfig,
    batch: BatchConfig,
    on_result: Callable[[DocumentResult], None] | None = None,
) -> BatchOutcome:
    """Process every source (cached ones are not re-read); results come back in source order."""
    notify = on_result or (lambda result: None)
    config = apply_page_limit(config, batch.limits)
    done: dict[str, DocumentResult] = {}
    todo: list[SourceFile] = []
    cached = 0
    for source in sources:
        refused = check_size(source, source.size, batch.limits)
        hit = None if refused else _load(batch, source)
        if refused is None and hit is None:
            todo.append(source)
            continue
        cached += hit is not None
        done[source.path] = hit if hit is not None else failure_result(source, refused)
        notify(done[source.path])
    if batch.isolated and todo:
        work = partial(process_file, config=config, limits=batch.limits)
        run = run_in_workers(todo, work, process_resources, batch.workers, batch.limits, preload=PRELOAD)
    else:
        run = (process_file(source, config, batch.limits) for source in todo)
    meta = {source.path: source.meta_sha256 for source in todo}
    with closing(run):  # stops the workers at once when a callback raises
        for result in run:
            if not any(f.error in RUN_OUTCOMES for f in result.failures):  # the next run tries it again
                _store(batch, result, meta.get(result.source_file))
            done[result.source_file] = result
            notify(result)
    return BatchOutcome(results=tuple(done[s.path] for s in sources), parsed=len(sources) - cached, cached=cached)


def apply_page_limit(config: ProcessConfig, limits: Limits) -> ProcessConfig:
    """The process config with the stricter of its reader's page limit and `limits.max_pages`."""
    pages = min(config.read.max_pages, limits.max_pages)
    return config if pages == config.read.max_pages else replace(config, read=replace(config.read, max_pages=pages))


def process_file(source: SourceFile, config: ProcessConfig, limits: Limits | None = None) -> DocumentResult:
    """Read one source from disk and process it with this process's shared resources; never raises."""
    limits = limits or Limits()
    try:
        data = _read_source(source, limits)
    except MemoryError:
        return failure_result(source, out_of_memory_failure(source, Stage.READ, limits))
    except Exception as exc:  # noqa: BLE001 - OSError locally; an object store's client raises its own
        reason = getattr(exc, "strerror", None) or str(exc)
        message = f"{source.path} cannot be read: {reason}."
        return failure_result(source, Failure(source.path, source.sha256, Stage.READ, FailureKind.UNREADABLE, message))
    refused = check_size(source, len(data), limits)
    if refused is None and hashlib.sha256(data).hexdigest() != source.sha256:
        refused = Failure(
            source.path,
            source.sha256,
            Stage.READ,
            FailureKind.CHANGED_DURING_RUN,
            f"{source.path} changed while parlq was running; run parlq again once it is complete.",
        )
    refused = refused or check_declared_pages(source, data, limits)
    if refused is not None:
        return failure_result(source, refused)
    try:
        result = process_document(source, data, config, process_resources())
    except MemoryError:  # raised outside process_document's own handling, e.g. building resources
        return failure_result(source, out_of_memory_failure(source, Stage.READ, limits))
    memory = next((f for f in result.failures if f.error == FailureKind.OUT_OF_MEMORY), None)
    return result if memory is None else failure_result(source, out_of_memory_failure(source, memory.stage, limits))


def _read_source(source: SourceFile, limits: Limits) -> bytes:
    if is_url(source.location):
        return read_bytes(source.location)  # its listed size was checked against the limit in discovery
    with open(source.location, "rb") as handle:
        return handle.read(limits.max_file_bytes + 1)  # a file grown past the limit is not read whole


@cache
def process_resources() -> Resources:
    """The gazetteer and NLP pipeline of this process, built on first use and kept."""
    return build_resources()


def _load(batch: BatchConfig, source: SourceFile) -> DocumentResult | None:
    if batch.cache_dir is None:
        return None
    from pipeline.dataset.cache import load_cached, rebind_source

    hit = load_cached(batch.cache_dir, _key(batch, source.sha256, source.meta_sha256))
    if hit is None or hit.n_pages > batch.limits.max_pages:
        return None  # a document over this run's page limit is refused again, not served from cache
    return rebind_source(hit, source.path)


def _store(batch: BatchConfig, result: DocumentResult, meta_sha256: str | None) -> None:
    if batch.cache_dir is None:
        return
    from pipeline.dataset.cache import store_cached

    try:
        store_cached(batch.cache_dir, _key(batch, result.sha256, meta_sha256), result)
    except OSError:
        pass  # the cache only saves time; an unwritable OUT_DIR is reported when publishing


def _key(batch: BatchConfig, sha256: str, meta_sha256: str | None):
    from pipeline.dataset.cache import CacheKey

    return CacheKey(sha256=sha256, code_version=batch.code_version, schema_version=batch.schema_version,
                    meta_sha256=meta_sha256)  # fmt: skip
