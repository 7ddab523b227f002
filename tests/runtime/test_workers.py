"""Worker processes: timeouts, deaths, start failures and memory exhaustion, with tiny work functions."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pipeline.runtime.limits import MIB, OUT_OF_MEMORY, Limits, failure_result, out_of_memory_failure
from pipeline.model.records import DocumentResult, Failure, SourceFile
from pipeline.runtime.workers import WorkerStartError, run_in_workers

LIMITS = Limits(timeout_s=2.0, memory_bytes=1024 * MIB)


def _source(name: str) -> SourceFile:
    return SourceFile(path=name, location=f"/nowhere/{name}", sha256="ab" * 32, size=1)


def _work(source: SourceFile) -> DocumentResult:
    """Does what the file name says; otherwise answers with the worker's PID."""
    if source.path.startswith("hang"):
        time.sleep(3600)
    elif source.path.startswith("segfault"):
        os.kill(os.getpid(), signal.SIGSEGV)
    elif source.path.startswith("abort"):
        os.abort()
    elif source.path.startswith("exit"):
        os._exit(3)
    elif source.path.startswith("eat"):
        try:
            bytearray(2048 * MIB)
        except MemoryError:
            return failure_result(source, out_of_memory_failure(source, "read", LIMITS))
    return failure_result(source, Failure(source.path, None, "read", "pid", str(os.getpid())))


def _nothing() -> None:
    return None


def _raise() -> None:
    raise RuntimeError("no spaCy model")


def _exit() -> None:
    os._exit(7)


def _run(names: list[str], workers: int = 1, limits: Limits = LIMITS) -> dict[str, Failure]:
    results = list(run_in_workers([_source(n) for n in names], _work, _nothing, workers, limits))
    assert sorted(r.source_file for r in results) == sorted(names)  # each source exactly once
    return {r.source_file: r.failures[0] for r in results}


