"""Snapshot folders as readers find them: where they live in OUT_DIR, their id, and their checks.

A snapshot's id is a hash of its inputs (path, sha256, sidecar metadata), the code and schema versions, and the
failures whose outcome depended on the run. Its manifest also lists the documents' warnings (what no row
says: an ambiguous list, an applicant without a municipality), for the runs that carry those documents over.
`write` publishes snapshots; `carry`, `unchanged`, `diff` and `parlq validate` read them through this module.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.model.records import DocumentResult, SourceFile
from pipeline.runtime.limits import RUN_OUTCOMES
from pipeline.storage import hash_file, is_url, join_location, read_bytes
from schemas import DatasetSchema, arrow_schema, load_schema

SNAPSHOT_FORMAT = "parlq-snapshot/1"
LATEST = "LATEST"
MANIFEST = "manifest.json"
SNAPSHOTS = "snapshots"
RUNS = "runs"
TMP_PREFIX = ".tmp-"
_ID = re.compile(r"[0-9a-f]{16}")


def compute_snapshot_id(inputs: Sequence[SourceFile], code_version: str, schema_version: str,
                        run_outcomes: Sequence[Sequence[str]] = ()) -> str:
    """16 hex chars over the sorted (path, sha256) of the inputs (with the digest of its sidecar's
    metadata for an input that has one), the code and schema versions, and the failures that
    depended on the run (see `list_run_outcomes`), when there are any.

    Without those, a run that retried a timed-out file with success would get the id of the
    snapshot holding the timeout, and its rows would never be published; without the sidecar's
    digest, a run after a changed sidecar would find "nothing new".
    """
    pairs = sorted((f.path, f.sha256, *((f.meta_sha256,) if f.meta_sha256 else ())) for f in inputs)
    if len({p[0] for p in pairs}) != len(pairs):
        raise ValueError("two inputs have the same path")
    payload: dict[str, object] = {"format": SNAPSHOT_FORMAT, "inputs": pairs, "code_version": code_version,
                                  "schema_version": schema_version}
    if run_outcomes:  # absent otherwise, so that a snapshot without them keeps the id it always had
        payload["run_outcomes"] = sorted(list(outcome) for outcome in run_outcomes)
    return hashlib.sha256(_canonical(payload)).hexdigest()[:16]


def list_run_outcomes(results: Sequence[DocumentResult]) -> list[list[str]]:
    """[path, stage, error, message] of each failure whose outcome depended on the run (a timeout,
    a limit, an I/O error, a crashed worker), sorted: the next run tries those files again."""
    return sorted([f.source_file, f.stage, f.error, f.message]
                  for result in results for f in result.failures if f.error in RUN_OUTCOMES)


def list_warnings(
    results: Sequence[DocumentResult], carried: Sequence[tuple[str, str]] = ()
) -> tuple[tuple[str, str], ...]:
    """(path, warning) of a snapshot's documents, the `carried` ones' included, by path (a document's in its
    order): the manifest's `warnings`, and those of the run's summary."""
    said = [*carried, *((r.source_file, w) for r in results for w in r.warnings)]
    return tuple(sorted(said, key=lambda pair: pair[0]))


def manifest_warnings(manifest: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """(path, warning) of each warning a snapshot's manifest lists (none in a snapshot without any)."""
    entries = manifest.get("warnings") or ()
    return tuple((str(path), str(warning)) for path, warning in entries)  # type: ignore[union-attr]


def read_latest(out_dir: Path | str) -> str | None:
    """The snapshot id LATEST names, or None when there is no (well-formed) LATEST; OUT_DIR may be a URL."""
    try:
        if is_url(out_dir):
            text = read_bytes(join_location(str(out_dir), LATEST)).decode("ascii").strip()
        else:
            text = (Path(out_dir) / LATEST).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _ID.fullmatch(text) else None


def latest_snapshot(out_dir: Path, schema: DatasetSchema | None = None) -> Path | None:
    """The folder LATEST names, when it is a valid snapshot; else None."""
    latest = read_latest(out_dir)
    folder = Path(out_dir) / SNAPSHOTS / latest if latest else None
    return folder if folder is not None and not validate_snapshot(folder, schema) else None


def is_published(out_dir: Path, snapshot_id: str, schema: DatasetSchema | None = None) -> bool:
    """True when LATEST names `snapshot_id` and that snapshot is valid (a run can be skipped)."""
    folder = Path(out_dir) / SNAPSHOTS / snapshot_id
    return read_latest(out_dir) == snapshot_id and not validate_snapshot(folder, schema)


def validate_snapshot(path: Path, schema: DatasetSchema | None = None) -> list[str]:
    """Problems with a snapshot folder, or with OUT_DIR's LATEST snapshot; empty means valid.

    Checks the manifest, the id, that every schema table is present with the schema's Arrow
    schema, the row counts and sha256 of every file, and that no other file is in the folder.
    """
    schema = schema or load_schema()
    path = Path(path)
    if not (path / MANIFEST).exists() and (path / LATEST).exists():
        latest = read_latest(path)
        if latest is None:
            return [f"{path / LATEST} does not hold a snapshot id"]
        path = path / SNAPSHOTS / latest
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        tables, inputs = manifest["tables"], manifest["inputs"]
        files = [SourceFile(i["path"], "", i["sha256"], i["size"], meta_sha256=i.get("meta_sha256")) for i in inputs]
        expected_id = compute_snapshot_id(files, manifest["code_version"], manifest["schema_version"],
                                          manifest.get("run_outcomes", ()))
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"{path}: no readable manifest ({type(error).__name__}: {error})"]
    problems = []
    if manifest.get("snapshot_id") != expected_id or path.name != expected_id:
        problems.append(f"{path}: folder name or manifest id is not {expected_id}, the id of its inputs")
    if manifest["schema_version"] != schema.version:
        problems.append(f"{path}: schema {manifest['schema_version']}, but this code has {schema.version}")
    for name, spec in schema.tables.items():
        entry = tables.get(name)
        file = path / f"{name}.parquet"
        if entry is None or not file.is_file():
            problems.append(f"{file}: missing")
            continue
        if sha256_file(file) != entry.get("sha256"):
            problems.append(f"{file}: sha256 differs from the manifest")
            continue
        try:
            if not pq.read_schema(file).equals(arrow_schema(spec)):
                problems.append(f"{file}: Arrow schema differs from schema {schema.version}")
            if pq.read_metadata(file).num_rows != entry.get("rows"):
                problems.append(f"{file}: row count differs from the manifest")
        except (OSError, pa.ArrowException) as error:
            problems.append(f"{file}: unreadable Parquet ({error})")
    allowed = {MANIFEST} | {f"{name}.parquet" for name in schema.tables}
    strays = [p for p in sorted(path.iterdir()) if p.name not in allowed]
    problems += [f"{p}: not part of the snapshot" for p in strays]
    return problems


def sha256_file(path: Path) -> str:
    """The sha256 of a file."""
    return hash_file(path)[0]


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
