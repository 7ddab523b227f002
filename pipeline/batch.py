"""A batch of documents through `process_document`, in worker processes or inline, with a cache.

Isolated runs use persistent worker processes that import only `pipeline` (never prefect) and
build the gazetteer and spaCy pipeline once. The parent sends a worker one source (a path, never
PDF bytes) at a time and receives its result; a worker that runs past the timeout is killed, one
that dies is reaped, the document is recorded as a failure and a fresh worker takes its place.
Inline runs (one worker, `isolate=False`, e.g. inside a Dask task) hold size and page limits only.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from multiprocessing.connection import Connection, wait
from pathlib import Path

from pipeline.limits import (
    OUT_OF_MEMORY,
    RUN_DEPENDENT_ERRORS,
    Limits,
    check_declared_pages,
    check_size,
    death_result,
    failure_result,
    limit_memory,
    out_of_memory_failure,
    timeout_result,
)
from pipeline.process import ProcessConfig, Resources, build_resources, process_document
from pipeline.records import DocumentResult, Failure, SourceFile

STARTUP_TIMEOUT_S = 300.0  # building spaCy on a loaded machine; a worker slower than this is broken
_STOP_GRACE_S = 2.0


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


class WorkerStartError(RuntimeError):
    """A worker process could not start (e.g. the memory limit is below what spaCy needs): fatal."""


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
    run = _run_isolated if batch.isolated and todo else _run_inline
    for result in run(todo, config, batch):
        if not any(f.error in RUN_DEPENDENT_ERRORS for f in result.failures):
            _store(batch, result)
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
        with open(source.location, "rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)  # a file grown past the limit is not read whole
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return failure_result(
            source, Failure(source.path, source.sha256, "read", "unreadable", f"{source.path} cannot be read: {reason}.")
        )
    except MemoryError:
        return failure_result(source, out_of_memory_failure(source, "read", limits))
    refused = check_size(source, len(data), limits)
    if refused is None and hashlib.sha256(data).hexdigest() != source.sha256:
        refused = Failure(
            source.path,
            source.sha256,
            "read",
            "changed_during_run",
            f"{source.path} changed while parlq was running; run parlq again once it is complete.",
        )
    refused = refused or check_declared_pages(source, data, limits)
    if refused is not None:
        return failure_result(source, refused)
    try:
        result = process_document(source, data, config, process_resources())
    except MemoryError:  # raised outside process_document's own handling, e.g. building resources
        return failure_result(source, out_of_memory_failure(source, "read", limits))
    memory = next((f for f in result.failures if f.error == OUT_OF_MEMORY), None)
    return result if memory is None else failure_result(source, out_of_memory_failure(source, memory.stage, limits))


@cache
def process_resources() -> Resources:
    """The gazetteer and NLP pipeline of this process, built on first use and kept."""
    return build_resources()


def _run_inline(todo: list[SourceFile], config: ProcessConfig, batch: BatchConfig) -> Iterator[DocumentResult]:
    for source in todo:
        yield process_file(source, config, batch.limits)


def _run_isolated(todo: list[SourceFile], config: ProcessConfig, batch: BatchConfig) -> Iterator[DocumentResult]:
    """Results in completion order; at most `batch.workers` documents run at once."""
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    limits = batch.limits
    queue = deque(todo)
    pool: list[_Worker] = []
    try:
        for _ in range(min(batch.workers, len(todo))):
            pool.append(_Worker(context, config, limits))
        while queue or any(w.source is not None for w in pool):
            for worker in pool:
                if worker.ready and worker.source is None and queue:
                    worker.assign(queue.popleft(), limits.timeout_s)
            _wait_any(pool)
            for worker in pool:
                yield from worker.collect(limits)
            # a finished worker (killed, dead, or recycled after running out of memory) is replaced
            # while documents wait
            for worker in [w for w in pool if w.finished]:
                worker.stop()
                pool.remove(worker)
            busy = sum(w.source is not None for w in pool)
            idle = len(pool) - busy
            pool += [_Worker(context, config, limits) for _ in range(min(len(queue) - idle, batch.workers - len(pool)))]
    finally:
        for worker in pool:
            worker.stop()


class _Worker:
    """The parent's handle on one worker process: its pipe, its current source and deadline."""

    def __init__(self, context, config: ProcessConfig, limits: Limits) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, config, limits, os.getpid()), name="parlq-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self.finished = False
        self.source: SourceFile | None = None
        self.deadline = time.monotonic() + STARTUP_TIMEOUT_S

    def assign(self, source: SourceFile, timeout_s: float) -> None:
        self.conn.send(source)
        self.source = source
        self.deadline = time.monotonic() + timeout_s

    def collect(self, limits: Limits) -> list[DocumentResult]:
        """Results that arrived, and a timeout or a death as a failure (the worker is then finished)."""
        results = []
        try:
            while self.conn.poll():
                kind, value = self.conn.recv()
                if kind == "failed":
                    raise WorkerStartError(f"a worker process could not start: {value}")
                if kind == "result":
                    results.append(value)
                    self.source = None
                self.ready = True
                self.deadline = float("inf")
        except (EOFError, OSError):
            pass  # the worker is gone; its exit code tells the rest
        if any(f.error == OUT_OF_MEMORY for r in results for f in r.failures):
            self.finished = True  # a heap that hit the limit may stay fragmented: start a fresh worker
        if self.finished or (self.process.exitcode is None and time.monotonic() < self.deadline):
            return results
        self.finished = True
        if self.process.exitcode is None:  # past its deadline: stop it the hard way
            self.process.kill()
            self.process.join(_STOP_GRACE_S)
            if self.source is None:
                raise WorkerStartError(f"a worker process did not start within {STARTUP_TIMEOUT_S:g} s")
            results.append(timeout_result(self.source, limits))
        elif self.source is not None:
            results.append(death_result(self.source, self.process.exitcode, limits))
        elif not self.ready:
            raise WorkerStartError(f"a worker process exited during its start (exit code {self.process.exitcode})")
        self.source = None
        return results

    def stop(self) -> None:
        try:
            if self.process.exitcode is None:
                self.conn.send(None)
        except OSError:
            pass
        self.process.join(_STOP_GRACE_S if self.source is None else 0)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join(_STOP_GRACE_S)
        self.conn.close()


