"""Write: the only module that writes Parquet. Publishes complete snapshots atomically.

OUT_DIR/snapshots/<id>/ holds one Parquet file per schema table plus manifest.json; LATEST names
the newest complete snapshot. The folder is built under snapshots/.tmp-<id>-<pid>, fsynced,
renamed into place, and only then is LATEST replaced, so a process killed at any point leaves
the previous snapshot and LATEST as they were. LATEST and OUT_DIR/current are links into one
pointer (`current.py`), replaced in one rename: they always name the same snapshot.
Timestamps never enter the snapshot folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.dataset.carry import read_carried
from pipeline.dataset.current import HEAD_STEPS, TMP_GLOB, copy_current, point_head, sync_current
from pipeline.dataset.snapshot import (
    LATEST,
    MANIFEST,
    RUNS,
    SNAPSHOT_FORMAT,
    SNAPSHOTS,
    TMP_PREFIX,
    compute_snapshot_id,
    list_run_outcomes,
    list_warnings,
    read_latest,
    sha256_file,
    validate_snapshot,
)
from pipeline.dataset.tabulate import merge_tables, tabulate_results
from pipeline.model.records import CarryPlan, DocumentResult, SnapshotInfo, SourceFile
from pipeline.storage import fsync_path, is_url, join_location, read_bytes, upload_files, write_bytes
from schemas import DatasetSchema

# Fixed writer options: the same table always gives the same bytes with the same pyarrow.
PARQUET_OPTIONS: Mapping[str, object] = {
    "compression": "zstd",
    "compression_level": 3,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 1 << 20,
    "use_dictionary": True,
    "write_statistics": True,
}
PROGRESS_STEPS = ("tables_written", "manifest_written", "renamed", *HEAD_STEPS)


class SnapshotError(RuntimeError):
    """The snapshot could not be published (nothing visible changed)."""


def publish_snapshot(
    results: Sequence[DocumentResult],
    inputs: Sequence[SourceFile],
    out_dir: Path | str,
    *,
    schema: DatasetSchema,
    code_version: str,
    library_versions: Mapping[str, str],
    engine: str,
    run_info: Mapping[str, object] | None = None,
    progress: Callable[[str], None] | None = None,
    carried: CarryPlan | None = None,
    latest_at_start: str | None = None,
    tables: Mapping[str, pa.Table] | None = None,
) -> SnapshotInfo:
    """Write the (already validated) results as snapshot <id> and point LATEST at it.

    `carried` inputs have no result: their rows are copied from the previous snapshot it names.
    `tables`: the results' tables as validation made them (`validate.checks.validate_tables`),
    so that no record is tabulated twice; without them the results are tabulated here.

    Does nothing (published=False) when LATEST already names a valid snapshot with this id; an
    existing valid snapshots/<id> folder from an earlier run is reused. `run_info` (timestamps,
    host, ...) goes to OUT_DIR/runs/<id>.json, outside the snapshot. `progress` is called with
    each name in PROGRESS_STEPS as it completes. OUT_DIR may be a URL (`s3://bucket/prefix`).

    `latest_at_start` is what LATEST named when the run began ("" for none; None: not checked).
    An object store has no lock: when another run has moved LATEST since, the snapshot is
    uploaded but LATEST is left to the other run, and SnapshotError says so.
    """
    if is_url(out_dir):
        local = partial(publish_snapshot, results, inputs, schema=schema, code_version=code_version,
                        library_versions=library_versions, engine=engine, run_info=run_info, progress=progress,
                        carried=carried, tables=tables)
        return _publish_to_url(str(out_dir), local, latest_at_start)
    out_dir = Path(out_dir)
    step = progress or (lambda name: None)
    known = {f.path for f in inputs}
    strays = sorted(({r.source_file for r in results} | (carried.paths if carried else set())) - known)
    if strays:
        raise ValueError(f"results for files that are not inputs: {strays[:3]}")
    if carried and carried.paths & {r.source_file for r in results}:
        raise ValueError("an input is both carried over and processed")
    (out_dir / SNAPSHOTS).mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    sync_current(out_dir)  # LATEST and current/ as links into one pointer (an OUT_DIR of the old layout)
    outcomes = list_run_outcomes(results)
    snapshot_id = compute_snapshot_id(inputs, code_version, schema.version, outcomes)
    final = out_dir / SNAPSHOTS / snapshot_id
    if read_latest(out_dir) == snapshot_id and not validate_snapshot(final, schema):
        _write_run(out_dir, snapshot_id, False, engine, run_info)
        return _info(final, schema, published=False)
    if final.exists() and validate_snapshot(final, schema):
        # A broken folder (e.g. edited by hand) is moved aside first so the rename below can land.
        trash = out_dir / SNAPSHOTS / f"{TMP_PREFIX}broken-{snapshot_id}-{os.getpid()}"
        os.rename(final, trash)
        shutil.rmtree(trash, ignore_errors=True)
    if not final.exists():
        pages = {r.source_file: r.n_pages for r in results} | dict(carried.pages if carried else ())
        head = {
            "format": SNAPSHOT_FORMAT,
            "snapshot_id": snapshot_id,
            "schema_version": schema.version,
            "code_version": code_version,
            "engine": engine,
            "library_versions": dict(sorted(library_versions.items())),
            "inputs": [{"path": f.path, "sha256": f.sha256, "size": f.size, "pages": pages.get(f.path),
                        **({"meta_sha256": f.meta_sha256} if f.meta_sha256 else {})}  # its sidecar's metadata
                       for f in sorted(inputs, key=lambda f: f.path)],
            **({"run_outcomes": outcomes} if outcomes else {}),
        }
        warnings = [list(pair) for pair in list_warnings(results, carried.warnings if carried else ())]
        if warnings:  # absent otherwise: a snapshot without warnings keeps the manifest it always had
            head["warnings"] = warnings
        made = dict(tables) if tables is not None else tabulate_results(results, schema)
        if carried is not None:
            made = merge_tables(made, read_carried(carried, schema), schema)
        _build_folder(final, made, head, step, schema)
    point_head(out_dir, snapshot_id, step)  # LATEST and current/ move together, in one rename
    _write_run(out_dir, snapshot_id, True, engine, run_info)
    return _info(final, schema, published=True)


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove temporary folders, LATEST.tmp files and current/ links left by dead processes; returns what went."""
    out_dir = Path(out_dir)
    candidates = [
        *(out_dir / SNAPSHOTS).glob(f"{TMP_PREFIX}*"),
        *out_dir.glob(f"{LATEST}.tmp-*"),
        *(out_dir / RUNS).glob("*.tmp-*"),
        *out_dir.glob(TMP_GLOB),
    ]
    removed = []
    for path in candidates:
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue  # another run is writing it right now
        if path.is_dir() and not path.is_symlink():  # a link goes, not what it points at
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _build_folder(final: Path, tables: Mapping[str, pa.Table], head: dict, step: Callable[[str], None],
                  schema: DatasetSchema) -> None:
    """Write everything under a temporary name, fsync it, then rename it to `final` in one step."""
    tmp = final.parent / f"{TMP_PREFIX}{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    entries = {}
    for name, table in tables.items():
        file = tmp / f"{name}.parquet"
        pq.write_table(table, file, **PARQUET_OPTIONS)
        fsync_path(file)
        entries[name] = {"file": file.name, "rows": table.num_rows, "sha256": sha256_file(file)}
    step("tables_written")
    manifest = json.dumps({**head, "tables": entries}, indent=2, sort_keys=True, ensure_ascii=False)
    _write_synced(tmp / MANIFEST, manifest + "\n")
    step("manifest_written")
    fsync_path(tmp)
    try:
        os.rename(tmp, final)
    except OSError:
        # Another run published the same id between our check and the rename: keep theirs.
        if not final.exists() or validate_snapshot(final, schema):
            raise SnapshotError(f"could not move {tmp} to {final}") from None
        shutil.rmtree(tmp, ignore_errors=True)
    fsync_path(final.parent)
    step("renamed")


