"""One run per OUT_DIR: an advisory lock (`flock`) on `OUT_DIR/.parlq.lock`.

The kernel holds the lock for the open file, so a run that dies in any way (kill -9 included)
releases it with its process: there are no stale locks to detect or take over. The file holds
the holder's PID, host and start time, only to say who holds it. A run removes the file when it
releases; a waiting run that locked the removed file notices (the path no longer names the
file it opened) and locks the new one, so two runs can never both hold the lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import math
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

LOCK_NAME = ".parlq.lock"
POLL_S = 0.2  # how often a waiting run tries again


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock: written into the lock file as JSON, for messages only."""

    pid: int
    host: str
    started: str  # ISO 8601, UTC

    def describe(self) -> str:
        return f"PID {self.pid} on {self.host}, started {self.started}"


class LockHeld(RuntimeError):
    """Another run holds the lock of OUT_DIR."""

    def __init__(self, path: Path, holder: LockInfo | None) -> None:
        who = holder.describe() if holder else "a run that is starting"
        super().__init__(
            f"another parlq run is using {path.parent} ({who}). Wait for it to finish, or use --wait-lock."
        )
        self.path = path
        self.holder = holder


class RunLock:
    """A held lock on OUT_DIR; `release_lock` (or leaving `hold_lock`) gives it back."""

    def __init__(self, path: Path, fd: int, info: LockInfo) -> None:
        self.path = path
        self.info = info
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None


def acquire_lock(out_dir: Path, wait_s: float | None = 0.0) -> RunLock:
    """Take OUT_DIR's lock, waiting up to `wait_s` seconds (None or inf: as long as it takes).

    Raises LockHeld when it stays held, OSError when OUT_DIR is missing or not writable.
    """
    path = Path(out_dir) / LOCK_NAME
    limit = math.inf if wait_s is None else wait_s
    deadline = time.monotonic() + limit
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockHeld(path, read_lock(path)) from None
            time.sleep(min(POLL_S, remaining))
            continue
        except BaseException:
            os.close(fd)
            raise
        if not _names(path, fd):  # the holder removed the file between our open and our lock
            os.close(fd)
            continue
        info = LockInfo(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        try:
            os.ftruncate(fd, 0)
            os.write(fd, (json.dumps(asdict(info)) + "\n").encode("utf-8"))
        except BaseException:
            os.close(fd)
            raise
        return RunLock(path, fd, info)


def release_lock(lock: RunLock) -> None:
    """Give the lock back and remove its file (idempotent)."""
    if lock._fd is None:
        return
    fd, lock._fd = lock._fd, None
    try:
        if _names(lock.path, fd):
            lock.path.unlink(missing_ok=True)  # while still locked: nobody else can own this path now
    except OSError:
        pass  # a read-only OUT_DIR keeps the file; the lock itself goes with the close below
    finally:
        os.close(fd)


@contextmanager
def hold_lock(out_dir: Path, wait_s: float | None = 0.0) -> Iterator[RunLock]:
    """`acquire_lock` as a context manager that releases on the way out."""
    lock = acquire_lock(out_dir, wait_s)
    try:
        yield lock
    finally:
        release_lock(lock)


def read_lock(path: Path) -> LockInfo | None:
    """The lock file's holder, or None when there is none or it cannot be parsed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return LockInfo(**{name: data[name] for name in LockInfo.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _names(path: Path, fd: int) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)
