"""The command line's paths and limits, checked before anything runs; PDF file arguments staged as one SOURCE_DIR.

`parlq run a.pdf b.pdf folder/` runs on a temporary folder holding `a.pdf`, `b.pdf` and
`folder/<path>` for each PDF below folder/: hard links where the file system allows them,
copies otherwise. The folder lives under the system's temp dir, not under OUT_DIR: discovery
skips an OUT_DIR below SOURCE_DIR, and a link to a file outside SOURCE_DIR is refused by design.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.runtime.limits import MIB, Limits
from pipeline.storage import is_url

PDF_SUFFIX = ".pdf"
STAGING_PREFIX = "parlq-files-"
DAILY = "0 6 * * *"  # fetch-and-run's default schedule (`parlq serve --fetch`): every day at 06:00


class UsageError(ValueError):
    """Arguments that cannot work: exit status 2 with this message, before anything runs."""


@dataclass(frozen=True)
class Sources:
    """SOURCE arguments, checked: one folder or URL used as it is, or PDF files and folders to stage."""

    location: str | None  # the one folder (absolute) or URL; None: stage `items`
    items: tuple[Path, ...] = ()  # absolute, each a PDF file or a folder, with unique names


def build_limits(args: argparse.Namespace) -> Limits:
    """The per-document limits (and a sane --workers) the options of `run`/`serve` ask for."""
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    try:
        return Limits(
            max_file_bytes=int(args.max_file_mb * MIB),
            max_pages=args.max_pages,
            timeout_s=args.timeout,
            memory_bytes=args.memory_mb * MIB if args.memory_mb else None,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def check_out_dir(out: str) -> None:
    """OUT_DIR may be missing (it is created) but not a file."""
    if not is_url(out) and Path(out).exists() and not Path(out).is_dir():
        raise UsageError(f"OUT_DIR {out} is a file, not a folder")


def check_source_dir(source: str) -> str:
    """One SOURCE_DIR (`serve`): an absolute folder path, or a URL as it is."""
    if is_url(source):
        return source
    if not Path(source).is_dir():
        raise UsageError(f"SOURCE_DIR {source} is not a folder{_missing(Path(source))}")
    return str(Path(source).resolve())


def check_sources(paths: Sequence[str]) -> Sources:
    """SOURCE arguments of `run`: one folder or URL, or any number of PDF files and folders (no URL then)."""
    if len(paths) == 1 and (is_url(paths[0]) or Path(paths[0]).is_dir()):
        return Sources(location=check_source_dir(paths[0]))
    items: dict[Path, None] = {}  # ordered and without repeats: `a.pdf a.pdf` is one input
    for given in paths:
        path = Path(given)
        if is_url(given):
            raise UsageError(f"{given}: a URL must be the only SOURCE")
        if path.is_dir() or (path.is_file() and path.name.lower().endswith(PDF_SUFFIX)):
            # absolute but not resolved: a link given by its name keeps that name in the dataset
            items[Path(os.path.abspath(path))] = None
        elif path.exists() or path.is_symlink():
            raise UsageError(f"{given} is not a PDF file (nor a folder)")
        else:
            raise UsageError(f"{given} is not a folder or a PDF file{_missing(path)}")
    named: dict[str, Path] = {}
    for item in items:
        if not item.name:
            raise UsageError(f"{item} cannot be staged under a name of its own; give its sub-folders")
        if item.name in named:
            raise UsageError(
                f"{named[item.name]} and {item} would both be {item.name} in the dataset; pass one folder holding both"
            )
        named[item.name] = item
    return Sources(location=None, items=tuple(items))


@contextmanager
def open_source_dir(sources: Sources, out: str) -> Iterator[str]:
    """SOURCE_DIR for the run: the one folder or URL, or a temporary folder of the staged items (removed after)."""
    if sources.location is not None:
        yield sources.location
        return
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
    try:
        # the walk must not take OUT_DIR's PDFs, nor the staging folder's own (a folder argument around /tmp)
        skip = {staging.resolve()} | ({Path(out).resolve()} if not is_url(out) else set())
        for item in sources.items:
            if item.is_dir():
                _stage_folder(item, staging / item.name, skip)
            else:
                _place(item, staging / item.name)
        yield str(staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stage_folder(folder: Path, target: Path, skip: set[Path]) -> None:
    """Each PDF below `folder` under `target`, at the same relative path; links are copied as links.

    A relative link inside the folder then stays inside SOURCE_DIR, and a link out of it is
    reported by discovery as it would be in a run on the folder itself.
    """
    target.mkdir()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        into = target / here.relative_to(folder)
        kept = []
        for name in dirnames:
            path = here / name
            if path.is_symlink():
                os.symlink(os.readlink(path), into / name)  # os.walk does not descend into it
            elif path.resolve() not in skip:
                (into / name).mkdir()
                kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            if not name.lower().endswith(PDF_SUFFIX):
                continue
            path = here / name
            if path.is_symlink():
                os.symlink(os.readlink(path), into / name)
            else:
                _place(path, into / name)


def _place(source: Path, target: Path) -> None:
    """A hard link to `source` (no copy, the same bytes), or a copy where linking fails (another device)."""
    try:
        os.link(source, target)
        return
    except OSError:
        pass
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise UsageError(f"{source} cannot be read: {exc.strerror or exc}") from None


def _missing(path: Path) -> str:
    return "" if path.exists() else " (no such file or folder)"


def report_sources(source_dir: str) -> str | None:
    """SOURCE_DIR for the report's links to the PDFs: a local folder that outlives the run, else None.

    `parlq run a.pdf b.pdf` runs on a temporary folder, removed after the run: no links into it.
    """
    path = Path(source_dir)
    if is_url(source_dir) or (path.name.startswith(STAGING_PREFIX) and path.parent == Path(tempfile.gettempdir())):
        return None
    return source_dir
