"""Cache: per-document results keyed by content hash, code version and schema version.

Entries are JSON files with a checksum over their payload. A corrupted, truncated or foreign
entry is deleted and reported as a miss; it is never trusted and never raises. Writes go to a
temporary file in the same folder and are renamed into place, so concurrent workers are safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from enum import StrEnum
from functools import cache
from operator import attrgetter
from pathlib import Path

from pipeline.model.records import DocumentResult

CACHE_FORMAT = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ENTRY = re.compile(r"[0-9a-f]{64}-[0-9a-f]{16}\.json")
_TMP_PREFIX = ".tmp-"
_PLAIN = frozenset({str, int, float, bool, type(None)})  # JSON values as they are


@dataclass(frozen=True)
class CacheKey:
    """What a cached result depends on: the file content, the code and the schema."""

    sha256: str
    code_version: str
    schema_version: str

    def __post_init__(self) -> None:
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex chars, got {self.sha256!r}")
        if not self.code_version or not self.schema_version:
            raise ValueError("code_version and schema_version must not be empty")

    @property
    def file_name(self) -> str:
        versions = f"{self.code_version}\0{self.schema_version}".encode()
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
        entry = json.loads(raw)
        payload = entry["payload"]
        if entry["format"] != CACHE_FORMAT or entry["key"] != _encode(key):
            raise ValueError("entry is for another key or format")
        if entry["checksum"] != _checksum(payload):
            raise ValueError("checksum mismatch")
        result = _decode(DocumentResult, payload)
        if result.sha256 != key.sha256:
            raise ValueError("result is for another file")
        return result
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
        path.unlink(missing_ok=True)
        return None


def store_cached(cache_dir: Path, key: CacheKey, result: DocumentResult) -> Path:
    """Write `result` as the entry for `key` (atomically); returns the entry's path."""
    if result.sha256 != key.sha256:
        raise ValueError(f"result of {result.sha256} stored under key {key.sha256}")
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    payload = _canonical(_encode(result))
    head = {"format": CACHE_FORMAT, "key": _encode(key), "checksum": _digest(payload)}
    # the payload is encoded once, for its checksum, and spliced in ("payload" sorts after the rest)
    text = json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "payload": ' + payload + "}"
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=_TMP_PREFIX, suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
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
    return replace(result, source_file=source_file, document=document, failures=failures)


def _checksum(payload: object) -> str:
    return _digest(_canonical(payload))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(payload: object) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _encode(value: object) -> object:
    """Frozen dataclasses to JSON values: dataclasses as objects, tuples as arrays, dates as ISO."""
    kind = type(value)
    return value if kind in _PLAIN else _encoder(kind)(value)


@cache
def _encoder(kind: type) -> Callable[[object], object]:
    """A function encoding values of type `kind`, built once per type (per value it was the cost of a store)."""
    if is_dataclass(kind):
        names = tuple(f.name for f in fields(kind))
        read = attrgetter(*names) if len(names) > 1 else lambda value: tuple(getattr(value, n) for n in names)
        return lambda value: {n: _encode(v) for n, v in zip(names, read(value), strict=True)}
    if issubclass(kind, dt.datetime):
        raise TypeError("datetimes are not part of cached records")
    if issubclass(kind, dt.date):
        return kind.isoformat
    if issubclass(kind, tuple | list):
        return lambda value: [_encode(v) for v in value]
    if issubclass(kind, str | int | float):
        return lambda value: value
    raise TypeError(f"cannot cache a {kind.__name__}")


def _decode(tp: object, value: object) -> object:
    """The inverse of _encode, driven by the type hints of the record classes."""
    return _decoder(tp)(value)


@cache
def _decoder(tp: object) -> Callable[[object], object]:
    """A function decoding values of type `tp`, built once per type (per value it was the cost of a hit)."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(tp)
        (inner,) = [a for a in args if a is not type(None)]
        decode_inner = _decoder(inner)
        if type(None) not in args:
            return decode_inner
        return lambda value: None if value is None else decode_inner(value)
    if origin is tuple:
        return _tuple_decoder(typing.get_args(tp))
    if isinstance(tp, type) and is_dataclass(tp):
        return _record_decoder(tp)
    if tp is dt.date:
        return lambda value: dt.date.fromisoformat(_expect(value, str))
    if isinstance(tp, type) and issubclass(tp, StrEnum):  # Stage, Status, ...: back to the member
        return lambda value: tp(_expect(value, str))
    if tp is float:
        return lambda value: float(_expect(value, int | float))
    if tp in (str, int, bool):
        return lambda value: _expect(value, tp)
    raise TypeError(f"no decoder for {tp!r}")


def _tuple_decoder(args: tuple[object, ...]) -> Callable[[object], object]:
    if len(args) == 2 and args[1] is Ellipsis:
        each = _decoder(args[0])
        return lambda value: tuple(map(each, _expect(value, list)))
    decoders = [_decoder(a) for a in args]

    def decode(value: object) -> tuple[object, ...]:
        if len(_expect(value, list)) != len(decoders):
            raise ValueError("tuple of the wrong length")
        return tuple(d(v) for d, v in zip(decoders, value, strict=True))

    return decode


def _record_decoder(record_type: type) -> Callable[[object], object]:
    hints = _type_hints(record_type)
    names = [f.name for f in fields(record_type)]
    expected = set(names)
    decoders = [(name, _decoder(hints[name])) for name in names]

    def decode(value: object) -> object:
        if set(_expect(value, dict)) != expected:
            raise ValueError(f"fields of {record_type.__name__} differ")
        return record_type(**{name: d(value[name]) for name, d in decoders})

    return decode


@cache
def _type_hints(record_type: type) -> dict[str, object]:
    # Resolving the string annotations is slow; the record classes never change in a process.
    return typing.get_type_hints(record_type)


def _expect(value: object, kind: object) -> object:
    """`value` if it is of `kind`; bool is an int subclass, so a flipped `true` must not pass as a number."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"expected {kind}, got {type(value).__name__}")
    return value