def _children() -> set[int]:
    """Processes whose parent is a child of this one: the workers (children of the forkserver)."""
    parents = {}
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                with open(f"/proc/{stat}/stat", encoding="ascii", errors="replace") as handle:
                    parents[int(stat)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    mine = {pid for pid, parent in parents.items() if parent == os.getpid()}
    return {pid for pid, parent in parents.items() if parent in mine}


def test_workers_share_the_sources_and_stop() -> None:
    found = _run([f"doc{i}" for i in range(20)], workers=2)
    assert len({f.message for f in found.values()}) <= 2  # persistent workers, not one per document
    assert not _children()


@pytest.mark.parametrize(
    ("name", "error", "says"),
    [
        ("hang.pdf", "timeout", "2 s"),
        ("segfault.pdf", "worker_crashed", "SIGSEGV"),
        ("exit.pdf", "worker_crashed", "exit code 3"),
        ("abort.pdf", OUT_OF_MEMORY, "1024.0 MiB"),  # what CPython does when it cannot raise MemoryError
        ("eat.pdf", OUT_OF_MEMORY, "1024.0 MiB"),
    ],
)
def test_a_lost_worker_is_replaced_and_the_rest_goes_on(name: str, error: str, says: str) -> None:
    started = time.monotonic()
    found = _run(["before", name, "after1", "after2"])
    assert found[name].error == error and says in found[name].message
    assert found["before"].message != found["after1"].message == found["after2"].message  # a fresh worker
    assert time.monotonic() - started < 30
    assert not _children()


def test_many_timeouts_in_parallel() -> None:
    started = time.monotonic()
    found = _run(["hang1", "hang2", "hang3", "ok1", "ok2"], workers=2, limits=Limits(timeout_s=1.0))
    assert [found[n].error for n in ("hang1", "hang2", "hang3", "ok1", "ok2")] == ["timeout"] * 3 + ["pid"] * 2
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(("warm_up", "says"), [(_raise, "RuntimeError: no spaCy model"), (_exit, "exit code 7")])
def test_a_worker_that_cannot_start_is_fatal(warm_up, says: str) -> None:
    with pytest.raises(WorkerStartError, match=says):
        list(run_in_workers([_source("a")], _work, warm_up, 2, LIMITS))
    assert not _children()


def test_closing_early_stops_the_workers() -> None:
    started = time.monotonic()
    run = run_in_workers([_source("a"), _source("hang1"), _source("hang2")], _work, _nothing, 2, Limits(timeout_s=60))
    assert next(run).source_file == "a"
    run.close()  # what happens when a callback raises: the hanging workers are killed, not awaited
    assert time.monotonic() - started < 20
    assert not _children()


def test_nothing_to_do() -> None:
    assert list(run_in_workers([], _work, _nothing, 2, LIMITS)) == []


def _mark(source: SourceFile) -> DocumentResult:
    """Leaves a file named after the source where its location points, then answers."""
    with open(source.location, "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    return failure_result(source, Failure(source.path, None, "read", "pid", str(os.getpid())))


def test_the_next_document_starts_before_the_caller_handles_a_result(tmp_path) -> None:
    sources = [SourceFile(path=n, location=str(tmp_path / n), sha256="ab" * 32, size=1) for n in ("one", "two")]
    run = run_in_workers(sources, _mark, _nothing, 1, LIMITS)
    first = next(run)
    # the caller still holds the first result (it might be writing the cache): the worker is on
    # the second document already
    waited = 0.0
    while not (tmp_path / "two").exists() and waited < 30:
        time.sleep(0.05)
        waited += 0.05
    assert (tmp_path / "two").exists() and first.source_file == "one"
    assert [r.source_file for r in run] == ["two"]


class _FakeWorker:
    """What `_assign` looks at in a worker: ready, finished, the sources it holds."""

    def __init__(self, pending: int = 0) -> None:
        self.ready, self.finished = True, False
        self.pending = [_source(f"held{i}") for i in range(pending)]

    def assign(self, source: SourceFile, timeout_s: float) -> bool:
        self.pending.append(source)
        return True


@pytest.mark.parametrize(
    ("held", "waiting", "after"),
    [
        ((0, 0), 5, (2, 2)),  # enough for all: a second source waits in each worker's pipe
        ((0, 0), 3, (1, 1)),  # one each first; a second only while every worker could get one more
        ((0, 0), 4, (2, 1)),
        ((0, 0), 1, (1, 0)),
        ((1, 0), 1, (1, 1)),  # the idle worker first
        ((1, 1), 1, (1, 1)),  # near the end nothing waits behind a busy worker
        ((2, 2), 4, (2, 2)),
    ],
)
def test_sources_go_to_idle_workers_first_and_a_second_only_while_plenty_wait(
    held: tuple[int, int], waiting: int, after: tuple[int, int]
) -> None:
    from collections import deque

    from pipeline.runtime.workers import _assign

    pool = [_FakeWorker(n) for n in held]
    queue = deque(_source(f"doc{i}") for i in range(waiting))
    _assign(pool, queue, LIMITS)  # type: ignore[arg-type]
    assert tuple(len(w.pending) for w in pool) == after
    assert len(queue) == waiting - sum(after) + sum(held)


def test_a_worker_that_died_on_a_source_is_blamed_for_it_when_the_next_cannot_be_sent() -> None:
    import multiprocessing

    from pipeline.runtime.workers import _Worker

    worker = _Worker(multiprocessing.get_context("forkserver"), _work, _nothing, LIMITS)
    while not worker.ready:
        worker.collect(LIMITS)
        time.sleep(0.01)
    assert worker.assign(_source("exit.pdf"), LIMITS.timeout_s)
    worker.process.join(10)
    # the parent has not looked yet: it sends the next source to a dead worker
    assert not worker.assign(_source("after.pdf"), LIMITS.timeout_s)
    assert not worker.finished
    (result,) = worker.collect(LIMITS)
    assert (result.source_file, result.failures[0].error) == ("exit.pdf", "worker_crashed")
    assert worker.finished and worker.take_back() == []
    worker.stop()
