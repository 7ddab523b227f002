"""One run per OUT_DIR: exclusive creation, stale locks of dead runs, waiting, races."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.runtime.lock import LOCK_NAME, LockHeld, LockInfo, acquire_lock, hold_lock, is_stale, read_lock, release_lock

REPO = Path(__file__).parents[2]


def _write_lock(out_dir: Path, **fields: object) -> Path:
    info = {"pid": os.getpid(), "host": socket.gethostname(), "started": "2030-01-01T00:00:00+00:00",
            "boot_id": "", "token": "t"}  # fmt: skip
    info.update(fields)
    path = out_dir / LOCK_NAME
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_acquire_writes_holder_and_release_removes(tmp_path: Path) -> None:
    lock = acquire_lock(tmp_path)
    holder = read_lock(tmp_path / LOCK_NAME)
    assert holder == lock.info and holder.pid == os.getpid() and holder.host == socket.gethostname()
    assert lock.took_over is None
    release_lock(lock)
    assert not (tmp_path / LOCK_NAME).exists()
    release_lock(lock)  # idempotent


def test_second_acquire_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    with hold_lock(tmp_path) as lock:
        started = time.monotonic()
        with pytest.raises(LockHeld) as caught:
            acquire_lock(tmp_path)
        assert time.monotonic() - started < 1.0
        message = str(caught.value)
        assert f"PID {os.getpid()}" in message and "--wait-lock" in message and str(lock.path) in message
    assert not (tmp_path / LOCK_NAME).exists()


def test_release_leaves_another_runs_lock(tmp_path: Path) -> None:
    lock = acquire_lock(tmp_path)
    _write_lock(tmp_path, token="someone else")
    release_lock(lock)
    assert read_lock(tmp_path / LOCK_NAME).token == "someone else"


@pytest.mark.parametrize(
    ("fields", "stale"),
    [
        ({"pid": "dead"}, True),
        ({}, False),  # this very process, locked after it started
        ({"started": "2000-01-01T00:00:00+00:00"}, True),  # the PID now belongs to a newer process
        ({"host": "elsewhere.example"}, False),  # cannot be checked from here
        ({"host": "elsewhere.example", "pid": "dead"}, False),
        ({"boot_id": "a-previous-boot"}, True),
        ({"started": "not a date"}, False),
    ],
)
def test_is_stale(fields: dict, stale: bool) -> None:
    if fields.get("pid") == "dead":
        fields = {**fields, "pid": _dead_pid()}
    info = LockInfo(pid=os.getpid(), host=socket.gethostname(), started="2030-01-01T00:00:00+00:00",
                    boot_id="", token="t")  # fmt: skip
    info = replace(info, **fields)
    assert is_stale(info, boot_id="this-boot" if info.boot_id else "") is stale


def test_stale_lock_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    pid = _dead_pid()
    _write_lock(tmp_path, pid=pid)
    with hold_lock(tmp_path) as lock:
        assert lock.took_over is not None and lock.took_over.pid == pid
        assert read_lock(tmp_path / LOCK_NAME).pid == os.getpid()


@pytest.mark.parametrize("content", ["", "{not json", '{"pid": 1}'])
def test_unreadable_lock_is_taken_over(tmp_path: Path, content: str) -> None:
    # the guard makes a half-written lock impossible from a live run: only a dead one leaves this
    (tmp_path / LOCK_NAME).write_text(content, encoding="utf-8")
    with hold_lock(tmp_path) as lock:
        assert lock.took_over is None and read_lock(tmp_path / LOCK_NAME) == lock.info


def test_lock_of_another_host_is_never_taken_over(tmp_path: Path) -> None:
    _write_lock(tmp_path, host="elsewhere.example", pid=_dead_pid())
    with pytest.raises(LockHeld, match="elsewhere.example"):
        acquire_lock(tmp_path)


def test_lock_of_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom pipeline.runtime.lock import acquire_lock\n"
        "acquire_lock(Path(sys.argv[1]))\nprint('locked', flush=True)\ntime.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld):
            acquire_lock(tmp_path)
        holder.kill()
        holder.wait()
        with hold_lock(tmp_path) as lock:
            assert lock.took_over is not None and lock.took_over.pid == holder.pid
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_wait_for_the_holder(tmp_path: Path) -> None:
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom pipeline.runtime.lock import hold_lock\n"
        "with hold_lock(Path(sys.argv[1])):\n    print('locked', flush=True)\n    time.sleep(1.5)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld):
            acquire_lock(tmp_path, wait_s=0.3, poll_s=0.1)
        started = time.monotonic()
        with hold_lock(tmp_path, wait_s=30) as lock:
            assert lock.took_over is None
        assert time.monotonic() - started < 10
    finally:
        holder.wait(30)
        holder.stdout.close()


def _contend(out_dir: str, go, results) -> None:
    go.wait()
    try:
        lock = acquire_lock(Path(out_dir))
    except LockHeld:
        results.put("held")
        return
    results.put("won")
    time.sleep(1.0)  # hold it while the others try
    release_lock(lock)


def test_racing_runs_on_a_stale_lock_one_wins(tmp_path: Path) -> None:
    _write_lock(tmp_path, pid=_dead_pid())
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    racers = [context.Process(target=_contend, args=(str(tmp_path), go, results)) for _ in range(6)]
    for racer in racers:
        racer.start()
    go.set()
    outcomes = sorted(results.get(timeout=30) for _ in racers)
    for racer in racers:
        racer.join(30)
    assert outcomes == ["held"] * 5 + ["won"]
    assert not (tmp_path / LOCK_NAME).exists()


def test_unwritable_out_dir_is_an_os_error(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    with pytest.raises(OSError):
        acquire_lock(missing)
