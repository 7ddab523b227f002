"""Per-document limits: validation, size and page checks, memory exhaustion and worker deaths."""

from __future__ import annotations

import signal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model.kinds import FailureKind
from pipeline.model.records import SourceFile
from pipeline.runtime.limits import (
    MIB,
    Limits,
    check_declared_pages,
    check_headroom,
    check_size,
    count_declared_pages,
    death_result,
    ran_out_of_memory,
    timeout_result,
)
from tests.fixtures.hostile import build_pdf, page_tree_pdf

SOURCE = SourceFile(path="a/b.pdf", location="/x/a/b.pdf", sha256="ab" * 32, size=10)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_file_bytes": 0},
        {"max_pages": 0},
        {"timeout_s": 0},
        {"timeout_s": float("nan")},
        {"memory_bytes": 10 * MIB},
    ],
)
def test_limits_reject_nonsense(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Limits(**kwargs)


def test_limits_defaults_are_generous() -> None:
    limits = Limits()
    assert limits.max_file_bytes >= 50 * MIB and limits.max_pages >= 1000
    assert limits.timeout_s >= 60 and (limits.memory_bytes or 0) >= 1024 * MIB
    assert Limits(memory_bytes=None).memory_bytes is None


@pytest.mark.parametrize(("size", "refused"), [(0, False), (1000, False), (1001, True)])
def test_check_size(size: int, refused: bool) -> None:
    failure = check_size(SOURCE, size, Limits(max_file_bytes=1000))
    assert (failure is not None) == refused
    if failure:
        assert failure.error == FailureKind.TOO_LARGE and failure.stage == "read" and failure.source_file == "a/b.pdf"


@pytest.mark.parametrize("n_pages", [1, 7, 200, 201, 5000])
def test_count_declared_pages_of_a_page_tree(n_pages: int) -> None:
    assert count_declared_pages(page_tree_pdf(n_pages)) == n_pages


def test_count_declared_pages_of_rendered_fixtures(fixture_set) -> None:
    from pypdf import PdfReader

    for path in list(fixture_set.rendered.values())[:5]:
        assert count_declared_pages(path.read_bytes()) == len(PdfReader(path).pages)


def test_count_ignores_stream_data_and_other_counts() -> None:
    # "/Type /Pages /Count 99999" inside a content stream and an outline's /Count are not page trees
    content = b"BT (/Type /Pages /Count 99999) Tj ET"
    data = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Outlines 5 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Outlines /Count 77777 >>",
        ]
    )
    assert count_declared_pages(data) == 1


@settings(deadline=None)  # Hypothesis's default fails an example slower than 200 ms: behaviour only here
@given(st.binary(max_size=2000))
def test_count_declared_pages_never_crashes(data: bytes) -> None:
    count = count_declared_pages(data)
    assert count is None or count >= 0


def test_check_declared_pages() -> None:
    data = page_tree_pdf(300)
    assert check_declared_pages(SOURCE, data, Limits(max_pages=300)) is None
    failure = check_declared_pages(SOURCE, data, Limits(max_pages=299))
    assert failure is not None and failure.error == FailureKind.TOO_MANY_PAGES and "300" in failure.message


def _wrapped_memory_error() -> Exception:
    # what pdfplumber does: catch, wrap the error as an argument, raise inside the except block
    try:
        try:
            raise MemoryError("Unable to allocate output buffer")
        except Exception as exc:  # noqa: BLE001
            raise RuntimeError(exc) from None
    except RuntimeError as outer:
        return outer


def _caused(error: BaseException, cause: BaseException) -> BaseException:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MemoryError(), True),
        (_wrapped_memory_error(), True),
        (ValueError(ValueError(MemoryError())), True),
        (_caused(KeyError("x"), MemoryError()), True),
        (ValueError("Unable to allocate"), False),
        (zlib.error("incomplete"), False),
    ],
)
def test_ran_out_of_memory(error: BaseException, expected: bool) -> None:
    assert ran_out_of_memory(error) is expected


def test_ran_out_of_memory_survives_a_cycle() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert ran_out_of_memory(a) is False


@pytest.mark.parametrize(
    ("exitcode", "error"),
    [
        (-signal.SIGABRT, FailureKind.OUT_OF_MEMORY),  # CPython aborts when it cannot build a MemoryError
        (-signal.SIGKILL, FailureKind.OUT_OF_MEMORY),  # the kernel's OOM killer (the parent's own kills are timeouts)
        (-signal.SIGSEGV, FailureKind.WORKER_CRASHED),
        (1, FailureKind.WORKER_CRASHED),
        (-64, FailureKind.WORKER_CRASHED),  # a real-time signal without a name
    ],
)
def test_death_result(exitcode: int, error: str) -> None:
    result = death_result(SOURCE, exitcode, Limits())
    (failure,) = result.failures
    assert result.document is None and failure.error == error and failure.source_file == SOURCE.path


def test_timeout_result_names_the_limit() -> None:
    (failure,) = timeout_result(SOURCE, Limits(timeout_s=7.5)).failures
    assert failure.error == FailureKind.TIMEOUT and "7.5 s" in failure.message


def test_limit_memory_caps_the_process(tmp_path: Path) -> None:
    """In a child process (the cap cannot be lifted): a 1 GiB allocation fails, a small one does not."""
    code = (
        "from pipeline.runtime.limits import Limits, limit_memory, MIB\n"
        "limit_memory(Limits(memory_bytes=512 * MIB))\n"
        "small = bytearray(16 * MIB)\n"
        "try:\n"
        "    big = bytearray(1024 * MIB)\n"
        "except MemoryError:\n"
        "    print('capped')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2], timeout=60
    )
    assert out.stdout.strip() == "capped", out.stderr


def test_check_headroom() -> None:
    check_headroom(Limits(memory_bytes=None))
    check_headroom(Limits(memory_bytes=1 << 50))
    with pytest.raises(MemoryError, match="--memory-mb allows 64.0 MiB"):
        check_headroom(Limits(memory_bytes=64 * MIB))  # this test process already uses more
