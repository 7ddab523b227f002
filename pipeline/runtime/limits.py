"""Per-document limits (file size, pages, wall-clock time, memory) and the failures they produce.

Size and page limits are checked before a reader opens a file. Time and memory can only be held
by a worker process (`pipeline.runtime.workers`): the parent kills a worker that runs past the timeout, and
the worker caps its own address space with RLIMIT_AS, so a document that exhausts memory fails
inside the worker instead of taking the machine down.
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import dataclass

from pipeline.model.kinds import FailureKind, Stage, ValidationCheck
from pipeline.model.records import DocumentResult, Failure, SourceFile

MIB = 1 << 20
# Failures that depend on the run's limits or its machine, not only on the file and the code.
RUN_DEPENDENT_ERRORS: frozenset[str] = frozenset({
    FailureKind.TOO_LARGE, FailureKind.TOO_MANY_PAGES, FailureKind.TIMEOUT, FailureKind.OUT_OF_MEMORY,
    FailureKind.WORKER_CRASHED,
})  # fmt: skip
# Those and the failures of the moment (the file could not be read or changed while it was, a
# question date after the day of the run): never cached, tried again by the next run, and part
# of the snapshot id (see `snapshot.compute_snapshot_id`).
RUN_OUTCOMES: frozenset[str] = RUN_DEPENDENT_ERRORS | {
    FailureKind.UNREADABLE, FailureKind.CHANGED_DURING_RUN, ValidationCheck.QUESTION_DATE_NOT_FUTURE,
}  # fmt: skip

# No \b around the keywords: without it the scan is eight times faster on binary stream data;
# "endobj" and "endstream" come first so their tails are never read as "obj" or "stream".
_TOKEN = re.compile(rb"endobj|endstream|obj|stream|/Type\s*/Pages\b|/Count\s+(\d{1,12})")
# Signals a worker dies of when an allocation fails under RLIMIT_AS in native code: CPython
# aborts when it cannot even build the MemoryError; the kernel's OOM killer sends SIGKILL.
_MEMORY_SIGNALS = frozenset({signal.SIGABRT, signal.SIGKILL})


@dataclass(frozen=True)
class Limits:
    """What one document may cost. `timeout_s` and `memory_bytes` hold only in worker processes."""

    max_file_bytes: int = 100 * MIB
    max_pages: int = 2000
    timeout_s: float = 300.0  # wall clock per document, from the moment a worker takes it
    memory_bytes: int | None = 2048 * MIB  # address space of one worker; None: no limit

    def __post_init__(self) -> None:
        if self.max_file_bytes < 1:
            raise ValueError("max_file_bytes must be at least 1")
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        if not self.timeout_s > 0:
            raise ValueError("timeout_s must be positive")
        if self.memory_bytes is not None and self.memory_bytes < 64 * MIB:
            raise ValueError("memory_bytes must be at least 64 MiB (or None for no limit)")


def check_size(source: SourceFile, size: int, limits: Limits) -> Failure | None:
    """A `too_large` failure when `size` bytes exceed the limit, else None."""
    if size <= limits.max_file_bytes:
        return None
    return Failure(
        source.path,
        source.sha256 or None,
        Stage.READ,
        FailureKind.TOO_LARGE,
        f"The file is {_mib(size)}, more than the limit of {_mib(limits.max_file_bytes)} (--max-file-mb); "
        "it was not read. Raise the limit if the file is genuine.",
    )


def check_declared_pages(source: SourceFile, data: bytes, limits: Limits) -> Failure | None:
    """A `too_many_pages` failure when the page tree declares more pages than allowed, else None.

    A cheap look at the file's bytes: a reader that counts pages by walking a 50,000-page tree can
    take longer than the timeout. Page trees inside compressed object streams are left to the reader.
    """
    declared = count_declared_pages(data)
    if declared is None or declared <= limits.max_pages:
        return None
    return Failure(
        source.path,
        source.sha256,
        Stage.READ,
        FailureKind.TOO_MANY_PAGES,
        f"The PDF declares {declared} pages, more than the limit of {limits.max_pages} (--max-pages); it was not read.",
    )


def count_declared_pages(data: bytes) -> int | None:
    """The largest /Count of an uncompressed page-tree node (the root's count: the number of pages).

    One pass over the tokens that matter, so a file built to make a scanner backtrack cannot.
    """
    largest: int | None = None
    is_pages, in_stream, counts = False, False, []
    for match in _TOKEN.finditer(data):
        token = match.group(0)
        if token == b"obj":
            is_pages, in_stream, counts = False, False, []
        elif token == b"endobj":
            if is_pages and counts:
                largest = max(largest or 0, *counts)
            is_pages, in_stream, counts = False, False, []
        elif in_stream or token == b"endstream":
            continue  # stream data is not a dictionary, whatever it spells
        elif token == b"stream":
            in_stream = True
        elif token.startswith(b"/Type"):
            is_pages = True
        else:
            counts.append(int(match.group(1)))
    return largest


def limit_memory(limits: Limits) -> None:
    """Cap this process's address space (call it in a worker process only: it cannot be undone)."""
    if limits.memory_bytes is None:
        return
    import resource  # POSIX only, like the worker processes that call this

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = limits.memory_bytes if hard == resource.RLIM_INFINITY else min(limits.memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def check_headroom(limits: Limits) -> None:
    """Raise MemoryError when this process already uses its whole address-space limit (Linux).

    A worker forked from a warm forkserver inherits a few hundred MiB before it sets its limit:
    a limit below that fails here, at the start, not on every document.
    """
    if limits.memory_bytes is None:
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    if in_use >= limits.memory_bytes * 0.9:
        raise MemoryError(
            f"a worker needs {_mib(in_use)} before reading anything; --memory-mb allows {_mib(limits.memory_bytes)}"
        )


def timeout_result(source: SourceFile, limits: Limits) -> DocumentResult:
    """The result of a document whose worker was stopped at the timeout."""
    failure = Failure(
        source.path,
        source.sha256,
        Stage.READ,
        FailureKind.TIMEOUT,
        f"Processing was stopped after {limits.timeout_s:g} s (--timeout); the file may loop or be built to "
        "exhaust a reader. Check it, or raise the limit if it is genuine and very long.",
    )
    return failure_result(source, failure)


def out_of_memory_failure(source: SourceFile, stage: Stage, limits: Limits | None = None) -> Failure:
    """The failure of a document that needed more memory than a worker may use."""
    limit = f" of {_mib(limits.memory_bytes)}" if limits and limits.memory_bytes else ""
    return Failure(
        source.path,
        source.sha256,
        stage,
        FailureKind.OUT_OF_MEMORY,
        f"Reading the file needed more memory than the limit{limit} (--memory-mb); it may be built to exhaust "
        "memory (a decompression bomb, millions of glyphs). Check it, or raise the limit if it is genuine.",
    )


def ran_out_of_memory(exc: BaseException) -> bool:
    """True when `exc` is a MemoryError or was raised because of one.

    Libraries catch a MemoryError and raise their own error (pdfplumber: "PdfminerException"),
    which the reader turns into a DocumentError; the chain and the arguments still hold it.
    """
    seen: set[int] = set()
    todo = [exc]
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, MemoryError):
            return True
        todo += [e for e in (error.__cause__, error.__context__, *error.args) if isinstance(e, BaseException)]
    return False


def death_result(source: SourceFile, exitcode: int | None, limits: Limits) -> DocumentResult:
    """The result of a document whose worker died under it (a signal or an unexpected exit)."""
    if exitcode is not None and exitcode < 0 and -exitcode in _MEMORY_SIGNALS:
        return failure_result(source, out_of_memory_failure(source, Stage.READ, limits))
    how = f"signal {_signal_name(-exitcode)}" if exitcode and exitcode < 0 else f"exit code {exitcode}"
    failure = Failure(
        source.path,
        source.sha256,
        Stage.READ,
        FailureKind.WORKER_CRASHED,
        f"The worker reading this file died ({how}); the file probably crashes a PDF library. "
        "Please report it with the file.",
    )
    return failure_result(source, failure)


def failure_result(source: SourceFile, failure: Failure) -> DocumentResult:
    """A result that is only this failure: no document row."""
    return DocumentResult(source_file=source.path, sha256=source.sha256, n_pages=0, document=None, failures=(failure,))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"
