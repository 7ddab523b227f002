"""Persistent worker processes that hold the per-document time and memory limits.

Each worker caps its address space (RLIMIT_AS), runs a warm-up once (building the gazetteer and
spaCy), then works on one source at a time: the parent sends a SourceFile (a path, never PDF
bytes) and receives the DocumentResult; while many wait, a second one waits in a busy worker's
pipe. A worker past its document's deadline is killed, one that dies is reaped, the document is
recorded as a failure and a fresh worker takes its place; after a document that ran out of
memory the worker is replaced too. A source a lost worker had not started goes to another
worker, never to the failures. Workers import only `pipeline`.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait

from pipeline.model.kinds import FailureKind
from pipeline.model.records import DocumentResult, SourceFile
from pipeline.runtime.limits import Limits, check_headroom, death_result, limit_memory, timeout_result

# what the workers' forkserver imports, and so builds, first (the gazetteer and spaCy): see there
PRELOAD = ("pipeline.runtime.preload",)
STARTUP_TIMEOUT_S = 300.0  # building spaCy on a loaded machine; a worker slower than this is broken
_STOP_GRACE_S = 2.0


class WorkerStartError(RuntimeError):
    """A worker process could not start (e.g. the memory limit is below what spaCy needs): fatal."""


def run_in_workers(
    sources: Sequence[SourceFile],
    work: Callable[[SourceFile], DocumentResult],
    warm_up: Callable[[], object],
    workers: int,
    limits: Limits,
    preload: Sequence[str] = (),
) -> Iterator[DocumentResult]:
    """`work(source)` for every source in up to `workers` processes; results in completion order.

    `work` and `warm_up` must be picklable (module-level functions, partials of them); `work` must
    not raise. `preload` names modules the forkserver imports when it starts, so that workers
    forked from it inherit what they build (it has no effect on a forkserver already running).
    Raises WorkerStartError when a worker cannot start; the workers are stopped when the
    iterator ends or is closed.
    """
    context = _context(preload)
    queue = deque(sources)
    pool: list[_Worker] = []
    try:
        for _ in range(min(workers, len(queue))):
            pool.append(_Worker(context, work, warm_up, limits))
        while queue or any(w.pending for w in pool):
            _assign(pool, queue, limits)
            _wait_any(pool)
            results = [result for worker in pool for result in worker.collect(limits)]
            # a finished worker (killed, dead, or retired after running out of memory) is replaced
            # while documents wait; the source it held but had not started goes back to the queue
            for worker in [w for w in pool if w.finished]:
                worker.stop()
                queue.extendleft(reversed(worker.take_back()))
                pool.remove(worker)
            idle = sum(not w.pending for w in pool)
            for _ in range(min(len(queue) - idle, workers - len(pool))):
                pool.append(_Worker(context, work, warm_up, limits))
            # the next documents go out before the caller handles these results (writing the
            # cache, say): no worker waits for the caller
            _assign(pool, queue, limits)
            yield from results
    finally:
        for worker in pool:
            worker.stop()


def warm_up_workers(preload: Sequence[str] = PRELOAD) -> None:
    """Start the processes' forkserver now, importing `preload`: it builds what they need while
    the caller goes on (a run's own imports, say) instead of when the first document waits.

    This module is light on purpose (no reader, no spaCy): a command that imports it to call this
    first starts the forkserver within a tenth of a second of its own start."""
    if _context(preload).get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def _context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    """The workers' start method, with `preload` for a forkserver not yet running. The preload goes
    before `__main__`: the command's own module then finds what it imports already there."""
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    if preload and context.get_start_method() == "forkserver":
        context.set_forkserver_preload([*preload, "__main__"])
    return context


class _Worker:
    """The parent's handle on one worker process: its pipe, its current source and deadline."""

    def __init__(self, context, work: Callable, warm_up: Callable, limits: Limits) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, work, warm_up, limits, os.getpid()), name="parlq-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self.finished = False
        # sources sent, in order: the worker is on the first, the next waits in its pipe
        self.pending: deque[SourceFile] = deque()
        self.deadline = time.monotonic() + STARTUP_TIMEOUT_S

    def assign(self, source: SourceFile, timeout_s: float) -> bool:
        """Send `source` to the worker; False (and the worker finished) when it is gone."""
        try:
            self.conn.send(source)
        except OSError:
            # died idle: finished here; died busy: `collect` blames the source it was on
            self.finished = self.finished or not self.pending
            return False
        if not self.pending:
            self.deadline = time.monotonic() + timeout_s
        self.pending.append(source)
        return True

    def take_back(self) -> list[SourceFile]:
        """The sources sent to this finished worker that it did not answer (none was started)."""
        back = list(self.pending)
        self.pending.clear()
        return back

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
                    self.pending.popleft()
                self.ready = True
                # the next source's clock starts now, as its worker took it up as it sent this result
                self.deadline = time.monotonic() + limits.timeout_s if self.pending else float("inf")
        except (EOFError, OSError):
            pass  # the worker is gone; its exit code tells the rest
        if any(f.error == FailureKind.OUT_OF_MEMORY for r in results for f in r.failures):
            self.finished = True  # a heap that hit the limit may stay fragmented: start a fresh worker
        if self.finished or (self.process.exitcode is None and time.monotonic() < self.deadline):
            return results
        self.finished = True
        if self.process.exitcode is None:  # past its deadline: stop it the hard way
            self.process.kill()
            self.process.join(_STOP_GRACE_S)
            if not self.pending:
                raise WorkerStartError(f"a worker process did not start within {STARTUP_TIMEOUT_S:g} s")
            results.append(timeout_result(self.pending.popleft(), limits))
        elif self.pending:
            results.append(death_result(self.pending.popleft(), self.process.exitcode, limits))
        elif not self.ready:
            raise WorkerStartError(f"a worker process exited during its start (exit code {self.process.exitcode})")
        return results

    def stop(self) -> None:
        try:
            if self.process.exitcode is None:
                self.conn.send(None)
        except OSError:
            pass
        self.process.join(0 if self.pending else _STOP_GRACE_S)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join(_STOP_GRACE_S)
        self.conn.close()