def _wait_any(pool: list[_Worker]) -> None:
    """Sleep until a worker sends, dies, or reaches its deadline."""
    timeout = max(0.0, min(w.deadline for w in pool) - time.monotonic())
    wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout=min(timeout, 3600.0))


def _serve(conn: Connection, config: ProcessConfig, limits: Limits, parent: int) -> None:
    """A worker's life: cap memory, build resources, then process sources until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    try:
        limit_memory(limits)
        process_resources()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops the run
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            source = conn.recv()
        except EOFError:
            return  # the parent is gone
        if source is None:
            return
        conn.send(("result", process_file(source, config, limits)))


def _exit_with_parent(parent: int) -> None:
    # A worker stuck in a hostile file never reads its pipe again; without this it would outlive a
    # parent that was killed.
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _load(batch: BatchConfig, source: SourceFile) -> DocumentResult | None:
    if batch.cache_dir is None:
        return None
    from pipeline.cache import load_cached, rebind_source

    hit = load_cached(batch.cache_dir, _key(batch, source.sha256))
    if hit is None or hit.n_pages > batch.limits.max_pages:
        return None  # a document over this run's page limit is refused again, not served from cache
    return rebind_source(hit, source.path)


def _store(batch: BatchConfig, result: DocumentResult) -> None:
    if batch.cache_dir is None:
        return
    from pipeline.cache import store_cached

    try:
        store_cached(batch.cache_dir, _key(batch, result.sha256), result)
    except OSError:
        pass  # the cache only saves time; an unwritable OUT_DIR is reported when publishing


def _key(batch: BatchConfig, sha256: str):
    from pipeline.cache import CacheKey

    return CacheKey(sha256=sha256, code_version=batch.code_version, schema_version=batch.schema_version)