def _publish_to_url(
    target: str, publish_local: Callable[[Path], SnapshotInfo], latest_at_start: str | None
) -> SnapshotInfo:
    """Build the snapshot in a local staging folder, then copy it under the URL `target`.

    An object store has no rename: the tables go up first, the manifest after them, then the
    copy in current/ and LATEST last, so a reader that follows LATEST finds a complete snapshot.
    Nothing is copied when LATEST already names this id and the stored manifests are this one.
    """
    with tempfile.TemporaryDirectory(prefix="parlq-publish-") as staging:
        info = publish_local(Path(staging))
        folder = Path(info.path)
        remote = join_location(target, SNAPSHOTS, info.snapshot_id)
        latest = f"{info.snapshot_id}\n".encode("ascii")
        unchanged = (
            _stored(join_location(target, LATEST)) == latest
            and _stored(join_location(remote, MANIFEST)) == (folder / MANIFEST).read_bytes()
        )
        if not unchanged:
            tables = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST)
            upload_files(folder, remote, [*tables, MANIFEST])
            _check_latest(target, latest_at_start, info.snapshot_id)
        copy_current(folder, target)  # also repairs a current/ that a killed run left ahead of LATEST
        if not unchanged:
            write_bytes(join_location(target, LATEST), latest)
        runs = Path(staging) / RUNS
        if runs.is_dir():
            upload_files(runs, join_location(target, RUNS), sorted(p.name for p in runs.iterdir()))
    return replace(info, path=remote, published=not unchanged)


def _check_latest(target: str, latest_at_start: str | None, snapshot_id: str) -> None:
    """Refuse to move LATEST over a snapshot another run published after this run began."""
    if latest_at_start is None:
        return
    now = (_stored(join_location(target, LATEST)) or b"").decode("ascii", "replace").strip()
    if now not in {latest_at_start, snapshot_id}:
        raise SnapshotError(
            f"another run published snapshot {now} to {target} after this run began (LATEST was "
            f"{latest_at_start or 'absent'}); this run's snapshot {snapshot_id} is stored under {SNAPSHOTS}/ "
            "but LATEST still names the other one. Run again to publish on top of it"
        )


def _stored(location: str) -> bytes | None:
    try:
        return read_bytes(location)
    except OSError:
        return None


def _info(final: Path, schema: DatasetSchema, *, published: bool) -> SnapshotInfo:
    tables = json.loads((final / MANIFEST).read_text(encoding="utf-8"))["tables"]
    counts = tuple((name, int(tables[name]["rows"])) for name in schema.tables)
    return SnapshotInfo(snapshot_id=final.name, path=str(final), published=published, row_counts=counts)


def _write_run(out_dir: Path, snapshot_id: str, published: bool, engine: str,
               run_info: Mapping[str, object] | None) -> None:
    if run_info is None:
        return
    runs = out_dir / RUNS
    runs.mkdir(exist_ok=True)
    record = {"snapshot_id": snapshot_id, "published": published, "engine": engine, **run_info}
    tmp = runs / f"{snapshot_id}.json.tmp-{os.getpid()}"
    _write_synced(tmp, json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, runs / f"{snapshot_id}.json")


def _pid_alive(pid: int) -> bool:
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


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
