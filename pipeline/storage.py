"""Storage: sources and snapshots on a local disk or under an fsspec URL (`s3://bucket/prefix`).

Local paths take the plain `pathlib` route; only URLs go through fsspec, so a run on a local
disk neither imports nor pays for it. Credentials and endpoints come from the filesystem's own
configuration (for S3: the usual AWS variables and files, read by botocore, or fsspec's config).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from pipeline.model.records import StoredFile

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_url(location: str | Path) -> bool:
    """True for `scheme://...` locations (s3://, gs://, memory://, file://), False for plain paths."""
    return isinstance(location, str) and bool(_SCHEME.match(location))


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (a rename or a new name in it), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def join_location(base: str | Path, *parts: str) -> str:
    """`base` with `parts` appended: a URL stays a URL (no `Path`, which would fold its `//`)."""
    if is_url(base):
        return "/".join([str(base).rstrip("/"), *(p.strip("/") for p in parts)])
    return str(Path(base).joinpath(*parts))


def list_files(root: str, suffix: str, exclude: Sequence[str] = ()) -> list[StoredFile]:
    """Every file below the URL `root` whose name ends with `suffix` (any case), sorted by path.

    Files below an `exclude` URL (e.g. OUT_DIR inside SOURCE_DIR) are left out.
    """
    fs, base = _filesystem(root)
    base = base.rstrip("/")
    scheme = _scheme(root)
    skipped = tuple(_filesystem(e)[1].rstrip("/") + "/" for e in exclude if _scheme(e) == scheme)
    found = []
    for name, info in fs.find(base, detail=True).items():
        if info.get("type") == "directory" or not name.lower().endswith(suffix.lower()):
            continue
        if any(name.startswith(prefix) for prefix in skipped):
            continue
        relative = PurePosixPath(name).relative_to(base).as_posix()
        found.append(StoredFile(relative, join_location(root, relative), int(info.get("size") or 0)))
    return sorted(found, key=lambda f: f.path)


def read_bytes(location: str | Path) -> bytes:
    """The content of a local file or a URL; raises OSError (FileNotFoundError, ...) when unreadable."""
    if not is_url(location):
        return Path(location).read_bytes()
    fs, path = _filesystem(str(location))
    with fs.open(path, "rb") as handle:
        return handle.read()


def hash_file(location: str | Path) -> tuple[str, int]:
    """sha256 (hex) and size of a local file or a URL."""
    with _open(location) as handle:
        digest = hashlib.file_digest(handle, "sha256")
        # file_digest may hash an in-memory file's buffer without moving its position
        return digest.hexdigest(), handle.seek(0, io.SEEK_END)


def write_bytes(location: str | Path, data: bytes) -> None:
    """Write `data` to a local file or a URL (parent folders created; an object store has none)."""
    if not is_url(location):
        path = Path(location)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    fs, path = _filesystem(str(location))
    fs.makedirs(str(PurePosixPath(path).parent), exist_ok=True)
    with fs.open(path, "wb") as handle:
        handle.write(data)


def upload_files(local_dir: Path, target: str, names: Iterable[str]) -> None:
    """Copy the named files of `local_dir` to the URL folder `target`, in the order given.

    The order is the point: a reader that sees the last file (a manifest) sees all before it.
    """
    for name in names:
        write_bytes(join_location(target, name), (local_dir / name).read_bytes())


def _open(location: str | Path) -> BinaryIO:
    if not is_url(location):
        return open(location, "rb")
    fs, path = _filesystem(str(location))
    return fs.open(path, "rb")


def _filesystem(url: str) -> tuple[AbstractFileSystem, str]:
    # fsspec (and s3fs) are imported only for URLs: the local path stays free of them.
    from fsspec.core import url_to_fs

    return url_to_fs(url)


def _scheme(location: str) -> str:
    return location.split("://", 1)[0].lower() if is_url(location) else ""
