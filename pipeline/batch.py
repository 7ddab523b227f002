"""A batch of documents through `process_document`, serially or in worker processes, with a cache.

Workers are plain processes that import only `pipeline` (never prefect), each building the
gazetteer and spaCy pipeline once; PDF pages cannot be pickled, so work is split per file.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.process import ProcessConfig, Resources, build_resources, process_document
from pipeline.records import DocumentResult, Failure, SourceFile


@dataclass(frozen=True)
class BatchConfig:
    workers: int = 1
    cache_dir: Path | None = None  # None: no cache
    code_version: str = "dev"  # with the schema version, part of every cache key: a change invalidates
    schema_version: str = "dev"

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")


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
    done: dict[str, DocumentResult] = {}
    todo: list[SourceFile] = []
    for source in sources:
        hit = _load(batch, source)
        if hit is None:
            todo.append(source)
        else:
            done[source.path] = hit
            notify(hit)
    for result in _run(todo, config, batch.workers):
        _store(batch, result)
        done[result.source_file] = result
        notify(result)
    return BatchOutcome(
        results=tuple(done[s.path] for s in sources), parsed=len(todo), cached=len(sources) - len(todo)
    )


def process_file(source: SourceFile, config: ProcessConfig) -> DocumentResult:
    """Read one source from disk and process it with this process's shared resources."""
    try:
        data = Path(source.location).read_bytes()
    except OSError as exc:
        failure = Failure(source.path, source.sha256, "read", "unreadable", f"{source.path} cannot be read: {exc}.")
        return DocumentResult(source.path, source.sha256, 0, None, failures=(failure,))
    return process_document(source, data, config, process_resources())


@cache
def process_resources() -> Resources:
    """The gazetteer and NLP pipeline of this process, built on first use and kept."""
    return build_resources()


def _run(todo: list[SourceFile], config: ProcessConfig, workers: int):
    if workers == 1 or len(todo) < 2:
        for source in todo:
            yield process_file(source, config)
        return
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with context.Pool(min(workers, len(todo)), initializer=process_resources) as pool:
        yield from pool.imap_unordered(_work, [(s, config) for s in todo], chunksize=1)


def _work(job: tuple[SourceFile, ProcessConfig]) -> DocumentResult:
    return process_file(*job)


def _load(batch: BatchConfig, source: SourceFile) -> DocumentResult | None:
    if batch.cache_dir is None:
        return None
    from pipeline.cache import load_cached, rebind_source

    hit = load_cached(batch.cache_dir, _key(batch, source.sha256))
    return None if hit is None else rebind_source(hit, source.path)


def _store(batch: BatchConfig, result: DocumentResult) -> None:
    if batch.cache_dir is None:
        return
    from pipeline.cache import store_cached

    store_cached(batch.cache_dir, _key(batch, result.sha256), result)


def _key(batch: BatchConfig, sha256: str):
    from pipeline.cache import CacheKey

    return CacheKey(sha256=sha256, code_version=batch.code_version, schema_version=batch.schema_version)
