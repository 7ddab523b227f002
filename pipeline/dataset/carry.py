"""Carry over: unchanged inputs keep their rows from the previous snapshot, without being processed.

A run after a batch of new documents only has new work: every input whose path and content the
previous snapshot (LATEST, made by the same code and schema version) already holds keeps its
rows from that snapshot's tables, so neither its cache entry is loaded nor its rows validated
and tabulated again. The snapshot written is the one a run from scratch would write (same rows,
same order, same bytes). An input is processed again when its outcome may depend on the run:
a timeout, a limit, an I/O error, a crashed worker, a question date that was after the day of
its run, or a document over this run's page limit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.dataset.rows import doc_id_for
from pipeline.dataset.snapshot import MANIFEST, manifest_warnings
from pipeline.discover.sources import Discovery
from pipeline.model.kinds import FailureKind
from pipeline.model.records import CarryPlan, Failure
from pipeline.runtime.limits import RUN_OUTCOMES, Limits
from schemas import DatasetSchema, arrow_schema

# Tried again: outcomes of the run (part of the snapshot id), and duplicates (their original may be gone).
RETRY_ERRORS = RUN_OUTCOMES | {FailureKind.DUPLICATE}
# How each table's rows belong to an input: by document id or by source file.
_BY_DOCUMENT = ("documents", "sections", "applications", "application_themes", "application_municipalities")
_FAILURE_FIELDS = ("source_file", "sha256", "stage", "error", "message")


def plan_carry(
    discovery: Discovery, previous: Path | None, code_version: str, schema: DatasetSchema, limits: Limits
) -> CarryPlan | None:
    """Which discovered sources keep their rows from `previous` (a valid snapshot folder); None: none.

    None too when `previous` was made by other code or another schema, or when a new document's
    id would collide with a carried one (then validation must see them all together).
    """
    if previous is None:
        return None
    manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
    if manifest["code_version"] != code_version or manifest["schema_version"] != schema.version:
        return None
    # an input whose sidecar's metadata changed is not the same input: it is joined again
    pages = {(i["path"], i["sha256"], i.get("meta_sha256")): i.get("pages") for i in manifest["inputs"]}
    documents = pq.read_table(previous / "documents.parquet", columns=["doc_id", "source_file", "sha256"])
    doc_of = {
        (path, sha): doc_id for doc_id, path, sha in zip(*(c.to_pylist() for c in documents.columns), strict=True)
    }
    failures: dict[str, list[Failure]] = defaultdict(list)
    for failure in read_failures(previous / "failures.parquet"):
        failures[failure.source_file].append(failure)
    carried, kept = [], []
    for source in discovery.sources:
        key = (source.path, source.sha256)
        own = failures.get(source.path, [])
        held = (*key, source.meta_sha256)
        if held not in pages or (pages[held] or 0) > limits.max_pages:
            continue
        if any(f.error in RETRY_ERRORS or f.sha256 != source.sha256 for f in own):
            continue
        if key not in doc_of and not own:
            continue  # neither a document nor a failure of its own in that snapshot: process it
        carried.append(source)
        if key in doc_of:
            kept.append((source.path, doc_of[key]))
    if not carried:
        return None
    carried_paths = {s.path for s in carried}
    new_ids = {doc_id_for(s.sha256) for s in discovery.sources if s.path not in carried_paths}
    if new_ids & {doc_id for _, doc_id in kept}:
        return None
    counts = _count_rows(previous, {doc_id for _, doc_id in kept}, ("sections", "applications"))
    warnings = tuple((path, warning) for path, warning in manifest_warnings(manifest) if path in carried_paths)
    return CarryPlan(
        snapshot_path=str(previous),
        sources=tuple(carried),
        documents=tuple(kept),
        pages=tuple((s.path, pages[(s.path, s.sha256, s.meta_sha256)]) for s in carried),
        failures=tuple(f for s in carried for f in failures.get(s.path, [])),
        sections=counts["sections"],
        applications=counts["applications"],
        warnings=warnings,
    )


def read_carried(plan: CarryPlan, schema: DatasetSchema) -> dict[str, pa.Table]:
    """The carried inputs' rows of every schema table, read from the previous snapshot."""
    folder = Path(plan.snapshot_path)
    doc_ids = pa.array(sorted(plan.doc_ids), pa.string())
    paths = pa.array(sorted(plan.paths), pa.string())
    tables = {}
    for name, spec in schema.tables.items():
        # Parquet names a list's items "element", the schema "item": cast back to the schema's types
        table = pq.read_table(folder / f"{name}.parquet").cast(arrow_schema(spec))
        column, wanted = ("doc_id", doc_ids) if name in _BY_DOCUMENT else ("source_file", paths)
        tables[name] = table.filter(pc.is_in(table.column(column), value_set=wanted))
    return tables


def read_failures(file: Path) -> tuple[Failure, ...]:
    """The rows of a snapshot's failures table as records, in the table's order."""
    table = pq.read_table(file, columns=list(_FAILURE_FIELDS))
    columns = [table.column(name).to_pylist() for name in _FAILURE_FIELDS]
    return tuple(Failure(*values) for values in zip(*columns, strict=True))


def _count_rows(folder: Path, doc_ids: set[str], names: tuple[str, ...]) -> dict[str, int]:
    wanted = pa.array(sorted(doc_ids), pa.string())
    counts = {}
    for name in names:
        column = pq.read_table(folder / f"{name}.parquet", columns=["doc_id"]).column("doc_id")
        counts[name] = pc.sum(pc.is_in(column, value_set=wanted)).as_py() or 0
    return counts