def _assign(pool: list[_Worker], queue: deque[SourceFile], limits: Limits) -> None:
    """The next waiting sources to the ready workers: one to each idle worker, then a second to
    each busy one, which it starts as soon as it sends its result instead of waiting for this
    process to answer (1-2 ms a document). Only while every worker could get one more, so that
    near the end no document waits behind another while a worker is idle."""
    for depth in (1, 2):
        for worker in pool:
            if not (worker.ready and not worker.finished and len(worker.pending) < depth and queue):
                continue
            if depth == 2 and len(queue) < len(pool):
                return
            source = queue.popleft()
            if not worker.assign(source, limits.timeout_s):
                queue.appendleft(source)  # the worker died: not this document's doing


def _wait_any(pool: list[_Worker]) -> None:
    """Sleep until a worker sends, dies, or reaches its deadline."""
    timeout = max(0.0, min(w.deadline for w in pool) - time.monotonic())
    wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout=min(timeout, 3600.0))


def _serve(conn: Connection, work: Callable, warm_up: Callable, limits: Limits, parent: int) -> None:
    """A worker's life: cap memory, warm up, then work on sources until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # a hostile file makes pdfminer warn thousands of times; its failure row is what a person needs
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    try:
        limit_memory(limits)
        warm_up()
        check_headroom(limits)
        # what the warm-up built lives as long as the worker: out of the collector's scans, which
        # otherwise walk the spaCy vocabulary and the gazetteer again and again (pdfplumber's
        # millions of small objects trigger a collection every few hundred allocations)
        gc.freeze()
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
        result = work(source)
        conn.send(("result", result))
        if any(f.error == FailureKind.OUT_OF_MEMORY for f in result.failures):
            return  # the parent retires this worker: the source waiting in the pipe goes to a fresh one


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
