"""One run per OUT_DIR: a lock file created atomically, with the holder's PID, host and start time.

`OUT_DIR/.parlq.lock` is created with O_CREAT | O_EXCL. A lock left by a run that was killed is
taken over when its holder is provably gone: same host and boot, and no process with its PID that
started before the lock did (a dead PID, or a PID reused by a newer process). A lock from another
host is never taken over: its holder cannot be checked from here. Acquiring, taking over and
releasing happen under an flock on OUT_DIR itself, so two runs that both find a stale lock cannot
both take it over; the kernel drops that flock when its process dies, so it never goes stale.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

LOCK_NAME = ".parlq.lock"
_CLOCK_SLACK_S = 2.0  # /proc/stat's boot time has whole seconds


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock: written into the lock file as JSON."""

    pid: int
    host: str
    started: str  # ISO 8601, UTC
    boot_id: str  # the kernel's boot id ("" where unknown): a lock from before a reboot is stale
    token: str  # unique per acquisition: a run releases only its own lock

    def describe(self) -> str:
        return f"PID {self.pid} on {self.host}, started {self.started}"


class LockHeld(RuntimeError):
    """Another run holds the lock of OUT_DIR."""

    def __init__(self, path: Path, holder: LockInfo | None) -> None:
        who = holder.describe() if holder else "a run that is still writing the lock file"
        super().__init__(
            f"another parlq run is using {path.parent} ({who}). Wait for it to finish, or use --wait-lock. "
            f"If that run is gone (e.g. on another host), delete {path}."
        )
        self.path = path
        self.holder = holder


@dataclass(frozen=True)
class RunLock:
    """A held lock; `took_over` names the dead run whose stale lock was replaced, if any."""

    path: Path
    info: LockInfo
    took_over: LockInfo | None = None


def acquire_lock(out_dir: Path, wait_s: float = 0.0, poll_s: float = 0.5) -> RunLock:
    """Take OUT_DIR's lock, waiting up to `wait_s` seconds (inf: no limit) for the holder to finish.

    Raises LockHeld when it stays held, OSError when OUT_DIR is not writable.
    """
    path = Path(out_dir) / LOCK_NAME
    deadline = time.monotonic() + wait_s
    while True:
        with _guard(path.parent):
            took_over = None
            holder = read_lock(path)
            if path.exists() and (holder is None or is_stale(holder)):
                # Under the guard no live run is half-way through writing: an unreadable lock is stale too.
                took_over = holder
                path.unlink()
            info = _new_info()
            if _create(path, info):
                return RunLock(path=path, info=info, took_over=took_over)
            holder = read_lock(path)
        if time.monotonic() >= deadline:
            raise LockHeld(path, holder)
        time.sleep(min(poll_s, max(0.0, deadline - time.monotonic())))


def release_lock(lock: RunLock) -> None:
    """Remove the lock file if it is still this run's (idempotent)."""
    with _guard(lock.path.parent):
        holder = read_lock(lock.path)
        if holder is not None and holder.token == lock.info.token:
            lock.path.unlink(missing_ok=True)


@contextmanager
def hold_lock(out_dir: Path, wait_s: float = 0.0) -> Iterator[RunLock]:
    """`acquire_lock` as a context manager that releases on the way out."""
    lock = acquire_lock(out_dir, wait_s)
    try:
        yield lock
    finally:
        release_lock(lock)


def read_lock(path: Path) -> LockInfo | None:
    """The lock file's holder, or None when there is no lock file or it cannot be parsed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return LockInfo(**{name: data[name] for name in LockInfo.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_stale(holder: LockInfo, host: str | None = None, boot_id: str | None = None) -> bool:
    """True when the holder's run has provably ended: same host and it no longer runs there."""
    if holder.host != (host or socket.gethostname()):
        return False
    current_boot = _boot_id() if boot_id is None else boot_id
    if holder.boot_id and current_boot and holder.boot_id != current_boot:
        return True  # the machine restarted since the lock was taken
    if not pid_alive(holder.pid):
        return True
    started = _process_start(holder.pid)
    try:
        locked_at = dt.datetime.fromisoformat(holder.started).timestamp()
    except ValueError:
        return False
    # a process with this PID that started after the lock was written is not its holder
    return started is not None and started > locked_at + _CLOCK_SLACK_S


def _new_info() -> LockInfo:
    return LockInfo(
        pid=os.getpid(),
        host=socket.gethostname(),
        started=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        boot_id=_boot_id(),
        token=uuid.uuid4().hex,
    )


def _create(path: Path, info: LockInfo) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, (json.dumps(asdict(info), indent=2) + "\n").encode("utf-8"))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return True


@contextmanager
def _guard(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the flock


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (signal 0 probes without touching it)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _process_start(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), on Linux; None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        boot = next(
            int(line.split()[1]) for line in Path("/proc/stat").read_text(encoding="ascii").splitlines()
            if line.startswith("btime ")
        )
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, counted after the command name
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
