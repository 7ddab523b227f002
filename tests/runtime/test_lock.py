"""One run per OUT_DIR: an flock that the kernel releases with its holder, waiting, races."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipeline.runtime.lock import LOCK_NAME, LockHeld, acquire_lock, hold_lock, read_lock, release_lock

REPO = Path(__file__).parents[2]
# A holder in another process: takes the lock, says so, and releases when its stdin says "release".
HOLDER = (
    "import sys\nfrom pathlib import Path\nfrom pipeline.runtime.lock import hold_lock\n"
    "with hold_lock(Path(sys.argv[1])):\n    print('locked', flush=True)\n    sys.stdin.readline()\n"
    "print('released', flush=True)\n"
)


@pytest.fixture
def holder(tmp_path: Path):
    """A process holding tmp_path's lock until it is told to release it (or killed)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stdout.readline().strip() == "locked"
    yield process
    process.kill()
    process.wait()
    process.stdin.close()
    process.stdout.close()


def test_acquire_writes_holder_and_release_removes(tmp_path: Path) -> None:
    lock = acquire_lock(tmp_path)
    holder = read_lock(tmp_path / LOCK_NAME)
    assert holder == lock.info and holder.pid == os.getpid() and holder.host == socket.gethostname()
    release_lock(lock)
    assert not (tmp_path / LOCK_NAME).exists() and not lock.held
    release_lock(lock)  # idempotent


def test_second_acquire_fails_with_a_clear_message(tmp_path: Path) -> None:
    with hold_lock(tmp_path) as lock:
        with pytest.raises(LockHeld) as caught:
            acquire_lock(tmp_path)
        message = str(caught.value)
        assert f"PID {os.getpid()}" in message and "--wait-lock" in message and str(tmp_path) in message
        assert lock.held
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_leftover_lock_file_without_a_holder_is_no_lock(tmp_path: Path) -> None:
    # What a run killed with -9 leaves: the file, but no process holding its flock.
    (tmp_path / LOCK_NAME).write_text('{"pid": 1, "host": "elsewhere", "started": "2030-01-01"}\n', encoding="utf-8")
    with hold_lock(tmp_path) as lock:
        assert read_lock(tmp_path / LOCK_NAME) == lock.info


def test_a_killed_holder_releases_the_lock(tmp_path: Path, holder: subprocess.Popen) -> None:
    with pytest.raises(LockHeld, match=f"PID {holder.pid}"):
        acquire_lock(tmp_path)
    holder.kill()
    holder.wait()  # the kernel drops the flock with the process: no waiting, no stale-lock check
    with hold_lock(tmp_path) as lock:
        assert lock.info.pid == os.getpid()


def test_a_run_that_waits_gets_the_lock_when_the_holder_releases(tmp_path: Path, holder: subprocess.Popen) -> None:
    with pytest.raises(LockHeld):
        acquire_lock(tmp_path, wait_s=0.2)  # a bounded wait that runs out
    got = threading.Event()

    def wait_for_it() -> None:
        with hold_lock(tmp_path, wait_s=None):
            got.set()

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    assert read_lock(tmp_path / LOCK_NAME).pid == holder.pid  # still the holder's
    holder.stdin.write("release\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    waiter.join(60)
    assert got.is_set()


def _contend(out_dir: str, log: str, go) -> None:
    go.wait()
    for _ in range(5):
        with hold_lock(Path(out_dir), wait_s=None):
            # Inside the lock no other process may be: enter and leave must pair up in the log.
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"enter {os.getpid()}\n")
                handle.flush()
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"leave {os.getpid()}\n")


def test_racing_runs_never_hold_the_lock_together(tmp_path: Path) -> None:
    out, log = tmp_path / "out", tmp_path / "log"
    out.mkdir()
    context = multiprocessing.get_context("fork")
    go = context.Event()
    racers = [context.Process(target=_contend, args=(str(out), str(log), go)) for _ in range(6)]
    for racer in racers:
        racer.start()
    go.set()
    for racer in racers:
        racer.join(120)
        assert racer.exitcode == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 * 5 * 2
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):
        assert enter.startswith("enter ") and leave == "leave " + enter.split()[1]
    assert not (out / LOCK_NAME).exists()


def test_missing_out_dir_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        acquire_lock(tmp_path / "gone")
