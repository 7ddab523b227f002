"""Discovery: every `*.pdf` below SOURCE_DIR, hashed, with relative paths; nothing silently skipped.

Files `parlq fetch` wrote (pipeline.discover.fetched): a document's sidecar `<ID>.json` gives it
the Parliament's metadata (`SourceFile.meta`; a sidecar that cannot be used gives a warning); a
fetched document in another format (`<ID>.docx`, ...) becomes a `not_pdf` failure; annexes
(`<ID>.bijlage-<n>.pdf`) are not documents and are skipped. Files that cannot be taken come back
as Failure records so every input is accounted for: a link
leading outside SOURCE_DIR (to a file or a folder; never followed), a name that is not valid
UTF-8, something that is not a regular file (a FIFO named x.pdf would block a reader forever), an
unreadable file, a file over the size limit (not even hashed), and second copies of one content.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.discover.fetched import attach_sidecar, is_fetched_other, not_pdf_failure
from pipeline.model.kinds import FailureKind, Stage
from pipeline.model.records import Failure, SourceFile
from pipeline.runtime.limits import Limits, check_size
from pipeline.storage import hash_file, is_url, list_files


@dataclass(frozen=True)
class Discovery:
    sources: tuple[SourceFile, ...]  # unique contents, sorted by path
    problems: tuple[Failure, ...]  # links out of SOURCE_DIR, unreadable files, duplicates, ...
    warnings: tuple[str, ...] = ()  # sidecars that could not be used (their columns are null)


def discover_sources(
    source_dir: Path | str, exclude: tuple[Path | str, ...] = (), limits: Limits | None = None
) -> Discovery:
    """Walk `source_dir` for PDFs: links out of it are reported, folders in `exclude` (OUT_DIR) skipped.

    With `limits`, a file over `limits.max_file_bytes` becomes a `too_large` problem without being read.
    `source_dir` may be a URL (`s3://bucket/prefix`, see pipeline.storage); its locations are URLs too.
    """
    if is_url(source_dir):
        sources, problems = _take_urls(str(source_dir), tuple(str(e) for e in exclude), limits)
        unique, duplicates = split_duplicates(sources)
        return Discovery(sources=unique, problems=tuple(problems) + duplicates)
    root = Path(source_dir).resolve()
    # only an excluded folder strictly inside SOURCE_DIR can hold inputs: OUT_DIR == SOURCE_DIR, or
    # OUT_DIR around SOURCE_DIR, must not hide the sources
    local = [Path(p).resolve() for p in exclude if not is_url(p)]
    excluded = tuple(p for p in local if root in p.parents)
    sources: list[SourceFile] = []
    problems: list[Failure] = []
    warnings: list[str] = []
    for path, is_dir, siblings in sorted(_walk(root, excluded), key=lambda entry: _relative(entry[0], root)):
        rel = _relative(path, root)
        taken = _take(path, rel, root, is_dir, limits)
        if isinstance(taken, SourceFile) and is_fetched_other(path.name, siblings):
            taken = not_pdf_failure(taken)
        elif isinstance(taken, SourceFile):
            taken, said = attach_sidecar(taken, path, siblings)
            warnings += said
        if isinstance(taken, SourceFile):
            sources.append(taken)
        elif taken is not None:
            problems.append(taken)
    unique, duplicates = split_duplicates(sources)
    return Discovery(sources=unique, problems=tuple(problems) + duplicates, warnings=tuple(warnings))


def input_files(discovery: Discovery) -> tuple[SourceFile, ...]:
    """Every input the snapshot accounts for: the unique sources and the files that became problems."""
    problems = tuple(
        SourceFile(path=f.source_file, location="", sha256=f.sha256 or "", size=0) for f in discovery.problems
    )
    return discovery.sources + problems


def split_duplicates(sources: list[SourceFile]) -> tuple[tuple[SourceFile, ...], tuple[Failure, ...]]:
    """Keep the first path of each content; report the others as duplicates naming the kept one."""
    first: dict[str, SourceFile] = {}
    duplicates: list[Failure] = []
    for source in sources:
        kept = first.setdefault(source.sha256, source)
        if kept is not source:
            duplicates.append(
                Failure(
                    source.path,
                    source.sha256,
                    Stage.READ,
                    FailureKind.DUPLICATE,
                    f"{source.path} has the same content as {kept.path}; it was processed once, as {kept.path}.",
                )
            )
    return tuple(first.values()), tuple(duplicates)


def _take_urls(root: str, exclude: tuple[str, ...], limits: Limits | None) -> tuple[list[SourceFile], list[Failure]]:
    """Sources and problems below a URL: an object store has no links, FIFOs or undecodable names."""
    sources: list[SourceFile] = []
    problems: list[Failure] = []
    for found in list_files(root, ".pdf", exclude):
        source = SourceFile(path=found.path, location=found.location, sha256="", size=found.size)
        refused = check_size(source, found.size, limits) if limits else None
        if refused is None:
            try:
                digest, size = hash_file(found.location)
            except OSError as exc:
                message = f"{found.path} cannot be read: {_reason(exc)}."
                refused = Failure(found.path, None, Stage.READ, FailureKind.UNREADABLE, message)
            else:
                sources.append(replace(source, sha256=digest, size=size))
        if refused is not None:
            problems.append(refused)
    return sources, problems


def _take(path: Path, rel: str, root: Path, is_dir: bool, limits: Limits | None) -> SourceFile | Failure | None:
    """One walked entry as a source, a problem, or None (a link to a folder inside SOURCE_DIR)."""
    if not _is_utf8(rel):
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        message = f"{shown} has a name that is not valid UTF-8; rename it."
        return Failure(shown, None, Stage.READ, FailureKind.BAD_FILE_NAME, message)
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links (Python 3.11)
        message = f"{rel} is a broken link or a loop of links ({_reason(exc)})."
        return Failure(rel, None, Stage.READ, FailureKind.UNREADABLE, message)
    if not _within(target, root):
        kind = "folder" if is_dir else "file"
        message = f"{rel} is a link to a {kind} outside SOURCE_DIR; it was not read."
        return Failure(rel, None, Stage.READ, FailureKind.OUTSIDE_SOURCE_DIR, message)
    if is_dir:
        return None  # its files are found under their own path
    try:
        regular, size, digest = _hash_file(target, limits)
    except OSError as exc:
        return Failure(rel, None, Stage.READ, FailureKind.UNREADABLE, f"{rel} cannot be read: {_reason(exc)}.")
    if not regular:
        message = f"{rel} is not a regular file (a pipe, socket or device)."
        return Failure(rel, None, Stage.READ, FailureKind.NOT_A_FILE, message)
    source = SourceFile(path=rel, location=str(target), sha256=digest, size=size)
    refused = check_size(source, size, limits) if limits else None
    return refused or source


def _walk(root: Path, excluded: tuple[Path, ...]) -> Iterator[tuple[Path, bool, frozenset[str]]]:
    """PDF names and fetched documents below root (links included, not followed) and links to folders,
    as (path, is_dir, the names of the files beside it)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            path = here / name
            if path.is_symlink():
                yield path, True, frozenset()  # os.walk does not descend into it; outside links are reported
            elif not any(path == e or e in path.parents for e in excluded):
                kept.append(name)
        dirnames[:] = kept
        names = frozenset(filenames)
        for name in filenames:
            if (name.lower().endswith(".pdf") and not _is_annex(name, names)) or is_fetched_other(name, names):
                yield here / name, False, names


def _is_annex(name: str, siblings: frozenset[str]) -> bool:
    """`<ID>.bijlage-<n>.pdf` beside its sidecar `<ID>.json`: an annex `parlq fetch` wrote, not a document."""
    stem, marker, _ = name.partition(".bijlage-")
    return bool(marker) and f"{stem}.json" in siblings


def _hash_file(path: Path, limits: Limits | None) -> tuple[bool, int, str]:
    """(is a regular file, size, sha256); only a regular file within the size limit is read.

    Opened without blocking and checked on the open descriptor, so a FIFO swapped in after the
    walk cannot hang the run; the sha256 of a file that is not read is "".
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False, info.st_size, ""
        if limits is not None and info.st_size > limits.max_file_bytes:
            return True, info.st_size, ""
        digest = hashlib.sha256()
        size = 0
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return True, size, digest.hexdigest()


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
