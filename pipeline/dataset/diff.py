"""Diff: what changed between two snapshots, row by row and field by field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.dataset.snapshot import MANIFEST, SNAPSHOTS, TMP_PREFIX, read_latest
from pipeline.model.records import FieldChange, RowDiff, SnapshotDiff, TableDiff
from schemas import DatasetSchema, load_schema

# Columns that make a row recognisable beyond its key (those present are used).
LABEL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "documents": ("source_file", "title"),
    "applications": ("municipality", "title"),
    "application_municipalities": ("municipality",),
}
_VALUE_WIDTH = 100


def diff_snapshots(old_dir: Path, new_dir: Path, schema: DatasetSchema | None = None) -> SnapshotDiff:
    """Rows added, removed and changed per table, matching rows on the table's key."""
    schema = schema or load_schema()
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    old_tables, new_tables = _manifest(old_dir)["tables"], _manifest(new_dir)["tables"]
    notes = [f"table {n} is only in {old_dir.name}" for n in old_tables if n not in new_tables]
    notes += [f"table {n} is only in {new_dir.name}" for n in new_tables if n not in old_tables]
    diffs = []
    for name, spec in schema.tables.items():
        if name not in old_tables or name not in new_tables:
            continue
        old_columns, old_rows = _read(old_dir / old_tables[name]["file"])
        new_columns, new_rows = _read(new_dir / new_tables[name]["file"])
        columns = [c for c in spec.column_names if c in old_columns & new_columns]
        only_one = sorted((old_columns | new_columns) - set(columns))
        notes += [f"column {name}.{c} is only in one snapshot" for c in only_one]
        diffs.append(_diff_table(name, spec.key, columns, old_rows, new_rows))
    return SnapshotDiff(old_id=old_dir.name, new_id=new_dir.name, tables=tuple(diffs), notes=tuple(notes))


def format_diff(diff: SnapshotDiff) -> str:
    """A plain-text report: counts per table, then one line per row and per changed field."""
    lines = [f"snapshot {diff.old_id} -> {diff.new_id}"]
    for t in diff.tables:
        lines.append(f"{t.table}: {len(t.added)} added, {len(t.removed)} removed, {len(t.changed)} changed")
    lines += [f"note: {note}" for note in diff.notes]
    for table in diff.tables:
        if not (table.added or table.removed or table.changed):
            continue
        lines += ["", f"{table.table} (key: {', '.join(table.key)})"]
        for sign, rows in (("+", table.added), ("-", table.removed), ("~", table.changed)):
            for row in rows:
                lines.append(f"  {sign} {' / '.join(map(str, row.key))}  {row.label}".rstrip())
                lines += [f"      {c.column}: {_show(c.old)} -> {_show(c.new)}" for c in row.changes]
    return "\n".join(lines) + "\n"


def resolve_snapshot(ref: str, out_dir: Path | None) -> Path:
    """A snapshot folder from a path, `LATEST`, or an id (or unique id prefix) under OUT_DIR/snapshots."""
    path = Path(ref)
    if (path / MANIFEST).is_file():
        return path
    if path.is_absolute() or len(path.parts) > 1:
        # a path, not an id: globbing for it under OUT_DIR would fail (pathlib refuses absolute patterns)
        state = "is not a snapshot folder (no manifest.json)" if path.exists() else "does not exist"
        raise FileNotFoundError(f"{ref} {state}")
    if out_dir is None:
        raise FileNotFoundError(f"{ref} is not a snapshot folder (no {MANIFEST}); give OUT_DIR for ids")
    snapshots = Path(out_dir) / SNAPSHOTS
    if ref == "LATEST":
        latest = read_latest(Path(out_dir))
        if latest is None:
            raise FileNotFoundError(f"{out_dir} has no LATEST snapshot")
        ref = latest
    candidates = snapshots.glob(f"{ref}*") if ref and not ref.startswith(".") else []
    found = sorted(p for p in candidates if not p.name.startswith(TMP_PREFIX) and (p / MANIFEST).is_file())
    exact = [p for p in found if p.name == ref]
    if exact or len(found) == 1:
        return (exact or found)[0]
    if not found:
        raise FileNotFoundError(f"no snapshot {ref!r} in {snapshots}")
    raise ValueError(f"{ref!r} matches several snapshots: {', '.join(p.name for p in found)}")


def _diff_table(name: str, key: tuple[str, ...], columns: list[str], old_rows: list[dict],
                new_rows: list[dict]) -> TableDiff:
    old, new = _by_key(old_rows, key), _by_key(new_rows, key)
    labels = [c for c in LABEL_COLUMNS.get(name, ()) if c in columns and c not in key]

    def row_diff(k: tuple, row: dict, changes: tuple[FieldChange, ...] = ()) -> RowDiff:
        label = " | ".join(str(row[c]) for c in labels if row.get(c) is not None)
        return RowDiff(key=k, label=label, changes=changes)

    changed = []
    for k in sorted(old.keys() & new.keys(), key=_sort_key):
        before, after = old[k], new[k]
        changes = tuple(FieldChange(c, before[c], after[c]) for c in columns if before[c] != after[c])
        if changes:
            changed.append(row_diff(k, new[k], changes))
    return TableDiff(
        table=name,
        key=key,
        added=tuple(row_diff(k, new[k]) for k in sorted(new.keys() - old.keys(), key=_sort_key)),
        removed=tuple(row_diff(k, old[k]) for k in sorted(old.keys() - new.keys(), key=_sort_key)),
        changed=tuple(changed),
    )


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FileNotFoundError(f"{folder} is not a readable snapshot: {error}") from error


def _read(file: Path) -> tuple[set[str], list[dict]]:
    table = pq.read_table(file)
    return set(table.column_names), table.to_pylist()


def _by_key(rows: list[dict], key: tuple[str, ...]) -> dict[tuple, dict]:
    return {tuple(row[k] for k in key): row for row in rows}


def _sort_key(key: tuple) -> tuple:
    return tuple((v is not None, v if v is not None else 0) for v in key)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 3] + "..."
