"""The fetch's files: where each goes, what its bytes must start with, atomic writes, sidecars and state.

Nothing half-written is ever found under a final name: a body goes to `.<name>.part` in the same
folder, is fsynced, then renamed; a sidecar is written (the same way) after its files. A fetch
killed at any moment leaves at most `.part` files, which the next fetch removes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pipeline.storage import fsync_path

STATE_NAME = "state.json"
LOCK_NAME = ".fetch.lock"
# Content-Type -> extension; the type is never guessed from the URL (spec: section 3).
EXTENSIONS = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
MAGIC = {
    "pdf": b"%PDF-",
    "doc": b"\xd0\xcf\x11\xe0",  # OLE compound file
    "docx": b"PK",
    "xlsx": b"PK",
    "rtf": b"{\\rtf",
}


class FetchLocked(RuntimeError):
    """Another fetch is writing into the same SOURCES_DIR."""


def choose_extension(content_type: str) -> str | None:
    """The file extension for a Content-Type (parameters stripped), None for any other type."""
    return EXTENSIONS.get(content_type.split(";")[0].strip().lower())


def has_magic(extension: str, head: bytes) -> bool:
    """Whether a body's first bytes fit its type: an HTML error page served as PDF does not."""
    return head.startswith(MAGIC[extension])


def part_path(folder: Path, stem: str) -> Path:
    """The temporary name a body is written to (not `*.pdf`: discovery never sees it)."""
    return folder / f".{stem}.part"


def commit_file(part: Path, target: Path) -> None:
    """Rename a finished, fsynced part file to its final name, and make the rename durable."""
    os.replace(part, target)
    fsync_path(target.parent)


def write_json(path: Path, record: Mapping[str, object]) -> None:
    """Write JSON atomically (part file, fsync, rename)."""
    part = path.with_name(f".{path.name}.part")
    with open(part, "w", encoding="utf-8") as handle:
        json.dump(record, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    commit_file(part, path)


def read_json(path: Path) -> dict[str, object] | None:
    """A JSON object written by write_json, or None when it is missing or unreadable."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def hash_file(path: Path) -> str | None:
    """sha256 of a file, None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def remove_parts(vlpar_dir: Path) -> int:
    """Remove the part files a killed fetch left behind; how many."""
    parts = list(vlpar_dir.glob(".*.part")) + list(vlpar_dir.glob("*/.*.part"))
    for part in parts:
        part.unlink(missing_ok=True)
    return len(parts)


def read_state(vlpar_dir: Path) -> dt.date | None:
    """The last day the last successful fetch covered, if any."""
    state = read_json(vlpar_dir / STATE_NAME) or {}
    try:
        return dt.date.fromisoformat(str(state.get("until")))
    except ValueError:
        return None


def write_state(vlpar_dir: Path, since: dt.date, until: dt.date, finished: dt.datetime) -> None:
    """Record a successful fetch of [since, until]."""
    record = {"since": since.isoformat(), "until": until.isoformat(), "finished_at": finished.isoformat()}
    write_json(vlpar_dir / STATE_NAME, record)


@contextmanager
def hold_fetch_lock(vlpar_dir: Path) -> Iterator[None]:
    """One fetch per SOURCES_DIR: an flock the kernel drops with the process (kill -9 included)."""
    vlpar_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(vlpar_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FetchLocked(f"another parlq fetch is writing into {vlpar_dir}; wait for it to finish.") from None
        yield
    finally:
        os.close(fd)
