"""Nothing new: recognise that the current snapshot already holds what a run would publish.

A snapshot's id is a hash of its inputs (path and sha256), the code version and the schema
version, so when LATEST names the id of the inputs just discovered, and that snapshot is intact,
processing them again can only give the same tables. The run then reads the snapshot's
manifest and failures table for its summary instead of loading, validating and rewriting
every document. It does not skip when a failure in the snapshot depends on the run (a
timeout, a limit, an I/O error): those files deserve another try. Such a snapshot never matches,
as those failures are part of its id.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.dataset.carry import read_failures
from pipeline.dataset.snapshot import MANIFEST, SNAPSHOTS, compute_snapshot_id, is_published, manifest_warnings
from pipeline.discover.sources import Discovery, input_files
from pipeline.model.kinds import FailureKind
from pipeline.model.records import RunSummary
from pipeline.runtime.limits import RUN_OUTCOMES, Limits
from schemas import DatasetSchema


def find_unchanged(
    discovery: Discovery, out_dir: Path | str, code_version: str, schema: DatasetSchema, limits: Limits
) -> RunSummary | None:
    """The summary of the snapshot these inputs would give, when LATEST already names it; else None.

    None also when a failure in it depends on the run, or a document in it is over this run's
    page limit (a run with stricter limits must refuse it).
    """
    inputs = input_files(discovery)
    snapshot_id = compute_snapshot_id(inputs, code_version, schema.version)
    folder = Path(out_dir) / SNAPSHOTS / snapshot_id
    if not is_published(Path(out_dir), snapshot_id, schema):
        return None
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if any((entry.get("pages") or 0) > limits.max_pages for entry in manifest["inputs"]):
        return None
    failures = read_failures(folder / "failures.parquet")
    if any(f.error in RUN_OUTCOMES for f in failures):  # a guard: their id is another
        return None
    rows = {name: int(entry["rows"]) for name, entry in manifest["tables"].items()}
    documents = rows["documents"]
    duplicates = len({f.source_file for f in failures if f.error == FailureKind.DUPLICATE})
    return RunSummary(
        inputs=len(inputs),
        documents=documents,
        parsed=0,
        cached=len(discovery.sources),
        failed=len(inputs) - documents - duplicates,
        duplicates=duplicates,
        sections=rows["sections"],
        applications=rows["applications"],
        failures=sum(1 for f in failures if f.error != FailureKind.DUPLICATE),
        snapshot_id=snapshot_id,
        snapshot_path=str(folder),
        published=False,
        failure_rows=failures,
        warnings=tuple(f"{path}: {warning}" for path, warning in manifest_warnings(manifest)),
    )
