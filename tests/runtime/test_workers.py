"""Worker processes: timeouts, deaths, start failures and memory exhaustion, with tiny work functions."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from functools import partial
from multiprocessing.connection import wait
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from pipeline.model.kinds import FailureKind
from pipeline.model.records import DocumentResult, Failure, SourceFile
from pipeline.runtime.limits import MIB, Limits, failure_result, out_of_memory_failure
from pipeline.runtime.workers import WorkerStartError, run_in_workers

LIMITS = Limits(timeout_s=2.0, memory_bytes=1024 * MIB)
# A hanging document outlasts every timeout of these tests many times over; the bound is only a
# safety net: were the parent never to stop it, it answers NOT_STOPPED and the test fails instead
# of hanging.
HANG_S = 60.0
NOT_STOPPED = "not_stopped"
# Waits on something that happens at once unless the code is broken: a safety net, not a speed limit.
SAFETY_NET_S = 60.0


def _source(name: str, folder: Path | None = None) -> SourceFile:
    location = str(folder / name) if folder else f"/nowhere/{name}"
    return SourceFile(path=name, location=location, sha256="ab" * 32, size=1)


def _work(source: SourceFile) -> DocumentResult:
    """Does what the file name says; otherwise answers with the worker's PID."""
    if source.path.startswith("hang"):
        threading.Event().wait(HANG_S)  # never set: only the parent ends this document
        with contextlib.suppress(OSError):  # a trace where the location points, if it can
            Path(source.location).write_text("not stopped", encoding="utf-8")
        return failure_result(source, Failure(source.path, None, "read", NOT_STOPPED, f"ran for {HANG_S:g} s"))
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
        ("abort.pdf", FailureKind.OUT_OF_MEMORY, "1024.0 MiB"),  # what CPython does when it cannot raise MemoryError
        ("eat.pdf", FailureKind.OUT_OF_MEMORY, "1024.0 MiB"),
    ],
)
def test_a_lost_worker_is_replaced_and_the_rest_goes_on(name: str, error: str, says: str) -> None:
    found = _run(["before", name, "after1", "after2"])
    assert found[name].error == error and says in found[name].message, found[name]
    assert found["before"].message != found["after1"].message == found["after2"].message  # a fresh worker
    assert not _children()


def test_many_timeouts_in_parallel() -> None:
    found = _run(["hang1", "hang2", "hang3", "ok1", "ok2"], workers=2, limits=Limits(timeout_s=1.0))
    assert [found[n].error for n in ("hang1", "hang2", "hang3", "ok1", "ok2")] == ["timeout"] * 3 + ["pid"] * 2


@pytest.mark.parametrize(("warm_up", "says"), [(_raise, "RuntimeError: no spaCy model"), (_exit, "exit code 7")])
def test_a_worker_that_cannot_start_is_fatal(warm_up, says: str) -> None:
    with pytest.raises(WorkerStartError, match=says):
        list(run_in_workers([_source("a")], _work, warm_up, 2, LIMITS))
    assert not _children()


def test_closing_early_kills_the_busy_workers_instead_of_awaiting_them(tmp_path: Path) -> None:
    sources = [_source(name, tmp_path) for name in ("a", "hang1", "hang2")]
    # a timeout far past the hang: only a kill ends these documents before they leave their trace
    run = run_in_workers(sources, _work, _nothing, 2, Limits(timeout_s=10 * HANG_S))
    assert next(run).source_file == "a"
    run.close()  # what happens when a callback raises
    assert not _children()
    assert not list(tmp_path.iterdir()), "a hanging document finished: close() awaited its worker"


def test_nothing_to_do() -> None:
    assert list(run_in_workers([], _work, _nothing, 2, LIMITS)) == []


def _take_up(taken: Event, source: SourceFile) -> DocumentResult:
    """Says when it has taken up the second document, then answers."""
    if source.path == "two":
        taken.set()
    return failure_result(source, Failure(source.path, None, "read", "pid", str(os.getpid())))


def test_the_next_document_starts_before_the_caller_handles_a_result() -> None:
    # from the workers' start method: the event travels to them when they start
    taken = multiprocessing.get_context("forkserver").Event()
    run = run_in_workers([_source("one"), _source("two")], partial(_take_up, taken), _nothing, 1, LIMITS)
    first = next(run)
    # the caller still holds the first result (it might be writing the cache): the worker is on
    # the second document already
    assert taken.wait(SAFETY_NET_S), "the worker waited for the caller to handle the first result"
    assert first.source_file == "one"
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
    from pipeline.runtime.workers import _Worker

    worker = _Worker(multiprocessing.get_context("forkserver"), _work, _nothing, LIMITS)
    assert wait([worker.conn], SAFETY_NET_S), "the worker never said it was ready"
    assert worker.collect(LIMITS) == [] and worker.ready
    assert worker.assign(_source("exit.pdf"), LIMITS.timeout_s)
    worker.process.join(SAFETY_NET_S)
    assert worker.process.exitcode == 3
    # the parent has not looked yet: it sends the next source to a dead worker
    assert not worker.assign(_source("after.pdf"), LIMITS.timeout_s)
    assert not worker.finished
    (result,) = worker.collect(LIMITS)
    assert (result.source_file, result.failures[0].error) == ("exit.pdf", "worker_crashed")
    assert worker.finished and worker.take_back() == []
    worker.stop()
