"""The dataset schema: one JSON file is the source of truth; everything else derives from it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa

SCHEMA_FILE = Path(__file__).with_name("dataset.json")
TYPES = ("string", "int32", "float64", "date32", "list<string>")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    nullable: bool
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    min: float | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: tuple[str, ...]  # the fixed row order of the written table
    columns: tuple[ColumnSpec, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class DatasetSchema:
    version: str
    tables: dict[str, TableSpec]


@cache
def load_schema(path: Path = SCHEMA_FILE) -> DatasetSchema:
    """Read and check the schema file (cached: it is immutable for a process)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    enums = {k: tuple(v) for k, v in raw["enums"].items()}
    tables = {}
    for name, spec in raw["tables"].items():
        columns = []
        for col in spec["columns"]:
            if col["type"] not in TYPES:
                raise ValueError(f"{path}: column {name}.{col['name']} has unknown type {col['type']!r}")
            enum = col.get("enum")
            columns.append(
                ColumnSpec(
                    name=col["name"],
                    type=col["type"],
                    nullable=bool(col["nullable"]),
                    pattern=col.get("pattern"),
                    enum=enums[enum] if enum else None,
                    min=col.get("min"),
                )
            )
        names = {c.name for c in columns}
        if not set(spec["key"]) <= names:
            raise ValueError(f"{path}: key of {name} names unknown columns")
        tables[name] = TableSpec(name=name, key=tuple(spec["key"]), columns=tuple(columns))
    return DatasetSchema(version=raw["schema_version"], tables=tables)


def arrow_type(type_name: str) -> pa.DataType:
    """The pyarrow type of a schema type name (plain `string`, never `large_string`)."""
    return {
        "string": pa.string(),
        "int32": pa.int32(),
        "float64": pa.float64(),
        "date32": pa.date32(),
        "list<string>": pa.list_(pa.string()),
    }[type_name]


def arrow_schema(table: TableSpec) -> pa.Schema:
    """The pyarrow schema a table is written with."""
    return pa.schema(
        [pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in table.columns]
    )
