"""Discovery: every `*.pdf` below SOURCE_DIR, hashed, with relative paths; nothing silently skipped.

Files that cannot be taken (a link leading outside SOURCE_DIR, an unreadable file) and second copies
of the same content come back as Failure records so every input is accounted for.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.records import Failure, SourceFile

DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Discovery:
    sources: tuple[SourceFile, ...]  # unique contents, sorted by path
    problems: tuple[Failure, ...]  # links out of SOURCE_DIR, unreadable files, duplicates


def discover_sources(source_dir: Path, exclude: tuple[Path, ...] = ()) -> Discovery:
    """Walk `source_dir` (not following links out of it, skipping `exclude` folders) for PDFs."""
    root = source_dir.resolve()
    excluded = tuple(p.resolve() for p in exclude)
    sources: list[SourceFile] = []
    problems: list[Failure] = []
    for path in sorted(_walk(root, excluded), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        target = path.resolve()
        if not _within(target, root):
            problems.append(
                Failure(rel, None, "read", "outside_source_dir", f"{rel} is a link to a file outside SOURCE_DIR; it was not read.")
            )
            continue
        try:
            digest, size = _hash_file(target)
        except OSError as exc:
            problems.append(Failure(rel, None, "read", "unreadable", f"{rel} cannot be read: {exc.strerror or exc}."))
            continue
        sources.append(SourceFile(path=rel, location=str(target), sha256=digest, size=size))
    unique, duplicates = split_duplicates(sources)
    return Discovery(sources=unique, problems=tuple(problems) + duplicates)


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
                    "read",
                    DUPLICATE,
                    f"{source.path} has the same content as {kept.path}; it was processed once, as {kept.path}.",
                )
            )
    return tuple(first.values()), tuple(duplicates)


def _walk(root: Path, excluded: tuple[Path, ...]):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _is_excluded(here / d, excluded))
        for name in filenames:
            if name.lower().endswith(".pdf"):
                yield here / name


def _is_excluded(path: Path, excluded: tuple[Path, ...]) -> bool:
    # os.walk does not descend into linked folders; OUT_DIR inside SOURCE_DIR is skipped here
    resolved = path.resolve()
    return any(_within(resolved, e) for e in excluded)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
