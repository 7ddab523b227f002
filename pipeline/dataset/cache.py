"""Cache: per-document results keyed by content hash, code version and schema version.

An entry is a JSON head line (format, key, checksum) followed by the result as JSON, encoded and
validated by pydantic against the record types (strict: a value of the wrong type is refused,
not converted). A corrupted, truncated or foreign entry is deleted and reported as a miss; it is
never trusted and never raises. Writes go to a temporary file in the same folder and are renamed
into place, so concurrent workers are safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from pydantic import TypeAdapter

from pipeline.model.records import DocumentResult

CACHE_FORMAT = 4  # 2: pydantic's JSON of the result after a head line; 3: with the sidecar's metadata (1.2.0);
# 4: applications with applicant, municipalities, rule and heading line, and warnings (1.3.0)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ENTRY = re.compile(r"[0-9a-f]{64}-[0-9a-f]{16}\.json")
_TMP_PREFIX = ".tmp-"
_RESULT = TypeAdapter(DocumentResult)


@dataclass(frozen=True)
class CacheKey:
    """What a cached result depends on: the file content, the code, the schema and the sidecar's metadata."""

    sha256: str
    code_version: str
    schema_version: str
    meta_sha256: str | None = None  # SourceFile.meta_sha256: a changed sidecar is joined again

    def __post_init__(self) -> None:
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex chars, got {self.sha256!r}")
        if not self.code_version or not self.schema_version:
            raise ValueError("code_version and schema_version must not be empty")

    @property
    def file_name(self) -> str:
        versions = f"{self.code_version}\0{self.schema_version}".encode()
        if self.meta_sha256:  # absent without a sidecar: the names of other entries stay as they were
            versions += f"\0{self.meta_sha256}".encode()
        return f"{self.sha256}-{hashlib.sha256(versions).hexdigest()[:16]}.json"


def load_cached(cache_dir: Path, key: CacheKey) -> DocumentResult | None:
    """The cached result for `key`, or None on a miss (absent, unreadable or corrupted entry).

    A bad entry is deleted so the next store replaces it.
    """
    path = Path(cache_dir) / key.file_name
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        head_line, payload = raw.split(b"\n", 1)
        head = json.loads(head_line)
        if head["format"] != CACHE_FORMAT or head["key"] != asdict(key):
            raise ValueError("entry is for another key or format")
        if head["checksum"] != hashlib.sha256(payload).hexdigest():
            raise ValueError("checksum mismatch")
        result = _RESULT.validate_json(payload, strict=True)
        if result.sha256 != key.sha256:
            raise ValueError("result is for another file")
        return result
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        path.unlink(missing_ok=True)  # pydantic's ValidationError is a ValueError
        return None


def store_cached(cache_dir: Path, key: CacheKey, result: DocumentResult) -> Path:
    """Write `result` as the entry for `key` (atomically); returns the entry's path."""
    if result.sha256 != key.sha256:
        raise ValueError(f"result of {result.sha256} stored under key {key.sha256}")
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # warnings off: a record built with a plain string where an enum is declared writes the same value
    payload = _RESULT.dump_json(result, warnings=False)
    head = {"format": CACHE_FORMAT, "key": asdict(key), "checksum": hashlib.sha256(payload).hexdigest()}
    data = json.dumps(head, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n" + payload
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=_TMP_PREFIX, suffix=".json")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, cache_dir / key.file_name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return cache_dir / key.file_name


def clear_cache(cache_dir: Path) -> int:
    """Delete every cache entry (and leftover temporary file) in `cache_dir`; returns how many.

    Only files named like entries are touched, so a wrong folder loses nothing else.
    """
    cache_dir = Path(cache_dir)
    if not cache_dir.is_dir():
        return 0
    removed = 0
    for path in cache_dir.iterdir():
        if path.is_file() and (_ENTRY.fullmatch(path.name) or path.name.startswith(_TMP_PREFIX)):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def rebind_source(result: DocumentResult, source_file: str) -> DocumentResult:
    """The result as if read from `source_file`: the cache keys by content, not by path.

    Failure messages written by earlier stages may still name the original path.
    """
    old = result.source_file
    document = replace(result.document, source_file=source_file) if result.document is not None else None
    failures = tuple(
        replace(f, source_file=source_file) if f.source_file == old else f for f in result.failures
    )
    conflicts = tuple(replace(c, source_file=source_file) for c in result.conflicts)
    return replace(result, source_file=source_file, document=document, failures=failures, conflicts=conflicts)
