"""Provenance: which code and which libraries produced a snapshot."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path

PACKAGE = "parlq"
LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "spacy", "pandas", "pyarrow", "pandera", "prefect")
# Those whose version can change a snapshot: the readers, the NLP, validation, the Parquet bytes.
RESULT_LIBRARIES = tuple(name for name in LIBRARIES if name != "prefect")
# The files whose content decides the results: library code, its reference data, the schema.
SOURCE_PATTERNS = ("pipeline/**/*.py", "pipeline/data/**/*", "schemas/*")
_ROOT = Path(__file__).resolve().parents[2]


@cache
def code_version() -> str:
    """`<package version>+<12 hex>` over the sources and the versions of RESULT_LIBRARIES, e.g.
    `0.1.0+3f2a9c0d1b7e` (once per process).

    A library upgrade makes a new code version, as an edit does: the cache and the rows of the
    previous snapshot are not reused, so every row of a snapshot comes from the library versions
    its manifest names.
    """
    return f"{package_version(_ROOT)}+{hash_sources(_ROOT, library_versions(RESULT_LIBRARIES))}"


def hash_sources(root: Path, libraries: Mapping[str, str] | None = None) -> str:
    """12 hex chars of a hash over the source files below `root` (see SOURCE_PATTERNS) and the
    given library versions (name -> version), if any.

    Files are taken in sorted relative-path order and hashed by content only (no mtimes, no
    absolute paths); CRLF is read as LF so a checkout with other line endings hashes the same.
    """
    digest = hashlib.sha256()
    for path in _source_files(root):
        content = path.read_bytes().replace(b"\r\n", b"\n")
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(content).hexdigest().encode("ascii") + b"\n")
    for name, version in sorted((libraries or {}).items()):
        digest.update(f"library {name}=={version}\n".encode())
    return digest.hexdigest()[:12]


def package_version(root: Path) -> str:
    """The version in `root/pyproject.toml` (a checkout), else the installed distribution's."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        # A checkout's pyproject wins over install metadata that may be older than the checkout.
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed versions of the libraries that shape the results, by distribution name."""
    versions = {}
    for name in sorted(names):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _source_files(root: Path) -> list[Path]:
    found = {p for pattern in SOURCE_PATTERNS for p in root.glob(pattern) if p.is_file()}
    # Caches, editor backups and hidden files are not source.
    keep = [
        p for p in found
        if not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(root).parts)
        and not p.name.endswith(("~", ".pyc"))
    ]
    return sorted(keep, key=lambda p: p.relative_to(root).as_posix())
